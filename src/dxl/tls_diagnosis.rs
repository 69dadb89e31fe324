//! Plain-language reasons for a refused TLS handshake with a broker. rustls reports
//! "invalid peer certificate: UnknownIssuer" or "received fatal alert: UnknownCA" at the end of
//! a chain of wrapped rumqttc errors; an agent's operator needs to know which side refused
//! which certificate, and which entry of `dxlclient.config` to look at.

use std::error::Error;

use rumqttc::ConnectionError;
use rustls::{AlertDescription, CertificateError, Error as TlsError};

/// Why one connection attempt failed.
pub(crate) struct AttemptFailure {
    /// The reason, then the underlying error's own text.
    pub text: String,
    /// A certificate was refused by either side: retrying the same broker cannot help.
    pub certificate_refused: bool,
}

pub(crate) fn describe(error: &ConnectionError) -> AttemptFailure {
    match rustls_error(error).and_then(explain) {
        Some(reason) => AttemptFailure {
            text: format!("{reason} ({error})"),
            certificate_refused: true,
        },
        None => AttemptFailure {
            text: error.to_string(),
            certificate_refused: false,
        },
    }
}

/// The rustls error under `error`, which tokio-rustls wraps in an `io::Error` (whose
/// `source()` skips it, hence `get_ref`).
fn rustls_error<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a TlsError> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<TlsError>() {
            return Some(tls);
        }
        if let Some(tls) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<TlsError>())
        {
            return Some(tls);
        }
        next = e.source();
    }
    None
}

fn explain(error: &TlsError) -> Option<&'static str> {
    use AlertDescription as Alert;
    use CertificateError as Cert;
    Some(match error {
        TlsError::InvalidCertificate(Cert::UnknownIssuer) => {
            "the broker's certificate is not signed by a CA of the broker CA bundle (BrokerCertChain)"
        }
        TlsError::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => {
            "the broker's certificate has expired"
        }
        TlsError::InvalidCertificate(Cert::NotValidYet | Cert::NotValidYetContext { .. }) => {
            "the broker's certificate is not valid yet (is the clock right?)"
        }
        TlsError::InvalidCertificate(Cert::Revoked) => "the broker's certificate is revoked",
        TlsError::InvalidCertificate(_) => "the broker's certificate was refused",
        TlsError::AlertReceived(Alert::UnknownCA) => {
            "the broker refused our client certificate (CertFile): it is not signed by a CA the broker trusts"
        }
        TlsError::AlertReceived(Alert::CertificateExpired) => {
            "the broker refused our client certificate (CertFile): it has expired"
        }
        TlsError::AlertReceived(
            Alert::BadCertificate
            | Alert::UnsupportedCertificate
            | Alert::CertificateRevoked
            | Alert::CertificateUnknown
            | Alert::CertificateRequired
            | Alert::AccessDenied
            | Alert::DecryptError,
        ) => "the broker refused our client certificate (CertFile)",
        _ => return None,
    })
}
