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
/// The functions the header declares, in order, with repeats: cbindgen writes each declaration
/// from the start of a line, `<type> name(`.
fn declared_functions(header: &str) -> Vec<&str> {
    header
        .lines()
        .filter(|l| {
            !l.starts_with(' ')
                && !l.starts_with('#')
                && !l.starts_with("typedef")
                && !l.starts_with("DXLTIE_") // the struct initialisers' macro
                && l.contains("dxltie_")
                && l.contains('(')
        })
        .filter_map(|l| l.split('(').next()?.rsplit([' ', '*']).next())
        .collect()
}

#[test]
fn every_function_is_declared_once() {
    let header = std::fs::read_to_string(env!("DXLTIE_GENERATED_HEADER")).unwrap();
    let mut names = declared_functions(&header);
    let total = names.len();
    names.sort();
    names.dedup();
    assert!(total > 50, "found only {total} declarations");
    assert_eq!(names.len(), total, "some function is declared more than once");
}

/// The shared library exports exactly the functions the header declares: nothing of Rust's or
/// of the crates inside it (ring, rustls, tokio) can clash with another library in the host.
#[test]
fn the_shared_library_exports_exactly_the_header_functions() {
    let header = std::fs::read_to_string(env!("DXLTIE_GENERATED_HEADER")).unwrap();
    let mut declared: Vec<String> = declared_functions(&header).into_iter().map(str::to_owned).collect();
    declared.sort();
    declared.dedup();
    // target/<profile>/deps/<this test> → target/<profile>/libdxltie.so
    let exe = std::env::current_exe().unwrap();
    let library = exe.parent().unwrap().parent().unwrap().join("libdxltie.so");
    let out = std::process::Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(&library)
        .output()
        .expect("nm (binutils)");
    assert!(out.status.success(), "nm {}: {out:?}", library.display());
    let mut exported: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    exported.sort();
    exported.dedup();
    assert_eq!(
        exported,
        declared,
        "exported symbols of {} vs the header's functions",
        library.display()
    );
}

/// The ABI against the committed baseline (scripts/abi-check.sh, libabigail): an incompatible
/// change fails unless abi/libdxltie.abi and the SONAME were updated together.
#[test]
fn the_abi_is_compatible_with_the_baseline() {
    let exe = std::env::current_exe().unwrap();
    let library = exe.parent().unwrap().parent().unwrap().join("libdxltie.so");
    let out = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/abi-check.sh"))
        .arg(&library)
        .output()
        .expect("bash");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("ABI check passed"), "{text}");
}

/// The header compiles warning-free as C99, C11 and C++ (11 and 17) with `-Wall -Wextra
/// -Werror -pedantic`, including its inline struct initialisers.
#[test]
fn the_header_compiles_cleanly_as_c99_c11_and_cxx() {
    let dir = std::env::temp_dir().join(format!("dxltie-header-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("uses_header.c");
    std::fs::write(
        &source,
        "#include \"dxltie.h\"\n\
         int main(void) {\n\
             dxltie_stats_t stats = dxltie_stats_init();\n\
             dxltie_broker_t broker = dxltie_broker_init();\n\
             return (int)(stats.struct_size + broker.struct_size == 0) + (DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED != 99);\n\
         }\n",
    )
    .unwrap();
    let include = concat!(env!("CARGO_MANIFEST_DIR"), "/include");
    for (compiler, std_flag, extra) in [
        ("cc", "-std=c99", None),
        ("cc", "-std=c11", None),
        ("c++", "-std=c++11", Some("-xc++")),
        ("c++", "-std=c++17", Some("-xc++")),
    ] {
        let mut cmd = std::process::Command::new(compiler);
        cmd.args(extra);
        cmd.args([
            std_flag,
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsyntax-only",
            "-I",
            include,
        ])
        .arg(&source);
        let out = cmd.output().expect(compiler);
        assert!(
            out.status.success(),
            "{compiler} {std_flag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
