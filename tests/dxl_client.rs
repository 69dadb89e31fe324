//! The fabric client against a real mosquitto broker with TLS and required client
//! certificates, on 127.0.0.1 and a free port (tests/support).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dxltie::dxl::{CallbackKind, Client, ClientConfig, ConnectionState, DxlError, Handle, Message, ServiceInfo};
use support::{connected_client, Mosquitto, MosquittoOptions, Pki};

const WAIT: Duration = Duration::from_secs(10);

/// A channel fed by an event callback on `topic`.
fn collect_events(client: &Client, topic: &str) -> mpsc::Receiver<Message> {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    client
        .add_callback(
            CallbackKind::Event,
            topic,
            Arc::new(move |_: &Handle, m: &Message| {
                let _ = tx.lock().unwrap().send(m.clone());
            }),
            true,
        )
        .unwrap();
    rx
}

/// A service on `topic` answering `err` with ErrorResponse 99 and anything else with an echo.
fn echo_service(client: &Client, topic: &str) {
    client
        .register_service(
            ServiceInfo::new("/test/echo", &[topic]),
            Arc::new(|h: &Handle, request: &Message| {
                let reply = if request.payload == b"err" {
                    Message::error_response_to(request, 99, "This is an error")
                } else {
                    Message::response_to(request, [b"echo:".as_slice(), &request.payload].concat())
                };
                h.send_response(&reply).unwrap();
            }),
        )
        .unwrap();
}

#[test]
fn connects_and_round_trips_an_event() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let client = connected_client(&config);
    assert_eq!(client.state(), ConnectionState::Connected);
    assert!(client.subscriptions().contains(&client.reply_topic().to_owned()));
    assert!(client.client_id().starts_with('{'));
    let events = collect_events(&client, "/test/event");
    client
        .send_event(&Message::event("/test/event", b"hello".to_vec()))
        .unwrap();
    let got = events.recv_timeout(WAIT).unwrap();
    assert_eq!(got.payload, b"hello");
    assert_eq!(got.destination_topic, "/test/event");
    assert_eq!(client.stats().received, 1);
}

#[test]
fn sync_async_error_and_timeout_requests() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let service = connected_client(&config);
    echo_service(&service, "/test/echo");
    let client = connected_client(&config);

    let response = client
        .sync_request(Message::request("/test/echo", b"ping".to_vec()), WAIT)
        .unwrap();
    assert_eq!(response.payload, b"echo:ping");

    match client.sync_request(Message::request("/test/echo", b"err".to_vec()), WAIT) {
        Err(DxlError::Service {
            code,
            raw_code,
            message,
        }) => {
            assert_eq!((code, raw_code, message.as_str()), (99, 99, "This is an error"))
        }
        other => panic!("expected a service error, got {other:?}"),
    }

    let start = Instant::now();
    match client.sync_request(
        Message::request("/test/nobody", b"x".to_vec()),
        Duration::from_millis(300),
    ) {
        Err(DxlError::Timeout(text)) => {
            assert!(text.starts_with("Timeout waiting for response to message: {"), "{text}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(start.elapsed() >= Duration::from_millis(300));

    let (tx, rx) = mpsc::channel();
    for (payload, timeout) in [(b"a".to_vec(), WAIT), (b"err".to_vec(), WAIT)] {
        let tx = tx.clone();
        client
            .async_request(
                Message::request("/test/echo", payload),
                timeout,
                Box::new(move |_, r| tx.send(r).unwrap()),
            )
            .unwrap();
    }
    let tx2 = tx.clone();
    client
        .async_request(
            Message::request("/test/nobody", b"x".to_vec()),
            Duration::from_millis(200),
            Box::new(move |_, r| tx2.send(r).unwrap()),
        )
        .unwrap();
    let mut results: Vec<String> = (0..3)
        .map(|_| match rx.recv_timeout(WAIT).unwrap() {
            Ok(m) => String::from_utf8(m.payload).unwrap(),
            Err(DxlError::Service { code, .. }) => format!("service {code}"),
            Err(DxlError::Timeout(_)) => "timeout".into(),
            Err(e) => panic!("{e}"),
        })
        .collect();
    results.sort();
    assert_eq!(results, ["echo:a", "service 99", "timeout"]);
    // Each async callback fires exactly once.
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
}

#[test]
fn a_sync_request_inside_a_callback_works() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let service = connected_client(&config);
    echo_service(&service, "/test/echo");
    let client = connected_client(&config);
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    client
        .add_callback(
            CallbackKind::Event,
            "/test/trigger",
            Arc::new(move |h: &Handle, m: &Message| {
                let r = h.sync_request(Message::request("/test/echo", m.payload.clone()), WAIT);
                tx.lock().unwrap().send(r.map(|m| m.payload)).unwrap();
            }),
            true,
        )
        .unwrap();
    client
        .send_event(&Message::event("/test/trigger", b"inside".to_vec()))
        .unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap().unwrap(), b"echo:inside");
}

