//! `dxltie_client_t`: one handle that is both the DXL client and the TIE client.

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::boundary;
use super::config::dxltie_config_t;
use super::convert::out_param;
use super::errors::from_dxl;
use super::handed_out::{give, is_live, take_back, with_live, Kind};
use super::result::{dxltie_result_t, FfiError, DXLTIE_E_INVALID_ARG, DXLTIE_E_WOULD_DEADLOCK};
use super::sized::{write_sized, SizedStruct};
use super::user_callback::{dxltie_free_fn, UserCallback};
use crate::dxl::{ConnectionState, TransportKind};
use crate::tie::TieClient;

/// A client. Thread-safe: every function may be called from any thread. Its callbacks run on
/// its one dispatcher thread, in arrival order.
pub struct dxltie_client_t {
    pub(crate) tie: TieClient,
    /// Whether struct events carry their JSON text (`dxltie_config_set_event_json`).
    pub(crate) event_json: bool,
    /// The state listener `dxltie_client_set_state_callback` installed, which the next call
    /// replaces.
    state_listener: Mutex<Option<u64>>,
    /// Calls in progress on this handle: `dxltie_client_free` waits for them.
    in_use: AtomicUsize,
}

/// A client handle in use by one call: `dxltie_client_free` waits until none is left.
pub(crate) struct ClientRef<'a> {
    client: &'a dxltie_client_t,
}

impl std::ops::Deref for ClientRef<'_> {
    type Target = dxltie_client_t;
    fn deref(&self) -> &dxltie_client_t {
        self.client
    }
}

impl Drop for ClientRef<'_> {
    fn drop(&mut self) {
        self.client.in_use.fetch_sub(1, Ordering::SeqCst);
    }
}

impl dxltie_client_t {
    /// The client behind a handle argument, marked in use until the returned reference drops.
    /// Refused here: NULL, a handle that is not live (freed already, or being freed), and a
    /// client of the parent process (in a child made by fork()), before anything touches its
    /// locks or threads.
    ///
    /// Pointers: `client` must be NULL or a pointer; it is followed only when the table of
    /// handed-out handles has it as a live client.
    pub(crate) unsafe fn from_ptr<'a>(client: *const dxltie_client_t) -> Result<ClientRef<'a>, FfiError> {
        if client.is_null() {
            return Err(FfiError::null_arg("client"));
        }
        let marked = with_live(client, Kind::Client, || {
            // SAFETY: the table has `client` as a live handle and cannot take it back while this
            // runs (its lock is held); once marked in use, `dxltie_client_free` waits for it.
            let c = unsafe { &*client };
            c.in_use.fetch_add(1, Ordering::SeqCst);
            ClientRef { client: c }
        });
        let c = marked.ok_or_else(|| {
            FfiError::new(
                DXLTIE_E_INVALID_ARG,
                "not a live client handle (freed already, being freed, or not from this library)",
            )
        })?;
        c.tie.ensure_owner().map_err(from_dxl)?;
        Ok(c)
    }
}

/// Creates a client from a configuration (copied: the configuration may be freed afterwards).
/// Nothing is sent before `dxltie_client_connect`.
///
/// Pointers: `config` must be a live configuration handle; `out_client` must point to writable
/// memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_client_new(
    config: *const dxltie_config_t,
    out_client: *mut *mut dxltie_client_t,
) -> dxltie_result_t {
    boundary::call("dxltie_client_new", || {
        super::logging::install();
        // SAFETY: `config` is NULL (refused) or a live configuration handle, per the Pointers:
        // note.
        let config = unsafe { config.as_ref() }.ok_or_else(|| FfiError::null_arg("config"))?;
        // SAFETY: `out_client` is NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_client, "out_client") }?;
        let tie = TieClient::with_options(config.config.clone(), config.tie_options).map_err(from_dxl)?;
        *out = give(
            Box::into_raw(Box::new(dxltie_client_t {
                tie,
                event_json: config.event_json,
                state_listener: Mutex::new(None),
                in_use: AtomicUsize::new(0),
            })),
            Kind::Client,
        );
        Ok(())
    })
}

/// Connects to the closest broker that accepts the client and waits until every subscription
/// is confirmed, at most `timeout_ms`. On failure the message names each broker tried and why
/// it failed: `DXLTIE_E_TLS` when the certificates cannot be used or every broker refused a
/// certificate (theirs or ours; the message says which, and which file to look at),
/// `DXLTIE_E_CONNECT` otherwise, `DXLTIE_E_CONFIG` for an unusable configuration. After a later
/// loss of the connection the client reconnects by itself, with back-off, and re-subscribes.
///
/// Pointers: `client` must be a live client handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_client_connect(client: *mut dxltie_client_t, timeout_ms: u32) -> dxltie_result_t {
    boundary::call("dxltie_client_connect", || {
        // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        c.tie
            .connect(Duration::from_millis(u64::from(timeout_ms)))
            .map_err(from_dxl)
    })
}

