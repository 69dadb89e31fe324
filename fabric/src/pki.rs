//! The fabric's PKI and the user's `dxlclient.config` (dxl-protocol.md §4).
//!
//! Everything lives in one folder:
//!
//! | file | what |
//! |---|---|
//! | `ca.crt`, `ca.key` | the fabric CA (self-signed, X.509 v3, `cA=TRUE`) |
//! | `broker.crt`, `broker.key` | the broker's certificate (SAN `localhost`, `127.0.0.1`; serverAuth) |
//! | `client.crt`, `client.key` | a client certificate for the user (clientAuth) |
//! | `simulator.crt`, `simulator.key` | the TIE simulator's own client certificate |
//! | `dxlclient.config` | `[Certs]` with relative paths, `[Brokers]` `local=local;<port>;localhost;127.0.0.1` |
//!
//! Keys are ECDSA P-256 in PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Existing files are
//! reused: a leaf whose files are missing is issued again by the existing CA, whose
//! distinguished name is fixed so that it can sign without parsing its certificate.
//!
//! No certificate subject carries an Organization: with client-certificate verification,
//! rumqttd takes the subject's O as a tenant id and prefixes every topic of that connection with
//! it, which would split the fabric into tenants.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

pub const CA_CERT: &str = "ca.crt";
pub const CA_KEY: &str = "ca.key";
pub const BROKER_CERT: &str = "broker.crt";
pub const BROKER_KEY: &str = "broker.key";
pub const CLIENT_CERT: &str = "client.crt";
pub const CLIENT_KEY: &str = "client.key";
pub const SIMULATOR_CERT: &str = "simulator.crt";
pub const SIMULATOR_KEY: &str = "simulator.key";
pub const CONFIG_FILE: &str = "dxlclient.config";

/// The port written by `init` when none is given (the DXL default); `run` rewrites the
/// configuration with the port it actually listens on.
pub const DEFAULT_PORT: u16 = 8883;

const CA_COMMON_NAME: &str = "dxltie-fabric CA";

/// The paths of a fabric folder.
#[derive(Debug, Clone)]
pub struct Pki {
    pub dir: PathBuf,
}

#[derive(Debug)]
pub struct PkiError(pub String);

impl std::fmt::Display for PkiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PkiError {}

fn io_err(what: &Path, e: io::Error) -> PkiError {
    PkiError(format!("{}: {e}", what.display()))
}

fn gen_err(what: &str, e: rcgen::Error) -> PkiError {
    PkiError(format!("cannot generate {what}: {e}"))
}

impl Pki {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Pki { dir: dir.into() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn config_path(&self) -> PathBuf {
        self.path(CONFIG_FILE)
    }

    /// Creates whatever is missing: the folder, the CA, the broker, client and simulator
    /// certificates and the configuration file (with `port` when it has to be written).
    /// Returns the names of the files written.
    pub fn ensure(&self, port: Option<u16>) -> Result<Vec<&'static str>, PkiError> {
        fs::create_dir_all(&self.dir).map_err(|e| io_err(&self.dir, e))?;
        let mut written = Vec::new();

        let ca_key_path = self.path(CA_KEY);
        let ca_cert_path = self.path(CA_CERT);
        let ca_key = if ca_key_path.is_file() && ca_cert_path.is_file() {
            let pem = fs::read_to_string(&ca_key_path).map_err(|e| io_err(&ca_key_path, e))?;
            KeyPair::from_pem(&pem).map_err(|e| PkiError(format!("{}: {e}", ca_key_path.display())))?
        } else {
            let key = KeyPair::generate().map_err(|e| gen_err("the CA key", e))?;
            let cert = ca_params()
                .self_signed(&key)
                .map_err(|e| gen_err("the CA certificate", e))?;
            write_private(&ca_key_path, &key.serialize_pem())?;
            write_file(&ca_cert_path, &cert.pem())?;
            written.extend([CA_KEY, CA_CERT]);
            // Leaves of an older CA would no longer verify.
            for leaf in [BROKER_CERT, CLIENT_CERT, SIMULATOR_CERT] {
                let _ = fs::remove_file(self.path(leaf));
            }
            key
        };
        let issuer = Issuer::new(ca_params(), ca_key);

