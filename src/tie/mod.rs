//! TIE semantics as a pure Rust API: no network here.
//!
//! This layer reproduces the Python `dxltieclient` 0.3.0 byte for byte where it can
//! (`../shared/spec/tie-api.md`):
//! - [`payloads`] builds the exact payload text of each request and of the external-report
//!   event, and [`payloads::Operation`] says which topic it goes to;
//! - [`responses`] turns response payloads into what each Python method returns;
//! - [`events`] decodes and transforms received events, per [`events::EventKind`];
//! - [`transforms`] holds the shared transforms (hash lists, providerId maps, payload parsing);
//! - [`helpers`] has the decoding and validation helpers, [`localtime`] the epoch → local time
//!   ones (Python's `time.localtime`/`time.strftime`), [`constants`] every constant;
//! - [`model`] has flat, typed views of the transformed JSON for the C ABI.
//!
//! providerId maps are JSON objects keyed by the providerId *as text* (`"1"`, `"3"`), where
//! Python uses integer keys; see [`transforms`].

pub mod answer;
pub mod client;
pub mod constants;
pub mod encoding;
pub mod error;
pub mod events;
pub mod helpers;
pub mod localtime;
pub mod lookup_key;
pub mod model;
pub mod payloads;
pub mod python;
pub mod reputation_cache;
pub mod responses;
mod strftime;
pub mod transforms;

pub use answer::Answer;
pub use client::{
    AnswerCallback, EventBatchHandler, EventHandler, PreparedRequest, TieClient, TieEvent, TieOptions,
    TieResponseCallback, DEFAULT_RESPONSE_TIMEOUT,
};
pub use encoding::{base64_to_hex, hex_to_base64};
pub use error::{Result, TieError};
pub use events::{
    decode_event, deliver_event, transform_event, DecodedEvent, Detection, EventKind, FirstInstance, ReputationChange,
    TypedEvent,
};
pub use helpers::{
    get_version, has_definitive_reputation, is_valid_file_type, is_valid_trust_level, to_aggregate_tuple, to_localtime,
    to_localtime_string, to_version_string, to_version_tuple, AggregateValue, LocalTime, NumericArg,
    PYTHON_API_VERSION,
};
pub use model::{FirstReference, HashPairs, OverriddenFiles, Reputation};
pub use payloads::Operation;
pub use python::python_json_dumps;
pub use reputation_cache::{CacheSettings, CacheStats};
pub use responses::transform_response;
pub use transforms::{parse_payload, transform_hashes, transform_reputations};
