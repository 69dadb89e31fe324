//! How the bytes of an MQTT session reach a broker (dxl-protocol.md §4.4): MQTT over TLS, or
//! MQTT over secure WebSockets (`wss://host:port/mqtt`, `[General] UseWebSockets`), the latter
//! optionally through the HTTP proxy of `[Proxy]`. Both use the same rustls configuration
//! (mutual TLS, the broker's chain verified, its host name not checked: `tls.rs`).
//!
//! The HTTP CONNECT step is rumqttc's own (`proxy` feature, async-http-proxy): it takes our
//! stream and TLS configuration unchanged, does Basic authentication, and reports the proxy's
//! status code. rumqttc has no hook for a stream we open ourselves, so a CONNECT of our own
//! would need a relay in between; we keep theirs and make its errors readable here instead
//! (it reports "The HTTP code is not equal 200: 407" and names neither the proxy nor the
//! cause). The proxy's password is only ever handed to rumqttc; nothing here formats it.

use std::error::Error;
use std::fmt;

use rumqttc::{ConnectionError, MqttOptions, TlsConfiguration, Transport};

use super::broker::Broker;
use super::config::{ClientConfig, Proxy};

/// The path of the MQTT WebSocket endpoint of a DXL broker, as the Python client uses it.
pub const WEBSOCKET_PATH: &str = "/mqtt";

/// Which transport a connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// MQTT over TLS (`[Brokers]`).
    MqttTls,
    /// MQTT over secure WebSockets (`[BrokersWebSockets]`), straight to the broker.
    WebSockets,
    /// MQTT over secure WebSockets through the HTTP proxy of `[Proxy]`.
    WebSocketsViaProxy,
}

impl TransportKind {
    /// The transport a configuration asks for. A proxy is used only with WebSockets, as the
    /// Python client uses it.
    pub fn of(config: &ClientConfig) -> TransportKind {
        match (config.use_websockets, &config.proxy) {
            (false, _) => TransportKind::MqttTls,
            (true, None) => TransportKind::WebSockets,
            (true, Some(_)) => TransportKind::WebSocketsViaProxy,
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::MqttTls => "MQTT over TLS",
            TransportKind::WebSockets => "MQTT over secure WebSockets",
            TransportKind::WebSocketsViaProxy => "MQTT over secure WebSockets through an HTTP proxy",
        })
    }
}

/// The connection a client holds: its transport and the broker at the address it answered on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub transport: TransportKind,
    pub broker: Broker,
    /// The address used (the broker's host name or its IP address).
    pub address: String,
    /// `address:port` of the proxy, for [`TransportKind::WebSocketsViaProxy`].
    pub proxy: Option<String>,
}

impl Connection {
    /// `[id ]address:port[ via proxy address:port]`, as the C stats carry it.
    pub fn broker_text(&self) -> String {
        let mut text = String::new();
        if !self.broker.unique_id.is_empty() {
            text.push_str(&self.broker.unique_id);
            text.push(' ');
        }
        text.push_str(&host_port(&self.address, self.broker.port));
        if let Some(p) = &self.proxy {
            text.push_str(" via proxy ");
            text.push_str(p);
        }
        text
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.broker_text(), self.transport)
    }
}

/// `host:port`, an IPv6 literal in brackets.
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The proxy as error messages name it: `proxy address:port`, never its credentials.
pub fn proxy_label(proxy: &Proxy) -> String {
    format!("HTTP proxy {}", host_port(&proxy.address, proxy.port))
}

