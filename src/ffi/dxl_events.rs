//! DXL events, subscriptions and message callbacks for C: send an event, subscribe with a
//! callback, unsubscribe (c-api.md "Callbacks").
//!
//! Topic filters match as in the Python client: "" (or NULL) receives every message of the
//! kind, an exact topic its messages, a filter ending in `/#` (or `#`) its whole subtree. The
//! broker is subscribed to the filter as given; a `+` filter is subscribed but, as in Python,
//! never matches a callback.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::boundary;
use super::client::dxltie_client_t;
use super::convert::{out_param, required_str};
use super::dxl_messages::{dxltie_dxl_message_t, message_from_c, MessageStorage};
use super::errors::from_dxl;
use super::requests::give_string;
use super::result::{dxltie_result_t, FfiError, DXLTIE_E_INVALID_ARG};
use super::user_callback::{dxltie_free_fn, UserCallback};
use crate::dxl::{CallbackKind, Handle, Message, MessageType};

/// Receives a DXL message on the dispatcher thread; `message` is borrowed for the call.
pub type dxltie_dxl_message_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, message: *const dxltie_dxl_message_t)>;

type MessageFn = unsafe extern "C" fn(*mut c_void, *const dxltie_dxl_message_t);

/// Calls the C callback with the view of `message`; the view's storage lives through the call.
pub(crate) fn deliver(user: &UserCallback<MessageFn>, message: &Message) {
    let storage = MessageStorage::new(message);
    // SAFETY: the C caller registered `function` for `user_data` and keeps it callable until the
    // registration is freed (the registering function's Pointers: note); the view and what it
    // points to live through the call.
    unsafe { (user.function)(user.user_data, storage.view()) };
}

/// An optional topic filter: NULL is "" (every topic).
///
/// Pointers: `topic` must be NULL or a NUL-terminated string.
unsafe fn filter(topic: *const c_char) -> Result<String, FfiError> {
    if topic.is_null() {
        return Ok(String::new());
    }
    // SAFETY: not NULL, so NUL-terminated by this function's contract.
    Ok(unsafe { required_str(topic, "topic") }?.to_owned())
}

/// Registers `callback` for messages of `kind` on `topic`.
///
/// Pointers: `client` NULL or a live client, `topic` NULL or NUL-terminated, `out_id` NULL or
/// writable, `callback` callable with `user_data` until freed.
#[allow(clippy::too_many_arguments)]
unsafe fn add(
    client: *mut dxltie_client_t,
    kind: CallbackKind,
    topic: *const c_char,
    subscribe: bool,
    callback: dxltie_dxl_message_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> Result<(), FfiError> {
    // SAFETY: NULL (refused) or a live client handle, by this function's contract.
    let c = unsafe { dxltie_client_t::from_ptr(client) }?;
    let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
    // SAFETY: NULL (refused) or writable, by this function's contract.
    let out = unsafe { out_param(out_id, "out_id") }?;
    // SAFETY: NULL or NUL-terminated, by this function's contract.
    let topic = unsafe { filter(topic) }?;
    let user = Arc::new(UserCallback::new(f, user_data, free_user_data));
    let held = user.clone();
    let added = c.tie.dxl().add_callback(
        kind,
        &topic,
        Arc::new(move |_: &Handle, m: &Message| deliver(&held, m)),
        subscribe,
    );
    match added {
        Ok(id) => {
            *out = id;
            Ok(())
        }
        Err(e) => {
            user.disarm(); // on failure the caller keeps its user data
            Err(from_dxl(e))
        }
    }
}

/// Registers `callback` for DXL events on `topic` (NULL or "": every event the client
/// receives; a filter ending in `/#`: that subtree). With `subscribe`, the client also
/// subscribes to `topic` (as Python's `add_event_callback(topic, cb, subscribe_to_topic=True)`),
/// now when connected and at every connect. `*out_id` identifies the callback for
/// `dxltie_dxl_remove_callback`. `free_user_data` (may be NULL) runs exactly once, after the
/// last call: on removal or when the client is freed. The callback runs on the dispatcher
/// thread; `message` is borrowed for the call.
///
/// Pointers: `client` must be a live client handle; `topic` NULL or a NUL-terminated string;
/// `out_id` must point to writable memory; `callback` must stay callable with `user_data` until
/// `free_user_data` has run.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_add_event_callback(
    client: *mut dxltie_client_t,
    topic: *const c_char,
    subscribe: bool,
    callback: dxltie_dxl_message_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_add_event_callback", || {
        // SAFETY: the arguments are as this function's Pointers: note says, `add`'s contract.
        unsafe {
            add(
                client,
                CallbackKind::Event,
                topic,
                subscribe,
                callback,
                user_data,
                free_user_data,
                out_id,
            )
        }
    })
}

/// Registers `callback` for DXL requests on `topic` (NULL or "": every request the client
/// receives), as Python's `add_request_callback`: the topic is not subscribed (subscribe with
/// `dxltie_dxl_subscribe`, or provide a service with `dxltie_dxl_register_service`, which
/// subscribes its topics). Answer with `dxltie_dxl_respond` or `dxltie_dxl_respond_error`.
/// Otherwise as `dxltie_dxl_add_event_callback`.
///
/// Pointers: as in `dxltie_dxl_add_event_callback`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_add_request_callback(
    client: *mut dxltie_client_t,
    topic: *const c_char,
    callback: dxltie_dxl_message_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_add_request_callback", || {
        // SAFETY: the arguments are as this function's Pointers: note says, `add`'s contract.
        unsafe {
            add(
                client,
                CallbackKind::Request,
                topic,
                false,
                callback,
                user_data,
                free_user_data,
                out_id,
            )
        }
    })
}

