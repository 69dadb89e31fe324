//! The client configuration and its `dxlclient.config` loader (dxl-protocol.md §4).
//!
//! The file is read as the Python client (configobj) reads it: `[Section]` headers,
//! `key = value`, `#` comments (also inline), optional quotes, case-sensitive keys.
//! Errors name the file, the section and the key.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ini::{Ini, ParseOption};

use super::broker::Broker;
use super::message::new_id;

/// Where a PEM document comes from: a file, or bytes the caller already holds.
#[derive(Clone, PartialEq, Eq)]
pub enum PemSource {
    File(PathBuf),
    Pem(Vec<u8>),
}

/// The path of a file, but only the size of PEM bytes: they may hold a private key, and a
/// configuration printed with `{:?}` must not show it.
impl std::fmt::Debug for PemSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PemSource::File(path) => f.debug_tuple("File").field(path).finish(),
            PemSource::Pem(bytes) => write!(f, "Pem(<{} bytes>)", bytes.len()),
        }
    }
}

impl PemSource {
    /// The PEM bytes; a file is read now, so a file replaced on disk is picked up at the next
    /// connect.
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        match self {
            PemSource::File(path) => super::files::read_regular_file(path),
            PemSource::Pem(bytes) => Ok(bytes.clone()),
        }
    }

    /// A short description for error messages: the path, or "PEM buffer".
    pub fn describe(&self) -> String {
        match self {
            PemSource::File(path) => path.display().to_string(),
            PemSource::Pem(_) => "PEM buffer".to_owned(),
        }
    }
}

/// An HTTP CONNECT proxy, used only with WebSockets (§4.4).
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub address: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
}

/// Never the password (a configuration printed with `{:?}` ends up in logs and bug reports).
impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("address", &self.address)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

impl Proxy {
    /// A proxy at `address:port` (port 1 to 65535), with Basic credentials when `user` is given.
    pub fn new(address: &str, port: u32, user: Option<&str>, password: Option<&str>) -> Result<Proxy, ConfigError> {
        if address.trim().is_empty() {
            return Err(ConfigError::value("the proxy address is empty"));
        }
        let port = u16::try_from(port)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| ConfigError::value(format!("proxy port {port} out of range (1 to 65535)")))?;
        if password.is_some() && user.is_none() {
            return Err(ConfigError::value("a proxy password needs a proxy user"));
        }
        Ok(Proxy {
            address: address.trim().to_owned(),
            port,
            user: user.map(str::to_owned),
            password: password.map(str::to_owned),
        })
    }
}

/// What the network thread does when the queue to the dispatcher is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverflowPolicy {
    /// Stop reading from the broker until the dispatcher frees a slot: nothing is lost, as in the
    /// Python client (the broker drops what it cannot queue for us).
    Block,
    /// Drop the oldest queued message and count it: the connection never stalls.
    DropOldest,
}

/// Everything a client needs to connect: certificates, brokers and the connection settings
/// of dxl-protocol.md §4.5.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// The MQTT client id, `{uuid}` unless `[General] ClientId` sets one.
    pub client_id: String,
    /// CA certificates trusted for the broker (`[Certs] BrokerCertChain`).
    pub broker_ca: PemSource,
    /// The client certificate (`[Certs] CertFile`).
    pub client_cert: PemSource,
    /// The client private key, PKCS#1, PKCS#8 or SEC1, unencrypted (`[Certs] PrivateKey`).
    pub private_key: PemSource,
    pub brokers: Vec<Broker>,
    pub websocket_brokers: Vec<Broker>,
    pub use_websockets: bool,
    pub proxy: Option<Proxy>,
    /// Passes over the broker list for `connect`; -1 means until connected.
    pub connect_retries: i32,
    pub reconnect_delay: Duration,
    pub reconnect_back_off_multiplier: u32,
    pub reconnect_delay_max: Duration,
    /// Jitter fraction added to each delay (0.25 → up to +25 %).
    pub reconnect_delay_random: f64,
    pub reconnect_when_disconnected: bool,
    pub keep_alive: Duration,
    /// Capacity of the queue between the network thread and the dispatcher.
    pub incoming_queue_size: usize,
    pub overflow_policy: OverflowPolicy,
    /// Timeout of synchronous requests that do not give their own.
    pub default_request_timeout: Duration,
    /// How long the network thread busy-polls after handing a synchronous request its answer
    /// (zero, the default: it sleeps at once). See [`ClientConfig::set_busy_poll`].
    pub busy_poll: Duration,
}

