//! TIE event callbacks for C: one registration function per event kind, delivering a flat
//! struct, plus a JSON registration for any kind (c-api.md "Callbacks").
//!
//! Everything an event points to is borrowed for the duration of the call.

use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

use super::boundary;
use super::client::{dxltie_client_t, ClientRef};
use super::convert::{out_param, string_to_cstring, to_cstring};
use super::errors::from_tie;
use super::result::{dxltie_result_t, FfiError};
use super::user_callback::{dxltie_free_fn, UserCallback};
use super::views::*;
use crate::dxl::{Handle, Message};
use crate::tie::events::{EventKind, TypedEvent};
use crate::tie::TieEvent;

/// The four TIE event kinds: `DXLTIE_EVENT_KIND_*`.
pub type dxltie_event_kind_t = i32;
/// `/mcafee/event/tie/file/detection`
pub const DXLTIE_EVENT_KIND_FILE_DETECTION: dxltie_event_kind_t = 0;
/// `/mcafee/event/tie/file/firstinstance`
pub const DXLTIE_EVENT_KIND_FILE_FIRST_INSTANCE: dxltie_event_kind_t = 1;
/// `/mcafee/event/tie/file/repchange/broadcast`
pub const DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE: dxltie_event_kind_t = 2;
/// `/mcafee/event/tie/cert/repchange/broadcast`
pub const DXLTIE_EVENT_KIND_CERTIFICATE_REPUTATION_CHANGE: dxltie_event_kind_t = 3;

fn event_kind(kind: dxltie_event_kind_t) -> Result<EventKind, FfiError> {
    match kind {
        DXLTIE_EVENT_KIND_FILE_DETECTION => Ok(EventKind::FileDetection),
        DXLTIE_EVENT_KIND_FILE_FIRST_INSTANCE => Ok(EventKind::FileFirstInstance),
        DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE => Ok(EventKind::FileReputationChange),
        DXLTIE_EVENT_KIND_CERTIFICATE_REPUTATION_CHANGE => Ok(EventKind::CertificateReputationChange),
        other => Err(FfiError::new(
            super::result::DXLTIE_E_INVALID_ARG,
            format!("unknown event kind {other}"),
        )),
    }
}

/// The DXL message an event arrived in (Python's `original_event`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_message_info_t {
    pub topic: *const c_char,
    pub message_id: *const c_char,
    pub source_client_id: *const c_char,
    pub source_broker_id: *const c_char,
    /// The raw payload as received (not NUL-terminated).
    pub payload: *const u8,
    pub payload_len: usize,
}

/// A file detection (`DetectionCallback.on_detection`).
#[repr(C)]
pub struct dxltie_detection_t {
    pub message: dxltie_message_info_t,
    /// The transformed dictionary as JSON text (NULL after `dxltie_config_set_event_json(config,
    /// false)`).
    pub json: *const c_char,
    /// `agentGuid`, NULL if absent.
    pub agent_guid: *const c_char,
    /// `detectionTime`, epoch seconds, `DXLTIE_ABSENT` if absent.
    pub detection_time: i64,
    pub hashes: *const dxltie_hash_t,
    pub hash_count: usize,
    /// `localReputation` (a trust level), `DXLTIE_ABSENT` if absent.
    pub local_reputation: i64,
    /// `name`, NULL if absent.
    pub name: *const c_char,
    /// `remediationAction`, `DXLTIE_ABSENT` if absent.
    pub remediation_action: i64,
}

/// The first instance of a file in the enterprise (`FirstInstanceCallback.on_first_instance`).
#[repr(C)]
pub struct dxltie_first_instance_t {
    pub message: dxltie_message_info_t,
    /// As in `dxltie_detection_t`.
    pub json: *const c_char,
    pub agent_guid: *const c_char,
    pub hashes: *const dxltie_hash_t,
    pub hash_count: usize,
    pub name: *const c_char,
}

