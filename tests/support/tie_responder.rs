//! A canned TIE service for tests: answers the six TIE requests on a real broker with fixed,
//! spec-shaped payloads, and publishes TIE events in the server's raw form on demand.
//!
//! Behaviour (what the C programs and binding tests rely on):
//! - get file reputation: GTI (1) trust 99 and Enterprise (3) trust 0 with attributes (GTI 50
//!   for the md5 `586297d3…`, the mock's unknown file), except when a hash value is all zeros:
//!   ErrorResponse(0, "Could not find reputation");
//! - set file / certificate reputation: an empty Response; a `filename` of `emit-events.exe`
//!   also publishes one event of each kind (detection, first instance, file and certificate
//!   reputation change);
//! - first references (file and certificate): two agents;
//! - get certificate reputation: GTI (2) trust 99 and Enterprise (4) trust 0.

use std::sync::Arc;
use std::time::Duration;

use dxltie::dxl::{Client, ClientConfig, Handle, Message, ServiceInfo};
use serde_json::{json, Value};

pub const AGENT_1: &str = "{3a6f574a-3e6f-436d-acd4-bcde336b054d}";
pub const AGENT_2: &str = "{68125cd6-a5d8-11e6-348e-000c29663178}";

/// Base64 of the notepad hashes (md5, sha1, sha256), as events carry them.
pub const NOTEPAD_B64: [(&str, &str); 3] = [
    ("md5", "8se7isyX+S6Yei1Ah9AhsQ=="),
    ("sha1", "frATnSF1c5s8yw0REAZ4IL5qvSk="),
    ("sha256", "FC4daI7wVoNww3GH/Z8jUdfd7aV0+L+psPpO9C24WqI="),
];

fn file_reputations() -> Value {
    json!([
        {"attributes": {"2120340": "2139160704"}, "createDate": 1451502875, "providerId": 1, "trustLevel": 99},
        {"attributes": {"2101652": "17", "2102165": "1451502875", "2111893": "21", "2114965": "0", "2139285": "72339069014638857"},
         "createDate": 1451502875, "providerId": 3, "trustLevel": 0}
    ])
}

fn cert_reputations() -> Value {
    json!([
        {"attributes": {"2108821": "94", "2109077": "1454912619", "2117524": "0", "2120596": "0"}, "createDate": 1476318514, "providerId": 2, "trustLevel": 99},
        {"attributes": {"2109333": "12", "2109589": "1476318514", "2139285": "73183493944770750"}, "createDate": 1476318514, "providerId": 4, "trustLevel": 0}
    ])
}

fn hash_list() -> Value {
    Value::Array(
        NOTEPAD_B64
            .iter()
            .map(|(t, v)| json!({"type": t, "value": v}))
            .collect(),
    )
}

/// The four raw events the responder publishes, by topic.
pub fn raw_events() -> Vec<(&'static str, Value)> {
    vec![
        (
            "/mcafee/event/tie/file/detection",
            json!({"agentGuid": AGENT_1, "detectionTime": 1481301038, "hashes": hash_list(), "localReputation": 1,
                   "name": "FOCUS_MALWARE2.EXE", "remediationAction": 5}),
        ),
        (
            "/mcafee/event/tie/file/firstinstance",
            json!({"agentGuid": AGENT_2, "hashes": hash_list(), "name": "MORPH.EXE"}),
        ),
        (
            "/mcafee/event/tie/file/repchange/broadcast",
            json!({"hashes": hash_list(), "newReputations": {"reputations": file_reputations(), "props": {"serverTime": 1}},
                   "oldReputations": {"reputations": [{"attributes": {}, "createDate": 1, "providerId": 3, "trustLevel": 85}]},
                   "updateTime": 1481219581,
                   "relationships": {"certificate": {"hashes": [{"type": "sha1", "value": "bq4m24wTGCp5R5gpkbQyFzLMPeI="}],
                                                      "publicKeySha1": "O4ei1vOXcBYDZLeaFS/Mc7riet8="}}}),
        ),
        (
            "/mcafee/event/tie/cert/repchange/broadcast",
            json!({"hashes": [{"type": "sha1", "value": "bq4m24wTGCp5R5gpkbQyFzLMPeI="}],
                   "newReputations": {"reputations": cert_reputations()}, "oldReputations": {"reputations": []},
                   "updateTime": 1481219581, "publicKeySha1": "O4ei1vOXcBYDZLeaFS/Mc7riet8="}),
        ),
    ]
}

fn agents() -> Value {
    json!({"totalCount": 2, "agents": [{"agentGuid": AGENT_1, "date": 1475873692}, {"agentGuid": AGENT_2, "date": 1478626172}]})
}

fn has_zero_hash(request: &Value) -> bool {
    request["hashes"].as_array().is_some_and(|list| {
        list.iter().any(|h| {
            h["value"]
                .as_str()
                .is_some_and(|v| v.trim_start_matches('A').trim_end_matches('=').is_empty())
        })
    })
}

/// Base64 of the md5 `586297d3bf63b478a2df61ef2579fd9e` (the mock's UNKNOWN_FILE): GTI answers 50
/// for it, so no provider is definitive.
pub const UNKNOWN_MD5_B64: &str = "WGKX079jtHii32HvJXn9ng==";

fn answer(h: &Handle, request: &Message) {
    let body: Value = serde_json::from_slice(&request.payload).unwrap_or(Value::Null);
    let reply = |payload: Value| Message::response_to(request, serde_json::to_vec(&payload).unwrap());
    let message = match request.destination_topic.as_str() {
        _ if has_zero_hash(&body) => Message::error_response_to(request, 0, "Could not find reputation"),
        "/mcafee/service/tie/file/reputation" => {
            let mut reputations = file_reputations();
            if body["hashes"]
                .as_array()
                .is_some_and(|l| l.iter().any(|h| h["value"] == UNKNOWN_MD5_B64))
            {
                reputations[0]["trustLevel"] = json!(50); // GTI does not know the file
            }
            reply(json!({"props": {"serverTime": 1, "submitMetaData": 1}, "reputations": reputations}))
        }
        "/mcafee/service/tie/cert/reputation" => {
            reply(json!({"props": {"serverTime": 1}, "reputations": cert_reputations()}))
        }
        "/mcafee/service/tie/file/agents" | "/mcafee/service/tie/cert/agents" => reply(agents()),
        "/mcafee/service/tie/file/reputation/set" | "/mcafee/service/tie/cert/reputation/set" => {
            Message::response_to(request, Vec::new())
        }
        other => Message::error_response_to(request, 0, &format!("Unknown topic: {other}")),
    };
    let _ = h.send_response(&message);
    if body["filename"] == "emit-events.exe" {
        for (topic, event) in raw_events() {
            let _ = h.send_event(&Message::event(topic, serde_json::to_vec(&event).unwrap()));
        }
    }
}

/// Connects a responder with `config` (its client id is replaced) and serves until dropped.
pub fn start(config: &ClientConfig) -> Client {
    let mut config = config.clone();
    config.client_id = dxltie::dxl::message::new_id();
    let client = Client::new(config).expect("responder client");
    client.connect(Duration::from_secs(10)).expect("responder connects");
    let topics = [
        "/mcafee/service/tie/file/reputation",
        "/mcafee/service/tie/file/reputation/set",
        "/mcafee/service/tie/file/agents",
        "/mcafee/service/tie/cert/reputation",
        "/mcafee/service/tie/cert/reputation/set",
        "/mcafee/service/tie/cert/agents",
    ];
    client
        .register_service(ServiceInfo::new("/mcafee/service/tie", &topics), Arc::new(answer))
        .expect("responder service");
    client
}