/// Disconnects (waiting requests fail with `DXLTIE_E_NOT_CONNECTED`; a `dxltie_client_connect`
/// waiting on another thread returns `DXLTIE_E_CONNECT` at once). Callbacks stay registered and
/// are subscribed again at the next connect.
///
/// Pointers: `client` must be a live client handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_client_disconnect(client: *mut dxltie_client_t) -> dxltie_result_t {
    boundary::call("dxltie_client_disconnect", || {
        // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        c.tie.disconnect().map_err(from_dxl)
    })
}

/// Whether the client is connected with every subscription confirmed.
///
/// Pointers: `client` must be NULL or a live client handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_client_is_connected(client: *const dxltie_client_t) -> bool {
    boundary::call_or("dxltie_client_is_connected", false, || {
        // SAFETY: `from_ptr` follows `client` only when it is a live handle.
        unsafe { dxltie_client_t::from_ptr(client) }.is_ok_and(|c| c.tie.is_connected())
    })
}

/// Whether `dxltie_client_free` of this client may be called on the calling thread: false
/// inside one of the client's callbacks, and on the library's network thread (in the log
/// callback), where it returns `DXLTIE_E_WOULD_DEADLOCK`. For bindings that wait for their own
/// calls on a client before freeing it: there, one of those calls may be waiting for the very
/// callback that asks (a removal of it), so they must refuse before waiting. False for NULL.
/// Added in 0.3.
///
/// Pointers: `client` must be NULL or a live client handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_client_may_free_here(client: *const dxltie_client_t) -> bool {
    boundary::call_or("dxltie_client_may_free_here", false, || {
        // SAFETY: `from_ptr` follows `client` only when it is a live handle.
        unsafe { dxltie_client_t::from_ptr(client) }.is_ok_and(|c| c.tie.may_close_here().is_ok())
    })
}

/// Disconnects, stops the client's threads, runs every remaining `free_user_data` and frees the
/// handle. NULL is a no-op. Inside one of this client's callbacks it returns
/// `DXLTIE_E_WOULD_DEADLOCK` and frees nothing (the dispatcher cannot wait for itself); inside
/// another client's callback it works. In a child made by fork() it frees the handle's memory
/// only and returns `DXLTIE_OK`: the threads and the connection belong to the parent, and no
/// `free_user_data` runs (the user data belongs to the parent too).
///
/// Pointers: `client` must be NULL or a live client handle, not used after this returns
/// `DXLTIE_OK`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_client_free(client: *mut dxltie_client_t) -> dxltie_result_t {
    boundary::call("dxltie_client_free", || {
        if client.is_null() {
            return Ok(());
        }
        if !is_live(client, Kind::Client) {
            return Err(FfiError::new(
                DXLTIE_E_INVALID_ARG,
                "dxltie_client_free: not a live client handle (freed already, or not from this library)",
            ));
        }
        // SAFETY: `is_live` just found `client` among the live client handles (a `Box` this
        // library made and has not freed), and only this function frees it.
        let c = unsafe { &*client };
        c.tie.may_close_here().map_err(|e| {
            FfiError::new(
                DXLTIE_E_WOULD_DEADLOCK,
                format!("dxltie_client_free: {e}: free the client from another thread"),
            )
        })?;
        if !take_back(client, Kind::Client, "dxltie_client_free") {
            return Ok(()); // another thread's free got there first
        }
        // From here no new call can start on the handle. Calls in progress are ended (a waiting
        // connect or request fails at once) and waited for; in a forked child there are none
        // (their threads stayed in the parent), and the parent's threads must not be touched.
        if c.tie.ensure_owner().is_ok() {
            let _ = c.tie.disconnect();
            while c.in_use.load(Ordering::SeqCst) > 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        // SAFETY: `take_back` found `client` among the live handles `dxltie_client_new` made with
        // `Box::into_raw` and forgot it, so this is its one and only free, and no call uses it.
        drop(unsafe { Box::from_raw(client) });
        Ok(())
    })
}

/// How a client is connected: `DXLTIE_TRANSPORT_*`.
pub type dxltie_transport_t = i32;
/// Not connected.
pub const DXLTIE_TRANSPORT_NONE: dxltie_transport_t = 0;
/// MQTT over TLS (`[Brokers]`).
pub const DXLTIE_TRANSPORT_MQTT_TLS: dxltie_transport_t = 1;
/// MQTT over secure WebSockets (`[BrokersWebSockets]`), straight to the broker.
pub const DXLTIE_TRANSPORT_WEBSOCKETS: dxltie_transport_t = 2;
/// MQTT over secure WebSockets through the HTTP proxy (`[Proxy]`).
pub const DXLTIE_TRANSPORT_WEBSOCKETS_PROXY: dxltie_transport_t = 3;

