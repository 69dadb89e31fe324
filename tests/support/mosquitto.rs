//! A real mosquitto (Debian's, 2.0.x) with TLS and required client certificates, listening
//! only on 127.0.0.1, on a free port, in its own temp dir; stopped by pid.
//!
//! TLS 1.2 only: since mosquitto 2.0, `tls_version tlsv1.2` is a *minimum* (TLS 1.3 is still
//! offered). To get a broker like the OpenDXL one (`TLSv1_2_server_method`) the harness also
//! starts mosquitto with `OPENSSL_CONF` pointing at a file that sets
//! `MaxProtocol = TLSv1.2` in OpenSSL's `system_default` section.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dxltie::dxl::{Broker, ClientConfig, PemSource};

use super::{free_port, run_with_timeout, set_mode, spawn_tied, Pki, TempDir};

/// How long a broker may take to listen before the test fails (with the broker's log).
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// How a test broker is set up. `MosquittoOptions::default()` is the normal broker: TLS 1.2
/// and 1.3, the PKI's broker certificate, client certificates from the PKI's CA required.
#[derive(Default, Clone, Debug)]
pub struct MosquittoOptions {
    /// Offer only TLS 1.2, as the OpenDXL broker does (`tls_version tlsv1.2` + OpenSSL
    /// `MaxProtocol = TLSv1.2`).
    pub tls12_only: bool,
    /// mosquitto's `tls_version` (the *minimum* version: "tlsv1.3" makes a TLS 1.3-only
    /// broker). Overrides the minimum implied by `tls12_only`.
    pub tls_version: Option<String>,
    /// Present the other CA's broker certificate (a broker the client must not trust).
    pub use_other_ca_broker_cert: bool,
    /// Present the expired broker certificate (signed by the main CA).
    pub use_expired_broker_cert: bool,
    /// Present this certificate and key (overrides the two flags above).
    pub broker_cert: Option<(PathBuf, PathBuf)>,
    /// The CA bundle client certificates are checked against (default: the PKI's CA).
    pub ca_cert: Option<PathBuf>,
    /// Listen on this port instead of a free one (restart-on-the-same-port tests).
    pub port: Option<u16>,
    /// Extra mosquitto.conf lines, appended after the listener settings.
    pub extra_config: Vec<String>,
}

/// A mosquitto process with TLS and required client certificates on 127.0.0.1.
/// Stopped (killed by pid, then reaped) on drop.
pub struct Mosquitto {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
    conf: PathBuf,
    log: PathBuf,
    stderr: PathBuf,
    openssl_conf: Option<PathBuf>,
}

fn mosquitto_binary() -> &'static str {
    if Path::new("/usr/sbin/mosquitto").exists() {
        "/usr/sbin/mosquitto"
    } else {
        "mosquitto"
    }
}

enum LaunchError {
    /// The process exited before listening; `addr_in_use` when its bind failed.
    Exited {
        addr_in_use: bool,
        output: String,
    },
    TimedOut {
        output: String,
    },
}

