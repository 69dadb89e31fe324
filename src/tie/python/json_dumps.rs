//! `json.dumps` and `repr` as CPython writes them: outgoing payloads byte-identical to Python's,
//! and the values Python's error texts quote (`KeyError: 'providerId'`).

use std::io;

use serde::Serialize as _;
use serde_json::ser::{CharEscape, Formatter, Serializer};
use serde_json::Value;

/// Serialises `value` exactly as Python's `json.dumps(value)` does with default arguments:
/// separators `", "` and `": "`, keys in the map's (insertion) order, every non-ASCII character
/// (and DEL) escaped as `\uXXXX` with surrogate pairs above the BMP, `\n \r \t \b \f \" \\`
/// for those characters and `\u00XX` for the other control characters, and floats in Python's
/// `repr` form (`75.0`, `1e-05`, `1e+16`).
pub fn python_json_dumps(value: &Value) -> String {
    let mut out = Vec::with_capacity(128);
    let mut serializer = Serializer::with_formatter(&mut out, PythonJsonFormatter);
    value
        .serialize(&mut serializer)
        .expect("serialising a serde_json::Value into memory cannot fail");
    String::from_utf8(out).expect("the formatter writes ASCII only")
}

/// Appends `s` as Python's `json.dumps(s)` writes a string, quotes included: for payloads that
/// are written as text directly.
pub fn push_python_json_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        // The usual hash types ("md5", "sha256"): nothing to escape.
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut bytes = Vec::with_capacity(s.len() + 2);
    let mut serializer = Serializer::with_formatter(&mut bytes, PythonJsonFormatter);
    s.serialize(&mut serializer)
        .expect("serialising a str into memory cannot fail");
    out.push_str(std::str::from_utf8(&bytes).expect("the formatter writes ASCII only"));
}

/// Serialises `value` as Python's `json.dumps(value, sort_keys=True, indent=4,
/// separators=(",", ": "))` does, the form the Python samples print: keys sorted, one member per
/// line indented by four spaces, empty objects and arrays as `{}` and `[]`, the same escaping as
/// [`python_json_dumps`].
pub fn python_json_dumps_pretty(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    let formatter = PythonPrettyFormatter {
        depth: 0,
        has_value: false,
    };
    let mut serializer = Serializer::with_formatter(&mut out, formatter);
    sorted_keys(value)
        .serialize(&mut serializer)
        .expect("serialising a serde_json::Value into memory cannot fail");
    String::from_utf8(out).expect("the formatter writes ASCII only")
}

/// A copy of `value` whose objects have their keys in sorted order (Python's `sort_keys`).
fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted_keys(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// [`PythonJsonFormatter`]'s escaping with Python's `indent=4` layout.
struct PythonPrettyFormatter {
    depth: usize,
    /// Whether the array or object being written has a member yet.
    has_value: bool,
}

impl PythonPrettyFormatter {
    fn newline<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"    ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        self.has_value = true; // the closed container is a member of its parent
        w.write_all(bracket)
    }

    fn member<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }
}

impl Formatter for PythonPrettyFormatter {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        PythonJsonFormatter.write_string_fragment(w, fragment)
    }
    fn write_char_escape<W: ?Sized + io::Write>(&mut self, w: &mut W, escape: CharEscape) -> io::Result<()> {
        PythonJsonFormatter.write_char_escape(w, escape)
    }
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        PythonJsonFormatter.write_f64(w, value)
    }
    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        PythonJsonFormatter.write_f32(w, value)
    }
}

/// The `serde_json` formatter behind [`python_json_dumps`].
struct PythonJsonFormatter;

