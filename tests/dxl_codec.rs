//! The DXL message codec against the vectors generated with the real Python `dxlclient`
//! (`../shared/vectors/dxl/vectors.json`), read at test time.

use dxltie::dxl::{decode, encode, DecodeError, Message, MessageKind};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors/dxl/vectors.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let doc: Value = serde_json::from_str(&text).expect("vectors.json is JSON");
    let list = doc["vectors"].as_array().expect("vectors array").clone();
    assert!(list.len() >= 20, "expected the full vector set, found {}", list.len());
    list
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// A nil string field decodes as absent (""), where Python shows `None`.
fn string_or_absent(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

/// The generator wrote `payload_hex` as hex for bytes payloads and as the Python `repr` of a
/// `str` payload (the registry requests); both go on the wire as the same raw bytes.
fn payload_bytes(field: &str) -> Vec<u8> {
    match field.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(text) => {
            assert!(!text.contains('\\'), "escaped repr not supported: {field}");
            text.as_bytes().to_vec()
        }
        None => hex::decode(field).unwrap(),
    }
}

/// Builds a message from a vector's `encoded_from` (or `decoded`) fields.
fn message_from_fields(f: &Value, topic: &str) -> Message {
    let kind = match f["class"].as_str().unwrap() {
        "Event" => MessageKind::Event,
        "Request" => MessageKind::Request {
            reply_to_topic: string_or_absent(&f["reply_to_topic"]),
            service_id: string_or_absent(&f["service_id"]),
        },
        "Response" => MessageKind::Response {
            request_message_id: string_or_absent(&f["request_message_id"]),
            service_id: string_or_absent(&f["service_id"]),
        },
        "ErrorResponse" => MessageKind::ErrorResponse {
            request_message_id: string_or_absent(&f["request_message_id"]),
            service_id: string_or_absent(&f["service_id"]),
            error_code: f["error_code"].as_i64().unwrap(),
            error_message: string_or_absent(&f["error_message"]),
        },
        other => panic!("unknown class {other}"),
    };
    Message {
        version: f["version"].as_u64().unwrap() as u32,
        kind,
        message_id: string_or_absent(&f["message_id"]),
        source_client_id: string_or_absent(&f["source_client_id"]),
        source_broker_id: string_or_absent(&f["source_broker_id"]),
        broker_ids: strings(&f["broker_ids"]),
        client_ids: strings(&f["client_ids"]),
        payload: payload_bytes(f["payload_hex"].as_str().unwrap()),
        other_fields: f["other_fields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect(),
        source_tenant_guid: string_or_absent(&f["source_tenant_guid"]),
        destination_tenant_guids: strings(&f["destination_tenant_guids"]),
        source_client_instance_id: String::new(),
        destination_topic: topic.to_owned(),
    }
}

#[test]
fn encoding_is_byte_identical_to_python() {
    let mut checked = 0;
    for v in vectors() {
        let Some(fields) = v.get("encoded_from") else { continue };
        let name = v["name"].as_str().unwrap();
        let topic = v["mqtt_topic"].as_str().unwrap_or("");
        let expected = v["hex"].as_str().unwrap();
        let ours = hex::encode(encode(&message_from_fields(fields, topic)));
        if fields["request_message_id"].is_null() && fields.get("request_message_id").is_some() {
            // Python writes a missing request id as nil (c0); the broker rejects nil, so we write
            // an empty string (a0) and nothing else differs (dxl-protocol.md §1.5).
            assert_eq!(
                ours,
                expected.replacen("c0", "a0", 1),
                "{name}: only the nil byte may differ"
            );
            assert_ne!(ours, expected, "{name}: we must never write nil");
        } else {
            assert_eq!(ours, expected, "{name}: encoding differs from Python");
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} encode vectors");
}

#[test]
fn decoding_gives_the_fields_python_decoded() {
    let mut checked = 0;
    for v in vectors() {
        let Some(expected) = v.get("decoded") else { continue };
        let name = v["name"].as_str().unwrap();
        let topic = v["mqtt_topic"].as_str().unwrap_or("/t");
        let bytes = hex::decode(v["hex"].as_str().unwrap()).unwrap();
        let decoded = decode(&bytes, topic).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut want = message_from_fields(expected, topic);
        // The v3 trailing field is read although Python ignores it.
        want.source_client_instance_id = decoded.source_client_instance_id.clone();
        assert_eq!(decoded, want, "{name}: decoded fields differ");
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} decode vectors");
}

#[test]
fn broker_v3_error_response_keeps_sign_and_instance_id() {
    let v = vectors()
        .into_iter()
        .find(|v| v["name"] == "broker_v3_error_response")
        .unwrap();
    let m = decode(&hex::decode(v["hex"].as_str().unwrap()).unwrap(), "/t").unwrap();
    assert_eq!(m.version, 3);
    assert_eq!(m.error_code_u32(), Some(0x8000_0001));
    assert!(matches!(
        m.kind,
        MessageKind::ErrorResponse {
            error_code: -2147483647,
            ..
        }
    ));
    assert!(!m.source_client_instance_id.is_empty(), "v3 instance id read");
}

#[test]
fn malformed_vectors_give_typed_errors() {
    let mut checked = 0;
    for v in vectors() {
        if v.get("error").is_none() {
            continue;
        }
        let name = v["name"].as_str().unwrap();
        let bytes = hex::decode(v["hex"].as_str().unwrap()).unwrap();
        let err = decode(&bytes, "/t").expect_err(name);
        match name {
            "non_dxl_payload" | "unknown_type_7" => {
                assert!(matches!(err, DecodeError::UnknownMessageType(_)), "{name}: {err:?}")
            }
            "truncated_event" => assert!(matches!(err, DecodeError::Truncated { .. }), "{name}: {err:?}"),
            _ => {}
        }
        checked += 1;
    }
    assert_eq!(checked, 3, "the three malformed vectors");
}

#[test]
fn payload_length_headers_match_python() {
    let mut checked = 0;
    for v in vectors() {
        let Some(header) = v.get("payload_header_hex") else {
            continue;
        };
        let name = v["name"].as_str().unwrap();
        let len: usize = name.trim_start_matches("payload_len_").parse().unwrap();
        let mut m = Message::event("/t", vec![b'x'; len]);
        m.message_id = "{11111111-1111-4111-8111-111111111111}".into();
        let bytes = encode(&m);
        assert_eq!(
            bytes.len() as u64,
            v["total_length"].as_u64().unwrap(),
            "{name}: total length"
        );
        let at = 2 + 3 + 38 + 4; // version, type, message id, two empty ids, two empty arrays
        assert_eq!(
            hex::encode(&bytes[at..at + header.as_str().unwrap().len() / 2]),
            header.as_str().unwrap(),
            "{name}"
        );
        assert_eq!(decode(&bytes, "/t").unwrap().payload.len(), len, "{name}: round trip");
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn round_trip_of_every_type() {
    let request = {
        let mut r = Message::request("/svc", b"{}".to_vec());
        r.source_client_id = "client".into();
        r.source_broker_id = "{broker}".into();
        r.other_fields = vec![("a".into(), "1".into())];
        r
    };
    let response = Message::response_to(&request, b"pong".to_vec());
    assert_eq!(response.client_ids, vec!["client".to_owned()]);
    assert_eq!(response.broker_ids, vec!["{broker}".to_owned()]);
    let error = Message::error_response_to(&request, 0x8000_0001, "unable to locate service for request");
    for m in [Message::event("/e", vec![0, 1, 255]), request.clone(), response, error] {
        let back = decode(&encode(&m), &m.destination_topic).unwrap();
        assert_eq!(back, m);
    }
}

/// A tiny xorshift generator: deterministic, so a failure names a reproducible seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_and_truncated_input_never_panics() {
    let valid: Vec<Vec<u8>> = vectors()
        .iter()
        .filter_map(|v| v.get("hex").and_then(Value::as_str))
        .map(|h| hex::decode(h).unwrap())
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut decoded_ok = 0;
    let total = 120_000;
    for i in 0..total {
        let input: Vec<u8> = match i % 3 {
            // Pure noise.
            0 => (0..rng.next() % 96).map(|_| rng.next() as u8).collect(),
            // A valid message cut short.
            1 => {
                let v = &valid[(rng.next() as usize) % valid.len()];
                v[..(rng.next() as usize) % (v.len() + 1)].to_vec()
            }
            // A valid message with a few bytes flipped (huge lengths, wrong types).
            _ => {
                let mut v = valid[(rng.next() as usize) % valid.len()].clone();
                for _ in 0..1 + rng.next() % 4 {
                    let at = (rng.next() as usize) % v.len();
                    v[at] = rng.next() as u8;
                }
                v
            }
        };
        if decode(&input, "/t").is_ok() {
            decoded_ok += 1;
        }
    }
    // Some mutated messages stay valid; most do not. Either way, nothing panicked.
    assert!(decoded_ok > 0 && decoded_ok < total, "decoded {decoded_ok} of {total}");
}

/// Other fields are paired in one pass: 200 000 distinct keys (a message under the 2 MiB limit)
/// decode with Python's pairing, repeated keys included. The pairing searched the pairs so far
/// for every key, which at this size kept the network thread busy for minutes.
#[test]
fn many_other_fields_pair_in_one_pass() {
    let mut m = Message::event("/e", Vec::new());
    m.other_fields = (0..200_000).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    let mut bytes = encode(&m);
    assert!(bytes.len() < 2 * 1024 * 1024, "{} bytes", bytes.len());
    let back = decode(&bytes, "/e").unwrap();
    assert_eq!(back.other_fields.len(), 200_000);
    assert_eq!(back.other_fields[199_999], ("k199999".to_owned(), "v".to_owned()));
    // A repeated key keeps its first position and takes the last value.
    m.other_fields = vec![
        ("a".into(), "1".into()),
        ("b".into(), "2".into()),
        ("a".into(), "3".into()),
    ];
    bytes = encode(&m);
    let back = decode(&bytes, "/e").unwrap();
    assert_eq!(
        back.other_fields,
        vec![("a".to_owned(), "3".to_owned()), ("b".to_owned(), "2".to_owned())]
    );
}
