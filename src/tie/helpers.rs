//! The small decoding and validation helpers of the Python client (spec §4.4, §2.3, §9.7):
//! packed server versions, packed aggregate reputations, epoch → local time (in
//! [`localtime`](super::localtime), re-exported here), membership checks,
//! the "definitive reputation" test of the set-external sample, and the version string.
//!
//! Inputs that Python converts with `int()` or `float()` take a [`NumericArg`], so that integers,
//! floats and numeric strings are accepted exactly where Python accepts them. Errors are
//! [`TieError::InvalidArgument`] with Python's texts.

use serde::Serialize;
use serde_json::Value;

use super::constants::{file_provider, file_type, response_timeout, trust_level};
use super::encoding::base64_decode_lenient;
use super::error::{Result, TieError};
use super::python::python_repr_str;

pub use super::localtime::{
    epoch_to_time, format_epoch, to_localtime, to_localtime_string, LocalTime, TimeZoneChoice, DEFAULT_TIME_FORMAT,
};

/// The Python package version this crate reproduces (`dxltieclient.get_version()`).
pub const PYTHON_API_VERSION: &str = "0.3.0";

/// `dxltieclient.get_version()`: the version of the Python API this crate reproduces.
pub fn get_version() -> &'static str {
    PYTHON_API_VERSION
}

/// A value Python passes through `int()` or `float()`: an integer, a float, or text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumericArg<'a> {
    Int(i128),
    Float(f64),
    Text(&'a str),
}

macro_rules! numeric_arg_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for NumericArg<'_> {
            fn from(v: $t) -> Self {
                NumericArg::Int(i128::from(v))
            }
        }
    )*};
}
numeric_arg_from_int!(i32, i64, u32, u64);

impl From<f64> for NumericArg<'_> {
    fn from(v: f64) -> Self {
        NumericArg::Float(v)
    }
}

impl<'a> From<&'a str> for NumericArg<'a> {
    fn from(v: &'a str) -> Self {
        NumericArg::Text(v)
    }
}

impl<'a> From<&'a String> for NumericArg<'a> {
    fn from(v: &'a String) -> Self {
        NumericArg::Text(v)
    }
}

fn invalid<T>(message: impl Into<String>) -> Result<T> {
    Err(TieError::InvalidArgument(message.into()))
}

/// Python's `int(x)` (base 10 for text), as an `i128`.
fn python_int(arg: NumericArg<'_>) -> Result<i128> {
    match arg {
        NumericArg::Int(v) => Ok(v),
        NumericArg::Float(f) if f.is_nan() => invalid("cannot convert float NaN to integer"),
        NumericArg::Float(f) if f.is_infinite() => invalid("cannot convert float infinity to integer"),
        NumericArg::Float(f) => Ok(f.trunc() as i128),
        NumericArg::Text(text) => parse_python_int(text).ok_or_else(|| {
            TieError::InvalidArgument(format!(
                "invalid literal for int() with base 10: {}",
                python_repr_str(text)
            ))
        }),
    }
}

/// `int(text)`: surrounding whitespace, a sign, ASCII digits with single `_` between digits.
/// `None` for anything else (and for values beyond `i128`, which no TIE attribute holds).
fn parse_python_int(text: &str) -> Option<i128> {
    let body = text.trim();
    let (negative, digits) = match body.as_bytes().first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let digits = strip_digit_underscores(digits)?;
    let magnitude: i128 = digits.parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// Removes `_` separators that sit between two ASCII digits; `None` if an underscore sits
/// anywhere else or if `digits` contains no digit.
fn strip_digit_underscores(digits: &str) -> Option<String> {
    let bytes = digits.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_') {
        return None;
    }
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'_' && !(i > 0 && bytes[i - 1].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            return None;
        }
    }
    Some(digits.replace('_', ""))
}

/// Python's `float(x)`.
pub(super) fn python_float(arg: NumericArg<'_>) -> Result<f64> {
    match arg {
        NumericArg::Int(v) => Ok(v as f64),
        NumericArg::Float(f) => Ok(f),
        NumericArg::Text(text) => parse_python_float(text).ok_or_else(|| {
            TieError::InvalidArgument(format!("could not convert string to float: {}", python_repr_str(text)))
        }),
    }
}

