//! The TIE event decoders (payload → transformed JSON → typed view → the JSON text handed to
//! C) on arbitrary payloads, for each event kind: a payload is decoded or rejected with a
//! `TieError`, never a panic, and the JSON text C receives means exactly the decoded value.
#![no_main]

use dxltie::tie::{decode_event, python_json_dumps, EventKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the kind (that is, the topic); the rest is the payload.
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let kind = EventKind::ALL[usize::from(selector) % EventKind::ALL.len()];
    let Ok(event) = decode_event(kind, payload) else {
        return;
    };
    let text = python_json_dumps(&event.json);
    let reparsed: serde_json::Value = serde_json::from_str(&text).expect("the JSON text given to C parses");
    assert_eq!(reparsed, event.json, "the JSON text given to C means the decoded value");
});
