//! The simplifying transforms Python applies to every payload it receives (spec §1.2):
//! payload bytes → JSON, hash list → hash map, reputation list → providerId map.
//!
//! They work on `serde_json::Value`s so that every field Python passes through (including unknown
//! ones) survives unchanged, and they keep Python's error texts. All errors are
//! [`TieError::BadResponse`]: these transforms only ever see data that came from the fabric.
//!
//! **providerId map keys are strings.** Python keys its providerId maps by the *integer*
//! `providerId` (`{1: {...}, 3: {...}}`). A `serde_json::Map` only has string keys, so the key
//! here is the text Python's `json.dumps` would write for that key: `"1"`, `"3"`. That is also
//! what the C ABI's JSON output shows. A string `providerId` (`"15"`) stays the string key
//! `"15"` as in Python, which means that an integer and an equal numeric string, distinct keys in
//! Python, share one key here.

use serde_json::{Map, Value};

use super::encoding::{base64_decode_lenient, hex_lower};
use super::error::{Result, TieError};
use super::python::{python_float_repr, python_repr_str};
use super::python::{python_json_error, python_utf8_error};

/// Decodes a received payload as Python does before `json.loads`: strict UTF-8, then **all**
/// trailing NUL characters removed, then JSON.
///
/// Errors carry Python's texts: `'utf-8' codec can't decode byte 0xff in position 0: invalid
/// start byte`, `Expecting value: line 1 column 1 (char 0)`, and so on. A few documents that
/// Python accepts are rejected here with `serde_json`'s message: `NaN`/`Infinity`, `\uD800`-style
/// lone surrogate escapes, and nesting deeper than 128 levels.
pub fn parse_payload(payload: &[u8]) -> Result<Value> {
    let text = std::str::from_utf8(payload).map_err(|e| TieError::BadResponse(python_utf8_error(payload, &e)))?;
    let text = text.trim_end_matches('\0');
    serde_json::from_str(text).map_err(|serde_error| {
        TieError::BadResponse(python_json_error(text).unwrap_or_else(|| serde_error.to_string()))
    })
}

/// `TieClient._transform_hashes`: a list of `{"type": T, "value": base64}` objects becomes the
/// object `{T: hex}` in list order. A repeated type keeps its first position and takes the last
/// value (Python dict assignment). Any type string is accepted.
///
/// Errors, as in Python: an element without `value` or `type` gives `'value'` / `'type'`
/// (`KeyError`; `value` is looked up and decoded first, as Python evaluates the right-hand side
/// of the assignment first); bad base64 gives `Incorrect padding`; elements or lists of the wrong
/// JSON type give Python's `TypeError` texts.
pub fn transform_hashes(hashes: &Value) -> Result<Value> {
    let mut map = Map::new();
    for element in python_iter(hashes)? {
        let Value::Object(hash) = element else {
            return Err(subscript_error(element));
        };
        let value = hash.get("value").ok_or_else(|| key_error("value"))?;
        let hex = base64_value_to_hex(value)?;
        let hash_type = hash.get("type").ok_or_else(|| key_error("type"))?;
        map.insert(python_key_text(hash_type)?, Value::String(hex));
    }
    Ok(Value::Object(map))
}

/// `TieClient._transform_reputations`: a list of reputation objects becomes the providerId map
/// (see the module doc for why its keys are strings). Each value is the reputation object itself,
/// every field kept. A repeated providerId keeps its first position and takes the later
/// reputation. In each reputation's `overridden.files`, every file object that has `hashes` gets
/// them converted by [`transform_hashes`]; this applies in every reputation context.
///
/// A reputation without `providerId` gives `'providerId'` (Python's `KeyError`). Malformed
/// `overridden` or `files` values (not an object / not a list) are left untouched.
pub fn transform_reputations(reputations: Value) -> Result<Value> {
    let mut map = Map::new();
    for element in python_iter_owned(reputations)? {
        let Value::Object(mut reputation) = element else {
            return Err(subscript_error(&element));
        };
        let provider_id = reputation.get("providerId").ok_or_else(|| key_error("providerId"))?;
        let key = python_key_text(provider_id)?;
        if let Some(Value::Object(overridden)) = reputation.get_mut("overridden") {
            if let Some(Value::Array(files)) = overridden.get_mut("files") {
                for file in files.iter_mut() {
                    if let Value::Object(file) = file {
                        transform_hashes_in_place(file, "hashes")?;
                    }
                }
            }
        }
        map.insert(key, Value::Object(reputation));
    }
    Ok(Value::Object(map))
}

