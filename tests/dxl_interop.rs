//! Interoperability with the real Python `dxlclient` 5.7.0.1 from PyPI (the venv made by
//! `scripts/setup-venv.sh`): events, requests, responses and error responses in both
//! directions over the same mosquitto broker. The Python side is tests/python/dxl_peer.py.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dxltie::dxl::{CallbackKind, Client, DxlError, Handle, Message, ServiceInfo};
use support::{Mosquitto, MosquittoOptions, Pki, TempDir};

const WAIT: Duration = Duration::from_secs(15);

fn python() -> PathBuf {
    support::python_venv()
}

fn peer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/dxl_peer.py")
}

fn our_client(broker: &Mosquitto, pki: &Pki) -> Client {
    let mut config = broker.client_config(pki);
    config.client_id = dxltie::dxl::message::new_id();
    let client = Client::new(config).unwrap();
    client.connect(WAIT).unwrap();
    client
}

#[test]
fn python_service_answers_our_requests_and_relays_our_events() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("interop-serve");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    let mut peer = Command::new(python())
        .arg(peer_script())
        .arg("serve")
        .arg(&config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(peer.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "READY", "the Python peer did not start");

    let client = our_client(&broker, &pki);
    let response = client
        .sync_request(Message::request("/interop/py/service", b"ping".to_vec()), WAIT)
        .unwrap();
    assert_eq!(response.payload, b"py:ping");
    assert_eq!(response.version, 2, "Python writes version 2");
    match client.sync_request(Message::request("/interop/py/service", b"err".to_vec()), WAIT) {
        Err(DxlError::Service { code, message, .. }) => assert_eq!((code, message.as_str()), (7, "py error")),
        other => panic!("expected the Python error response, got {other:?}"),
    }

    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    client
        .add_callback(
            CallbackKind::Event,
            "/interop/from-py",
            Arc::new(move |_: &Handle, m: &Message| tx.lock().unwrap().send(m.payload.clone()).unwrap()),
            true,
        )
        .unwrap();
    client
        .send_event(&Message::event("/interop/to-py", b"hello".to_vec()))
        .unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), b"py:hello");

    drop(peer.stdin.take()); // the peer exits when its stdin closes
    let _ = peer.wait();
}

#[test]
fn python_client_calls_our_service_and_we_receive_its_events() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("interop-request");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    let service = our_client(&broker, &pki);
    service
        .register_service(
            ServiceInfo::new("/interop/rust", &["/interop/rust/service"]),
            Arc::new(|h: &Handle, request: &Message| {
                let reply = if request.payload == b"err" {
                    Message::error_response_to(request, 9090, "rust error")
                } else {
                    Message::response_to(request, [b"rust:".as_slice(), &request.payload].concat())
                };
                h.send_response(&reply).unwrap();
            }),
        )
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    service
        .add_callback(
            CallbackKind::Event,
            "/interop/py-event",
            Arc::new(move |_: &Handle, m: &Message| tx.lock().unwrap().send(m.payload.clone()).unwrap()),
            true,
        )
        .unwrap();

    let out = Command::new(python())
        .arg(peer_script())
        .arg("request")
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Python requester failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(results["ok"]["class"], "Response");
    assert_eq!(results["ok"]["payload"], "rust:hello");
    assert_eq!(results["error"]["class"], "ErrorResponse");
    assert_eq!(results["error"]["error_code"], 9090);
    assert_eq!(results["error"]["error_message"], "rust error");
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), b"from python");
}
