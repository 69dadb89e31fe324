//! A minimal blocking MQTT 3.1.1 client over rustls for the benchmark's own traffic: the event
//! flood (every PUBLISH encoded before the clock starts, then written in large chunks) and the
//! request responder (one thread: read a request, write its pre-encoded answer, no queues or
//! thread hops). Both serve every client under test alike, so neither flatters one of them.
//!
//! QoS 0 only, as DXL; no keep-alive (the broker never expects a PINGREQ).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls::{ClientConnection, StreamOwned};
use rustls_pki_types::ServerName;

pub struct RawMqtt {
    stream: StreamOwned<ClientConnection, TcpStream>,
    /// Bytes read but not yet parsed into packets.
    inbox: Vec<u8>,
}

fn put_remaining_length(out: &mut Vec<u8>, mut len: usize) {
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if len == 0 {
            break;
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

/// Appends a QoS 0 PUBLISH of `payload` on `topic` to `out`.
pub fn put_publish(out: &mut Vec<u8>, topic: &str, payload: &[u8]) {
    out.push(0x30);
    put_remaining_length(out, 2 + topic.len() + payload.len());
    put_str(out, topic.as_bytes());
    out.extend_from_slice(payload);
}

/// One received packet: its first byte (type and flags) and its body.
pub struct Packet {
    pub header: u8,
    pub body: Vec<u8>,
}

impl Packet {
    /// A PUBLISH's topic and payload (QoS 0: no packet id).
    pub fn publish(&self) -> Option<(&str, &[u8])> {
        if self.header >> 4 != 3 || self.body.len() < 2 {
            return None;
        }
        let len = u16::from_be_bytes([self.body[0], self.body[1]]) as usize;
        let topic = std::str::from_utf8(self.body.get(2..2 + len)?).ok()?;
        let mut rest = &self.body[2 + len..];
        if (self.header >> 1) & 3 != 0 {
            rest = rest.get(2..)?; // packet id of QoS 1/2 (never asked for)
        }
        Some((topic, rest))
    }
}

impl RawMqtt {
    /// Connects with TLS (`tls`: the client configuration dxltie itself uses) and waits for a
    /// successful CONNACK.
    pub fn connect(port: u16, tls: Arc<rustls::ClientConfig>, client_id: &str) -> std::io::Result<RawMqtt> {
        let tcp = TcpStream::connect(("127.0.0.1", port))?;
        tcp.set_nodelay(true)?;
        let name = ServerName::try_from("localhost").expect("a valid name").to_owned();
        let conn = ClientConnection::new(tls, name).map_err(std::io::Error::other)?;
        let mut me = RawMqtt {
            stream: StreamOwned::new(conn, tcp),
            inbox: Vec::with_capacity(64 * 1024),
        };
        let mut body = Vec::new();
        put_str(&mut body, b"MQTT");
        body.push(4); // 3.1.1
        body.push(0x02); // clean session
        body.extend_from_slice(&0u16.to_be_bytes()); // no keep-alive
        put_str(&mut body, client_id.as_bytes());
        let mut packet = vec![0x10];
        put_remaining_length(&mut packet, body.len());
        packet.extend_from_slice(&body);
        me.write(&packet)?;
        let ack = me.read_packet()?;
        if ack.header != 0x20 || ack.body.get(1) != Some(&0) {
            return Err(std::io::Error::other(format!("CONNACK refused: {:?}", ack.body)));
        }
        Ok(me)
    }

    /// Subscribes to `topic` (QoS 0) and waits for the SUBACK.
    pub fn subscribe(&mut self, topic: &str) -> std::io::Result<()> {
        let mut body = 1u16.to_be_bytes().to_vec();
        put_str(&mut body, topic.as_bytes());
        body.push(0);
        let mut packet = vec![0x82];
        put_remaining_length(&mut packet, body.len());
        packet.extend_from_slice(&body);
        self.write(&packet)?;
        loop {
            let p = self.read_packet()?;
            if p.header >> 4 == 9 {
                return Ok(());
            }
        }
    }

    /// Writes `bytes` (any number of whole packets) and flushes them to the socket.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Sends DISCONNECT and closes the TLS session.
    pub fn disconnect(mut self) {
        let _ = self.write(&[0xe0, 0x00]);
        self.stream.conn.send_close_notify();
        let _ = self.stream.flush();
    }

    /// The next packet from the broker (blocks).
    pub fn read_packet(&mut self) -> std::io::Result<Packet> {
        loop {
            if let Some(packet) = self.buffered_packet() {
                return Ok(packet);
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.inbox.extend_from_slice(&chunk[..n]);
        }
    }

    /// The next packet if it has been read whole already (never blocks).
    pub fn buffered_packet(&mut self) -> Option<Packet> {
        let (header, start, len) = self.parse_head()?;
        if self.inbox.len() < start + len {
            return None;
        }
        let body = self.inbox[start..start + len].to_vec();
        self.inbox.drain(..start + len);
        Some(Packet { header, body })
    }

    /// The fixed header at the front of the inbox: (first byte, body offset, body length).
    fn parse_head(&self) -> Option<(u8, usize, usize)> {
        let header = *self.inbox.first()?;
        let mut len = 0usize;
        for i in 0..4 {
            let b = *self.inbox.get(1 + i)?;
            len |= ((b & 0x7f) as usize) << (7 * i);
            if b & 0x80 == 0 {
                return Some((header, 2 + i, len));
            }
        }
        None
    }
}
