//! The panic boundary every `extern "C"` function goes through (c-api.md "Errors").
//!
//! A panic must never unwind into C (since Rust 1.81 it would abort the host process, an
//! endpoint agent): it becomes `DXLTIE_E_PANIC` with a message, and the process lives on.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::result::{dxltie_result_t, set_last_error, FfiError, DXLTIE_E_PANIC, DXLTIE_OK};

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs `body` for the C function `name`: `Ok` → `DXLTIE_OK`; an error or a panic → its code,
/// with the detail stored for `dxltie_last_error_message`.
pub fn call(name: &str, body: impl FnOnce() -> Result<(), FfiError>) -> dxltie_result_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => DXLTIE_OK,
        Ok(Err(e)) => {
            set_last_error(&e.message);
            e.code
        }
        Err(payload) => {
            let message = format!("{name}: internal panic: {}", panic_text(payload));
            log::error!("{message}");
            set_last_error(&message);
            DXLTIE_E_PANIC
        }
    }
}

/// Runs an infallible `body` (a getter, a free function): a panic yields `fallback`.
pub fn call_or<T>(name: &str, fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            let message = format!("{name}: internal panic: {}", panic_text(payload));
            log::error!("{message}");
            set_last_error(&message);
            fallback
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::result::{dxltie_last_error_message, DXLTIE_E_INVALID_ARG};
    use std::ffi::CStr;

    fn last_error() -> String {
        // SAFETY: `dxltie_last_error_message` never returns NULL: it points to this thread's
        // NUL-terminated last-error string, which stays put until the next failing call here.
        unsafe { CStr::from_ptr(dxltie_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_code_and_a_message() {
        let code = call("dxltie_test", || panic!("boom"));
        assert_eq!(code, DXLTIE_E_PANIC);
        assert_eq!(last_error(), "dxltie_test: internal panic: boom");
        assert_eq!(call_or("dxltie_getter", 7, || panic!("x")), 7);
    }

    #[test]
    fn an_error_sets_the_last_error_and_ok_returns_zero() {
        let code = call("f", || Err(FfiError::new(DXLTIE_E_INVALID_ARG, "bad hex")));
        assert_eq!(code, DXLTIE_E_INVALID_ARG);
        assert_eq!(last_error(), "bad hex");
        assert_eq!(call("f", || Ok(())), DXLTIE_OK);
    }
}
