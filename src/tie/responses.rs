//! What each request method returns, computed from the response payload (spec §2.2).
//!
//! * get file / certificate reputation → the providerId map of the response's `reputations`
//!   (`{}` when the key is missing; `props` and other keys are dropped);
//! * get file / certificate first references → the response's `agents` array as-is (`[]` when
//!   missing);
//! * the two set requests → nothing: Python never parses their response payload, so an empty or
//!   non-JSON body is fine.
//!
//! A response payload that is JSON but not an object is rejected with
//! [`TieError::BadResponse`]; Python's behaviour there is unspecified and no TIE service sends one.

use serde_json::{Map, Value};

use super::error::{Result, TieError};
use super::model::{first_references_from_agents, reputations_from_map, FirstReference, Reputation};
use super::payloads::Operation;
use super::transforms::{parse_payload, transform_reputations};

/// The result of `operation` from its response payload: the providerId map, the agents array, or
/// `Value::Null` for the operations that return nothing (the set requests, without parsing the
/// payload, and the external-reputation event, which has no response).
pub fn transform_response(operation: Operation, payload: &[u8]) -> Result<Value> {
    match operation {
        Operation::GetFileReputation | Operation::GetCertificateReputation => reputation_map_from_response(payload),
        Operation::GetFileFirstReferences | Operation::GetCertificateFirstReferences => agents_from_response(payload),
        Operation::SetFileReputation | Operation::SetCertificateReputation | Operation::SetExternalFileReputation => {
            Ok(Value::Null)
        }
    }
}

/// `get_file_reputation` / `get_certificate_reputation`: the providerId map built from the
/// response's `reputations` (see [`transform_reputations`]), or `{}` without that key.
pub fn reputation_map_from_response(payload: &[u8]) -> Result<Value> {
    match response_object(payload)?.remove("reputations") {
        Some(reputations) => transform_reputations(reputations),
        None => Ok(Value::Object(Map::new())),
    }
}

/// `get_file_first_references` / `get_certificate_first_references`: the response's `agents`
/// value untouched, or `[]` without that key.
pub fn agents_from_response(payload: &[u8]) -> Result<Value> {
    Ok(response_object(payload)?
        .remove("agents")
        .unwrap_or(Value::Array(Vec::new())))
}

/// [`reputation_map_from_response`] with the flat view of each reputation.
pub fn reputations_from_response(payload: &[u8]) -> Result<(Value, Vec<Reputation>)> {
    let map = reputation_map_from_response(payload)?;
    let reputations = reputations_from_map(&map);
    Ok((map, reputations))
}

/// [`agents_from_response`] with the flat view of each agent.
pub fn first_references_from_response(payload: &[u8]) -> Result<(Value, Vec<FirstReference>)> {
    let agents = agents_from_response(payload)?;
    let references = first_references_from_agents(&agents);
    Ok((agents, references))
}

fn response_object(payload: &[u8]) -> Result<Map<String, Value>> {
    match parse_payload(payload)? {
        Value::Object(map) => Ok(map),
        _ => Err(TieError::BadResponse(
            "response payload is not a JSON object".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_operations_ignore_the_payload() {
        assert_eq!(
            transform_response(Operation::SetFileReputation, b"not json").unwrap(),
            Value::Null
        );
        assert_eq!(
            transform_response(Operation::SetCertificateReputation, b"").unwrap(),
            Value::Null
        );
    }

    #[test]
    fn missing_keys_give_empty_results() {
        assert_eq!(
            transform_response(Operation::GetFileReputation, b"{}").unwrap(),
            json!({})
        );
        assert_eq!(
            transform_response(Operation::GetCertificateFirstReferences, b"{}").unwrap(),
            json!([])
        );
        assert!(matches!(
            transform_response(Operation::GetFileReputation, b"[]"),
            Err(TieError::BadResponse(_))
        ));
    }

    #[test]
    fn typed_views() {
        let (map, reps) =
            reputations_from_response(br#"{"reputations": [{"providerId": 2, "trustLevel": 99}]}"#).unwrap();
        assert_eq!(map, json!({"2": {"providerId": 2, "trustLevel": 99}}));
        assert_eq!(reps[0].provider_id, Some(2));
        let (_, refs) = first_references_from_response(br#"{"agents": [{"agentGuid": "{a}", "date": 1}]}"#).unwrap();
        assert_eq!(refs[0].agent_guid.as_deref(), Some("{a}"));
    }
}
