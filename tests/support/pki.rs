//! A throw-away PKI for one test, made with the `openssl` command (OpenSSL 3.0 or later).
//!
//! Everything is RSA 2048 / SHA-256, X.509 v3. RSA everywhere on purpose: the Python
//! `dxlclient` offers only `AES128-SHA256` (RSA key exchange) on TLS 1.2, which needs an RSA
//! broker certificate, and the PKCS#1 key must be RSA anyway.
//!
//! Speed: generating an RSA key takes ~0.15 s, so the nine keys are generated once and cached
//! in `$CARGO_TARGET_TMPDIR/dxltie-test-keys` (written atomically, so concurrent test
//! processes are fine; delete the folder to get new ones). Each [`Pki::generate`] copies the
//! keys into its own temp dir and issues fresh certificates (random serials, ~10 `openssl`
//! runs, ~0.1 s). Consequence: two `Pki`s of one run share their keys. Each `Pki`'s CAs get a
//! unique subject name, so a certificate from one `Pki` does not chain to another `Pki`'s CA;
//! for "untrusted CA" tests prefer the `other_*` material, whose CA has a distinct key.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::{set_mode, TempDir};

/// A PKI in its own temp dir (removed on drop). All paths are absolute, files are PEM.
pub struct Pki {
    pub dir: TempDir,
    /// The CA that signs the broker and client certificates (CN `dxltie test CA <unique>`).
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    /// Broker certificate as ePO issues them: CN `dxlbroker.example` (not the host name), no
    /// subjectAltName. Clients must verify the chain but not the host name.
    pub broker_cert: PathBuf,
    pub broker_key: PathBuf,
    /// Client certificate (CN `dxltie test client`) and its key in PKCS#8 ("BEGIN PRIVATE KEY").
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A second client certificate (CN `dxltie pkcs1 client`) whose key is PKCS#1
    /// ("BEGIN RSA PRIVATE KEY").
    pub pkcs1_client_cert: PathBuf,
    pub pkcs1_client_key: PathBuf,
    /// An unrelated CA (distinct key) with its own broker and client certificates: a broker
    /// the client must not trust, a client the broker must refuse.
    pub other_ca_cert: PathBuf,
    pub other_ca_key: PathBuf,
    pub other_broker_cert: PathBuf,
    pub other_broker_key: PathBuf,
    pub other_client_cert: PathBuf,
    pub other_client_key: PathBuf,
    /// Broker certificate signed by the main CA, valid 2020-01-01 .. 2020-02-01 (expired).
    pub expired_broker_cert: PathBuf,
    pub expired_broker_key: PathBuf,
    /// An RSA key that matches no certificate (e.g. with `client_cert`: a key mismatch).
    pub unrelated_key: PathBuf,
}

/// The cached keys: (file name, PKCS#1?).
const KEYS: [(&str, bool); 9] = [
    ("ca.key", false),
    ("other-ca.key", false),
    ("broker.key", false),
    ("client.key", false),
    ("pkcs1-client.key", true),
    ("other-broker.key", false),
    ("other-client.key", false),
    ("expired-broker.key", false),
    ("unrelated.key", false),
];

