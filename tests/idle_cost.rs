//! The idle cost of a client (issue #16): connected, subscribed, a callback registered and no
//! traffic, its threads do not wake up, even with busy polling on after synchronous requests. In a file of its own, so that no other test's client
//! runs in this process while its threads are counted.

mod support;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dxltie::dxl::{CallbackKind, Handle, Message, ServiceInfo};
use support::{connected_client, Mosquitto, MosquittoOptions, Pki};

const WAIT: Duration = Duration::from_secs(10);

/// Voluntary context switches of this process's threads whose name starts with `prefix`.
fn context_switches(prefix: &str) -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(prefix) {
            continue;
        }
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        total += status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
    }
    total
}

#[test]
fn an_idle_client_has_no_timer() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    // Busy polling on (it is off by default): it must end once the answers stop.
    let mut config = broker.client_config(&pki);
    config.set_busy_poll(1000).unwrap();
    let client = connected_client(&config);
    client
        .register_service(
            ServiceInfo::new("/test/idle/echo", &["/test/idle/echo"]),
            Arc::new(|h: &Handle, request: &Message| {
                h.send_response(&Message::response_to(request, request.payload.clone()))
                    .unwrap();
            }),
        )
        .unwrap();
    for i in 0..20u8 {
        let answer = client
            .sync_request(Message::request("/test/idle/echo", vec![i]), WAIT)
            .unwrap();
        assert_eq!(answer.payload, [i]);
    }
    client
        .add_callback(
            CallbackKind::Event,
            "/test/idle",
            Arc::new(|_: &Handle, _: &Message| {}),
            true,
        )
        .unwrap();
    // One asynchronous request (a timer runs while it waits) that times out, then nothing pending.
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    client
        .async_request(
            Message::request("/test/idle/nobody", b"x".to_vec()),
            Duration::from_millis(300),
            Box::new(move |_, r| {
                let _ = tx.lock().unwrap().send(r.is_err());
            }),
        )
        .unwrap();
    assert!(rx.recv_timeout(WAIT).unwrap(), "the request should have timed out");
    std::thread::sleep(Duration::from_millis(200));
    // This test's own threads are named differently: only the library's are counted.
    let before = context_switches("dxltie-");
    std::thread::sleep(Duration::from_secs(3));
    let woke = context_switches("dxltie-") - before;
    // A periodic timer would wake the network thread dozens of times (it used to: 20 a second).
    assert!(woke <= 3, "the library's threads woke {woke} times in 3 s of idling");
}