/// `float(text)`: surrounding whitespace, decimal or exponent notation, `inf`/`infinity`/`nan`
/// in any case, `_` between digits.
fn parse_python_float(text: &str) -> Option<f64> {
    let body = text.trim();
    let cleaned = if body.contains('_') {
        let bytes = body.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'_'
                && !(i > 0 && bytes[i - 1].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            {
                return None;
            }
        }
        body.replace('_', "")
    } else {
        body.to_string()
    };
    cleaned.parse().ok()
}

/// `EnterpriseAttrib.to_version_tuple(v)`: the packed 64-bit TIE server version (attribute
/// [`SERVER_VERSION`](super::constants::enterprise_attrib::SERVER_VERSION)) as
/// `(major, minor, patch, build)`: bits 56–63, 48–55, 32–47 and 0–31.
///
/// `v` goes through Python's `int()`: `"73183493944770750"` and `73183493944770750` both give
/// `(1, 4, 0, 190)`; `"1.4.0"` is `invalid literal for int() with base 10: '1.4.0'`. Values
/// outside `0..2^64` are rejected.
pub fn to_version_tuple<'a>(v: impl Into<NumericArg<'a>>) -> Result<(u8, u8, u16, u32)> {
    let value = python_int(v.into())?;
    let Ok(packed) = u64::try_from(value) else {
        return invalid(format!("version value out of range for 64 bits: {value}"));
    };
    Ok((
        (packed >> 56) as u8,
        (packed >> 48) as u8,
        (packed >> 32) as u16,
        packed as u32,
    ))
}

/// `EnterpriseAttrib.to_version_string(v)`: [`to_version_tuple`] joined with dots, e.g.
/// `"1.4.0.190"`.
pub fn to_version_string<'a>(v: impl Into<NumericArg<'a>>) -> Result<String> {
    let (major, minor, patch, build) = to_version_tuple(v)?;
    Ok(format!("{major}.{minor}.{patch}.{build}"))
}

/// One element of a decoded aggregate. Python returns integers except for the average trust
/// (index 4), which becomes a float once scaled, so the two kinds are kept apart: serialised to
/// JSON they give `75.0` and `0` exactly as Python's tuple does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AggregateValue {
    Int(u16),
    Float(f64),
}

impl AggregateValue {
    /// The value as a float, whichever kind it is.
    pub fn as_f64(self) -> f64 {
        match self {
            AggregateValue::Int(v) => f64::from(v),
            AggregateValue::Float(v) => v,
        }
    }
}

/// `FileEnterpriseAttrib.to_aggregate_tuple(b64)`: decodes a packed aggregate reputation
/// ([`CHILD_FILE_REPS`](super::constants::file_enterprise_attrib::CHILD_FILE_REPS),
/// [`PARENT_FILE_REPS`](super::constants::file_enterprise_attrib::PARENT_FILE_REPS)).
///
/// The string is base64-decoded leniently and split into little-endian `u16`s, all returned:
/// (file count, max trust, min trust, last file's trust, average trust, …). The average (index 4)
/// is divided by 100 into a float when it is > 0, and stays integer 0 otherwise. Python's errors:
/// an odd byte count is `unpack requires a buffer of 2 bytes`, fewer than 5 values is
/// `list index out of range`.
pub fn to_aggregate_tuple(b64: &str) -> Result<Vec<AggregateValue>> {
    let bytes = base64_decode_lenient(b64).map_err(TieError::InvalidArgument)?;
    if bytes.len() % 2 != 0 {
        return invalid("unpack requires a buffer of 2 bytes");
    }
    let mut values: Vec<AggregateValue> = bytes
        .chunks_exact(2)
        .map(|pair| AggregateValue::Int(u16::from_le_bytes([pair[0], pair[1]])))
        .collect();
    match values.get_mut(4) {
        None => return invalid("list index out of range"),
        Some(average) => {
            if let AggregateValue::Int(raw) = *average {
                if raw > 0 {
                    *average = AggregateValue::Float(f64::from(raw) / 100.0);
                }
            }
        }
    }
    Ok(values)
}

/// `TieClient.valid_parameter(TrustLevel, value)`: whether `value` is one of the nine
/// `TrustLevel` values.
pub fn is_valid_trust_level(value: i64) -> bool {
    trust_level::ALL.iter().any(|v| i64::from(*v) == value)
}

/// `TieClient.valid_parameter(FileType, value)`: whether `value` is exactly one of the 39
/// `FileType` values (not an arbitrary union of the flags).
pub fn is_valid_file_type(value: u64) -> bool {
    file_type::ALL.iter().any(|(_, v)| *v == value)
}

