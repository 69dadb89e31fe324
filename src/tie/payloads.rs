//! The payloads the client sends, byte-identical to Python's (spec §2.2).
//!
//! Each builder validates its arguments the way Python does, *before* anything could be sent,
//! and returns the exact payload text: Python's `json.dumps` output (see
//! [`python_json_dumps`]) with the keys in Python's insertion order. [`Operation`] says which
//! topic each payload goes to and whether it is a Request or an Event.
//!
//! Hashes are given as ordered `(hash type, hex)` pairs, standing in for Python's hash dict. As
//! with a dict literal, a repeated type keeps its first position and takes the last value.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::constants::{file_provider, topics, SCAN_TYPE_ON_DEMAND};
use super::encoding::{hex_to_base64, push_hex_as_base64};
use super::error::{Result, TieError};
use super::helpers::{is_valid_file_type, is_valid_trust_level};
use super::python::{push_python_json_str, python_json_dumps};

/// The `providerId` `set_file_reputation` sends (Enterprise file provider).
const FILE_ENTERPRISE_PROVIDER: i64 = file_provider::ENTERPRISE;
/// The `providerId` `set_certificate_reputation` sends (Enterprise certificate provider).
const CERT_ENTERPRISE_PROVIDER: i64 = super::constants::cert_provider::ENTERPRISE;

/// One of the seven operations that send something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    GetFileReputation,
    SetFileReputation,
    SetExternalFileReputation,
    GetFileFirstReferences,
    GetCertificateReputation,
    SetCertificateReputation,
    GetCertificateFirstReferences,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 7] = [
        Operation::GetFileReputation,
        Operation::SetFileReputation,
        Operation::SetExternalFileReputation,
        Operation::GetFileFirstReferences,
        Operation::GetCertificateReputation,
        Operation::SetCertificateReputation,
        Operation::GetCertificateFirstReferences,
    ];

    /// The topic the payload is sent to.
    pub fn topic(self) -> &'static str {
        match self {
            Operation::GetFileReputation => topics::TIE_GET_FILE_REPUTATION_TOPIC,
            Operation::SetFileReputation => topics::TIE_SET_FILE_REPUTATION_TOPIC,
            Operation::SetExternalFileReputation => topics::TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC,
            Operation::GetFileFirstReferences => topics::TIE_GET_FILE_FIRST_REFS,
            Operation::GetCertificateReputation => topics::TIE_GET_CERT_REPUTATION_TOPIC,
            Operation::SetCertificateReputation => topics::TIE_SET_CERT_REPUTATION_TOPIC,
            Operation::GetCertificateFirstReferences => topics::TIE_GET_CERT_FIRST_REFS,
        }
    }

    /// True for the one operation sent as a DXL Event (fire and forget, no response);
    /// every other operation is a synchronous Request.
    pub fn is_event(self) -> bool {
        self == Operation::SetExternalFileReputation
    }

    /// The Python `TieClient` method name.
    pub fn python_method(self) -> &'static str {
        match self {
            Operation::GetFileReputation => "get_file_reputation",
            Operation::SetFileReputation => "set_file_reputation",
            Operation::SetExternalFileReputation => "set_external_file_reputation",
            Operation::GetFileFirstReferences => "get_file_first_references",
            Operation::GetCertificateReputation => "get_certificate_reputation",
            Operation::SetCertificateReputation => "set_certificate_reputation",
            Operation::GetCertificateFirstReferences => "get_certificate_first_references",
        }
    }

    /// The operation of a Python `TieClient` method name.
    pub fn from_python_method(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.python_method() == name)
    }
}

/// `set_file_reputation(trust_level, hashes, filename="", comment="")`: sets the Enterprise
/// reputation. Request payload
/// `{"trustLevel", "providerId": 3, "filename", "comment", "hashes": [{"type", "value"(b64)}…]}`.
///
/// No validation beyond the hex of the hashes (Python sends any trust level and an empty hash
/// list).
pub fn set_file_reputation(
    trust_level: impl Into<i64>,
    hashes: &[(&str, &str)],
    filename: &str,
    comment: &str,
) -> Result<String> {
    let hashes = hash_list(hashes)?;
    Ok(dumps(json!({
        "trustLevel": trust_level.into(),
        "providerId": FILE_ENTERPRISE_PROVIDER,
        "filename": filename,
        "comment": comment,
        "hashes": hashes,
    })))
}

