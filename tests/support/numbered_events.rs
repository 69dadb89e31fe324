//! Valid TIE detection events numbered through their file name, `event-<n>`: a receiver can
//! tell which ones arrived, how often, and which were lost (delivery-counting tests).

use dxltie::dxl::{encode, Message};
use serde_json::json;

pub const TOPIC: &str = "/mcafee/event/tie/file/detection";

/// The DXL payload of detection event number `n`, as the TIE server publishes it.
pub fn detection(n: u32) -> Vec<u8> {
    let content = json!({
        "agentGuid": "{3a6f574a-3e6f-436d-acd4-bcde336b054d}",
        "detectionTime": 1481301038,
        "hashes": [{"type": "md5", "value": "8se7isyX+S6Yei1Ah9AhsQ=="}],
        "localReputation": 1,
        "name": format!("event-{n}"),
        "remediationAction": 5
    });
    encode(&Message::event(TOPIC, content.to_string().into_bytes()))
}
