//! The TIE requests for C: synchronous forms returning typed results or JSON, and asynchronous
//! forms whose callback fires exactly once (c-api.md "Requests").
//!
//! Inputs are the Python ones: hashes as (type, hex) pairs, trust levels, provider ids, file
//! types, query limits, validated before anything is sent. A `timeout_ms` of 0 means the TIE
//! default of 30 s.

use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use super::boundary;
use super::client::dxltie_client_t;
use super::convert::{out_param, required_str, to_cstring};
use super::errors::{from_tie, last_service_error_code};
use super::handed_out::{give, take_back, Kind};
use super::result::{dxltie_result_t, FfiError, DXLTIE_E_INVALID_ARG, DXLTIE_OK};
use super::user_callback::{dxltie_free_fn, UserCallback};
use super::views::*;
use crate::tie::model::{first_references_from_agents, reputations_from_map};
use crate::tie::{Answer, PreparedRequest, DEFAULT_RESPONSE_TIMEOUT};

fn timeout_of(ms: u32) -> Duration {
    if ms == 0 {
        DEFAULT_RESPONSE_TIMEOUT
    } else {
        Duration::from_millis(u64::from(ms))
    }
}

/// The C hash array as (type, hex) pairs, borrowed from the caller's strings for the call.
///
/// Pointers: `hashes` must be NULL or point to `count` hashes whose strings are NULL or
/// NUL-terminated, and they must outlive `'a`.
unsafe fn hash_args<'a>(hashes: *const dxltie_hash_t, count: usize) -> Result<Vec<(&'a str, &'a str)>, FfiError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if hashes.is_null() {
        return Err(FfiError::null_arg("hashes"));
    }
    // SAFETY: `hashes` is not NULL and `count` is not 0 (checked above); by this function's
    // contract it points to `count` readable hashes that outlive `'a`.
    unsafe { std::slice::from_raw_parts(hashes, count) }
        .iter()
        .enumerate()
        .map(|(i, h)| {
            // SAFETY: NULL (refused) or NUL-terminated and outliving `'a`, by this function's
            // contract.
            let t = unsafe { hash_part(h.hash_type, i, "hash_type") }?;
            // SAFETY: as for the type.
            let v = unsafe { hash_part(h.value, i, "value") }?;
            if t.is_empty() {
                return Err(FfiError::new(
                    DXLTIE_E_INVALID_ARG,
                    format!("hashes[{i}].hash_type is empty"),
                ));
            }
            Ok((t, v))
        })
        .collect()
}

/// One string of `hashes[i]`. Its name is formatted only for an error: this runs for every
/// hash of every lookup, cache hits included.
///
/// Pointers: `ptr` must be NULL or a NUL-terminated string that outlives `'a`.
unsafe fn hash_part<'a>(ptr: *const c_char, i: usize, field: &str) -> Result<&'a str, FfiError> {
    if !ptr.is_null() {
        // SAFETY: not NULL (checked), so NUL-terminated and outliving `'a` by the contract.
        if let Ok(text) = unsafe { std::ffi::CStr::from_ptr(ptr) }.to_str() {
            return Ok(text);
        }
    }
    // SAFETY: NULL or NUL-terminated, by this function's contract.
    unsafe { required_str(ptr, &format!("hashes[{i}].{field}")) }
}

/// An optional string argument: NULL and "" give None.
///
/// Pointers: `ptr` must be NULL or a NUL-terminated string.
unsafe fn optional(ptr: *const c_char, name: &str) -> Result<Option<String>, FfiError> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: `ptr` is not NULL (checked above), so by this function's contract it is a
        // NUL-terminated string; it is copied before returning.
        Ok(Some(unsafe { required_str(ptr, name) }?.to_owned()).filter(|s| !s.is_empty()))
    }
}

/// An optional string argument, NULL read as "".
///
/// Pointers: `ptr` must be NULL or a NUL-terminated string.
unsafe fn text_or_empty(ptr: *const c_char, name: &str) -> Result<String, FfiError> {
    // SAFETY: this function's contract is `optional`'s.
    Ok(unsafe { optional(ptr, name) }?.unwrap_or_default())
}

