//! `dxltie_config_t`: a client configuration read from a `dxlclient.config` file.

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary;
use super::convert::{optional_str, out_param, required_str, to_cstring};
use super::errors::from_tie;
use super::handed_out::{give, take_back, Kind};
use super::result::{dxltie_result_t, FfiError, DXLTIE_E_INVALID_ARG};
use super::sized::{write_sized, SizedStruct};
use crate::dxl::{Broker, ClientConfig, OverflowPolicy, PemSource, Proxy};
use crate::tie::{CacheSettings, TieOptions};
use std::time::Duration;

/// A client configuration. Create it with `dxltie_config_from_file`, free it with
/// `dxltie_config_free`. Not shared between threads while it is being changed.
pub struct dxltie_config_t {
    pub(crate) config: ClientConfig,
    /// C copies of the strings the getters hand out, so they stay valid as long as the handle.
    client_id: CString,
    brokers: Vec<BrokerStrings>,
    /// What the TIE client adds (the reputation cache); kept across `refresh`.
    pub(crate) tie_options: TieOptions,
    /// Whether the flat event structs carry their JSON text (`dxltie_config_set_event_json`).
    pub(crate) event_json: bool,
}

struct BrokerStrings {
    unique_id: CString,
    host_name: CString,
    ip_address: Option<CString>,
    port: u16,
}

impl dxltie_config_t {
    /// Rebuilds the C copies after a setter changed the configuration.
    fn refresh(&mut self) {
        let config = std::mem::replace(
            &mut self.config,
            ClientConfig::new(
                PemSource::Pem(Vec::new()),
                PemSource::Pem(Vec::new()),
                PemSource::Pem(Vec::new()),
            ),
        );
        let (tie_options, event_json) = (self.tie_options, self.event_json);
        *self = Self::new(config);
        self.tie_options = tie_options;
        self.event_json = event_json;
    }

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
            tie_options: TieOptions::default(),
            event_json: true,
        }
    }
}

/// One broker of a configuration; the strings belong to the configuration handle and are valid
/// until it is changed by a setter or freed. Set
/// `struct_size` to `sizeof(dxltie_broker_t)` before calling `dxltie_config_broker`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_broker_t {
    /// Set by the caller to `sizeof(dxltie_broker_t)`; on return, the bytes the library filled.
    pub struct_size: usize,
    /// The broker's id, "" when its line gave none.
    pub unique_id: *const c_char,
    pub port: u16,
    pub host_name: *const c_char,
    /// The optional second address, NULL when absent.
    pub ip_address: *const c_char,
}

// SAFETY: #[repr(C)], `struct_size: usize` first; the first released layout is the whole struct.
unsafe impl SizedStruct for dxltie_broker_t {
    const MIN_SIZE: usize = std::mem::size_of::<dxltie_broker_t>();
}

/// Reads a `dxlclient.config` file as the Python client does: `[Certs]` is required, certificate
/// paths are resolved against the file's folder, `[Brokers]`, `[BrokersWebSockets]`,
/// `[General]` and `[Proxy]` are read. Errors: `DXLTIE_E_IO` (file unreadable),
/// `DXLTIE_E_CONFIG` (with a message naming the file, section and key).
///
/// Pointers: `path` must be a NUL-terminated string; `out_config` must point to writable memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_from_file(
    path: *const c_char,
    out_config: *mut *mut dxltie_config_t,
) -> dxltie_result_t {
    boundary::call("dxltie_config_from_file", || {
        // SAFETY: `path` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let path = unsafe { required_str(path, "path") }?;
        // SAFETY: `out_config` is NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_config, "out_config") }?;
        let config = ClientConfig::from_file(path)?;
        *out = give(Box::into_raw(Box::new(dxltie_config_t::new(config))), Kind::Config);
        Ok(())
    })
}

/// Frees a configuration. NULL is a no-op. A client created from it keeps its own copy.
///
/// Pointers: `config` must be NULL or a handle from this library not freed before.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_free(config: *mut dxltie_config_t) {
    boundary::call_or("dxltie_config_free", (), || {
        if !config.is_null() && take_back(config, Kind::Config, "dxltie_config_free") {
            // SAFETY: `take_back` found `config` among the live configurations this library
            // made with `Box::into_raw` and forgot it, so this is its one and only free.
            drop(unsafe { Box::from_raw(config) });
        }
    })
}

