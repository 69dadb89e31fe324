//! What the fabric's tests share: a running `dxltie-fabric` ([`Fabric`], killed by pid when
//! dropped) and [`run_bounded`], a command run with a time limit.
#![allow(dead_code)] // each test file uses a part

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dxltie::dxl::{Client, ClientConfig};

const STARTUP: Duration = Duration::from_secs(60);
const CONNECT: Duration = Duration::from_secs(10);

/// A running fabric; dropping it kills the process (by its pid) and removes its folder.
pub struct Fabric {
    pub child: Child,
    pub dir: PathBuf,
    pub port: u16,
    pub config: PathBuf,
    pub startup: Duration,
}

pub fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "dxltie-fabric-test-{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        tag
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

impl Fabric {
    pub fn start(tag: &str, extra: &[&str]) -> Fabric {
        let dir = temp_dir(tag);
        std::fs::create_dir_all(&dir).unwrap();
        // The fabric's stderr goes to a log next to its files, shown when it does not start.
        let log_path = dir.join("fabric.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_dxltie-fabric"))
            .arg("run")
            .arg(&dir)
            .args(["--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("starting dxltie-fabric");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + STARTUP;
        let ready = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.starts_with("READY ") => break line,
                Ok(_) => continue,
                Err(e) => {
                    let _ = child.kill();
                    let status = child.wait();
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    panic!("no READY line from dxltie-fabric ({e}); exit: {status:?}\n{log}");
                }
            }
        };
        let startup = started.elapsed();
        let mut port = 0;
        let mut config = PathBuf::new();
        for part in ready.split_whitespace() {
            if let Some(p) = part.strip_prefix("port=") {
                port = p.parse().expect("port in READY line");
            } else if let Some(c) = part.strip_prefix("config=") {
                config = PathBuf::from(c);
            }
        }
        assert!(port > 0, "READY line without a port: {ready}");
        assert_eq!(config, dir.join("dxlclient.config"), "{ready}");
        Fabric {
            child,
            dir,
            port,
            config,
            startup,
        }
    }

    pub fn client(&self) -> Client {
        let config = ClientConfig::from_file(&self.config).expect("the generated dxlclient.config loads");
        let client = Client::new(config).expect("client");
        client.connect(CONNECT).expect("the client connects to the fabric");
        client
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Fabric {
    fn drop(&mut self) {
        // Child::kill signals this child's pid (SIGKILL); never a process name.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `cmd` for at most `limit`, killing it (by its pid) when it takes longer. Returns whether
/// it finished, its status and its output.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> (bool, std::process::ExitStatus, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdin = child.stdin.take();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let deadline = Instant::now() + limit;
    // Keep stdin open a moment (openssl s_client quits at its end), then close it.
    let close_stdin_at = Instant::now() + Duration::from_secs(1);
    let mut stdin = stdin;
    let (finished, status) = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break (true, status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            break (false, child.wait().unwrap());
        }
        if Instant::now() >= close_stdin_at {
            stdin.take();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = out.join().unwrap() + &err.join().unwrap();
    (finished, status, text)
}
