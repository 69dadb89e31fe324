//! Encoding and decoding of DXL messages (dxl-protocol.md §1.2–§1.5, §1.8).
//!
//! A DXL payload is a stream of top-level msgpack objects in a fixed order. We encode exactly
//! what the Python reference client writes (version 2, old-spec raw string headers) and decode
//! liberally (str8, bin, nil, any integer width, versions above 3 with trailing fields).

use std::fmt;

use rmp::Marker;

use super::message::{Message, MessageKind, MessageType, MESSAGE_VERSION};

/// Why a byte string is not a DXL message. Such a message is dropped, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended inside the named field.
    Truncated { field: &'static str },
    /// The named field holds a msgpack type that cannot stand there.
    WrongType { field: &'static str, marker: u8 },
    /// The message type is not 0..=3: not a DXL message (a plain MQTT payload, for example).
    UnknownMessageType(i64),
    /// An integer that does not fit the named field (a negative version, for example).
    OutOfRange { field: &'static str },
    /// A string field that is not UTF-8.
    InvalidUtf8 { field: &'static str },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { field } => write!(f, "truncated message: input ends in {field}"),
            DecodeError::WrongType { field, marker } => {
                write!(f, "not a DXL message: {field} has msgpack type 0x{marker:02x}")
            }
            DecodeError::UnknownMessageType(t) => write!(f, "not a DXL message: unknown message type {t}"),
            DecodeError::OutOfRange { field } => write!(f, "not a DXL message: {field} out of range"),
            DecodeError::InvalidUtf8 { field } => write!(f, "not a DXL message: {field} is not UTF-8"),
        }
    }
}

impl std::error::Error for DecodeError {}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Writes a string or payload header in the msgpack "old spec" raw family.
///
/// Hand-written on purpose: the Python client (msgpack 0.x, `use_bin_type=False`) and the OpenDXL
/// broker (`msgpack_pack_v4raw`) write `a0`–`bf`, `da`+u16 and `db`+u32 and never `d9` (str8) or
/// `c4`–`c6` (bin). msgpack crates write `d9` for 32–255 bytes, which would make our bytes differ
/// from the reference client's, and `bin` payloads are rejected by the broker (§1.5).
fn write_raw_header(out: &mut Vec<u8>, len: usize) {
    if len <= 31 {
        out.push(0xa0 | len as u8);
    } else if len <= u16::MAX as usize {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

fn write_raw(out: &mut Vec<u8>, bytes: &[u8]) {
    write_raw_header(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn write_str_array<'a>(out: &mut Vec<u8>, items: impl ExactSizeIterator<Item = &'a str>) {
    // Writing into a Vec cannot fail.
    rmp::encode::write_array_len(out, items.len() as u32).expect("write to Vec");
    for s in items {
        write_raw(out, s.as_bytes());
    }
}

/// Encodes `message` as version 2, byte-identical to the Python client's `_to_bytes()`.
///
/// Every string is written with an old-spec raw header, never nil: a field Python would write
/// as nil (an ErrorResponse built without a request) is written as an empty string, which the
/// broker accepts (§1.5). Payloads over 4 GiB cannot be represented; DXL limits them to 1 MiB.
pub fn encode(message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + message.payload.len() + message.message_id.len());
    rmp::encode::write_uint(&mut out, MESSAGE_VERSION as u64).expect("write to Vec");
    rmp::encode::write_uint(&mut out, message.message_type() as u64).expect("write to Vec");
    write_raw(&mut out, message.message_id.as_bytes());
    write_raw(&mut out, message.source_client_id.as_bytes());
    write_raw(&mut out, message.source_broker_id.as_bytes());
    write_str_array(&mut out, message.broker_ids.iter().map(String::as_str));
    write_str_array(&mut out, message.client_ids.iter().map(String::as_str));
    write_raw(&mut out, &message.payload);
    match &message.kind {
        MessageKind::Request {
            reply_to_topic,
            service_id,
        } => {
            write_raw(&mut out, reply_to_topic.as_bytes());
            write_raw(&mut out, service_id.as_bytes());
        }
        MessageKind::Response {
            request_message_id,
            service_id,
        } => {
            write_raw(&mut out, request_message_id.as_bytes());
            write_raw(&mut out, service_id.as_bytes());
        }
        MessageKind::ErrorResponse {
            request_message_id,
            service_id,
            error_code,
            error_message,
        } => {
            write_raw(&mut out, request_message_id.as_bytes());
            write_raw(&mut out, service_id.as_bytes());
            // Smallest encoding of the value, as Python writes it (0x80000001 → ce 80000001).
            rmp::encode::write_sint(&mut out, *error_code).expect("write to Vec");
            write_raw(&mut out, error_message.as_bytes());
        }
        MessageKind::Event => {}
    }
    // Version 1 block: other_fields as a flat [k0, v0, k1, v1, …] array.
    rmp::encode::write_array_len(&mut out, (message.other_fields.len() * 2) as u32).expect("write to Vec");
    for (k, v) in &message.other_fields {
        write_raw(&mut out, k.as_bytes());
        write_raw(&mut out, v.as_bytes());
    }
    // Version 2 block: tenant fields.
    write_raw(&mut out, message.source_tenant_guid.as_bytes());
    write_str_array(&mut out, message.destination_tenant_guids.iter().map(String::as_str));
    out
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// A read position in the input; every read checks the remaining length.
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.input.len());
        let end = end.ok_or(DecodeError::Truncated { field })?;
        let bytes = &self.input[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn byte(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, field)?[0])
    }

    fn be_len(&mut self, width: usize, field: &'static str) -> Result<usize, DecodeError> {
        let bytes = self.take(width, field)?;
        Ok(bytes.iter().fold(0usize, |acc, &b| (acc << 8) | b as usize))
    }

    /// Any msgpack integer, of any width and sign.
    fn int(&mut self, field: &'static str) -> Result<i128, DecodeError> {
        let first = self.byte(field)?;
        let value = match Marker::from_u8(first) {
            Marker::FixPos(v) => v as i128,
            Marker::FixNeg(v) => v as i128,
            Marker::U8 => self.byte(field)? as i128,
            Marker::U16 => u16::from_be_bytes(self.array(field)?) as i128,
            Marker::U32 => u32::from_be_bytes(self.array(field)?) as i128,
            Marker::U64 => u64::from_be_bytes(self.array(field)?) as i128,
            Marker::I8 => self.byte(field)? as i8 as i128,
            Marker::I16 => i16::from_be_bytes(self.array(field)?) as i128,
            Marker::I32 => i32::from_be_bytes(self.array(field)?) as i128,
            Marker::I64 => i64::from_be_bytes(self.array(field)?) as i128,
            _ => return Err(DecodeError::WrongType { field, marker: first }),
        };
        Ok(value)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, field)?);
        Ok(a)
    }

    /// A str or bin of any width; nil reads as absent (Python yields `None`).
    fn raw(&mut self, field: &'static str) -> Result<Option<&'a [u8]>, DecodeError> {
        let first = self.byte(field)?;
        let len = match Marker::from_u8(first) {
            Marker::Null => return Ok(None),
            Marker::FixStr(n) => n as usize,
            Marker::Str8 | Marker::Bin8 => self.be_len(1, field)?,
            Marker::Str16 | Marker::Bin16 => self.be_len(2, field)?,
            Marker::Str32 | Marker::Bin32 => self.be_len(4, field)?,
            _ => return Err(DecodeError::WrongType { field, marker: first }),
        };
        self.take(len, field).map(Some)
    }

    /// A UTF-8 string field; nil becomes "" (the field is absent).
    fn string(&mut self, field: &'static str) -> Result<String, DecodeError> {
        match self.raw(field)? {
            None => Ok(String::new()),
            Some(bytes) => String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::InvalidUtf8 { field }),
        }
    }

    fn array_len(&mut self, field: &'static str) -> Result<usize, DecodeError> {
        let first = self.byte(field)?;
        match Marker::from_u8(first) {
            Marker::FixArray(n) => Ok(n as usize),
            Marker::Array16 => self.be_len(2, field),
            Marker::Array32 => self.be_len(4, field),
            _ => Err(DecodeError::WrongType { field, marker: first }),
        }
    }

    fn string_array(&mut self, field: &'static str) -> Result<Vec<String>, DecodeError> {
        let n = self.array_len(field)?;
        // Each element takes at least one byte: never pre-allocate more than the input holds.
        let mut items = Vec::with_capacity(n.min(self.input.len() - self.pos));
        for _ in 0..n {
            items.push(self.string(field)?);
        }
        Ok(items)
    }
}

