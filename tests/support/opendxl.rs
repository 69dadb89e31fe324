//! The real OpenDXL broker (`../shared/peers/opendxl-broker`, prebuilt; see its README) as a
//! test peer: TLS 1.2 only, client certificates required, a service registry that routes
//! requests, messages over 1 MiB dropped.
//!
//! Started and stopped only through its own script (`run.sh start DIR PORT` / `run.sh stop DIR`,
//! which stops it by the pid in `DIR/broker.pid`), in a fresh temp dir on 127.0.0.1 and a free
//! port. The script starts the broker in the background, so the broker is not our child and
//! `spawn_tied` cannot tie it to the test process; instead each broker gets a watchdog: a
//! `bash` that blocks reading a pipe whose only writer is the test process, and runs
//! `run.sh stop DIR` when the pipe closes, i.e. when the test process ends by any means
//! (panic, abort, SIGKILL from a CI timeout). Normal stops go through [`OpenDxlBroker::stop`]
//! and `Drop`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use dxltie::dxl::{Broker, ClientConfig};

use super::{free_port, run_with_timeout, TempDir};

/// `run.sh start` may first install the broker's runtime libraries with apt-get.
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// `run.sh stop` waits up to 10 s for SIGTERM, then sends SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The broker's start/stop script.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peers/opendxl-broker/run.sh")
}

/// Whether the prebuilt broker is there (it lives outside this repository).
pub fn available() -> bool {
    script().is_file()
}

/// One OpenDXL broker on 127.0.0.1, its PKI, configs and logs in its own temp dir.
pub struct OpenDxlBroker {
    port: u16,
    /// The WebSocket (wss, /mqtt) port, when started with one.
    ws_port: Option<u16>,
    /// The KEY=VALUE lines `run.sh start` printed (DXLCLIENT_CONFIG, DXL_CA_BUNDLE, …).
    env: BTreeMap<String, String>,
    running: bool,
    /// Its stdin is the pipe whose end makes it run `run.sh stop DIR`.
    watchdog: Option<(Child, ChildStdin)>,
    dir: TempDir,
}

impl OpenDxlBroker {
    /// Makes a PKI and configs in a new temp dir and starts the broker on a free port; returns
    /// once it listens. A lost race for the port is retried on another port and folder.
    pub fn start() -> OpenDxlBroker {
        Self::start_with(false)
    }

    /// [`Self::start`] with the WebSocket listener on a second free port as well. Only inside a
    /// namespace with nothing but loopback (`support::netns::enter`): the listener binds every
    /// interface.
    pub fn start_with_websockets() -> OpenDxlBroker {
        assert!(
            super::netns::inside(),
            "the WebSocket listener binds every interface: use support::netns::enter"
        );
        Self::start_with(true)
    }

