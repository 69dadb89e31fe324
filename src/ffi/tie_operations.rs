//! The TIE requests of the C API, one row each: from a row come the three C forms, the typed
//! (`dxltie_<op>`), the JSON (`dxltie_<op>_json`, for requests that return something) and the
//! asynchronous (`dxltie_<op>_async`), here through `tie_requests!`, and their declarations and
//! documentation in the header through `codegen/requests.rs`, which reads this same table. Adding
//! a request is adding a row (and a `PreparedRequest` constructor in the TIE layer).
//!
//! A row: the documentation of the operation, its three C names, its own arguments (the client
//! comes first and `timeout_ms` after them in every form), the shape of its result
//! (`Reputations`, `FirstReferences` or `Nothing`) and how its request is prepared from the
//! arguments (an `Args` function of `requests.rs`, which checks and converts them).

use std::ffi::{c_char, c_void};

use super::boundary;
use super::client::dxltie_client_t;
use super::convert::out_param;
use super::requests::{
    dxltie_first_references_t, dxltie_reputations_t, dxltie_response_fn, give_first_references, give_reputations, send,
    send_async, write_json, Args, ResultShape,
};
use super::result::dxltie_result_t;
use super::user_callback::dxltie_free_fn;
use super::views::dxltie_hash_t;

/// The typed form of a row: its out-parameter depends on the shape of the result.
macro_rules! typed_request {
    (Reputations, $name:ident, ($($arg:ident: $ty:ty),* $(,)?), $prepare:expr) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            client: *mut dxltie_client_t,
            $($arg: $ty,)*
            timeout_ms: u32,
            out_reputations: *mut *mut dxltie_reputations_t,
        ) -> dxltie_result_t {
            boundary::call(stringify!($name), || {
                // SAFETY: `client` is NULL (refused) or a live client handle, per the header's
                // Pointers: note of this function.
                let c = unsafe { dxltie_client_t::from_ptr(client) }?;
                // SAFETY: NULL (refused) or writable, per the Pointers: note.
                let out = unsafe { out_param(out_reputations, "out_reputations") }?;
                // SAFETY: the arguments are as the Pointers: note says, which is `Args`'s contract.
                let request = unsafe { $prepare }?;
                *out = give_reputations(&send(&c, &request, timeout_ms)?);
                Ok(())
            })
        }
    };
    (FirstReferences, $name:ident, ($($arg:ident: $ty:ty),* $(,)?), $prepare:expr) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            client: *mut dxltie_client_t,
            $($arg: $ty,)*
            timeout_ms: u32,
            out_references: *mut *mut dxltie_first_references_t,
        ) -> dxltie_result_t {
            boundary::call(stringify!($name), || {
                // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers:
                // note of this function.
                let c = unsafe { dxltie_client_t::from_ptr(client) }?;
                // SAFETY: NULL (refused) or writable, per the Pointers: note.
                let out = unsafe { out_param(out_references, "out_references") }?;
                // SAFETY: the arguments are as the Pointers: note says, which is `Args`'s contract.
                let request = unsafe { $prepare }?;
                *out = give_first_references(&send(&c, &request, timeout_ms)?);
                Ok(())
            })
        }
    };
    (Nothing, $name:ident, ($($arg:ident: $ty:ty),* $(,)?), $prepare:expr) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            client: *mut dxltie_client_t,
            $($arg: $ty,)*
            timeout_ms: u32,
        ) -> dxltie_result_t {
            boundary::call(stringify!($name), || {
                // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers:
                // note of this function.
                let c = unsafe { dxltie_client_t::from_ptr(client) }?;
                // SAFETY: the arguments are as the Pointers: note says, which is `Args`'s contract.
                let request = unsafe { $prepare }?;
                send(&c, &request, timeout_ms).map(|_| ())
            })
        }
    };
}

/// The JSON form of a row.
macro_rules! json_request {
    ($name:ident, ($($arg:ident: $ty:ty),* $(,)?), $prepare:expr) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            client: *mut dxltie_client_t,
            $($arg: $ty,)*
            timeout_ms: u32,
            out_json: *mut *mut c_char,
        ) -> dxltie_result_t {
            boundary::call(stringify!($name), || {
                // SAFETY: `client` is NULL (refused) or a live client handle, per the Pointers:
                // note of this function.
                let c = unsafe { dxltie_client_t::from_ptr(client) }?;
                // SAFETY: NULL (refused) or writable, per the Pointers: note; checked before the
                // request is sent.
                unsafe { out_param(out_json, "out_json") }?;
                // SAFETY: the arguments are as the Pointers: note says (`Args`'s contract).
                let request = unsafe { $prepare }?;
                let value = send(&c, &request, timeout_ms)?;
                // SAFETY: `out_json` was checked above and is writable.
                unsafe { write_json(out_json, &value) }
            })
        }
    };
}

