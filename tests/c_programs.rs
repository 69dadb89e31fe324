//! The C test programs (tests-c/, built by `make c-programs` as C11, C++ and with
//! AddressSanitizer) run against a real broker and the canned TIE responder, and once under
//! valgrind.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{Mosquitto, MosquittoOptions, Pki, TempDir};

fn build_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("build")
}

/// Builds the C programs (incremental; `make test` has usually done it already).
fn make_c_programs() {
    let status = Command::new("make")
        .arg("-s")
        .arg("c-programs")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("make");
    assert!(status.success(), "make c-programs failed");
}

fn run(program: &[&str], config: &Path) -> (bool, String) {
    let out = Command::new(program[0])
        .args(&program[1..])
        .arg(config)
        .env("ASAN_OPTIONS", "detect_leaks=0") // leaks are valgrind's job; LSan trips on Rust's thread-locals
        .output()
        .expect("run C program");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn c_programs_pass_against_a_real_broker() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let _responder = support::tie_responder::start(&broker.client_config(&pki));
    let dir = TempDir::new("c-programs");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    for variant in ["", "-cxx", "-asan"] {
        let config_test = build_dir().join(format!("config_test{variant}"));
        let out = Command::new(&config_test)
            .env("ASAN_OPTIONS", "detect_leaks=0")
            .output()
            .expect("config_test");
        assert!(
            out.status.success(),
            "config_test{variant}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let abi_test = build_dir().join(format!("abi_test{variant}"));
        let out = Command::new(&abi_test)
            .env("ASAN_OPTIONS", "detect_leaks=0")
            .output()
            .expect("abi_test");
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("abi_test: 0 failed"),
            "abi_test{variant}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let client_test = build_dir().join(format!("client_test{variant}"));
        let (ok, text) = run(&[client_test.to_str().unwrap()], &config);
        assert!(ok, "client_test{variant}:\n{text}");
        assert!(text.contains("client_test: 0 failed"), "{text}");
        let cache_test = build_dir().join(format!("cache_test{variant}"));
        let (ok, text) = run(&[cache_test.to_str().unwrap()], &config);
        assert!(
            ok && text.contains("cache_test: 0 failed"),
            "cache_test{variant}:\n{text}"
        );
    }
}

#[test]
fn c_programs_run_clean_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        panic!("valgrind is missing: scripts/setup-deps.sh installs it");
    }
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let _responder = support::tie_responder::start(&broker.client_config(&pki));
    let dir = TempDir::new("valgrind");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    for program in ["client_test", "cache_test", "event_json_test"] {
        let path = build_dir().join(program);
        let (ok, text) = run(
            &[
                "valgrind",
                "--error-exitcode=99",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--show-leak-kinds=definite",
                concat!("--suppressions=", env!("CARGO_MANIFEST_DIR"), "/tests/valgrind.supp"),
                path.to_str().unwrap(),
            ],
            &config,
        );
        assert!(ok, "valgrind {program}:\n{text}");
        assert!(text.contains("ERROR SUMMARY: 0 errors"), "{text}");
    }
}

/// The callback samples' C ports print each event as the Python samples do.
#[test]
fn callback_examples_print_their_events() {
    use std::io::{BufRead, BufReader, Read};
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let _responder = support::tie_responder::start(&broker.client_config(&pki));
    let dir = TempDir::new("example");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    let trigger = dxltie::tie::TieClient::new(broker.client_config(&pki)).unwrap();
    trigger.connect(std::time::Duration::from_secs(10)).unwrap();
    let cases = [
        (
            "basic_detection_callback_example",
            "Waiting for detection events...",
            "Detection on topic: /mcafee/event/tie/file/detection\n",
            "\"md5\": \"f2c7bb8acc97f92e987a2d4087d021b1\"",
        ),
        (
            "basic_first_instance_callback_example",
            "Waiting for first instance events...",
            "First instance on topic: /mcafee/event/tie/file/firstinstance\n",
            "\"md5\": \"f2c7bb8acc97f92e987a2d4087d021b1\"",
        ),
        (
            "basic_reputation_change_callback_example",
            "Waiting for reputation change events...",
            "Reputation change on topic: /mcafee/event/tie/",
            "\"newReputations\": {\n",
        ),
    ];
    for (name, waiting, header, detail) in cases {
        for variant in ["", "-cxx"] {
            let program = build_dir().join(format!("examples/{name}{variant}"));
            let mut child = support::spawn_tied({
                let mut c = Command::new(&program);
                c.arg(&config).arg("1").stdout(std::process::Stdio::piped());
                c
            })
            .unwrap();
            let mut out = BufReader::new(child.stdout.take().unwrap());
            let mut first = String::new();
            out.read_line(&mut first).unwrap();
            assert_eq!(first.trim(), waiting);
            let notepad = [("md5", "f2c7bb8acc97f92e987a2d4087d021b1")];
            trigger
                .set_file_reputation(99, &notepad, "emit-events.exe", "", std::time::Duration::from_secs(10))
                .unwrap();
            let mut rest = String::new();
            out.read_to_string(&mut rest).unwrap();
            assert!(child.wait().unwrap().success(), "{program:?} failed: {rest}");
            assert!(rest.starts_with(header), "{rest}");
            assert!(rest.contains(detail), "{rest}");
        }
    }
}

