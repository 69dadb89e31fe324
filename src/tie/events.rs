//! The four event kinds a TIE client subscribes to, and the transforms Python's callback classes
//! apply before calling the user (spec §3).
//!
//! Python binds the transform to the callback object's class, so a `DetectionCallback` on the
//! rep-change topic gets the detection transform. Here the transform is bound to the
//! [`EventKind`], i.e. to the topic, as the spec recommends (§2.2, §9.4).
//!
//! [`transform_event`] gives the transformed JSON (what Python's user method receives, with the
//! providerId map keys as strings; see [`transforms`](super::transforms)). The typed structs
//! ([`Detection`], [`FirstInstance`], [`ReputationChange`]) are built from that JSON for callers
//! that want flat values; unknown fields survive only in the JSON.

use serde_json::{Map, Value};

use super::constants::{
    cert_rep_change_event_prop, detection_event_prop, file_rep_change_event_prop, first_instance_event_prop,
    rep_change_event_prop, topics,
};
use super::error::Result;
use super::model::{hash_pairs, int_field, reputations_from_map, str_field, HashPairs, Reputation};
use super::transforms::{base64_value_to_hex, parse_payload, transform_hashes_in_place, transform_reputations};

/// An event kind a user can register a callback for; each has a fixed topic and transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `/mcafee/event/tie/file/detection` (Python `DetectionCallback`).
    FileDetection,
    /// `/mcafee/event/tie/file/firstinstance` (Python `FirstInstanceCallback`).
    FileFirstInstance,
    /// `/mcafee/event/tie/file/repchange/broadcast` (Python `ReputationChangeCallback`).
    FileReputationChange,
    /// `/mcafee/event/tie/cert/repchange/broadcast` (Python `ReputationChangeCallback`).
    CertificateReputationChange,
}

impl EventKind {
    /// Every event kind.
    pub const ALL: [EventKind; 4] = [
        EventKind::FileDetection,
        EventKind::FileFirstInstance,
        EventKind::FileReputationChange,
        EventKind::CertificateReputationChange,
    ];

    /// The DXL topic the events of this kind arrive on.
    pub fn topic(self) -> &'static str {
        match self {
            EventKind::FileDetection => topics::TIE_EVENT_FILE_DETECTION_TOPIC,
            EventKind::FileFirstInstance => topics::TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC,
            EventKind::FileReputationChange => topics::TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC,
            EventKind::CertificateReputationChange => topics::TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC,
        }
    }

    /// The kind whose topic is `topic`, if any.
    pub fn from_topic(topic: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.topic() == topic)
    }

    /// The Python callback class that applies this kind's transform.
    pub fn python_callback_class(self) -> &'static str {
        match self {
            EventKind::FileDetection => "DetectionCallback",
            EventKind::FileFirstInstance => "FirstInstanceCallback",
            EventKind::FileReputationChange | EventKind::CertificateReputationChange => "ReputationChangeCallback",
        }
    }
}

/// Decodes an event payload (UTF-8, trailing NULs stripped, JSON) and applies the kind's
/// transform: what Python's callback hands to the user method. On error Python does not call
/// the user method, and neither should the caller.
pub fn transform_event(kind: EventKind, payload: &[u8]) -> Result<Value> {
    transform_event_value(kind, parse_payload(payload)?)
}

/// [`transform_event`] on an already parsed payload. A payload that is not a JSON object is
/// returned unchanged (it has none of the keys the transforms look for).
pub fn transform_event_value(kind: EventKind, value: Value) -> Result<Value> {
    transform_event_marked(kind, value).map(|(value, _)| value)
}

