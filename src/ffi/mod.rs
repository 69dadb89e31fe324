//! The C ABI: a thin `extern "C"` skin over [`crate::dxl`] and [`crate::tie`].
//!
//! Each function checks its arguments, converts them, calls the Rust API and converts the
//! result; it holds no logic of its own. Every function runs inside [`boundary`], so no panic
//! reaches C. `include/dxltie.h` is generated from these files by cbindgen (see `build.rs`).
#![allow(non_camel_case_types)]

mod boundary;
mod client;
mod config;
mod convert;
mod dxl_events;
mod dxl_messages;
mod dxl_requests;
mod dxl_services;
mod errors;
mod events;
mod handed_out;
mod helpers;
mod logging;
mod requests;
mod result;
mod sized;
mod tie_operations;
mod user_callback;
mod version;
mod views;