/// What kind of configuration error: callers map it (the C API to a result code) without
/// looking at the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// The file could not be read: missing, not a regular file, too large, not text.
    Unreadable,
    /// The file's content is wrong: a missing section, key or certificate file, a bad line.
    Invalid,
    /// A value given to a setter (or set in the fields) is out of range or of the wrong form.
    InvalidValue,
}

/// A configuration error naming where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub kind: ConfigErrorKind,
    pub file: Option<PathBuf>,
    pub section: Option<String>,
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    fn at(file: &Path, section: &str, key: Option<&str>, message: impl Into<String>) -> Self {
        ConfigError {
            kind: ConfigErrorKind::Invalid,
            file: Some(file.to_owned()),
            section: Some(section.to_owned()),
            key: key.map(str::to_owned),
            message: message.into(),
        }
    }

    /// A value refused by a setter.
    pub fn value(message: impl Into<String>) -> Self {
        ConfigError {
            kind: ConfigErrorKind::InvalidValue,
            file: None,
            section: None,
            key: None,
            message: message.into(),
        }
    }
}

/// The largest MQTT keep-alive: the protocol carries it in 16 bits of seconds.
pub const MAX_KEEP_ALIVE_S: u64 = 65_535;
/// The longest client id: the reply topic `/mcafee/client/<id>` must fit in an MQTT string
/// (65 535 bytes).
pub const MAX_CLIENT_ID_LEN: usize = 65_535 - super::client::REPLY_TOPIC_PREFIX.len();

impl ClientConfig {
    /// Sets the MQTT client id: 1 to `MAX_CLIENT_ID_LEN` bytes.
    pub fn set_client_id(&mut self, id: &str) -> Result<(), ConfigError> {
        check_client_id(id)?;
        self.client_id = id.to_owned();
        Ok(())
    }

    /// Sets the keep-alive interval: 1 to 65 535 seconds (a larger value would be cut to 16
    /// bits on the wire: 65 537 s would become 1 s, 65 536 s would turn keep-alive off).
    pub fn set_keep_alive(&mut self, seconds: u64) -> Result<(), ConfigError> {
        check_keep_alive(Duration::from_secs(seconds))?;
        self.keep_alive = Duration::from_secs(seconds);
        Ok(())
    }

    /// The most busy polling [`ClientConfig::set_busy_poll`] allows.
    pub const MAX_BUSY_POLL_MICROS: u64 = 1000;

    /// Trades CPU for the latency of synchronous requests, as `SO_BUSY_POLL` does for a socket:
    /// after handing a synchronous request its answer, the network thread keeps polling the
    /// socket and the request channel for up to `micros` microseconds (at most 1000) instead of
    /// sleeping. A caller that asks again within that time, and an answer that comes back
    /// within it, then cost no thread wake-up. With a value above the round trip, a loop of
    /// lookups keeps the network thread busy for the whole loop (about a core), and ends
    /// `micros` after its last answer. Events, asynchronous requests and idle time never poll.
    /// 0, the default, turns it off.
    pub fn set_busy_poll(&mut self, micros: u64) -> Result<(), ConfigError> {
        check_busy_poll(Duration::from_micros(micros))?;
        self.busy_poll = Duration::from_micros(micros);
        Ok(())
    }

    /// Sets the reconnect back-off: first delay, multiplier (≥ 1), largest delay before jitter
    /// (≥ the first) and jitter fraction (0 to 1).
    pub fn set_reconnect_back_off(
        &mut self,
        initial: Duration,
        multiplier: u32,
        max: Duration,
        jitter: f64,
    ) -> Result<(), ConfigError> {
        check_back_off(initial, multiplier, max, jitter)?;
        self.reconnect_delay = initial;
        self.reconnect_back_off_multiplier = multiplier;
        self.reconnect_delay_max = max;
        self.reconnect_delay_random = jitter;
        Ok(())
    }