/// Pairs a flat other-fields array the way the Python client does: an element is a value only
/// when the pending key is non-empty, so an empty key shifts the pairing
/// (`['', 'x', 'k', 'v']` → `{'x': 'k'}`, vector `other_fields_empty_key`) and a trailing
/// unpaired element is dropped. Nobody emits empty keys; matching Python keeps both clients
/// reading the same headers from the same bytes.
///
/// Repeated keys are found through an index: a linear search made a 2 MiB message of a few
/// hundred thousand distinct keys cost the network thread minutes.
fn pair_other_fields(items: Vec<String>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(items.len() / 2);
    let mut position: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut pending: Option<String> = None;
    for item in items {
        match pending.take() {
            Some(key) if !key.is_empty() => match position.get(&key) {
                Some(&i) => pairs[i].1 = item, // a repeated key keeps its first position, as a dict does
                None => {
                    position.insert(key.clone(), pairs.len());
                    pairs.push((key, item));
                }
            },
            _ => pending = Some(item),
        }
    }
    pairs
}

/// Decodes a DXL message received on `topic`.
///
/// Reads the v0 fields, then the v1, v2 and v3 blocks as the version asks, and ignores anything
/// after them (newer versions). Never panics; every failure is a [`DecodeError`].
pub fn decode(bytes: &[u8], topic: &str) -> Result<Message, DecodeError> {
    let mut r = Reader { input: bytes, pos: 0 };
    let version = r.int("version")?;
    let version = u32::try_from(version).map_err(|_| DecodeError::OutOfRange { field: "version" })?;
    let message_type = r.int("message_type")?;
    let message_type = i64::try_from(message_type)
        .ok()
        .and_then(MessageType::from_wire)
        .ok_or(DecodeError::UnknownMessageType(
            message_type.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
        ))?;

    let message_id = r.string("message_id")?;
    let source_client_id = r.string("source_client_id")?;
    let source_broker_id = r.string("source_broker_id")?;
    let broker_ids = r.string_array("broker_ids")?;
    let client_ids = r.string_array("client_ids")?;
    let payload = r.raw("payload")?.unwrap_or_default().to_vec();

    let kind = match message_type {
        MessageType::Event => MessageKind::Event,
        MessageType::Request => MessageKind::Request {
            reply_to_topic: r.string("reply_to_topic")?,
            service_id: r.string("service_id")?,
        },
        MessageType::Response => MessageKind::Response {
            request_message_id: r.string("request_message_id")?,
            service_id: r.string("service_id")?,
        },
        MessageType::ErrorResponse => {
            let request_message_id = r.string("request_message_id")?;
            let service_id = r.string("service_id")?;
            let error_code = r.int("error_code")?;
            let error_code = i64::try_from(error_code).map_err(|_| DecodeError::OutOfRange { field: "error_code" })?;
            MessageKind::ErrorResponse {
                request_message_id,
                service_id,
                error_code,
                error_message: r.string("error_message")?,
            }
        }
    };

    let other_fields = if version >= 1 {
        pair_other_fields(r.string_array("other_fields")?)
    } else {
        Vec::new()
    };
    let (source_tenant_guid, destination_tenant_guids) = if version >= 2 {
        (
            r.string("source_tenant_guid")?,
            r.string_array("destination_tenant_guids")?,
        )
    } else {
        (String::new(), Vec::new())
    };
    // Python never reads the v3 field; a v3 message that ends before it still decodes.
    let source_client_instance_id = if version >= 3 && r.pos < bytes.len() {
        r.string("source_client_instance_id")?
    } else {
        String::new()
    };

    Ok(Message {
        version,
        kind,
        message_id,
        source_client_id,
        source_broker_id,
        broker_ids,
        client_ids,
        payload,
        other_fields,
        source_tenant_guid,
        destination_tenant_guids,
        source_client_instance_id,
        destination_topic: topic.to_owned(),
    })
}