// -------------------------------------------------------------------------------------------
// Results

/// A list of reputations (a providerId map): one entry per provider, in the service's order.
#[repr(C)]
pub struct dxltie_reputations_t {
    pub items: *const dxltie_reputation_t,
    pub count: usize,
    /// The providerId map as JSON (`{"1": {...}, "3": {...}}`), as Python's `json.dumps` of it.
    pub json: *const c_char,
}

/// The systems that first referenced a file or certificate.
#[repr(C)]
pub struct dxltie_first_references_t {
    pub items: *const dxltie_first_reference_t,
    pub count: usize,
    /// The `agents` list as JSON.
    pub json: *const c_char,
}

/// What a `dxltie_reputations_t *` handed to C really points to.
#[repr(C)]
struct OwnedReputations {
    view: dxltie_reputations_t,
    _shared: Arc<CReputations>,
}

#[repr(C)]
struct OwnedFirstReferences {
    view: dxltie_first_references_t,
    _shared: Arc<CFirstReferences>,
}

/// The C form of an answer's reputations, made once per answer ([`Answer::derived`]) and shared
/// by every list handed out for it: a cached answer is converted at its first hit, not at each.
struct CReputations {
    storage: ReputationsStorage,
    json: CString,
}

/// The C form of an answer's first references, shared as [`CReputations`] is.
struct CFirstReferences {
    storage: FirstReferencesStorage,
    json: CString,
}

// SAFETY: never changed after it is made; its raw pointers point into its own heap buffers
// (which stay put when it moves), and C only reads through them. Sharing it across threads is
// sharing immutable memory.
unsafe impl Send for CReputations {}
// SAFETY: as for `Send`: immutable once made.
unsafe impl Sync for CReputations {}
// SAFETY: as for `CReputations`.
unsafe impl Send for CFirstReferences {}
// SAFETY: as for `CReputations`.
unsafe impl Sync for CFirstReferences {}

/// A string for C to free with `dxltie_string_free`.
pub(crate) fn give_string(text: CString) -> *mut c_char {
    give(text.into_raw(), Kind::String)
}

/// A reputation list for C to free with `dxltie_reputations_free`.
pub(crate) fn give_reputations(answer: &Answer) -> *mut dxltie_reputations_t {
    give(Box::into_raw(owned_reputations(answer)).cast(), Kind::Reputations)
}

/// A first-references list for C to free with `dxltie_first_references_free`.
pub(crate) fn give_first_references(answer: &Answer) -> *mut dxltie_first_references_t {
    give(
        Box::into_raw(owned_first_references(answer)).cast(),
        Kind::FirstReferences,
    )
}

fn owned_reputations(answer: &Answer) -> Box<OwnedReputations> {
    let shared = answer.derived(|a| CReputations {
        storage: ReputationsStorage::new(&reputations_from_map(a.value())),
        json: to_cstring(a.python_json()),
    });
    Box::new(OwnedReputations {
        view: dxltie_reputations_t {
            items: shared.storage.ptr(),
            count: shared.storage.items.len(),
            json: shared.json.as_ptr(),
        },
        _shared: shared,
    })
}

fn owned_first_references(answer: &Answer) -> Box<OwnedFirstReferences> {
    let shared = answer.derived(|a| CFirstReferences {
        storage: FirstReferencesStorage::new(&first_references_from_agents(a.value())),
        json: to_cstring(a.python_json()),
    });
    Box::new(OwnedFirstReferences {
        view: dxltie_first_references_t {
            items: shared.storage.ptr(),
            count: shared.storage.items.len(),
            json: shared.json.as_ptr(),
        },
        _shared: shared,
    })
}

