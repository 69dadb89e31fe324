//! The committed `include/dxltie.h` must be exactly what the build generates from `src/ffi`.

use std::path::Path;

#[test]
fn committed_header_matches_the_generated_one() {
    let generated = std::fs::read_to_string(env!("DXLTIE_GENERATED_HEADER")).expect("generated header");
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/dxltie.h");
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        generated == committed,
        "include/dxltie.h differs from the header generated from src/ffi; run `make header` and commit it"
    );
}

#[test]
fn version_macros_match_cargo_toml() {
    let header = std::fs::read_to_string(env!("DXLTIE_GENERATED_HEADER")).unwrap();
    for (name, value) in [
        ("MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        let line = format!("#define DXLTIE_VERSION_{name} {value}\n");
        assert!(header.contains(&line), "missing `{}`", line.trim());
    }
}

/// Every `extern "C"` function must run inside the panic boundary (`boundary::call` or
/// `boundary::call_or`), so no panic can unwind into C.
#[test]
fn every_exported_function_uses_the_panic_boundary() {
    let ffi = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut checked = 0;
    for entry in std::fs::read_dir(&ffi).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for (i, chunk) in source.split("extern \"C\" fn ").enumerate().skip(1) {
            let name = chunk.split('(').next().unwrap_or("?");
            // The body runs from the first `{` after the signature to the next exported fn.
            let body = chunk.split_once('{').map(|(_, b)| b).unwrap_or("");
            let first_statement = body.trim_start();
            assert!(
                first_statement.starts_with("boundary::call"),
                "{}: extern \"C\" fn {name} (#{i}) does not start with boundary::call",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "found only {checked} exported functions");
}

/// Each function is declared once (cbindgen parses src/ffi once, from its mod.rs).
#[test]
fn every_function_is_declared_once() {
    let header = std::fs::read_to_string(env!("DXLTIE_GENERATED_HEADER")).unwrap();
    let mut names: Vec<&str> = header
        .lines()
        .filter(|l| {
            !l.starts_with(' ')
                && !l.starts_with('#')
                && !l.starts_with("typedef")
                && l.contains("dxltie_")
                && l.contains('(')
        })
        .filter_map(|l| l.split('(').next()?.rsplit([' ', '*']).next())
        .collect();
    let total = names.len();
    names.sort();
    names.dedup();
    assert!(total > 50, "found only {total} declarations");
    assert_eq!(names.len(), total, "some function is declared more than once");
}
