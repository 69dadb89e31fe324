//! DXL requests for C: synchronous and asynchronous requests to a topic, and the answers a
//! service sends (responses and error responses with codes).
//!
//! A `timeout_ms` of 0 means the default response timeout (30 s, as in the Python client's
//! `sync_request`; its asynchronous requests wait without limit, ours never do).

use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use super::boundary;
use super::client::dxltie_client_t;
use super::convert::{out_param, to_cstring};
use super::dxl_messages::{dxltie_dxl_message_t, give_message, message_from_c, payload_bytes, text, MessageStorage};
use super::errors::from_dxl;
use super::result::{dxltie_result_t, FfiError, DXLTIE_E_INVALID_ARG, DXLTIE_E_SERVICE_ERROR, DXLTIE_OK};
use super::user_callback::{dxltie_free_fn, UserCallback};
use crate::dxl::{DxlError, Message, MessageType};

/// The default response timeout of a DXL request.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

fn timeout_of(ms: u32) -> Duration {
    if ms == 0 {
        DEFAULT_TIMEOUT
    } else {
        Duration::from_millis(u64::from(ms))
    }
}

/// The error an ErrorResponse answer gives: `DXLTIE_E_SERVICE_ERROR`, its code recorded for
/// `dxltie_last_service_error_code` and its message for `dxltie_last_error_message`.
fn service_error(answer: &Message) -> Option<FfiError> {
    crate::dxl::client::service_result(answer.clone()).err().map(from_dxl)
}

/// Sends the request `request` (to `request->topic`, with its payload and the addressing,
/// service id and other fields that are set; `message_type` is ignored) and waits up to
/// `timeout_ms` (0: 30 s) for the answer.
///
/// - A Response: `DXLTIE_OK`, `*out_response` is it.
/// - An ErrorResponse (from the service, or from the fabric: `0x80000001`,
///   `DXLTIE_DXL_SERVICE_UNAVAILABLE`, when nothing serves the topic): `DXLTIE_E_SERVICE_ERROR`
///   with the code in `dxltie_last_service_error_code()` and the message in
///   `dxltie_last_error_message()`, and, the one exception to "out-parameters are written only
///   on DXLTIE_OK", `*out_response` is the ErrorResponse itself (as Python's `sync_request`
///   returns it), to be freed too.
/// - `DXLTIE_E_TIMEOUT`, `DXLTIE_E_NOT_CONNECTED` (also when the connection is lost while
///   waiting), `DXLTIE_E_SHUTDOWN`, `DXLTIE_E_INVALID_ARG`: nothing written.
///
/// Free the answer with `dxltie_dxl_message_free`. Works inside a callback (the answer is
/// matched on the network thread).
///
/// Pointers: `client` must be a live client handle; `request` must point to a
/// `dxltie_dxl_message_t` with `struct_size` set, whose pointers are NULL or valid;
/// `out_response` must point to writable memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_sync_request(
    client: *mut dxltie_client_t,
    request: *const dxltie_dxl_message_t,
    timeout_ms: u32,
    out_response: *mut *mut dxltie_dxl_message_t,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_sync_request", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_response, "out_response") }?;
        // SAFETY: `request` is as the Pointers: note says, `message_from_c`'s contract.
        let request = unsafe { message_from_c(request, "request", Some(MessageType::Request)) }?;
        let answer = c
            .tie
            .dxl()
            .sync_request_raw(request, timeout_of(timeout_ms))
            .map_err(from_dxl)?;
        let error = service_error(&answer);
        *out = give_message(&answer);
        error.map_or(Ok(()), Err)
    })
}

/// Receives the outcome of an asynchronous request, exactly once, on the dispatcher thread:
/// `status` is `DXLTIE_OK` (a Response), `DXLTIE_E_SERVICE_ERROR` (an ErrorResponse: its code
/// is `response->error_code`), `DXLTIE_E_TIMEOUT`, `DXLTIE_E_NOT_CONNECTED` or
/// `DXLTIE_E_SHUTDOWN`. `response` is the answer for the first two and NULL otherwise;
/// `error_message` is NULL on success and the reason otherwise. Both are borrowed for the call.
pub type dxltie_dxl_response_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        status: dxltie_result_t,
        error_message: *const c_char,
        response: *const dxltie_dxl_message_t,
    ),
>;

type ResponseFn = unsafe extern "C" fn(*mut c_void, dxltie_result_t, *const c_char, *const dxltie_dxl_message_t);