impl Formatter for PythonJsonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    /// Runs of characters serde_json does not escape itself: ASCII passes through; DEL and
    /// everything non-ASCII becomes `\uXXXX` (Python's `ensure_ascii=True`).
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        // Almost every fragment is plain ASCII: one check over the bytes, then one write.
        if fragment.bytes().all(|b| b < 0x7f) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() && c != '\x7f' {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(&mut self, w: &mut W, escape: CharEscape) -> io::Result<()> {
        match escape {
            CharEscape::Quote => w.write_all(b"\\\""),
            CharEscape::ReverseSolidus => w.write_all(b"\\\\"),
            // Python never escapes '/'; serde_json does not ask for it either.
            CharEscape::Solidus => w.write_all(b"/"),
            CharEscape::Backspace => w.write_all(b"\\b"),
            CharEscape::FormFeed => w.write_all(b"\\f"),
            CharEscape::LineFeed => w.write_all(b"\\n"),
            CharEscape::CarriageReturn => w.write_all(b"\\r"),
            CharEscape::Tab => w.write_all(b"\\t"),
            CharEscape::AsciiControl(byte) => write!(w, "\\u{byte:04x}"),
        }
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(python_float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        w.write_all(python_float_repr(f64::from(value)).as_bytes())
    }
}

/// Python's `repr(float)`: the shortest round-tripping digits, in positional notation when the
/// decimal exponent is in `-4 < e <= 16` (always with a fractional part, `75.0`), otherwise in
/// scientific notation with a signed, at least two-digit exponent (`1e-05`, `1.5e+16`).
pub(crate) fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    // Rust's `{:e}` prints the shortest round-tripping digits, e.g. "-1.5e16".
    let sci = format!("{:e}", value.abs());
    let (mantissa, exponent) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exponent + 1; // the value is 0.<digits> × 10^decpt
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if decpt > -4 && decpt <= 16 {
        let body = if decpt <= 0 {
            format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
        } else if decpt as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(decpt as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..decpt as usize], &digits[decpt as usize..])
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{fraction}e{exp_sign}{:02}", exponent.abs())
    }
}

/// Python's `repr(str)`, for error texts that quote a value.
///
/// Single quotes unless the text contains `'` and no `"`; `\\`, `\t`, `\n`, `\r` and the chosen
/// quote are escaped; other control characters become `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
/// Python escapes every character that `str.isprintable()` rejects; this uses Rust's
/// `char::is_control` plus the common Unicode separators and format characters, which covers
/// everything a TIE payload plausibly contains.
pub fn python_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_python_printable(c) => {
                let code = c as u32;
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// An approximation of `str.isprintable()` for one character (see [`python_repr_str`]).
fn is_python_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || matches!(c,
            '\u{a0}' | '\u{ad}' | '\u{1680}' | '\u{2000}'..='\u{200f}' | '\u{2028}'..='\u{202f}'
            | '\u{205f}'..='\u{2064}' | '\u{3000}' | '\u{feff}' | '\u{e000}'..='\u{f8ff}'
            | '\u{fff9}'..='\u{fffb}'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dumps_matches_python_separators_and_escapes() {
        let v =
            json!({"a": [1, 2, {"b": null}], "c": true, "d": "x\"y\\z/\n\r\t\u{8}\u{c}\u{1}\u{7f}", "e": {}, "f": []});
        assert_eq!(
            python_json_dumps(&v),
            r#"{"a": [1, 2, {"b": null}], "c": true, "d": "x\"y\\z/\n\r\t\b\f\u0001\u007f", "e": {}, "f": []}"#
        );
        let v = json!({"né": "日本 😀"});
        assert_eq!(python_json_dumps(&v), r#"{"n\u00e9": "\u65e5\u672c \ud83d\ude00"}"#);
    }

    #[test]
    fn floats_use_python_repr() {
        let cases = [
            (75.0, "75.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345.6, "123456789012345.6"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e100, "1e+100"),
        ];
        for (value, text) in cases {
            assert_eq!(python_float_repr(value), text, "repr({value})");
        }
    }

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(python_repr_str("providerId"), "'providerId'");
        assert_eq!(python_repr_str("it's"), "\"it's\"");
        assert_eq!(python_repr_str("a'\"b"), "'a\\'\"b'");
        assert_eq!(python_repr_str("a\nb\u{1}é"), "'a\\nb\\x01é'");
    }
}

#[cfg(test)]
mod pretty_tests {
    use super::*;

    /// Expected text printed by CPython 3.11's
    /// `json.dumps(v, sort_keys=True, indent=4, separators=(',', ': '))`.
    #[test]
    fn pretty_output_matches_python_sample_printing() {
        let input = "{\"b\": [1, {\"z\": {}, \"a\": []}, \"\\u00e9\"], \"a\": {\"1\": {\"trustLevel\": 99, \"attributes\": {\"2\": \"x\"}}}, \"c\": 75.0}";
        let value: Value = serde_json::from_str(input).unwrap();
        let python = "{\n    \"a\": {\n        \"1\": {\n            \"attributes\": {\n                \"2\": \"x\"\n            },\n            \"trustLevel\": 99\n        }\n    },\n    \"b\": [\n        1,\n        {\n            \"a\": [],\n            \"z\": {}\n        },\n        \"\\u00e9\"\n    ],\n    \"c\": 75.0\n}";
        assert_eq!(python_json_dumps_pretty(&value), python);
        assert_eq!(python_json_dumps(&value), input);
    }
}
