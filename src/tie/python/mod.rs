//! Python's own behaviour, reproduced byte for byte where the TIE layer must match the reference
//! client: `json.dumps` (outgoing payloads, the JSON handed to C), `repr` of strings and floats
//! (inside error texts), and the texts of `json.loads` and UTF-8 decoding errors. Everything
//! here exists because Python does it that way; the TIE semantics themselves live in the other
//! modules of [`crate::tie`].

mod json_dumps;
mod json_errors;

pub(crate) use json_dumps::python_float_repr;
pub use json_dumps::{push_python_json_str, python_json_dumps, python_json_dumps_pretty, python_repr_str};
pub(crate) use json_errors::{python_json_error, python_utf8_error};