/// Replaces `object[key]`, when present, by its [`transform_hashes`] form, keeping the key's
/// position.
pub(crate) fn transform_hashes_in_place(object: &mut Map<String, Value>, key: &str) -> Result<()> {
    if let Some(value) = object.get_mut(key) {
        *value = transform_hashes(value)?;
    }
    Ok(())
}

/// `TieClient._base64_to_hex` of a received value: a string is decoded leniently; anything else
/// is Python's `TypeError`.
pub(crate) fn base64_value_to_hex(value: &Value) -> Result<String> {
    match value {
        Value::String(text) => base64_decode_lenient(text)
            .map(|bytes| hex_lower(&bytes))
            .map_err(TieError::BadResponse),
        other => Err(TieError::BadResponse(format!(
            "argument should be a bytes-like object or ASCII string, not '{}'",
            python_type_name(other)
        ))),
    }
}

/// The JSON key Python's `json.dumps` writes for a dict key that was this JSON value: strings
/// as-is, numbers in Python's form, `true`/`false`/`null`. Lists and objects cannot be dict keys
/// in Python (`TypeError: unhashable type`).
fn python_key_text(value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(match n.as_f64() {
            Some(f) if n.is_f64() => python_float_repr(f),
            _ => n.to_string(),
        }),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok("null".to_string()),
        other => Err(TieError::BadResponse(format!(
            "unhashable type: '{}'",
            python_type_name(other)
        ))),
    }
}

/// What Python's `for x in value` yields for a JSON value: a list's elements, a dict's keys, a
/// string's characters; numbers, booleans and null are not iterable.
fn python_iter(value: &Value) -> Result<Vec<&Value>> {
    match value {
        Value::Array(items) => Ok(items.iter().collect()),
        Value::Object(map) if map.is_empty() => Ok(Vec::new()),
        Value::String(s) if s.is_empty() => Ok(Vec::new()),
        // Iterating yields strings, and subscripting a string with a key fails.
        Value::Object(_) | Value::String(_) => Err(subscript_error(&Value::String(String::new()))),
        other => Err(not_iterable(other)),
    }
}

fn python_iter_owned(value: Value) -> Result<Vec<Value>> {
    match value {
        Value::Array(items) => Ok(items),
        other => python_iter(&other).map(|items| items.into_iter().cloned().collect()),
    }
}

/// Python's `TypeError` for `value["key"]` when `value` is not a dict.
fn subscript_error(value: &Value) -> TieError {
    TieError::BadResponse(match value {
        Value::String(_) => "string indices must be integers, not 'str'".to_string(),
        Value::Array(_) => "list indices must be integers or slices, not str".to_string(),
        other => format!("'{}' object is not subscriptable", python_type_name(other)),
    })
}

fn not_iterable(value: &Value) -> TieError {
    TieError::BadResponse(format!("'{}' object is not iterable", python_type_name(value)))
}

/// Python's `KeyError(key)` text: the key's `repr`.
pub(crate) fn key_error(key: &str) -> TieError {
    TieError::BadResponse(python_repr_str(key))
}

