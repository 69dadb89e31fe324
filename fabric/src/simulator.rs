//! The TIE service simulator: a normal DXL client of the fabric (its own certificate, the public
//! `dxltie::dxl::Client`) that answers the six TIE request topics, takes external reports,
//! emits TIE events and answers the DXL service registry.
//!
//! | topic | kind | answer |
//! |---|---|---|
//! | `/mcafee/service/tie/file/reputation` | Request | `{"props": {"serverTime", "submitMetaData": 1}, "reputations": [...]}` |
//! | `/mcafee/service/tie/cert/reputation` | Request | the same; sha1 alone is enough |
//! | `/mcafee/service/tie/file/agents`, `/cert/agents` | Request | `{"agents": [...]}`, or `{}` when the item has none |
//! | `/mcafee/service/tie/file/reputation/set`, `/cert/reputation/set` | Request | empty Response, then a rep-change Event |
//! | `/mcafee/event/external/file/report` | Event | provider 15 reputation stored, then a file rep-change Event |
//! | `/dxltie/fabric/emit` | Request | `{"kind", "count"}` → emits the events, answers `{"emitted": n}` |
//! | `/mcafee/service/dxl/svcregistry/*` | Request | see [`crate::registry`] |
//!
//! Unknown hashes get `ErrorResponse(0, "Could not find reputation")` and malformed requests
//! `ErrorResponse(0, <reason>)`, as the fake services answer. Every JSON payload is written with
//! Python `json.dumps` spacing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dxltie::dxl::{Broker, CallbackKind, Client, ClientConfig, Handle, Handler, Message, PemSource, ServiceInfo};
use dxltie::tie::constants::topics;
use dxltie::tie::{hex_to_base64, python_json_dumps};
use serde_json::{json, Map, Value};

use crate::data;
use crate::pki::{Pki, CA_CERT, SIMULATOR_CERT, SIMULATOR_KEY};
use crate::registry::{self, Registry};
use crate::store::{hash_list, Hash, Store, PUBLIC_KEY_SHA1};

/// The request topic of the fabric's own control service.
pub const EMIT_TOPIC: &str = "/dxltie/fabric/emit";
/// The service type the simulated TIE server registers (the real TIE server's).
pub const TIE_SERVICE_TYPE: &str = "/mcafee/service/tie";
/// The service type of the fabric's control service.
pub const FABRIC_SERVICE_TYPE: &str = "/dxltie/fabric";
/// The most events one emit request may ask for.
pub const MAX_EMIT: u64 = 10_000;

const TIE_REQUEST_TOPICS: [&str; 6] = [
    topics::TIE_GET_FILE_REPUTATION_TOPIC,
    topics::TIE_SET_FILE_REPUTATION_TOPIC,
    topics::TIE_GET_FILE_FIRST_REFS,
    topics::TIE_GET_CERT_REPUTATION_TOPIC,
    topics::TIE_SET_CERT_REPUTATION_TOPIC,
    topics::TIE_GET_CERT_FIRST_REFS,
];

/// Which event an emit asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Detection,
    FirstInstance,
    FileRepChange,
    CertRepChange,
}

impl EventKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "detection" => Some(Self::Detection),
            "first_instance" => Some(Self::FirstInstance),
            "file_repchange" => Some(Self::FileRepChange),
            "cert_repchange" => Some(Self::CertRepChange),
            _ => None,
        }
    }
}

/// Everything the simulator knows; the handlers run one at a time on the client's dispatcher
/// thread, the periodic emitter on its own.
pub struct State {
    pub files: Store,
    pub certs: Store,
    pub registry: Registry,
    turns: [usize; 4],
}

impl State {
    pub fn new() -> Self {
        State {
            files: Store::from_seeds(data::files()),
            certs: Store::from_seeds(data::certs()),
            registry: Registry::default(),
            turns: [0; 4],
        }
    }

