//! The embedded MQTT broker: rumqttd with one MQTT 3.1.1 listener on 127.0.0.1, TLS by rustls,
//! and client certificates required and verified against the fabric CA (rumqttd's
//! `verify-client-cert` feature builds a `WebPkiClientVerifier` that refuses a handshake without
//! a client certificate chaining to that CA).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttd::{Config, ConnectionSettings, RouterConfig, ServerSettings, TlsConfig};

use crate::pki::{Pki, BROKER_CERT, BROKER_KEY, CA_CERT};

/// The largest MQTT packet the broker takes. A DXL broker drops payloads above 1 MiB; rumqttd
/// closes the connection instead, so the limit here is generous.
const MAX_PACKET: usize = 8 * 1024 * 1024;

/// A running broker. rumqttd has no stop call: it ends with the process.
pub struct RunningBroker {
    pub port: u16,
    _thread: JoinHandle<()>,
}

fn config(pki: &Pki, port: u16) -> Config {
    let path = |name: &str| pki.path(name).to_string_lossy().into_owned();
    let server = ServerSettings {
        name: "dxltie-fabric".to_owned(),
        listen: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)),
        tls: Some(TlsConfig::Rustls {
            capath: Some(path(CA_CERT)),
            certpath: path(BROKER_CERT),
            keypath: path(BROKER_KEY),
        }),
        next_connection_delay_ms: 1,
        connections: ConnectionSettings {
            connection_timeout_ms: 10_000,
            max_payload_size: MAX_PACKET,
            max_inflight_count: 100,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    Config {
        id: 0,
        router: RouterConfig {
            max_connections: 1024,
            max_outgoing_packet_count: 200,
            max_segment_size: 4 * MAX_PACKET,
            max_segment_count: 4,
            ..RouterConfig::default()
        },
        v4: Some(HashMap::from([("1".to_owned(), server)])),
        ..Config::default()
    }
}

/// A port that is free now on 127.0.0.1 (the OS picks it).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// Starts the broker on `port` (0: a free port) and waits until it accepts TCP connections.
pub fn start(pki: &Pki, port: u16, timeout: Duration) -> Result<RunningBroker, String> {
    // With port 0 the free port is chosen here and handed to rumqttd, which binds it itself; if
    // another process takes it in between, try another one.
    let attempts = if port == 0 { 5 } else { 1 };
    let mut last_error = String::new();
    for _ in 0..attempts {
        let port = if port == 0 {
            free_port().map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))?
        } else {
            // rumqttd only logs a failed bind; find out here, before taking another listener
            // on that port for ours.
            TcpListener::bind((Ipv4Addr::LOCALHOST, port))
                .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
            port
        };
        let mut broker = rumqttd::Broker::new(config(pki, port));
        let thread = std::thread::Builder::new()
            .name("rumqttd".into())
            .spawn(move || {
                if let Err(e) = broker.start() {
                    eprintln!("dxltie-fabric: broker error: {e}");
                }
            })
            .map_err(|e| format!("cannot start the broker thread: {e}"))?;
        match wait_accepting(port, &thread, timeout) {
            Ok(()) => return Ok(RunningBroker { port, _thread: thread }),
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

/// Polls until 127.0.0.1:`port` accepts a TCP connection. The probe connection is closed at
/// once, which rumqttd logs as a failed TLS handshake and forgets.
fn wait_accepting(port: u16, thread: &JoinHandle<()>, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
    loop {
        if thread.is_finished() {
            return Err(format!("the broker could not listen on 127.0.0.1:{port}"));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the broker did not accept connections on 127.0.0.1:{port} within {timeout:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
