//! The TIE client: the six requests, the external-reputation event and the four event
//! callbacks, over the DXL fabric client (tie-api.md §2, §3).
//!
//! Requests are synchronous with a timeout, or asynchronous with a callback that fires exactly
//! once. Results are the transformed JSON values Python returns (providerId maps keyed by the
//! providerId as a string); [`super::model`] gives flat views of them.

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::error::{Result, TieError};
use super::events::{decode_event, DecodedEvent, EventKind};
use super::payloads::{self, Operation};
use super::responses;
use crate::dxl::client::NotClosed;
use crate::dxl::{CallbackId, CallbackKind, Client, ClientConfig, DxlError, Handle, Message};

/// The default response timeout of TIE requests, as in Python (30 s).
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// A decoded TIE event and the DXL message it came in (Python's `original_event`).
pub struct TieEvent<'a> {
    pub event: &'a DecodedEvent,
    pub message: &'a Message,
}

/// A TIE event handler; it runs on the dispatcher thread.
pub type EventHandler = Arc<dyn Fn(&Handle, &TieEvent<'_>) + Send + Sync>;

/// Called once with the outcome of an asynchronous TIE request.
pub type TieResponseCallback = Box<dyn FnOnce(&Handle, Result<Value>) + Send>;

/// A TIE client: a DXL client plus the TIE operations. Dereferences to the DXL [`Handle`] for
/// connect, subscribe, events and statistics.
pub struct TieClient {
    dxl: Client,
    /// TIE events whose payload could not be decoded (skipped, never passed to a callback).
    bad_events: Arc<AtomicU64>,
    /// The message the dispatcher is delivering, decoded once for all the callbacks it goes to.
    last_decoded: Arc<Mutex<Option<LastDecoded>>>,
}

/// A decoded event, or the fact that it could not be decoded, for one delivery.
struct LastDecoded {
    delivery: u64,
    kind: EventKind,
    event: Option<Arc<DecodedEvent>>,
}

impl Deref for TieClient {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        self.dxl.handle()
    }
}

/// Maps fabric errors to the TIE error classes: a service's ErrorResponse and a timeout keep
/// their own kinds (Python raises them differently); the rest are fabric errors.
pub fn tie_error(e: DxlError) -> TieError {
    match e {
        DxlError::Service { raw_code, message, .. } => TieError::ServiceError {
            code: raw_code,
            message,
        },
        DxlError::Timeout(m) => TieError::Timeout(m),
        other => TieError::Fabric(other),
    }
}

fn transform_response(op: Operation, response: &Message) -> Result<Value> {
    responses::transform_response(op, &response.payload)
}

/// One request, ready to send: the operation and its exact payload text.
pub struct PreparedRequest {
    pub operation: Operation,
    pub payload: String,
}

impl PreparedRequest {
    pub fn get_file_reputation(hashes: &[(&str, &str)]) -> Result<Self> {
        Ok(Self::new(
            Operation::GetFileReputation,
            payloads::get_file_reputation(hashes)?,
        ))
    }
    pub fn set_file_reputation(
        trust_level: i64,
        hashes: &[(&str, &str)],
        filename: &str,
        comment: &str,
    ) -> Result<Self> {
        Ok(Self::new(
            Operation::SetFileReputation,
            payloads::set_file_reputation(trust_level, hashes, filename, comment)?,
        ))
    }
    pub fn get_file_first_references(hashes: &[(&str, &str)], query_limit: i64) -> Result<Self> {
        Ok(Self::new(
            Operation::GetFileFirstReferences,
            payloads::get_file_first_references(hashes, query_limit)?,
        ))
    }
    pub fn get_certificate_reputation(sha1: &str, public_key_sha1: Option<&str>) -> Result<Self> {
        Ok(Self::new(
            Operation::GetCertificateReputation,
            payloads::get_certificate_reputation(sha1, public_key_sha1)?,
        ))
    }
    pub fn set_certificate_reputation(
        trust_level: i64,
        sha1: &str,
        public_key_sha1: Option<&str>,
        comment: &str,
    ) -> Result<Self> {
        Ok(Self::new(
            Operation::SetCertificateReputation,
            payloads::set_certificate_reputation(trust_level, sha1, public_key_sha1, comment)?,
        ))
    }
    pub fn get_certificate_first_references(
        sha1: &str,
        public_key_sha1: Option<&str>,
        query_limit: i64,
    ) -> Result<Self> {
        Ok(Self::new(
            Operation::GetCertificateFirstReferences,
            payloads::get_certificate_first_references(sha1, public_key_sha1, query_limit)?,
        ))
    }