/// Frees a reputation list. NULL is a no-op. A pointer this library did not hand out as a
/// reputation list, or already freed (a copy of the struct is not the list), is not freed: an
/// error is logged and nothing else happens.
///
/// Pointers: `reputations` must be NULL or a pointer; it is only compared, never followed,
/// unless this library handed it out.
#[no_mangle]
pub unsafe extern "C" fn dxltie_reputations_free(reputations: *mut dxltie_reputations_t) {
    boundary::call_or("dxltie_reputations_free", (), || {
        if !reputations.is_null() && take_back(reputations, Kind::Reputations, "dxltie_reputations_free") {
            // SAFETY: `take_back` found `reputations` among the live lists `give_reputations`
            // made from a `Box<OwnedReputations>` (`view` first in the #[repr(C)] struct) and
            // forgot it, so this is its one and only free.
            drop(unsafe { Box::from_raw(reputations.cast::<OwnedReputations>()) });
        }
    })
}

/// Frees a first-references list. NULL is a no-op; anything else not handed out by this
/// library as a first-references list is refused as in `dxltie_reputations_free`.
///
/// Pointers: as in `dxltie_reputations_free`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_first_references_free(references: *mut dxltie_first_references_t) {
    boundary::call_or("dxltie_first_references_free", (), || {
        if !references.is_null() && take_back(references, Kind::FirstReferences, "dxltie_first_references_free") {
            // SAFETY: `take_back` found `references` among the live lists `give_first_references`
            // made from a `Box<OwnedFirstReferences>` (`view` first in the #[repr(C)] struct) and
            // forgot it, so this is its one and only free.
            drop(unsafe { Box::from_raw(references.cast::<OwnedFirstReferences>()) });
        }
    })
}

/// Frees a string returned by this library. NULL is a no-op; anything else not handed out by
/// this library as a string is refused as in `dxltie_reputations_free`.
///
/// Pointers: as in `dxltie_reputations_free`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_string_free(text: *mut c_char) {
    boundary::call_or("dxltie_string_free", (), || {
        if !text.is_null() && take_back(text, Kind::String, "dxltie_string_free") {
            // SAFETY: `take_back` found `text` among the live strings `give_string` made with
            // `CString::into_raw` and forgot it, so this is its one and only free.
            drop(unsafe { CString::from_raw(text) });
        }
    })
}

/// The fabric's code of this thread's last `DXLTIE_E_SERVICE_ERROR` (for example `0x80000001`,
/// "unable to locate service for request", or `0` from a TIE service); the message is
/// `dxltie_last_error_message()`.
#[no_mangle]
pub extern "C" fn dxltie_last_service_error_code() -> u32 {
    boundary::call_or("dxltie_last_service_error_code", 0, last_service_error_code)
}

// -------------------------------------------------------------------------------------------
// What the request functions of the table (tie_operations.rs) are made of

pub(crate) fn send(client: &dxltie_client_t, request: &PreparedRequest, timeout_ms: u32) -> Result<Answer, FfiError> {
    client.tie.answer(request, timeout_of(timeout_ms)).map_err(from_tie)
}

/// Hands `answer` to C as JSON text through `out`.
///
/// Pointers: `out` must be NULL or writable.
pub(crate) unsafe fn write_json(out: *mut *mut c_char, answer: &Answer) -> Result<(), FfiError> {
    // SAFETY: `out` is NULL (refused) or writable, by this function's contract.
    let out = unsafe { out_param(out, "out_json") }?;
    *out = give_string(to_cstring(answer.python_json()));
    Ok(())
}

/// Prepares the request of each operation from C arguments.
///
/// Pointers (every function): `hashes` must be NULL or point to `count` hashes; every string
/// must be NULL or NUL-terminated; as the C functions they serve document.
pub(crate) struct Args;

impl Args {
    pub(crate) unsafe fn file_reputation(
        hashes: *const dxltie_hash_t,
        count: usize,
    ) -> Result<PreparedRequest, FfiError> {
        // SAFETY: `Args`'s contract is `hash_args`'s.
        let pairs = unsafe { hash_args(hashes, count) }?;
        PreparedRequest::get_file_reputation(&pairs).map_err(from_tie)
    }

    pub(crate) unsafe fn file_first_references(
        hashes: *const dxltie_hash_t,
        count: usize,
        query_limit: i64,
    ) -> Result<PreparedRequest, FfiError> {
        // SAFETY: `Args`'s contract is `hash_args`'s.
        let pairs = unsafe { hash_args(hashes, count) }?;
        PreparedRequest::get_file_first_references(&pairs, query_limit).map_err(from_tie)
    }

