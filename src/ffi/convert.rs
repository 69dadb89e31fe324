//! Conversions between C arguments and Rust values, each with a clear error.

use std::ffi::{c_char, CStr, CString};

use super::result::{FfiError, DXLTIE_E_UTF8};

/// Borrows a required NUL-terminated UTF-8 string argument.
///
/// Pointers: `ptr` must be NULL or point to a NUL-terminated string that outlives the returned borrow.
pub unsafe fn required_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null_arg(name));
    }
    // SAFETY: `ptr` is not NULL (checked above), so by this function's contract it points to a
    // NUL-terminated string that outlives the returned borrow.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|e| FfiError::new(DXLTIE_E_UTF8, format!("argument {name} is not UTF-8: {e}")))
}

/// Borrows an optional NUL-terminated UTF-8 string argument: NULL is None.
///
/// Pointers: `ptr` must be NULL or point to a NUL-terminated string that outlives the returned borrow.
pub unsafe fn optional_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, so the contract of `required_str` is this function's contract.
    unsafe { required_str(ptr, name) }.map(Some)
}

/// Checks that an out-parameter pointer is not NULL and gives it back as a reference.
///
/// Pointers: `ptr` must be NULL or valid for writes.
pub unsafe fn out_param<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, FfiError> {
    // SAFETY: by this function's contract `ptr` is NULL (`as_mut` gives None: refused) or
    // aligned and valid for writes of a `T` for as long as the caller uses the borrow.
    unsafe { ptr.as_mut() }.ok_or_else(|| FfiError::null_arg(name))
}

/// A C string copy of `text`; interior NULs (never valid in ids, topics or JSON) are escaped.
/// This runs for every string of every event: text without a NUL (all of it, in practice) is
/// copied once, not first into an escaped copy.
pub fn to_cstring(text: &str) -> CString {
    if text.as_bytes().contains(&0) {
        CString::new(text.replace('\0', "\\u0000")).unwrap_or_default()
    } else {
        CString::new(text).unwrap_or_default()
    }
}

/// [`to_cstring`] of a string the caller no longer needs: its buffer becomes the C string (the
/// JSON of every event would otherwise be copied once more).
pub fn string_to_cstring(text: String) -> CString {
    match CString::new(text) {
        Ok(c) => c,
        Err(e) => to_cstring(&String::from_utf8_lossy(&e.into_vec())),
    }
}
