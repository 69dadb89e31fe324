//! MQTT over secure WebSockets (`[General] UseWebSockets`, `[BrokersWebSockets]`) and the HTTP
//! proxy of `[Proxy]`, against real components only: the OpenDXL broker's WebSocket listener,
//! Debian's tinyproxy, `openssl s_server` as an HTTPS server that is no WebSocket endpoint, and
//! the real Python `dxlclient`.
//!
//! The broker's WebSocket listener binds every interface, so each test that needs it runs in
//! its own network namespace with nothing but loopback (`support::netns::enter` re-runs the
//! test there; as root), with its broker, proxy and clients.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use dxltie::dxl::{
    Broker, CallbackKind, Client, ClientConfig, ConnectionState, DxlError, Handle, Message, Proxy, ServiceInfo,
    TransportKind,
};
use support::netns;
use support::opendxl::OpenDxlBroker;
use support::tinyproxy::{Tinyproxy, TinyproxyOptions};
use support::TempDir;

/// A hang guard for one step, not a speed check.
const WAIT: Duration = Duration::from_secs(30);

const USER: &str = "agent7";
/// Distinctive, so a leak into a log line or an error message cannot be missed.
const PASSWORD: &str = "Pw-9f3c1d7e-never-in-logs";

// ---------------------------------------------------------------------------------------------
// Every log record of the library (and of rumqttc), kept to look for the proxy password.

struct Capture;

fn captured() -> &'static Mutex<String> {
    static LOG: OnceLock<Mutex<String>> = OnceLock::new();
    LOG.get_or_init(|| Mutex::new(String::new()))
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let line = format!("{} {}: {}\n", record.level(), record.target(), record.args());
        captured().lock().unwrap().push_str(&line);
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        static CAPTURE: Capture = Capture;
        log::set_logger(&CAPTURE).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Neither the password nor the Basic credentials (`base64(user:password)`) anywhere in `text`.
fn assert_no_secret(text: &str, what: &str) {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    assert!(
        !text.contains(PASSWORD),
        "the proxy password appears in {what}:\n{text}"
    );
    assert!(
        !text.contains(&basic),
        "the proxy credentials appear in {what}:\n{text}"
    );
}

// ---------------------------------------------------------------------------------------------

fn connect(config: &ClientConfig) -> Client {
    support::connected_client(config)
}

/// One pass over the brokers, then the error.
fn connect_error(mut config: ClientConfig) -> DxlError {
    config.connect_retries = 0;
    config.client_id = dxltie::dxl::message::new_id();
    let client = Client::new(config).unwrap();
    match client.connect(WAIT) {
        Ok(()) => panic!("connected, but a refusal was expected"),
        Err(e) => e,
    }
}

/// Events on `topic` arrive on the returned channel.
fn listen(client: &Client, topic: &str) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    client
        .add_callback(
            CallbackKind::Event,
            topic,
            Arc::new(move |_: &Handle, m: &Message| {
                let _ = tx.lock().unwrap().send(m.payload.clone());
            }),
            true,
        )
        .unwrap();
    rx
}

fn with_proxy(mut config: ClientConfig, proxy: &Tinyproxy, credentials: Option<(&str, &str)>) -> ClientConfig {
    config.proxy = Some(
        Proxy::new(
            "127.0.0.1",
            u32::from(proxy.port()),
            credentials.map(|c| c.0),
            credentials.map(|c| c.1),
        )
        .unwrap(),
    );
    config
}

fn auth_proxy() -> Tinyproxy {
    Tinyproxy::start(TinyproxyOptions {
        basic_auth: Some((USER.into(), PASSWORD.into())),
        ..Default::default()
    })
}

