//! A C function pointer with its user data and optional free function (c-api.md "Callbacks").
//!
//! The free function runs exactly once, when the last reference to the registration is
//! dropped: after the registration is removed (or the client freed) and after any call in
//! progress on the dispatcher has returned.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

/// Frees the user data of a callback. Runs exactly once, after the last call of the callback.
pub type dxltie_free_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// A C callback `F` with its user data.
pub(crate) struct UserCallback<F: Copy> {
    pub function: F,
    pub user_data: *mut c_void,
    free: dxltie_free_fn,
    /// Cleared when the registration failed: the caller keeps its user data.
    armed: AtomicBool,
}

// SAFETY: the C API documents that callbacks and their user data are used from the library's
// dispatcher thread; the caller guarantees the user data may be used there.
unsafe impl<F: Copy> Send for UserCallback<F> {}
// SAFETY: shared references only read `function` and `user_data` (plain values) and the atomic
// `armed`; the callback itself runs on one dispatcher thread at a time, which the C caller
// accepted when registering it (as for `Send` above).
unsafe impl<F: Copy> Sync for UserCallback<F> {}

impl<F: Copy> UserCallback<F> {
    pub fn new(function: F, user_data: *mut c_void, free: dxltie_free_fn) -> Self {
        UserCallback {
            function,
            user_data,
            free,
            armed: AtomicBool::new(true),
        }
    }

    /// The registration failed: the free function must not run, the caller still owns the data.
    pub fn disarm(&self) {
        self.armed.store(false, Ordering::SeqCst);
    }
}

impl<F: Copy> Drop for UserCallback<F> {
    fn drop(&mut self) {
        if let Some(free) = self.free.filter(|_| self.armed.load(Ordering::SeqCst)) {
            // SAFETY: the caller registered `free` for this user data; `armed` says the
            // registration took ownership of it, and Drop runs once, after the last call.
            unsafe { free(self.user_data) };
        }
    }
}