/// Sets the transport (and the proxy) of `options` for one attempt at `address`.
pub(crate) fn apply(options: &mut MqttOptions, config: &ClientConfig, tls: &std::sync::Arc<rustls::ClientConfig>) {
    let tls = TlsConfiguration::Rustls(tls.clone());
    if !config.use_websockets {
        options.set_transport(Transport::Tls(tls));
        return;
    }
    // rumqttc takes the host and port of a WebSocket connection from the URL (the broker
    // address given to MqttOptions::new), and sends the TLS server name from it too.
    options.set_transport(Transport::Wss(tls));
    if let Some(proxy) = &config.proxy {
        let auth = match &proxy.user {
            Some(user) => rumqttc::ProxyAuth::Basic {
                username: user.clone(),
                password: proxy.password.clone().unwrap_or_default(),
            },
            None => rumqttc::ProxyAuth::None,
        };
        options.set_proxy(rumqttc::Proxy {
            ty: rumqttc::ProxyType::Http,
            auth,
            addr: proxy.address.clone(),
            port: proxy.port,
        });
    }
}

/// The broker address to give `MqttOptions::new`: the host for MQTT/TLS, the URL for
/// WebSockets.
pub(crate) fn broker_address(config: &ClientConfig, address: &str, port: u16) -> String {
    if config.use_websockets {
        format!("wss://{}{WEBSOCKET_PATH}", host_port(address, port))
    } else {
        address.to_owned()
    }
}

/// A readable reason for a failure of the proxy or WebSocket step of an attempt; None for the
/// other failures (TCP, TLS, MQTT), which `tls_diagnosis` describes.
pub(crate) fn describe(error: &ConnectionError, config: &ClientConfig, address: &str, port: u16) -> Option<String> {
    match error {
        ConnectionError::Proxy(e) => {
            let proxy = config.proxy.as_ref()?;
            Some(describe_proxy(e, proxy, address, port))
        }
        ConnectionError::Websocket(tungstenite::Error::Http(response)) => Some(format!(
            "the broker refused the WebSocket upgrade of {WEBSOCKET_PATH}: it answered HTTP {} \
             (is this a WebSocket port of a DXL broker? [BrokersWebSockets])",
            response.status()
        )),
        ConnectionError::Websocket(tungstenite::Error::Protocol(e)) => Some(format!(
            "the server did not answer the WebSocket upgrade of {WEBSOCKET_PATH} as a WebSocket \
             endpoint: {e} (is this a WebSocket port of a DXL broker? [BrokersWebSockets])"
        )),
        ConnectionError::ResponseValidation(e) => Some(format!(
            "the broker accepted the WebSocket upgrade of {WEBSOCKET_PATH} but not as MQTT: {e}"
        )),
        _ => None,
    }
}

/// rumqttc's `ProxyError` is not exported: its cause (`#[from]`, so `source()`) is either the
/// TCP connect to the proxy (`io::Error`) or the CONNECT exchange (`HttpError`).
fn describe_proxy(error: &dyn Error, proxy: &Proxy, address: &str, port: u16) -> String {
    use async_http_proxy::HttpError;
    let label = proxy_label(proxy);
    let target = host_port(address, port);
    let cause = error.source();
    if let Some(http) = cause.and_then(|c| c.downcast_ref::<HttpError>()) {
        return match http {
            HttpError::HttpCode200(code) => {
                let reason = http::StatusCode::from_u16(*code)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                let why = match (code, &proxy.user) {
                    (407, None) => " (it wants credentials: set User and Password in [Proxy])",
                    // tinyproxy answers wrong credentials with 401, not 407.
                    (401 | 407, Some(_)) => " (it did not accept the User and Password of [Proxy])",
                    (403, _) => " (it does not allow tunnels to this broker or port)",
                    _ => "",
                };
                format!("the {label} refused the tunnel to {target}: it answered HTTP {code} {reason}{why}")
            }
            HttpError::IoError(e) => format!("the {label} failed while opening the tunnel to {target}: {e}"),
            HttpError::EndOfFile => {
                format!("the {label} closed the connection without answering the tunnel request to {target}")
            }
            other => format!("the {label} gave an answer that is not HTTP to the tunnel request to {target}: {other}"),
        };
    }
    match cause.and_then(|c| c.downcast_ref::<std::io::Error>()) {
        Some(e) => format!("cannot reach the {label}: {e}"),
        None => format!("the {label}: {error}"),
    }
}
