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

/// The library's major version, at run time (`DXLTIE_VERSION_MAJOR` is the header's).
#[no_mangle]
pub extern "C" fn dxltie_version_major() -> u32 {
    boundary::call_or("dxltie_version_major", 0, || {
        env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap_or(0)
    })
}

/// The library's minor version, at run time: a program built against a header of minor version
/// M uses fields and functions added in M only when this is at least M (with the same major).
#[no_mangle]
pub extern "C" fn dxltie_version_minor() -> u32 {
    boundary::call_or("dxltie_version_minor", 0, || {
        env!("CARGO_PKG_VERSION_MINOR").parse().unwrap_or(0)
    })
}

/// The library's patch version, at run time.
#[no_mangle]
pub extern "C" fn dxltie_version_patch() -> u32 {
    boundary::call_or("dxltie_version_patch", 0, || {
        env!("CARGO_PKG_VERSION_PATCH").parse().unwrap_or(0)
    })
}