/// The size of `dxltie_stats_t.broker`, its NUL included.
pub const DXLTIE_STATS_BROKER_SIZE: usize = 256;

/// Counters of a client. Set `struct_size` to `sizeof(dxltie_stats_t)` before calling
/// `dxltie_client_stats` (fields are only ever added at the end; see "Structs" at the top).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dxltie_stats_t {
    /// Set by the caller to `sizeof(dxltie_stats_t)`; on return, the bytes the library filled.
    pub struct_size: usize,
    /// Messages received from the broker.
    pub received: u64,
    /// Messages the dispatcher processed.
    pub delivered: u64,
    /// Messages dropped because the dispatcher queue was full (drop-oldest policy).
    pub dropped: u64,
    /// Payloads that were not DXL messages (skipped).
    pub undecodable: u64,
    /// Connections lost unexpectedly, after which the client reconnects by itself (counted at
    /// the loss).
    pub reconnects: u64,
    /// TIE events whose payload could not be decoded (skipped; the callback was not called).
    pub bad_events: u64,
    /// Callbacks that panicked inside the library (caught).
    pub callback_faults: u64,
    /// Messages over the DXL size limit (2 MiB), skipped while the connection stays up.
    pub oversized: u64,
    /// Connection attempts to a broker, successful or not (the back-off spaces them out).
    pub connect_attempts: u64,
    /// Reputation lookups answered from the cache (`dxltie_config_set_reputation_cache`; the
    /// `cache_` counters stay 0 with the cache off).
    pub cache_hits: u64,
    /// Reputation lookups the cache could not answer, sent to the fabric or sharing a request
    /// in flight.
    pub cache_misses: u64,
    /// Missed lookups that shared a request already in flight instead of sending their own.
    pub cache_coalesced: u64,
    /// Entries dropped because a reputation-change event named one of their hashes.
    pub cache_invalidated_by_event: u64,
    /// Entries dropped because this client set a reputation for one of their hashes.
    pub cache_invalidated_by_set: u64,
    /// Entries dropped because their time to live had passed.
    pub cache_expired: u64,
    /// Entries dropped, least recently used first, to make room.
    pub cache_evicted: u64,
    /// Entries dropped because the connection was lost (change events may have been missed).
    pub cache_dropped_on_disconnect: u64,
    /// Entries held now.
    pub cache_entries: u64,
    /// How the client is connected now: `DXLTIE_TRANSPORT_*` (`DXLTIE_TRANSPORT_NONE` while not
    /// connected).
    pub transport: dxltie_transport_t,
    /// The broker connected to, NUL-terminated: its id (when its line has one), a space and
    /// `address:port` (the address it answered on; the WebSocket port over WebSockets), then
    /// ` via proxy address:port` through a proxy; "" while not connected. Cut at
    /// `DXLTIE_STATS_BROKER_SIZE - 1` bytes (at a character boundary).
    pub broker: [c_char; 256],
}

impl Default for dxltie_stats_t {
    fn default() -> Self {
        dxltie_stats_t {
            struct_size: 0,
            received: 0,
            delivered: 0,
            dropped: 0,
            undecodable: 0,
            reconnects: 0,
            bad_events: 0,
            callback_faults: 0,
            oversized: 0,
            connect_attempts: 0,
            cache_hits: 0,
            cache_misses: 0,
            cache_coalesced: 0,
            cache_invalidated_by_event: 0,
            cache_invalidated_by_set: 0,
            cache_expired: 0,
            cache_evicted: 0,
            cache_dropped_on_disconnect: 0,
            cache_entries: 0,
            transport: DXLTIE_TRANSPORT_NONE,
            broker: [0; DXLTIE_STATS_BROKER_SIZE],
        }
    }
}

