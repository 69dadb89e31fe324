//! The TIE client's callback registration and event delivery on a real broker.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dxltie::dxl::{ClientConfig, Handle, Message, PemSource};
use dxltie::tie::{EventKind, TieClient, TieEvent};
use serde_json::Value;
use support::{Mosquitto, MosquittoOptions, Pki};

const WAIT: Duration = Duration::from_secs(10);

fn kind_of(call: &str) -> EventKind {
    match call.split_once('_').unwrap().1 {
        "file_detection_callback" => EventKind::FileDetection,
        "file_first_instance_callback" => EventKind::FileFirstInstance,
        "file_reputation_change_callback" => EventKind::FileReputationChange,
        "certificate_reputation_change_callback" => EventKind::CertificateReputationChange,
        other => panic!("unknown call {other}"),
    }
}

/// `reg_callback_topics`: the topics subscribed after each add and remove, as in Python (with
/// one callback per topic, Python's unconditional unsubscribe and our last-callback rule agree).
#[test]
fn registration_subscribes_and_unsubscribes_the_event_topics() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/vectors/tie/reg_callback_topics.expected.json"
    );
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(dir).unwrap()).unwrap();
    let none = || PemSource::Pem(Vec::new());
    let client = TieClient::new(ClientConfig::new(none(), none(), none())).unwrap();
    let mut ids = std::collections::HashMap::new();
    let steps = expected["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    for step in steps {
        let call = step["call"].as_str().unwrap();
        let kind = kind_of(call);
        if call.starts_with("add_") {
            ids.insert(
                kind,
                client
                    .add_event_callback(kind, Arc::new(|_: &Handle, _: &TieEvent<'_>| {}))
                    .unwrap(),
            );
        } else {
            client.remove_event_callback(ids[&kind]).unwrap();
        }
        let mut ours: Vec<String> = client
            .subscriptions()
            .into_iter()
            .filter(|t| t != client.reply_topic())
            .collect();
        ours.sort();
        let mut want: Vec<String> = step["subscriptions_after"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        want.sort();
        assert_eq!(ours, want, "after {call}");
    }
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

const NOTEPAD: [(&str, &str); 1] = [("md5", "f2c7bb8acc97f92e987a2d4087d021b1")];

/// Python unsubscribes a topic on any removal, silencing the other callbacks on it; we
/// unsubscribe only when the last one goes.
#[test]
fn removing_one_callback_keeps_the_others_on_the_topic() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let _responder = support::tie_responder::start(&broker.client_config(&pki));
    let client = TieClient::new(broker.client_config(&pki)).unwrap();
    client.connect(WAIT).unwrap();
    let (first, second) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (f, s) = (first.clone(), second.clone());
    let a = client
        .add_event_callback(
            EventKind::FileDetection,
            Arc::new(move |_: &Handle, _: &TieEvent<'_>| {
                f.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
    let b = client
        .add_event_callback(
            EventKind::FileDetection,
            Arc::new(move |_: &Handle, e: &TieEvent<'_>| {
                assert_eq!(e.event.json["name"], "FOCUS_MALWARE2.EXE");
                s.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
    client
        .set_file_reputation(99, &NOTEPAD, "emit-events.exe", "", WAIT)
        .unwrap();
    wait_until("both callbacks", || {
        first.load(Ordering::SeqCst) == 1 && second.load(Ordering::SeqCst) == 1
    });

    client.remove_event_callback(a).unwrap();
    assert!(
        client
            .subscriptions()
            .iter()
            .any(|t| t == EventKind::FileDetection.topic()),
        "still subscribed"
    );
    client
        .set_file_reputation(99, &NOTEPAD, "emit-events.exe", "", WAIT)
        .unwrap();
    wait_until("the remaining callback", || second.load(Ordering::SeqCst) == 2);
    assert_eq!(first.load(Ordering::SeqCst), 1, "the removed callback is not called");

    client.remove_event_callback(b).unwrap();
    assert!(
        !client
            .subscriptions()
            .iter()
            .any(|t| t == EventKind::FileDetection.topic()),
        "unsubscribed with the last one"
    );
    assert!(client.remove_event_callback(b).is_err(), "a second removal is an error");
}

/// A TIE event whose payload cannot be decoded is counted once (however many callbacks it was
/// meant for) and skipped; the next one arrives at every callback.
#[test]
fn a_malformed_event_is_counted_and_skipped() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let client = TieClient::new(broker.client_config(&pki)).unwrap();
    client.connect(WAIT).unwrap();
    let names = Arc::new(std::sync::Mutex::new(Vec::new()));
    for callback in ["first", "second"] {
        let n = names.clone();
        client
            .add_event_callback(
                EventKind::FileDetection,
                Arc::new(move |_: &Handle, e: &TieEvent<'_>| {
                    let name = e.event.json["name"].as_str().unwrap_or("");
                    n.lock().unwrap().push(format!("{callback}: {name}"));
                }),
            )
            .unwrap();
    }
    let topic = EventKind::FileDetection.topic();
    for payload in [
        &b"{not json"[..],
        br#"{"hashes": [{"type": "md5", "value": "abc"}], "name": "BAD_BASE64"}"#,
        br#"{"hashes": [{"value": "AAAA"}], "name": "NO_TYPE"}"#,
        b"\xff\xfe",
        br#"{"hashes": [{"type": "md5", "value": "8se7isyX+S6Yei1Ah9AhsQ=="}], "name": "GOOD.EXE"}"#,
    ] {
        client.send_event(&Message::event(topic, payload.to_vec())).unwrap();
    }
    wait_until("the good event", || names.lock().unwrap().len() == 2);
    assert_eq!(*names.lock().unwrap(), ["first: GOOD.EXE", "second: GOOD.EXE"]);
    assert_eq!(client.bad_events(), 4);
    assert!(client.is_connected());
}
