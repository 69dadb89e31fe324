//! The TIE response decoders (response payload → what each request returns, and its typed
//! view) on arbitrary payloads, for each operation: a result or a `TieError`, never a panic,
//! and the JSON text C receives means exactly the result.
#![no_main]

use dxltie::tie::responses::{first_references_from_response, reputations_from_response, transform_response};
use dxltie::tie::{python_json_dumps, Operation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the operation; the rest is the response payload.
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let operation = Operation::ALL[usize::from(selector) % Operation::ALL.len()];
    let result = transform_response(operation, payload);
    // The typed views the C functions build must agree with the JSON result on success.
    match operation {
        Operation::GetFileReputation | Operation::GetCertificateReputation => {
            let typed = reputations_from_response(payload);
            assert_eq!(typed.as_ref().ok().map(|(map, _)| map), result.as_ref().ok());
        }
        Operation::GetFileFirstReferences | Operation::GetCertificateFirstReferences => {
            let typed = first_references_from_response(payload);
            assert_eq!(typed.as_ref().ok().map(|(agents, _)| agents), result.as_ref().ok());
        }
        _ => {}
    }
    if let Ok(value) = result {
        let text = python_json_dumps(&value);
        let reparsed: serde_json::Value = serde_json::from_str(&text).expect("the JSON text given to C parses");
        assert_eq!(reparsed, value, "the JSON text given to C means the result");
    }
});
