//! Generates the C header from the `extern "C"` items of `src/ffi` and names the shared library
//! by its ABI version (an ELF SONAME, a Mach-O install name) where the target's linker takes it.
//!
//! The header is written to `$OUT_DIR/dxltie.h`, never into the source tree; `include/dxltie.h`
//! is the committed copy. `tests/header.rs` fails when the two differ, and `make header`
//! refreshes the committed copy.

use std::env;
use std::path::PathBuf;

#[path = "codegen/constants.rs"]
mod constants;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("dxltie.h");
    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    let patch = env::var("CARGO_PKG_VERSION_PATCH").unwrap();

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut after = format!(
        "\n#define DXLTIE_VERSION_MAJOR {major}\n#define DXLTIE_VERSION_MINOR {minor}\n#define DXLTIE_VERSION_PATCH {patch}\n"
    );
    after.push_str(&constants::c_section(&crate_dir.join("src/tie/constants.rs")));
    config.after_includes = Some(after);
    // Only src/ffi is the C surface: cbindgen starts at its mod.rs and follows its `mod` items,
    // which keeps Rust-side constants out of the header (adding each file too would declare
    // every function twice).
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/ffi/mod.rs"))
        .generate()
        .expect("generating the C header")
        .write_to_file(&out);
    println!("cargo:rustc-env=DXLTIE_GENERATED_HEADER={}", out.display());

    shared_library_name(&major, &minor, &patch);

    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=src/tie/constants.rs");
    println!("cargo:rerun-if-changed=codegen");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
}

/// The ABI version of the shared library, as cargo-c counts it: the major version from 1.0 on; for
/// 0.y.z, where Cargo's semver lets every minor release break, `0.y` (and `0.0.z` for 0.0.z). The
/// Makefile's SOVERSION computes the same from Cargo.toml, and `scripts/install-test.sh` checks
/// that the installed SONAME agrees.
fn abi_version(major: &str, minor: &str, patch: &str) -> String {
    match (major, minor) {
        ("0", "0") => format!("0.0.{patch}"),
        ("0", _) => format!("0.{minor}"),
        _ => major.to_string(),
    }
}

/// Names the shared library by its ABI version in the way the target's linker takes it: an ELF
/// SONAME (`libdxltie.so.<abi>`) where the linker is driven GNU-style, an install name on Apple
/// targets, nothing elsewhere (Windows DLLs have no such field; wasm has no shared library).
fn shared_library_name(major: &str, minor: &str, patch: &str) {
    let abi = abi_version(major, minor, patch);
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let link_arg = |arg: String| println!("cargo:rustc-cdylib-link-arg={arg}");
    match os.as_str() {
        // ELF targets whose linkers (GNU ld, gold, lld, mold) take -soname.
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "hurd" | "fuchsia" => {
            link_arg(format!("-Wl,-soname,libdxltie.so.{abi}"))
        }
        // The Solaris and illumos link-editors spell it -h.
        "solaris" | "illumos" => link_arg(format!("-Wl,-h,libdxltie.so.{abi}")),
        // Mach-O: the install name plays the SONAME's part; found through the rpath.
        "macos" | "ios" | "tvos" | "watchos" | "visionos" => {
            link_arg(format!("-Wl,-install_name,@rpath/libdxltie.{abi}.dylib"));
            link_arg(format!("-Wl,-current_version,{major}.{minor}.{patch}"));
            link_arg(format!("-Wl,-compatibility_version,{abi}"));
        }
        // Windows (MSVC or GNU), wasm and anything unknown: no such flag.
        _ => {}
    }
}
