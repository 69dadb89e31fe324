//! The errors of the fabric client.

use std::fmt;

/// Why a fabric operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DxlError {
    /// The configuration cannot be used (no brokers, unreadable PEM, key not matching the
    /// certificate, …).
    Config(String),
    /// TLS material could not be loaded or the handshake failed.
    Tls(String),
    /// No broker accepted the connection; the text names each broker tried and why it failed.
    Connect(String),
    /// The operation needs a connection and there is none.
    NotConnected,
    /// No response within the timeout.
    Timeout(String),
    /// The service or the fabric answered with an ErrorResponse.
    Service {
        /// The code as the fabric means it (`0x80000001`), whatever sign it was sent with.
        code: u32,
        /// The code as decoded (`-2147483647` from a broker, `2147483649` from Python).
        raw_code: i64,
        message: String,
    },
    /// The connection was lost while the request waited for its response.
    ConnectionLost,
    /// The call would wait for the dispatcher thread it runs on.
    WouldDeadlock(String),
    /// A bounded queue is full.
    QueueFull,
    /// No such callback, service or request.
    NotFound(String),
    /// The client is shutting down or was closed.
    Shutdown,
    /// An argument the fabric cannot accept (an empty topic, …).
    InvalidArgument(String),
    /// The client was used in a child process made by fork(): it belongs to the process that
    /// created it.
    Forked { owner: u32, current: u32 },
}

impl fmt::Display for DxlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DxlError::Config(m) => write!(f, "configuration error: {m}"),
            DxlError::Tls(m) => write!(f, "TLS error: {m}"),
            DxlError::Connect(m) => write!(f, "failed to connect: {m}"),
            DxlError::NotConnected => f.write_str("not connected"),
            DxlError::Timeout(m) => f.write_str(m),
            DxlError::Service {
                code,
                raw_code,
                message,
            } => {
                write!(f, "Error: {message} ({raw_code}) [code 0x{code:08x}]")
            }
            DxlError::ConnectionLost => f.write_str("connection lost while waiting for the response"),
            DxlError::WouldDeadlock(m) => f.write_str(m),
            DxlError::QueueFull => f.write_str("queue full"),
            DxlError::NotFound(m) => write!(f, "not found: {m}"),
            DxlError::Shutdown => f.write_str("client is shut down"),
            DxlError::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            DxlError::Forked { owner, current } => write!(
                f,
                "this client belongs to process {owner} and cannot be used in process {current}, \
                 a child made by fork(): create a new client in the child"
            ),
        }
    }
}

impl std::error::Error for DxlError {}

pub type Result<T> = std::result::Result<T, DxlError>;
