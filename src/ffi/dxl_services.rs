//! DXL services for C: register a service (its topics and one request callback) with the
//! fabric's registry, wait for the registry's acknowledgement, unregister.
//!
//! The client re-registers every service at each connect and after each TTL, and, when a
//! registration got no answer (a plain MQTT broker has no registry), again a minute later. On a
//! plain MQTT broker a service still works: its topics are subscribed and requests arrive by
//! fan-out; only the acknowledgement never comes.

use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use super::boundary;
use super::client::dxltie_client_t;
use super::convert::{out_param, required_str, to_cstring};
use super::dxl_events::{deliver, dxltie_dxl_message_fn};
use super::dxl_messages::{dxltie_dxl_field_t, field_array, string_array, text};
use super::errors::from_dxl;
use super::requests::give_string;
use super::result::{dxltie_result_t, FfiError, DXLTIE_E_INVALID_ARG};
use super::sized::{read_sized, SizedStruct};
use super::user_callback::{dxltie_free_fn, UserCallback};
use crate::dxl::{Handle, Message, ServiceInfo};

/// A service to register (Python's `ServiceRegistrationInfo`). Set `struct_size` to
/// `sizeof(dxltie_dxl_service_t)` (`dxltie_dxl_service_init()` does it and zeroes the rest).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_dxl_service_t {
    pub struct_size: usize,
    /// The service type, e.g. `/mycompany/myservice`; required.
    pub service_type: *const c_char,
    /// The instance id; NULL or "": a new `{uuid}`.
    pub service_id: *const c_char,
    /// The request topics the service answers (at least one; a `/#` suffix for a subtree).
    pub topics: *const *const c_char,
    pub topic_count: usize,
    /// Metadata sent to the registry.
    pub metadata: *const dxltie_dxl_field_t,
    pub metadata_count: usize,
    /// The registration's time to live in minutes; 0: 60, Python's default. The client
    /// re-registers after it.
    pub ttl_minutes: u32,
    /// The tenants the service is for (empty: its own).
    pub destination_tenant_guids: *const *const c_char,
    pub destination_tenant_guid_count: usize,
}

// SAFETY: #[repr(C)], `struct_size: usize` first, plain data; the first released layout is the
// whole struct.
unsafe impl SizedStruct for dxltie_dxl_service_t {
    const MIN_SIZE: usize = std::mem::size_of::<dxltie_dxl_service_t>();
}

/// Registers a service: subscribes its topics, routes their requests to `on_request` (on the
/// dispatcher thread, the request borrowed for the call; answer with `dxltie_dxl_respond` or
/// `dxltie_dxl_respond_error`) and sends the registration to the fabric's registry now when
/// connected, at every connect and every TTL. A request for another instance id on one of these
/// topics is answered with error `0x80000001`. `*out_service_id` (optional: NULL to not ask)
/// gets the instance id, to free with `dxltie_string_free`. `free_user_data` (may be NULL) runs
/// once, after the last call of `on_request`: at or soon after the service's unregistration
/// (on the dispatcher thread, if a dispatch had already picked the service), or when the client
/// is freed. To wait for the registry's acknowledgement (Python's `register_service_sync`), call
/// `dxltie_dxl_wait_service_registered`.
///
/// Errors: `DXLTIE_E_INVALID_ARG` (no service type, no topics, an empty topic, an instance id
/// already registered on this client).
///
/// Pointers: `client` must be a live client handle; `service` must point to a
/// `dxltie_dxl_service_t` with `struct_size` set, whose pointers are NULL or valid;
/// `on_request` must stay callable with `user_data` until `free_user_data` has run;
/// `out_service_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_register_service(
    client: *mut dxltie_client_t,
    service: *const dxltie_dxl_service_t,
    on_request: dxltie_dxl_message_fn,
    user_data: *mut c_void,
    free_user_data: dxltie_free_fn,
    out_service_id: *mut *mut c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_register_service", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        let f = on_request.ok_or_else(|| FfiError::null_arg("on_request"))?;
        // SAFETY: `service` is NULL (refused) or readable as the Pointers: note says.
        let s = unsafe { read_sized(service, "service") }?;
        // SAFETY: the struct's pointers are NULL or valid, per the Pointers: note (so for every
        // read of them below).
        let service_type = unsafe { text(s.service_type, "service->service_type") }?;
        if service_type.is_empty() {
            return Err(FfiError::new(
                DXLTIE_E_INVALID_ARG,
                "service->service_type is NULL or empty",
            ));
        }
        // SAFETY: see above.
        let topics = unsafe { string_array(s.topics, s.topic_count, "service->topics") }?;
        if topics.is_empty() || topics.iter().any(String::is_empty) {
            return Err(FfiError::new(
                DXLTIE_E_INVALID_ARG,
                "service->topics: a service needs at least one topic, none of them empty",
            ));
        }
        let mut info = ServiceInfo::new(&service_type, &[]);
        info.topics = topics;
        // SAFETY: see above.
        let id = unsafe { text(s.service_id, "service->service_id") }?;
        if !id.is_empty() {
            info.service_id = id;
        }
        // SAFETY: see above.
        info.metadata = unsafe { field_array(s.metadata, s.metadata_count, "service->metadata") }?;
        if s.ttl_minutes != 0 {
            info.ttl_minutes = s.ttl_minutes;
        }
        // SAFETY: see above.
        info.destination_tenant_guids = unsafe {
            string_array(
                s.destination_tenant_guids,
                s.destination_tenant_guid_count,
                "service->destination_tenant_guids",
            )
        }?;
        let out = if out_service_id.is_null() {
            None
        } else {
            // SAFETY: not NULL, so writable per the Pointers: note.
            Some(unsafe { out_param(out_service_id, "out_service_id") }?)
        };
        let service_id = info.service_id.clone();
        let user = Arc::new(UserCallback::new(f, user_data, free_user_data));
        let held = user.clone();
        let registered = c.tie.dxl().register_service(
            info,
            Arc::new(move |_: &Handle, request: &Message| deliver(&held, request)),
        );
        if let Err(e) = registered {
            user.disarm(); // on failure the caller keeps its user data
            return Err(from_dxl(e));
        }
        if let Some(out) = out {
            *out = give_string(to_cstring(&service_id));
        }
        Ok(())
    })
}

