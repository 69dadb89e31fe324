//! Integration-test harness: real things only.
//!
//! - [`Pki`] — a throw-away PKI made with the `openssl` command (CA, ePO-like broker
//!   certificate without subjectAltName, client certificates with PKCS#8 and PKCS#1 keys, and
//!   the material for negative tests), see `pki.rs`;
//! - [`Mosquitto`] — Debian's `mosquitto` with TLS and required client certificates on
//!   127.0.0.1 and a free port, stopped by pid, see `mosquitto.rs`;
//! - [`write_dxlclient_config`] — a `dxlclient.config` (dxl-protocol.md §4) with relative
//!   certificate paths;
//! - [`python_venv`] — the venv with the real `dxlclient` / `dxltieclient`, see `venv.rs`;
//! - [`TempDir`], [`free_port`], [`run_with_timeout`] and the canned TIE responder;
//! - [`raw_mqtt::MqttPublisher`] — any bytes on any topic, many messages over one connection;
//! - [`fault_mix::FaultMix`] — hostile traffic for the TIE event topics, with expected outcomes;
//! - [`numbered_events`] — valid detection events numbered by name, for delivery counts;
//! - [`c_agent::CAgent`] — a C test program driven line by line over stdin/stdout;
//! - [`netns::enter`] — a test re-run in a network namespace with only loopback (`unshare -n`),
//!   for the OpenDXL broker's WebSocket listener; [`tinyproxy::Tinyproxy`] — an HTTP proxy.
//!
//! Use it from an integration test with `mod support;`. Every helper is safe to use from
//! tests running in parallel (threads of one test binary and several test binaries at once).
//! Processes are only ever stopped by the pid of the child we spawned, never by name.
#![allow(dead_code, unused_imports)]

pub mod c_agent;
pub mod fault_mix;
pub mod mosquitto;
pub mod netns;
pub mod numbered_events;
pub mod opendxl;
pub mod pki;
pub mod raw_mqtt;
pub mod tie_responder;
pub mod tinyproxy;
pub mod venv;

pub use mosquitto::{mosquitto_client, Mosquitto, MosquittoOptions, RawPublisher};
pub use pki::Pki;
pub use venv::python_venv;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A port nothing listens on right now (bind 127.0.0.1:0, read the port, drop the listener).
/// Another process may take it before we use it: [`Mosquitto::start`] retries on a new port
/// when its bind fails.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh folder under the system temp dir (`dxltie-<tag>-<pid>-<n>`), removed on drop.
/// Mode 0755: mosquitto, started as root, drops to its own user and must read the files.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dxltie-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        set_mode(&dir, 0o755);
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `self.path().join(name)`.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// Spawns `cmd` from a helper thread that lives as long as the test process, with
/// `PR_SET_PDEATHSIG = SIGKILL`: if the test process dies without running destructors (killed
/// by a CI timeout, `abort`), its brokers and clients die with it instead of leaking. (The
/// signal is tied to the *thread* that forks, hence the long-lived thread.) Normal stops still
/// go through [`Child::kill`] on the pid.
pub fn spawn_tied(mut cmd: Command) -> std::io::Result<Child> {
    type Job = (Command, mpsc::Sender<std::io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("test-child-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("spawner thread");
        Mutex::new(tx)
    });
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: only async-signal-safe system calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    libc::_exit(1); // the test process is already gone
                }
                Ok(())
            });
        }
    }
    let (tx, rx) = mpsc::channel();
    spawner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((cmd, tx))
        .expect("spawner thread alive");
    rx.recv().expect("spawner thread answers")
}

/// What [`run_with_timeout`] saw.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// The process ran out of time and was killed (by pid).
    pub timed_out: bool,
}

impl Finished {
    pub fn success(&self) -> bool {
        !self.timed_out && self.status.success()
    }
}

/// Runs `cmd` (stdin closed, stdout/stderr captured) and kills it by pid if it is still
/// running after `timeout`: no test hangs on a child.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Finished {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let program = format!("{cmd:?}");
    let mut child = spawn_tied(cmd).unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Finished {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        timed_out,
    }
}

// ---------------------------------------------------------------------------------------------
// dxlclient.config

/// A `[Brokers]` entry `id=id;port;localhost;127.0.0.1` (dxl-protocol.md §4.3).
pub fn broker_line(id: &str, port: u16) -> String {
    format!("{id}={id};{port};localhost;127.0.0.1")
}

/// Writes `dir/dxlclient.config` (dxl-protocol.md §4) for the PKI's main client identity
/// (CA bundle, client certificate, PKCS#8 key). `brokers` are written verbatim as the lines of
/// `[Brokers]` (`key=value`, see [`broker_line`] and [`Mosquitto::broker_line`]); an empty
/// slice gives an empty `[Brokers]` section.
pub fn write_dxlclient_config(dir: &Path, pki: &Pki, brokers: &[String]) -> PathBuf {
    write_dxlclient_config_with(dir, &pki.ca_cert, &pki.client_cert, &pki.client_key, brokers)
}

/// [`write_dxlclient_config`] with any CA bundle / certificate / key (e.g. the PKCS#1 key,
/// the other CA's client, the unrelated key). Certificates in `dir` are named by their file
/// name; others are first copied into `dir` as `ca-bundle.crt`, `client.crt`, `client.key`.
/// All three `[Certs]` paths are therefore relative to the config's folder.
pub fn write_dxlclient_config_with(dir: &Path, ca: &Path, cert: &Path, key: &Path, brokers: &[String]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let dir_real = dir.canonicalize().unwrap();
    let place = |from: &Path, name: &str| -> String {
        let from_real = from
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        if from_real.parent() == Some(dir_real.as_path()) {
            from_real.file_name().unwrap().to_string_lossy().into_owned()
        } else {
            std::fs::copy(&from_real, dir.join(name)).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
            set_mode(&dir.join(name), 0o644);
            name.to_string()
        }
    };
    let (ca, cert, key) = (
        place(ca, "ca-bundle.crt"),
        place(cert, "client.crt"),
        place(key, "client.key"),
    );
    let mut text = format!(
        "# Written by the dxltie test harness (tests/support).\n[General]\n\n[Certs]\nBrokerCertChain={ca}\nCertFile={cert}\nPrivateKey={key}\n\n[Brokers]\n"
    );
    for line in brokers {
        text.push_str(line);
        text.push('\n');
    }
    let path = dir.join("dxlclient.config");
    std::fs::write(&path, text).unwrap();
    set_mode(&path, 0o644);
    path
}

/// A new client (with a fresh client id) made from `config` and connected, within 10 s.
pub fn connected_client(config: &dxltie::dxl::ClientConfig) -> dxltie::dxl::Client {
    let mut config = config.clone();
    config.client_id = dxltie::dxl::message::new_id();
    let client = dxltie::dxl::Client::new(config).unwrap();
    client.connect(Duration::from_secs(10)).unwrap();
    client
}
