//! Inputs the fuzz targets (fuzz/, scripts/fuzz.sh) found, each a failure before its fix, kept
//! here so that `cargo test` runs them without the fuzzing build.

use dxltie::tie::{decode_event, python_json_dumps, EventKind};

/// The JSON text C receives for an event, as `dxltie_add_json_callback` gives it.
fn event_json(kind: EventKind, payload: &str) -> String {
    python_json_dumps(&decode_event(kind, payload.as_bytes()).expect("decodes").json)
}

/// tie_events found a payload whose number came back different from the JSON text C was given:
/// serde_json's default float parser is not correctly rounded (one unit off here). Python's
/// `json` is, so the JSON handed to C differed from the dict Python's callback gets. Fixed by
/// serde_json's `float_roundtrip` feature. Expected texts are CPython's
/// `json.dumps(json.loads(payload))`.
#[test]
fn floats_parse_correctly_rounded_as_in_python() {
    let cases = [
        (
            r#"{"x": 666666666666666666666666666666666666666.0}"#,
            r#"{"x": 6.6666666666666665e+38}"#,
        ),
        (
            r#"{"x": 6.66666666666666666666666666666666666666e38}"#,
            r#"{"x": 6.6666666666666665e+38}"#,
        ),
        (r#"{"x": 6.666666666666667e+38}"#, r#"{"x": 6.666666666666667e+38}"#),
    ];
    for (payload, python) in cases {
        assert_eq!(event_json(EventKind::FileDetection, payload), python, "{payload}");
    }
    // The fuzz input itself (first byte: the detection kind): its number must survive the JSON
    // text given to C unchanged.
    let payload = format!("\n\n\n\n\n\n{}", "6".repeat(39));
    let event = decode_event(EventKind::FileDetection, payload.as_bytes()).expect("a bare number is accepted");
    let reparsed: serde_json::Value = serde_json::from_str(&python_json_dumps(&event.json)).unwrap();
    assert_eq!(reparsed, event.json);
}
