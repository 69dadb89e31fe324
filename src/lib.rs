//! dxltie: a McAfee Threat Intelligence Exchange (TIE) client on a DXL fabric.
//!
//! Layers, each knowing only the one below it:
//! - [`dxl`]: the DXL fabric client (message codec, configuration, MQTT over mutual TLS);
//!   it knows nothing of TIE.
//! - [`tie`]: TIE semantics as a pure Rust API (payloads, transforms, constants, helpers).
//! - `ffi`: the thin `extern "C"` skin described in `include/dxltie.h`.

// Every unsafe operation sits in its own `unsafe { }` block, also inside an `unsafe fn`, and
// every such block (and every `unsafe impl`) says why it is sound in a `// SAFETY:` comment
// right above it (`make lint` runs clippy, which enforces the second).
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod dxl;
mod ffi;
pub mod tie;