#[test]
fn ten_thousand_events_arrive_exactly_once_among_garbage() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let receiver = connected_client(&config);
    let seen = Arc::new(Mutex::new(vec![0u8; 10_000]));
    let count = Arc::new(AtomicUsize::new(0));
    let (s, c) = (seen.clone(), count.clone());
    receiver
        .add_callback(
            CallbackKind::Event,
            "/test/flood",
            Arc::new(move |_: &Handle, m: &Message| {
                let i: usize = std::str::from_utf8(&m.payload).unwrap().parse().unwrap();
                s.lock().unwrap()[i] += 1;
                c.fetch_add(1, Ordering::SeqCst);
            }),
            true,
        )
        .unwrap();
    let sender = connected_client(&config);
    let garbage_publisher = broker.raw_publisher(&pki);
    for i in 0..10_000 {
        sender
            .send_event(&Message::event("/test/flood", i.to_string().into_bytes()))
            .unwrap();
        if i % 1000 == 0 {
            garbage_publisher.publish("/test/flood", b"hello world, not DXL");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while count.load(Ordering::SeqCst) < 10_000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let seen = seen.lock().unwrap();
    let missing = seen.iter().filter(|&&n| n == 0).count();
    let duplicated = seen.iter().filter(|&&n| n > 1).count();
    assert_eq!((missing, duplicated), (0, 0), "every event exactly once");
    let stats = receiver.stats();
    assert_eq!(stats.undecodable, 10, "{stats:?}");
    assert!(receiver.is_connected(), "garbage does not drop the connection");
}

#[test]
fn reconnects_and_resubscribes_after_the_broker_restarts() {
    let pki = Pki::generate();
    let mut broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let mut config = broker.client_config(&pki);
    config.reconnect_delay = Duration::from_millis(100);
    let client = connected_client(&config);
    let states = Arc::new(Mutex::new(Vec::new()));
    let s = states.clone();
    client.add_state_listener(Arc::new(move |st| s.lock().unwrap().push(st)));
    let events = collect_events(&client, "/test/restart");
    broker.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(client.is_connected() && client.stats().reconnects >= 1) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(client.is_connected(), "reconnected");
    assert_eq!(client.stats().reconnects, 1);
    let sender = connected_client(&config);
    sender
        .send_event(&Message::event("/test/restart", b"after".to_vec()))
        .unwrap();
    assert_eq!(
        events.recv_timeout(WAIT).unwrap().payload,
        b"after",
        "subscription restored"
    );
    std::thread::sleep(Duration::from_millis(100));
    let states = states.lock().unwrap().clone();
    assert!(
        states.contains(&ConnectionState::Connecting) && states.last() == Some(&ConnectionState::Connected),
        "{states:?}"
    );
}

#[test]
fn fails_over_to_the_second_broker() {
    let pki = Pki::generate();
    let first = Mosquitto::start(&pki, MosquittoOptions::default());
    let second = Mosquitto::start(&pki, MosquittoOptions::default());
    let mut config = first.client_config(&pki);
    config.brokers.extend(second.client_config(&pki).brokers);
    config.reconnect_delay = Duration::from_millis(100);
    let client = connected_client(&config);
    let mut first = first;
    first.stop();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(client.is_connected() && client.stats().reconnects >= 1) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(client.is_connected(), "failed over");
    let events = collect_events(&client, "/test/failover");
    let sender = connected_client(&second.client_config(&pki));
    sender
        .send_event(&Message::event("/test/failover", b"x".to_vec()))
        .unwrap();
    assert_eq!(events.recv_timeout(WAIT).unwrap().payload, b"x");
}

#[test]
fn tls_1_2_only_broker_and_certificate_without_san_are_accepted() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(
        &pki,
        MosquittoOptions {
            tls12_only: true,
            ..Default::default()
        },
    );
    let client = connected_client(&broker.client_config(&pki));
    assert!(client.is_connected());
}

