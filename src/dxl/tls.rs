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
    // PKCS#1 ("RSA PRIVATE KEY"), PKCS#8 and SEC1 keys are all accepted.
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| DxlError::Tls(format!("private key {}: {e}", config.private_key.describe())))?;

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