        let leaves: [(&'static str, &'static str, Leaf); 3] = [
            (BROKER_CERT, BROKER_KEY, Leaf::Broker),
            (CLIENT_CERT, CLIENT_KEY, Leaf::Client("dxltie-fabric client")),
            (
                SIMULATOR_CERT,
                SIMULATOR_KEY,
                Leaf::Client("dxltie-fabric TIE simulator"),
            ),
        ];
        for (cert_name, key_name, leaf) in leaves {
            let cert_path = self.path(cert_name);
            let key_path = self.path(key_name);
            if cert_path.is_file() && key_path.is_file() {
                continue;
            }
            let key = KeyPair::generate().map_err(|e| gen_err(key_name, e))?;
            let cert = leaf_params(leaf)?
                .signed_by(&key, &issuer)
                .map_err(|e| gen_err(cert_name, e))?;
            write_private(&key_path, &key.serialize_pem())?;
            write_file(&cert_path, &cert.pem())?;
            written.extend([key_name, cert_name]);
        }

        let config_path = self.config_path();
        match port {
            Some(port) if self.write_config_if_changed(port)? => written.push(CONFIG_FILE),
            Some(_) => {}
            None if !config_path.is_file() => {
                self.write_config_if_changed(DEFAULT_PORT)?;
                written.push(CONFIG_FILE);
            }
            None => {}
        }
        Ok(written)
    }

    /// Writes `dxlclient.config` for `port` unless it already says exactly that. Returns whether
    /// the file was written.
    pub fn write_config_if_changed(&self, port: u16) -> Result<bool, PkiError> {
        let path = self.config_path();
        let text = config_text(port);
        if fs::read_to_string(&path).is_ok_and(|old| old == text) {
            return Ok(false);
        }
        // Write then rename, so a client reading the file never sees half of it.
        let tmp = self.path(".dxlclient.config.tmp");
        write_file(&tmp, &text)?;
        fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
        Ok(true)
    }
}

/// The user's configuration file: relative certificate paths, one local broker.
pub fn config_text(port: u16) -> String {
    format!(
        "# Written by dxltie-fabric: a local DXL fabric (rumqttd with mutual TLS and a TIE simulator).\n\
         [General]\n\
         \n\
         [Certs]\n\
         BrokerCertChain = {CA_CERT}\n\
         CertFile = {CLIENT_CERT}\n\
         PrivateKey = {CLIENT_KEY}\n\
         \n\
         [Brokers]\n\
         local = local;{port};localhost;127.0.0.1\n"
    )
}

#[derive(Clone, Copy)]
enum Leaf {
    Broker,
    Client(&'static str),
}

fn validity(params: &mut CertificateParams, years: u64) {
    let now = SystemTime::now();
    params.not_before = (now - Duration::from_secs(24 * 3600)).into();
    params.not_after = (now + Duration::from_secs(years * 365 * 24 * 3600)).into();
}

/// The CA's parameters. They are rebuilt identically to sign with an existing CA key: the issuer
/// name and key identifier method are all a signature needs from them.
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_COMMON_NAME);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params, 20);
    params
}

fn leaf_params(leaf: Leaf) -> Result<CertificateParams, PkiError> {
    let mut params = match leaf {
        Leaf::Broker => CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(|e| gen_err("the broker certificate", e))?,
        Leaf::Client(_) => CertificateParams::default(),
    };
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        match leaf {
            Leaf::Broker => "localhost",
            Leaf::Client(cn) => cn,
        },
    );
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![match leaf {
        Leaf::Broker => ExtendedKeyUsagePurpose::ServerAuth,
        Leaf::Client(_) => ExtendedKeyUsagePurpose::ClientAuth,
    }];
    params.use_authority_key_identifier_extension = true;
    validity(&mut params, 10);
    Ok(params)
}

fn write_file(path: &Path, text: &str) -> Result<(), PkiError> {
    fs::write(path, text).map_err(|e| io_err(path, e))
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<(), PkiError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    file.write_all(text.as_bytes()).map_err(|e| io_err(path, e))
}
