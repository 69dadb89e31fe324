//! The TIE client: the six requests, the external-reputation event and the four event
//! callbacks, over the DXL fabric client (tie-api.md §2, §3).
//!
//! Requests are synchronous with a timeout, or asynchronous with a callback that fires exactly
//! once. Results are the transformed JSON values Python returns (providerId maps keyed by the
//! providerId as a string); [`super::model`] gives flat views of them.

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;

use super::answer::Answer;
use super::error::{Result, TieError};
use super::events::{decode_event, DecodedEvent, EventKind};
use super::lookup_key::LookupKey;
use super::payloads::{self, Operation};
use super::reputation_cache::{CacheSettings, CacheStats, Invalidation, Lookup, Miss, ReputationCache, Subject};
use super::responses;
use crate::dxl::client::NotClosed;
use crate::dxl::{
    CallbackId, CallbackKind, Client, ClientConfig, DxlError, Handle, Message, ResponseCallback, ResponseObserver,
};

/// The default response timeout of TIE requests, as in Python (30 s).
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// A decoded TIE event and the DXL message it came in (Python's `original_event`).
pub struct TieEvent<'a> {
    pub event: &'a DecodedEvent,
    pub message: &'a Message,
}

/// A TIE event handler; it runs on the dispatcher thread.
pub type EventHandler = Arc<dyn Fn(&Handle, &TieEvent<'_>) + Send + Sync>;

/// Called with the events of one dispatch run (see [`TieClient::add_event_batch_callback`]).
pub type EventBatchHandler = Arc<dyn Fn(&Handle, &[TieEvent<'_>]) + Send + Sync>;

/// Called once with the outcome of an asynchronous TIE request.
pub type TieResponseCallback = Box<dyn FnOnce(&Handle, Result<Value>) + Send>;

/// Called once with the outcome of an asynchronous TIE request, shared ([`Answer`]).
pub type AnswerCallback = Box<dyn FnOnce(&Handle, Result<Answer>) + Send>;

/// A TIE client: a DXL client plus the TIE operations. Dereferences to the DXL [`Handle`] for
/// connect, subscribe, events and statistics.
pub struct TieClient {
    dxl: Client,
    /// TIE events whose payload could not be decoded (skipped, never passed to a callback).
    bad_events: Arc<AtomicU64>,
    /// The message the dispatcher is delivering, decoded once for all the callbacks it goes to.
    last_decoded: Arc<Mutex<Option<LastDecoded>>>,
    /// The reputation cache, when asked for.
    cache: Option<Arc<ReputationCache>>,
}

/// What a TIE client adds to its fabric client's configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TieOptions {
    /// Cache file and certificate reputations (off by default, as in the reference clients).
    pub reputation_cache: Option<CacheSettings>,
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

/// One request, ready to send: the operation and its exact payload text. A reputation lookup
/// carries its cache key and makes its payload only when it is sent (a cache hit never is).
pub struct PreparedRequest {
    pub operation: Operation,
    payload: Payload,
}

enum Payload {
    Text(String),
    /// Checked already; made from the key on first use.
    Lookup(LookupKey, OnceLock<String>),
}

impl PreparedRequest {
    pub fn get_file_reputation(hashes: &[(&str, &str)]) -> Result<Self> {
        match LookupKey::file(hashes)? {
            Some(key) => Ok(Self::lookup(Operation::GetFileReputation, key)),
            None => Ok(Self::new(
                Operation::GetFileReputation,
                payloads::get_file_reputation(hashes)?,
            )),
        }
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
        match LookupKey::certificate(sha1, public_key_sha1)? {
            Some(key) => Ok(Self::lookup(Operation::GetCertificateReputation, key)),
            None => Ok(Self::new(
                Operation::GetCertificateReputation,
                payloads::get_certificate_reputation(sha1, public_key_sha1)?,
            )),
        }
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
        PreparedRequest {
            operation,
            payload: Payload::Text(payload),
        }
    }

    fn lookup(operation: Operation, key: LookupKey) -> Self {
        PreparedRequest {
            operation,
            payload: Payload::Lookup(key, OnceLock::new()),
        }
    }

    /// The exact payload text.
    pub fn payload(&self) -> &str {
        match &self.payload {
            Payload::Text(text) => text,
            Payload::Lookup(key, text) => text.get_or_init(|| key.payload()),
        }
    }

    /// The reputation cache's key, for the lookups it can answer.
    pub fn lookup_key(&self) -> Option<&LookupKey> {
        match &self.payload {
            Payload::Lookup(key, _) => Some(key),
            Payload::Text(_) => None,
        }
    }

    fn message(&self) -> Message {
        Message::request(self.operation.topic(), self.payload().as_bytes().to_vec())
    }
}

impl TieClient {
    /// Creates the client; nothing is sent before `connect`.
    pub fn new(config: ClientConfig) -> std::result::Result<TieClient, DxlError> {
        Self::with_options(config, TieOptions::default())
    }

    /// Creates the client with TIE options (the reputation cache).
    pub fn with_options(config: ClientConfig, options: TieOptions) -> std::result::Result<TieClient, DxlError> {
        let client = TieClient {
            dxl: Client::new(config)?,
            bad_events: Arc::new(AtomicU64::new(0)),
            last_decoded: Arc::new(Mutex::new(None)),
            cache: options.reputation_cache.map(|s| Arc::new(ReputationCache::new(s))),
        };
        if let Some(cache) = &client.cache {
            // The cache sees the change events on the network thread as they arrive: before any
            // callback of the user's (a callback that looks the hash up again gets the new
            // reputation), even when the dispatcher's queue is full or drops them, and the two
            // topics stay subscribed whatever the user unsubscribes.
            for (topic, subject) in [
                (EventKind::FileReputationChange.topic(), Subject::File),
                (EventKind::CertificateReputationChange.topic(), Subject::Certificate),
            ] {
                let cache = cache.clone();
                let observer = Arc::new(move |h: &Handle, m: &Message| {
                    cache.invalidate(subject, &m.payload, Invalidation::Event, h);
                });
                client.dxl.observe_events(topic, observer)?;
            }
        }
        Ok(client)
    }

    /// The reputation cache's counters, when the cache is on.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.cache.as_ref().map(|c| c.stats(self.dxl.handle()))
    }

    /// The DXL handle (also reachable through `Deref`).
    pub fn dxl(&self) -> &Handle {
        self.dxl.handle()
    }

    /// Events whose payload could not be decoded.
    pub fn bad_events(&self) -> u64 {
        self.bad_events.load(Ordering::Relaxed)
    }

    /// Sends a prepared request and waits for its transformed result. With the cache on, a
    /// reputation lookup may be answered from it, or share a request already in flight.
    pub fn request(&self, request: &PreparedRequest, timeout: Duration) -> Result<Value> {
        self.answer(request, timeout).map(Answer::into_value)
    }

    /// As [`TieClient::request`], with the result shared rather than copied (a cached answer is
    /// handed out as it is kept, its JSON text included).
    pub fn answer(&self, request: &PreparedRequest, timeout: Duration) -> Result<Answer> {
        let op = request.operation;
        let dxl = self.dxl.handle();
        let transform = |response: Message| transform_response(op, &response).map(Answer::new);
        let Some(cache) = &self.cache else {
            return dxl
                .sync_request(request.message(), timeout)
                .map_err(tie_error)
                .and_then(transform);
        };
        dxl.ensure_owner().map_err(tie_error)?;
        if let Some(key) = request.lookup_key() {
            let miss = match cache.lookup(key, dxl) {
                Lookup::Hit(answer) => return Ok(answer),
                Lookup::Miss(miss) => miss,
            };
            let share_key = miss.share_key();
            let store = storing_observer(cache, miss, op);
            return dxl
                .sync_request_shared(request.message(), &share_key, timeout, Some(store))
                .map_err(tie_error)
                .and_then(transform);
        }
        let changes = Subject::of_change(op);
        if let Some(subject) = changes {
            cache.invalidate(subject, request.payload().as_bytes(), Invalidation::Set, dxl);
        }
        let result = dxl
            .sync_request(request.message(), timeout)
            .map_err(tie_error)
            .and_then(transform);
        if let Some(subject) = changes {
            cache.invalidate(subject, request.payload().as_bytes(), Invalidation::Set, dxl);
        }
        result
    }

    /// Sends a prepared request; `callback` fires exactly once on the dispatcher thread (also
    /// when the cache answers at once).
    pub fn request_async(
        &self,
        request: &PreparedRequest,
        timeout: Duration,
        callback: TieResponseCallback,
    ) -> Result<()> {
        self.answer_async(
            request,
            timeout,
            Box::new(move |h, r| callback(h, r.map(Answer::into_value))),
        )
    }

    /// As [`TieClient::request_async`], with the result shared as [`TieClient::answer`] gives it.
    pub fn answer_async(&self, request: &PreparedRequest, timeout: Duration, callback: AnswerCallback) -> Result<()> {
        let op = request.operation;
        let dxl = self.dxl.handle();
        let transform = move |r: std::result::Result<Message, DxlError>| {
            r.map_err(tie_error)
                .and_then(|m| transform_response(op, &m))
                .map(Answer::new)
        };
        let Some(cache) = &self.cache else {
            return dxl
                .async_request(
                    request.message(),
                    timeout,
                    Box::new(move |h, r| callback(h, transform(r))),
                )
                .map(|_| ())
                .map_err(tie_error);
        };
        dxl.ensure_owner().map_err(tie_error)?;
        if let Some(key) = request.lookup_key() {
            let miss = match cache.lookup(key, dxl) {
                Lookup::Hit(answer) => {
                    dxl.run_on_dispatcher(Box::new(move |h| callback(h, Ok(answer))));
                    return Ok(());
                }
                Lookup::Miss(miss) => miss,
            };
            let share_key = miss.share_key();
            let store = storing_observer(cache, miss, op);
            let on_answer: ResponseCallback = Box::new(move |h, r| callback(h, transform(r)));
            return dxl
                .async_request_shared(request.message(), &share_key, timeout, Some(store), on_answer)
                .map(|_| ())
                .map_err(tie_error);
        }
        let changes = Subject::of_change(op);
        let on_answer: ResponseCallback = match changes {
            Some(subject) => {
                cache.invalidate(subject, request.payload().as_bytes(), Invalidation::Set, dxl);
                let cache = cache.clone();
                let payload = request.payload().to_owned();
                Box::new(move |h, r| {
                    cache.invalidate(subject, payload.as_bytes(), Invalidation::Set, h);
                    callback(h, transform(r))
                })
            }
            None => Box::new(move |h, r| callback(h, transform(r))),
        };
        dxl.async_request(request.message(), timeout, on_answer)
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

    /// As [`TieClient::add_event_callback`], with the events in runs: while it is the only
    /// callback of `kind`, one call with every event of that kind queued when the dispatcher got
    /// to it (see [`Handle::add_batch_callback`]), in arrival order, the undecodable ones counted
    /// and left out. One event per call when they arrive one at a time, or when other callbacks
    /// share the topic; many under a flood.
    pub fn add_event_batch_callback(&self, kind: EventKind, handler: EventBatchHandler) -> Result<CallbackId> {
        let bad_events = self.bad_events.clone();
        let last_decoded = self.last_decoded.clone();
        let dxl_handler = Arc::new(move |h: &Handle, messages: &[&Message]| {
            let decoded: Vec<(Arc<DecodedEvent>, &Message)> = match messages {
                // A message with other handlers comes alone: decoded once for all of them.
                [message] => decode_once(&last_decoded, h.delivery_number(), kind, message, &bad_events)
                    .map(|e| vec![(e, *message)])
                    .unwrap_or_default(),
                // A run has this handler only.
                _ => messages
                    .iter()
                    .filter_map(|&m| decode_counted(kind, m, &bad_events).map(|e| (Arc::new(e), m)))
                    .collect(),
            };
            let events: Vec<TieEvent<'_>> = decoded
                .iter()
                .map(|(event, message)| TieEvent { event, message })
                .collect();
            if !events.is_empty() {
                handler(h, &events);
            }
        });
        self.dxl
            .add_batch_callback(CallbackKind::Event, kind.topic(), dxl_handler, true)
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
            cache,
        } = self;
        dxl.close().map_err(|NotClosed { client, error }| NotClosed {
            client: TieClient {
                dxl: client,
                bad_events,
                last_decoded,
                cache,
            },
            error,
        })
    }
}

/// Stores the answer to a missed lookup in the cache, on the network thread as the response
/// arrives, before the request stops being in flight: a lookup made just after finds it
/// (stored later, by whoever waited, a lookup in between would send the request again). Only
/// the caller that sends the request has its observer used.
fn storing_observer(cache: &Arc<ReputationCache>, miss: Miss, op: Operation) -> ResponseObserver {
    let cache = cache.clone();
    Box::new(move |h, response| {
        if let Ok(Ok(value)) = response.as_ref().map(|m| transform_response(op, m)) {
            cache.store(miss, &Answer::new(value), h);
        }
    })
}

/// The event in `message`, or None when it cannot be decoded (counted and logged).
fn decode_counted(kind: EventKind, message: &Message, bad_events: &AtomicU64) -> Option<DecodedEvent> {
    match decode_event(kind, &message.payload) {
        Ok(event) => Some(event),
        Err(e) => {
            bad_events.fetch_add(1, Ordering::Relaxed);
            log::warn!(
                "skipping a {kind:?} event on {} that cannot be decoded: {e}",
                message.destination_topic
            );
            None
        }
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
    let event = decode_counted(kind, message, bad_events).map(Arc::new);
    *memo = Some(LastDecoded {
        delivery,
        kind,
        event: event.clone(),
    });
    event
}