    /// Sets the passes over the broker list a connect makes: -1 (until connected) or more.
    pub fn set_connect_retries(&mut self, retries: i64) -> Result<(), ConfigError> {
        self.connect_retries = i32::try_from(retries).ok().filter(|r| *r >= -1).ok_or_else(|| {
            ConfigError::value(format!("connect retries {retries} out of range (-1 to {})", i32::MAX))
        })?;
        Ok(())
    }

    /// Sets the dispatcher queue: a capacity of at least 1 and its overflow policy.
    pub fn set_queue(&mut self, capacity: usize, policy: OverflowPolicy) -> Result<(), ConfigError> {
        if capacity == 0 {
            return Err(ConfigError::value("queue capacity must be at least 1"));
        }
        self.incoming_queue_size = capacity;
        self.overflow_policy = policy;
        Ok(())
    }

    /// Checks every value, for a configuration whose public fields were set directly.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_client_id(&self.client_id)?;
        check_keep_alive(self.keep_alive)?;
        check_back_off(
            self.reconnect_delay,
            self.reconnect_back_off_multiplier,
            self.reconnect_delay_max,
            self.reconnect_delay_random,
        )?;
        if self.connect_retries < -1 {
            return Err(ConfigError::value("connect retries must be -1 or more"));
        }
        if self.incoming_queue_size == 0 {
            return Err(ConfigError::value("queue capacity must be at least 1"));
        }
        check_busy_poll(self.busy_poll)?;
        Ok(())
    }
}

fn check_busy_poll(busy_poll: Duration) -> Result<(), ConfigError> {
    if busy_poll > Duration::from_micros(ClientConfig::MAX_BUSY_POLL_MICROS) {
        return Err(ConfigError::value(format!(
            "busy poll of {} µs: at most {} µs",
            busy_poll.as_micros(),
            ClientConfig::MAX_BUSY_POLL_MICROS
        )));
    }
    Ok(())
}

fn check_client_id(id: &str) -> Result<(), ConfigError> {
    if id.is_empty() {
        return Err(ConfigError::value("the client id is empty"));
    }
    if id.len() > MAX_CLIENT_ID_LEN {
        return Err(ConfigError::value(format!(
            "the client id is {} bytes long; at most {MAX_CLIENT_ID_LEN} fit in its reply topic",
            id.len()
        )));
    }
    Ok(())
}

fn check_keep_alive(keep_alive: Duration) -> Result<(), ConfigError> {
    let s = keep_alive.as_secs();
    if s == 0 || s > MAX_KEEP_ALIVE_S || keep_alive.subsec_nanos() != 0 {
        return Err(ConfigError::value(format!(
            "keep-alive {keep_alive:?} out of range: whole seconds from 1 to {MAX_KEEP_ALIVE_S} (MQTT's 16-bit field)"
        )));
    }
    Ok(())
}

/// The shortest first reconnect delay accepted: anything shorter makes a lost broker a hot loop
/// of connection attempts, from every client of a fleet.
pub const MIN_RECONNECT_DELAY: Duration = Duration::from_millis(100);