/// `set_external_file_reputation(trust_level, hashes, file_type=0, filename="", comment="")`:
/// reports an External (provider 15) reputation. Event payload
/// `{"file": {"type", "hashes": {type: hex}, "attributes": {"filename"}, "reputation": {"score"}},
/// "provider": {"id": 15}, "comment"}`.
///
/// Python's four checks, in its order, each an [`TieError::InvalidArgument`]:
/// 1. `trust_level == 0` → `TrustLevel was not specified` (so `NOT_SET` is rejected here);
/// 2. `file_type` not a `FileType` value → `FileType was not a valid entry`;
/// 3. `trust_level` not a `TrustLevel` value → `TrustLevel was not a valid entry`;
/// 4. no hashes → `File hashes were not specified`.
///
/// The hashes are sent as given (hex strings in an object), neither base64-encoded nor checked.
pub fn set_external_file_reputation(
    trust_level: impl Into<i64>,
    hashes: &[(&str, &str)],
    file_type: u64,
    filename: &str,
    comment: &str,
) -> Result<String> {
    let trust_level = trust_level.into();
    let invalid = |message: &str| Err(TieError::InvalidArgument(message.to_string()));
    if trust_level == 0 {
        return invalid("TrustLevel was not specified");
    }
    if !is_valid_file_type(file_type) {
        return invalid("FileType was not a valid entry");
    }
    if !is_valid_trust_level(trust_level) {
        return invalid("TrustLevel was not a valid entry");
    }
    if hashes.is_empty() {
        return invalid("File hashes were not specified");
    }
    let hash_map: Map<String, Value> = as_dict(hashes)
        .into_iter()
        .map(|(hash_type, hex)| (hash_type.to_string(), Value::from(hex)))
        .collect();
    Ok(dumps(json!({
        "file": {
            "type": file_type,
            "hashes": hash_map,
            "attributes": {"filename": filename},
            "reputation": {"score": trust_level},
        },
        "provider": {"id": file_provider::EXTERNAL},
        "comment": comment,
    })))
}

/// `get_file_reputation(hashes)`: Request payload `{"hashes": [...], "scanType": 3}`. No hashes
/// is allowed (`"hashes": []`), as in Python.
///
/// Written as text rather than as a `Value` through [`python_json_dumps`]: this payload is made
/// for every lookup, cache hits included (it is the cache's key), and the generic path was half
/// of a hit's cost. The test `direct_lookup_payloads_match_the_generic_path` holds it to the
/// generic path's bytes.
pub fn get_file_reputation(hashes: &[(&str, &str)]) -> Result<String> {
    let mut out = String::with_capacity(40 + 64 * hashes.len());
    out.push_str("{\"hashes\": ");
    push_hash_list(&mut out, hashes)?;
    write!(out, ", \"scanType\": {SCAN_TYPE_ON_DEMAND}}}").expect("writing to memory cannot fail");
    Ok(out)
}

/// `get_file_first_references(hashes, query_limit=500)`: Request payload
/// `{"queryLimit", "hashes": [...]}`. `query_limit` is not validated (use
/// [`DEFAULT_QUERY_LIMIT`](super::constants::DEFAULT_QUERY_LIMIT) for Python's default).
pub fn get_file_first_references(hashes: &[(&str, &str)], query_limit: i64) -> Result<String> {
    let hashes = hash_list(hashes)?;
    Ok(dumps(json!({"queryLimit": query_limit, "hashes": hashes})))
}