    fn start_with(websockets: bool) -> OpenDxlBroker {
        assert!(available(), "the OpenDXL broker is missing: {}", script().display());
        let mut last = String::new();
        for _ in 0..5 {
            let dir = TempDir::new("opendxl");
            let port = free_port();
            let watchdog = watchdog(dir.path());
            let mut broker = OpenDxlBroker {
                ws_port: websockets.then(free_port),
                port,
                env: BTreeMap::new(),
                running: false,
                watchdog: Some(watchdog),
                dir,
            };
            match broker.run_start() {
                Ok(()) => return broker,
                Err(e) if e.contains("already in use") || e.contains("exited during start-up") => last = e,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("the OpenDXL broker did not start on a free port:\n{last}")
    }

    fn run_start(&mut self) -> Result<(), String> {
        let mut cmd = Command::new("bash");
        cmd.arg(script())
            .arg("start")
            .arg(self.dir.path())
            .arg(self.port.to_string());
        if let Some(ws) = self.ws_port {
            cmd.env("DXLBROKER_WS_PORT", ws.to_string());
        }
        let done = run_with_timeout(cmd, START_TIMEOUT);
        if !done.success() {
            return Err(format!(
                "run.sh start {} {}: {done:?}\n--- broker log ---\n{}",
                self.dir.path().display(),
                self.port,
                self.log()
            ));
        }
        self.env = done
            .stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(
            self.env.get("DXLBROKER_PORT").map(String::as_str),
            Some(self.port.to_string().as_str()),
            "{:?}",
            self.env
        );
        self.running = true;
        Ok(())
    }

    /// Stops the broker with `run.sh stop DIR` (SIGTERM by pid, SIGKILL after 10 s); returns
    /// once it has exited. Idempotent.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        let mut cmd = Command::new("bash");
        cmd.arg(script()).arg("stop").arg(self.dir.path());
        let done = run_with_timeout(cmd, STOP_TIMEOUT);
        assert!(done.success(), "run.sh stop {}: {done:?}", self.dir.path().display());
        self.running = false;
    }

    /// Starts the stopped broker again: the same folder, PKI, broker id and port.
    pub fn start_again(&mut self) {
        assert!(!self.running, "the OpenDXL broker is already running");
        // The port was ours a moment ago; another process could take it only by binding
        // 127.0.0.1:<port> explicitly in between, which the script would report.
        if let Err(e) = self.run_start() {
            panic!("the OpenDXL broker did not start again on port {}:\n{e}", self.port);
        }
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The WebSocket port ([`Self::start_with_websockets`]).
    pub fn ws_port(&self) -> u16 {
        self.ws_port.expect("this broker was started without WebSockets")
    }

    /// `dxlclient.config` with `UseWebSockets=true` and this broker in `[BrokersWebSockets]`,
    /// as `run.sh` writes it (identity `client1`).
    pub fn ws_config_path(&self) -> PathBuf {
        PathBuf::from(self.env("DXLCLIENT_CONFIG_WS"))
    }

    /// [`Self::client_config`] over WebSockets: `[BrokersWebSockets]` holds this broker's
    /// WebSocket port at 127.0.0.1.
    pub fn ws_client_config(&self) -> ClientConfig {
        let mut config = self.config_from(&self.ws_config_path());
        config.websocket_brokers =
            vec![Broker::parse_config_line(&format!("local;{};127.0.0.1", self.ws_port())).unwrap()];
        assert!(config.use_websockets);
        config
    }

    /// The pid of the broker process (from `DIR/broker.pid`), while it runs.
    pub fn pid(&self) -> Option<u32> {
        if !self.running {
            return None;
        }
        std::fs::read_to_string(self.dir.join("broker.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A value `run.sh start` printed (e.g. `DXL_CA_BUNDLE`).
    pub fn env(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("run.sh printed no {key}: {:?}", self.env))
    }

    /// `dxlclient.config` of the identity `client1`.
    pub fn config_path(&self) -> PathBuf {
        PathBuf::from(self.env("DXLCLIENT_CONFIG"))
    }

    /// `dxlclient.config` of the identity `client2` (another certificate, same CA).
    pub fn config2_path(&self) -> PathBuf {
        PathBuf::from(self.env("DXLCLIENT_CONFIG_CLIENT2"))
    }

    /// The client configuration of `client1` as read from its `dxlclient.config`, with one
    /// address for the broker (127.0.0.1: one connection attempt per pass) and a fresh client
    /// id.
    pub fn client_config(&self) -> ClientConfig {
        self.config_from(&self.config_path())
    }

    /// [`Self::client_config`] for the identity `client2`.
    pub fn client2_config(&self) -> ClientConfig {
        self.config_from(&self.config2_path())
    }

    fn config_from(&self, path: &Path) -> ClientConfig {
        let mut config = ClientConfig::from_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        config.brokers = vec![Broker::parse_config_line(&format!("local;{};127.0.0.1", self.port)).unwrap()];
        config.client_id = dxltie::dxl::message::new_id();
        config
    }

    /// The broker's own log (`DIR/logs/dxlbroker.log`) and its stdout/stderr.
    pub fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.join("logs").join(name)).unwrap_or_default();
        format!("{}\n--- stdout.log ---\n{}", read("dxlbroker.log"), read("stdout.log"))
    }
}

/// `bash -c 'cat >/dev/null; exec bash run.sh stop DIR'`, its stdin a pipe held by this process
/// only (Rust opens pipes close-on-exec, so no other child inherits the write end).
fn watchdog(dir: &Path) -> (Child, ChildStdin) {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(r#"cat >/dev/null; exec bash "$0" stop "$1""#)
        .arg(script())
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn the OpenDXL broker's watchdog (bash)");
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

impl Drop for OpenDxlBroker {
    fn drop(&mut self) {
        if self.running {
            let mut cmd = Command::new("bash");
            cmd.arg(script()).arg("stop").arg(self.dir.path());
            let _ = run_with_timeout(cmd, STOP_TIMEOUT);
            self.running = false;
        }
        // Closing the pipe lets the watchdog run its (now idle) stop and exit.
        if let Some((mut child, stdin)) = self.watchdog.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }
}
