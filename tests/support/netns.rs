//! Running a test inside its own network namespace with nothing but loopback (`unshare -n`, as
//! root), for peers that bind every interface: the OpenDXL broker's WebSocket listener (its
//! `run.sh` refuses to start it anywhere else). The test's brokers, proxies and clients all run
//! in there and are gone with it.
//!
//! A test calls [`enter`] first: outside a namespace it runs this same test binary, filtered to
//! that one test, under `unshare -n` and asserts that it passed (so a failure inside fails the
//! test outside, with the inner output); inside, it returns true and the test body runs.

use std::process::Command;
use std::time::Duration;

use super::run_with_timeout;

/// Set in the environment of the re-executed test: "we are inside".
const INSIDE: &str = "DXLTIE_TEST_NETNS";

/// How long one test may take in its namespace, broker start-ups included.
const TIMEOUT: Duration = Duration::from_secs(600);

/// Outside: runs test `name` of this binary in a new network namespace, asserts it passed and
/// returns false (the caller returns). Inside: returns true.
pub fn enter(name: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = Command::new("unshare");
    // Only loopback, and brought up: a new namespace starts with `lo` down.
    cmd.args(["-n", "sh", "-c", r#"ip link set lo up && exec "$0" "$@""#])
        .arg(&exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1");
    let done = run_with_timeout(cmd, TIMEOUT);
    let ran = done.stdout.contains("test result: ok. 1 passed");
    assert!(
        done.success() && ran,
        "{name} in its network namespace (unshare -n; needs root) failed{}:\n--- stdout ---\n{}\n--- stderr ---\n{}",
        if done.timed_out { " (timed out)" } else { "" },
        done.stdout,
        done.stderr
    );
    print!("{}", done.stdout);
    false
}

/// Inside a namespace made by [`enter`] (a test helper that binds every interface asserts it).
pub fn inside() -> bool {
    std::env::var_os(INSIDE).is_some()
}
