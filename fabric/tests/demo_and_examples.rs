//! The README's demo end to end (`make demo` in a folder of its own), and every C example of
//! `examples-c/` (built by `make examples` as C11 and C++) against the local fabric, as
//! `tests/c_programs.rs` runs them against mosquitto.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::{run_bounded, temp_dir, Fabric};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `make examples` once per test process (incremental; `make test` has usually built them).
fn examples_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let (finished, status, output) = run_bounded(
                {
                    let mut c = Command::new("make");
                    c.arg("-C").arg(root()).arg("examples");
                    c
                },
                Duration::from_secs(600),
            );
            assert!(finished && status.success(), "make examples failed:\n{output}");
            root().join("build/examples")
        })
        .clone()
}

/// Runs an example (C11, then the C++ build) to its end; returns the C++ build's stdout after
/// checking both exit 0 and print the same first line.
fn run_example(name: &str, config: &Path, args: &[&str]) -> String {
    let mut first_lines = Vec::new();
    let mut text = String::new();
    for variant in ["", "-cxx"] {
        let program = examples_dir().join(format!("{name}{variant}"));
        let mut cmd = Command::new(&program);
        cmd.arg(config).args(args);
        let out = cmd.output().expect("run example");
        text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{program:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        first_lines.push(text.lines().next().unwrap_or_default().to_owned());
    }
    assert_eq!(first_lines[0], first_lines[1], "C11 and C++ builds disagree");
    text
}

/// The README's main command: it builds what it needs, starts a fabric, shows detection events
/// arriving in the C example and a reputation query answered, then stops the fabric by its pid.
#[test]
fn make_demo_runs_end_to_end() {
    let dir = temp_dir("demo");
    let mut cmd = Command::new("make");
    cmd.arg("-C")
        .arg(root())
        .arg("--no-print-directory")
        .arg("demo")
        .env("DEMO_DIR", &dir)
        .env("DEMO_EVENTS", "2");
    let (finished, status, output) = run_bounded(cmd, Duration::from_secs(600));
    assert!(finished && status.success(), "make demo failed:\n{output}");

    assert!(output.contains("== READY port="), "{output}");
    assert!(output.contains("Waiting for detection events..."), "{output}");
    assert_eq!(
        output
            .matches("Detection on topic: /mcafee/event/tie/file/detection\n{\n")
            .count(),
        2,
        "{output}"
    );
    assert!(output.contains("\"agentGuid\": \"{"), "{output}");
    assert!(output.contains("\"detectionTime\": "), "{output}");
    // A reputation query answered by the simulator, printed as the Python sample prints it.
    assert!(output.contains("Notepad.exe reputations:\n{\n    \"1\": {"), "{output}");
    assert!(output.contains("\"trustLevel\": 99"), "{output}");
    assert!(output.contains("EICAR reputations:\n{"), "{output}");
    assert!(!output.contains("Error"), "{output}");
    assert!(output.contains("== demo finished"), "{output}");

    // Everything it started is gone: the fabric's pid no longer exists, its pid file removed.
    let stopped = output
        .lines()
        .find_map(|l| l.strip_prefix("== fabric (pid ")?.strip_suffix(") stopped"))
        .unwrap_or_else(|| panic!("no stop line:\n{output}"));
    let pid: u32 = stopped.parse().expect("pid");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "fabric pid {pid} still exists"
    );
    assert!(!dir.join("fabric.pid").exists(), "the pid file was left behind");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The callback examples: detection and first-instance events from the simulator's schedule,
/// reputation changes from the set examples.
#[test]
fn callback_examples_receive_the_fabric_events() {
    let fabric = Fabric::start("callback-examples", &["--events-every", "0.2"]);
    for (name, header, detail) in [
        (
            "basic_detection_callback_example",
            "Detection on topic: /mcafee/event/tie/file/detection\n",
            "\"remediationAction\": ",
        ),
        (
            "basic_first_instance_callback_example",
            "First instance on topic: /mcafee/event/tie/file/firstinstance\n",
            "\"agentGuid\": \"{",
        ),
    ] {
        let out = run_example(name, &fabric.config, &["2"]);
        assert!(out.lines().next().unwrap().starts_with("Waiting for "), "{out}");
        assert_eq!(out.matches(header).count(), 2, "{out}");
        assert!(out.contains(detail), "{out}");
        assert!(out.contains("\"md5\": \""), "{out}");
    }

    for variant in ["", "-cxx"] {
        let program = examples_dir().join(format!("basic_reputation_change_callback_example{variant}"));
        let mut child = Command::new(&program)
            .arg(&fabric.config)
            .arg("2")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the rep-change example");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert_eq!(first.trim(), "Waiting for reputation change events...");
        assert_eq!(
            run_example("basic_set_reputation_example", &fabric.config, &[]),
            "Succeeded.\n"
        );
        assert_eq!(
            run_example("basic_set_cert_reputation_example", &fabric.config, &[]),
            "Succeeded.\n"
        );
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        assert!(child.wait().unwrap().success(), "{program:?}: {rest}");
        // Each set example ran twice (C11 and C++): at least one file and one certificate change.
        assert!(
            rest.contains("Reputation change on topic: /mcafee/event/tie/file/repchange/broadcast\n"),
            "{rest}"
        );
        assert!(rest.contains("\"newReputations\": {\n"), "{rest}");
    }
}

/// The request examples print against the fabric what they print against the test responder.
#[test]
fn request_examples_against_the_fabric() {
    let fabric = Fabric::start("request-examples", &[]);
    let config = &fabric.config;

    let out = run_example("basic_get_reputation_example", config, &[]);
    assert!(out.starts_with("Notepad.exe reputations:\n{\n    \"1\": {"), "{out}");
    assert!(out.contains("\nEICAR reputations:\n{\n    \"1\": {"), "{out}");
    assert!(!out.contains("Error"), "{out}");

    let out = run_example("advanced_get_reputation_example", config, &[]);
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

    // Notepad's GTI 99 is definitive; UNKNOWN_FILE's GTI 50 and Enterprise 0 are not.
    let notepad = [
        "f2c7bb8acc97f92e987a2d4087d021b1",
        "7eb0139d2175739b3ccb0d1110067820be6abd29",
        "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
    ];
    let out = run_example("basic_set_external_file_reputation_example", config, &notepad);
    assert!(
        out.starts_with("Abort: There is a reputation from another provider"),
        "{out}"
    );
    let unknown = [
        "586297d3bf63b478a2df61ef2579fd9e",
        "a7c515a836f20e8589d1c68e06237904c3cec2ad",
        "f0649a543e8fb682ec25a7dcc3b8fa7b86744e018ae4bc784be6c86cb46861ae",
    ];
    assert_eq!(
        run_example("basic_set_external_file_reputation_example", config, &unknown),
        "Event Sent\n"
    );

    let out = run_example("basic_first_ref_example", config, &[]);
    assert!(
        out.starts_with("Systems that have referenced the file:\n\t{3a6f574a-3e6f-436d-acd4-bcde336b054d}: 2016-"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 4, "{out}");

    assert_eq!(run_example("basic_set_reputation_example", config, &[]), "Succeeded.\n");
    let out = run_example("basic_get_cert_reputation_example", config, &[]);
    assert!(out.starts_with("Certificate reputation:\n{\n    \"2\": {"), "{out}");
    assert_eq!(
        run_example("basic_set_cert_reputation_example", config, &[]),
        "Succeeded.\n"
    );
    let out = run_example("basic_get_cert_first_ref_example", config, &[]);
    assert!(
        out.starts_with("Systems that have referenced the certificate:\n\t{3a6f574a"),
        "{out}"
    );
}