/// The client id, valid until the configuration is changed by a setter or freed; NULL if
/// `config` is NULL.
///
/// Pointers: `config` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_client_id(config: *const dxltie_config_t) -> *const c_char {
    boundary::call_or("dxltie_config_client_id", ptr::null(), || {
        // SAFETY: `config` is NULL (None) or a live handle, per the Pointers: note.
        match unsafe { config.as_ref() } {
            Some(c) => c.client_id.as_ptr(),
            None => ptr::null(),
        }
    })
}

/// Whether the client will use the WebSocket broker list.
///
/// Pointers: `config` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_use_websockets(config: *const dxltie_config_t) -> bool {
    boundary::call_or("dxltie_config_use_websockets", false, || {
        // SAFETY: `config` is NULL (None) or a live handle, per the Pointers: note.
        unsafe { config.as_ref() }.is_some_and(|c| c.config.use_websockets)
    })
}

/// The number of brokers the client will use (the WebSocket list when WebSockets are on).
///
/// Pointers: `config` must be NULL or a live handle; `out_count` must point to writable memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_broker_count(
    config: *const dxltie_config_t,
    out_count: *mut usize,
) -> dxltie_result_t {
    boundary::call("dxltie_config_broker_count", || {
        // SAFETY: `config` is NULL (refused) or a live handle, per the Pointers: note.
        let c = unsafe { config.as_ref() }.ok_or_else(|| FfiError::null_arg("config"))?;
        // SAFETY: `out_count` is NULL (refused) or writable, per the Pointers: note.
        *unsafe { out_param(out_count, "out_count") }? = c.brokers.len();
        Ok(())
    })
}

/// Broker `index` (0-based, in file order); its strings belong to the configuration (valid until
/// a setter changes it or it is freed).
///
/// Pointers: `config` must be NULL or a live handle; `out_broker` must point to
/// `out_broker->struct_size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_broker(
    config: *const dxltie_config_t,
    index: usize,
    out_broker: *mut dxltie_broker_t,
) -> dxltie_result_t {
    boundary::call("dxltie_config_broker", || {
        // SAFETY: `config` is NULL (refused) or a live handle, per the Pointers: note.
        let c = unsafe { config.as_ref() }.ok_or_else(|| FfiError::null_arg("config"))?;
        let b = c.brokers.get(index).ok_or_else(|| {
            FfiError::new(
                DXLTIE_E_INVALID_ARG,
                format!("broker index {index} out of range (count {})", c.brokers.len()),
            )
        })?;
        let broker = dxltie_broker_t {
            struct_size: std::mem::size_of::<dxltie_broker_t>(),
            unique_id: b.unique_id.as_ptr(),
            port: b.port,
            host_name: b.host_name.as_ptr(),
            ip_address: b.ip_address.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
        };
        // SAFETY: `out_broker` is NULL (refused) or points to `out_broker->struct_size` writable
        // bytes, per the Pointers: note; that is what `write_sized` needs.
        unsafe { write_sized(out_broker, broker, "out_broker") }
    })
}

/// The configuration behind a handle argument of a setter; NULL is refused.
///
/// Pointers: `config` must be NULL or a live handle that no other code uses while the borrow
/// lives (a configuration is changed from one thread at a time).
unsafe fn config_mut<'a>(config: *mut dxltie_config_t) -> Result<&'a mut dxltie_config_t, FfiError> {
    // SAFETY: NULL gives None (refused); otherwise this function's contract makes `config` a
    // live handle borrowed by no one else, so a unique borrow is sound.
    unsafe { config.as_mut() }.ok_or_else(|| FfiError::null_arg("config"))
}

