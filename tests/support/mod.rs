//! Test harness: a real mosquitto broker with TLS and required client certificates on
//! 127.0.0.1 and a free port, a throw-away PKI made with the `openssl` command, and the canned
//! TIE responder. Servers are stopped by pid, never by name.
#![allow(dead_code)]

pub mod tie_responder;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dxltie::dxl::{Broker, ClientConfig, PemSource};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh folder under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("dxltie-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // mosquitto drops root privileges to its own user: it must be able to read the files.
        set_mode(&dir, 0o755);
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl command");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A PKI for one test: a CA, a broker certificate without subjectAltName whose CN is not the
/// host name (as ePO issues them), a client certificate with a PKCS#8 key and one with a PKCS#1
/// key, and for negative tests a second CA with its own broker and client certificates, an
/// expired broker certificate and a key that matches no certificate. All X.509 v3.
pub struct Pki {
    pub dir: TempDir,
    pub ca_cert: PathBuf,
    pub broker_cert: PathBuf,
    pub broker_key: PathBuf,
    pub client_cert: PathBuf,
    /// PKCS#8 ("BEGIN PRIVATE KEY").
    pub client_key: PathBuf,
    pub pkcs1_client_cert: PathBuf,
    /// PKCS#1 ("BEGIN RSA PRIVATE KEY").
    pub pkcs1_client_key: PathBuf,
    pub other_ca_cert: PathBuf,
    pub other_broker_cert: PathBuf,
    pub other_broker_key: PathBuf,
    pub other_client_cert: PathBuf,
    pub other_client_key: PathBuf,
    pub expired_broker_cert: PathBuf,
    pub unrelated_key: PathBuf,
}

impl Pki {
    pub fn generate() -> Pki {
        let dir = TempDir::new("pki");
        let d = dir.path();
        std::fs::write(d.join("leaf.ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n").unwrap();
        let ca = |name: &str, cn: &str| {
            openssl(d, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", &format!("{name}.key"), "-out", &format!("{name}.crt"), "-days", "30", "-subj", &format!("/CN={cn}")]);
        };
        let leaf = |name: &str, cn: &str, ca: &str, extra: &[&str]| {
            openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &format!("{name}.key"), "-out", &format!("{name}.csr"), "-subj", &format!("/CN={cn}")]);
            let (csr, ca_crt, ca_key, crt) = (format!("{name}.csr"), format!("{ca}.crt"), format!("{ca}.key"), format!("{name}.crt"));
            let mut args = vec!["x509", "-req", "-in", &csr, "-CA", &ca_crt, "-CAkey", &ca_key, "-CAcreateserial", "-out", &crt, "-extfile", "leaf.ext", "-days", "30"];
            args.extend_from_slice(extra);
            openssl(d, &args);
        };
        ca("ca", "dxltie test CA");
        ca("other-ca", "another CA");
        leaf("broker", "dxlbroker.example", "ca", &[]);
        leaf("client", "dxltie test client", "ca", &[]);
        leaf("pkcs1-client", "dxltie pkcs1 client", "ca", &[]);
        openssl(d, &["rsa", "-in", "pkcs1-client.key", "-out", "pkcs1-client.key", "-traditional"]);
        leaf("other-broker", "dxlbroker.example", "other-ca", &[]);
        leaf("other-client", "stranger", "other-ca", &[]);
        // Expired: valid for one day in 2020 (openssl 3.0's x509 cannot set a start date; `ca` can).
        openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "expired-broker.key", "-out", "expired-broker.csr", "-subj", "/CN=expired"]);
        std::fs::write(d.join("expired.cnf"), expired_ca_config()).unwrap();
        std::fs::create_dir_all(d.join("ca-db")).unwrap();
        std::fs::write(d.join("ca-db/index.txt"), "").unwrap();
        std::fs::write(d.join("ca-db/serial"), "01\n").unwrap();
        openssl(d, &["ca", "-batch", "-config", "expired.cnf", "-in", "expired-broker.csr", "-out", "expired-broker.crt", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext"]);
        openssl(d, &["genrsa", "-out", "unrelated.key", "2048"]);
        for entry in std::fs::read_dir(d).unwrap() {
            set_mode(&entry.unwrap().path(), 0o644);
        }
        let p = |n: &str| d.join(n);
        Pki {
            ca_cert: p("ca.crt"),
            broker_cert: p("broker.crt"),
            broker_key: p("broker.key"),
            client_cert: p("client.crt"),
            client_key: p("client.key"),
            pkcs1_client_cert: p("pkcs1-client.crt"),
            pkcs1_client_key: p("pkcs1-client.key"),
            other_ca_cert: p("other-ca.crt"),
            other_broker_cert: p("other-broker.crt"),
            other_broker_key: p("other-broker.key"),
            other_client_cert: p("other-client.crt"),
            other_client_key: p("other-client.key"),
            expired_broker_cert: p("expired-broker.crt"),
            unrelated_key: p("unrelated.key"),
            dir,
        }
    }
}

fn expired_ca_config() -> &'static str {
    "[ca]\ndefault_ca = test\n[test]\ndir = .\ndatabase = ca-db/index.txt\nserial = ca-db/serial\nnew_certs_dir = ca-db\ncertificate = ca.crt\nprivate_key = ca.key\ndefault_md = sha256\npolicy = any\ncopy_extensions = none\nx509_extensions = leaf\n[any]\ncommonName = supplied\n[leaf]\nbasicConstraints=CA:FALSE\n"
}