    fn new(operation: Operation, payload: String) -> Self {
        PreparedRequest { operation, payload }
    }

    fn message(&self) -> Message {
        Message::request(self.operation.topic(), self.payload.clone().into_bytes())
    }
}

impl TieClient {
    /// Creates the client; nothing is sent before `connect`.
    pub fn new(config: ClientConfig) -> std::result::Result<TieClient, DxlError> {
        Ok(TieClient {
            dxl: Client::new(config)?,
            bad_events: Arc::new(AtomicU64::new(0)),
            last_decoded: Arc::new(Mutex::new(None)),
        })
    }

    /// The DXL handle (also reachable through `Deref`).
    pub fn dxl(&self) -> &Handle {
        self.dxl.handle()
    }

    /// Events whose payload could not be decoded.
    pub fn bad_events(&self) -> u64 {
        self.bad_events.load(Ordering::Relaxed)
    }

    /// Sends a prepared request and waits for its transformed result.
    pub fn request(&self, request: &PreparedRequest, timeout: Duration) -> Result<Value> {
        let response = self.dxl.sync_request(request.message(), timeout).map_err(tie_error)?;
        transform_response(request.operation, &response)
    }

    /// Sends a prepared request; `callback` fires exactly once on the dispatcher thread.
    pub fn request_async(
        &self,
        request: &PreparedRequest,
        timeout: Duration,
        callback: TieResponseCallback,
    ) -> Result<()> {
        let op = request.operation;
        self.dxl
            .async_request(
                request.message(),
                timeout,
                Box::new(move |h, r| callback(h, r.map_err(tie_error).and_then(|m| transform_response(op, &m)))),
            )
            .map(|_| ())
            .map_err(tie_error)
    }

    /// The providerId map of a file's reputations.
    pub fn get_file_reputation(&self, hashes: &[(&str, &str)], timeout: Duration) -> Result<Value> {
        self.request(&PreparedRequest::get_file_reputation(hashes)?, timeout)
    }

    /// Sets the Enterprise reputation of a file.
    pub fn set_file_reputation(
        &self,
        trust_level: i64,
        hashes: &[(&str, &str)],
        filename: &str,
        comment: &str,
        timeout: Duration,
    ) -> Result<()> {
        self.request(
            &PreparedRequest::set_file_reputation(trust_level, hashes, filename, comment)?,
            timeout,
        )
        .map(|_| ())
    }

    /// The systems that first referenced a file (the `agents` list).
    pub fn get_file_first_references(
        &self,
        hashes: &[(&str, &str)],
        query_limit: i64,
        timeout: Duration,
    ) -> Result<Value> {
        self.request(
            &PreparedRequest::get_file_first_references(hashes, query_limit)?,
            timeout,
        )
    }

    /// The providerId map of a certificate's reputations.
    pub fn get_certificate_reputation(
        &self,
        sha1: &str,
        public_key_sha1: Option<&str>,
        timeout: Duration,
    ) -> Result<Value> {
        self.request(
            &PreparedRequest::get_certificate_reputation(sha1, public_key_sha1)?,
            timeout,
        )
    }