/// Creates an empty configuration: no brokers, no certificates, a random `{uuid}` client id
/// and the Python client's defaults. Add certificates and brokers with the setters.
///
/// Pointers: `out_config` must point to writable memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_new(out_config: *mut *mut dxltie_config_t) -> dxltie_result_t {
    boundary::call("dxltie_config_new", || {
        // SAFETY: `out_config` is NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_config, "out_config") }?;
        let empty = || PemSource::Pem(Vec::new());
        *out = give(
            Box::into_raw(Box::new(dxltie_config_t::new(ClientConfig::new(
                empty(),
                empty(),
                empty(),
            )))),
            Kind::Config,
        );
        Ok(())
    })
}

/// Sets the three PEM files: the CA chain trusted for the broker, the client certificate and its
/// unencrypted private key (PKCS#1, PKCS#8 or SEC1). The files are read at each connect.
///
/// Pointers: `config` must be a live handle; the paths must be NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_certificate_files(
    config: *mut dxltie_config_t,
    broker_ca_path: *const c_char,
    cert_path: *const c_char,
    private_key_path: *const c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_certificate_files", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        // SAFETY: `broker_ca_path` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let ca = unsafe { required_str(broker_ca_path, "broker_ca_path") }?;
        // SAFETY: as for `broker_ca_path`: NULL (refused) or a NUL-terminated string.
        let cert = unsafe { required_str(cert_path, "cert_path") }?;
        // SAFETY: as for `broker_ca_path`: NULL (refused) or a NUL-terminated string.
        let key = unsafe { required_str(private_key_path, "private_key_path") }?;
        c.config.broker_ca = PemSource::File(ca.into());
        c.config.client_cert = PemSource::File(cert.into());
        c.config.private_key = PemSource::File(key.into());
        Ok(())
    })
}

/// Sets the three PEM documents from memory (NUL-terminated PEM text), for agents that keep
/// their keys out of the file system.
///
/// Pointers: `config` must be a live handle; the PEM arguments must be NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_certificate_pems(
    config: *mut dxltie_config_t,
    broker_ca_pem: *const c_char,
    cert_pem: *const c_char,
    private_key_pem: *const c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_certificate_pems", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        // SAFETY: `broker_ca_pem` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let ca = unsafe { required_str(broker_ca_pem, "broker_ca_pem") }?;
        // SAFETY: as for `broker_ca_pem`: NULL (refused) or a NUL-terminated string.
        let cert = unsafe { required_str(cert_pem, "cert_pem") }?;
        // SAFETY: as for `broker_ca_pem`: NULL (refused) or a NUL-terminated string.
        let key = unsafe { required_str(private_key_pem, "private_key_pem") }?;
        c.config.broker_ca = PemSource::Pem(ca.as_bytes().to_vec());
        c.config.client_cert = PemSource::Pem(cert.as_bytes().to_vec());
        c.config.private_key = PemSource::Pem(key.as_bytes().to_vec());
        Ok(())
    })
}

/// Adds a broker, written as a `dxlclient.config` line (`id;port;host[;ip]`, `port;host[;ip]`)
/// or as a URL (`ssl://host:port`, IPv6 as `[::1]:8883`).
///
/// Pointers: `config` must be a live handle; `broker` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_add_broker(
    config: *mut dxltie_config_t,
    broker: *const c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_config_add_broker", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        // SAFETY: `broker` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let text = unsafe { required_str(broker, "broker") }?;
        let parsed = if text.contains(';') {
            Broker::parse_config_line(text)
        } else {
            Broker::parse_url(text)
        };
        c.config
            .brokers
            .push(parsed.map_err(|e| FfiError::new(DXLTIE_E_INVALID_ARG, e))?);
        c.refresh();
        Ok(())
    })
}

/// Adds a broker of the WebSocket list (`[BrokersWebSockets]`), written as for
/// `dxltie_config_add_broker` (a URL may be `wss://host:port`). It is used when WebSockets are on
/// (`dxltie_config_set_use_websockets`).
///
/// Pointers: `config` must be a live handle; `broker` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_add_websocket_broker(
    config: *mut dxltie_config_t,
    broker: *const c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_config_add_websocket_broker", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        // SAFETY: `broker` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let text = unsafe { required_str(broker, "broker") }?;
        let parsed = if text.contains(';') {
            Broker::parse_config_line(text)
        } else {
            Broker::parse_url(text)
        };
        c.config
            .websocket_brokers
            .push(parsed.map_err(|e| FfiError::new(DXLTIE_E_INVALID_ARG, e))?);
        c.refresh();
        Ok(())
    })
}