#[test]
fn connect_errors_name_each_broker_and_why() {
    let pki = Pki::generate();
    // An untrusted broker: its certificate comes from another CA.
    let broker = Mosquitto::start(
        &pki,
        MosquittoOptions {
            use_other_ca_broker_cert: true,
            ..Default::default()
        },
    );
    let mut config = broker.client_config(&pki);
    config.connect_retries = 0;
    let client = Client::new(config).unwrap();
    let err = client.connect(WAIT).unwrap_err().to_string();
    assert!(
        err.contains("local") && err.to_lowercase().contains("unknownissuer"),
        "{err}"
    );
    assert!(!client.is_connected());

    // Nothing listening.
    let mut config = broker.client_config(&pki);
    config.brokers[0].port = support::free_port();
    config.brokers[0].ip_address = None;
    config.connect_retries = 1;
    config.reconnect_delay = Duration::from_millis(100);
    let client = Client::new(config).unwrap();
    let err = client.connect(WAIT).unwrap_err().to_string();
    assert!(err.contains("refused"), "{err}");
}

#[test]
fn a_client_certificate_from_another_ca_is_refused() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let mut config = broker.client_config(&pki);
    config.client_cert = dxltie::dxl::PemSource::File(pki.other_client_cert.clone());
    config.private_key = dxltie::dxl::PemSource::File(pki.other_client_key.clone());
    config.connect_retries = 0;
    let client = Client::new(config).unwrap();
    assert!(client.connect(WAIT).is_err());
}

#[test]
fn close_inside_its_own_callback_gives_the_client_back() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let client = connected_client(&broker.client_config(&pki));
    let handle = client.handle().clone();
    let slot: Arc<Mutex<Option<Client>>> = Arc::new(Mutex::new(Some(client)));
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let in_callback = slot.clone();
    handle
        .add_callback(
            CallbackKind::Event,
            "/test/close",
            Arc::new(move |_: &Handle, _: &Message| {
                let Some(client) = in_callback.lock().unwrap().take() else {
                    return;
                };
                // The dispatcher cannot wait for itself: the client comes back, whole.
                let outcome = match client.close() {
                    Ok(()) => "closed".to_string(),
                    Err(not_closed) => {
                        let text = not_closed.error.to_string();
                        *in_callback.lock().unwrap() = Some(not_closed.client);
                        text
                    }
                };
                let _ = tx.lock().unwrap().send(outcome);
            }),
            true,
        )
        .unwrap();
    handle
        .send_event(&Message::event("/test/close", b"x".to_vec()))
        .unwrap();
    let outcome = rx.recv_timeout(WAIT).unwrap();
    assert!(outcome.contains("cannot be closed from inside"), "{outcome}");
    // Still alive and usable, then closed for real from outside.
    let client = slot.lock().unwrap().take().expect("the client came back");
    assert!(client.is_connected());
    client
        .send_event(&Message::event("/test/other", b"y".to_vec()))
        .unwrap();
    client.close().unwrap();
    assert!(matches!(
        handle.send_event(&Message::event("/test/other", b"z".to_vec())),
        Err(DxlError::NotConnected) | Err(DxlError::Shutdown)
    ));
}