#[test]
fn events_and_requests_over_websockets() {
    if !netns::enter("events_and_requests_over_websockets") {
        return;
    }
    let broker = OpenDxlBroker::start_with_websockets();
    // The configuration exactly as run.sh wrote it for the Python client (UseWebSockets=true).
    let from_file = ClientConfig::from_file(broker.ws_config_path()).unwrap();
    assert!(from_file.use_websockets);
    let ws = connect(&from_file);
    let connection = ws.connection().expect("connected");
    assert_eq!(connection.transport, TransportKind::WebSockets);
    assert_eq!(connection.broker.port, broker.ws_port());

    // A service over MQTT/TLS, called over WebSockets, and the other way round.
    let tls = connect(&broker.client2_config());
    assert_eq!(tls.connection().unwrap().transport, TransportKind::MqttTls);
    for (server, caller, topic) in [(&tls, &ws, "/ws/test/tls-service"), (&ws, &tls, "/ws/test/ws-service")] {
        server
            .register_service(
                ServiceInfo::new(topic, &[topic]),
                Arc::new(|h: &Handle, request: &Message| {
                    let reply = Message::response_to(request, [b"re:".as_slice(), &request.payload].concat());
                    h.send_response(&reply).unwrap();
                }),
            )
            .unwrap();
        let mut answer = None;
        // The broker routes a request only once the registration reached its registry.
        for _ in 0..100 {
            match caller.sync_request(Message::request(topic, b"ping".to_vec()), WAIT) {
                Ok(m) => {
                    answer = Some(m.payload);
                    break;
                }
                Err(DxlError::Service { .. }) => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => panic!("request to {topic}: {e}"),
            }
        }
        assert_eq!(answer.as_deref(), Some(b"re:ping".as_slice()), "{topic}");
    }

    // Events both ways.
    let at_ws = listen(&ws, "/ws/test/to-ws");
    let at_tls = listen(&tls, "/ws/test/to-tls");
    tls.send_event(&Message::event("/ws/test/to-ws", b"over tls".to_vec()))
        .unwrap();
    ws.send_event(&Message::event("/ws/test/to-tls", b"over ws".to_vec()))
        .unwrap();
    assert_eq!(at_ws.recv_timeout(WAIT).unwrap(), b"over tls");
    assert_eq!(at_tls.recv_timeout(WAIT).unwrap(), b"over ws");
}

#[test]
fn failover_to_a_live_websocket_broker_and_back_after_a_restart() {
    if !netns::enter("failover_to_a_live_websocket_broker_and_back_after_a_restart") {
        return;
    }
    let mut broker = OpenDxlBroker::start_with_websockets();
    let dead_port = support::free_port(); // nothing listens there
    let mut config = broker.ws_client_config();
    config.websocket_brokers = vec![
        Broker::parse_config_line(&format!("dead;{dead_port};127.0.0.1")).unwrap(),
        Broker::parse_config_line(&format!("live;{};127.0.0.1", broker.ws_port())).unwrap(),
    ];
    config
        .set_reconnect_back_off(Duration::from_millis(200), 2, Duration::from_secs(1), 0.1)
        .unwrap();
    // Probed: the live broker first, one attempt.
    let client = connect(&config);
    assert_eq!(client.connection().unwrap().broker.unique_id, "live");
    assert_eq!(client.stats().connect_attempts, 1);
    // Through a proxy there is no probe: the dead broker is tried first, in the file's order,
    // then the live one.
    let proxy = Tinyproxy::start(TinyproxyOptions::default());
    let via_proxy = connect(&with_proxy(config.clone(), &proxy, None));
    let connection = via_proxy.connection().unwrap();
    assert_eq!(
        (connection.broker.unique_id.as_str(), connection.transport),
        ("live", TransportKind::WebSocketsViaProxy)
    );
    assert_eq!(via_proxy.stats().connect_attempts, 2);
    drop(via_proxy);
    let events = listen(&client, "/ws/test/restart");

    let (tx, states) = mpsc::channel();
    let tx = Mutex::new(tx);
    client.add_state_listener(Arc::new(move |s| {
        let _ = tx.lock().unwrap().send(s);
    }));
    broker.stop();
    while states.recv_timeout(WAIT).expect("the loss was not noticed") != ConnectionState::Disconnected {}
    assert_eq!(client.connection(), None);
    broker.start_again();
    while states.recv_timeout(WAIT * 2).expect("no reconnection") != ConnectionState::Connected {}
    let connection = client.connection().unwrap();
    assert_eq!(
        (connection.broker.unique_id.as_str(), connection.transport),
        ("live", TransportKind::WebSockets)
    );
    assert!(client.stats().reconnects >= 1);

    // Subscribed again: an event sent after the restart arrives.
    let sender = connect(&broker.client2_config());
    sender
        .send_event(&Message::event("/ws/test/restart", b"after restart".to_vec()))
        .unwrap();
    assert_eq!(events.recv_timeout(WAIT).unwrap(), b"after restart");
}

#[test]
fn connections_through_tinyproxy_with_and_without_authentication() {
    if !netns::enter("connections_through_tinyproxy_with_and_without_authentication") {
        return;
    }
    capture_logs();
    let broker = OpenDxlBroker::start_with_websockets();
    let open = Tinyproxy::start(TinyproxyOptions::default());
    let guarded = auth_proxy();
    let sender = connect(&broker.client2_config());
    for (proxy, credentials) in [(&open, None), (&guarded, Some((USER, PASSWORD)))] {
        let config = with_proxy(broker.ws_client_config(), proxy, credentials);
        let client = connect(&config);
        let connection = client.connection().unwrap();
        assert_eq!(connection.transport, TransportKind::WebSocketsViaProxy);
        assert_eq!(connection.proxy, Some(format!("127.0.0.1:{}", proxy.port())));
        let events = listen(&client, "/ws/test/proxied");
        sender
            .send_event(&Message::event("/ws/test/proxied", b"through the proxy".to_vec()))
            .unwrap();
        assert_eq!(events.recv_timeout(WAIT).unwrap(), b"through the proxy");
        // The tunnel really went through this proxy.
        assert!(
            proxy.log().contains(&format!("127.0.0.1:{}", broker.ws_port())),
            "{}",
            proxy.log()
        );
        assert_no_secret(&format!("{config:?}"), "the configuration's Debug form");
    }
    assert_no_secret(&captured().lock().unwrap(), "the log");
}

