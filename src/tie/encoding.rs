//! Text encodings with the exact behaviour of the Python client (spec §1.2).
//!
//! * hex → base64 for outgoing hashes: strict, with `binascii.unhexlify`'s error texts.
//! * base64 → hex for incoming hashes: Python's *non-strict* `base64.b64decode`, which skips
//!   characters outside the alphabet but insists on correct padding. The `base64` crate has no
//!   such mode, so the decoder is ported here.
//!
//! Python's `json.dumps`, `repr` and error texts are in [`super::python`].

use base64::Engine as _;

use super::error::{Result, TieError};

const ONLY_ASCII: &str = "string argument should contain only ASCII characters";

/// Hex-decodes `hex` (upper or lower case) and base64-encodes the bytes with padding, like
/// Python's `base64.b64encode(binascii.unhexlify(hex))`.
///
/// Errors (all [`TieError::InvalidArgument`], Python's `binascii.Error` texts): `Odd-length
/// string`, `Non-hexadecimal digit found`; a non-ASCII string gives Python's `ValueError` text.
/// The digest length is not checked against any hash type, as in Python.
pub fn hex_to_base64(hex: &str) -> Result<String> {
    let bytes = hex_decode_strict(hex).map_err(|m| TieError::InvalidArgument(m.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// [`hex_to_base64`] appended to `out`, without allocating for hashes of up to 64 bytes (every
/// lookup's payload, a cache hit's key included, is made of these).
pub(crate) fn push_hex_as_base64(out: &mut String, hex: &str) -> Result<()> {
    let mut small = [0u8; 64];
    let invalid = |m: &str| TieError::InvalidArgument(m.to_string());
    if hex.len() / 2 <= small.len() {
        let bytes = &mut small[..hex.len() / 2];
        hex_decode_into(hex, bytes).map_err(invalid)?;
        base64::engine::general_purpose::STANDARD.encode_string(&*bytes, out);
    } else {
        let mut bytes = vec![0u8; hex.len() / 2];
        hex_decode_into(hex, &mut bytes).map_err(invalid)?;
        base64::engine::general_purpose::STANDARD.encode_string(&bytes, out);
    }
    Ok(())
}

/// The bytes of checked hex ([`hex_decode_strict`]'s errors otherwise).
pub(crate) fn hex_to_bytes(hex: &str) -> std::result::Result<Vec<u8>, &'static str> {
    hex_decode_strict(hex)
}

/// Fails exactly as [`hex_to_base64`] would on `hex` (the checks of [`hex_decode_into`], in
/// its order), without decoding it.
pub(crate) fn check_hex(hex: &str) -> Result<()> {
    let invalid = |m: &str| Err(TieError::InvalidArgument(m.to_string()));
    if !hex.is_ascii() {
        return invalid(ONLY_ASCII);
    }
    if hex.len() % 2 != 0 {
        return invalid("Odd-length string");
    }
    if hex.bytes().any(|b| NIBBLES[usize::from(b)] == NOT_HEX) {
        return invalid("Non-hexadecimal digit found");
    }
    Ok(())
}

/// Base64-decodes `b64` with Python's non-strict rules and returns lower-case hex, like
/// `binascii.hexlify(base64.b64decode(b64))`.
///
/// Errors are [`TieError::InvalidArgument`] carrying Python's text (`Incorrect padding`, …);
/// code decoding *received* payloads turns them into [`TieError::BadResponse`].
pub fn base64_to_hex(b64: &str) -> Result<String> {
    let bytes = base64_decode_lenient(b64).map_err(TieError::InvalidArgument)?;
    Ok(hex_lower(&bytes))
}

/// Lower-case hex of `bytes`, as `binascii.hexlify`. Every hash of every event goes through
/// here: one allocation and a table lookup per nibble (`hex::encode` builds its `String` one
/// `char` at a time, a visible share of an event's cost).
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0x0f)]);
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// `binascii.unhexlify` of a `str`: ASCII only, even length, hex digits of either case.
fn hex_decode_strict(hex: &str) -> std::result::Result<Vec<u8>, &'static str> {
    let mut out = vec![0u8; hex.len() / 2];
    hex_decode_into(hex, &mut out)?;
    Ok(out)
}

/// Each byte's value as a hex digit, or [`NOT_HEX`]: a table rather than a match, a few
/// instructions a digit, on every lookup's hashes.
const NOT_HEX: u8 = 0xff;
const NIBBLES: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// [`hex_decode_strict`] into `out`, which holds `hex.len() / 2` bytes; the checks in
/// `binascii.unhexlify`'s order.
fn hex_decode_into(hex: &str, out: &mut [u8]) -> std::result::Result<(), &'static str> {
    if !hex.is_ascii() {
        return Err(ONLY_ASCII);
    }
    if hex.len() % 2 != 0 {
        return Err("Odd-length string");
    }
    for (pair, byte) in hex.as_bytes().chunks_exact(2).zip(out.iter_mut()) {
        let (hi, lo) = (NIBBLES[usize::from(pair[0])], NIBBLES[usize::from(pair[1])]);
        if hi == NOT_HEX || lo == NOT_HEX {
            return Err("Non-hexadecimal digit found");
        }
        *byte = hi << 4 | lo;
    }
    Ok(())
}

