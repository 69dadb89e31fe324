//! The library version (c-api.md "Logging, version").

use std::ffi::c_char;

use super::boundary;

/// "dxltie <version>", a static string; the header's `DXLTIE_VERSION_MAJOR/MINOR/PATCH` give the
/// version the caller was compiled against.
#[no_mangle]
pub extern "C" fn dxltie_version() -> *const c_char {
    boundary::call_or("dxltie_version", std::ptr::null(), || {
        concat!("dxltie ", env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}