/// A file or certificate reputation change (`ReputationChangeCallback.on_reputation_change`).
#[repr(C)]
pub struct dxltie_reputation_change_t {
    pub message: dxltie_message_info_t,
    /// As in `dxltie_detection_t`.
    pub json: *const c_char,
    /// `DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE` or `..._CERTIFICATE_REPUTATION_CHANGE`.
    pub kind: dxltie_event_kind_t,
    pub hashes: *const dxltie_hash_t,
    pub hash_count: usize,
    pub new_reputations: *const dxltie_reputation_t,
    pub new_reputation_count: usize,
    pub old_reputations: *const dxltie_reputation_t,
    pub old_reputation_count: usize,
    /// `updateTime`, epoch seconds, `DXLTIE_ABSENT` if absent.
    pub update_time: i64,
    /// Certificate events: top-level `publicKeySha1` as hex, NULL if absent.
    pub public_key_sha1: *const c_char,
    /// File events: `relationships.certificate.hashes`, the signing certificate's hashes.
    pub certificate_hashes: *const dxltie_hash_t,
    pub certificate_hash_count: usize,
    /// File events: `relationships.certificate.publicKeySha1` as hex, NULL if absent.
    pub certificate_public_key_sha1: *const c_char,
    /// As in `dxltie_json_event_t`: the properties of `json` that are providerId maps (NULL
    /// when `json` is). Added in 0.2.
    pub provider_keyed_json: *const c_char,
}

/// Any event as JSON (`dxltie_add_json_callback`).
#[repr(C)]
pub struct dxltie_json_event_t {
    pub message: dxltie_message_info_t,
    pub kind: dxltie_event_kind_t,
    /// The transformed dictionary Python's callback receives, as `json.dumps` writes it
    /// (providerId keys as strings: `"1"`, `"3"`).
    pub json: *const c_char,
    /// A JSON array naming the top-level properties of `json` that are providerId maps
    /// (`["newReputations", "oldReputations"]`, `[]`): Python keys those maps by the providerId
    /// value itself (`1`), which JSON cannot write. Added in 0.2.
    pub provider_keyed_json: *const c_char,
}

/// `["newReputations"]`: property names are plain ASCII identifiers, written without escaping.
fn provider_keyed_json(properties: &[&str]) -> String {
    let quoted: Vec<String> = properties.iter().map(|p| format!("\"{p}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

pub type dxltie_detection_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const dxltie_detection_t)>;
pub type dxltie_first_instance_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const dxltie_first_instance_t)>;
pub type dxltie_reputation_change_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const dxltie_reputation_change_t)>;
pub type dxltie_json_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const dxltie_json_event_t)>;
/// Receives several events at once (`dxltie_add_json_batch_callback`): `events_json` is a JSON
/// array of `count` records, `payloads` the events' payloads one after the other in the
/// records' order (`payloads_len` bytes in all), both borrowed for the call. Added in 0.3.
pub type dxltie_json_batch_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        events_json: *const c_char,
        count: usize,
        payloads: *const u8,
        payloads_len: usize,
    ),
>;

/// Owns the message strings for one call.
struct MessageStorage {
    topic: CString,
    message_id: CString,
    source_client_id: CString,
    source_broker_id: CString,
}

impl MessageStorage {
    fn new(m: &Message) -> Self {
        MessageStorage {
            topic: to_cstring(&m.destination_topic),
            message_id: to_cstring(&m.message_id),
            source_client_id: to_cstring(&m.source_client_id),
            source_broker_id: to_cstring(&m.source_broker_id),
        }
    }

    fn view(&self, m: &Message) -> dxltie_message_info_t {
        dxltie_message_info_t {
            topic: self.topic.as_ptr(),
            message_id: self.message_id.as_ptr(),
            source_client_id: self.source_client_id.as_ptr(),
            source_broker_id: self.source_broker_id.as_ptr(),
            payload: m.payload.as_ptr(),
            payload_len: m.payload.len(),
        }
    }
}