fn run_example(name: &str, config: &Path, args: &[&str]) -> String {
    for variant in ["", "-cxx"] {
        let program = build_dir().join(format!("examples/{name}{variant}"));
        let out = Command::new(&program)
            .arg(config)
            .args(args)
            .output()
            .expect("run example");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{program:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if variant == "-cxx" {
            return text;
        }
    }
    unreachable!()
}

/// The request examples print what their Python samples print.
#[test]
fn request_examples_print_what_the_python_samples_print() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let _responder = support::tie_responder::start(&broker.client_config(&pki));
    let dir = TempDir::new("request-examples");
    let config = broker.write_dxlclient_config(&pki, dir.path());

    let out = run_example("basic_get_reputation_example", &config, &[]);
    assert!(out.starts_with("Notepad.exe reputations:\n{\n    \"1\": {"), "{out}");
    assert!(out.contains("\nEICAR reputations:\n{\n    \"1\": {"), "{out}");
    assert!(!out.contains("Error"), "{out}");

    assert_eq!(
        run_example("basic_set_reputation_example", &config, &[]),
        "Succeeded.\n"
    );

    // Notepad has a GTI reputation of 99: definitive, so no external report.
    let notepad = [
        "f2c7bb8acc97f92e987a2d4087d021b1",
        "7eb0139d2175739b3ccb0d1110067820be6abd29",
        "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
    ];
    let out = run_example("basic_set_external_file_reputation_example", &config, &notepad);
    assert!(
        out.starts_with("Abort: There is a reputation from another provider"),
        "{out}"
    );
    // The unknown file: GTI 50 and Enterprise 0 are not definitive.
    let unknown = [
        "586297d3bf63b478a2df61ef2579fd9e",
        "a7c515a836f20e8589d1c68e06237904c3cec2ad",
        "f0649a543e8fb682ec25a7dcc3b8fa7b86744e018ae4bc784be6c86cb46861ae",
    ];
    assert_eq!(
        run_example("basic_set_external_file_reputation_example", &config, &unknown),
        "Event Sent\n"
    );

    let out = run_example("basic_first_ref_example", &config, &[]);
    assert!(
        out.starts_with("Systems that have referenced the file:\n\t{3a6f574a-3e6f-436d-acd4-bcde336b054d}: 2016-"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 3, "{out}");

    // The upstream sample test looks for these attribute ids in the output.
    let out = run_example("advanced_get_reputation_example", &config, &[]);
    assert!(
        out.contains(
            "Global Threat Intelligence (GTI) trust level: 99\nEnterprise prevalence: 17\nFirst contact: 2015-"
        ),
        "{out}"
    );
    assert!(
        out.contains("2120340") && out.contains("2102165") && out.contains("Certificate reputation:"),
        "{out}"
    );
    assert!(!out.contains("Error"), "{out}");

    let out = run_example("basic_get_cert_reputation_example", &config, &[]);
    assert!(out.starts_with("Certificate reputation:\n{\n    \"2\": {"), "{out}");
    assert_eq!(
        run_example("basic_set_cert_reputation_example", &config, &[]),
        "Succeeded.\n"
    );
    let out = run_example("basic_get_cert_first_ref_example", &config, &[]);
    assert!(
        out.starts_with("Systems that have referenced the certificate:\n\t{3a6f574a"),
        "{out}"
    );
}

/// The C examples, unchanged, with a `dxlclient.config` for MQTT over secure WebSockets through
/// an HTTP proxy with Basic authentication: the real OpenDXL broker's WebSocket listener and
/// tinyproxy, in a network namespace with only loopback (the listener binds every interface).
#[test]
fn c_examples_run_unchanged_over_websockets_through_a_proxy() {
    make_c_programs();
    if !support::netns::enter("c_examples_run_unchanged_over_websockets_through_a_proxy") {
        return;
    }
    use support::opendxl::OpenDxlBroker;
    use support::tinyproxy::{Tinyproxy, TinyproxyOptions};
    let broker = OpenDxlBroker::start_with_websockets();
    let proxy = Tinyproxy::start(TinyproxyOptions {
        basic_auth: Some(("agent".into(), "c-examples-secret".into())),
        ..Default::default()
    });
    // The TIE service over MQTT/TLS; the examples reach it over WebSockets and the proxy.
    let responder = support::tie_responder::start(&broker.client2_config());
    // The broker routes requests once the registration reached its registry.
    let mut registered = false;
    for _ in 0..100 {
        let request = dxltie::dxl::Message::request("/mcafee/service/tie/file/agents", b"{}".to_vec());
        match responder.sync_request(request, std::time::Duration::from_secs(10)) {
            Err(dxltie::dxl::DxlError::Service { code: 0x8000_0001, .. }) => {
                std::thread::sleep(std::time::Duration::from_millis(100))
            }
            _ => {
                registered = true;
                break;
            }
        }
    }
    assert!(registered, "the TIE responder's service never registered");
    let dir = TempDir::new("ws-examples");
    let config = dir.join("dxlclient.config");
    let text = std::fs::read_to_string(broker.ws_config_path()).unwrap()
        + &format!(
            "\n[Proxy]\nAddress=127.0.0.1\nPort={}\nUser=agent\nPassword=c-examples-secret\n",
            proxy.port()
        );
    std::fs::write(&config, text).unwrap();

    let out = run_example("basic_get_reputation_example", &config, &[]);
    assert!(out.starts_with("Notepad.exe reputations:\n{\n    \"1\": {"), "{out}");
    assert!(!out.contains("Error"), "{out}");
    assert_eq!(
        run_example("basic_set_reputation_example", &config, &[]),
        "Succeeded.\n"
    );
    let out = run_example("basic_get_cert_reputation_example", &config, &[]);
    assert!(out.starts_with("Certificate reputation:\n{\n    \"2\": {"), "{out}");
    // They went through the proxy, to the WebSocket port.
    let tunnels = proxy.log().matches(&format!("127.0.0.1:{}", broker.ws_port())).count();
    assert!(tunnels >= 6, "{tunnels} tunnels for 6 runs:\n{}", proxy.log());
}
