//! The mapping from Rust errors to result codes, in one place.

use std::cell::Cell;

use super::result::*;
use crate::dxl::DxlError;
use crate::tie::TieError;

thread_local! {
    /// The fabric error code and message of this thread's last `DXLTIE_E_SERVICE_ERROR`.
    static LAST_SERVICE_ERROR: Cell<u32> = const { Cell::new(0) };
}

pub(crate) fn last_service_error_code() -> u32 {
    LAST_SERVICE_ERROR.with(Cell::get)
}

pub(crate) fn from_dxl(e: DxlError) -> FfiError {
    let code = match &e {
        DxlError::Config(_) => DXLTIE_E_CONFIG,
        DxlError::Tls(_) => DXLTIE_E_TLS,
        DxlError::Connect(_) => DXLTIE_E_CONNECT,
        DxlError::NotConnected | DxlError::ConnectionLost => DXLTIE_E_NOT_CONNECTED,
        DxlError::Timeout(_) => DXLTIE_E_TIMEOUT,
        DxlError::Service { code, .. } => {
            LAST_SERVICE_ERROR.with(|c| c.set(*code));
            DXLTIE_E_SERVICE_ERROR
        }
        DxlError::WouldDeadlock(_) => DXLTIE_E_WOULD_DEADLOCK,
        DxlError::QueueFull => DXLTIE_E_QUEUE_FULL,
        DxlError::NotFound(_) => DXLTIE_E_NOT_FOUND,
        DxlError::Shutdown => DXLTIE_E_SHUTDOWN,
        DxlError::InvalidArgument(_) => DXLTIE_E_INVALID_ARG,
        DxlError::Forked { .. } => DXLTIE_E_FORKED,
    };
    let message = match &e {
        // The service's own words, as `dxltie_last_error_message` shows them.
        DxlError::Service { message, .. } => message.clone(),
        other => other.to_string(),
    };
    FfiError::new(code, message)
}

pub(crate) fn from_tie(e: TieError) -> FfiError {
    match e {
        TieError::InvalidArgument(m) => FfiError::new(DXLTIE_E_INVALID_ARG, m),
        TieError::BadResponse(m) => FfiError::new(DXLTIE_E_BAD_RESPONSE, m),
        TieError::ServiceError { code, message } => {
            LAST_SERVICE_ERROR.with(|c| c.set(code as u32));
            FfiError::new(DXLTIE_E_SERVICE_ERROR, message)
        }
        TieError::Timeout(m) => FfiError::new(DXLTIE_E_TIMEOUT, m),
        TieError::Fabric(e) => from_dxl(e),
    }
}
