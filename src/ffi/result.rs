//! Result codes and the thread-local last-error message (c-api.md "Errors").

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};

use super::boundary;
use crate::dxl::config::ConfigErrorKind;
use crate::dxl::ConfigError;

/// The result of every fallible function: `DXLTIE_OK` (0) or a negative `DXLTIE_E_*` code.
/// Values never change once released.
pub type dxltie_result_t = i32;

/// Success.
pub const DXLTIE_OK: dxltie_result_t = 0;
/// A required pointer argument was NULL.
pub const DXLTIE_E_NULL_ARG: dxltie_result_t = -1;
/// An argument has a value the function does not accept (bad hex, unknown id, …).
pub const DXLTIE_E_INVALID_ARG: dxltie_result_t = -2;
/// A string argument is not valid UTF-8.
pub const DXLTIE_E_UTF8: dxltie_result_t = -3;
/// The configuration is incomplete or wrong (missing section, key or file).
pub const DXLTIE_E_CONFIG: dxltie_result_t = -4;
/// A file could not be read or written.
pub const DXLTIE_E_IO: dxltie_result_t = -5;
/// TLS setup or handshake failed (bad certificate, untrusted broker, key mismatch).
pub const DXLTIE_E_TLS: dxltie_result_t = -6;
/// No broker could be connected to.
pub const DXLTIE_E_CONNECT: dxltie_result_t = -7;
/// The client is not connected.
pub const DXLTIE_E_NOT_CONNECTED: dxltie_result_t = -8;
/// No response arrived within the timeout.
pub const DXLTIE_E_TIMEOUT: dxltie_result_t = -9;
/// The service or the fabric answered with an ErrorResponse (code and message available).
pub const DXLTIE_E_SERVICE_ERROR: dxltie_result_t = -10;
/// A response arrived but could not be decoded.
pub const DXLTIE_E_BAD_RESPONSE: dxltie_result_t = -11;
/// A bounded queue is full.
pub const DXLTIE_E_QUEUE_FULL: dxltie_result_t = -12;
/// The call would wait for the thread it is called from (for example freeing the client inside
/// one of its callbacks).
pub const DXLTIE_E_WOULD_DEADLOCK: dxltie_result_t = -13;
/// No such registration, request or item.
pub const DXLTIE_E_NOT_FOUND: dxltie_result_t = -14;
/// The client is shutting down.
pub const DXLTIE_E_SHUTDOWN: dxltie_result_t = -15;
/// A bug inside the library was caught at the boundary; the process lives on.
pub const DXLTIE_E_PANIC: dxltie_result_t = -16;
// -17 was DXLTIE_E_INTERNAL, which no function ever returned; the value is not reused.
/// The client was created by another process: this is a child made by fork(). A client belongs
/// to the process that created it; in a child, create a new one (`dxltie_client_free` there
/// releases the handle's memory only).
pub const DXLTIE_E_FORKED: dxltie_result_t = -18;

/// A failed call: the code to return and the detail for `dxltie_last_error_message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FfiError {
    pub code: dxltie_result_t,
    pub message: String,
}

impl FfiError {
    pub fn new(code: dxltie_result_t, message: impl Into<String>) -> Self {
        FfiError {
            code,
            message: message.into(),
        }
    }

    pub fn null_arg(name: &str) -> Self {
        Self::new(DXLTIE_E_NULL_ARG, format!("argument {name} is NULL"))
    }
}

impl From<ConfigError> for FfiError {
    fn from(e: ConfigError) -> Self {
        let code = match e.kind {
            ConfigErrorKind::Unreadable => DXLTIE_E_IO,
            ConfigErrorKind::Invalid => DXLTIE_E_CONFIG,
            ConfigErrorKind::InvalidValue => DXLTIE_E_INVALID_ARG,
        };
        FfiError::new(code, e.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last error (interior NULs are replaced).
pub fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = c);
}

/// Static text describing a result code; never NULL.
#[no_mangle]
pub extern "C" fn dxltie_result_str(code: dxltie_result_t) -> *const c_char {
    boundary::call_or("dxltie_result_str", c"internal panic".as_ptr(), || {
        result_text(code).as_ptr()
    })
}

fn result_text(code: dxltie_result_t) -> &'static CStr {
    let text: &'static CStr = match code {
        DXLTIE_OK => c"ok",
        DXLTIE_E_NULL_ARG => c"a required argument is NULL",
        DXLTIE_E_INVALID_ARG => c"invalid argument",
        DXLTIE_E_UTF8 => c"string is not valid UTF-8",
        DXLTIE_E_CONFIG => c"configuration error",
        DXLTIE_E_IO => c"input/output error",
        DXLTIE_E_TLS => c"TLS error",
        DXLTIE_E_CONNECT => c"could not connect to any broker",
        DXLTIE_E_NOT_CONNECTED => c"not connected",
        DXLTIE_E_TIMEOUT => c"timed out",
        DXLTIE_E_SERVICE_ERROR => c"the service answered with an error",
        DXLTIE_E_BAD_RESPONSE => c"malformed response",
        DXLTIE_E_QUEUE_FULL => c"queue full",
        DXLTIE_E_WOULD_DEADLOCK => c"call would deadlock on this thread",
        DXLTIE_E_NOT_FOUND => c"not found",
        DXLTIE_E_SHUTDOWN => c"client is shutting down",
        DXLTIE_E_PANIC => c"internal panic caught",
        DXLTIE_E_FORKED => c"the client belongs to the parent process (fork)",
        _ => c"unknown result code",
    };
    text
}

/// The detail of the last failed call on this thread, for example
/// "/etc/agent/dxlclient.config: [Certs] CertFile: file not found: /etc/agent/client.crt".
/// Never NULL; "" when no call has failed on this thread. Valid until the next failing call
/// on the same thread; copy it to keep it.
#[no_mangle]
pub extern "C" fn dxltie_last_error_message() -> *const c_char {
    boundary::call_or("dxltie_last_error_message", c"".as_ptr(), || {
        LAST_ERROR.with(|slot| slot.borrow().as_ptr())
    })
}
