//! The DXL service registry (dxl-protocol.md §3.1–§3.3), which a DXL broker answers itself and
//! a plain MQTT broker does not: the simulator answers it so clients can register services.
//!
//! * register: stores the registration, answers an empty Response and publishes the
//!   registration on `/mcafee/event/dxl/svcregistry/register`. A payload that is not JSON is
//!   dropped without an answer, as the broker drops it.
//! * unregister: removes the registration, always answers an empty Response and, when something
//!   was removed, publishes `{"serviceGuid": …}` on `/mcafee/event/dxl/svcregistry/unregister`.
//! * query (`{}`, `{"serviceGuid": …}` or `{"serviceType": …}`): answers
//!   `{"services": {"<serviceGuid>": registration, …}}`, as the OpenDXL broker does.
//!
//! Registrations expire `ttlMins` + 5 minutes after they were last made (the broker's grace).
//! Routing is not the registry's business here: on this broker every subscriber of a topic
//! receives each request.

use serde_json::{json, Map, Value};

use dxltie::dxl::Message;
use dxltie::tie::python_json_dumps;

use crate::simulator::{parse_payload, Outgoing};

pub const REGISTER_TOPIC: &str = "/mcafee/service/dxl/svcregistry/register";
pub const UNREGISTER_TOPIC: &str = "/mcafee/service/dxl/svcregistry/unregister";
pub const QUERY_TOPIC: &str = "/mcafee/service/dxl/svcregistry/query";
pub const REGISTER_EVENT_TOPIC: &str = "/mcafee/event/dxl/svcregistry/register";
pub const UNREGISTER_EVENT_TOPIC: &str = "/mcafee/event/dxl/svcregistry/unregister";

/// The broker id the fabric reports (the id of its `[Brokers]` line).
pub const BROKER_GUID: &str = "local";
/// The broker's default grace after a registration's TTL, in minutes.
const TTL_GRACE_MINS: i64 = 5;

#[derive(Debug, Default)]
pub struct Registry {
    /// (serviceGuid, registration), in registration order.
    services: Vec<(String, Map<String, Value>)>,
}

pub struct RegistryOutcome {
    /// `None`: no answer at all.
    pub reply: Option<Result<String, String>>,
    pub events: Vec<Outgoing>,
}

/// The requester's client id: the message's source id when a broker filled it in, otherwise the
/// tail of its reply topic (`/mcafee/client/<id>`).
fn client_id(request: &Message) -> String {
    if !request.source_client_id.is_empty() {
        return request.source_client_id.clone();
    }
    let reply = request.reply_to_topic();
    reply.strip_prefix("/mcafee/client/").unwrap_or(reply).to_owned()
}

impl Registry {
    fn expire(&mut self, now: i64) {
        self.services.retain(|(_, s)| {
            let ttl = s.get("ttlMins").and_then(Value::as_i64).unwrap_or(60);
            let at = s.get("registrationTime").and_then(Value::as_i64).unwrap_or(now);
            now - at <= (ttl + TTL_GRACE_MINS) * 60
        });
    }
}

/// Answers one registry request.
pub fn handle(registry: &mut Registry, request: &Message, now: i64) -> RegistryOutcome {
    let topic = request.destination_topic.as_str();
    let payload = match parse_payload(&request.payload) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("dxltie-fabric: {topic}: request dropped: {e}");
            return RegistryOutcome {
                reply: None,
                events: Vec::new(),
            };
        }
    };
    registry.expire(now);
    match topic {
        REGISTER_TOPIC => register(registry, request, &payload, now),
        UNREGISTER_TOPIC => {
            let guid = payload.get("serviceGuid").and_then(Value::as_str).unwrap_or("");
            let before = registry.services.len();
            registry.services.retain(|(g, _)| g != guid);
            let events = if registry.services.len() != before {
                vec![(
                    UNREGISTER_EVENT_TOPIC.to_owned(),
                    python_json_dumps(&json!({ "serviceGuid": guid })),
                )]
            } else {
                Vec::new()
            };
            RegistryOutcome {
                reply: Some(Ok(String::new())),
                events,
            }
        }
        QUERY_TOPIC => {
            let by_guid = payload.get("serviceGuid").and_then(Value::as_str);
            let by_type = payload.get("serviceType").and_then(Value::as_str);
            let services: Map<String, Value> = registry
                .services
                .iter()
                .filter(|(g, s)| {
                    by_guid.map_or(true, |want| want == g)
                        && by_type.map_or(true, |want| s.get("serviceType").and_then(Value::as_str) == Some(want))
                })
                .map(|(g, s)| (g.clone(), Value::Object(s.clone())))
                .collect();
            RegistryOutcome {
                reply: Some(Ok(python_json_dumps(&json!({ "services": services })))),
                events: Vec::new(),
            }
        }
        other => RegistryOutcome {
            reply: Some(Err(format!("Unknown topic: {other}"))),
            events: Vec::new(),
        },
    }
}

