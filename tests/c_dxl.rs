//! The DXL surface of the C API (`dxltie_dxl_*`, issue 19) through tests-c/dxl_test.c:
//! - every new function with NULL and bad arguments, without a connection;
//! - a service and its caller, requests (sync, async, error responses), events under a wildcard
//!   subscription, on mosquitto (no registry: requests reach the service by fan-out) and on the
//!   real OpenDXL broker, whose registry routes requests only to registered services and
//!   answers 0x80000001 when none serves the topic.
//!
//! Each run as C11, C++ and with AddressSanitizer, and once under valgrind.

mod support;

use std::process::Command;
use std::time::Duration;

use support::c_agent::{build_dir, make_c_programs, CAgent};
use support::opendxl::OpenDxlBroker;
use support::{Mosquitto, MosquittoOptions, Pki, TempDir};

const RUN: Duration = Duration::from_secs(300);
const VARIANTS: [&str; 3] = ["", "-cxx", "-asan"];

#[test]
fn dxl_functions_refuse_null_and_bad_arguments() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("c-dxl-nulls");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    for variant in VARIANTS {
        let agent = CAgent::start(&format!("dxl_test{variant}"), &["nulls", config.to_str().unwrap()]);
        agent.finish("dxl_test: 0 failed", RUN);
    }
}

#[test]
fn dxl_service_requests_and_events_over_mosquitto() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("c-dxl-mosquitto");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    for variant in VARIANTS {
        let agent = CAgent::start(
            &format!("dxl_test{variant}"),
            &["fabric", config.to_str().unwrap(), "0"],
        );
        agent.finish("dxl_test: 0 failed", RUN);
    }
}

#[test]
fn dxl_service_registers_with_the_opendxl_registry() {
    make_c_programs();
    let broker = OpenDxlBroker::start();
    let config = broker.config_path();
    for variant in VARIANTS {
        let mut agent = CAgent::start(
            &format!("dxl_test{variant}"),
            &["fabric", config.to_str().unwrap(), "1"],
        );
        let line = agent.expect("no service: ", RUN);
        assert!(line.contains("0x80000001"), "{line}");
        agent.finish("dxl_test: 0 failed", RUN);
    }
}

#[test]
fn dxl_functions_run_clean_under_valgrind() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("c-dxl-valgrind");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    for args in [
        ["nulls", config.to_str().unwrap(), ""],
        ["fabric", config.to_str().unwrap(), "0"],
    ] {
        let mut cmd = Command::new("valgrind");
        cmd.args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
            concat!("--suppressions=", env!("CARGO_MANIFEST_DIR"), "/tests/valgrind.supp"),
        ])
        .arg(build_dir().join("dxl_test"))
        .args(args.iter().filter(|a| !a.is_empty()));
        let agent = CAgent::spawn(format!("valgrind dxl_test {}", args[0]), cmd);
        agent.finish("dxl_test: 0 failed", RUN);
    }
}

/// The C ports of dxlclient's basic service sample: a provider registers with the OpenDXL
/// registry and answers "pong"; the invoker, another client, gets it. With no provider the
/// registry's own answer comes back: 0x80000001.
#[test]
fn service_examples_talk_through_the_opendxl_registry() {
    make_c_programs();
    let broker = OpenDxlBroker::start();
    let (config1, config2) = (broker.config_path(), broker.config2_path());
    let examples = build_dir().join("examples");
    for variant in ["", "-cxx"] {
        let invoke = || {
            let out = Command::new(examples.join(format!("basic_service_invoker_example{variant}")))
                .arg(&config2)
                .output()
                .expect("run the invoker");
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
        };
        let nobody = invoke();
        assert!(
            nobody.contains("Error response: 0x80000001 unable to locate service for request"),
            "{nobody}"
        );
        let mut cmd = Command::new(examples.join(format!("basic_service_provider_example{variant}")));
        cmd.arg(&config1).arg("1");
        let mut provider = CAgent::spawn(format!("basic_service_provider_example{variant}"), cmd);
        provider.expect("Service registered", RUN);
        assert_eq!(invoke(), "Client received response payload: pong\n");
        provider.expect("Service received request payload: ping", RUN);
        provider.wait_exit(RUN);
    }
}

/// Eight threads calling every DXL function at once on one client while its service answers,
/// then the same racing a disconnect and the free (as the TIE surface's `threads` abuse).
#[test]
fn dxl_functions_from_many_threads_at_once() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("c-dxl-threads");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    for variant in VARIANTS {
        let agent = CAgent::start(
            &format!("dxl_test{variant}"),
            &["threads", config.to_str().unwrap(), "8", "20"],
        );
        agent.finish("dxl_test: 0 failed", RUN);
    }
}

/// The same under helgrind (fewer rounds: it is ~50x slower), with the suppressions of the TIE
/// surface's run (tests/helgrind.supp: the library's own synchronisation is invisible to it).
#[test]
fn dxl_functions_from_many_threads_under_helgrind() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("c-dxl-helgrind");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--tool=helgrind",
        "--error-exitcode=99",
        concat!("--suppressions=", env!("CARGO_MANIFEST_DIR"), "/tests/helgrind.supp"),
    ])
    .arg(build_dir().join("dxl_test"))
    .args(["threads", config.to_str().unwrap(), "4", "3"]);
    let agent = CAgent::spawn("helgrind dxl_test".into(), cmd);
    agent.finish("dxl_test: 0 failed", RUN);
}
