//! The WebSocket rows of `make bench`: the C client's event rate and synchronous round trip over
//! MQTT on secure WebSockets, next to MQTT over TLS, on the same broker in the same run.
//!
//! mosquitto cannot bind a WebSocket listener to 127.0.0.1 (2.0.11: "Unable to start any
//! listening sockets"), so these rows use the real OpenDXL broker, whose WebSocket listener binds
//! every interface and therefore runs only in a network namespace with nothing but loopback: the
//! driver runs itself again under `unshare -n` (as root) with `BENCH_WS_INSIDE=1`, and that run
//! prints one `WS <key> <RESULT fields>` line per measurement. Both transports are measured on
//! that broker, alternating, so the rows compare transports, not brokers.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use dxltie::dxl::{encode, DxlError, Message};

use super::raw_mqtt::{put_publish, RawMqtt};
use super::support::opendxl::OpenDxlBroker;
use super::{env_or, parse_result, Proc, Settings, DETECTION_TOPIC};

/// Set in the environment of the run inside the namespace.
pub const INSIDE: &str = "BENCH_WS_INSIDE";

/// Runs the WebSocket measurements in a network namespace; their results by key
/// (`ws_tls_events`, `ws_events`, `ws_tls_sync`, `ws_sync`), one map per run.
pub fn measure() -> BTreeMap<String, Vec<BTreeMap<String, String>>> {
    let exe = std::env::current_exe().expect("the driver's path");
    let mut cmd = Command::new("unshare");
    cmd.args(["-n", "sh", "-c", r#"ip link set lo up && exec "$0""#])
        .arg(exe)
        .env(INSIDE, "1")
        // What tests/support/opendxl.rs checks before it starts the WebSocket listener.
        .env("DXLTIE_TEST_NETNS", "1");
    let p = Proc::spawn(cmd);
    let mut out: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        match p.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line == "WSDONE" => break,
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("WS ") {
                    let (key, fields) = rest.split_once(' ').unwrap_or((rest, ""));
                    let result = parse_result(&format!("RESULT {fields}"));
                    eprintln!("  {key}: {result:?}");
                    out.entry(key.to_owned()).or_default().push(result);
                }
            }
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                let err = p.stderr.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                panic!("the WebSocket measurements (unshare -n, as root) did not finish:\n{err}");
            }
        }
    }
    p.finish(Duration::from_secs(60));
    out
}

/// The run inside the namespace: the broker, then events and requests over both transports.
pub fn inside(s: &Settings) {
    let events: usize = env_or("BENCH_WS_EVENTS", 20_000);
    let requests: usize = env_or("BENCH_WS_REQUESTS", 2_000);
    let broker = OpenDxlBroker::start_with_websockets();
    let transports = [("tls", broker.config_path()), ("ws", broker.ws_config_path())];

    let flood_tls = dxltie::dxl::tls::client_tls_config(&broker.client2_config()).expect("TLS settings");
    let (topic, event) = super::support::tie_responder::raw_events().remove(0);
    assert_eq!(topic, DETECTION_TOPIC);
    let body = serde_json::to_vec(&event).unwrap();
    let mut flood = Vec::new();
    for _ in 0..events {
        put_publish(
            &mut flood,
            DETECTION_TOPIC,
            &encode(&Message::event(DETECTION_TOPIC, body.clone())),
        );
    }
    for run in 1..=s.runs {
        eprintln!(
            "bench: WebSockets and MQTT/TLS on the OpenDXL broker, events, run {run}/{}",
            s.runs
        );
        for (name, config) in &transports {
            let mut cmd = Command::new(&s.bench);
            cmd.arg("events").arg(config).arg(events.to_string()).arg("struct");
            let mut p = Proc::spawn(cmd);
            p.expect("READY", Duration::from_secs(60));
            let mut publisher = RawMqtt::connect(broker.port(), flood_tls.clone(), &format!("bench-ws-{run}-{name}"))
                .expect("flood publisher connects");
            for chunk in flood.chunks(256 * 1024) {
                publisher.write(chunk).expect("flood");
            }
            publisher.disconnect();
            let line = p.expect("RESULT", Duration::from_secs(600));
            p.finish(Duration::from_secs(20));
            println!(
                "WS {} {}",
                if *name == "ws" { "ws_events" } else { "ws_tls_events" },
                &line["RESULT ".len()..]
            );
        }
    }

    // The TIE service, registered with the broker (which routes requests by its registry).
    let responder = super::support::tie_responder::start(&broker.client2_config());
    let probe = || {
        let request = Message::request("/mcafee/service/tie/file/agents", b"{}".to_vec());
        !matches!(
            responder.sync_request(request, Duration::from_secs(10)),
            Err(DxlError::Service { code: 0x8000_0001, .. })
        )
    };
    let mut registered = false;
    for _ in 0..100 {
        if probe() {
            registered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(registered, "the TIE responder never registered with the OpenDXL broker");
    for run in 1..=s.runs {
        eprintln!(
            "bench: WebSockets and MQTT/TLS on the OpenDXL broker, requests, run {run}/{}",
            s.runs
        );
        for (name, config) in &transports {
            let mut cmd = Command::new(&s.bench);
            cmd.arg("requests").arg(config).arg(requests.to_string()).arg("sync");
            let mut p = Proc::spawn(cmd);
            let line = p.expect("RESULT", Duration::from_secs(600));
            p.finish(Duration::from_secs(20));
            println!(
                "WS {} {}",
                if *name == "ws" { "ws_sync" } else { "ws_tls_sync" },
                &line["RESULT ".len()..]
            );
        }
    }
    println!("WSDONE");
}