/// `set_certificate_reputation(trust_level, sha1, public_key_sha1=None, comment="")`: Request
/// payload `{"trustLevel", "providerId": 4, "comment", "hashes": [{"type": "sha1", …}]}` plus a
/// last, top-level `"publicKeySha1"` (b64) when `public_key_sha1` is non-empty. No trust-level
/// validation, as in Python.
pub fn set_certificate_reputation(
    trust_level: impl Into<i64>,
    sha1: &str,
    public_key_sha1: Option<&str>,
    comment: &str,
) -> Result<String> {
    let mut payload = Map::new();
    payload.insert("trustLevel".into(), trust_level.into().into());
    payload.insert("providerId".into(), CERT_ENTERPRISE_PROVIDER.into());
    payload.insert("comment".into(), comment.into());
    payload.insert("hashes".into(), hash_list(&[("sha1", sha1)])?);
    add_public_key(&mut payload, public_key_sha1)?;
    Ok(dumps(Value::Object(payload)))
}

/// `get_certificate_reputation(sha1, public_key_sha1=None)`: Request payload
/// `{"hashes": [{"type": "sha1", …}]}` plus `"publicKeySha1"` when given and non-empty.
pub fn get_certificate_reputation(sha1: &str, public_key_sha1: Option<&str>) -> Result<String> {
    // Written as text, as `get_file_reputation` is and for the same reason.
    let mut out = String::with_capacity(128);
    out.push_str("{\"hashes\": ");
    push_hash_list(&mut out, &[("sha1", sha1)])?;
    if let Some(key) = public_key_sha1.filter(|k| !k.is_empty()) {
        out.push_str(", \"publicKeySha1\": \"");
        push_hex_as_base64(&mut out, key)?;
        out.push('"');
    }
    out.push('}');
    Ok(out)
}

/// `get_certificate_first_references(sha1, public_key_sha1=None, query_limit=500)`: Request
/// payload `{"queryLimit", "hashes": [{"type": "sha1", …}]}` plus `"publicKeySha1"` last when
/// given and non-empty.
pub fn get_certificate_first_references(sha1: &str, public_key_sha1: Option<&str>, query_limit: i64) -> Result<String> {
    let mut payload = Map::new();
    payload.insert("queryLimit".into(), query_limit.into());
    payload.insert("hashes".into(), hash_list(&[("sha1", sha1)])?);
    add_public_key(&mut payload, public_key_sha1)?;
    Ok(dumps(Value::Object(payload)))
}

/// Python's `L(H)`: `[{"type": t, "value": b64(hex)}, …]` in the hash dict's order. Fails on the
/// first bad hex, before anything is sent.
fn hash_list(hashes: &[(&str, &str)]) -> Result<Value> {
    as_dict(hashes)
        .into_iter()
        .map(|(hash_type, hex)| Ok(json!({"type": hash_type, "value": hex_to_base64(hex)?})))
        .collect::<Result<Vec<Value>>>()
        .map(Value::Array)
}

/// [`hash_list`] written as `json.dumps` text onto `out` (base64 needs no escaping).
fn push_hash_list(out: &mut String, hashes: &[(&str, &str)]) -> Result<()> {
    out.push('[');
    for (i, (hash_type, hex)) in as_dict(hashes).into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("{\"type\": ");
        push_python_json_str(out, hash_type);
        out.push_str(", \"value\": \"");
        push_hex_as_base64(out, hex)?;
        out.push_str("\"}");
    }
    out.push(']');
    Ok(())
}

/// The pairs with Python dict semantics: first position, last value.
pub(crate) fn as_dict<'a>(hashes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut dict: Vec<(&str, &str)> = Vec::with_capacity(hashes.len());
    for &(hash_type, hex) in hashes {
        match dict.iter_mut().find(|(t, _)| *t == hash_type) {
            Some(entry) => entry.1 = hex,
            None => dict.push((hash_type, hex)),
        }
    }
    dict
}

/// Adds `"publicKeySha1": b64` when the key is given and non-empty (Python's truthiness test).
fn add_public_key(payload: &mut Map<String, Value>, public_key_sha1: Option<&str>) -> Result<()> {
    if let Some(key) = public_key_sha1.filter(|k| !k.is_empty()) {
        payload.insert("publicKeySha1".into(), hex_to_base64(key)?.into());
    }
    Ok(())
}