/// [`transform_event_value`], also naming the top-level properties whose value became a
/// providerId map. Python keys such a map by the providerId itself (an int); JSON can only
/// write string keys, so a binding that rebuilds Python's dict from the JSON needs to know
/// which maps to re-key, and this is the one place that knows.
fn transform_event_marked(kind: EventKind, mut value: Value) -> Result<(Value, Vec<&'static str>)> {
    let mut provider_keyed = Vec::new();
    if let Value::Object(event) = &mut value {
        match kind {
            EventKind::FileDetection | EventKind::FileFirstInstance => {
                transform_hashes_in_place(event, detection_event_prop::HASHES)?;
            }
            EventKind::FileReputationChange | EventKind::CertificateReputationChange => {
                provider_keyed = transform_reputation_change(event)?;
            }
        }
    }
    Ok((value, provider_keyed))
}

/// `ReputationChangeCallback`'s transform, in Python's order (spec §3.3). Both rep-change topics
/// get every step. Returns the properties that became providerId maps.
fn transform_reputation_change(event: &mut Map<String, Value>) -> Result<Vec<&'static str>> {
    let mut provider_keyed = Vec::new();
    // 1. hashes: list → hex map.
    transform_hashes_in_place(event, rep_change_event_prop::HASHES)?;
    // 2, 3. new/oldReputations: the *whole* value becomes the providerId map of its
    // `reputations` (sibling `props` dropped), but only when `reputations` is there.
    for key in [
        rep_change_event_prop::NEW_REPUTATIONS,
        rep_change_event_prop::OLD_REPUTATIONS,
    ] {
        if let Some(wrapper) = event.get_mut(key) {
            if let Some(reputations) = wrapper.get_mut("reputations") {
                let list = reputations.take();
                *wrapper = transform_reputations(list)?;
                provider_keyed.push(key);
            }
        }
    }
    // 4. relationships.certificate: its hashes and publicKeySha1; nothing else is touched.
    if let Some(Value::Object(relationships)) = event.get_mut(file_rep_change_event_prop::RELATIONSHIPS) {
        if let Some(Value::Object(certificate)) = relationships.get_mut("certificate") {
            transform_hashes_in_place(certificate, "hashes")?;
            public_key_to_hex(certificate)?;
        }
    }
    // 5. top-level publicKeySha1.
    public_key_to_hex(event)?;
    Ok(provider_keyed)
}

fn public_key_to_hex(object: &mut Map<String, Value>) -> Result<()> {
    if let Some(value) = object.get_mut(cert_rep_change_event_prop::PUBLIC_KEY_SHA1) {
        *value = Value::String(base64_value_to_hex(value)?);
    }
    Ok(())
}

/// A detection event, flattened (`DetectionEventProp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// `agentGuid`: the system that detected the file.
    pub agent_guid: Option<String>,
    /// `detectionTime`, epoch seconds.
    pub detection_time: Option<i64>,
    /// `hashes` as `(type, hex)` pairs.
    pub hashes: HashPairs,
    /// `localReputation`: the trust level the endpoint computed.
    pub local_reputation: Option<i64>,
    /// `name`: the file name.
    pub name: Option<String>,
    /// `remediationAction` (values undocumented; 5 in every example).
    pub remediation_action: Option<i64>,
}

impl Detection {
    /// The flat view of a transformed detection event.
    pub fn from_json(event: &Value) -> Detection {
        Detection {
            agent_guid: str_field(event, detection_event_prop::SYSTEM_GUID),
            detection_time: int_field(event, detection_event_prop::DETECTION_TIME),
            hashes: hash_pairs(event.get(detection_event_prop::HASHES)),
            local_reputation: int_field(event, detection_event_prop::LOCAL_REPUTATION),
            name: str_field(event, detection_event_prop::NAME),
            remediation_action: int_field(event, detection_event_prop::REMEDIATION_ACTION),
        }
    }
}

/// A first-instance event, flattened (`FirstInstanceEventProp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstInstance {
    /// `agentGuid`: the system the file was first seen on.
    pub agent_guid: Option<String>,
    /// `hashes` as `(type, hex)` pairs.
    pub hashes: HashPairs,
    /// `name`: the file name.
    pub name: Option<String>,
}