#[test]
fn proxy_refusals_are_named_and_the_credentials_never_shown() {
    if !netns::enter("proxy_refusals_are_named_and_the_credentials_never_shown") {
        return;
    }
    capture_logs();
    let broker = OpenDxlBroker::start_with_websockets();
    let guarded = auth_proxy();
    let target = format!("127.0.0.1:{}", broker.ws_port());
    let label = format!("HTTP proxy 127.0.0.1:{}", guarded.port());

    let e = connect_error(with_proxy(broker.ws_client_config(), &guarded, None)).to_string();
    println!("no credentials: {e}");
    assert!(e.contains(&label) && e.contains(&target), "{e}");
    assert!(e.contains("HTTP 407 Proxy Authentication Required"), "{e}");
    assert!(e.contains("it wants credentials"), "{e}");

    // tinyproxy 1.11 answers wrong credentials with 401 (and missing ones with 407).
    let e = connect_error(with_proxy(broker.ws_client_config(), &guarded, Some((USER, "wrong")))).to_string();
    println!("wrong credentials: {e}");
    assert!(e.contains(&label) && e.contains("HTTP 401 Unauthorized"), "{e}");
    assert!(e.contains("did not accept the User and Password"), "{e}");

    // The right credentials for a port the proxy does not tunnel to: 403.
    let port_refused = Tinyproxy::start(TinyproxyOptions {
        basic_auth: Some((USER.into(), PASSWORD.into())),
        connect_ports: vec![443],
    });
    let e = connect_error(with_proxy(
        broker.ws_client_config(),
        &port_refused,
        Some((USER, PASSWORD)),
    ))
    .to_string();
    println!("refused port: {e}");
    assert!(
        e.contains(&format!("HTTP proxy 127.0.0.1:{}", port_refused.port())),
        "{e}"
    );
    assert!(e.contains("HTTP 403 Forbidden"), "{e}");
    assert_no_secret(&e, "the 403 error");

    // Nothing listening where the proxy should be.
    let nobody = support::free_port();
    let mut config = broker.ws_client_config();
    config.proxy = Some(Proxy::new("127.0.0.1", u32::from(nobody), Some(USER), Some(PASSWORD)).unwrap());
    let e = connect_error(config).to_string();
    println!("nothing listening: {e}");
    assert!(
        e.contains(&format!("cannot reach the HTTP proxy 127.0.0.1:{nobody}")),
        "{e}"
    );
    assert!(e.contains("refused"), "{e}");
    assert_no_secret(&e, "the unreachable-proxy error");

    assert_no_secret(&captured().lock().unwrap(), "the log");
}

/// Runs `cmd` (an HTTPS server on 127.0.0.1:`port` in an empty folder, with the PKI's broker
/// certificate, which the client trusts) and returns the error of one connection pass to it
/// over WebSockets: the TLS handshake succeeds, the upgrade does not.
fn upgrade_error(pki: &support::Pki, port: u16, cmd: Command) -> String {
    upgrade_failure(pki, port, cmd).to_string()
}

/// [`upgrade_error`] as the error itself (its kind matters: TLS or connect).
fn upgrade_failure(pki: &support::Pki, port: u16, mut cmd: Command) -> DxlError {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let mut server = support::spawn_tied(cmd).unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "the HTTPS server did not listen");
        assert!(server.try_wait().unwrap().is_none(), "the HTTPS server exited");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut config = ClientConfig::new(
        dxltie::dxl::PemSource::File(pki.ca_cert.clone()),
        dxltie::dxl::PemSource::File(pki.client_cert.clone()),
        dxltie::dxl::PemSource::File(pki.client_key.clone()),
    );
    config.use_websockets = true;
    config.websocket_brokers = vec![Broker::parse_config_line(&format!("https;{port};127.0.0.1")).unwrap()];
    let e = connect_error(config);
    println!("{e}");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        e.to_string().contains(&format!("broker https at 127.0.0.1:{port}")),
        "{e}"
    );
    e
}