fn dumps(value: Value) -> String {
    python_json_dumps(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "f2c7bb8acc97f92e987a2d4087d021b1";

    /// The two lookups' payloads as the generic path writes them (a `Value` through
    /// `python_json_dumps`), for `direct_lookup_payloads_match_the_generic_path`.
    fn generic_file_reputation(hashes: &[(&str, &str)]) -> Result<String> {
        Ok(dumps(
            json!({"hashes": hash_list(hashes)?, "scanType": SCAN_TYPE_ON_DEMAND}),
        ))
    }

    fn generic_certificate_reputation(sha1: &str, public_key_sha1: Option<&str>) -> Result<String> {
        let mut payload = Map::new();
        payload.insert("hashes".into(), hash_list(&[("sha1", sha1)])?);
        add_public_key(&mut payload, public_key_sha1)?;
        Ok(dumps(Value::Object(payload)))
    }

    #[test]
    fn direct_lookup_payloads_match_the_generic_path() {
        let types = [
            "md5",
            "sha1",
            "sha256",
            "",
            "é\u{1F600}",
            "q\"uo\\te",
            "tab\tnl\n",
            "\u{7f}\u{1}",
        ];
        let hexes = [
            MD5,
            "",
            "ABCDEF01",
            "abcdef0",
            "zz",
            "0123456789abcdefABCDEF0123456789",
            "é1",
        ];
        for t1 in types {
            for h1 in hexes {
                for t2 in ["md5", t1] {
                    let hashes = [(t1, h1), ("sha1", MD5), (t2, "00ff")];
                    for n in 0..=hashes.len() {
                        assert_eq!(
                            get_file_reputation(&hashes[..n]),
                            generic_file_reputation(&hashes[..n]),
                            "{:?}",
                            &hashes[..n]
                        );
                    }
                }
            }
        }
        for sha1 in hexes {
            for pk in [None, Some(""), Some(MD5), Some("x"), Some("ABC")] {
                assert_eq!(
                    get_certificate_reputation(sha1, pk),
                    generic_certificate_reputation(sha1, pk),
                    "{sha1:?} {pk:?}"
                );
            }
        }
    }

    #[test]
    fn operations_know_their_topics_and_kinds() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_python_method(op.python_method()), Some(op));
        }
        assert!(Operation::SetExternalFileReputation.is_event());
        assert!(!Operation::GetFileReputation.is_event());
        assert_eq!(
            Operation::GetCertificateFirstReferences.topic(),
            "/mcafee/service/tie/cert/agents"
        );
    }

    #[test]
    fn repeated_hash_type_keeps_first_position_last_value() {
        let text = get_file_reputation(&[("md5", "00"), ("sha1", "01"), ("md5", "02")]).unwrap();
        assert_eq!(
            text,
            r#"{"hashes": [{"type": "md5", "value": "Ag=="}, {"type": "sha1", "value": "AQ=="}], "scanType": 3}"#
        );
    }

    #[test]
    fn external_validation_order() {
        let err = |r: Result<String>| r.unwrap_err().to_string();
        assert_eq!(
            err(set_external_file_reputation(0, &[], 3, "", "")),
            "TrustLevel was not specified"
        );
        assert_eq!(
            err(set_external_file_reputation(42, &[], 3, "", "")),
            "FileType was not a valid entry"
        );
        assert_eq!(
            err(set_external_file_reputation(42, &[], 0, "", "")),
            "TrustLevel was not a valid entry"
        );
        assert_eq!(
            err(set_external_file_reputation(99, &[], 0, "", "")),
            "File hashes were not specified"
        );
        assert!(set_external_file_reputation(99, &[("md5", MD5)], 0, "", "").is_ok());
    }

    #[test]
    fn empty_public_key_is_absent() {
        assert_eq!(
            get_certificate_reputation("00", Some("")).unwrap(),
            get_certificate_reputation("00", None).unwrap()
        );
        assert_eq!(
            get_certificate_reputation("00", Some("zz")).unwrap_err(),
            TieError::InvalidArgument("Non-hexadecimal digit found".into())
        );
    }

    #[test]
    fn unicode_is_escaped_like_python() {
        let text = set_file_reputation(99, &[("md5", MD5)], "ré😀.exe", "\"q\"\n").unwrap();
        assert!(
            text.contains(r#""filename": "r\u00e9\ud83d\ude00.exe", "comment": "\"q\"\n""#),
            "{text}"
        );
    }
}
