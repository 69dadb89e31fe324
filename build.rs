//! Generates the C header from the `extern "C"` items of `src/ffi` and sets the shared library's
//! SONAME.
//!
//! The header is written to `$OUT_DIR/dxltie.h`, never into the source tree; `include/dxltie.h`
//! is the committed copy. `tests/header.rs` fails when the two differ, and `make header`
//! refreshes the committed copy.

use std::env;
use std::path::PathBuf;

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
    after.push_str(&string_constants(&crate_dir.join("src/ffi/constants.rs")));
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

    // The SONAME carries the major version: an incompatible ABI gets a new file name.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libdxltie.so.{major}");

    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
}

/// `#define`s for the `&str` constants of `src/ffi/constants.rs`: cbindgen writes only numeric
/// constants, and the string ones (topics, hash types, attribute ids) belong in the header too.
fn string_constants(path: &std::path::Path) -> String {
    let source = std::fs::read_to_string(path).expect("src/ffi/constants.rs");
    let mut out = String::from("\n/* TIE string constants (topics, hash types, property names, attribute ids). */\n");
    for line in source.lines() {
        let Some(rest) = line.trim().strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, value)) = rest.split_once(": &str = ") else {
            continue;
        };
        let value = value.trim_end_matches(';');
        out.push_str(&format!("#define {name} {value}\n"));
    }
    out
}