/// Python's HTTPS server on 127.0.0.1:`port` with this certificate and key, serving `dir`.
fn https_server(dir: &Path, port: u16, cert: &Path, key: &Path) -> Command {
    let mut python = Command::new("python3");
    python
        .arg("-c")
        .arg(
            "import http.server, ssl, sys\n\
             handler = http.server.SimpleHTTPRequestHandler\n\
             handler.protocol_version = 'HTTP/1.1'\n\
             server = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), handler)\n\
             context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
             context.load_cert_chain(sys.argv[2], sys.argv[3])\n\
             server.socket = context.wrap_socket(server.socket, server_side=True)\n\
             server.serve_forever()\n",
        )
        .arg(port.to_string())
        .arg(cert)
        .arg(key)
        .current_dir(dir);
    python
}

/// Over WebSockets the broker's certificate is checked as over MQTT/TLS, and a refusal says so
/// (a TLS error, not a connect error): a server whose certificate another CA signed.
#[test]
fn a_websocket_broker_with_an_untrusted_certificate_is_refused() {
    let pki = support::Pki::generate();
    let dir = TempDir::new("wss-untrusted");
    let port = support::free_port();
    let server = https_server(dir.path(), port, &pki.other_broker_cert, &pki.other_broker_key);
    match upgrade_failure(&pki, port, server) {
        DxlError::Tls(m) => assert!(m.contains("not signed by a CA of the broker CA bundle"), "{m}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

/// HTTPS servers that are no WebSocket endpoint: Python's `http.server` (HTTP/1.1, no file
/// named `mqtt`: 404) and `openssl s_server -WWW` (answers in HTTP/1.0, which cannot upgrade).
/// Their certificate is the PKI's ePO-like broker certificate, which names no host (no
/// subjectAltName): that the upgrade is reached shows the host name is not checked over
/// WebSockets either, while the chain is (the next test).
#[test]
fn a_refused_websocket_upgrade_is_named() {
    let pki = support::Pki::generate();
    let dir = TempDir::new("wss-refused");

    let port = support::free_port();
    let python = https_server(dir.path(), port, &pki.broker_cert, &pki.broker_key);
    let e = upgrade_error(&pki, port, python);
    assert!(
        e.contains("refused the WebSocket upgrade of /mqtt: it answered HTTP 404 Not Found"),
        "{e}"
    );

    let port = support::free_port();
    let mut openssl = Command::new("openssl");
    openssl
        .args(["s_server", "-quiet", "-WWW", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&pki.broker_cert)
        .arg("-key")
        .arg(&pki.broker_key)
        .current_dir(dir.path());
    let e = upgrade_error(&pki, port, openssl);
    assert!(e.contains("did not answer the WebSocket upgrade of /mqtt"), "{e}");
    assert!(e.contains("HTTP version must be 1.1 or higher"), "{e}");
}

fn peer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/dxl_peer.py")
}

/// One `dxlclient.config` (WebSockets, the broker, the proxy with credentials) used by the real
/// Python `dxlclient` and by dxltie: both connect through the proxy, and an event goes from
/// dxltie to Python and back.
#[test]
fn python_dxlclient_and_dxltie_share_one_config_through_the_proxy() {
    // The venv is made outside the namespace (first use downloads from PyPI).
    let python = support::python_venv();
    if !netns::enter("python_dxlclient_and_dxltie_share_one_config_through_the_proxy") {
        return;
    }
    let broker = OpenDxlBroker::start_with_websockets();
    let proxy = auth_proxy();
    let dir = TempDir::new("ws-shared-config");
    let text = std::fs::read_to_string(broker.ws_config_path()).unwrap()
        + &format!(
            "\n[Proxy]\nAddress=127.0.0.1\nPort={}\nUser={USER}\nPassword={PASSWORD}\n",
            proxy.port()
        );
    let path = dir.join("dxlclient.config");
    std::fs::write(&path, text).unwrap();

    let mut peer = support::spawn_tied({
        let mut c = Command::new(&python);
        c.arg(peer_script())
            .arg("serve")
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    })
    .unwrap();
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(peer.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if line.trim() != "READY" {
        let _ = peer.kill();
        let out = peer.wait_with_output().unwrap();
        panic!(
            "the Python dxlclient did not connect with {}: {line}{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let config = ClientConfig::from_file(&path).unwrap();
    assert_eq!(config.proxy.as_ref().unwrap().user.as_deref(), Some(USER));
    let client = connect(&config);
    assert_eq!(
        client.connection().unwrap().transport,
        TransportKind::WebSocketsViaProxy
    );
    let back = listen(&client, "/interop/from-py");
    client
        .send_event(&Message::event("/interop/to-py", b"hello".to_vec()))
        .unwrap();
    assert_eq!(back.recv_timeout(WAIT).unwrap(), b"py:hello");
    // Two tunnels to the broker: Python's and ours.
    let tunnels = proxy.log().matches(&format!("127.0.0.1:{}", broker.ws_port())).count();
    assert!(tunnels >= 2, "{}", proxy.log());

    drop(peer.stdin.take()); // the peer exits when its stdin closes
    let _ = peer.wait();
}