fn check_back_off(initial: Duration, multiplier: u32, max: Duration, jitter: f64) -> Result<(), ConfigError> {
    if initial < MIN_RECONNECT_DELAY {
        return Err(ConfigError::value(format!(
            "the first reconnect delay {initial:?} is below the minimum of {MIN_RECONNECT_DELAY:?}"
        )));
    }
    if multiplier == 0 || !(0.0..=1.0).contains(&jitter) || max < initial {
        return Err(ConfigError::value(format!(
            "back-off needs multiplier >= 1, 0 <= jitter <= 1 and max delay >= initial delay \
             (got multiplier {multiplier}, jitter {jitter}, initial {initial:?}, max {max:?})"
        )));
    }
    Ok(())
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        match (&self.section, &self.key) {
            (Some(s), Some(k)) => write!(f, "[{s}] {k}: ")?,
            (Some(s), None) => write!(f, "[{s}]: ")?,
            _ => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ClientConfig {
    /// A configuration with the Python client's defaults and no brokers.
    pub fn new(broker_ca: PemSource, client_cert: PemSource, private_key: PemSource) -> Self {
        ClientConfig {
            client_id: new_id(),
            broker_ca,
            client_cert,
            private_key,
            brokers: Vec::new(),
            websocket_brokers: Vec::new(),
            use_websockets: false,
            proxy: None,
            connect_retries: -1,
            reconnect_delay: Duration::from_secs(1),
            reconnect_back_off_multiplier: 2,
            reconnect_delay_max: Duration::from_secs(60),
            reconnect_delay_random: 0.25,
            reconnect_when_disconnected: true,
            keep_alive: Duration::from_secs(1800),
            incoming_queue_size: 1000,
            overflow_policy: OverflowPolicy::Block,
            default_request_timeout: Duration::from_secs(3600),
            busy_poll: Duration::ZERO,
        }
    }

    /// The brokers this configuration connects to: the WebSocket list or the MQTT list, never
    /// both (§4.4).
    pub fn active_brokers(&self) -> &[Broker] {
        if self.use_websockets {
            &self.websocket_brokers
        } else {
            &self.brokers
        }
    }

    /// Reads a `dxlclient.config` file as the Python client does.
    ///
    /// Certificate paths that are neither absolute nor an existing file are resolved against the
    /// file's folder; each certificate file must exist.
    pub fn from_file(path: impl AsRef<Path>) -> Result<ClientConfig, ConfigError> {
        let path = path.as_ref();
        let unreadable = |message: String| ConfigError {
            kind: ConfigErrorKind::Unreadable,
            file: Some(path.to_owned()),
            section: None,
            key: None,
            message,
        };
        let bytes = super::files::read_regular_file(path)
            .map_err(|e| unreadable(format!("cannot read the configuration file: {e}")))?;
        let text =
            String::from_utf8(bytes).map_err(|_| unreadable("the configuration file is not UTF-8 text".to_owned()))?;
        Self::from_text(&text, path)
    }

    /// Parses configuration text; `path` names the file in errors and anchors relative paths.
    pub fn from_text(text: &str, path: &Path) -> Result<ClientConfig, ConfigError> {
        // No escapes (Windows paths keep their backslashes) and no quote handling (configobj's
        // quoting is applied per value below).
        let options = ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            ..ParseOption::default()
        };
        let ini = Ini::load_from_str_opt(text, options).map_err(|e| ConfigError {
            kind: ConfigErrorKind::Invalid,
            file: Some(path.to_owned()),
            section: None,
            key: None,
            message: format!("not a valid configuration file: {e}"),
        })?;
        let folder = path.parent().unwrap_or(Path::new("."));

        let certs = ini
            .section(Some("Certs"))
            .ok_or_else(|| ConfigError::at(path, "Certs", None, "section missing"))?;
        let pem = |key: &str| -> Result<PemSource, ConfigError> {
            let raw = certs
                .get(key)
                .map(configobj_value)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ConfigError::at(path, "Certs", Some(key), "missing"))?;
            let resolved = resolve_cert_path(&raw, folder);
            if let Some(what) = super::files::not_regular(&resolved) {
                return Err(ConfigError::at(
                    path,
                    "Certs",
                    Some(key),
                    format!("{} is {what}, not a regular file", resolved.display()),
                ));
            }
            if !resolved.is_file() {
                return Err(ConfigError::at(
                    path,
                    "Certs",
                    Some(key),
                    format!("file not found: {}", resolved.display()),
                ));
            }
            Ok(PemSource::File(resolved))
        };
        let mut config = ClientConfig::new(pem("BrokerCertChain")?, pem("CertFile")?, pem("PrivateKey")?);

        let general = ini.section(Some("General"));
        let general_value = |key: &str| general.and_then(|s| s.get(key)).map(configobj_value);
        if let Some(id) = general_value("ClientId").filter(|id| !id.is_empty()) {
            config.client_id = id;
        }
        config.brokers = read_brokers(&ini, "Brokers", path)?;
        config.websocket_brokers = read_brokers(&ini, "BrokersWebSockets", path)?;
        config.use_websockets = match general_value("UseWebSockets") {
            Some(v) => parse_bool(&v).ok_or_else(|| {
                ConfigError::at(
                    path,
                    "General",
                    Some("UseWebSockets"),
                    format!("not a boolean: \"{v}\""),
                )
            })?,
            None => config.brokers.is_empty() && !config.websocket_brokers.is_empty(),
        };
        config.proxy = read_proxy(&ini, path)?;
        Ok(config)
    }
}

