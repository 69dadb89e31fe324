//! `dxltie_config_t`: a client configuration read from a `dxlclient.config` file.

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary;
use super::convert::{out_param, required_str, to_cstring};
use super::result::{dxltie_result_t, FfiError, DXLTIE_E_INVALID_ARG};
use crate::dxl::ClientConfig;

/// A client configuration. Create it with `dxltie_config_from_file`, free it with
/// `dxltie_config_free`. Not shared between threads while it is being changed.
pub struct dxltie_config_t {
    pub(crate) config: ClientConfig,
    /// C copies of the strings the getters hand out, so they stay valid as long as the handle.
    client_id: CString,
    brokers: Vec<BrokerStrings>,
}

struct BrokerStrings {
    unique_id: CString,
    host_name: CString,
    ip_address: Option<CString>,
    port: u16,
}

impl dxltie_config_t {
    pub(crate) fn new(config: ClientConfig) -> Self {
        let brokers = config
            .active_brokers()
            .iter()
            .map(|b| BrokerStrings {
                unique_id: to_cstring(&b.unique_id),
                host_name: to_cstring(&b.host_name),
                ip_address: b.ip_address.as_deref().map(to_cstring),
                port: b.port,
            })
            .collect();
        dxltie_config_t {
            client_id: to_cstring(&config.client_id),
            config,
            brokers,
        }
    }
}

/// One broker of a configuration; the strings belong to the configuration handle.
#[repr(C)]
pub struct dxltie_broker_t {
    /// The broker's id, "" when its line gave none.
    pub unique_id: *const c_char,
    pub port: u16,
    pub host_name: *const c_char,
    /// The optional second address, NULL when absent.
    pub ip_address: *const c_char,
}

/// Reads a `dxlclient.config` file as the Python client does: `[Certs]` is required, certificate
/// paths are resolved against the file's folder, `[Brokers]`, `[BrokersWebSockets]`,
/// `[General]` and `[Proxy]` are read. Errors: `DXLTIE_E_IO` (file unreadable),
/// `DXLTIE_E_CONFIG` (with a message naming the file, section and key).
///
/// # Safety
/// `path` must be a NUL-terminated string; `out_config` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_from_file(path: *const c_char, out_config: *mut *mut dxltie_config_t) -> dxltie_result_t {
    boundary::call("dxltie_config_from_file", || {
        let path = required_str(path, "path")?;
        let out = out_param(out_config, "out_config")?;
        let config = ClientConfig::from_file(path)?;
        *out = Box::into_raw(Box::new(dxltie_config_t::new(config)));
        Ok(())
    })
}

/// Frees a configuration. NULL is a no-op. A client created from it keeps its own copy.
///
/// # Safety
/// `config` must be NULL or a handle from this library not freed before.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_free(config: *mut dxltie_config_t) {
    boundary::call_or("dxltie_config_free", (), || {
        if !config.is_null() {
            drop(Box::from_raw(config));
        }
    })
}

/// The client id, valid as long as the configuration; NULL if `config` is NULL.
///
/// # Safety
/// `config` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_client_id(config: *const dxltie_config_t) -> *const c_char {
    boundary::call_or("dxltie_config_client_id", ptr::null(), || match config.as_ref() {
        Some(c) => c.client_id.as_ptr(),
        None => ptr::null(),
    })
}

/// Whether the client will use the WebSocket broker list.
///
/// # Safety
/// `config` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_use_websockets(config: *const dxltie_config_t) -> bool {
    boundary::call_or("dxltie_config_use_websockets", false, || {
        config.as_ref().is_some_and(|c| c.config.use_websockets)
    })
}

/// The number of brokers the client will use (the WebSocket list when WebSockets are on).
///
/// # Safety
/// `config` must be NULL or a live handle; `out_count` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_broker_count(config: *const dxltie_config_t, out_count: *mut usize) -> dxltie_result_t {
    boundary::call("dxltie_config_broker_count", || {
        let c = config.as_ref().ok_or_else(|| FfiError::null_arg("config"))?;
        *out_param(out_count, "out_count")? = c.brokers.len();
        Ok(())
    })
}

/// Broker `index` (0-based, in file order); its strings belong to the configuration.
///
/// # Safety
/// `config` must be NULL or a live handle; `out_broker` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_broker(config: *const dxltie_config_t, index: usize, out_broker: *mut dxltie_broker_t) -> dxltie_result_t {
    boundary::call("dxltie_config_broker", || {
        let c = config.as_ref().ok_or_else(|| FfiError::null_arg("config"))?;
        let out = out_param(out_broker, "out_broker")?;
        let b = c.brokers.get(index).ok_or_else(|| {
            FfiError::new(DXLTIE_E_INVALID_ARG, format!("broker index {index} out of range (count {})", c.brokers.len()))
        })?;
        *out = dxltie_broker_t {
            unique_id: b.unique_id.as_ptr(),
            port: b.port,
            host_name: b.host_name.as_ptr(),
            ip_address: b.ip_address.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
        };
        Ok(())
    })
}