/// The "definitive reputation" test of the Python set-external sample (spec §4.4): true when any
/// reputation has a trust level other than `NOT_SET` (0) and `UNKNOWN` (50) and comes from a
/// provider other than `EXTERNAL` (15). The sample only sets an External reputation when this is
/// false.
///
/// `reputations` is a providerId map (the result of `get_file_reputation`) or a list of
/// reputation objects. Reputations without an integer `trustLevel` do not count.
pub fn has_definitive_reputation(reputations: &Value) -> bool {
    let items: Box<dyn Iterator<Item = &Value>> = match reputations {
        Value::Object(map) => Box::new(map.values()),
        Value::Array(list) => Box::new(list.iter()),
        _ => return false,
    };
    items.into_iter().any(|rep| {
        let provider = rep.get("providerId");
        let provider = provider
            .and_then(Value::as_i64)
            .or_else(|| provider.and_then(Value::as_str).and_then(|s| s.parse().ok()));
        is_definitive(rep.get("trustLevel").and_then(Value::as_i64), provider)
    })
}

/// One reputation's part of [`has_definitive_reputation`]: a trust level other than NOT_SET and
/// UNKNOWN from a provider other than External.
pub fn is_definitive(trust: Option<i64>, provider: Option<i64>) -> bool {
    let Some(trust) = trust else { return false };
    trust != i64::from(trust_level::NOT_SET)
        && trust != i64::from(trust_level::UNKNOWN)
        && provider != Some(file_provider::EXTERNAL)
}

/// The response-timeout setter's check (dxlbootstrap `Client.response_timeout`): values below
/// 30 seconds are refused with Python's text.
pub fn validate_response_timeout(seconds: u64) -> Result<()> {
    if seconds < response_timeout::MINIMUM_SECS {
        return invalid(format!(
            "Response timeout must be greater than or equal to {}",
            response_timeout::MINIMUM_SECS
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn versions() {
        assert_eq!(to_version_tuple("73183493944770750").unwrap(), (1, 4, 0, 190));
        assert_eq!(to_version_tuple(73183493944770750u64).unwrap(), (1, 4, 0, 190));
        assert_eq!(to_version_string(" 72_339_069_014_638_857\n").unwrap(), "1.1.0.265");
        assert_eq!(to_version_string(0x0203000400000005u64).unwrap(), "2.3.4.5");
        assert_eq!(
            err(to_version_tuple("1.4.0")),
            "invalid literal for int() with base 10: '1.4.0'"
        );
        assert_eq!(
            err(to_version_tuple("1__0")),
            "invalid literal for int() with base 10: '1__0'"
        );
        assert!(to_version_tuple(-1).is_err());
    }

    #[test]
    fn aggregates() {
        let values = to_aggregate_tuple("AgBkADIAZABMHQ==").unwrap();
        assert_eq!(serde_json::to_value(&values).unwrap(), json!([2, 100, 50, 100, 75.0]));
        let values = to_aggregate_tuple("AQAAAAAAAAAAAA==").unwrap();
        assert_eq!(serde_json::to_value(&values).unwrap(), json!([1, 0, 0, 0, 0]));
        assert_eq!(err(to_aggregate_tuple("AQACAA==")), "list index out of range");
        assert_eq!(
            err(to_aggregate_tuple("AQACAAMABAAFAAk=")),
            "unpack requires a buffer of 2 bytes"
        );
        assert_eq!(err(to_aggregate_tuple("AQ")), "Incorrect padding");
    }

    #[test]
    fn membership() {
        assert!(is_valid_trust_level(0) && is_valid_trust_level(100) && !is_valid_trust_level(42));
        assert!(is_valid_file_type(file_type::JAR) && !is_valid_file_type(3));
    }

    #[test]
    fn definitive_reputation() {
        let map = json!({"1": {"providerId": 1, "trustLevel": 50}, "3": {"providerId": 3, "trustLevel": 0}});
        assert!(!has_definitive_reputation(&map));
        let map = json!({"15": {"providerId": 15, "trustLevel": 99}});
        assert!(!has_definitive_reputation(&map));
        let list = json!([{"providerId": 1, "trustLevel": 99}]);
        assert!(has_definitive_reputation(&list));
    }

    #[test]
    fn response_timeout_minimum() {
        assert!(validate_response_timeout(30).is_ok());
        assert_eq!(
            err(validate_response_timeout(29)),
            "Response timeout must be greater than or equal to 30"
        );
        assert_eq!(get_version(), "0.3.0");
    }
}