/// Applies configobj's value rules to a raw value: trimmed, a quoted value loses its quotes,
/// an unquoted value ends at an inline `#` comment.
fn configobj_value(raw: &str) -> String {
    let v = raw.trim();
    for quote in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(quote) {
            if let Some(end) = v[1..].find(quote) {
                return v[1..1 + end].to_owned();
            }
        }
    }
    match v.find('#') {
        Some(i) => v[..i].trim_end().to_owned(),
        None => v.to_owned(),
    }
}

/// configobj's `as_bool` words.
fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The Python rule: a path that is neither absolute nor an existing file is taken relative to
/// the configuration file's folder.
fn resolve_cert_path(value: &str, folder: &Path) -> PathBuf {
    let p = PathBuf::from(value);
    if p.is_absolute() || p.is_file() {
        p
    } else {
        folder.join(p)
    }
}

fn read_brokers(ini: &Ini, section: &str, path: &Path) -> Result<Vec<Broker>, ConfigError> {
    let Some(entries) = ini.section(Some(section)) else {
        return Ok(Vec::new());
    };
    entries
        .iter()
        .map(|(key, value)| {
            Broker::parse_config_line(&configobj_value(value)).map_err(|e| ConfigError::at(path, section, Some(key), e))
        })
        .collect()
}

fn read_proxy(ini: &Ini, path: &Path) -> Result<Option<Proxy>, ConfigError> {
    let Some(section) = ini.section(Some("Proxy")) else {
        return Ok(None);
    };
    let get = |key: &str| section.get(key).map(configobj_value).filter(|v| !v.is_empty());
    let (Some(address), Some(port_text)) = (get("Address"), get("Port")) else {
        return Ok(None);
    };
    let port = port_text
        .parse::<u32>()
        .ok()
        .filter(|p| (1..=65535).contains(p))
        .ok_or_else(|| {
            ConfigError::at(
                path,
                "Proxy",
                Some("Port"),
                format!("invalid port \"{port_text}\" (1 to 65535)"),
            )
        })?;
    Ok(Some(Proxy {
        address,
        port: port as u16,
        user: get("User"),
        password: get("Password"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_bytes_are_never_printed() {
        let key = PemSource::Pem(b"-----BEGIN PRIVATE KEY-----secret".to_vec());
        let text = format!("{key:?}");
        assert!(!text.contains("secret") && !text.contains("BEGIN"), "{text}");
        assert_eq!(text, "Pem(<33 bytes>)");
        let config = ClientConfig::new(key.clone(), key.clone(), key);
        assert!(!format!("{config:?}").contains("secret"));
    }

    #[test]
    fn busy_poll_is_checked_by_the_setter_and_by_validate() {
        let pem = || PemSource::Pem(Vec::new());
        let mut config = ClientConfig::new(pem(), pem(), pem());
        assert!(config.set_busy_poll(1001).is_err());
        config.set_busy_poll(1000).unwrap();
        assert!(config.validate().is_ok());
        // Set directly, as `validate` exists for: refused (an hour would overflow nothing but
        // spin a core after every answer; Duration::MAX would overflow the deadline).
        config.busy_poll = Duration::MAX;
        assert_eq!(config.validate().unwrap_err().kind, ConfigErrorKind::InvalidValue);
    }
}