fn cstr_opt(s: &Option<String>) -> Option<CString> {
    s.as_deref().map(to_cstring)
}

/// Builds the C view of `event` and calls `f` with it; the storage lives through the call.
/// Without `with_json` the JSON fields are NULL and their text is never written.
fn with_event_views(kind: EventKind, e: &TieEvent<'_>, with_json: bool, call: &dyn Fn(EventView<'_>)) {
    let msg = MessageStorage::new(e.message);
    let message = msg.view(e.message);
    let json = if with_json {
        e.event.json_text().as_ptr()
    } else {
        std::ptr::null()
    };
    match e.event.typed() {
        TypedEvent::Detection(d) => {
            let hashes = HashesStorage::new(&d.hashes);
            let (agent, name) = (cstr_opt(&d.agent_guid), cstr_opt(&d.name));
            call(EventView::Detection(&dxltie_detection_t {
                message,
                json,
                agent_guid: opt_ptr(&agent),
                detection_time: opt_int(d.detection_time),
                hashes: hashes.ptr(),
                hash_count: hashes.items.len(),
                local_reputation: opt_int(d.local_reputation),
                name: opt_ptr(&name),
                remediation_action: opt_int(d.remediation_action),
            }));
        }
        TypedEvent::FirstInstance(f) => {
            let hashes = HashesStorage::new(&f.hashes);
            let (agent, name) = (cstr_opt(&f.agent_guid), cstr_opt(&f.name));
            call(EventView::FirstInstance(&dxltie_first_instance_t {
                message,
                json,
                agent_guid: opt_ptr(&agent),
                hashes: hashes.ptr(),
                hash_count: hashes.items.len(),
                name: opt_ptr(&name),
            }));
        }
        TypedEvent::ReputationChange(r) => {
            let hashes = HashesStorage::new(&r.hashes);
            let new = ReputationsStorage::new(&r.new_reputations);
            let old = ReputationsStorage::new(&r.old_reputations);
            let cert_hashes = HashesStorage::new(&r.relationship_certificate_hashes);
            let pk = cstr_opt(&r.public_key_sha1);
            let cert_pk = cstr_opt(&r.relationship_certificate_public_key_sha1);
            let provider_keyed = with_json.then(|| string_to_cstring(provider_keyed_json(&e.event.provider_keyed)));
            call(EventView::ReputationChange(&dxltie_reputation_change_t {
                message,
                json,
                kind: if kind == EventKind::CertificateReputationChange {
                    DXLTIE_EVENT_KIND_CERTIFICATE_REPUTATION_CHANGE
                } else {
                    DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE
                },
                hashes: hashes.ptr(),
                hash_count: hashes.items.len(),
                new_reputations: new.ptr(),
                new_reputation_count: new.items.len(),
                old_reputations: old.ptr(),
                old_reputation_count: old.items.len(),
                update_time: opt_int(r.update_time),
                public_key_sha1: opt_ptr(&pk),
                certificate_hashes: cert_hashes.ptr(),
                certificate_hash_count: cert_hashes.items.len(),
                certificate_public_key_sha1: opt_ptr(&cert_pk),
                provider_keyed_json: opt_ptr(&provider_keyed),
            }));
        }
    }
}

