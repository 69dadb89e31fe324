//! Python's error texts for payloads that are not JSON, and for payloads that are not UTF-8.
//!
//! Payloads are parsed with `serde_json`. When it rejects one, these functions re-scan the text
//! the way CPython 3.11's `json` scanner does and return the message Python's
//! `json.JSONDecodeError` would carry (`Expecting value: line 1 column 1 (char 0)`), so errors
//! read the same as with the Python client. The scanner only locates errors; it builds no values.
//!
//! Python accepts a few documents `serde_json` rejects (`NaN`, `Infinity`, lone surrogate
//! escapes, nesting deeper than 128). For those the scanner finds no error and the caller keeps
//! `serde_json`'s own message.

/// The deepest nesting the scanner follows before giving up (it recurses, and it only runs on
/// documents `serde_json` already rejected).
const MAX_DEPTH: usize = 512;

/// Why the scan of one value stopped.
enum Stop {
    /// No value starts at this position (Python's `StopIteration(idx)`).
    NoValue(usize),
    /// A definite error: message and position (in characters).
    Error(&'static str, usize),
    /// Too deep to follow; no Python text is produced.
    TooDeep,
}

/// Python's `json.loads(text)` error message for `text`, or `None` when Python would accept it
/// (or when it is nested too deeply to tell).
pub(crate) fn python_json_error(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let (message, pos) = if chars.first() == Some(&'\u{feff}') {
        ("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
    } else {
        let scanner = Scanner { s: &chars };
        let start = scanner.skip_ws(0);
        match scanner.scan_value(start, 0) {
            Ok(end) => {
                let end = scanner.skip_ws(end);
                if end == chars.len() {
                    return None;
                }
                ("Extra data", end)
            }
            Err(Stop::NoValue(pos)) => ("Expecting value", pos),
            Err(Stop::Error(message, pos)) => (message, pos),
            Err(Stop::TooDeep) => return None,
        }
    };
    Some(format_position(&chars, message, pos))
}

/// Python's `JSONDecodeError` text: `<msg>: line L column C (char N)`.
fn format_position(chars: &[char], message: &str, pos: usize) -> String {
    let before = &chars[..pos.min(chars.len())];
    let line = before.iter().filter(|c| **c == '\n').count() + 1;
    let column = match before.iter().rposition(|c| *c == '\n') {
        Some(newline) => pos - newline,
        None => pos + 1,
    };
    format!("{message}: line {line} column {column} (char {pos})")
}

/// Python's `UnicodeDecodeError` text for bytes that are not UTF-8, e.g.
/// `'utf-8' codec can't decode byte 0xff in position 0: invalid start byte`.
pub(crate) fn python_utf8_error(bytes: &[u8], error: &std::str::Utf8Error) -> String {
    let start = error.valid_up_to();
    let first = bytes[start];
    let (end, reason) = match error.error_len() {
        None => (bytes.len(), "unexpected end of data"),
        Some(len) => {
            let invalid_start = matches!(first, 0x80..=0xc1 | 0xf5..=0xff);
            (
                start + len,
                if invalid_start {
                    "invalid start byte"
                } else {
                    "invalid continuation byte"
                },
            )
        }
    };
    if end - start <= 1 {
        format!("'utf-8' codec can't decode byte 0x{first:02x} in position {start}: {reason}")
    } else {
        format!(
            "'utf-8' codec can't decode bytes in position {start}-{}: {reason}",
            end - 1
        )
    }
}

/// A port of the error paths of CPython's C JSON scanner (`_json.c`).
struct Scanner<'a> {
    s: &'a [char],
}

impl Scanner<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while matches!(self.at(i), Some(' ' | '\t' | '\n' | '\r')) {
            i += 1;
        }
        i
    }

    fn starts_with(&self, i: usize, word: &str) -> bool {
        word.chars().enumerate().all(|(k, c)| self.at(i + k) == Some(c))
    }

    /// `scan_once`: one value starting exactly at `idx`; returns the index after it.
    fn scan_value(&self, idx: usize, depth: usize) -> Result<usize, Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        let Some(c) = self.at(idx) else {
            return Err(Stop::NoValue(idx));
        };
        match c {
            '"' => return self.scan_string(idx + 1),
            '{' => return self.scan_object(idx + 1, depth + 1),
            '[' => return self.scan_array(idx + 1, depth + 1),
            'n' if self.starts_with(idx, "null") => return Ok(idx + 4),
            't' if self.starts_with(idx, "true") => return Ok(idx + 4),
            'f' if self.starts_with(idx, "false") => return Ok(idx + 5),
            'N' if self.starts_with(idx, "NaN") => return Ok(idx + 3),
            'I' if self.starts_with(idx, "Infinity") => return Ok(idx + 8),
            '-' if self.starts_with(idx, "-Infinity") => return Ok(idx + 9),
            _ => {}
        }
        self.scan_number(idx).ok_or(Stop::NoValue(idx))
    }

    /// `_match_number_unicode`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`.
    fn scan_number(&self, start: usize) -> Option<usize> {
        let digit = |i: usize| self.at(i).is_some_and(|c| c.is_ascii_digit());
        let mut i = start;
        if self.at(i) == Some('-') {
            i += 1;
        }
        match self.at(i) {
            Some('0') => i += 1,
            Some('1'..='9') => {
                i += 1;
                while digit(i) {
                    i += 1;
                }
            }
            _ => return None,
        }
        if self.at(i) == Some('.') && digit(i + 1) {
            i += 2;
            while digit(i) {
                i += 1;
            }
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            if matches!(self.at(j), Some('-' | '+')) {
                j += 1;
            }
            if digit(j) {
                while digit(j) {
                    j += 1;
                }
                i = j;
            }
        }
        Some(i)
    }

    /// `scanstring_unicode`, from just after the opening quote at `end - 1`.
    fn scan_string(&self, mut end: usize) -> Result<usize, Stop> {
        let begin = end - 1;
        let len = self.s.len();
        loop {
            let mut next = end;
            while next < len {
                let c = self.s[next];
                if c == '"' || c == '\\' {
                    break;
                }
                if (c as u32) <= 0x1f {
                    return Err(Stop::Error("Invalid control character at", next));
                }
                next += 1;
            }
            if next >= len {
                return Err(Stop::Error("Unterminated string starting at", begin));
            }
            let c = self.s[next];
            next += 1;
            if c == '"' {
                return Ok(next);
            }
            if next == len {
                return Err(Stop::Error("Unterminated string starting at", begin));
            }
            if self.s[next] != 'u' {
                if !matches!(self.s[next], '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') {
                    return Err(Stop::Error("Invalid \\escape", next - 1));
                }
                end = next + 1;
                continue;
            }
            let u_pos = next;
            end = u_pos + 5;
            if end >= len {
                return Err(Stop::Error("Invalid \\uXXXX escape", u_pos));
            }
            let unit = self
                .hex4(u_pos + 1)
                .ok_or(Stop::Error("Invalid \\uXXXX escape", u_pos))?;
            let high_surrogate = (0xd800..=0xdbff).contains(&unit);
            if high_surrogate && end + 6 < len && self.s[end] == '\\' && self.s[end + 1] == 'u' {
                let second_u = end + 1;
                let low = self
                    .hex4(second_u + 1)
                    .ok_or(Stop::Error("Invalid \\uXXXX escape", second_u))?;
                if (0xdc00..=0xdfff).contains(&low) {
                    end += 6;
                }
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        (at..at + 4).try_fold(0u32, |acc, i| Some(acc << 4 | self.at(i)?.to_digit(16)?))
    }

    /// `_parse_object_unicode`, from just after `{`.
    fn scan_object(&self, idx: usize, depth: usize) -> Result<usize, Stop> {
        let mut idx = self.skip_ws(idx);
        if self.at(idx) == Some('}') {
            return Ok(idx + 1);
        }
        loop {
            if self.at(idx) != Some('"') {
                return Err(Stop::Error("Expecting property name enclosed in double quotes", idx));
            }
            idx = self.skip_ws(self.scan_string(idx + 1)?);
            if self.at(idx) != Some(':') {
                return Err(Stop::Error("Expecting ':' delimiter", idx));
            }
            idx = self.skip_ws(idx + 1);
            idx = self.skip_ws(self.scan_value(idx, depth)?);
            match self.at(idx) {
                Some('}') => return Ok(idx + 1),
                Some(',') => idx = self.skip_ws(idx + 1),
                _ => return Err(Stop::Error("Expecting ',' delimiter", idx)),
            }
        }
    }

    /// `_parse_array_unicode`, from just after `[`.
    fn scan_array(&self, idx: usize, depth: usize) -> Result<usize, Stop> {
        let mut idx = self.skip_ws(idx);
        if self.at(idx) == Some(']') {
            return Ok(idx + 1);
        }
        loop {
            idx = self.skip_ws(self.scan_value(idx, depth)?);
            match self.at(idx) {
                Some(']') => return Ok(idx + 1),
                Some(',') => idx = self.skip_ws(idx + 1),
                _ => return Err(Stop::Error("Expecting ',' delimiter", idx)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs and the messages CPython 3.11.7's `json.loads` gives for them.
    const CASES: &[(&str, Option<&str>)] = &[
        ("", Some("Expecting value: line 1 column 1 (char 0)")),
        ("not json", Some("Expecting value: line 1 column 1 (char 0)")),
        (
            "{",
            Some("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ),
        ("{\"a\"", Some("Expecting ':' delimiter: line 1 column 5 (char 4)")),
        ("{\"a\":", Some("Expecting value: line 1 column 6 (char 5)")),
        (
            "{\"a\":1,}",
            Some("Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
        ),
        ("[1,]", Some("Expecting value: line 1 column 4 (char 3)")),
        ("[1 2]", Some("Expecting ',' delimiter: line 1 column 4 (char 3)")),
        (
            "\"abc",
            Some("Unterminated string starting at: line 1 column 1 (char 0)"),
        ),
        ("\"a\\x\"", Some("Invalid \\escape: line 1 column 3 (char 2)")),
        ("\"\\u12\"", Some("Invalid \\uXXXX escape: line 1 column 3 (char 2)")),
        ("\"\\uzzzz\"", Some("Invalid \\uXXXX escape: line 1 column 3 (char 2)")),
        ("1 2", Some("Extra data: line 1 column 3 (char 2)")),
        (
            "\"a\nb\"",
            Some("Invalid control character at: line 1 column 3 (char 2)"),
        ),
        (
            "\u{feff}{}",
            Some("Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"),
        ),
        ("{\"a\" 1}", Some("Expecting ':' delimiter: line 1 column 6 (char 5)")),
        (
            "{1:2}",
            Some("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ),
        ("-", Some("Expecting value: line 1 column 1 (char 0)")),
        ("[1,\n  x]", Some("Expecting value: line 2 column 3 (char 6)")),
        ("[", Some("Expecting value: line 1 column 2 (char 1)")),
        ("[1", Some("Expecting ',' delimiter: line 1 column 3 (char 2)")),
        ("{\"a\":1 ", Some("Expecting ',' delimiter: line 1 column 8 (char 7)")),
        (
            "\"\\ud800\\uzzzz\"",
            Some("Invalid \\uXXXX escape: line 1 column 9 (char 8)"),
        ),
        (
            "\"\\ud800\\u12\"",
            Some("Invalid \\uXXXX escape: line 1 column 9 (char 8)"),
        ),
        (
            "\"\\ud800\\",
            Some("Unterminated string starting at: line 1 column 1 (char 0)"),
        ),
        ("\"\\u\"", Some("Invalid \\uXXXX escape: line 1 column 3 (char 2)")),
        ("01", Some("Extra data: line 1 column 2 (char 1)")),
        ("1.e5", Some("Extra data: line 1 column 2 (char 1)")),
        ("1e", Some("Extra data: line 1 column 2 (char 1)")),
        ("[-]", Some("Expecting value: line 1 column 2 (char 1)")),
        ("tru", Some("Expecting value: line 1 column 1 (char 0)")),
        ("[\n\n  ,]", Some("Expecting value: line 3 column 3 (char 5)")),
        ("  ", Some("Expecting value: line 1 column 3 (char 2)")),
        ("\"é\\q\"", Some("Invalid \\escape: line 1 column 3 (char 2)")),
        (
            "{\"a\" : [1, {\"b\": }]}",
            Some("Expecting value: line 1 column 18 (char 17)"),
        ),
        ("\u{0}", Some("Expecting value: line 1 column 1 (char 0)")),
        ("[,]", Some("Expecting value: line 1 column 2 (char 1)")),
        ("NaN1", Some("Extra data: line 1 column 4 (char 3)")),
        ("\"\t\"", Some("Invalid control character at: line 1 column 2 (char 1)")),
        ("[1]  \n ]", Some("Extra data: line 2 column 2 (char 7)")),
        ("Infinity", None),
        ("{\"a\": [1, 2.5e-3, true, null, \"\\ud83d\\ude00\"]}", None),
    ];

    #[test]
    fn messages_match_cpython() {
        for (text, expected) in CASES {
            assert_eq!(python_json_error(text).as_deref(), *expected, "input {text:?}");
        }
    }

    #[test]
    fn utf8_messages_match_cpython() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"\xff",
                "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
            ),
            (
                b"ab\xe2\x82",
                "'utf-8' codec can't decode bytes in position 2-3: unexpected end of data",
            ),
            (
                b"\xe2",
                "'utf-8' codec can't decode byte 0xe2 in position 0: unexpected end of data",
            ),
            (
                b"a\xe2\x82x",
                "'utf-8' codec can't decode bytes in position 1-2: invalid continuation byte",
            ),
            (
                b"\xed\xa0\x80",
                "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte",
            ),
            (
                b"\xf0\x90\x80A",
                "'utf-8' codec can't decode bytes in position 0-2: invalid continuation byte",
            ),
            (
                b"\xc0\xaf",
                "'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte",
            ),
        ];
        for (bytes, expected) in cases {
            let error = std::str::from_utf8(bytes).unwrap_err();
            assert_eq!(python_utf8_error(bytes, &error), *expected, "input {bytes:?}");
        }
    }

    #[test]
    fn deep_nesting_gives_up_instead_of_overflowing() {
        let text = "[".repeat(100_000);
        assert_eq!(python_json_error(&text), None);
    }
}