    pub(crate) unsafe fn certificate_reputation(
        sha1: *const c_char,
        public_key_sha1: *const c_char,
    ) -> Result<PreparedRequest, FfiError> {
        // SAFETY: `sha1` is NULL (refused) or NUL-terminated, by `Args`'s contract.
        let sha1 = unsafe { required_str(sha1, "sha1") }?;
        // SAFETY: `public_key_sha1` is NULL or NUL-terminated, by `Args`'s contract.
        let pk = unsafe { optional(public_key_sha1, "public_key_sha1") }?;
        PreparedRequest::get_certificate_reputation(sha1, pk.as_deref()).map_err(from_tie)
    }

    pub(crate) unsafe fn certificate_first_references(
        sha1: *const c_char,
        public_key_sha1: *const c_char,
        query_limit: i64,
    ) -> Result<PreparedRequest, FfiError> {
        // SAFETY: `sha1` is NULL (refused) or NUL-terminated, by `Args`'s contract.
        let sha1 = unsafe { required_str(sha1, "sha1") }?;
        // SAFETY: `public_key_sha1` is NULL or NUL-terminated, by `Args`'s contract.
        let pk = unsafe { optional(public_key_sha1, "public_key_sha1") }?;
        PreparedRequest::get_certificate_first_references(sha1, pk.as_deref(), query_limit).map_err(from_tie)
    }

    pub(crate) unsafe fn set_file_reputation(
        trust_level: i32,
        hashes: *const dxltie_hash_t,
        count: usize,
        filename: *const c_char,
        comment: *const c_char,
    ) -> Result<PreparedRequest, FfiError> {
        // SAFETY: `Args`'s contract is `hash_args`'s.
        let pairs = unsafe { hash_args(hashes, count) }?;
        // SAFETY: `filename` is NULL or NUL-terminated, by `Args`'s contract.
        let filename = unsafe { text_or_empty(filename, "filename") }?;
        // SAFETY: `comment` is NULL or NUL-terminated, by `Args`'s contract.
        let comment = unsafe { text_or_empty(comment, "comment") }?;
        PreparedRequest::set_file_reputation(i64::from(trust_level), &pairs, &filename, &comment).map_err(from_tie)
    }

    pub(crate) unsafe fn set_certificate_reputation(
        trust_level: i32,
        sha1: *const c_char,
        public_key_sha1: *const c_char,
        comment: *const c_char,
    ) -> Result<PreparedRequest, FfiError> {
        // SAFETY: `sha1` is NULL (refused) or NUL-terminated, by `Args`'s contract.
        let sha1 = unsafe { required_str(sha1, "sha1") }?;
        // SAFETY: `public_key_sha1` is NULL or NUL-terminated, by `Args`'s contract.
        let pk = unsafe { optional(public_key_sha1, "public_key_sha1") }?;
        // SAFETY: `comment` is NULL or NUL-terminated, by `Args`'s contract.
        let comment = unsafe { text_or_empty(comment, "comment") }?;
        PreparedRequest::set_certificate_reputation(i64::from(trust_level), sha1, pk.as_deref(), &comment)
            .map_err(from_tie)
    }
}

/// Reports an External reputation for a file (`set_external_file_reputation`): a DXL event,
/// no response. Validated as Python does: trust level not 0 and one of the trust levels, a
/// known file type, at least one hash (`DXLTIE_E_INVALID_ARG` with Python's message).
///
/// Pointers: as in `dxltie_get_file_reputation`.
#[no_mangle]
pub unsafe extern "C" fn dxltie_set_external_file_reputation(
    client: *mut dxltie_client_t,
    trust_level: i32,
    hashes: *const dxltie_hash_t,
    hash_count: usize,
    file_type: u64,
    filename: *const c_char,
    comment: *const c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_set_external_file_reputation", || {
        // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: `hashes` is NULL or points to `hash_count` hashes whose strings are NULL or
        // NUL-terminated, per the Pointers: note.
        let pairs = unsafe { hash_args(hashes, hash_count) }?;
        // SAFETY: `filename` is NULL or NUL-terminated, per the Pointers: note.
        let filename = unsafe { text_or_empty(filename, "filename") }?;
        // SAFETY: `comment` is NULL or NUL-terminated, per the Pointers: note.
        let comment = unsafe { text_or_empty(comment, "comment") }?;
        c.tie
            .set_external_file_reputation(i64::from(trust_level), &pairs, file_type, &filename, &comment)
            .map_err(from_tie)
    })
}

