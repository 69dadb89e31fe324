//! Services: a set of request topics answered by one handler, registered with the DXL broker's
//! service registry (dxl-protocol.md §3.2–§3.5).
//!
//! On a DXL broker the registration makes the broker route requests to us; on a plain MQTT
//! broker nothing answers the registry, but the service still works because its topics are
//! subscribed and requests arrive by plain fan-out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::callbacks::{wildcard_parents, Entry};
use super::message::{new_id, Message};

/// Topic of the registry's register request.
pub const REGISTER_TOPIC: &str = "/mcafee/service/dxl/svcregistry/register";
/// Topic of the registry's unregister request.
pub const UNREGISTER_TOPIC: &str = "/mcafee/service/dxl/svcregistry/unregister";
/// How long a registration request may wait for the broker (the Python client's 10 s).
pub const REGISTER_TIMEOUT: Duration = Duration::from_secs(10);
/// After a registration got no answer (a plain MQTT broker, a busy broker), try again after this.
pub const REGISTER_RETRY: Duration = Duration::from_secs(60);

/// What a service is: its type, metadata and topics.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub service_type: String,
    /// The instance id, `{uuid}` by default.
    pub service_id: String,
    pub metadata: Vec<(String, String)>,
    pub topics: Vec<String>,
    /// Registration time to live; the client re-registers after this long.
    pub ttl_minutes: u32,
    pub destination_tenant_guids: Vec<String>,
}

impl ServiceInfo {
    pub fn new(service_type: &str, topics: &[&str]) -> Self {
        ServiceInfo {
            service_type: service_type.to_owned(),
            service_id: new_id(),
            metadata: Vec::new(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            ttl_minutes: 60,
            destination_tenant_guids: Vec::new(),
        }
    }

    /// The register request's payload, in the key order and `json.dumps` spacing of Python.
    pub fn register_payload(&self) -> String {
        let metadata: serde_json::Map<String, serde_json::Value> =
            self.metadata.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let doc = json!({
            "serviceType": self.service_type,
            "metaData": metadata,
            "requestChannels": self.topics,
            "ttlMins": self.ttl_minutes,
            "serviceGuid": self.service_id,
        });
        python_spacing(&doc)
    }

    pub fn unregister_payload(&self) -> String {
        python_spacing(&json!({ "serviceGuid": self.service_id }))
    }

    /// Whether a request on `topic` belongs to this service: an exact channel, or a channel
    /// ending in `#` that is a wildcard parent of the topic.
    pub fn serves(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic) || wildcard_parents(topic).iter().any(|p| self.topics.contains(p))
    }

    pub(crate) fn register_request(&self) -> Message {
        let mut m = Message::request(REGISTER_TOPIC, self.register_payload());
        m.destination_tenant_guids = self.destination_tenant_guids.clone();
        m
    }

    pub(crate) fn unregister_request(&self) -> Message {
        Message::request(UNREGISTER_TOPIC, self.unregister_payload())
    }
}

/// JSON text with Python `json.dumps` separators (`", "` and `": "`); registry payloads are
/// ASCII ids and topics, so no escaping differs.
fn python_spacing(value: &serde_json::Value) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonSeparators);
    serde::Serialize::serialize(value, &mut ser).expect("serialising JSON to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

struct PythonSeparators;

impl serde_json::ser::Formatter for PythonSeparators {
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}

/// A registered service as the client tracks it.
pub(crate) struct Service {
    pub info: ServiceInfo,
    /// Its handler, as a registration the dispatcher calls (`Handling::Each`) and an
    /// unregistration waits for.
    pub entry: Arc<Entry>,
    /// When the registry should next be told about this service; `None` while a registration
    /// request is in flight.
    pub next_registration: Option<Instant>,
    /// Whether the registry acknowledged a registration since the service was added.
    pub confirmed: bool,
}