/// Chooses the transport, as `[General] UseWebSockets` does: MQTT over secure WebSockets
/// (path `/mqtt`) to the brokers of the WebSocket list when true, MQTT over TLS to the brokers of
/// the MQTT list when false. Both use mutual TLS with the same certificates.
///
/// Pointers: `config` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_use_websockets(
    config: *mut dxltie_config_t,
    use_websockets: bool,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_use_websockets", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        c.config.use_websockets = use_websockets;
        c.refresh();
        Ok(())
    })
}

/// Sets the HTTP proxy that WebSocket connections go through (HTTP CONNECT), as the `[Proxy]`
/// section does: `address` and `port` (1 to 65535), and Basic credentials when `user` is not
/// NULL (`password` NULL means an empty one). `address` NULL removes the proxy. The proxy is not
/// used for MQTT over TLS. The password is kept only to send it to the proxy: it is never
/// logged nor put in an error message.
///
/// Pointers: `config` must be a live handle; `address`, `user` and `password` must each be NULL
/// or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_proxy(
    config: *mut dxltie_config_t,
    address: *const c_char,
    port: u32,
    user: *const c_char,
    password: *const c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_proxy", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        if address.is_null() {
            c.config.proxy = None;
            return Ok(());
        }
        // SAFETY: each is NULL (checked above, or optional below) or a NUL-terminated string
        // that outlives this call, per the Pointers: note.
        let address = unsafe { required_str(address, "address") }?;
        // SAFETY: as above.
        let user = unsafe { optional_str(user, "user") }?;
        // SAFETY: as above.
        let password = unsafe { optional_str(password, "password") }?;
        let password = password.or(user.map(|_| ""));
        c.config.proxy = Some(Proxy::new(address, port, user, password)?);
        Ok(())
    })
}

/// Sets the MQTT client id (default: a random `{uuid}`); the reply topic follows from it.
///
/// Pointers: `config` must be a live handle; `client_id` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_client_id(
    config: *mut dxltie_config_t,
    client_id: *const c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_client_id", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        // SAFETY: `client_id` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let id = unsafe { required_str(client_id, "client_id") }?;
        c.config.set_client_id(id)?;
        c.refresh();
        Ok(())
    })
}

/// Sets the reconnect back-off: first delay (at least 100 ms: shorter would make a lost broker a
/// hot loop of attempts), multiplier, largest delay (before jitter) and the jitter fraction
/// (0.25: up to +25 %). Defaults: 1000 ms, 2, 60000 ms, 0.25.
///
/// Pointers: `config` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_reconnect_back_off(
    config: *mut dxltie_config_t,
    initial_delay_ms: u32,
    multiplier: u32,
    max_delay_ms: u32,
    jitter: f64,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_reconnect_back_off", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        c.config.set_reconnect_back_off(
            Duration::from_millis(u64::from(initial_delay_ms)),
            multiplier,
            Duration::from_millis(u64::from(max_delay_ms)),
            jitter,
        )?;
        Ok(())
    })
}

/// Passes over the broker list that `dxltie_client_connect` makes before failing; -1 (the
/// default) keeps trying until its timeout.
///
/// Pointers: `config` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_connect_retries(
    config: *mut dxltie_config_t,
    retries: i32,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_connect_retries", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        c.config.set_connect_retries(i64::from(retries))?;
        Ok(())
    })
}

/// What the network thread does when the dispatcher queue is full: `DXLTIE_OVERFLOW_*`.
/// (Integer typedefs rather than C enums: a value from C is checked, never trusted.)
pub type dxltie_overflow_policy_t = i32;
/// Stop reading from the broker until the dispatcher catches up: nothing is lost.
pub const DXLTIE_OVERFLOW_BLOCK: dxltie_overflow_policy_t = 0;
/// Drop the oldest queued message and count it (`dropped` in the stats).
pub const DXLTIE_OVERFLOW_DROP_OLDEST: dxltie_overflow_policy_t = 1;