fn register(registry: &mut Registry, request: &Message, payload: &Value, now: i64) -> RegistryOutcome {
    let Some(guid) = payload
        .get("serviceGuid")
        .and_then(Value::as_str)
        .filter(|g| !g.is_empty())
    else {
        eprintln!("dxltie-fabric: register request without serviceGuid dropped");
        return RegistryOutcome {
            reply: None,
            events: Vec::new(),
        };
    };
    let client = client_id(request);
    let mut record = Map::new();
    record.insert(
        "serviceType".into(),
        payload.get("serviceType").cloned().unwrap_or(json!("")),
    );
    record.insert("serviceGuid".into(), json!(guid));
    record.insert("clientGuid".into(), json!(client));
    record.insert("clientInstanceGuid".into(), json!(client));
    record.insert("brokerGuid".into(), json!(BROKER_GUID));
    record.insert("ttlMins".into(), payload.get("ttlMins").cloned().unwrap_or(json!(60)));
    record.insert("registrationTime".into(), json!(now));
    record.insert(
        "requestChannels".into(),
        payload.get("requestChannels").cloned().unwrap_or(json!([])),
    );
    record.insert("metaData".into(), payload.get("metaData").cloned().unwrap_or(json!({})));
    record.insert("certificates".into(), json!([]));
    record.insert("managed".into(), json!(false));
    let event = python_json_dumps(&Value::Object(record.clone()));
    match registry.services.iter_mut().find(|(g, _)| g == guid) {
        Some((_, existing)) => *existing = record,
        None => registry.services.push((guid.to_owned(), record)),
    }
    RegistryOutcome {
        reply: Some(Ok(String::new())),
        events: vec![(REGISTER_EVENT_TOPIC.to_owned(), event)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(topic: &str, payload: &str) -> Message {
        let mut m = Message::request(topic, payload.as_bytes().to_vec());
        if let dxltie::dxl::MessageKind::Request { reply_to_topic, .. } = &mut m.kind {
            *reply_to_topic = "/mcafee/client/{abc}".to_owned();
        }
        m
    }

    #[test]
    fn register_query_unregister() {
        let mut reg = Registry::default();
        let payload = r#"{"serviceType": "/mycompany/myservice", "metaData": {"version": "1.0"}, "requestChannels": ["/mycompany/myservice/method1"], "ttlMins": 60, "serviceGuid": "{6666}"}"#;
        let out = handle(&mut reg, &request(REGISTER_TOPIC, payload), 1000);
        assert_eq!(out.reply, Some(Ok(String::new())));
        assert_eq!(out.events[0].0, REGISTER_EVENT_TOPIC);
        assert!(out.events[0].1.starts_with(
            r#"{"serviceType": "/mycompany/myservice", "serviceGuid": "{6666}", "clientGuid": "{abc}", "#
        ));

        let out = handle(
            &mut reg,
            &request(QUERY_TOPIC, r#"{"serviceType": "/mycompany/myservice"}"#),
            1001,
        );
        let answer: Value = serde_json::from_str(&out.reply.unwrap().unwrap()).unwrap();
        assert_eq!(
            answer["services"]["{6666}"]["requestChannels"][0],
            "/mycompany/myservice/method1"
        );
        let out = handle(&mut reg, &request(QUERY_TOPIC, r#"{"serviceType": "/other"}"#), 1001);
        assert_eq!(out.reply.unwrap().unwrap(), r#"{"services": {}}"#);

        let out = handle(
            &mut reg,
            &request(UNREGISTER_TOPIC, r#"{"serviceGuid": "{6666}"}"#),
            1002,
        );
        assert_eq!(out.reply, Some(Ok(String::new())));
        assert_eq!(out.events[0].1, r#"{"serviceGuid": "{6666}"}"#);
        let out = handle(
            &mut reg,
            &request(UNREGISTER_TOPIC, r#"{"serviceGuid": "{6666}"}"#),
            1003,
        );
        assert!(out.events.is_empty());
        assert!(handle(&mut reg, &request(REGISTER_TOPIC, "not json"), 1004)
            .reply
            .is_none());
    }

    #[test]
    fn registrations_expire_after_ttl_and_grace() {
        let mut reg = Registry::default();
        let payload =
            r#"{"serviceType": "t", "metaData": {}, "requestChannels": [], "ttlMins": 1, "serviceGuid": "{1}"}"#;
        handle(&mut reg, &request(REGISTER_TOPIC, payload), 0);
        let out = handle(&mut reg, &request(QUERY_TOPIC, "{}"), 6 * 60);
        assert!(out.reply.unwrap().unwrap().contains("{1}"));
        let out = handle(&mut reg, &request(QUERY_TOPIC, "{}"), 6 * 60 + 1);
        assert_eq!(out.reply.unwrap().unwrap(), r#"{"services": {}}"#);
    }
}