    fn turn(&mut self, kind: EventKind, len: usize) -> usize {
        let slot = &mut self.turns[kind as usize];
        let i = *slot % len.max(1);
        *slot = slot.wrapping_add(1);
        i
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

/// An event to publish: topic and payload.
pub type Outgoing = (String, String);

/// What a request handler decided: the reply (payload, or error text) and the events to send
/// after it.
pub struct Outcome {
    pub reply: Result<String, String>,
    pub events: Vec<Outgoing>,
}

impl Outcome {
    fn reply(payload: String) -> Self {
        Outcome {
            reply: Ok(payload),
            events: Vec::new(),
        }
    }
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A request payload as the fakes read it: UTF-8, trailing NULs removed, JSON.
pub fn parse_payload(payload: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(payload).map_err(|e| format!("payload is not UTF-8: {e}"))?;
    serde_json::from_str(text.trim_end_matches('\0')).map_err(|e| format!("payload is not JSON: {e}"))
}

/// Python's `KeyError` text for a missing key.
fn missing(key: &str) -> String {
    format!("'{key}'")
}

fn field<'a>(payload: &'a Value, key: &str) -> Result<&'a Value, String> {
    payload.get(key).ok_or_else(|| missing(key))
}

/// The request's `hashes` list as (type, value) pairs.
fn parse_hashes(payload: &Value) -> Result<Vec<Hash>, String> {
    let list = field(payload, "hashes")?.as_array().ok_or("'hashes' is not a list")?;
    list.iter()
        .map(|h| {
            let text = |key: &str| -> Result<String, String> {
                let v = h.get(key).ok_or_else(|| missing(key))?;
                Ok(v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
            };
            Ok((text("type")?, text("value")?))
        })
        .collect()
}

/// The request's top-level `publicKeySha1`, when present and not empty.
fn public_key(payload: &Value) -> Option<String> {
    payload
        .get(PUBLIC_KEY_SHA1)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn with_public_key(mut hashes: Vec<Hash>, payload: &Value) -> Vec<Hash> {
    if let Some(pk) = public_key(payload) {
        hashes.push((PUBLIC_KEY_SHA1.to_owned(), pk));
    }
    hashes
}

const NOT_FOUND: &str = "Could not find reputation";

/// Handles one TIE request; `topic` says which.
pub fn handle_tie_request(state: &mut State, topic: &str, payload: &[u8]) -> Outcome {
    match tie_request(state, topic, payload) {
        Ok(outcome) => outcome,
        Err(message) => Outcome {
            reply: Err(message),
            events: Vec::new(),
        },
    }
}

fn reputations_reply(reputations: &[Value]) -> String {
    let mut doc = Map::new();
    doc.insert("props".into(), json!({"serverTime": now(), "submitMetaData": 1}));
    if !reputations.is_empty() {
        doc.insert("reputations".into(), Value::Array(reputations.to_vec()));
    }
    python_json_dumps(&Value::Object(doc))
}

fn agents_reply(agents: &Option<Value>) -> String {
    match agents {
        Some(list) => python_json_dumps(&json!({ "agents": list })),
        None => "{}".to_owned(),
    }
}

fn tie_request(state: &mut State, topic: &str, payload: &[u8]) -> Result<Outcome, String> {
    let request = parse_payload(payload)?;
    match topic {
        topics::TIE_GET_FILE_REPUTATION_TOPIC => {
            let idx = state.files.find(&parse_hashes(&request)?).ok_or(NOT_FOUND)?;
            Ok(Outcome::reply(reputations_reply(&state.files.item(idx).reputations)))
        }
        topics::TIE_GET_CERT_REPUTATION_TOPIC => {
            let hashes = with_public_key(parse_hashes(&request)?, &request);
            let idx = state.certs.find(&hashes).ok_or(NOT_FOUND)?;
            Ok(Outcome::reply(reputations_reply(&state.certs.item(idx).reputations)))
        }
        topics::TIE_GET_FILE_FIRST_REFS => {
            let idx = state.files.find(&parse_hashes(&request)?).ok_or(NOT_FOUND)?;
            Ok(Outcome::reply(agents_reply(&state.files.item(idx).agents)))
        }
        topics::TIE_GET_CERT_FIRST_REFS => {
            let hashes = with_public_key(parse_hashes(&request)?, &request);
            let idx = state.certs.find(&hashes).ok_or(NOT_FOUND)?;
            Ok(Outcome::reply(agents_reply(&state.certs.item(idx).agents)))
        }
        topics::TIE_SET_FILE_REPUTATION_TOPIC => {
            let hashes = parse_hashes(&request)?;
            if hashes.is_empty() {
                return Err("No hashes specified".into());
            }
            let trust = field(&request, "trustLevel")?.clone();
            let provider = field(&request, "providerId")?.clone();
            let name = request.get("filename").and_then(Value::as_str).unwrap_or("");
            let change = state.files.set(&hashes, &provider, &trust, now(), name);
            let comment = request.get("comment").and_then(Value::as_str).unwrap_or("");
            state.files.set_comment(change.item, comment);
            let event = file_repchange(
                &state.files,
                change.item,
                field(&request, "hashes")?.clone(),
                change.old,
                change.new,
            );
            Ok(Outcome {
                reply: Ok(String::new()),
                events: vec![event],
            })
        }
        topics::TIE_SET_CERT_REPUTATION_TOPIC => {
            let sent = parse_hashes(&request)?;
            if sent.is_empty() {
                return Err("No hashes specified".into());
            }
            let hashes = with_public_key(sent.clone(), &request);
            let trust = field(&request, "trustLevel")?.clone();
            let provider = field(&request, "providerId")?.clone();
            let change = state.certs.set(&hashes, &provider, &trust, now(), "");
            let comment = request.get("comment").and_then(Value::as_str).unwrap_or("");
            state.certs.set_comment(change.item, comment);
            // The real TIE shape: the public key at top level, not in the hashes.
            let listed: Vec<Hash> = sent.into_iter().filter(|(t, _)| t != PUBLIC_KEY_SHA1).collect();
            let event = cert_repchange(&state.certs, change.item, hash_list(&listed), change.old, change.new);
            Ok(Outcome {
                reply: Ok(String::new()),
                events: vec![event],
            })
        }
        other => Err(format!("Unknown topic: {other}")),
    }
}

fn file_repchange(store: &Store, idx: usize, hashes: Value, old: Vec<Value>, new: Vec<Value>) -> Outgoing {
    let mut doc = Map::new();
    doc.insert("hashes".into(), hashes);
    doc.insert("oldReputations".into(), json!({ "reputations": old }));
    doc.insert("newReputations".into(), json!({ "reputations": new }));
    doc.insert("updateTime".into(), json!(now()));
    if let Some(rel) = &store.item(idx).relationships {
        doc.insert("relationships".into(), rel.clone());
    }
    (
        topics::TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC.to_owned(),
        python_json_dumps(&Value::Object(doc)),
    )
}

fn cert_repchange(store: &Store, idx: usize, hashes: Value, old: Vec<Value>, new: Vec<Value>) -> Outgoing {
    let mut doc = Map::new();
    doc.insert("hashes".into(), hashes);
    doc.insert("oldReputations".into(), json!({ "reputations": old }));
    doc.insert("newReputations".into(), json!({ "reputations": new }));
    doc.insert("updateTime".into(), json!(now()));
    if let Some(pk) = store.item(idx).public_key_sha1() {
        doc.insert(PUBLIC_KEY_SHA1.into(), json!(pk));
    }
    (
        topics::TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC.to_owned(),
        python_json_dumps(&Value::Object(doc)),
    )
}

/// An external report (`set_external_file_reputation`): stores the provider's (15) reputation on
/// the item the hex hashes name, creating the item when they name none. Returns the file
/// rep-change event to send.
pub fn handle_external_report(state: &mut State, payload: &[u8]) -> Result<Outgoing, String> {
    let report = parse_payload(payload)?;
    let file = field(&report, "file")?;
    let hex_hashes = field(file, "hashes")?
        .as_object()
        .ok_or("'file.hashes' is not an object")?;
    let mut hashes = Vec::new();
    for (kind, hex) in hex_hashes {
        let hex = hex.as_str().ok_or_else(|| format!("hash {kind} is not a string"))?;
        let b64 = hex_to_base64(hex).map_err(|e| format!("hash {kind}: {e}"))?;
        hashes.push((kind.clone(), b64));
    }
    if hashes.is_empty() {
        return Err("File hashes were not specified".into());
    }
    let score = field(field(file, "reputation")?, "score")?.clone();
    let provider = report
        .get("provider")
        .and_then(|p| p.get("id"))
        .cloned()
        .unwrap_or(json!(15));
    let name = file
        .get("attributes")
        .and_then(|a| a.get("filename"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let change = state.files.set(&hashes, &provider, &score, now(), name);
    if let Some(comment) = report.get("comment").and_then(Value::as_str) {
        state.files.set_comment(change.item, comment);
    }
    Ok(file_repchange(
        &state.files,
        change.item,
        hash_list(&hashes),
        change.old,
        change.new,
    ))
}

/// Builds `count` events of `kind` (the detection and first-instance `agentGuid` is the event's
/// message id, as in the fake services' samples). Rep-change events re-broadcast an item's
/// current reputations (old = new), cycling through the items.
pub fn make_events(state: &mut State, kind: EventKind, count: u64) -> Vec<Message> {
    let mut out = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let message = match kind {
            EventKind::Detection => {
                let samples = data::detection_samples();
                let (name, hashes, local_rep) = &samples[state.turn(kind, samples.len())];
                let mut m = Message::event(topics::TIE_EVENT_FILE_DETECTION_TOPIC, Vec::new());
                let doc = json!({
                    "agentGuid": m.message_id,
                    "detectionTime": now(),
                    "hashes": seed_hash_list(hashes),
                    "localReputation": local_rep,
                    "name": name,
                    "remediationAction": 5,
                });
                m.payload = python_json_dumps(&doc).into_bytes();
                m
            }
            EventKind::FirstInstance => {
                let samples = data::first_instance_samples();
                let (name, hashes) = &samples[state.turn(kind, samples.len())];
                let mut m = Message::event(topics::TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC, Vec::new());
                let doc = json!({
                    "agentGuid": m.message_id,
                    "hashes": seed_hash_list(hashes),
                    "name": name,
                });
                m.payload = python_json_dumps(&doc).into_bytes();
                m
            }
            EventKind::FileRepChange => {
                let idx = state.turn(kind, state.files.items().len());
                let item = state.files.item(idx);
                let reps = item.reputations.clone();
                let (topic, payload) = file_repchange(&state.files, idx, item.hash_list(), reps.clone(), reps);
                Message::event(&topic, payload)
            }
            EventKind::CertRepChange => {
                let idx = state.turn(kind, state.certs.items().len());
                let item = state.certs.item(idx);
                let reps = item.reputations.clone();
                let (topic, payload) = cert_repchange(&state.certs, idx, item.hash_list(), reps.clone(), reps);
                Message::event(&topic, payload)
            }
        };
        out.push(message);
    }
    out
}

fn seed_hash_list(hashes: &[(&str, &str)]) -> Value {
    Value::Array(hashes.iter().map(|(t, v)| json!({"type": t, "value": v})).collect())
}

/// An emit request: `{"kind": ..., "count": n}` (count 1 when absent).
pub fn parse_emit(payload: &[u8]) -> Result<(EventKind, u64), String> {
    let request = parse_payload(payload)?;
    let kind_text = field(&request, "kind")?.as_str().ok_or("'kind' is not a string")?;
    let kind = EventKind::parse(kind_text).ok_or_else(|| {
        format!("Unknown kind: {kind_text} (detection, first_instance, file_repchange or cert_repchange)")
    })?;
    let count = match request.get("count") {
        None => 1,
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= MAX_EMIT)
            .ok_or_else(|| format!("'count' must be an integer from 0 to {MAX_EMIT}"))?,
    };
    Ok((kind, count))
}

/// The running simulator: its DXL client and the periodic emitter.
pub struct Simulator {
    client: Option<Client>,
    stop: Option<mpsc::Sender<()>>,
    periodic: Option<JoinHandle<()>>,
    pub requests: Arc<AtomicU64>,
}

fn send_all(handle: &Handle, events: &[Message]) -> usize {
    let mut sent = 0;
    for event in events {
        match handle.send_event(event) {
            Ok(()) => sent += 1,
            Err(e) => eprintln!(
                "dxltie-fabric: cannot send an event on {}: {e}",
                event.destination_topic
            ),
        }
    }
    sent
}

fn reply(handle: &Handle, request: &Message, outcome: Result<String, String>) {
    let response = match outcome {
        Ok(payload) => Message::response_to(request, payload),
        Err(message) => Message::error_response_to(request, 0, &message),
    };
    if let Err(e) = handle.send_response(&response) {
        eprintln!(
            "dxltie-fabric: cannot answer a request on {}: {e}",
            request.destination_topic
        );
    }
}

/// The simulator's client configuration: its own certificate, the one local broker.
pub fn client_config(pki: &Pki, port: u16) -> Result<ClientConfig, String> {
    let mut config = ClientConfig::new(
        PemSource::File(pki.path(CA_CERT)),
        PemSource::File(pki.path(SIMULATOR_CERT)),
        PemSource::File(pki.path(SIMULATOR_KEY)),
    );
    config.brokers = vec![Broker::parse_config_line(&format!("local;{port};127.0.0.1"))?];
    config.client_id = format!("{{dxltie-fabric-simulator-{}}}", std::process::id());
    config.incoming_queue_size = 10_000;
    Ok(config)
}

impl Simulator {
    /// Connects the simulator to the broker on `port` and starts answering. Returns once every
    /// subscription is confirmed, so requests sent afterwards are answered.
    pub fn start(
        pki: &Pki,
        port: u16,
        events_every: Option<Duration>,
        verbose: bool,
        connect_timeout: Duration,
    ) -> Result<Simulator, String> {
        let state = Arc::new(Mutex::new(State::new()));
        let requests = Arc::new(AtomicU64::new(0));
        let client = Client::new(client_config(pki, port)?).map_err(|e| e.to_string())?;

        // The service registry (answered by the broker on a real DXL fabric).
        for topic in [
            registry::REGISTER_TOPIC,
            registry::UNREGISTER_TOPIC,
            registry::QUERY_TOPIC,
        ] {
            let state = state.clone();
            let handler: Handler = Arc::new(move |handle: &Handle, request: &Message| {
                if verbose {
                    eprintln!("dxltie-fabric: request on {}", request.destination_topic);
                }
                let outcome = registry::handle(&mut state.lock().unwrap().registry, request, now());
                if let Some(reply_payload) = outcome.reply {
                    reply(handle, request, reply_payload);
                }
                for (topic, payload) in outcome.events {
                    send_all(handle, &[Message::event(&topic, payload)]);
                }
            });
            client
                .add_callback(CallbackKind::Request, topic, handler, true)
                .map_err(|e| e.to_string())?;
        }

        // The six TIE request topics, as one registered service.
        let tie_state = state.clone();
        let counter = requests.clone();
        let tie_handler: Handler = Arc::new(move |handle: &Handle, request: &Message| {
            counter.fetch_add(1, Ordering::Relaxed);
            if verbose {
                eprintln!("dxltie-fabric: request on {}", request.destination_topic);
            }
            let outcome = {
                let mut state = tie_state.lock().unwrap();
                let outcome = handle_tie_request(&mut state, &request.destination_topic, &request.payload);
                if verbose {
                    if let Err(e) = &outcome.reply {
                        eprintln!("dxltie-fabric: answered ErrorResponse(0, {e:?})");
                    }
                    for (topic, _) in &outcome.events {
                        let keys: Vec<&str> = state
                            .files
                            .items()
                            .iter()
                            .chain(state.certs.items())
                            .map(|i| i.key.as_str())
                            .collect();
                        eprintln!("dxltie-fabric: event on {topic}; items: {}", keys.join(" "));
                    }
                }
                outcome
            };
            reply(handle, request, outcome.reply);
            let events: Vec<Message> = outcome
                .events
                .iter()
                .map(|(t, p)| Message::event(t, p.clone()))
                .collect();
            send_all(handle, &events);
        });
        let mut tie_service = ServiceInfo::new(TIE_SERVICE_TYPE, &TIE_REQUEST_TOPICS);
        tie_service.metadata = vec![("simulator".to_owned(), "dxltie-fabric".to_owned())];
        client
            .register_service(tie_service, tie_handler)
            .map_err(|e| e.to_string())?;

        // External reports.
        let report_state = state.clone();
        let report_handler: Handler = Arc::new(move |handle: &Handle, event: &Message| {
            if verbose {
                eprintln!("dxltie-fabric: event on {}", event.destination_topic);
            }
            let outcome = {
                let mut state = report_state.lock().unwrap();
                handle_external_report(&mut state, &event.payload)
            };
            match outcome {
                Ok((topic, payload)) => {
                    send_all(handle, &[Message::event(&topic, payload)]);
                }
                Err(e) => eprintln!("dxltie-fabric: external report ignored: {e}"),
            }
        });
        client
            .add_callback(
                CallbackKind::Event,
                topics::TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC,
                report_handler,
                true,
            )
            .map_err(|e| e.to_string())?;

        // The control service: emit events on request.
        let emit_state = state.clone();
        let emit_handler: Handler = Arc::new(move |handle: &Handle, request: &Message| {
            if verbose {
                eprintln!("dxltie-fabric: request on {}", request.destination_topic);
            }
            match parse_emit(&request.payload) {
                Ok((kind, count)) => {
                    let events = make_events(&mut emit_state.lock().unwrap(), kind, count);
                    let sent = send_all(handle, &events);
                    reply(handle, request, Ok(python_json_dumps(&json!({ "emitted": sent }))));
                }
                Err(e) => reply(handle, request, Err(e)),
            }
        });
        client
            .register_service(ServiceInfo::new(FABRIC_SERVICE_TYPE, &[EMIT_TOPIC]), emit_handler)
            .map_err(|e| e.to_string())?;

        client
            .connect(connect_timeout)
            .map_err(|e| format!("the simulator cannot connect: {e}"))?;

        let mut simulator = Simulator {
            client: Some(client),
            stop: None,
            periodic: None,
            requests,
        };
        if let Some(period) = events_every.filter(|p| !p.is_zero()) {
            let (stop_tx, stop_rx) = mpsc::channel::<()>();
            let handle = simulator.client.as_ref().unwrap().handle().clone();
            let periodic = std::thread::Builder::new()
                .name("dxltie-fabric-events".into())
                .spawn(move || {
                    while let Err(mpsc::RecvTimeoutError::Timeout) = stop_rx.recv_timeout(period) {
                        let events = {
                            let mut state = state.lock().unwrap();
                            let mut events = make_events(&mut state, EventKind::Detection, 1);
                            events.extend(make_events(&mut state, EventKind::FirstInstance, 1));
                            events
                        };
                        send_all(&handle, &events);
                    }
                })
                .map_err(|e| format!("cannot start the event thread: {e}"))?;
            simulator.stop = Some(stop_tx);
            simulator.periodic = Some(periodic);
        }
        Ok(simulator)
    }

    /// Stops the periodic events and disconnects.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.periodic.take() {
            let _ = t.join();
        }
        if let Some(client) = self.client.take() {
            let _ = client.close();
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(state: &mut State, topic: &str, payload: &str) -> Outcome {
        handle_tie_request(state, topic, payload.as_bytes())
    }

    const NOTEPAD: &str = r#"[{"type": "md5", "value": "8se7isyX+S6Yei1Ah9AhsQ=="}, {"type": "sha1", "value": "frATnSF1c5s8yw0REAZ4IL5qvSk="}, {"type": "sha256", "value": "FC4daI7wVoNww3GH/Z8jUdfd7aV0+L+psPpO9C24WqI="}]"#;

    #[test]
    fn get_file_reputation_answers_as_the_fake_services() {
        let mut state = State::new();
        let out = request(
            &mut state,
            topics::TIE_GET_FILE_REPUTATION_TOPIC,
            &format!(r#"{{"hashes": {NOTEPAD}, "scanType": 3}}"#),
        );
        let text = out.reply.unwrap();
        let expected_tail = r#", "submitMetaData": 1}, "reputations": [{"attributes": {"2120340": "2139160704"}, "createDate": 1451502875, "providerId": 1, "trustLevel": 99}, {"attributes": {"2101652": "17", "2102165": "1451502875", "2111893": "21", "2114965": "0", "2139285": "72339069014638857"}, "createDate": 1451502875, "providerId": 3, "trustLevel": 0}]}"#;
        assert!(text.starts_with(r#"{"props": {"serverTime": "#), "{text}");
        assert!(text.ends_with(expected_tail), "{text}");
    }

    #[test]
    fn unknown_and_mixed_hashes_are_not_found() {
        let mut state = State::new();
        let unknown = r#"{"hashes": [{"type": "md5", "value": "ABEiM0RVZneImaq7zN3u/w=="}], "scanType": 3}"#;
        let out = request(&mut state, topics::TIE_GET_FILE_REPUTATION_TOPIC, unknown);
        assert_eq!(out.reply.unwrap_err(), "Could not find reputation");
        let mixed = r#"{"hashes": [{"type": "md5", "value": "8se7isyX+S6Yei1Ah9AhsQ=="}, {"type": "sha1", "value": "M5WFbOgfK3OC3ucmAveYtkLxQUA="}]}"#;
        let out = request(&mut state, topics::TIE_GET_FILE_REPUTATION_TOPIC, mixed);
        assert_eq!(out.reply.unwrap_err(), "Could not find reputation");
        let out = request(&mut state, topics::TIE_GET_FILE_REPUTATION_TOPIC, "{}");
        assert_eq!(out.reply.unwrap_err(), "'hashes'");
    }

    #[test]
    fn set_file_then_get_and_event_with_relationships() {
        let mut state = State::new();
        let set = format!(
            r#"{{"trustLevel": 1, "providerId": 3, "filename": "notepad.exe", "comment": "bad", "hashes": {NOTEPAD}}}"#
        );
        let out = request(&mut state, topics::TIE_SET_FILE_REPUTATION_TOPIC, &set);
        assert_eq!(out.reply.unwrap(), "");
        assert_eq!(out.events.len(), 1);
        let (topic, payload) = &out.events[0];
        assert_eq!(topic, topics::TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC);
        let event: Value = serde_json::from_str(payload).unwrap();
        let keys: Vec<&str> = event.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "hashes",
                "oldReputations",
                "newReputations",
                "updateTime",
                "relationships"
            ]
        );
        assert_eq!(event["oldReputations"]["reputations"][1]["trustLevel"], 0);
        assert_eq!(event["newReputations"]["reputations"][1]["trustLevel"], 1);
        assert_eq!(
            event["relationships"]["certificate"]["publicKeySha1"],
            "Q139Rw9ydDfHy08Hy6H5ofQnJlY="
        );
        let get = format!(r#"{{"hashes": {NOTEPAD}, "scanType": 3}}"#);
        let out = request(&mut state, topics::TIE_GET_FILE_REPUTATION_TOPIC, &get);
        let reply: Value = serde_json::from_str(&out.reply.unwrap()).unwrap();
        let reps = reply["reputations"].as_array().unwrap();
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[1]["providerId"], 3);
        assert_eq!(reps[1]["trustLevel"], 1);
    }

    #[test]
    fn cert_get_by_sha1_alone_and_set_event_has_top_level_public_key() {
        let mut state = State::new();
        let by_sha1 = r#"{"hashes": [{"type": "sha1", "value": "bq4m24wTGCp5R5gpkbQyFzLMPeI="}]}"#;
        let out = request(&mut state, topics::TIE_GET_CERT_REPUTATION_TOPIC, by_sha1);
        let reply: Value = serde_json::from_str(&out.reply.unwrap()).unwrap();
        assert_eq!(reply["reputations"][0]["providerId"], 2);
        let wrong_pk = r#"{"hashes": [{"type": "sha1", "value": "bq4m24wTGCp5R5gpkbQyFzLMPeI="}], "publicKeySha1": "r1W/EdmDdcvulhvXHAj0e8GqGTc="}"#;
        let out = request(&mut state, topics::TIE_GET_CERT_REPUTATION_TOPIC, wrong_pk);
        assert_eq!(out.reply.unwrap_err(), NOT_FOUND);

        let set = r#"{"trustLevel": 99, "providerId": 4, "comment": "Reputation set via OpenDXL", "hashes": [{"type": "sha1", "value": "bq4m24wTGCp5R5gpkbQyFzLMPeI="}], "publicKeySha1": "O4ei1vOXcBYDZLeaFS/Mc7riet8="}"#;
        let out = request(&mut state, topics::TIE_SET_CERT_REPUTATION_TOPIC, set);
        assert_eq!(out.reply.unwrap(), "");
        let (topic, payload) = &out.events[0];
        assert_eq!(topic, topics::TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC);
        assert!(payload.starts_with(
            r#"{"hashes": [{"type": "sha1", "value": "bq4m24wTGCp5R5gpkbQyFzLMPeI="}], "oldReputations": "#
        ));
        assert!(
            payload.ends_with(r#", "publicKeySha1": "O4ei1vOXcBYDZLeaFS/Mc7riet8="}"#),
            "{payload}"
        );
        let out = request(&mut state, topics::TIE_GET_CERT_REPUTATION_TOPIC, by_sha1);
        let reply: Value = serde_json::from_str(&out.reply.unwrap()).unwrap();
        assert_eq!(reply["reputations"][1]["trustLevel"], 99);
    }

    #[test]
    fn first_references() {
        let mut state = State::new();
        let get = format!(r#"{{"queryLimit": 500, "hashes": {NOTEPAD}}}"#);
        let out = request(&mut state, topics::TIE_GET_FILE_FIRST_REFS, &get);
        assert!(out.reply.unwrap().starts_with(
            r#"{"agents": [{"agentGuid": "{3a6f574a-3e6f-436d-acd4-bcde336b054d}", "date": 1475873692}, "#
        ));
        let eicar = r#"{"queryLimit": 500, "hashes": [{"type": "md5", "value": "RNiGEv6oqPNt6C4SeKuwLw=="}]}"#;
        let out = request(&mut state, topics::TIE_GET_FILE_FIRST_REFS, eicar);
        assert_eq!(out.reply.unwrap(), "{}");
        let cert = r#"{"queryLimit": 500, "hashes": [{"type": "sha1", "value": "bq4m24wTGCp5R5gpkbQyFzLMPeI="}], "publicKeySha1": "O4ei1vOXcBYDZLeaFS/Mc7riet8="}"#;
        let out = request(&mut state, topics::TIE_GET_CERT_FIRST_REFS, cert);
        assert_eq!(
            out.reply.unwrap(),
            r#"{"agents": [{"agentGuid": "{3a6f574a-3e6f-436d-acd4-bcde336b054d}", "date": 1475873692}, {"agentGuid": "{68125cd6-a5d8-11e6-348e-000c29663178}", "date": 1478626172}]}"#
        );
    }

    #[test]
    fn external_report_stores_provider_15_and_creates_unknown_files() {
        let mut state = State::new();
        let report = r#"{"file": {"type": 18, "hashes": {"md5": "f2c7bb8acc97f92e987a2d4087d021b1", "sha1": "7eb0139d2175739b3ccb0d1110067820be6abd29", "sha256": "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"}, "attributes": {"filename": "notepad.exe"}, "reputation": {"score": 99}}, "provider": {"id": 15}, "comment": "x"}"#;
        let (topic, _) = handle_external_report(&mut state, report.as_bytes()).unwrap();
        assert_eq!(topic, topics::TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC);
        let rep = state.files.item(0).reputations.last().unwrap().clone();
        assert_eq!(
            serde_json::to_string(&rep)
                .unwrap()
                .split(",\"createDate\"")
                .next()
                .unwrap(),
            r#"{"attributes":{},"providerId":15,"trustLevel":99"#
        );
        let unknown = r#"{"file": {"type": 0, "hashes": {"md5": "00112233445566778899aabbccddeeff"}, "attributes": {"filename": ""}, "reputation": {"score": 50}}, "provider": {"id": 15}, "comment": ""}"#;
        handle_external_report(&mut state, unknown.as_bytes()).unwrap();
        let get = r#"{"hashes": [{"type": "md5", "value": "ABEiM0RVZneImaq7zN3u/w=="}], "scanType": 3}"#;
        let out = request(&mut state, topics::TIE_GET_FILE_REPUTATION_TOPIC, get);
        let reply: Value = serde_json::from_str(&out.reply.unwrap()).unwrap();
        assert_eq!(reply["reputations"][0]["providerId"], 15);
        assert!(handle_external_report(&mut state, br#"{"file": {"hashes": {"md5": "zz"}}}"#).is_err());
    }

    #[test]
    fn emitted_events_have_the_raw_tie_shape() {
        let mut state = State::new();
        let events = make_events(&mut state, EventKind::Detection, 2);
        let first: Value = serde_json::from_slice(&events[0].payload).unwrap();
        let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "agentGuid",
                "detectionTime",
                "hashes",
                "localReputation",
                "name",
                "remediationAction"
            ]
        );
        assert_eq!(first["agentGuid"], events[0].message_id.as_str());
        assert_eq!(first["hashes"][0]["value"], "614rncUYF6CG17l+tSQQqw==");
        assert_eq!(first["name"], "FOCUS_MALWARE2.EXE");
        let text = String::from_utf8(events[0].payload.clone()).unwrap();
        assert!(text.contains(r#", "localReputation": 1, "name": "FOCUS_MALWARE2.EXE", "remediationAction": 5}"#));
        let second: Value = serde_json::from_slice(&events[1].payload).unwrap();
        assert_eq!(second["name"], "EICAR.COM");

        let fi = make_events(&mut state, EventKind::FirstInstance, 1);
        let fi: Value = serde_json::from_slice(&fi[0].payload).unwrap();
        assert_eq!(fi["name"], "MORPH.EXE");
        let certs = make_events(&mut state, EventKind::CertRepChange, 1);
        let cert: Value = serde_json::from_slice(&certs[0].payload).unwrap();
        assert_eq!(cert["publicKeySha1"], "O4ei1vOXcBYDZLeaFS/Mc7riet8=");
        assert_eq!(cert["hashes"].as_array().unwrap().len(), 1);
        assert_eq!(
            parse_emit(br#"{"kind": "detection", "count": 3}"#).unwrap(),
            (EventKind::Detection, 3)
        );
        assert!(parse_emit(br#"{"kind": "nope"}"#).is_err());
        assert!(parse_emit(br#"{"kind": "detection", "count": -1}"#).is_err());
    }
}