impl FirstInstance {
    /// The flat view of a transformed first-instance event.
    pub fn from_json(event: &Value) -> FirstInstance {
        FirstInstance {
            agent_guid: str_field(event, first_instance_event_prop::SYSTEM_GUID),
            hashes: hash_pairs(event.get(first_instance_event_prop::HASHES)),
            name: str_field(event, first_instance_event_prop::NAME),
        }
    }
}

/// A file or certificate reputation-change event, flattened (`FileRepChangeEventProp`,
/// `CertRepChangeEventProp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReputationChange {
    /// `hashes` as `(type, hex)` pairs.
    pub hashes: HashPairs,
    /// The reputations after the change (empty when `newReputations` had no `reputations`).
    pub new_reputations: Vec<Reputation>,
    /// The reputations before the change (empty when `oldReputations` had no `reputations`).
    pub old_reputations: Vec<Reputation>,
    /// `updateTime`, epoch seconds.
    pub update_time: Option<i64>,
    /// `relationships.certificate.hashes` (file events): the signing certificate's hashes.
    pub relationship_certificate_hashes: HashPairs,
    /// `relationships.certificate.publicKeySha1` (file events), hex.
    pub relationship_certificate_public_key_sha1: Option<String>,
    /// Top-level `publicKeySha1` (certificate events), hex.
    pub public_key_sha1: Option<String>,
}

impl ReputationChange {
    /// The flat view of a transformed reputation-change event.
    pub fn from_json(event: &Value) -> ReputationChange {
        let certificate = event
            .get(file_rep_change_event_prop::RELATIONSHIPS)
            .and_then(|r| r.get("certificate"));
        ReputationChange {
            hashes: hash_pairs(event.get(rep_change_event_prop::HASHES)),
            new_reputations: event
                .get(rep_change_event_prop::NEW_REPUTATIONS)
                .map(reputations_from_map)
                .unwrap_or_default(),
            old_reputations: event
                .get(rep_change_event_prop::OLD_REPUTATIONS)
                .map(reputations_from_map)
                .unwrap_or_default(),
            update_time: int_field(event, rep_change_event_prop::UPDATE_TIME),
            relationship_certificate_hashes: hash_pairs(certificate.and_then(|c| c.get("hashes"))),
            relationship_certificate_public_key_sha1: certificate
                .and_then(|c| str_field(c, cert_rep_change_event_prop::PUBLIC_KEY_SHA1)),
            public_key_sha1: str_field(event, cert_rep_change_event_prop::PUBLIC_KEY_SHA1),
        }
    }
}

/// The flat view of any event kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypedEvent {
    Detection(Detection),
    FirstInstance(FirstInstance),
    ReputationChange(ReputationChange),
}

impl TypedEvent {
    /// The flat view of a transformed event of `kind`.
    pub fn from_json(kind: EventKind, event: &Value) -> TypedEvent {
        match kind {
            EventKind::FileDetection => TypedEvent::Detection(Detection::from_json(event)),
            EventKind::FileFirstInstance => TypedEvent::FirstInstance(FirstInstance::from_json(event)),
            EventKind::FileReputationChange | EventKind::CertificateReputationChange => {
                TypedEvent::ReputationChange(ReputationChange::from_json(event))
            }
        }
    }
}

/// An event after decoding: the transformed JSON and its flat view.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedEvent {
    pub kind: EventKind,
    /// What Python's user method would receive (providerId keys as strings).
    pub json: Value,
    /// The flat view of `json`: made by the first callback that wants it (the JSON forms never
    /// do).
    typed: std::sync::OnceLock<TypedEvent>,
    /// The top-level properties of `json` that are providerId maps (Python keys them by the
    /// providerId value, JSON by its text).
    pub provider_keyed: Vec<&'static str>,
    /// `json` as `json.dumps` writes it, NUL-terminated: made once, by the first callback that
    /// wants it, and shared by every other callback of the same message.
    json_text: std::sync::OnceLock<std::ffi::CString>,
}

