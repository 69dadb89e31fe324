//! The errors of the TIE layer.
//!
//! The variants follow the error *classes* of the Python client (spec §2.1), so that the C ABI
//! can map each to one result code. Each message is the text Python's exception would show,
//! where the spec or the vectors fix it, so that logs and tests can compare them with Python's.

use std::fmt;

/// Why a TIE operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieError {
    /// A caller's argument was rejected before anything was sent: bad hex
    /// (`Odd-length string`, `Non-hexadecimal digit found`), one of the four
    /// `set_external_file_reputation` checks, or a bad helper input. Python: `ValueError` and
    /// its subclass `binascii.Error`.
    InvalidArgument(String),
    /// A payload received from the fabric could not be used: not UTF-8, not JSON, a missing key,
    /// bad base64. Python: `UnicodeDecodeError`, `json.JSONDecodeError`, `KeyError`,
    /// `binascii.Error`, `TypeError`.
    BadResponse(String),
    /// The service or the broker answered with an ErrorResponse. `code` is the code as decoded
    /// (signed: the broker's 0x80000001 shows as -2147483647, as in Python).
    ServiceError { code: i64, message: String },
    /// No response arrived within the response timeout.
    Timeout(String),
    /// The fabric failed (not connected, would deadlock, …).
    Fabric(crate::dxl::DxlError),
}

impl TieError {
    /// The timeout error with Python's text, `Timeout waiting for response to message: <id>`.
    pub fn timeout_waiting_for(message_id: &str) -> TieError {
        TieError::Timeout(format!("Timeout waiting for response to message: {message_id}"))
    }
}

impl fmt::Display for TieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TieError::InvalidArgument(m) | TieError::BadResponse(m) | TieError::Timeout(m) => f.write_str(m),
            TieError::Fabric(e) => write!(f, "{e}"),
            // Python: `Exception("Error: " + error_message + " (" + str(error_code) + ")")`.
            TieError::ServiceError { code, message } => write!(f, "Error: {message} ({code})"),
        }
    }
}

impl std::error::Error for TieError {}

/// The result type of the TIE layer.
pub type Result<T> = std::result::Result<T, TieError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_error_displays_like_python() {
        let e = TieError::ServiceError {
            code: 0,
            message: "Could not find reputation".into(),
        };
        assert_eq!(e.to_string(), "Error: Could not find reputation (0)");
        let e = TieError::ServiceError {
            code: -2147483647,
            message: "unable to locate service for request".into(),
        };
        assert_eq!(
            e.to_string(),
            "Error: unable to locate service for request (-2147483647)"
        );
        let e = TieError::ServiceError {
            code: 1090,
            message: String::new(),
        };
        assert_eq!(e.to_string(), "Error:  (1090)");
    }

    #[test]
    fn timeout_text_names_the_message() {
        assert_eq!(
            TieError::timeout_waiting_for("abc").to_string(),
            "Timeout waiting for response to message: abc"
        );
    }
}
