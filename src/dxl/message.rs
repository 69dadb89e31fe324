//! The DXL message model (dxl-protocol.md §1.1, §1.3, §1.6–§1.9).
//!
//! One struct carries every field of every message type; the type-specific fields live in
//! [`MessageKind`]. Ids are opaque strings compared byte for byte (§1.7).

/// The message format version this library writes: 2, as the Python reference client does, so
/// that what we encode is byte-identical to it (a DXL broker upgrades every message to 3).
pub const MESSAGE_VERSION: u32 = 2;

/// The numeric message types of the wire format (§1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MessageType {
    Request = 0,
    Response = 1,
    Event = 2,
    ErrorResponse = 3,
}

impl MessageType {
    pub fn from_wire(value: i64) -> Option<Self> {
        match value {
            0 => Some(Self::Request),
            1 => Some(Self::Response),
            2 => Some(Self::Event),
            3 => Some(Self::ErrorResponse),
            _ => None,
        }
    }
}

/// The fields that depend on the message type (§1.3, "type-specific block").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageKind {
    Request {
        reply_to_topic: String,
        service_id: String,
    },
    Response {
        request_message_id: String,
        service_id: String,
    },
    Event,
    ErrorResponse {
        request_message_id: String,
        service_id: String,
        /// The code as decoded: Python writes fabric codes as uint32 (0x80000001), the broker as
        /// a negative int32 (-2147483647). Compare with [`Message::error_code_u32`].
        error_code: i64,
        error_message: String,
    },
}

/// A DXL message: an Event, a Request, a Response or an ErrorResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The version read from the wire; messages we create carry [`MESSAGE_VERSION`].
    pub version: u32,
    pub kind: MessageKind,
    pub message_id: String,
    pub source_client_id: String,
    pub source_broker_id: String,
    pub broker_ids: Vec<String>,
    pub client_ids: Vec<String>,
    pub payload: Vec<u8>,
    /// String "headers", in wire order (the broker reorders them; duplicates keep the last).
    pub other_fields: Vec<(String, String)>,
    pub source_tenant_guid: String,
    pub destination_tenant_guids: Vec<String>,
    /// Version 3 only: the broker's id of the sender's connection.
    pub source_client_instance_id: String,
    /// The MQTT topic; not part of the encoded bytes (§1.2).
    pub destination_topic: String,
}

/// A fresh `{uuid}` id, the form the Python client uses for messages, clients and services.
pub fn new_id() -> String {
    format!("{{{}}}", uuid::Uuid::new_v4())
}

impl Message {
    fn new(kind: MessageKind, topic: &str) -> Self {
        Message {
            version: MESSAGE_VERSION,
            kind,
            message_id: new_id(),
            source_client_id: String::new(),
            source_broker_id: String::new(),
            broker_ids: Vec::new(),
            client_ids: Vec::new(),
            payload: Vec::new(),
            other_fields: Vec::new(),
            source_tenant_guid: String::new(),
            destination_tenant_guids: Vec::new(),
            source_client_instance_id: String::new(),
            destination_topic: topic.to_owned(),
        }
    }

    /// A new Event for `topic`.
    pub fn event(topic: &str, payload: impl Into<Vec<u8>>) -> Self {
        let mut m = Self::new(MessageKind::Event, topic);
        m.payload = payload.into();
        m
    }

    /// A new Request for `topic`; the client sets the reply topic when it sends it.
    pub fn request(topic: &str, payload: impl Into<Vec<u8>>) -> Self {
        let mut m = Self::new(
            MessageKind::Request {
                reply_to_topic: String::new(),
                service_id: String::new(),
            },
            topic,
        );
        m.payload = payload.into();
        m
    }

    /// The Response to `request`, built as Python's `Response(request)` does (§1.9).
    pub fn response_to(request: &Message, payload: impl Into<Vec<u8>>) -> Self {
        let mut m = Self::new(
            MessageKind::Response {
                request_message_id: request.message_id.clone(),
                service_id: request.service_id().to_owned(),
            },
            request.reply_to_topic(),
        );
        m.address_reply_to(request);
        m.payload = payload.into();
        m
    }

    /// The ErrorResponse to `request` (§1.9): a Response with an error code and message.
    pub fn error_response_to(request: &Message, error_code: i64, error_message: &str) -> Self {
        let mut m = Self::new(
            MessageKind::ErrorResponse {
                request_message_id: request.message_id.clone(),
                service_id: request.service_id().to_owned(),
                error_code,
                error_message: error_message.to_owned(),
            },
            request.reply_to_topic(),
        );
        m.address_reply_to(request);
        m
    }

    /// Addresses a reply to the requester's connection (instance id when the broker gave one,
    /// else its client id) and broker, so a DXL broker routes it to exactly that client.
    fn address_reply_to(&mut self, request: &Message) {
        let client = if request.source_client_instance_id.is_empty() {
            &request.source_client_id
        } else {
            &request.source_client_instance_id
        };
        if !client.is_empty() {
            self.client_ids = vec![client.clone()];
        }
        if !request.source_broker_id.is_empty() {
            self.broker_ids = vec![request.source_broker_id.clone()];
        }
    }

    pub fn message_type(&self) -> MessageType {
        match self.kind {
            MessageKind::Request { .. } => MessageType::Request,
            MessageKind::Response { .. } => MessageType::Response,
            MessageKind::Event => MessageType::Event,
            MessageKind::ErrorResponse { .. } => MessageType::ErrorResponse,
        }
    }

    /// The service id of a Request, Response or ErrorResponse; "" for an Event.
    pub fn service_id(&self) -> &str {
        match &self.kind {
            MessageKind::Request { service_id, .. }
            | MessageKind::Response { service_id, .. }
            | MessageKind::ErrorResponse { service_id, .. } => service_id,
            MessageKind::Event => "",
        }
    }

    /// The reply topic of a Request; "" for other types.
    pub fn reply_to_topic(&self) -> &str {
        match &self.kind {
            MessageKind::Request { reply_to_topic, .. } => reply_to_topic,
            _ => "",
        }
    }

    /// The correlation key of a Response or ErrorResponse (§2.4).
    pub fn request_message_id(&self) -> Option<&str> {
        match &self.kind {
            MessageKind::Response { request_message_id, .. }
            | MessageKind::ErrorResponse { request_message_id, .. } => Some(request_message_id),
            _ => None,
        }
    }

    /// The ErrorResponse code as the u32 the fabric means (§1.10), whichever sign it was sent with.
    pub fn error_code_u32(&self) -> Option<u32> {
        match &self.kind {
            MessageKind::ErrorResponse { error_code, .. } => Some(*error_code as u32),
            _ => None,
        }
    }

    /// The value of an other-field (header), if present.
    pub fn other_field(&self, key: &str) -> Option<&str> {
        self.other_fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}
