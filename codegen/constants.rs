//! The C section of the TIE constants, generated at build time from `src/tie/constants.rs`, the
//! one place each TIE constant is defined (Rust module, C header section, and the reference
//! the Python binding is checked against, see bindings/python/tests/test_constants.py).
//!
//! The source is parsed with syn, as the compiler parses it: formatting cannot hide a constant
//! (a value split over lines is a value), and anything this generator does not understand (a
//! type or an expression other than a literal) stops the build with its name rather than being
//! skipped.
//!
//! Naming: `pub mod trust_level { pub const KNOWN_TRUSTED … }` becomes
//! `DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED`; the `topics` module's names already say what they are
//! (`DXLTIE_TIE_GET_FILE_REPUTATION_TOPIC`); a constant outside any module is `DXLTIE_<NAME>`.
//! Re-exports (`pub use super::…::*`, Python's subclasses) and the `ALL` lists stay Rust-only.

use std::fmt::Write;
use std::path::Path;

pub fn c_section(path: &Path) -> String {
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = String::from(
        "\n/* ---- TIE constants (generated from src/tie/constants.rs; Python: dxltie.constants) ---- */\n",
    );
    for item in &file.items {
        match item {
            syn::Item::Mod(m) if !is_test(&m.attrs) => {
                let Some((_, items)) = &m.content else { continue };
                let group = m.ident.to_string();
                writeln!(out, "\n/* {} */", first_sentence(&docs(&m.attrs))).unwrap();
                for inner in items {
                    if let syn::Item::Const(c) = inner {
                        constant(&mut out, Some(&group), c);
                    }
                }
            }
            syn::Item::Const(c) => {
                out.push('\n');
                constant(&mut out, None, c);
            }
            _ => {}
        }
    }
    out
}

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

fn constant(out: &mut String, group: Option<&str>, c: &syn::ItemConst) {
    let name = c.ident.to_string();
    if name == "ALL" {
        return; // membership lists for the Rust validators
    }
    let c_name = match group {
        Some("topics") | None => format!("DXLTIE_{name}"),
        Some(g) => format!("DXLTIE_{}_{name}", g.to_uppercase()),
    };
    let value = literal(&c.expr).unwrap_or_else(|| panic!("src/tie/constants.rs: {name}: the value is not a literal"));
    let ty = quote_type(&c.ty);
    match (ty.as_str(), &value) {
        ("& str", Literal::Text(_)) | ("i32" | "i64" | "u64", Literal::Number(_)) => {}
        other => panic!("src/tie/constants.rs: {name}: unsupported type/value {other:?}"),
    }
    let doc = docs(&c.attrs);
    if !doc.is_empty() {
        writeln!(out, "/** {} */", doc.replace("*/", "* /")).unwrap();
    }
    match value {
        Literal::Text(t) => writeln!(out, "#define {c_name} \"{}\"", c_escape(&t)).unwrap(),
        Literal::Number(n) => writeln!(out, "#define {c_name} {n}").unwrap(),
    }
}

#[derive(Debug)]
enum Literal {
    Text(String),
    Number(String),
}

fn literal(expr: &syn::Expr) -> Option<Literal> {
    match expr {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(Literal::Text(s.value())),
            syn::Lit::Int(i) => Some(Literal::Number(i.base10_digits().to_owned())),
            _ => None,
        },
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => match literal(&u.expr)? {
            Literal::Number(n) => Some(Literal::Number(format!("-{n}"))),
            Literal::Text(_) => None,
        },
        _ => None,
    }
}

fn quote_type(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Reference(r) => format!("& {}", quote_type(&r.elem)),
        syn::Type::Path(p) => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        _ => "?".into(),
    }
}

/// The doc comment as one line, with Rust's link syntax reduced to its text.
fn docs(attrs: &[syn::Attribute]) -> String {
    let mut text = String::new();
    for a in attrs {
        if let syn::Meta::NameValue(nv) = &a.meta {
            if nv.path.is_ident("doc") {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s), ..
                }) = &nv.value
                {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(s.value().trim());
                }
            }
        }
    }
    strip_links(&text)
}

/// `[`x`](path)` and `[`x`]` become `x` in backquotes only.
fn strip_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let Some(end) = rest[start..].find(']').map(|e| start + e) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&rest[start + 1..end]);
        rest = &rest[end + 1..];
        if rest.starts_with('(') {
            if let Some(close) = rest.find(')') {
                rest = &rest[close + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_owned(),
        None => text.to_owned(),
    }
}

/// A C string literal's body: the TIE strings are ASCII, but escape what C needs anyway.
fn c_escape(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    write!(out, "\\x{b:02x}").unwrap();
                }
            }
        }
    }
    out
}