/// Sends the request `request` (as `dxltie_dxl_sync_request`) and returns at once; `callback`
/// fires exactly once with the outcome, on the dispatcher thread, after at most `timeout_ms`
/// (0: 30 s). If this function fails, the callback never fires and `free_user_data` does not
/// run (the caller keeps its data); otherwise `free_user_data` (may be NULL) runs once, after
/// the callback.
///
/// Pointers: `client` must be a live client handle; `request` as in `dxltie_dxl_sync_request`;
/// `callback` must stay callable with `user_data` until it has fired.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_async_request(
    client: *mut dxltie_client_t,
    request: *const dxltie_dxl_message_t,
    timeout_ms: u32,
    callback: dxltie_dxl_response_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_async_request", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
        // SAFETY: `request` is as the Pointers: note says, `message_from_c`'s contract.
        let request = unsafe { message_from_c(request, "request", Some(MessageType::Request)) }?;
        let user: Arc<UserCallback<ResponseFn>> = Arc::new(UserCallback::new(f, user_data, free_user_data));
        let held = user.clone();
        let sent = c.tie.dxl().async_request_raw(
            request,
            timeout_of(timeout_ms),
            Box::new(move |_, result| {
                let (status, message, storage): (dxltie_result_t, Option<CString>, Option<Box<MessageStorage>>) =
                    match result {
                        Ok(answer) => {
                            let status = match service_error(&answer) {
                                Some(e) => (e.code, Some(to_cstring(&e.message))),
                                None => (DXLTIE_OK, None),
                            };
                            (status.0, status.1, Some(MessageStorage::new(&answer)))
                        }
                        Err(e) => {
                            let e = from_dxl(e);
                            (e.code, Some(to_cstring(&e.message)), None)
                        }
                    };
                debug_assert!(storage.is_some() == (status == DXLTIE_OK || status == DXLTIE_E_SERVICE_ERROR));
                let response = storage.as_ref().map_or(ptr::null(), |s| s.view() as *const _);
                let text = message.as_ref().map_or(ptr::null(), |m| m.as_ptr());
                // SAFETY: the C caller keeps `function` callable with `user_data` until it has
                // fired (this runs once); the strings and the view live through the call.
                unsafe { (held.function)(held.user_data, status, text, response) };
            }),
        );
        match sent {
            Ok(_) => Ok(()),
            Err(e) => {
                user.disarm(); // not sent: the callback will not fire and the caller keeps its data
                Err(from_dxl(e))
            }
        }
    })
}

/// Sends a Response or an ErrorResponse described in full: `message_type` is
/// `DXLTIE_DXL_MESSAGE_TYPE_RESPONSE` or `..._ERROR_RESPONSE`, `topic` the request's
/// `reply_to_topic`, `request_message_id` the request's `message_id`, and the addressing
/// (`client_ids`, `broker_ids`), `service_id`, payload, other fields and, for an error, code
/// and message as wanted. `dxltie_dxl_respond` and `dxltie_dxl_respond_error` fill all that in
/// from the request.
///
/// Pointers: `client` must be a live client handle; `response` must point to a
/// `dxltie_dxl_message_t` with `struct_size` set, whose pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_send_response(
    client: *mut dxltie_client_t,
    response: *const dxltie_dxl_message_t,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_send_response", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: `response` is as the Pointers: note says, `message_from_c`'s contract.
        let response = unsafe { message_from_c(response, "response", None) }?;
        if !matches!(
            response.message_type(),
            MessageType::Response | MessageType::ErrorResponse
        ) {
            return Err(FfiError::new(
                DXLTIE_E_INVALID_ARG,
                "response->message_type must be DXLTIE_DXL_MESSAGE_TYPE_RESPONSE or DXLTIE_DXL_MESSAGE_TYPE_ERROR_RESPONSE",
            ));
        }
        c.tie.dxl().send_response(&response).map_err(from_dxl)
    })
}

/// The request a callback received (or a copy of its struct), read back.
///
/// Pointers: as `message_from_c`'s.
unsafe fn request_of(request: *const dxltie_dxl_message_t) -> Result<Message, FfiError> {
    // SAFETY: this function's contract is `message_from_c`'s.
    let request = unsafe { message_from_c(request, "request", Some(MessageType::Request)) }?;
    if request.reply_to_topic().is_empty() {
        return Err(FfiError::new(
            DXLTIE_E_INVALID_ARG,
            "request->reply_to_topic is empty: not a request received from the fabric",
        ));
    }
    Ok(request)
}

/// Answers `request` (a request a callback or service received, or a copy of its struct and
/// strings) with a Response carrying `payload`, addressed as Python's `Response(request)`: to
/// the request's reply topic, client (instance) and broker, with its message and service ids.
///
/// Pointers: `client` must be a live client handle; `request` must point to a received
/// request's `dxltie_dxl_message_t` (or a copy with valid pointers); `payload` must point to
/// `payload_len` readable bytes (NULL allowed when `payload_len` is 0).
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_respond(
    client: *mut dxltie_client_t,
    request: *const dxltie_dxl_message_t,
    payload: *const u8,
    payload_len: usize,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_respond", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: `request` is as the Pointers: note says.
        let request = unsafe { request_of(request) }?;
        // SAFETY: NULL or `payload_len` readable bytes, per the Pointers: note.
        let payload = unsafe { payload_bytes(payload, payload_len, "payload") }?;
        c.tie
            .dxl()
            .send_response(&Message::response_to(&request, payload))
            .map_err(from_dxl)
    })
}

/// Answers `request` with an ErrorResponse: `error_code` (written as the unsigned 32-bit value,
/// as Python writes it) and `error_message` (NULL: ""). Addressed as `dxltie_dxl_respond`.
///
/// Pointers: as in `dxltie_dxl_respond`; `error_message` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_respond_error(
    client: *mut dxltie_client_t,
    request: *const dxltie_dxl_message_t,
    error_code: u32,
    error_message: *const c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_respond_error", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: `request` is as the Pointers: note says.
        let request = unsafe { request_of(request) }?;
        // SAFETY: NULL or NUL-terminated, per the Pointers: note.
        let error_message = unsafe { text(error_message, "error_message") }?;
        c.tie
            .dxl()
            .send_response(&Message::error_response_to(
                &request,
                i64::from(error_code),
                &error_message,
            ))
            .map_err(|e: DxlError| from_dxl(e))
    })
}