const PKI_CNF: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// For `openssl ca`, the only 3.0 command that can set a start date in the past.
const CA_CNF: &str = "\
[ca]
default_ca = test
[test]
database = ca-db/index.txt
new_certs_dir = ca-db
certificate = ca.crt
private_key = ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
x509_extensions = leaf_ext
rand_serial = yes
[any]
commonName = supplied
[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The nine RSA keys (PEM text), generated once and cached across runs.
fn keys() -> &'static Vec<(&'static str, String)> {
    static KEYS_PEM: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    KEYS_PEM.get_or_init(|| {
        // cargo defines CARGO_TARGET_TMPDIR for tests and benches only; the bench driver (an
        // example that reuses this harness) falls back to the system's temp dir.
        let base = option_env!("CARGO_TARGET_TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let cache = base.join("dxltie-test-keys");
        std::fs::create_dir_all(&cache).unwrap();
        // Missing keys are generated in parallel, each into a private name, then renamed into
        // place (atomic: a concurrent process sees either no key or a whole one).
        std::thread::scope(|s| {
            for (name, pkcs1) in KEYS {
                let cache = &cache;
                if cache.join(name).exists() {
                    continue;
                }
                s.spawn(move || {
                    let tmp = format!("{name}.{}.{:?}.tmp", std::process::id(), std::thread::current().id());
                    let mut args = vec![
                        "genpkey",
                        "-algorithm",
                        "RSA",
                        "-pkeyopt",
                        "rsa_keygen_bits:2048",
                        "-out",
                        &tmp,
                    ];
                    if pkcs1 {
                        args = vec!["genrsa", "-traditional", "-out", &tmp, "2048"];
                    }
                    openssl(cache, &args);
                    std::fs::rename(cache.join(&tmp), cache.join(name)).unwrap();
                });
            }
        });
        KEYS.iter()
            .map(|(name, _)| (*name, std::fs::read_to_string(cache.join(name)).unwrap()))
            .collect()
    })
}

impl Pki {
    /// Issues a fresh PKI into a new temp dir (see the module docs).
    pub fn generate() -> Pki {
        static N: AtomicUsize = AtomicUsize::new(0);
        let unique = format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
        let dir = TempDir::new("pki");
        let d = dir.path();
        for (name, pem) in keys() {
            std::fs::write(d.join(name), pem).unwrap();
        }
        std::fs::write(d.join("pki.cnf"), PKI_CNF).unwrap();
        let ca = |name: &str, cn: &str| {
            let (key, crt, subj) = (format!("{name}.key"), format!("{name}.crt"), format!("/CN={cn}"));
            openssl(
                d,
                &[
                    "req",
                    "-config",
                    "pki.cnf",
                    "-new",
                    "-x509",
                    "-key",
                    &key,
                    "-subj",
                    &subj,
                    "-days",
                    "365",
                    "-extensions",
                    "ca_ext",
                    "-out",
                    &crt,
                ],
            );
        };
        let leaf = |name: &str, cn: &str, ca: &str| {
            let (key, crt, subj) = (format!("{name}.key"), format!("{name}.crt"), format!("/CN={cn}"));
            let (ca_crt, ca_key) = (format!("{ca}.crt"), format!("{ca}.key"));
            openssl(
                d,
                &[
                    "req",
                    "-config",
                    "pki.cnf",
                    "-new",
                    "-key",
                    &key,
                    "-subj",
                    &subj,
                    "-CA",
                    &ca_crt,
                    "-CAkey",
                    &ca_key,
                    "-days",
                    "365",
                    "-extensions",
                    "leaf_ext",
                    "-out",
                    &crt,
                ],
            );
        };
        ca("ca", &format!("dxltie test CA {unique}"));
        ca("other-ca", &format!("another CA {unique}"));
        leaf("broker", "dxlbroker.example", "ca");
        leaf("client", "dxltie test client", "ca");
        leaf("pkcs1-client", "dxltie pkcs1 client", "ca");
        leaf("other-broker", "dxlbroker.example", "other-ca");
        leaf("other-client", "stranger", "other-ca");
        // Expired: OpenSSL 3.0's `req`/`x509` cannot backdate; `openssl ca -startdate` can.
        std::fs::write(d.join("ca.cnf"), CA_CNF).unwrap();
        std::fs::create_dir_all(d.join("ca-db")).unwrap();
        std::fs::write(d.join("ca-db/index.txt"), "").unwrap();
        openssl(
            d,
            &[
                "req",
                "-config",
                "pki.cnf",
                "-new",
                "-key",
                "expired-broker.key",
                "-subj",
                "/CN=dxlbroker.example",
                "-out",
                "expired-broker.csr",
            ],
        );
        openssl(
            d,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-batch",
                "-notext",
                "-in",
                "expired-broker.csr",
                "-out",
                "expired-broker.crt",
                "-startdate",
                "20200101000000Z",
                "-enddate",
                "20200201000000Z",
            ],
        );
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                set_mode(&path, 0o644); // mosquitto runs as its own user
            }
        }
        let p = |n: &str| d.join(n);
        Pki {
            ca_cert: p("ca.crt"),
            ca_key: p("ca.key"),
            broker_cert: p("broker.crt"),
            broker_key: p("broker.key"),
            client_cert: p("client.crt"),
            client_key: p("client.key"),
            pkcs1_client_cert: p("pkcs1-client.crt"),
            pkcs1_client_key: p("pkcs1-client.key"),
            other_ca_cert: p("other-ca.crt"),
            other_ca_key: p("other-ca.key"),
            other_broker_cert: p("other-broker.crt"),
            other_broker_key: p("other-broker.key"),
            other_client_cert: p("other-client.crt"),
            other_client_key: p("other-client.key"),
            expired_broker_cert: p("expired-broker.crt"),
            expired_broker_key: p("expired-broker.key"),
            unrelated_key: p("unrelated.key"),
            dir,
        }
    }
}