/// `text` as a NUL-terminated C array, cut at a character boundary if it is too long.
fn c_text<const N: usize>(text: &str) -> [c_char; N] {
    let mut out = [0 as c_char; N];
    let mut end = text.len().min(N - 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    for (o, b) in out.iter_mut().zip(&text.as_bytes()[..end]) {
        *o = *b as c_char;
    }
    out
}

/// Fills `out_stats` with the client's counters, as many as its `struct_size` has room for
/// (`DXLTIE_E_INVALID_ARG` when `struct_size` is smaller than the first released layout).
///
/// Pointers: `client` must be a live client handle; `out_stats` must point to
/// `out_stats->struct_size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn dxltie_client_stats(
    client: *const dxltie_client_t,
    out_stats: *mut dxltie_stats_t,
) -> dxltie_result_t {
    boundary::call("dxltie_client_stats", || {
        // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        let s = c.tie.stats();
        let cache = c.tie.cache_stats().unwrap_or_default();
        let mut stats = dxltie_stats_t {
            struct_size: std::mem::size_of::<dxltie_stats_t>(),
            received: s.received,
            delivered: s.delivered,
            dropped: s.dropped,
            undecodable: s.undecodable,
            reconnects: s.reconnects,
            bad_events: c.tie.bad_events(),
            callback_faults: s.callback_panics,
            oversized: s.oversized,
            connect_attempts: s.connect_attempts,
            cache_hits: cache.hits,
            cache_misses: cache.misses,
            cache_coalesced: cache.coalesced,
            cache_invalidated_by_event: cache.invalidated_by_event,
            cache_invalidated_by_set: cache.invalidated_by_set,
            cache_expired: cache.expired,
            cache_evicted: cache.evicted,
            cache_dropped_on_disconnect: cache.dropped_on_disconnect,
            cache_entries: cache.entries,
            ..Default::default()
        };
        if let Some(connection) = c.tie.connection() {
            stats.transport = match connection.transport {
                TransportKind::MqttTls => DXLTIE_TRANSPORT_MQTT_TLS,
                TransportKind::WebSockets => DXLTIE_TRANSPORT_WEBSOCKETS,
                TransportKind::WebSocketsViaProxy => DXLTIE_TRANSPORT_WEBSOCKETS_PROXY,
            };
            stats.broker = c_text(&connection.broker_text());
        }
        // SAFETY: `out_stats` is NULL (refused) or points to `out_stats->struct_size` writable
        // bytes, per the Pointers: note; that is what `write_sized` needs.
        unsafe { write_sized(out_stats, stats, "out_stats") }
    })
}

// SAFETY: #[repr(C)], `struct_size: usize` first; the first released layout ends after
// `callback_faults` (the seven counters of dxltie 0.1).
unsafe impl SizedStruct for dxltie_stats_t {
    const MIN_SIZE: usize = std::mem::offset_of!(dxltie_stats_t, callback_faults) + 8;
}

/// Connection states reported to a state callback: `DXLTIE_STATE_*`.
pub type dxltie_connection_state_t = i32;
pub const DXLTIE_STATE_DISCONNECTED: dxltie_connection_state_t = 0;
/// Looking for a broker (first connect, or reconnecting after a loss).
pub const DXLTIE_STATE_CONNECTING: dxltie_connection_state_t = 1;
/// Connected, every subscription confirmed.
pub const DXLTIE_STATE_CONNECTED: dxltie_connection_state_t = 2;

/// Receives connection state changes, on the dispatcher thread.
pub type dxltie_state_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, state: dxltie_connection_state_t)>;

/// Observes connection state changes, replacing the callback an earlier call set.
/// `free_user_data` (may be NULL) runs once, when the callback is replaced or the client freed,
/// after its last call.
///
/// Pointers: `client` must be a live client handle; `callback` must stay callable with
/// `user_data` until then.
#[no_mangle]
pub unsafe extern "C" fn dxltie_client_set_state_callback(
    client: *mut dxltie_client_t,
    callback: dxltie_state_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
) -> dxltie_result_t {
    boundary::call("dxltie_client_set_state_callback", || {
        // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        let callback = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
        let user = Arc::new(UserCallback::new(callback, user_data, free_user_data));
        let id = c.tie.add_state_listener(Arc::new(move |state| {
            let state = match state {
                ConnectionState::Disconnected => DXLTIE_STATE_DISCONNECTED,
                ConnectionState::Connecting => DXLTIE_STATE_CONNECTING,
                ConnectionState::Connected => DXLTIE_STATE_CONNECTED,
            };
            // SAFETY: the C caller registered `function` for `user_data` and keeps it callable
            // until it is replaced or the client freed (Pointers: note); `user` holds both.
            unsafe { (user.function)(user.user_data, state) };
        }));
        let mut installed = c.state_listener.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(previous) = installed.replace(id) {
            c.tie.remove_state_listener(previous);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::c_text;

    #[test]
    fn c_text_is_cut_at_a_character_boundary_and_terminated() {
        let t: [std::ffi::c_char; 6] = c_text("ab\u{e9}cd"); // é is two bytes: a b é c, then NUL
        let bytes: Vec<u8> = t.iter().map(|c| *c as u8).collect();
        assert_eq!(bytes, b"ab\xc3\xa9c\0");
        let t: [std::ffi::c_char; 4] = c_text("ab\u{e9}"); // é does not fit whole: dropped
        let bytes: Vec<u8> = t.iter().map(|c| *c as u8).collect();
        assert_eq!(bytes, b"ab\0\0");
    }
}