/// How a test broker is set up.
#[derive(Default, Clone)]
pub struct MosquittoOptions {
    /// Offer only TLS 1.2, as the OpenDXL broker does.
    pub tls12_only: bool,
    /// Present a broker certificate from another CA (an untrusted broker).
    pub use_other_ca_broker_cert: bool,
    /// Present an expired broker certificate.
    pub use_expired_broker_cert: bool,
    /// Listen on this port instead of a free one.
    pub port: Option<u16>,
}

/// A mosquitto process with TLS and required client certificates on 127.0.0.1.
pub struct Mosquitto {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
    conf: PathBuf,
}

fn mosquitto_binary() -> &'static str {
    if Path::new("/usr/sbin/mosquitto").exists() {
        "/usr/sbin/mosquitto"
    } else {
        "mosquitto"
    }
}

impl Mosquitto {
    pub fn start(pki: &Pki, options: MosquittoOptions) -> Mosquitto {
        let dir = TempDir::new("mosquitto");
        let port = options.port.unwrap_or_else(free_port);
        let (cert, key) = if options.use_other_ca_broker_cert {
            (&pki.other_broker_cert, &pki.other_broker_key)
        } else if options.use_expired_broker_cert {
            (&pki.expired_broker_cert, &pki.dir.path().join("expired-broker.key"))
        } else {
            (&pki.broker_cert, &pki.broker_key)
        };
        let mut conf = format!(
            "listener {port} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate true\nallow_anonymous true\npersistence false\nlog_dest file {}\nlog_type error\nlog_type warning\nlog_type notice\nmax_queued_messages 100000\n",
            pki.ca_cert.display(),
            cert.display(),
            key.display(),
            dir.path().join("mosquitto.log").display()
        );
        if options.tls12_only {
            conf.push_str("tls_version tlsv1.2\n");
        }
        let conf_path = dir.path().join("mosquitto.conf");
        std::fs::write(&conf_path, conf).unwrap();
        set_mode(&conf_path, 0o644);
        let mut broker = Mosquitto { child: None, port, dir, conf: conf_path };
        broker.spawn();
        broker
    }

    fn spawn(&mut self) {
        let child = Command::new(mosquitto_binary())
            .arg("-c")
            .arg(&self.conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto (apt-get install mosquitto)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                panic!("mosquitto did not listen on {}: {}", self.port, self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    /// Kills the broker (by pid) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops and starts the broker again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        // The port is ours again once the old process is gone.
        std::thread::sleep(Duration::from_millis(200));
        self.spawn();
    }

    /// A client configuration for this broker with the PKI's client certificate
    /// (`local=local;<port>;localhost;127.0.0.1`).
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

    /// Writes a `dxlclient.config` for this broker into `dir`, with the certificates copied next
    /// to it and named by relative paths.
    pub fn write_dxlclient_config(&self, pki: &Pki, dir: &Path) -> PathBuf {
        for (from, to) in [(&pki.ca_cert, "ca-bundle.crt"), (&pki.client_cert, "client.crt"), (&pki.client_key, "client.key")] {
            std::fs::copy(from, dir.join(to)).unwrap();
        }
        let path = dir.join("dxlclient.config");
        let mut f = std::fs::File::create(&path).unwrap();
        write!(
            f,
            "[General]\n\n[Certs]\nBrokerCertChain=ca-bundle.crt\nCertFile=client.crt\nPrivateKey=client.key\n\n[Brokers]\nlocal=local;{};localhost;127.0.0.1\n",
            self.port
        )
        .unwrap();
        path
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

pub struct RawPublisher<'a> {
    broker: &'a Mosquitto,
    pki: &'a Pki,
}

impl RawPublisher<'_> {
    pub fn publish(&self, topic: &str, payload: &[u8]) {
        let mut child = Command::new("mosquitto_pub")
            .args(["-h", "127.0.0.1", "-p", &self.broker.port.to_string(), "-t", topic, "-s", "--insecure"])
            .arg("--cafile")
            .arg(&self.pki.ca_cert)
            .arg("--cert")
            .arg(&self.pki.client_cert)
            .arg("--key")
            .arg(&self.pki.client_key)
            .stdin(Stdio::piped())
            .spawn()
            .expect("mosquitto_pub (apt-get install mosquitto-clients)");
        child.stdin.take().unwrap().write_all(payload).unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "mosquitto_pub failed");
    }
}

/// The Python interpreter of the test venv with the real `dxlclient` and `dxltieclient`
/// (created by `scripts/setup-venv.sh`), or `None` when it is missing.
pub fn python_venv() -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    python.exists().then_some(python)
}