/// Sets the capacity of the queue between the network thread and the dispatcher (default 1000)
/// and its overflow policy (default block).
///
/// Pointers: `config` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_queue(
    config: *mut dxltie_config_t,
    capacity: usize,
    policy: dxltie_overflow_policy_t,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_queue", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        let policy = match policy {
            DXLTIE_OVERFLOW_BLOCK => OverflowPolicy::Block,
            DXLTIE_OVERFLOW_DROP_OLDEST => OverflowPolicy::DropOldest,
            other => {
                return Err(FfiError::new(
                    DXLTIE_E_INVALID_ARG,
                    format!("unknown overflow policy {other}"),
                ))
            }
        };
        c.config.set_queue(capacity, policy)?;
        Ok(())
    })
}

/// Sets the MQTT keep-alive interval, 1 to 65535 seconds (MQTT's 16-bit field; larger values
/// are refused with `DXLTIE_E_INVALID_ARG`). Default 1800 s, as the Python client.
///
/// Pointers: `config` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_keep_alive(config: *mut dxltie_config_t, seconds: u32) -> dxltie_result_t {
    boundary::call("dxltie_config_set_keep_alive", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        c.config.set_keep_alive(u64::from(seconds))?;
        Ok(())
    })
}

/// Trades CPU for the latency of synchronous requests, as `SO_BUSY_POLL` does for a socket:
/// after handing a synchronous request its answer, the network thread keeps polling for up to
/// `microseconds` (at most 1000; larger values are refused with `DXLTIE_E_INVALID_ARG`) instead
/// of sleeping, so that a caller that asks again at once, and an answer that comes back within
/// that time, cost no thread wake-up. On the bench's broker a loop of lookups went from about
/// 70 % of the raw MQTT round trip rate to above it with 200 µs, for about 1.7 times the CPU per
/// request; the network thread is then busy for the whole loop. Events, asynchronous requests
/// and an idle client never poll. 0, the default, turns it off. Added in 0.3.
///
/// Pointers: `config` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_busy_poll(
    config: *mut dxltie_config_t,
    microseconds: u32,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_busy_poll", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        c.config.set_busy_poll(u64::from(microseconds))?;
        Ok(())
    })
}

/// Turns the reputation cache on: file and certificate reputation lookups (typed, JSON and
/// asynchronous) are answered from it while a fresh entry covers the request, and lookups of the
/// same request made while one is in flight share it. At most `max_entries` answers (at most
/// 1 000 000; 0, the default, turns the cache off, as in the reference clients), each kept at
/// most `ttl_seconds` (at least 1; time asleep counts). Entries are dropped when a
/// reputation-change event or a set request of this client names one of their hashes, and all
/// of them when the connection is lost. The cache subscribes to the two reputation-change topics
/// itself; the client's own callbacks on them are not disturbed. Counters: `dxltie_stats_t`.
///
/// Pointers: `config` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_reputation_cache(
    config: *mut dxltie_config_t,
    max_entries: u32,
    ttl_seconds: u32,
) -> dxltie_result_t {
    boundary::call("dxltie_config_set_reputation_cache", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        c.tie_options.reputation_cache =
            CacheSettings::new(u64::from(max_entries), u64::from(ttl_seconds)).map_err(from_tie)?;
        Ok(())
    })
}

/// Whether the flat event structs of the struct callbacks (`dxltie_detection_t`,
/// `dxltie_first_instance_t`, `dxltie_reputation_change_t`) carry `json` and
/// `provider_keyed_json`: true, the default, or false, when those fields are NULL. An agent whose
/// callbacks read only the typed fields saves writing the JSON text of every event, about a
/// tenth of an event's CPU time. The JSON callbacks always get their text. Applies to clients
/// made from this configuration afterwards.
///
/// Pointers: `config` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn dxltie_config_set_event_json(config: *mut dxltie_config_t, include: bool) -> dxltie_result_t {
    boundary::call("dxltie_config_set_event_json", || {
        // SAFETY: `config` is NULL (refused) or a live handle that only this thread changes, as
        // the Pointers: note and the header's thread rule for configurations require.
        let c = unsafe { config_mut(config) }?;
        c.event_json = include;
        Ok(())
    })
}