/// The asynchronous form of a row.
macro_rules! async_request {
    ($name:ident, $shape:ident, ($($arg:ident: $ty:ty),* $(,)?), $prepare:expr) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            client: *mut dxltie_client_t,
            $($arg: $ty,)*
            timeout_ms: u32,
            callback: dxltie_response_fn,
            user_data: *mut c_void,
            free_user_data: dxltie_free_fn,
        ) -> dxltie_result_t {
            boundary::call(stringify!($name), || {
                // SAFETY: the arguments are as the Pointers: note says (`Args`'s contract).
                let request = unsafe { $prepare }?;
                // SAFETY: `client` is NULL or live and `callback` callable with `user_data`
                // until it has fired, per the Pointers: note (`send_async`'s contract).
                unsafe {
                    send_async(client, request, ResultShape::$shape, timeout_ms, callback, user_data, free_user_data)
                }
            })
        }
    };
}

/// The three forms of each row of the table (the rows' documentation is for the header, see
/// `codegen/requests.rs`).
macro_rules! tie_requests {
    ($(
        $(#[$doc:meta])*
        $op:ident { typed: $typed:ident, $(json: $json:ident,)? asynchronous: $asynchronous:ident }
        $args:tt -> $shape:ident = $prepare:expr;
    )*) => {$(
        typed_request!($shape, $typed, $args, $prepare);
        $( json_request!($json, $args, $prepare); )?
        async_request!($asynchronous, $shape, $args, $prepare);
    )*};
}

tie_requests! {
    /// The reputations of a file, one per provider (`get_file_reputation`). A service's error
    /// gives `DXLTIE_E_SERVICE_ERROR` (code from `dxltie_last_service_error_code`), no answer
    /// `DXLTIE_E_TIMEOUT`, bad hex `DXLTIE_E_INVALID_ARG` before anything is sent.
    get_file_reputation {
        typed: dxltie_get_file_reputation,
        json: dxltie_get_file_reputation_json,
        asynchronous: dxltie_get_file_reputation_async
    }
    (hashes: *const dxltie_hash_t, hash_count: usize) -> Reputations
        = Args::file_reputation(hashes, hash_count);

    /// Sets the Enterprise reputation of a file (`set_file_reputation`); `filename` and
    /// `comment` may be NULL (sent as ""). The trust level is not validated, as in Python.
    set_file_reputation {
        typed: dxltie_set_file_reputation,
        asynchronous: dxltie_set_file_reputation_async
    }
    (
        trust_level: i32,
        hashes: *const dxltie_hash_t,
        hash_count: usize,
        filename: *const c_char,
        comment: *const c_char,
    ) -> Nothing
        = Args::set_file_reputation(trust_level, hashes, hash_count, filename, comment);

    /// The systems that first referenced a file (`get_file_first_references`), at most
    /// `query_limit` (Python's default is 500, `DXLTIE_DEFAULT_QUERY_LIMIT`).
    get_file_first_references {
        typed: dxltie_get_file_first_references,
        json: dxltie_get_file_first_references_json,
        asynchronous: dxltie_get_file_first_references_async
    }
    (hashes: *const dxltie_hash_t, hash_count: usize, query_limit: i64) -> FirstReferences
        = Args::file_first_references(hashes, hash_count, query_limit);

    /// The reputations of a certificate (`get_certificate_reputation`): `sha1` as hex,
    /// `public_key_sha1` as hex or NULL.
    get_certificate_reputation {
        typed: dxltie_get_certificate_reputation,
        json: dxltie_get_certificate_reputation_json,
        asynchronous: dxltie_get_certificate_reputation_async
    }
    (sha1: *const c_char, public_key_sha1: *const c_char) -> Reputations
        = Args::certificate_reputation(sha1, public_key_sha1);

    /// Sets the Enterprise reputation of a certificate (`set_certificate_reputation`);
    /// `public_key_sha1` and `comment` may be NULL.
    set_certificate_reputation {
        typed: dxltie_set_certificate_reputation,
        asynchronous: dxltie_set_certificate_reputation_async
    }
    (trust_level: i32, sha1: *const c_char, public_key_sha1: *const c_char, comment: *const c_char) -> Nothing
        = Args::set_certificate_reputation(trust_level, sha1, public_key_sha1, comment);

    /// The systems that first referenced files signed by a certificate
    /// (`get_certificate_first_references`), at most `query_limit`.
    get_certificate_first_references {
        typed: dxltie_get_certificate_first_references,
        json: dxltie_get_certificate_first_references_json,
        asynchronous: dxltie_get_certificate_first_references_async
    }
    (sha1: *const c_char, public_key_sha1: *const c_char, query_limit: i64) -> FirstReferences
        = Args::certificate_first_references(sha1, public_key_sha1, query_limit);
}