enum EventView<'a> {
    Detection(&'a dxltie_detection_t),
    FirstInstance(&'a dxltie_first_instance_t),
    ReputationChange(&'a dxltie_reputation_change_t),
}

/// Registers the C callback `function` for events of `kind`; `deliver` calls it with the view.
///
/// Pointers: as in `dxltie_add_file_detection_callback`: `client` must be NULL or a live client
/// handle, `out_id` NULL or writable, `function` callable with `user_data` until freed.
unsafe fn register<F: Copy + Send + Sync + 'static>(
    client: *mut dxltie_client_t,
    kind: EventKind,
    function: F,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
    deliver: fn(&UserCallback<F>, EventView<'_>),
) -> Result<(), FfiError> {
    // SAFETY: `client` and `out_id` come with this function's contract, which is
    // `registration`'s.
    let (c, out, user) = unsafe { registration(client, out_id, function, user_data, free_user_data) }?;
    let held = user.clone();
    let with_json = c.event_json;
    let added = c.tie.add_event_callback(
        kind,
        Arc::new(move |_: &Handle, e: &TieEvent<'_>| {
            with_event_views(kind, e, with_json, &|view| deliver(&held, view))
        }),
    );
    registered(added, &user, out)
}

/// The checked arguments a registration starts from: the client, where its id goes, and the
/// user's callback (not yet registered: `registered` leaves it to the caller on failure).
///
/// Pointers: `client` must be NULL or a live client handle, `out_id` NULL or writable.
unsafe fn registration<'a, F: Copy>(
    client: *mut dxltie_client_t,
    out_id: *mut u64,
    function: F,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
) -> Result<(ClientRef<'a>, &'a mut u64, Arc<UserCallback<F>>), FfiError> {
    // SAFETY: `client` is NULL (refused) or a live client handle, by this function's contract.
    let c = unsafe { dxltie_client_t::from_ptr(client) }?;
    // SAFETY: `out_id` is NULL (refused) or writable, by this function's contract.
    let out = unsafe { out_param(out_id, "out_id") }?;
    Ok((c, out, Arc::new(UserCallback::new(function, user_data, free_user_data))))
}

/// The outcome of an add: the id written out, or the error with the caller's user data left to
/// the caller (a refused registration never frees it).
fn registered<F: Copy>(added: crate::tie::Result<u64>, user: &UserCallback<F>, out: &mut u64) -> Result<(), FfiError> {
    match added {
        Ok(id) => {
            *out = id;
            Ok(())
        }
        Err(e) => {
            user.disarm();
            Err(from_tie(e))
        }
    }
}

/// Registers `callback` for file detection events; `*out_id` identifies it for
/// `dxltie_remove_callback`. `free_user_data` (may be NULL) runs exactly once, after the last
/// call: when the callback is removed or the client freed.
///
/// Pointers: `client` must be a live client; `callback` must stay callable with `user_data`
/// until freed.
#[no_mangle]
pub unsafe extern "C" fn dxltie_add_file_detection_callback(
    client: *mut dxltie_client_t,
    callback: dxltie_detection_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_add_file_detection_callback", || {
        let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
        // SAFETY: `client`, `out_id`, `callback` and `user_data` come with this function's
        // Pointers: note, which is `register`'s contract.
        unsafe {
            register(
                client,
                EventKind::FileDetection,
                f,
                user_data,
                free_user_data,
                out_id,
                deliver_detection,
            )
        }
    })
}

/// Registers `callback` for file first-instance events (see `dxltie_add_file_detection_callback`).
///
/// Pointers: as in `dxltie_add_file_detection_callback`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_add_file_first_instance_callback(
    client: *mut dxltie_client_t,
    callback: dxltie_first_instance_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_add_file_first_instance_callback", || {
        let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
        // SAFETY: `client`, `out_id`, `callback` and `user_data` come with this function's
        // Pointers: note, which is `register`'s contract.
        unsafe {
            register(
                client,
                EventKind::FileFirstInstance,
                f,
                user_data,
                free_user_data,
                out_id,
                deliver_first_instance,
            )
        }
    })
}

fn deliver_detection(u: &UserCallback<DetectionFn>, view: EventView<'_>) {
    if let EventView::Detection(e) = view {
        // SAFETY: the C caller registered `function` for `user_data` and keeps it callable
        // until the registration is freed (Pointers: note); `e` lives through the call.
        unsafe { (u.function)(u.user_data, e) }
    }
}