/// A port of CPython 3.11's `binascii.a2b_base64(data, strict_mode=False)`, as reached through
/// `base64.b64decode(s)` with a `str` argument.
///
/// * Characters outside `A–Z a–z 0–9 + /` are skipped (so newlines, spaces and even the
///   URL-safe `-` and `_` vanish).
/// * `=` only counts once at least two data characters of the current quantum were seen; enough
///   `=` to complete the quantum end the decoding, and whatever follows is ignored.
/// * A final partial quantum is an error: `Incorrect padding`, or, with a single leftover data
///   character, Python's "cannot be 1 more than a multiple of 4" text.
pub(crate) fn base64_decode_lenient(s: &str) -> std::result::Result<Vec<u8>, String> {
    // Canonical base64 (what services send) decodes the same under both rules, and the crate's
    // decoder is several times faster than the loop below, which every hash of every event
    // goes through; anything the crate refuses takes Python's path.
    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s) {
        return Ok(bytes);
    }
    if !s.is_ascii() {
        return Err(ONLY_ASCII.to_string());
    }
    fn sextet(c: u8) -> Option<u8> {
        match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let mut quad_pos = 0u8;
    let mut left: u8 = 0;
    let mut pads = 0u8;
    for &c in s.as_bytes() {
        if c == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    // A complete pad sequence: Python stops parsing here.
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(v) = sextet(c) else { continue };
        pads = 0;
        match quad_pos {
            0 => {
                left = v;
                quad_pos = 1;
            }
            1 => {
                out.push(left << 2 | v >> 4);
                left = v & 0x0f;
                quad_pos = 2;
            }
            2 => {
                out.push(left << 4 | v >> 2);
                left = v & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push(left << 6 | v);
                left = 0;
                quad_pos = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more \
             than a multiple of 4",
            out.len() / 3 * 4 + 1
        )),
        _ => Err("Incorrect padding".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_lower_matches_hexlify() {
        let every_byte: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_lower(&every_byte), hex::encode(&every_byte));
        assert_eq!(hex_lower(&[]), "");
        assert_eq!(hex_lower(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn hex_to_base64_accepts_both_cases_and_reports_python_errors() {
        assert_eq!(
            hex_to_base64("f2c7bb8acc97f92e987a2d4087d021b1").unwrap(),
            "8se7isyX+S6Yei1Ah9AhsQ=="
        );
        assert_eq!(
            hex_to_base64("F2C7BB8ACC97F92E987A2D4087D021B1").unwrap(),
            "8se7isyX+S6Yei1Ah9AhsQ=="
        );
        assert_eq!(hex_to_base64("").unwrap(), "");
        assert_eq!(
            hex_to_base64("abc"),
            Err(TieError::InvalidArgument("Odd-length string".into()))
        );
        assert_eq!(
            hex_to_base64("zz"),
            Err(TieError::InvalidArgument("Non-hexadecimal digit found".into()))
        );
        assert_eq!(hex_to_base64("é0"), Err(TieError::InvalidArgument(ONLY_ASCII.into())));
    }

    #[test]
    fn base64_decoding_is_python_lenient() {
        // Cases checked against CPython 3.11's base64.b64decode.
        assert_eq!(base64_decode_lenient("QUJD=").unwrap(), b"ABC");
        assert_eq!(base64_decode_lenient("QU=JD").unwrap(), b"ABC");
        assert_eq!(base64_decode_lenient("QQ==garbage").unwrap(), b"A");
        assert_eq!(base64_decode_lenient("Q=Q==").unwrap(), b"A");
        assert_eq!(base64_decode_lenient("-_QQ==").unwrap(), b"A");
        assert_eq!(base64_decode_lenient("QUI=QUI=").unwrap(), b"AB");
        assert_eq!(base64_decode_lenient("dGVz\ndA==").unwrap(), b"test");
        assert_eq!(base64_decode_lenient("QQ").unwrap_err(), "Incorrect padding");
        // Trailing bits the crate refuses, Python drops.
        assert_eq!(base64_decode_lenient("QR==").unwrap(), b"A");
        assert_eq!(base64_decode_lenient("QUJDRA").unwrap_err(), "Incorrect padding");
        assert_eq!(
            base64_decode_lenient("Q").unwrap_err(),
            "Invalid base64-encoded string: number of data characters (1) cannot be 1 more than a multiple of 4"
        );
        assert_eq!(base64_to_hex("AAEC/w==").unwrap(), "000102ff");
    }
}
