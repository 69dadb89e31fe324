//! The DXL message decoder on arbitrary bytes, as it meets every MQTT payload on a subscribed
//! topic: it must never panic, and whatever it accepts must survive a re-encode unchanged (the
//! client relays and answers messages it decoded).
#![no_main]

use dxltie::dxl::message::MESSAGE_VERSION;
use dxltie::dxl::{decode, encode, Message};
use libfuzzer_sys::fuzz_target;

const TOPIC: &str = "/mcafee/event/tie/file/detection";

/// What `encode` keeps: it always writes the current version and never the broker-only v3 field.
fn as_encoded(mut message: Message) -> Message {
    message.version = MESSAGE_VERSION;
    message.source_client_instance_id.clear();
    message
}

fuzz_target!(|data: &[u8]| {
    let Ok(message) = decode(data, TOPIC) else {
        return;
    };
    let again = decode(&encode(&message), TOPIC).expect("a re-encoded message decodes");
    assert_eq!(again, as_encoded(message));
});