fn deliver_first_instance(u: &UserCallback<FirstInstanceFn>, view: EventView<'_>) {
    if let EventView::FirstInstance(e) = view {
        // SAFETY: the C caller registered `function` for `user_data` and keeps it callable
        // until the registration is freed (Pointers: note); `e` lives through the call.
        unsafe { (u.function)(u.user_data, e) }
    }
}

fn deliver_reputation_change(u: &UserCallback<RepChangeFn>, view: EventView<'_>) {
    if let EventView::ReputationChange(e) = view {
        // SAFETY: the C caller registered `function` for `user_data` and keeps it callable
        // until the registration is freed (Pointers: note); `e` lives through the call.
        unsafe { (u.function)(u.user_data, e) }
    }
}

type DetectionFn = unsafe extern "C" fn(*mut c_void, *const dxltie_detection_t);
type FirstInstanceFn = unsafe extern "C" fn(*mut c_void, *const dxltie_first_instance_t);
type RepChangeFn = unsafe extern "C" fn(*mut c_void, *const dxltie_reputation_change_t);

/// Registers `callback` for file reputation changes (see `dxltie_add_file_detection_callback`).
///
/// Pointers: as in `dxltie_add_file_detection_callback`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_add_file_reputation_change_callback(
    client: *mut dxltie_client_t,
    callback: dxltie_reputation_change_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_add_file_reputation_change_callback", || {
        let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
        // SAFETY: `client`, `out_id`, `callback` and `user_data` come with this function's
        // Pointers: note, which is `register`'s contract.
        unsafe {
            register(
                client,
                EventKind::FileReputationChange,
                f,
                user_data,
                free_user_data,
                out_id,
                deliver_reputation_change,
            )
        }
    })
}

/// Registers `callback` for certificate reputation changes (see
/// `dxltie_add_file_detection_callback`).
///
/// Pointers: as in `dxltie_add_file_detection_callback`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_add_certificate_reputation_change_callback(
    client: *mut dxltie_client_t,
    callback: dxltie_reputation_change_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_add_certificate_reputation_change_callback", || {
        let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
        // SAFETY: `client`, `out_id`, `callback` and `user_data` come with this function's
        // Pointers: note, which is `register`'s contract.
        unsafe {
            register(
                client,
                EventKind::CertificateReputationChange,
                f,
                user_data,
                free_user_data,
                out_id,
                deliver_reputation_change,
            )
        }
    })
}

/// Registers `callback` for events of `kind`, delivered as the JSON text of the dictionary the
/// Python callback receives.
///
/// Pointers: as in `dxltie_add_file_detection_callback`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_add_json_callback(
    client: *mut dxltie_client_t,
    kind: dxltie_event_kind_t,
    callback: dxltie_json_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_add_json_callback", || {
        let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
        // Checked before `registration` takes the user data (a refused call leaves it alone).
        let rust_kind = event_kind(kind)?;
        // SAFETY: `client` and `out_id` as the Pointers: note says, `registration`'s contract.
        let (c, out, user) = unsafe { registration(client, out_id, f, user_data, free_user_data) }?;
        let held = user.clone();
        let added = c.tie.add_event_callback(
            rust_kind,
            Arc::new(move |_: &Handle, e: &TieEvent<'_>| {
                let user = &held;
                let msg = MessageStorage::new(e.message);
                let json = e.event.json_text();
                let provider_keyed = string_to_cstring(provider_keyed_json(&e.event.provider_keyed));
                let event = dxltie_json_event_t {
                    message: msg.view(e.message),
                    kind,
                    json: json.as_ptr(),
                    provider_keyed_json: provider_keyed.as_ptr(),
                };
                // SAFETY: the C caller registered `function` for `user_data` and keeps it
                // callable until the registration is freed (Pointers: note); `event` and the
                // strings it points to live through the call.
                unsafe { (user.function)(user.user_data, &event) };
            }),
        );
        registered(added, &user, out)
    })
}

