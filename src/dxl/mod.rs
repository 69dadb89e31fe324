//! The DXL fabric client: message codec, configuration, and the MQTT-over-mutual-TLS client.
//! Nothing here knows about TIE.

pub mod broker;
pub mod codec;
pub mod config;
pub mod message;

pub use broker::Broker;
pub use codec::{decode, encode, DecodeError};
pub use config::{ClientConfig, ConfigError, OverflowPolicy, PemSource, Proxy};
pub use message::{Message, MessageKind, MessageType};
