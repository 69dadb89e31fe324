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
//!
//! What their CONNECT cannot do, and we accept for now: it keeps only the status code of a
//! refusal (we add the standard reason phrase, not the proxy's own), and it writes the target as
//! `host:port` without brackets, so a broker given as an IPv6 literal cannot be reached through
//! a proxy (one given by host name can).

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dxl::config::PemSource;

    fn config(use_websockets: bool, proxy: Option<Proxy>) -> ClientConfig {
        let mut c = ClientConfig::new(
            PemSource::Pem(Vec::new()),
            PemSource::Pem(Vec::new()),
            PemSource::Pem(Vec::new()),
        );
        c.use_websockets = use_websockets;
        c.proxy = proxy;
        c
    }

    #[test]
    fn addresses_urls_and_transports() {
        let proxy = Proxy::new("proxy", 3128, Some("u"), Some("p")).unwrap();
        assert_eq!(
            TransportKind::of(&config(false, Some(proxy.clone()))),
            TransportKind::MqttTls
        );
        assert_eq!(TransportKind::of(&config(true, None)), TransportKind::WebSockets);
        assert_eq!(
            TransportKind::of(&config(true, Some(proxy.clone()))),
            TransportKind::WebSocketsViaProxy
        );
        assert_eq!(broker_address(&config(false, None), "10.0.0.5", 8883), "10.0.0.5");
        assert_eq!(
            broker_address(&config(true, None), "10.0.0.5", 443),
            "wss://10.0.0.5:443/mqtt"
        );
        assert_eq!(broker_address(&config(true, None), "::1", 443), "wss://[::1]:443/mqtt");
        assert_eq!(proxy_label(&proxy), "HTTP proxy proxy:3128");
    }

    #[test]
    fn the_connection_text_names_broker_and_proxy() {
        let connection = Connection {
            transport: TransportKind::WebSocketsViaProxy,
            broker: Broker::parse_config_line("{b1};443;dxl1;10.0.0.5").unwrap(),
            address: "10.0.0.5".into(),
            proxy: Some("proxy:3128".into()),
        };
        assert_eq!(connection.broker_text(), "{b1} 10.0.0.5:443 via proxy proxy:3128");
        assert_eq!(
            connection.to_string(),
            "{b1} 10.0.0.5:443 via proxy proxy:3128 (MQTT over secure WebSockets through an HTTP proxy)"
        );
    }

    #[test]
    fn a_proxy_is_checked_and_its_password_never_printed() {
        assert!(Proxy::new("", 3128, None, None).is_err());
        assert!(Proxy::new("p", 0, None, None).is_err());
        assert!(Proxy::new("p", 65536, None, None).is_err());
        assert!(Proxy::new("p", 3128, None, Some("secret")).is_err());
        let proxy = Proxy::new("p", 3128, Some("user"), Some("s3cr3t-pw")).unwrap();
        let shown = format!("{proxy:?} {:?}", config(true, Some(proxy.clone())));
        assert!(!shown.contains("s3cr3t-pw") && shown.contains("<hidden>"), "{shown}");
    }
}
