//! A C test program run as an agent that talks in lines: commands on its stdin, one line per
//! answer or report on its stdout. Its stderr is kept for the failure message. Killed by pid
//! when dropped, tied to the test process (see [`super::spawn_tied`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The folder `make c-programs` builds the C programs into.
pub fn build_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("build")
}

/// Builds the C programs (incremental; `make test` has usually done it already).
pub fn make_c_programs() {
    let status = Command::new("make")
        .args(["-s", "c-programs"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("make");
    assert!(status.success(), "make c-programs failed");
}

pub struct CAgent {
    pub name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: Option<JoinHandle<String>>,
    /// Lines read but not yet claimed by [`CAgent::expect`], oldest first.
    backlog: std::collections::VecDeque<String>,
    /// Every line read so far, for failure messages.
    transcript: Vec<String>,
}

impl CAgent {
    /// Starts `build/<program>` with `args`. AddressSanitizer builds run without LeakSanitizer
    /// (leaks are valgrind's job; LSan trips on Rust's thread-locals).
    pub fn start(program: &str, args: &[&str]) -> CAgent {
        let mut cmd = Command::new(build_dir().join(program));
        cmd.args(args)
            .env("ASAN_OPTIONS", "detect_leaks=0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Self::spawn(program.to_string(), cmd)
    }

    /// Starts a prepared command (for example under valgrind).
    pub fn spawn(name: String, mut cmd: Command) -> CAgent {
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = super::spawn_tied(cmd).unwrap_or_else(|e| panic!("start {name}: {e}"));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        CAgent {
            name,
            child,
            stdin,
            lines,
            stderr: Some(stderr),
            backlog: Default::default(),
            transcript: Vec::new(),
        }
    }

    /// Sends one command line.
    pub fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        if writeln!(stdin, "{command}").and_then(|_| stdin.flush()).is_err() {
            self.fail(&format!("cannot send {command:?} (it exited?)"));
        }
    }

    /// The oldest unclaimed line that starts with `prefix`, waiting for it if none has come
    /// yet; lines that do not match stay unclaimed, so reports from other threads may arrive
    /// in any order. Fails the test with the transcript and stderr after `timeout`.
    pub fn expect(&mut self, prefix: &str, timeout: Duration) -> String {
        if let Some(i) = self.backlog.iter().position(|l| l.starts_with(prefix)) {
            return self.backlog.remove(i).unwrap();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.transcript.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                    self.backlog.push_back(line);
                }
                Err(_) => self.fail(&format!("no line starting {prefix:?} within {timeout:?}")),
            }
        }
    }

    /// Forgets the unclaimed lines (old state reports, say) before a new step.
    pub fn discard_backlog(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.transcript.push(line);
        }
        self.backlog.clear();
    }

    /// Sends `command` and returns the answer line starting with `prefix`.
    pub fn ask(&mut self, command: &str, prefix: &str, timeout: Duration) -> String {
        self.send(command);
        self.expect(prefix, timeout)
    }

    /// Reads its verdict, the next line starting with `prefix`, then [`Self::wait_exit`].
    pub fn finish(mut self, prefix: &str, timeout: Duration) -> String {
        let verdict = self.expect(prefix, timeout);
        self.wait_exit(timeout);
        verdict
    }

    /// Closes stdin and waits for the exit; fails unless it exited with success.
    pub fn wait_exit(mut self, timeout: Duration) {
        self.stdin = None;
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait().expect("try_wait") {
                Some(status) if status.success() => return,
                Some(status) => self.fail(&format!("exited with {status}")),
                None if Instant::now() > deadline => self.fail("did not exit"),
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Kills the agent and fails the test with what it printed.
    pub fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.transcript.push(line);
        }
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        panic!(
            "{}: {why}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}",
            self.name,
            self.transcript.join("\n")
        )
    }
}

impl Drop for CAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of `key=<u64>` in a report line.
pub fn field(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}