/// Registers `callback` for events of `kind`, delivered in batches: while it is the only
/// callback of that kind, each call gets every event of the kind that had arrived when the
/// dispatcher got to them (at most 64, about 256 KiB of payload), in arrival order, as one JSON
/// array of records:
///
/// ```json
/// [{"event": {...}, "providerKeyed": ["newReputations", "oldReputations"],
///   "topic": "...", "messageId": "...", "sourceClientId": "...", "sourceBrokerId": "...",
///   "version": 2, "payloadLength": 412}]
/// ```
///
/// `event` is the dictionary of `dxltie_add_json_callback`'s `json` (the same value, written
/// compactly, non-ASCII characters as UTF-8 rather than escaped), `providerKeyed` its
/// `provider_keyed_json` (left out when empty, as it is for detections and first instances),
/// and the rest the DXL message the event came in, as `dxltie_dxl_message_t` has it. Its other
/// fields are there only when not empty:
/// `"sourceClientInstanceId"`, `"brokerIds"` and `"clientIds"` (arrays), `"otherFields"` (an
/// object, in wire order), `"sourceTenantGuid"`, `"destinationTenantGuids"` (an array). Its
/// payload is the next
/// `payloadLength` bytes of `payloads` (raw bytes, not escaped into the JSON text: a binding
/// copies them as they are). An event arriving alone is a batch of one and is delivered at
/// once, as with the other forms; batches only grow when events arrive faster than the
/// callback takes them. With other callbacks on the same kind, every call carries one event,
/// in turn with the others, so that each sees the events in the same order, interleaved, as
/// one at a time. For bindings whose cost is per call rather than per event (Python through
/// ctypes: about 14 µs for each call from a library thread), and for C callers that want one
/// wake-up per burst. Added in 0.3.
///
/// The call runs on the dispatcher thread. `dxltie_remove_callback` waits for a running call
/// as for the other forms; a removal from inside the call returns at once, and the rest of the
/// batch in hand is the caller's to drop. Events taken into a batch have left the queue: with
/// `DXLTIE_OVERFLOW_DROP_OLDEST`, up to 64 events beyond the queue's capacity are held, and
/// delivered rather than dropped.
///
/// Pointers: as in `dxltie_add_file_detection_callback`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_add_json_batch_callback(
    client: *mut dxltie_client_t,
    kind: dxltie_event_kind_t,
    callback: dxltie_json_batch_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_add_json_batch_callback", || {
        let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
        // Checked before `registration` takes the user data (a refused call leaves it alone).
        let rust_kind = event_kind(kind)?;
        // SAFETY: `client` and `out_id` as the Pointers: note says, `registration`'s contract.
        let (c, out, user) = unsafe { registration(client, out_id, f, user_data, free_user_data) }?;
        let held = user.clone();
        let added = c.tie.add_event_batch_callback(
            rust_kind,
            Arc::new(move |_: &Handle, events: &[TieEvent<'_>]| {
                let user = &held;
                // The buffers of the last batch on this thread, reused: a batch is tens of KiB,
                // and allocating and freeing that much at every call showed in the profile.
                // Taken out for the call, so a callback that somehow led here again would only
                // allocate new ones.
                let (mut text, mut payloads) = BATCH_BUFFERS.with(|b| b.take());
                batch_json(events, &mut text, &mut payloads);
                // SAFETY: as in `dxltie_add_json_callback`; `text` (NUL-terminated by
                // `batch_json`) and `payloads` live through the call.
                unsafe {
                    (user.function)(
                        user.user_data,
                        text.as_ptr().cast(),
                        events.len(),
                        payloads.as_ptr(),
                        payloads.len(),
                    )
                };
                // Kept for the next batch unless one large event made them large.
                if text.capacity() <= KEPT_BATCH_BUFFER && payloads.capacity() <= KEPT_BATCH_BUFFER {
                    BATCH_BUFFERS.with(|b| b.set((text, payloads)));
                }
            }),
        );
        registered(added, &user, out)
    })
}

