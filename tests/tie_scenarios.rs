//! The `scenario_mock_*` and `fakesvc_*` vectors replayed over a real broker.
//!
//! Each vector records a flow run with the real Python `dxltieclient` against the upstream mock
//! TIE server or the fake TIE services: the method calls, every request the client sent (exact
//! payload text), every answer the service gave (response, error response, silence) and the
//! rep-change events it published. Here a replaying responder on mosquitto checks that our
//! `TieClient` sends byte-identical requests, answers with the recorded answers, publishes the
//! recorded events, and the test compares what our client returns and what its rep-change
//! callback receives with what Python got.

mod support;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dxltie::dxl::{CallbackKind, Client, Handle, Message};
use dxltie::tie::{EventKind, TieClient, TieError, TieEvent};
use serde_json::Value;
use support::{Mosquitto, MosquittoOptions, Pki};

const REQUEST_TOPICS: [&str; 7] = [
    "/mcafee/service/tie/file/reputation",
    "/mcafee/service/tie/file/reputation/set",
    "/mcafee/service/tie/file/agents",
    "/mcafee/service/tie/cert/reputation",
    "/mcafee/service/tie/cert/reputation/set",
    "/mcafee/service/tie/cert/agents",
    "/mcafee/event/external/file/report",
];

fn vector_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors/tie"))
}

fn load(name: &str, part: &str) -> Value {
    let path = vector_dir().join(format!("{name}.{part}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn scenario_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(vector_dir())
        .expect("../shared/vectors/tie")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".input.json")?;
            (stem.starts_with("scenario_") || stem.starts_with("fakesvc_")).then(|| stem.to_owned())
        })
        .collect();
    names.sort();
    names
}

/// What the replaying responder does for one request, in recorded order.
enum Answer {
    Response(String),
    Error(i64, String),
    Silence,
}

/// One recorded exchange: the exact request text, the answer and the events that followed it.
struct Exchange {
    topic: String,
    payload_text: String,
    answer: Option<Answer>,
    events_after: Vec<(String, String)>,
}

fn exchanges(log: &[Value]) -> VecDeque<Exchange> {
    let mut out: VecDeque<Exchange> = VecDeque::new();
    for entry in log {
        match entry["kind"].as_str().unwrap() {
            "request" => out.push_back(Exchange {
                topic: entry["topic"].as_str().unwrap().into(),
                payload_text: entry["payload_text"].as_str().unwrap().into(),
                answer: None,
                events_after: Vec::new(),
            }),
            "response" => {
                out.back_mut().unwrap().answer = Some(Answer::Response(entry["payload_text"].as_str().unwrap().into()))
            }
            "error_response" => {
                out.back_mut().unwrap().answer = Some(Answer::Error(
                    entry["error_code"].as_i64().unwrap(),
                    entry["error_message"].as_str().unwrap().into(),
                ))
            }
            "timeout" => out.back_mut().unwrap().answer = Some(Answer::Silence),
            "event" => {
                let topic = entry["topic"].as_str().unwrap().to_owned();
                let text = entry["payload_text"].as_str().unwrap().to_owned();
                if topic == "/mcafee/event/external/file/report" {
                    // Sent by the client itself: checked like a request, nothing to answer.
                    out.push_back(Exchange {
                        topic,
                        payload_text: text,
                        answer: Some(Answer::Silence),
                        events_after: Vec::new(),
                    });
                } else if let Some(last) = out.back_mut() {
                    last.events_after.push((topic, text));
                }
            }
            _ => {}
        }
    }
    out
}

/// Starts a responder that answers from the recording and reports every mismatch.
fn replaying_responder(broker: &Mosquitto, pki: &Pki, script: VecDeque<Exchange>) -> (Client, Arc<Mutex<Vec<String>>>) {
    let mut config = broker.client_config(pki);
    config.client_id = dxltie::dxl::message::new_id();
    let responder = Client::new(config).unwrap();
    responder.connect(Duration::from_secs(10)).unwrap();
    let script = Arc::new(Mutex::new(script));
    let problems = Arc::new(Mutex::new(Vec::new()));
    for topic in REQUEST_TOPICS {
        let script = script.clone();
        let problems = problems.clone();
        let kind = if topic.starts_with("/mcafee/event/") {
            CallbackKind::Event
        } else {
            CallbackKind::Request
        };
        responder
            .add_callback(
                kind,
                topic,
                Arc::new(move |h: &Handle, m: &Message| {
                    let Some(exchange) = script.lock().unwrap().pop_front() else {
                        problems
                            .lock()
                            .unwrap()
                            .push(format!("unexpected message on {}", m.destination_topic));
                        return;
                    };
                    let text = String::from_utf8_lossy(&m.payload).into_owned();
                    if exchange.topic != m.destination_topic || exchange.payload_text != text {
                        problems.lock().unwrap().push(format!(
                            "request differs:\n  ours:   {} {text}\n  python: {} {}",
                            m.destination_topic, exchange.topic, exchange.payload_text
                        ));
                    }
                    match exchange.answer {
                        Some(Answer::Response(payload)) => {
                            h.send_response(&Message::response_to(m, payload.into_bytes())).unwrap()
                        }
                        Some(Answer::Error(code, message)) => {
                            h.send_response(&Message::error_response_to(m, code, &message)).unwrap()
                        }
                        Some(Answer::Silence) | None => {}
                    }
                    for (topic, payload) in exchange.events_after {
                        h.send_event(&Message::event(&topic, payload.into_bytes())).unwrap();
                    }
                }),
                true,
            )
            .unwrap();
    }
    (responder, problems)
}