/// Registers `callback` for DXL responses and error responses arriving on `topic` (NULL or "":
/// every one), as Python's `add_response_callback`; it also sees answers to this client's own
/// requests, after their request has been completed. Otherwise as
/// `dxltie_dxl_add_request_callback`.
///
/// Pointers: as in `dxltie_dxl_add_event_callback`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_add_response_callback(
    client: *mut dxltie_client_t,
    topic: *const c_char,
    callback: dxltie_dxl_message_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_id: *mut u64,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_add_response_callback", || {
        // SAFETY: the arguments are as this function's Pointers: note says, `add`'s contract.
        unsafe {
            add(
                client,
                CallbackKind::Response,
                topic,
                false,
                callback,
                user_data,
                free_user_data,
                out_id,
            )
        }
    })
}

/// Removes a callback registered with a `dxltie_dxl_add_*_callback` function. With
/// `unsubscribe_if_last`, its topic is unsubscribed when no other callback uses it (Python
/// unsubscribes on every removal, silencing other callbacks of the topic: not copied). Waiting
/// and thread rules as `dxltie_remove_callback`; an unknown or already removed id gives
/// `DXLTIE_E_NOT_FOUND`. The ids of both surfaces come from one counter: `dxltie_remove_callback`
/// removes a DXL callback too (as with `unsubscribe_if_last` true).
///
/// Pointers: `client` must be a live client handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_remove_callback(
    client: *mut dxltie_client_t,
    id: u64,
    unsubscribe_if_last: bool,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_remove_callback", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        c.tie.dxl().remove_callback(id, unsubscribe_if_last).map_err(from_dxl)
    })
}

/// Subscribes to `topic` (a `/#` suffix for a subtree), now when connected (waiting for the
/// broker's acknowledgement) and at every connect. Subscribing twice is not an error.
///
/// Pointers: `client` must be a live client handle; `topic` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_subscribe(client: *mut dxltie_client_t, topic: *const c_char) -> dxltie_result_t {
    boundary::call("dxltie_dxl_subscribe", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: NULL (refused) or NUL-terminated, per the Pointers: note.
        let topic = unsafe { required_str(topic, "topic") }?;
        if topic.is_empty() {
            return Err(FfiError::new(DXLTIE_E_INVALID_ARG, "topic is empty"));
        }
        c.tie.dxl().subscribe(topic).map_err(from_dxl)
    })
}

/// Unsubscribes from `topic`; callbacks stay registered. An unknown topic is not an error. The
/// client's own reply topic stays subscribed.
///
/// Pointers: `client` must be a live client handle; `topic` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_unsubscribe(client: *mut dxltie_client_t, topic: *const c_char) -> dxltie_result_t {
    boundary::call("dxltie_dxl_unsubscribe", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: NULL (refused) or NUL-terminated, per the Pointers: note.
        let topic = unsafe { required_str(topic, "topic") }?;
        c.tie.dxl().unsubscribe(topic).map_err(from_dxl)
    })
}

/// The topics the client subscribes at every connect, as a JSON array of strings, without the
/// client's own reply topic (Python's `subscriptions`). Free with `dxltie_string_free`.
///
/// Pointers: `client` must be a live client handle; `out_json` must point to writable memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_subscriptions(
    client: *mut dxltie_client_t,
    out_json: *mut *mut c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_subscriptions", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_json, "out_json") }?;
        let dxl = c.tie.dxl();
        let topics: Vec<String> = dxl
            .subscriptions()
            .into_iter()
            .filter(|t| t != dxl.reply_topic())
            .collect();
        let json = serde_json::to_string(&topics).map_err(|e| FfiError::new(DXLTIE_E_INVALID_ARG, e.to_string()))?;
        *out = give_string(super::convert::string_to_cstring(json));
        Ok(())
    })
}

/// Sends a DXL event: `event->topic` and the payload, with the addressing fields and other
/// fields that are set (`message_type` is ignored: it is an event). `DXLTIE_E_NOT_CONNECTED`
/// while not connected; `DXLTIE_E_INVALID_ARG` for a missing topic or a message over the size
/// limit.
///
/// Pointers: `client` must be a live client handle; `event` must point to a
/// `dxltie_dxl_message_t` with `struct_size` set, whose pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_send_event(
    client: *mut dxltie_client_t,
    event: *const dxltie_dxl_message_t,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_send_event", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: `event` is as the Pointers: note says, `message_from_c`'s contract.
        let event = unsafe { message_from_c(event, "event", Some(MessageType::Event)) }?;
        c.tie.dxl().send_event(&event).map_err(from_dxl)
    })
}

/// The broker the client is connected to, as a JSON object (`{"unique_id": "...",
/// "host_name": "...", "ip_address": null, "port": 8883}`), or `DXLTIE_E_NOT_CONNECTED`.
/// Free with `dxltie_string_free`.
///
/// Pointers: `client` must be a live client handle; `out_json` must point to writable memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_current_broker(
    client: *mut dxltie_client_t,
    out_json: *mut *mut c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_current_broker", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_json, "out_json") }?;
        let b = c
            .tie
            .dxl()
            .current_broker()
            .ok_or_else(|| from_dxl(crate::dxl::DxlError::NotConnected))?;
        let json = serde_json::json!({
            "unique_id": b.unique_id,
            "host_name": b.host_name,
            "ip_address": b.ip_address,
            "port": b.port,
        });
        *out = give_string(super::convert::string_to_cstring(json.to_string()));
        Ok(())
    })
}