/// The Python type `json.loads` produces for a JSON value.
fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bad(message: &str) -> TieError {
        TieError::BadResponse(message.to_string())
    }

    #[test]
    fn parse_payload_strips_all_trailing_nuls_only() {
        assert_eq!(parse_payload(b"{\"a\": 1}\0\0\0").unwrap(), json!({"a": 1}));
        assert_eq!(
            parse_payload(b"\0{}").unwrap_err(),
            bad("Expecting value: line 1 column 1 (char 0)")
        );
        assert_eq!(
            parse_payload(b"").unwrap_err(),
            bad("Expecting value: line 1 column 1 (char 0)")
        );
        assert_eq!(
            parse_payload(b"\xff{}").unwrap_err(),
            bad("'utf-8' codec can't decode byte 0xff in position 0: invalid start byte")
        );
    }

    #[test]
    fn hashes_last_duplicate_wins_in_first_position() {
        let list = json!([
            {"type": "md5", "value": "8se7isyX+S6Yei1Ah9AhsQ=="},
            {"type": "sha1", "value": "AAEC/w=="},
            {"type": "md5", "value": "RNiGEv6oqPNt6C4SeKuwLw=="}
        ]);
        let map = transform_hashes(&list).unwrap();
        let keys: Vec<&String> = map.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["md5", "sha1"]);
        assert_eq!(
            map,
            json!({"md5": "44d88612fea8a8f36de82e1278abb02f", "sha1": "000102ff"})
        );
        assert_eq!(transform_hashes(&json!([])).unwrap(), json!({}));
    }

    #[test]
    fn hashes_errors_follow_python() {
        assert_eq!(transform_hashes(&json!([{"type": "md5"}])).unwrap_err(), bad("'value'"));
        assert_eq!(
            transform_hashes(&json!([{"value": "AA=="}])).unwrap_err(),
            bad("'type'")
        );
        // `value` is decoded before `type` is looked up.
        assert_eq!(
            transform_hashes(&json!([{"value": "QQ"}])).unwrap_err(),
            bad("Incorrect padding")
        );
        assert_eq!(
            transform_hashes(&json!(["x"])).unwrap_err(),
            bad("string indices must be integers, not 'str'")
        );
        assert_eq!(
            transform_hashes(&json!(5)).unwrap_err(),
            bad("'int' object is not iterable")
        );
        assert_eq!(transform_hashes(&json!({})).unwrap(), json!({}));
        assert_eq!(
            transform_hashes(&json!([{"type": [], "value": "AA=="}])).unwrap_err(),
            bad("unhashable type: 'list'")
        );
        assert_eq!(
            transform_hashes(&json!([{"type": "x", "value": 1}])).unwrap_err(),
            bad("argument should be a bytes-like object or ASCII string, not 'int'")
        );
    }

    #[test]
    fn reputations_keyed_by_provider_id_text() {
        let list = json!([
            {"providerId": 3, "trustLevel": 0},
            {"providerId": 1, "trustLevel": 99},
            {"providerId": 3, "trustLevel": 85, "extra": true},
            {"providerId": "15", "trustLevel": 70}
        ]);
        let map = transform_reputations(list).unwrap();
        let keys: Vec<&String> = map.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["3", "1", "15"]);
        assert_eq!(map["3"], json!({"providerId": 3, "trustLevel": 85, "extra": true}));
        assert_eq!(
            transform_reputations(json!([{"trustLevel": 1}])).unwrap_err(),
            bad("'providerId'")
        );
    }

    #[test]
    fn reputations_convert_overridden_file_hashes() {
        let list = json!([{"providerId": 4, "overridden": {"files": [
            {"hashes": [{"type": "md5", "value": "AAEC/w=="}]}, {"other": 1}, 7
        ], "truncated": 1}}]);
        let map = transform_reputations(list).unwrap();
        assert_eq!(
            map["4"]["overridden"],
            json!({"files": [{"hashes": {"md5": "000102ff"}}, {"other": 1}, 7], "truncated": 1})
        );
    }
}