impl Mosquitto {
    /// Writes `mosquitto.conf` into a new temp dir and starts the broker; returns once it
    /// accepts TCP connections on its port (panics with its log after 5 s). With a free port,
    /// a lost race for the port is retried on another one.
    pub fn start(pki: &Pki, options: MosquittoOptions) -> Mosquitto {
        let dir = TempDir::new("mosquitto");
        let (cert, key) = if let Some((cert, key)) = &options.broker_cert {
            (cert.clone(), key.clone())
        } else if options.use_other_ca_broker_cert {
            (pki.other_broker_cert.clone(), pki.other_broker_key.clone())
        } else if options.use_expired_broker_cert {
            (pki.expired_broker_cert.clone(), pki.expired_broker_key.clone())
        } else {
            (pki.broker_cert.clone(), pki.broker_key.clone())
        };
        let ca = options.ca_cert.clone().unwrap_or_else(|| pki.ca_cert.clone());
        let log = dir.join("mosquitto.log");
        // `user root` in the conf keeps a broker started by root from switching to the
        // `mosquitto` user: that switch would clear the parent-death signal set by
        // `spawn_tied`. The permissions below still let it run as another user if need be.
        std::fs::write(&log, "").unwrap();
        set_mode(&log, 0o666);
        let openssl_conf = options.tls12_only.then(|| {
            let path = dir.join("openssl-tls12.cnf");
            std::fs::write(
                &path,
                "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = system_default_sect\n[system_default_sect]\nMaxProtocol = TLSv1.2\n",
            )
            .unwrap();
            set_mode(&path, 0o644);
            path
        });
        let tls_version = options
            .tls_version
            .clone()
            .or_else(|| options.tls12_only.then(|| "tlsv1.2".to_string()));
        let mut broker = Mosquitto {
            child: None,
            port: 0,
            conf: dir.join("mosquitto.conf"),
            stderr: dir.join("mosquitto.stderr"),
            log,
            openssl_conf,
            dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            broker.port = options.port.unwrap_or_else(free_port);
            let mut conf = format!(
                "# Written by the dxltie test harness (tests/support/mosquitto.rs).\n\
                 user root\n\
                 per_listener_settings false\n\
                 persistence false\n\
                 allow_anonymous true\n\
                 max_queued_messages 100000\n\
                 log_dest file {log}\n\
                 log_type error\nlog_type warning\nlog_type notice\nlog_type information\n\
                 listener {port} 127.0.0.1\n\
                 cafile {ca}\n\
                 certfile {cert}\n\
                 keyfile {key}\n\
                 require_certificate true\n",
                log = broker.log.display(),
                port = broker.port,
                ca = ca.display(),
                cert = cert.display(),
                key = key.display(),
            );
            if let Some(v) = &tls_version {
                conf.push_str(&format!("tls_version {v}\n"));
            }
            for line in &options.extra_config {
                conf.push_str(line);
                conf.push('\n');
            }
            std::fs::write(&broker.conf, conf).unwrap();
            set_mode(&broker.conf, 0o644);
            match broker.launch(deadline) {
                Ok(()) => return broker,
                // Someone took the port: a free port is picked again, a fixed one retried.
                Err(LaunchError::Exited { addr_in_use: true, .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(LaunchError::Exited { output, .. }) | Err(LaunchError::TimedOut { output }) => {
                    panic!("mosquitto did not start on 127.0.0.1:{}:\n{output}", broker.port)
                }
            }
        }
    }

    /// Spawns the broker with the current conf and waits until it listens.
    fn launch(&mut self, deadline: Instant) -> Result<(), LaunchError> {
        assert!(self.child.is_none(), "mosquitto already running");
        let log_offset = std::fs::metadata(&self.log).map(|m| m.len() as usize).unwrap_or(0);
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.stderr)
            .unwrap();
        let mut cmd = Command::new(mosquitto_binary());
        cmd.arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        if let Some(conf) = &self.openssl_conf {
            cmd.env("OPENSSL_CONF", conf);
        }
        let mut child = spawn_tied(cmd).expect("mosquitto (apt-get install mosquitto)");
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let output = |me: &Mosquitto| {
            let log = me.log();
            format!(
                "--- {} (new part) ---\n{}\n--- stderr ---\n{}",
                me.log.display(),
                log.get(log_offset..).unwrap_or(&log),
                std::fs::read_to_string(&me.stderr).unwrap_or_default()
            )
        };
        loop {
            if let Some(status) = child.try_wait().expect("try_wait mosquitto") {
                let output = format!("exited with {status}\n{}", output(self));
                let addr_in_use = output.contains("Address already in use");
                return Err(LaunchError::Exited { addr_in_use, output });
            }
            // "running" is logged once every listener is open: a TCP answer before that could
            // come from another process that took the port.
            let running = self.log().get(log_offset..).is_some_and(|l| l.contains(" running"));
            if running && TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(LaunchError::TimedOut {
                    output: format!("no listener within {START_TIMEOUT:?}\n{}", output(self)),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The pid of the running broker process (`None` once stopped).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The process is alive (not stopped and has not exited by itself).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// The broker's temp dir (conf, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn conf_path(&self) -> &Path {
        &self.conf
    }

    /// The broker's log so far (all runs, including restarts).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the broker by its pid (SIGKILL) and reaps it. Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the broker (if running) and starts it again on the SAME port with the same
    /// configuration; returns once it listens again (retrying while the port is still busy).
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.launch(deadline) {
                Ok(()) => return,
                Err(LaunchError::Exited { addr_in_use: true, .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(LaunchError::Exited { output, .. }) | Err(LaunchError::TimedOut { output }) => {
                    panic!("mosquitto did not restart on 127.0.0.1:{}:\n{output}", self.port)
                }
            }
        }
    }

    /// A `[Brokers]` line for this broker: `id=id;<port>;localhost;127.0.0.1`.
    pub fn broker_line(&self, id: &str) -> String {
        super::broker_line(id, self.port)
    }

    /// A client configuration for this broker with the PKI's client certificate
    /// (`local;<port>;localhost;127.0.0.1`, reconnect delay 200 ms).
    pub fn client_config(&self, pki: &Pki) -> ClientConfig {
        let mut config = ClientConfig::new(
            PemSource::File(pki.ca_cert.clone()),
            PemSource::File(pki.client_cert.clone()),
            PemSource::File(pki.client_key.clone()),
        );
        config.brokers = vec![Broker::parse_config_line(&format!("local;{};localhost;127.0.0.1", self.port)).unwrap()];
        config.reconnect_delay = Duration::from_millis(200);
        config
    }

    /// Writes `dir/dxlclient.config` for this broker only (`local=local;<port>;localhost;127.0.0.1`)
    /// with the PKI's client identity; see [`super::write_dxlclient_config`].
    pub fn write_dxlclient_config(&self, pki: &Pki, dir: &Path) -> PathBuf {
        super::write_dxlclient_config(dir, pki, &[self.broker_line("local")])
    }

    /// A publisher of raw (non-DXL) MQTT payloads: `mosquitto_pub` with the client certificate.
    pub fn raw_publisher<'a>(&'a self, pki: &'a Pki) -> RawPublisher<'a> {
        RawPublisher { broker: self, pki }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `mosquitto_pub` / `mosquitto_sub` / `mosquitto_rr` (package mosquitto-clients) set up for a
/// harness broker: `-h 127.0.0.1 -p <port> --cafile <ca> --insecure` (the broker certificate's
/// CN is not the host name) and, with `identity = Some((cert, key))`, `--cert/--key`. Add the
/// topic, `-W`/`-C` etc. and run it with [`super::run_with_timeout`].
pub fn mosquitto_client(tool: &str, port: u16, ca: &Path, identity: Option<(&Path, &Path)>) -> Command {
    let mut cmd = Command::new(tool);
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "--insecure", "--cafile"])
        .arg(ca);
    if let Some((cert, key)) = identity {
        cmd.arg("--cert").arg(cert).arg("--key").arg(key);
    }
    cmd
}

pub struct RawPublisher<'a> {
    broker: &'a Mosquitto,
    pki: &'a Pki,
}

impl RawPublisher<'_> {
    /// Publishes `payload` (any bytes) on `topic`, QoS 0; panics if `mosquitto_pub` fails or
    /// takes more than 10 s.
    pub fn publish(&self, topic: &str, payload: &[u8]) {
        static N: AtomicUsize = AtomicUsize::new(0);
        let file = self
            .broker
            .dir
            .join(format!("payload-{}", N.fetch_add(1, Ordering::SeqCst)));
        std::fs::write(&file, payload).unwrap();
        let mut cmd = mosquitto_client(
            "mosquitto_pub",
            self.broker.port,
            &self.pki.ca_cert,
            Some((&self.pki.client_cert, &self.pki.client_key)),
        );
        cmd.args(["-t", topic, "-f"]).arg(&file);
        let done = run_with_timeout(cmd, Duration::from_secs(10));
        let _ = std::fs::remove_file(&file);
        assert!(done.success(), "mosquitto_pub failed: {done:?}");
    }
}
