//! The TLS settings of a DXL connection (dxl-protocol.md §4.8).
//!
//! The broker's chain must verify against `BrokerCertChain`; the host name is not checked, as
//! the reference client does not check it (ePO-issued broker certificates carry no
//! subjectAltName and a CN that is not the host name). The client certificate is always
//! presented. rustls offers TLS 1.3 and TLS 1.2 with ECDHE AES-GCM; there is no plaintext path.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig as TlsClientConfig, DigitallySignedStruct, Error as TlsError, RootCertStore,
    SignatureScheme,
};

use super::config::ClientConfig;
use super::error::DxlError;

/// Verifies the broker's chain with webpki and accepts a certificate whose only fault is that
/// it does not name the host we connected to.
#[derive(Debug)]
struct ChainOnlyVerifier {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        // webpki checks the chain (trust, validity dates, usage) before the name, so a name
        // error means the chain itself was accepted.
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(TlsError::InvalidCertificate(CertificateError::NotValidForName))
            | Err(TlsError::InvalidCertificate(CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn read_pem(config_source: &super::config::PemSource, what: &str) -> Result<Vec<u8>, DxlError> {
    config_source
        .read()
        .map_err(|e| DxlError::Config(format!("{what} {}: {e}", config_source.describe())))
}

/// Builds the rustls client configuration from the PEM sources of `config`.
/// Every failure names the file it comes from.
pub fn client_tls_config(config: &ClientConfig) -> Result<Arc<TlsClientConfig>, DxlError> {
    let provider = Arc::new(ring::default_provider());

    let ca_pem = read_pem(&config.broker_ca, "broker CA chain")?;
    let mut roots = RootCertStore::empty();
    let mut ca_count = 0;
    for cert in CertificateDer::pem_slice_iter(&ca_pem) {
        let cert = cert.map_err(|e| DxlError::Tls(format!("broker CA chain {}: {e}", config.broker_ca.describe())))?;
        roots
            .add(cert)
            .map_err(|e| DxlError::Tls(format!("broker CA chain {}: {e}", config.broker_ca.describe())))?;
        ca_count += 1;
    }
    if ca_count == 0 {
        return Err(DxlError::Tls(format!(
            "broker CA chain {}: no PEM certificate found",
            config.broker_ca.describe()
        )));
    }

    let cert_pem = read_pem(&config.client_cert, "client certificate")?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| DxlError::Tls(format!("client certificate {}: {e}", config.client_cert.describe())))?;
    if chain.is_empty() {
        return Err(DxlError::Tls(format!(
            "client certificate {}: no PEM certificate found",
            config.client_cert.describe()
        )));
    }
    let key_pem = read_pem(&config.private_key, "private key")?;
    let key = private_key(&key_pem, &config.private_key.describe())?;

    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| DxlError::Tls(format!("broker CA chain {}: {e}", config.broker_ca.describe())))?;

    let tls = TlsClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| DxlError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(ChainOnlyVerifier { inner: verifier }))
        .with_client_auth_cert(chain, key)
        .map_err(|e| {
            DxlError::Tls(format!(
                "client certificate {} and private key {} cannot be used together: {e}",
                config.client_cert.describe(),
                config.private_key.describe()
            ))
        })?;
    Ok(Arc::new(tls))
}

/// The private key of a PEM document: PKCS#1 ("RSA PRIVATE KEY"), PKCS#8 or SEC1, unencrypted.
/// An encrypted key, or a document with no key, gets a message that says so (rustls alone says
/// "no items found" or reports a base64 error for the DEK-Info header of an old-style one).
fn private_key(pem: &[u8], source: &str) -> Result<PrivateKeyDer<'static>, DxlError> {
    let text = String::from_utf8_lossy(pem);
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(DxlError::Tls(format!(
            "private key {source} is encrypted with a passphrase; dxltie needs it unencrypted, \
             as the reference client does (for example: openssl pkey -in KEY -out KEY.plain), \
             kept readable only by the agent"
        )));
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        let detail = match e {
            rustls::pki_types::pem::Error::NoItemsFound => {
                "no private key found (expected a PEM block BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY \
                 or BEGIN EC PRIVATE KEY)"
                    .to_owned()
            }
            other => other.to_string(),
        };
        DxlError::Tls(format!("private key {source}: {detail}"))
    })
}

#[cfg(test)]
mod tests {
    use super::private_key;

    #[test]
    fn encrypted_and_missing_keys_are_named() {
        let pkcs8 = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let e = private_key(pkcs8.as_bytes(), "/k.pem").unwrap_err().to_string();
        assert!(e.contains("/k.pem is encrypted"), "{e}");
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let e = private_key(legacy.as_bytes(), "/k.pem").unwrap_err().to_string();
        assert!(e.contains("is encrypted"), "{e}");
        let e = private_key(b"hello", "/k.pem").unwrap_err().to_string();
        assert!(e.contains("no private key found"), "{e}");
    }
}