/// The largest batch buffer kept for the next batch (a run stops at about 256 KiB of payload,
/// except for its first event, which may be up to a DXL message's 2 MiB).
const KEPT_BATCH_BUFFER: usize = 1024 * 1024;

std::thread_local! {
    /// The text and payload buffers of `dxltie_add_json_batch_callback`, kept between batches.
    static BATCH_BUFFERS: std::cell::Cell<(Vec<u8>, Vec<u8>)> = const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

/// Writes the records of `dxltie_add_json_batch_callback` into `out`, NUL-terminated (JSON text
/// has no NUL byte: serde_json and the Python form escape every control character), and the
/// payloads into `payloads`, both emptied first.
fn batch_json(events: &[TieEvent<'_>], out: &mut Vec<u8>, payloads: &mut Vec<u8>) {
    fn put(out: &mut Vec<u8>, key: &str, value: &str) {
        out.push(b',');
        // Writing a `&str` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, key);
        out.push(b':');
        let _ = serde_json::to_writer(&mut *out, value);
    }
    fn put_list(out: &mut Vec<u8>, key: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        out.push(b',');
        let _ = serde_json::to_writer(&mut *out, key);
        out.push(b':');
        let _ = serde_json::to_writer(&mut *out, values);
    }
    out.clear();
    payloads.clear();
    out.push(b'[');
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"event\":");
        // The same dictionary as the JSON form's text, written compactly by serde_json rather
        // than as `json.dumps` spells it: a parser gets the same value from fewer bytes, and
        // writing it costs less (no ASCII escaping).
        let _ = serde_json::to_writer(&mut *out, &e.event.json);
        if !e.event.provider_keyed.is_empty() {
            out.extend_from_slice(b",\"providerKeyed\":");
            out.extend_from_slice(provider_keyed_json(&e.event.provider_keyed).as_bytes());
        }
        let m = e.message;
        put(out, "topic", &m.destination_topic);
        put(out, "messageId", &m.message_id);
        put(out, "sourceClientId", &m.source_client_id);
        put(out, "sourceBrokerId", &m.source_broker_id);
        out.extend_from_slice(format!(",\"version\":{}", m.version).as_bytes());
        // The rest only when not empty, which they almost always are: a smaller text to write
        // and for a binding to parse (documented).
        if !m.source_client_instance_id.is_empty() {
            put(out, "sourceClientInstanceId", &m.source_client_instance_id);
        }
        put_list(out, "brokerIds", &m.broker_ids);
        put_list(out, "clientIds", &m.client_ids);
        if !m.other_fields.is_empty() {
            out.extend_from_slice(b",\"otherFields\":{");
            for (i, (key, value)) in m.other_fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut *out, key);
                out.push(b':');
                let _ = serde_json::to_writer(&mut *out, value);
            }
            out.push(b'}');
        }
        if !m.source_tenant_guid.is_empty() {
            put(out, "sourceTenantGuid", &m.source_tenant_guid);
        }
        put_list(out, "destinationTenantGuids", &m.destination_tenant_guids);
        out.extend_from_slice(format!(",\"payloadLength\":{}}}", m.payload.len()).as_bytes());
        payloads.extend_from_slice(&m.payload);
    }
    out.extend_from_slice(b"]\0");
}

/// Removes a callback; its topic is unsubscribed when no other callback uses it. From another
/// thread this waits until a running call of that callback has returned; inside a callback
/// (even its own) it returns at once. The callback is not called after this returns. Unknown
/// or already removed ids give `DXLTIE_E_NOT_FOUND`.
///
/// Pointers: `client` must be a live client handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_remove_callback(client: *mut dxltie_client_t, id: u64) -> dxltie_result_t {
    boundary::call("dxltie_remove_callback", || {
        // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        c.tie.remove_event_callback(id).map_err(from_tie)
    })
}
