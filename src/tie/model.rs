//! Typed views of transformed TIE data, for callers (such as the C ABI) that want flat values
//! instead of JSON.
//!
//! Each view is built *from* the transformed `serde_json::Value` (the output of
//! [`transforms`](super::transforms), [`responses`](super::responses) or
//! [`events`](super::events)), so there is exactly one transform and the JSON stays the complete
//! truth: unknown fields are only in the JSON. The views are lenient: a field that is missing or
//! has an unexpected JSON type becomes `None` (or is skipped) rather than failing, because Python
//! hands such data to the user unchecked.

use serde_json::Value;

use super::constants::{cert_reputation_overridden_prop, cert_reputation_prop, first_ref_prop, reputation_prop};

/// Hashes in order as `(hash type, lower-case hex)` pairs, e.g. `("md5", "f2c7…")`.
pub type HashPairs = Vec<(String, String)>;

/// One reputation from a providerId map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reputation {
    /// The providerId map key (`"1"`, `"3"`, …): the providerId as text.
    pub provider_key: String,
    /// `providerId` as a number, when it is a JSON integer (or a string holding one).
    pub provider_id: Option<i64>,
    /// `trustLevel` (see [`trust_level`](super::constants::trust_level)).
    pub trust_level: Option<i64>,
    /// `createDate`, epoch seconds.
    pub create_date: Option<i64>,
    /// `attributes` in order as `(id, value)` pairs. Values are strings on the wire; any other
    /// JSON value is given as its JSON text.
    pub attributes: Vec<(String, String)>,
    /// `overridden`, present on certificate Enterprise reputations only.
    pub overridden: Option<OverriddenFiles>,
}

/// A certificate reputation's `overridden` object: the files whose own reputation overrides the
/// certificate's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverriddenFiles {
    /// The hashes of each file (files without `hashes` give an empty list).
    pub files: Vec<HashPairs>,
    /// `truncated`: 1 when the server cut the list short.
    pub truncated: Option<i64>,
}

/// One element of a first-references (`agents`) list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstReference {
    /// `agentGuid`, e.g. `{3a6f574a-3e6f-436d-acd4-bcde336b054d}`.
    pub agent_guid: Option<String>,
    /// `date`, epoch seconds of the first reference.
    pub date: Option<i64>,
}

/// The pairs of a transformed hash map (`{"md5": "f2c7…"}`); anything but an object gives none.
pub fn hash_pairs(hashes: Option<&Value>) -> HashPairs {
    match hashes {
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), text_of(v))).collect(),
        _ => Vec::new(),
    }
}

/// The reputations of a providerId map, in map order.
///
/// Only entries whose value is an object with a `providerId` count. This also makes the function
/// safe on a rep-change event's `newReputations`/`oldReputations` that Python left untransformed
/// (no `reputations` key, e.g. `{"props": {...}}`): such a value yields no reputations.
pub fn reputations_from_map(map: &Value) -> Vec<Reputation> {
    let Value::Object(map) = map else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(key, value)| {
            let rep = value.as_object()?;
            let provider = rep.get(reputation_prop::PROVIDER_ID)?;
            Some(Reputation {
                provider_key: key.clone(),
                provider_id: provider
                    .as_i64()
                    .or_else(|| provider.as_str().and_then(|s| s.parse().ok())),
                trust_level: int_field(value, reputation_prop::TRUST_LEVEL),
                create_date: int_field(value, reputation_prop::CREATE_DATE),
                attributes: match rep.get(reputation_prop::ATTRIBUTES) {
                    Some(Value::Object(attrs)) => attrs.iter().map(|(k, v)| (k.clone(), text_of(v))).collect(),
                    _ => Vec::new(),
                },
                overridden: rep.get(cert_reputation_prop::OVERRIDDEN).and_then(overridden_files),
            })
        })
        .collect()
}

fn overridden_files(value: &Value) -> Option<OverriddenFiles> {
    let object = value.as_object()?;
    let files = match object.get(cert_reputation_overridden_prop::FILES) {
        Some(Value::Array(files)) => files.iter().map(|f| hash_pairs(f.get("hashes"))).collect(),
        _ => Vec::new(),
    };
    Some(OverriddenFiles {
        files,
        truncated: int_field(value, cert_reputation_overridden_prop::TRUNCATED),
    })
}

/// The elements of a first-references (`agents`) array.
pub fn first_references_from_agents(agents: &Value) -> Vec<FirstReference> {
    let Value::Array(agents) = agents else {
        return Vec::new();
    };
    agents
        .iter()
        .map(|agent| FirstReference {
            agent_guid: str_field(agent, first_ref_prop::SYSTEM_GUID),
            date: int_field(agent, first_ref_prop::DATE),
        })
        .collect()
}

/// `object[key]` when it is a JSON integer that fits `i64`.
pub(crate) fn int_field(object: &Value, key: &str) -> Option<i64> {
    object.get(key).and_then(Value::as_i64)
}

/// `object[key]` when it is a JSON string.
pub(crate) fn str_field(object: &Value, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A string's text, or any other value's compact JSON text.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reputations_from_a_provider_map() {
        let map = json!({
            "1": {"providerId": 1, "trustLevel": 99, "createDate": 5, "attributes": {"2120340": "2139160704"}},
            "4": {"providerId": 4, "trustLevel": 0, "overridden": {"files": [{"hashes": {"md5": "00"}}, {}], "truncated": 0}},
            "props": {"serverTime": 5}
        });
        let reps = reputations_from_map(&map);
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[0].provider_key, "1");
        assert_eq!(reps[0].provider_id, Some(1));
        assert_eq!(
            reps[0].attributes,
            vec![("2120340".to_string(), "2139160704".to_string())]
        );
        assert_eq!(reps[1].create_date, None);
        assert_eq!(
            reps[1].overridden,
            Some(OverriddenFiles {
                files: vec![vec![("md5".to_string(), "00".to_string())], vec![]],
                truncated: Some(0)
            })
        );
    }

    #[test]
    fn first_references_from_agents_array() {
        let agents = json!([{"agentGuid": "{g}", "date": 7}, {"x": 1}]);
        assert_eq!(
            first_references_from_agents(&agents),
            vec![
                FirstReference {
                    agent_guid: Some("{g}".into()),
                    date: Some(7)
                },
                FirstReference {
                    agent_guid: None,
                    date: None
                }
            ]
        );
    }
}
