//! The DXL fabric client: message codec, configuration, and the MQTT-over-mutual-TLS client.
//! Nothing here knows about TIE.

pub mod backoff;
pub mod broker;
pub mod callbacks;
pub mod client;
pub mod codec;
pub mod config;
mod dispatch_queue;
pub mod error;
pub mod files;
pub mod message;
mod network;
pub(crate) use network::MAX_MESSAGE;
mod pending;
pub use pending::ResponseObserver;
mod probe;
pub mod services;
pub mod stats;
mod threads;
pub mod tls;
mod tls_diagnosis;
pub mod transport;

pub use broker::Broker;
pub use callbacks::{BatchHandler, CallbackId, CallbackKind, Handler};
pub use client::{Client, ConnectionState, Handle, ResponseCallback};
pub use codec::{decode, encode, DecodeError};
pub use config::{ClientConfig, ConfigError, OverflowPolicy, PemSource, Proxy};
pub use error::DxlError;
pub use message::{Message, MessageKind, MessageType};
pub use services::ServiceInfo;
pub use stats::Stats;
pub use transport::{Connection, TransportKind};