impl DecodedEvent {
    /// The flat view of `json` (made once per event).
    pub fn typed(&self) -> &TypedEvent {
        self.typed.get_or_init(|| TypedEvent::from_json(self.kind, &self.json))
    }

    /// `json` as Python's `json.dumps` writes it, as a C string (made once per event).
    pub fn json_text(&self) -> &std::ffi::CStr {
        self.json_text.get_or_init(|| {
            std::ffi::CString::new(super::python::python_json_dumps(&self.json))
                // json.dumps escapes every control character, NUL included: no NUL can occur.
                .unwrap_or_default()
        })
    }
}

/// [`transform_event`], with the flat view and the JSON text made on demand.
pub fn decode_event(kind: EventKind, payload: &[u8]) -> Result<DecodedEvent> {
    let (json, provider_keyed) = transform_event_marked(kind, parse_payload(payload)?)?;
    Ok(DecodedEvent {
        kind,
        json,
        typed: std::sync::OnceLock::new(),
        provider_keyed,
        json_text: std::sync::OnceLock::new(),
    })
}

/// What Python's `on_event` does: decode and transform the payload, then call the user's
/// function with the result, and only then. When decoding fails the user's function is not
/// called and the error is returned (Python logs and swallows it).
pub fn deliver_event<F: FnOnce(&DecodedEvent)>(kind: EventKind, payload: &[u8], user: F) -> Result<()> {
    let event = decode_event(kind, payload)?;
    user(&event);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn topics_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_topic(kind.topic()), Some(kind));
        }
        assert_eq!(EventKind::from_topic("/mcafee/event/tie/file/prevalence"), None);
    }

    #[test]
    fn detection_typed_view() {
        let payload = br#"{"agentGuid": "{g}", "detectionTime": 1481301038, "hashes": [{"type": "md5", "value": "AAEC/w=="}], "localReputation": 1, "name": "X.EXE", "remediationAction": 5, "extra": [1]}"#;
        let event = decode_event(EventKind::FileDetection, payload).unwrap();
        assert_eq!(event.json["extra"], json!([1]));
        assert_eq!(
            *event.typed(),
            TypedEvent::Detection(Detection {
                agent_guid: Some("{g}".into()),
                detection_time: Some(1481301038),
                hashes: vec![("md5".into(), "000102ff".into())],
                local_reputation: Some(1),
                name: Some("X.EXE".into()),
                remediation_action: Some(5),
            })
        );
    }

    #[test]
    fn reputation_change_typed_view() {
        let payload = br#"{"hashes": [{"type": "sha1", "value": "AAEC/w=="}], "publicKeySha1": "AAE=",
            "newReputations": {"reputations": [{"providerId": 4, "trustLevel": 99}], "props": {}},
            "oldReputations": {"props": {"serverTime": 1}}, "updateTime": 9,
            "relationships": {"certificate": {"hashes": [{"type": "md5", "value": "AA=="}], "publicKeySha1": "AQ=="}, "other": 1}}"#;
        let event = decode_event(EventKind::CertificateReputationChange, payload).unwrap();
        assert_eq!(event.json["oldReputations"], json!({"props": {"serverTime": 1}}));
        assert_eq!(event.json["relationships"]["other"], json!(1));
        let TypedEvent::ReputationChange(change) = event.typed() else {
            panic!("wrong kind")
        };
        assert_eq!(change.hashes, vec![("sha1".into(), "000102ff".into())]);
        assert_eq!(change.new_reputations.len(), 1);
        assert_eq!(change.new_reputations[0].trust_level, Some(99));
        assert!(change.old_reputations.is_empty());
        assert_eq!(change.update_time, Some(9));
        assert_eq!(
            change.relationship_certificate_hashes,
            vec![("md5".into(), "00".into())]
        );
        assert_eq!(change.relationship_certificate_public_key_sha1.as_deref(), Some("01"));
        assert_eq!(change.public_key_sha1.as_deref(), Some("0001"));
    }
}
