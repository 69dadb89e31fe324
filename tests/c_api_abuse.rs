//! The C API abused (issue #9), through tests-c/api_abuse_test.c on a real mosquitto:
//! - NULL for every pointer argument of every function: `DXLTIE_E_NULL_ARG` naming the
//!   argument, out-parameters untouched, refused registrations and requests never call or free
//!   anything; double removal, use after disconnect, connecting again, freeing and
//!   disconnecting from inside callbacks, freeing a client with a request in flight;
//! - many threads calling everything at once on one client while events flow, then racing a
//!   disconnect; also under helgrind.
//!
//! Each program runs as C11, C++ and with AddressSanitizer.

mod support;

use std::process::Command;
use std::time::Duration;

use support::c_agent::{build_dir, make_c_programs, CAgent};
use support::{Mosquitto, MosquittoOptions, Pki, TempDir};

/// A hang guard for one program run (helgrind makes everything ~50x slower).
const RUN: Duration = Duration::from_secs(300);

#[test]
fn null_arguments_and_misuse_are_refused_clearly() {
    make_c_programs();
    let pki = Pki::generate();
    // No responder: requests stay pending until they time out or the client goes away.
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("api-abuse");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    for variant in ["", "-cxx", "-asan"] {
        let agent = CAgent::start(
            &format!("api_abuse_test{variant}"),
            &["nulls", config.to_str().unwrap()],
        );
        agent.finish("api_abuse_test: 0 failed", RUN);
    }
}

#[test]
fn many_threads_call_everything_at_once() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let _responder = support::tie_responder::start(&broker.client_config(&pki));
    let dir = TempDir::new("api-threads");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    for variant in ["", "-cxx", "-asan"] {
        let agent = CAgent::start(
            &format!("api_abuse_test{variant}"),
            &["threads", config.to_str().unwrap(), "8", "25"],
        );
        let verdict = agent.finish("api_abuse_test: 0 failed", RUN);
        eprintln!("{variant}: {verdict}");
    }
}

/// helgrind sees the C program's threads and pthread locks. It cannot see the library's
/// synchronisation (Rust's locks, channels and atomics are futexes and atomic instructions,
/// not pthread calls), so reports whose stack is inside the library or Rust's runtime are
/// suppressed (tests/helgrind.supp); what remains checks the C side of the contract: that the
/// program's own data, touched from its threads and from callbacks, needs no more than the
/// documented rules.
#[test]
fn many_threads_under_helgrind() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let _responder = support::tie_responder::start(&broker.client_config(&pki));
    let dir = TempDir::new("api-helgrind");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--tool=helgrind",
        "--error-exitcode=99",
        concat!("--suppressions=", env!("CARGO_MANIFEST_DIR"), "/tests/helgrind.supp"),
    ])
    .arg(build_dir().join("api_abuse_test"))
    .args(["threads", config.to_str().unwrap(), "4", "5"]);
    let agent = CAgent::spawn("helgrind api_abuse_test".into(), cmd);
    agent.finish("api_abuse_test: 0 failed", RUN);
}