/// A client dropped inside one of its service handlers calls no other service after it, as it
/// calls no other callback: the services picked for that request used to be called still.
#[test]
fn no_service_is_called_after_its_client_was_dropped_inside_a_handler() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let service = connected_client(&config);
    let handle = service.handle().clone();
    let slot: Arc<Mutex<Option<Client>>> = Arc::new(Mutex::new(Some(service)));
    let (tx, rx) = mpsc::channel();
    let (dropped, second) = (Mutex::new(tx.clone()), Mutex::new(tx));
    let in_handler = slot.clone();
    handle
        .register_service(
            ServiceInfo::new("/test/drop-first", &["/test/drop"]),
            Arc::new(move |_: &Handle, _: &Message| {
                drop(in_handler.lock().unwrap().take());
                let _ = dropped.lock().unwrap().send("dropped");
            }),
        )
        .unwrap();
    handle
        .register_service(
            ServiceInfo::new("/test/drop-second", &["/test/drop"]),
            Arc::new(move |_: &Handle, _: &Message| {
                let _ = second.lock().unwrap().send("second service called");
            }),
        )
        .unwrap();
    let client = connected_client(&config);
    // No service instance named: the request goes to both, the first first.
    client
        .async_request(Message::request("/test/drop", b"x".to_vec()), WAIT, Box::new(|_, _| {}))
        .unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), "dropped");
    assert!(slot.lock().unwrap().is_none());
    assert_eq!(rx.recv_timeout(Duration::from_secs(1)).ok(), None);
}

