//! dxltie: a McAfee Threat Intelligence Exchange (TIE) client on a DXL fabric.
//!
//! Layers, each knowing only the one below it:
//! - [`dxl`]: the DXL fabric client (message codec, configuration, MQTT over mutual TLS);
//!   it knows nothing of TIE.
//! - [`tie`]: TIE semantics as a pure Rust API (payloads, transforms, constants, helpers).
//! - `ffi`: the thin `extern "C"` skin described in `include/dxltie.h`.

pub mod dxl;
mod ffi;
pub mod tie;