    /// Sets the Enterprise reputation of a certificate.
    pub fn set_certificate_reputation(
        &self,
        trust_level: i64,
        sha1: &str,
        public_key_sha1: Option<&str>,
        comment: &str,
        timeout: Duration,
    ) -> Result<()> {
        self.request(
            &PreparedRequest::set_certificate_reputation(trust_level, sha1, public_key_sha1, comment)?,
            timeout,
        )
        .map(|_| ())
    }

    /// The systems that first referenced a file signed by a certificate.
    pub fn get_certificate_first_references(
        &self,
        sha1: &str,
        public_key_sha1: Option<&str>,
        query_limit: i64,
        timeout: Duration,
    ) -> Result<Value> {
        self.request(
            &PreparedRequest::get_certificate_first_references(sha1, public_key_sha1, query_limit)?,
            timeout,
        )
    }

    /// Reports an External (provider 15) file reputation: a DXL event, no response.
    pub fn set_external_file_reputation(
        &self,
        trust_level: i64,
        hashes: &[(&str, &str)],
        file_type: u64,
        filename: &str,
        comment: &str,
    ) -> Result<()> {
        let payload = payloads::set_external_file_reputation(trust_level, hashes, file_type, filename, comment)?;
        let event = Message::event(Operation::SetExternalFileReputation.topic(), payload.into_bytes());
        self.dxl.send_event(&event).map_err(tie_error)
    }

    /// Calls `handler` with every event of `kind`, transformed as Python's callback class would.
    /// The topic is subscribed; a payload that cannot be decoded is counted (once, however many
    /// callbacks it was meant for), logged and skipped.
    pub fn add_event_callback(&self, kind: EventKind, handler: EventHandler) -> Result<CallbackId> {
        let bad_events = self.bad_events.clone();
        let last_decoded = self.last_decoded.clone();
        let dxl_handler = Arc::new(move |h: &Handle, message: &Message| {
            let event = decode_once(&last_decoded, h.delivery_number(), kind, message, &bad_events);
            if let Some(event) = event {
                handler(h, &TieEvent { event: &event, message });
            }
        });
        self.dxl
            .add_callback(CallbackKind::Event, kind.topic(), dxl_handler, true)
            .map_err(tie_error)
    }

    /// Removes an event callback; its topic is unsubscribed only when no other callback uses it.
    pub fn remove_event_callback(&self, id: CallbackId) -> Result<()> {
        self.dxl.remove_callback(id, true).map_err(tie_error)
    }

    /// Closes the client (see [`Client::close`]); inside one of its own callbacks the client
    /// comes back with the error.
    pub fn close(self) -> std::result::Result<(), NotClosed<TieClient>> {
        let TieClient {
            dxl,
            bad_events,
            last_decoded,
        } = self;
        dxl.close().map_err(|NotClosed { client, error }| NotClosed {
            client: TieClient {
                dxl: client,
                bad_events,
                last_decoded,
            },
            error,
        })
    }
}

/// The decoded form of the message being delivered: decoded by the first of its callbacks,
/// shared with the others (all run one after the other on the dispatcher thread).
fn decode_once(
    memo: &Mutex<Option<LastDecoded>>,
    delivery: u64,
    kind: EventKind,
    message: &Message,
    bad_events: &AtomicU64,
) -> Option<Arc<DecodedEvent>> {
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(last) = memo.as_ref().filter(|m| m.delivery == delivery && m.kind == kind) {
        return last.event.clone();
    }
    let event = match decode_event(kind, &message.payload) {
        Ok(event) => Some(Arc::new(event)),
        Err(e) => {
            bad_events.fetch_add(1, Ordering::Relaxed);
            log::warn!(
                "skipping a {kind:?} event on {} that cannot be decoded: {e}",
                message.destination_topic
            );
            None
        }
    };
    *memo = Some(LastDecoded {
        delivery,
        kind,
        event: event.clone(),
    });
    event
}