#[test]
fn disconnect_ends_a_connect_waiting_on_another_thread() {
    let pki = Pki::generate();
    // Nothing listens here: the connect keeps trying until its (long) timeout.
    let port = support::free_port();
    let mut config = ClientConfig::new(
        dxltie::dxl::PemSource::File(pki.ca_cert.clone()),
        dxltie::dxl::PemSource::File(pki.client_cert.clone()),
        dxltie::dxl::PemSource::File(pki.client_key.clone()),
    );
    config.brokers = vec![dxltie::dxl::Broker::parse_config_line(&format!("b;{port};127.0.0.1")).unwrap()];
    config.reconnect_delay = Duration::from_millis(100);
    let client = Arc::new(Client::new(config).unwrap());
    let (tx, rx) = mpsc::channel();
    let connecting = client.clone();
    std::thread::spawn(move || {
        let _ = tx.send(connecting.connect(Duration::from_secs(600)));
    });
    std::thread::sleep(Duration::from_millis(300));
    client.disconnect().unwrap();
    // Without the cancellation the connect would wait out its 600 s.
    let outcome = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("connect still waiting after disconnect");
    match outcome {
        Err(DxlError::Connect(m)) => assert!(m.contains("cancelled"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_connect_that_gives_up_during_an_outage_does_not_stop_reconnection() {
    let pki = Pki::generate();
    let mut broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let mut config = broker.client_config(&pki);
    config.reconnect_delay = Duration::from_millis(100);
    config.reconnect_delay_max = Duration::from_millis(400);
    let client = connected_client(&config);
    broker.stop();
    let deadline = Instant::now() + WAIT;
    while client.is_connected() {
        assert!(Instant::now() < deadline, "the loss was not noticed");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A watchdog asks, with short timeouts, while the broker is still down: both fail, and
    // neither may end the reconnection already under way.
    assert!(client.connect(Duration::ZERO).is_err());
    assert!(client.connect(Duration::from_millis(300)).is_err());
    broker.restart();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client.is_connected() {
        assert!(
            Instant::now() < deadline,
            "not reconnected by itself after the broker came back: {:?}",
            client.stats()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What the C and Python DXL surfaces are built on (issue 19): an ErrorResponse kept whole by
/// `sync_request_raw` and `async_request_raw` (while `sync_request` still makes it an error),
/// the current broker, and waiting for a registry acknowledgement, which a plain broker never
/// sends and which cannot be waited for on the dispatcher.
#[test]
fn raw_answers_current_broker_and_registration_waits() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let client = connected_client(&config);
    let current = client.current_broker().expect("connected: a current broker");
    assert_eq!(current.port, broker.port());
    echo_service(&client, "/test/raw");
    let raw = client
        .sync_request_raw(Message::request("/test/raw", b"err".to_vec()), WAIT)
        .unwrap();
    assert_eq!(raw.error_code_u32(), Some(99));
    assert!(matches!(
        client.sync_request(Message::request("/test/raw", b"err".to_vec()), WAIT),
        Err(DxlError::Service { code: 99, .. })
    ));
    let (tx, rx) = mpsc::channel();
    client
        .async_request_raw(
            Message::request("/test/raw", b"err".to_vec()),
            WAIT,
            Box::new(move |_, result| {
                let _ = tx.send(result);
            }),
        )
        .unwrap();
    let answer = rx.recv_timeout(WAIT).unwrap().unwrap();
    assert_eq!(answer.error_code_u32(), Some(99));

    let info = ServiceInfo::new("/test/wait", &["/test/wait"]);
    let id = info.service_id.clone();
    client
        .register_service(info, Arc::new(|_: &Handle, _: &Message| {}))
        .unwrap();
    assert!(matches!(
        client.wait_service_registered(&id, Duration::from_millis(200)),
        Err(DxlError::Timeout(_))
    ));
    assert!(matches!(
        client.wait_service_registered("{nobody}", Duration::from_millis(10)),
        Err(DxlError::NotFound(_))
    ));
    let (tx, rx) = mpsc::channel();
    let id_inside = id.clone();
    client
        .add_callback(
            CallbackKind::Event,
            "/test/wait-inside",
            Arc::new(move |h: &Handle, _: &Message| {
                let _ = tx.send(h.wait_service_registered(&id_inside, WAIT));
            }),
            true,
        )
        .unwrap();
    client
        .send_event(&Message::event("/test/wait-inside", b"x".to_vec()))
        .unwrap();
    assert!(matches!(
        rx.recv_timeout(WAIT).unwrap(),
        Err(DxlError::WouldDeadlock(_))
    ));
    // Unregistering with a wait on a plain broker: nobody acknowledges, the service is gone all
    // the same.
    assert!(matches!(
        client.unregister_service_wait(&id, Some(Duration::from_millis(200))),
        Err(DxlError::Timeout(_))
    ));
    assert!(matches!(client.unregister_service(&id), Err(DxlError::NotFound(_))));
    client.disconnect().unwrap();
    assert!(client.current_broker().is_none());
}

/// Two requests in flight with one message id (the DXL API lets a caller choose ids): each
/// callback fires exactly once. Before, the second registration replaced the first, whose
/// callback never fired.
#[test]
fn requests_sharing_a_message_id_are_each_answered_once() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let service = connected_client(&config);
    echo_service(&service, "/test/echo");
    let client = connected_client(&config);
    let (tx, rx) = mpsc::channel();
    for n in 0..2 {
        let mut request = Message::request("/test/echo", b"same".to_vec());
        request.message_id = "{00000000-0000-0000-0000-000000000042}".into();
        let tx = tx.clone();
        client
            .async_request(request, WAIT, Box::new(move |_, r| tx.send((n, r.is_ok())).unwrap()))
            .unwrap();
    }
    let mut got: Vec<(i32, bool)> = (0..2).map(|_| rx.recv_timeout(WAIT).unwrap()).collect();
    got.sort();
    assert_eq!(got, vec![(0, true), (1, true)]);
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "a callback fired twice"
    );
}

/// Removing the last callback on a topic a service also serves leaves the topic subscribed:
/// before, the service stopped receiving requests for good.
#[test]
fn removing_a_callback_keeps_a_service_topic() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let service = connected_client(&config);
    echo_service(&service, "/test/shared");
    let id = service
        .add_callback(
            CallbackKind::Request,
            "/test/shared",
            Arc::new(|_: &Handle, _: &Message| {}),
            true,
        )
        .unwrap();
    service.remove_callback(id, true).unwrap();
    assert!(service.subscriptions().iter().any(|t| t == "/test/shared"));
    let client = connected_client(&config);
    let response = client
        .sync_request(Message::request("/test/shared", b"still".to_vec()), WAIT)
        .unwrap();
    assert_eq!(response.payload, b"echo:still");
}

/// Unregistering a service from another thread waits for a running call of its handler, as
/// removing a callback does (the header promises both), and the handler is not called again:
/// it used to return at once, while the handler still ran on what the caller then freed.
#[test]
fn unregistering_a_service_waits_for_its_running_handler() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let service = connected_client(&config);
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let (started_tx, release_rx) = (Mutex::new(started_tx), Mutex::new(release_rx));
    let returned = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let info = ServiceInfo::new("/test/slow", &["/test/slow"]);
    let service_id = info.service_id.clone();
    let (returned_in, calls_in) = (returned.clone(), calls.clone());
    service
        .register_service(
            info,
            Arc::new(move |_: &Handle, _: &Message| {
                calls_in.fetch_add(1, Ordering::SeqCst);
                let _ = started_tx.lock().unwrap().send(());
                let _ = release_rx.lock().unwrap().recv_timeout(WAIT);
                returned_in.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
    let client = connected_client(&config);
    // Three requests: the first holds the handler, the others wait in the service's queue.
    for _ in 0..3 {
        client
            .async_request(
                Message::request("/test/slow", b"x".to_vec()),
                Duration::from_secs(1),
                Box::new(|_, _| {}),
            )
            .unwrap();
    }
    started.recv_timeout(WAIT).unwrap();
    let handle = service.handle().clone();
    let (done_tx, done) = mpsc::channel();
    let observed = returned.clone();
    std::thread::spawn(move || {
        let outcome = handle.unregister_service(&service_id);
        let _ = done_tx.send((outcome, observed.load(Ordering::SeqCst)));
    });
    // Without the wait, the unregistration is back long before this, the handler still held.
    assert!(
        done.recv_timeout(Duration::from_millis(500)).is_err(),
        "unregister_service returned while its handler was running"
    );
    release.send(()).unwrap();
    let (outcome, returned_when_back) = done.recv_timeout(WAIT).unwrap();
    outcome.unwrap();
    assert_eq!(
        returned_when_back, 1,
        "the running call returned before the unregistration"
    );
    // The requests queued behind it are not handed to the unregistered service.
    client
        .sync_request(
            Message::request("/test/slow", b"y".to_vec()),
            Duration::from_millis(300),
        )
        .unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// Two threads registering the same service id at once: one gets it, the other an error. Both
/// used to succeed (the second passed the duplicate check while the first waited for its
/// SUBACK), leaving two services with one id.
#[test]
fn one_service_id_registered_on_two_threads_at_once_is_registered_once() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let service = connected_client(&config);
    for round in 0..5 {
        let info = ServiceInfo::new("/test/twice", &[&format!("/test/twice/{round}")]);
        let start = Arc::new(std::sync::Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (handle, info, start) = (service.handle().clone(), info.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    handle.register_service(info, Arc::new(|_: &Handle, _: &Message| {}))
                })
            })
            .collect();
        let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let registered = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(registered, 1, "round {round}: {outcomes:?}");
        assert!(outcomes
            .iter()
            .any(|o| matches!(o, Err(DxlError::InvalidArgument(m)) if m.contains("already registered"))));
        // The one registration is whole: its topic is subscribed, and it unregisters once.
        assert!(service.subscriptions().contains(&format!("/test/twice/{round}")));
        service.unregister_service(&info.service_id).unwrap();
        assert!(matches!(
            service.unregister_service(&info.service_id),
            Err(DxlError::NotFound(_))
        ));
    }
}

/// A publisher waiting for room in the full request channel gets an error when the client is
/// disconnected: nothing takes from the channel then until the next connect, and it used to
/// wait there for ever (found by the C async-race test: a sender hung in
/// `dxltie_get_file_reputation_async`, and `dxltie_client_free` would have waited behind it).
#[test]
fn a_publisher_waiting_for_room_is_released_by_a_disconnect() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let client = connected_client(&broker.client_config(&pki));
    // A broker that stops reading: the socket fills, then the client's request channel.
    let pid = broker.pid().expect("the broker runs") as libc::pid_t;
    // SAFETY: a signal to the test's own broker process, by its pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    let (sent_tx, sent_rx) = mpsc::channel();
    let (done_tx, done) = mpsc::channel();
    let handle = client.handle().clone();
    std::thread::spawn(move || {
        let event = Message::event("/test/flood", vec![b'x'; 4096]);
        let mut sent = 0u64;
        let outcome = loop {
            if let Err(e) = handle.send_event(&event) {
                break e;
            }
            sent += 1;
            let _ = sent_tx.send(sent);
        };
        let _ = done_tx.send(outcome);
    });
    // Waiting for room: no event sent for a while, well after the first.
    sent_rx.recv_timeout(WAIT).expect("the first events are sent");
    while sent_rx.recv_timeout(Duration::from_millis(500)).is_ok() {}
    assert!(done.try_recv().is_err(), "the publisher stopped without waiting");
    client.disconnect().unwrap();
    let outcome = done.recv_timeout(WAIT);
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    match outcome {
        Ok(DxlError::NotConnected) => {}
        other => panic!("the waiting publisher was not released with NotConnected: {other:?}"),
    }
}

/// A wait for a service's registration ends when the client disconnects: it used to wait out
/// its whole timeout, and `dxltie_client_free` waited behind it.
#[test]
fn a_registration_wait_ends_at_a_disconnect() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let client = connected_client(&config);
    // mosquitto has no service registry: the registration is never acknowledged.
    let info = ServiceInfo::new("/test/unacknowledged", &["/test/unacknowledged"]);
    let service_id = info.service_id.clone();
    client
        .register_service(info, Arc::new(|_: &Handle, _: &Message| {}))
        .unwrap();
    let handle = client.handle().clone();
    let waiter = std::thread::spawn(move || handle.wait_service_registered(&service_id, Duration::from_secs(60)));
    std::thread::sleep(Duration::from_millis(300)); // let it wait
    client.disconnect().unwrap();
    match waiter.join().unwrap() {
        Err(DxlError::NotConnected) => {}
        other => panic!("expected NotConnected, got {other:?}"),
    }
}

/// Who got which event, in calling order.
type Order = Arc<Mutex<Vec<(&'static str, u32)>>>;
/// The event numbers of each call of a batch handler.
type Batches = Arc<Mutex<Vec<Vec<u32>>>>;

/// Waits (up to WAIT) until `done` holds; the assertions after it say what was missing.
fn wait_until(done: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A receiver of the batch tests: a batch handler on `/test/batch` whose first call waits
/// until the gate opens (so the events sent meanwhile queue up), recording each call's event
/// numbers in `batches` and each event as `("batch", n)` in `order`.
struct BatchReceiver {
    // Dropped in this order: the client before its broker, the broker before its PKI.
    client: Client,
    config: ClientConfig,
    gate: Arc<Mutex<()>>,
    batches: Batches,
    order: Order,
    _broker: Mosquitto,
    _pki: Pki,
}

impl BatchReceiver {
    fn start() -> BatchReceiver {
        let pki = Pki::generate();
        let broker = Mosquitto::start(&pki, MosquittoOptions::default());
        let config = broker.client_config(&pki);
        let client = connected_client(&config);
        let gate: Arc<Mutex<()>> = Default::default();
        let batches: Batches = Default::default();
        let order: Order = Default::default();
        let (g, b, o) = (gate.clone(), batches.clone(), order.clone());
        client
            .add_batch_callback(
                CallbackKind::Event,
                "/test/batch",
                Arc::new(move |_: &Handle, messages: &[&Message]| {
                    let _open = g.lock().unwrap();
                    let numbers: Vec<u32> = messages.iter().map(|m| number(m)).collect();
                    o.lock().unwrap().extend(numbers.iter().map(|&n| ("batch", n)));
                    b.lock().unwrap().push(numbers);
                }),
                true,
            )
            .unwrap();
        BatchReceiver {
            _pki: pki,
            _broker: broker,
            config,
            client,
            gate,
            batches,
            order,
        }
    }

    /// A per-message handler on `topic` recording `(label, number or 0)` in the same order.
    fn record_each(&self, topic: &str, label: &'static str) {
        let o = self.order.clone();
        self.client
            .add_callback(
                CallbackKind::Event,
                topic,
                Arc::new(move |_: &Handle, m: &Message| {
                    o.lock().unwrap().push((label, number(m)));
                }),
                true,
            )
            .unwrap();
    }

    /// Waits until the client has read `count` messages in all.
    fn wait_received(&self, count: u64) {
        wait_until(|| self.client.stats().received >= count);
    }

    /// The batches once `count` events were delivered to the batch handler (or WAIT passed).
    fn batches_once(&self, count: usize) -> Vec<Vec<u32>> {
        wait_until(|| self.batches.lock().unwrap().iter().map(Vec::len).sum::<usize>() >= count);
        self.batches.lock().unwrap().clone()
    }

    /// The order once `count` calls were recorded (or WAIT passed).
    fn order_once(&self, count: usize) -> Vec<(&'static str, u32)> {
        wait_until(|| self.order.lock().unwrap().len() >= count);
        self.order.lock().unwrap().clone()
    }
}

/// The number an event of the batch tests carries (0 for one that is not a number).
fn number(m: &Message) -> u32 {
    std::str::from_utf8(&m.payload)
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_batch_handler_takes_the_queued_messages_in_runs_in_order() {
    let r = BatchReceiver::start();
    let closed = r.gate.lock().unwrap();
    // An event on another topic in the middle ends a run and keeps its place.
    r.record_each("/test/other", "other");
    let sender = connected_client(&r.config);
    for i in 0..200u32 {
        if i == 100 {
            sender
                .send_event(&Message::event("/test/other", b"x".to_vec()))
                .unwrap();
        }
        sender
            .send_event(&Message::event("/test/batch", i.to_string().into_bytes()))
            .unwrap();
    }
    r.wait_received(201);
    drop(closed);
    let batches = r.batches_once(200);
    let all: Vec<u32> = batches.concat();
    assert_eq!(all, (0..200).collect::<Vec<_>>(), "every event once, in order");
    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    // 100 events on each side of the other topic's, in runs of at most 64: two runs or more
    // on each side (how many the first run takes depends on how soon the dispatcher got to it).
    assert!(batches.len() >= 4, "{sizes:?}");
    assert!(
        sizes.iter().all(|&n| n <= 64),
        "runs are at most 64 messages: {sizes:?}"
    );
    assert!(
        sizes.iter().any(|&n| n > 1),
        "the queued events came in one call: {sizes:?}"
    );
    let order = r.order_once(201);
    assert_eq!(
        order.iter().position(|&(who, _)| who == "other"),
        Some(100),
        "the other topic's event between 99 and 100"
    );
    assert_eq!(r.client.stats().delivered, 201);
}

#[test]
fn with_another_handler_on_its_topic_a_batch_handler_takes_one_message_per_call_in_turn() {
    let r = BatchReceiver::start();
    let closed = r.gate.lock().unwrap();
    r.record_each("/test/batch", "each");
    let sender = connected_client(&r.config);
    for i in 0..50u32 {
        sender
            .send_event(&Message::event("/test/batch", i.to_string().into_bytes()))
            .unwrap();
    }
    r.wait_received(50);
    drop(closed);
    let batches = r.batches_once(50);
    assert!(batches.iter().all(|b| b.len() == 1), "{batches:?}");
    let expected: Vec<(&str, u32)> = (0..50).flat_map(|n| [("batch", n), ("each", n)]).collect();
    assert_eq!(
        r.order_once(100),
        expected,
        "each message to both, in registration order"
    );
}

#[test]
fn a_batch_handler_removed_inside_its_call_is_not_called_again() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let config = broker.client_config(&pki);
    let receiver = connected_client(&config);
    let calls = Arc::new(AtomicUsize::new(0));
    let id: Arc<Mutex<Option<u64>>> = Default::default();
    let (c, i) = (calls.clone(), id.clone());
    let registered = receiver
        .add_batch_callback(
            CallbackKind::Event,
            "/test/batch",
            Arc::new(move |h: &Handle, _: &[&Message]| {
                c.fetch_add(1, Ordering::SeqCst);
                let own = i.lock().unwrap().expect("registered");
                h.remove_callback(own, false).unwrap();
            }),
            true,
        )
        .unwrap();
    *id.lock().unwrap() = Some(registered);
    // Another handler keeps the topic subscribed and shows the later events arrive.
    let each = collect_events(&receiver, "/test/batch");
    let sender = connected_client(&config);
    for n in 0..5u32 {
        sender
            .send_event(&Message::event("/test/batch", n.to_string().into_bytes()))
            .unwrap();
        assert_eq!(number(&each.recv_timeout(WAIT).unwrap()), n);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
