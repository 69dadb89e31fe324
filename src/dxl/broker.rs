//! A broker address as a `dxlclient.config` line or a URL describes it (dxl-protocol.md §4.3).

use std::fmt;

use super::message::new_id;

/// One DXL broker: where to connect, by host name first and then by IP address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broker {
    /// The broker's id (usually a `{guid}`); empty when the line gave none.
    pub unique_id: String,
    pub port: u16,
    /// Host name or address, without IPv6 brackets.
    pub host_name: String,
    /// Optional second address tried after the host name, without IPv6 brackets.
    pub ip_address: Option<String>,
}

/// The default MQTT-over-TLS port of a DXL broker.
pub const DEFAULT_PORT: u16 = 8883;

fn parse_port(text: &str) -> Option<u16> {
    text.parse::<u32>()
        .ok()
        .filter(|p| (1..=65535).contains(p))
        .map(|p| p as u16)
}

/// Removes the brackets of an IPv6 literal (`[::1]` → `::1`), as the Python client does.
fn strip_brackets(text: &str) -> String {
    text.replace(['[', ']'], "")
}

impl Broker {
    /// Parses a config line: `port;host[;ip]` when the first element is a port, otherwise
    /// `id;port;host[;ip]`. Elements are trimmed; extra elements are ignored.
    pub fn parse_config_line(line: &str) -> Result<Broker, String> {
        let parts: Vec<&str> = line.split(';').map(str::trim).collect();
        if parts.len() < 2 {
            return Err(format!("broker line \"{line}\" needs at least a port and a host name"));
        }
        let (unique_id, rest) = match parse_port(parts[0]) {
            Some(_) => ("", &parts[..]),
            None => (parts[0], &parts[1..]),
        };
        let port = rest
            .first()
            .and_then(|p| parse_port(p))
            .ok_or_else(|| format!("broker line \"{line}\": invalid port (1 to 65535)"))?;
        let host_name = rest.get(1).map(|h| strip_brackets(h)).unwrap_or_default();
        if host_name.is_empty() {
            return Err(format!("broker line \"{line}\": missing host name"));
        }
        let ip_address = rest.get(2).map(|ip| strip_brackets(ip)).filter(|ip| !ip.is_empty());
        Ok(Broker {
            unique_id: unique_id.to_owned(),
            port,
            host_name,
            ip_address,
        })
    }

    /// Parses a URL `[ssl://|wss://]host[:port]` (IPv6 as `[::1]:8883`); the id is a new `{uuid}`.
    pub fn parse_url(url: &str) -> Result<Broker, String> {
        let rest = match url.split_once("://") {
            Some(("ssl" | "wss", rest)) => rest,
            Some((scheme, _)) => return Err(format!("broker URL \"{url}\": unsupported scheme \"{scheme}\"")),
            None => url,
        };
        let (host, port) = if let Some(after) = rest.strip_prefix('[') {
            let (host, tail) = after
                .split_once(']')
                .ok_or_else(|| format!("broker URL \"{url}\": unclosed '['"))?;
            (host, tail.strip_prefix(':'))
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => parse_port(p).ok_or_else(|| format!("broker URL \"{url}\": invalid port"))?,
        };
        if host.is_empty() {
            return Err(format!("broker URL \"{url}\": missing host name"));
        }
        Ok(Broker {
            unique_id: new_id(),
            port,
            host_name: host.to_owned(),
            ip_address: None,
        })
    }

    /// The line as a `dxlclient.config` writes it back: `[id;]port;host[;ip]`.
    pub fn to_config_line(&self) -> String {
        let mut line = String::new();
        if !self.unique_id.is_empty() {
            line.push_str(&self.unique_id);
            line.push(';');
        }
        line.push_str(&format!("{};{}", self.port, self.host_name));
        if let Some(ip) = &self.ip_address {
            line.push(';');
            line.push_str(ip);
        }
        line
    }

    /// The addresses to try, host name first (§4.6).
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.host_name.as_str()).chain(self.ip_address.as_deref())
    }
}

impl fmt::Display for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = if self.unique_id.is_empty() {
            ""
        } else {
            self.unique_id.as_str()
        };
        write!(
            f,
            "{id}{}{}:{}",
            if id.is_empty() { "" } else { "@" },
            self.host_name,
            self.port
        )
    }
}