/// Waits up to `timeout_ms` (0: 10 s, Python's default) until the fabric's registry has
/// acknowledged a registration of the service since it was registered on this client
/// (Python's `register_service_sync`). `DXLTIE_E_TIMEOUT` when it did not (a plain MQTT
/// broker never does; the service stays registered), `DXLTIE_E_NOT_CONNECTED` when the client
/// is disconnected or becomes so while waiting (also when it is freed), `DXLTIE_E_NOT_FOUND`
/// for an unknown id, `DXLTIE_E_WOULD_DEADLOCK` inside one of the client's callbacks (the
/// acknowledgement is handled on the dispatcher).
///
/// Pointers: `client` must be a live client handle; `service_id` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_wait_service_registered(
    client: *mut dxltie_client_t,
    service_id: *const c_char,
    timeout_ms: u32,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_wait_service_registered", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: NULL (refused) or NUL-terminated, per the Pointers: note.
        let id = unsafe { required_str(service_id, "service_id") }?;
        let timeout = if timeout_ms == 0 {
            crate::dxl::services::REGISTER_TIMEOUT
        } else {
            Duration::from_millis(u64::from(timeout_ms))
        };
        c.tie.dxl().wait_service_registered(id, timeout).map_err(from_dxl)
    })
}

/// Unregisters a service: stops routing its requests, unsubscribes the topics nothing else
/// uses, and tells the registry when connected. With `timeout_ms` 0 it does not wait for the
/// registry; otherwise it waits up to that long for its acknowledgement (Python's
/// `unregister_service_sync`) and returns `DXLTIE_E_TIMEOUT` (or the registry's
/// `DXLTIE_E_SERVICE_ERROR`) if it does not come: the service is unregistered locally all the
/// same. `DXLTIE_E_NOT_FOUND` for an unknown id. As `dxltie_remove_callback`, it then waits
/// for a running call of the service's handler to return (except inside one of this client's
/// own callbacks, where that call may be the caller), and the handler is not called again
/// after it returns.
///
/// Pointers: `client` must be a live client handle; `service_id` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_unregister_service(
    client: *mut dxltie_client_t,
    service_id: *const c_char,
    timeout_ms: u32,
) -> dxltie_result_t {
    boundary::call("dxltie_dxl_unregister_service", || {
        // SAFETY: NULL (refused) or a live client handle, per the Pointers: note.
        let c = unsafe { dxltie_client_t::from_ptr(client) }?;
        // SAFETY: NULL (refused) or NUL-terminated, per the Pointers: note.
        let id = unsafe { required_str(service_id, "service_id") }?;
        let wait = (timeout_ms != 0).then(|| Duration::from_millis(u64::from(timeout_ms)));
        c.tie.dxl().unregister_service_wait(id, wait).map_err(from_dxl)
    })
}