fn hashes(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// Runs one recorded call on our client; the result as the vector records it. Arguments come
/// by position or by Python keyword.
fn call(client: &TieClient, step: &Value) -> Result<Value, TieError> {
    let args = step["args"].as_array().unwrap();
    let kwargs = &step["kwargs"];
    let arg = |name: &str, pos: usize| kwargs.get(name).or_else(|| args.get(pos)).filter(|v| !v.is_null());
    let text = |name: &str, pos: usize| arg(name, pos).and_then(Value::as_str).unwrap_or("").to_owned();
    let opt = |name: &str, pos: usize| Some(text(name, pos)).filter(|s| !s.is_empty());
    let int = |name: &str, pos: usize, default: i64| arg(name, pos).and_then(Value::as_i64).unwrap_or(default);
    let hash_arg = |pos: usize| hashes(arg("hashes", pos).expect("hashes"));
    // The recorded timeouts took Python's 30 s; ours waits less, the outcome is the same.
    let timeout = Duration::from_secs(3);
    match step["method"].as_str().unwrap() {
        "get_file_reputation" => client.get_file_reputation(&pairs(&hash_arg(0)), timeout),
        "set_file_reputation" => client
            .set_file_reputation(
                int("trust_level", 0, 0),
                &pairs(&hash_arg(1)),
                &text("filename", 2),
                &text("comment", 3),
                timeout,
            )
            .map(|_| Value::Null),
        "get_file_first_references" => {
            client.get_file_first_references(&pairs(&hash_arg(0)), int("query_limit", 1, 500), timeout)
        }
        "set_external_file_reputation" => client
            .set_external_file_reputation(
                int("trust_level", 0, 0),
                &pairs(&hash_arg(1)),
                int("file_type", 2, 0) as u64,
                &text("filename", 3),
                &text("comment", 4),
            )
            .map(|_| Value::Null),
        "get_certificate_reputation" => {
            client.get_certificate_reputation(&text("sha1", 0), opt("public_key_sha1", 1).as_deref(), timeout)
        }
        "set_certificate_reputation" => client
            .set_certificate_reputation(
                int("trust_level", 0, 0),
                &text("sha1", 1),
                opt("public_key_sha1", 2).as_deref(),
                &text("comment", 3),
                timeout,
            )
            .map(|_| Value::Null),
        "get_certificate_first_references" => client.get_certificate_first_references(
            &text("sha1", 0),
            opt("public_key_sha1", 1).as_deref(),
            int("query_limit", 2, 500),
            timeout,
        ),
        other => panic!("unknown method {other}"),
    }
}

/// The Python error text of a result, with the message id of a timeout replaced.
fn python_error_text(e: &TieError) -> String {
    match e {
        TieError::Timeout(_) => "Timeout waiting for response to message: <message_id>".into(),
        other => other.to_string(),
    }
}

/// Python's int-keyed providerId maps come through JSON with string keys, as ours are.
fn run_scenario(name: &str, broker: &Mosquitto, pki: &Pki) -> Vec<String> {
    let input = load(name, "input");
    let expected = load(name, "expected");
    let (responder, problems_handle) = replaying_responder(broker, pki, exchanges(expected["log"].as_array().unwrap()));
    let mut config = broker.client_config(pki);
    config.client_id = dxltie::dxl::message::new_id();
    let client = TieClient::new(config).unwrap();
    client.connect(Duration::from_secs(10)).unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    for kind in [EventKind::FileReputationChange, EventKind::CertificateReputationChange] {
        let tx = Mutex::new(tx.lock().unwrap().clone());
        client
            .add_event_callback(
                kind,
                Arc::new(move |_: &Handle, e: &TieEvent<'_>| tx.lock().unwrap().send(e.event.json.clone()).unwrap()),
            )
            .unwrap();
    }
    let mut problems = Vec::new();
    for (i, (step, want)) in input["steps"]
        .as_array()
        .unwrap()
        .iter()
        .zip(expected["results"].as_array().unwrap())
        .enumerate()
    {
        let got = call(&client, step);
        match (&got, want["error"].is_null()) {
            (Ok(value), true) => {
                if *value != want["result"] {
                    problems.push(format!("step {i}: result {value} != python {}", want["result"]));
                }
            }
            (Err(e), false) => {
                let text = python_error_text(e);
                if text != want["error"]["message"].as_str().unwrap() {
                    problems.push(format!(
                        "step {i}: error \"{text}\" != python \"{}\"",
                        want["error"]["message"]
                    ));
                }
            }
            _ => problems.push(format!("step {i}: got {got:?}, python {want}")),
        }
    }
    let want_events = expected["reputation_change_callbacks"].as_array().unwrap();
    for (i, want) in want_events.iter().enumerate() {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(got) if got == want["dict"] || got == *want => {}
            Ok(got) => problems.push(format!("rep-change callback {i}: {got} != python {want}")),
            Err(_) => problems.push(format!("rep-change callback {i} never arrived")),
        }
    }
    std::thread::sleep(Duration::from_millis(100));
    problems.append(&mut problems_handle.lock().unwrap());
    drop(responder);
    problems.into_iter().map(|p| format!("{name}: {p}")).collect()
}

#[test]
fn every_recorded_flow_replays_identically_over_a_broker() {
    let names = scenario_names();
    assert!(
        names.iter().filter(|n| n.starts_with("scenario_mock_")).count() >= 10,
        "{names:?}"
    );
    assert!(
        names.iter().filter(|n| n.starts_with("fakesvc_")).count() >= 5,
        "{names:?}"
    );
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let problems: Vec<String> = names.iter().flat_map(|n| run_scenario(n, &broker, &pki)).collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