// -------------------------------------------------------------------------------------------
// Asynchronous requests

/// The outcome of an asynchronous request, borrowed for the duration of the callback.
#[repr(C)]
pub struct dxltie_response_t {
    /// `DXLTIE_OK`, `DXLTIE_E_SERVICE_ERROR`, `DXLTIE_E_TIMEOUT`, `DXLTIE_E_BAD_RESPONSE`,
    /// `DXLTIE_E_NOT_CONNECTED` or `DXLTIE_E_SHUTDOWN`.
    pub status: dxltie_result_t,
    /// With `DXLTIE_E_SERVICE_ERROR`: the fabric's or service's code.
    pub service_error_code: u32,
    /// The error's message; NULL on success.
    pub error_message: *const c_char,
    /// On success: the result as JSON (`null` for the set operations).
    pub json: *const c_char,
    /// On success of a reputation request: the reputations; NULL otherwise.
    pub reputations: *const dxltie_reputations_t,
    /// On success of a first-references request: the references; NULL otherwise.
    pub first_references: *const dxltie_first_references_t,
}

/// Receives the outcome of an asynchronous request, exactly once, on the dispatcher thread.
pub type dxltie_response_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, response: *const dxltie_response_t)>;

/// Which typed view an asynchronous result gets.
#[derive(Clone, Copy)]
pub(crate) enum ResultShape {
    Reputations,
    FirstReferences,
    Nothing,
}

/// Sends `request` and calls the C `callback` with its outcome, once, on the dispatcher.
///
/// Pointers: `client` must be NULL or a live client handle; `callback` must stay callable with
/// `user_data` until it has fired.
pub(crate) unsafe fn send_async(
    client: *mut dxltie_client_t,
    request: PreparedRequest,
    shape: ResultShape,
    timeout_ms: u32,
    callback: dxltie_response_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
) -> Result<(), FfiError> {
    // SAFETY: `client` is NULL (refused) or a live client handle, by this function's contract.
    let c = unsafe { dxltie_client_t::from_ptr(client) }?;
    let f = callback.ok_or_else(|| FfiError::null_arg("callback"))?;
    let user = Arc::new(UserCallback::new(f, user_data, free_user_data));
    let held = user.clone();
    let sent = c.tie.answer_async(
        &request,
        timeout_of(timeout_ms),
        Box::new(move |_, result| {
            let mut response = dxltie_response_t {
                status: DXLTIE_OK,
                service_error_code: 0,
                error_message: ptr::null(),
                json: ptr::null(),
                reputations: ptr::null(),
                first_references: ptr::null(),
            };
            let (json, reps, refs, message);
            match result {
                Ok(answer) => {
                    json = to_cstring(answer.python_json());
                    response.json = json.as_ptr();
                    match shape {
                        ResultShape::Reputations => {
                            reps = owned_reputations(&answer);
                            response.reputations = &reps.view;
                        }
                        ResultShape::FirstReferences => {
                            refs = owned_first_references(&answer);
                            response.first_references = &refs.view;
                        }
                        ResultShape::Nothing => {}
                    }
                }
                Err(e) => {
                    let err = from_tie(e);
                    response.status = err.code;
                    response.service_error_code = last_service_error_code();
                    message = to_cstring(&err.message);
                    response.error_message = message.as_ptr();
                }
            }
            // SAFETY: the C caller keeps `function` callable with `user_data` until it has fired
            // (this runs once); `response` and everything it points to live through the call.
            unsafe { (held.function)(held.user_data, &response) };
        }),
    );
    sent.map_err(|e| {
        user.disarm(); // not sent: the callback will not fire and the caller keeps its data
        from_tie(e)
    })
}
