//! The TIE decoding helpers for C (tie-api.md §4.4): packed server version, aggregate
//! reputations, epoch formatting and validity checks.

use std::ffi::c_char;

use super::boundary;
use super::convert::{out_param, required_str, to_cstring};
use super::errors::from_tie;
use super::requests::{dxltie_reputations_t, give_string};
use super::result::dxltie_result_t;
use super::views::DXLTIE_ABSENT;
use crate::tie::helpers;

/// A TIE server version unpacked from the `SERVER_VERSION` attribute.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct dxltie_server_version_t {
    pub major: u8,
    pub minor: u8,
    pub patch: u16,
    pub build: u32,
}

/// Unpacks a packed version attribute value (`"73183493944770750"` → 1.4.0.190).
/// `DXLTIE_E_INVALID_ARG` if the text is not a number.
///
/// Pointers: `packed` must be a NUL-terminated string; `out_version` must point to writable
/// memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_to_version(
    packed: *const c_char,
    out_version: *mut dxltie_server_version_t,
) -> dxltie_result_t {
    boundary::call("dxltie_to_version", || {
        // SAFETY: `packed` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let text = unsafe { required_str(packed, "packed") }?;
        // SAFETY: `out_version` is NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_version, "out_version") }?;
        let (major, minor, patch, build) = helpers::to_version_tuple(text).map_err(from_tie)?;
        *out = dxltie_server_version_t {
            major,
            minor,
            patch,
            build,
        };
        Ok(())
    })
}

/// An aggregate of child or parent file reputations (`CHILD_FILE_REPS`, `PARENT_FILE_REPS`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct dxltie_aggregate_t {
    pub file_count: u16,
    pub max_trust_level: u16,
    pub min_trust_level: u16,
    pub last_trust_level: u16,
    /// The average trust level (the packed value divided by 100).
    pub average_trust_level: f64,
}

/// Decodes an aggregate attribute value (base64 of little-endian u16s); values after the fifth
/// are ignored. `DXLTIE_E_INVALID_ARG` for fewer than five values or an odd byte count.
///
/// Pointers: `base64` must be a NUL-terminated string; `out_aggregate` must point to writable
/// memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_to_aggregate(
    base64: *const c_char,
    out_aggregate: *mut dxltie_aggregate_t,
) -> dxltie_result_t {
    boundary::call("dxltie_to_aggregate", || {
        // SAFETY: `base64` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let text = unsafe { required_str(base64, "base64") }?;
        // SAFETY: `out_aggregate` is NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_aggregate, "out_aggregate") }?;
        let values = helpers::to_aggregate_tuple(text).map_err(from_tie)?;
        let int = |i: usize| values[i].as_f64() as u16;
        *out = dxltie_aggregate_t {
            file_count: int(0),
            max_trust_level: int(1),
            min_trust_level: int(2),
            last_trust_level: int(3),
            average_trust_level: values[4].as_f64(),
        };
        Ok(())
    })
}

/// Formats an epoch (seconds) in the process's local time zone with a `strftime` format
/// (NULL: `"%Y-%m-%d %H:%M:%S"`). Free the result with `dxltie_string_free`.
///
/// Pointers: `format` must be NULL or a NUL-terminated string; `out_text` must point to
/// writable memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_to_localtime_string(
    epoch: i64,
    format: *const c_char,
    out_text: *mut *mut c_char,
) -> dxltie_result_t {
    boundary::call("dxltie_to_localtime_string", || {
        let format = if format.is_null() {
            "%Y-%m-%d %H:%M:%S"
        } else {
            // SAFETY: `format` is not NULL here, so it is a NUL-terminated string that outlives
            // this call, per the Pointers: note.
            unsafe { required_str(format, "format") }?
        };
        // SAFETY: `out_text` is NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_text, "out_text") }?;
        let text = helpers::to_localtime_string(epoch, format).map_err(from_tie)?;
        *out = give_string(to_cstring(&text));
        Ok(())
    })
}

/// Whether `trust_level` is one of the `DXLTIE_TRUST_LEVEL_*` values.
#[no_mangle]
pub extern "C" fn dxltie_is_valid_trust_level(trust_level: i64) -> bool {
    boundary::call_or("dxltie_is_valid_trust_level", false, || {
        helpers::is_valid_trust_level(trust_level)
    })
}

/// Whether `file_type` is one of the `DXLTIE_FILE_TYPE_*` values.
#[no_mangle]
pub extern "C" fn dxltie_is_valid_file_type(file_type: u64) -> bool {
    boundary::call_or("dxltie_is_valid_file_type", false, || {
        helpers::is_valid_file_type(file_type)
    })
}

/// The "definitive reputation" check of the external-reputation sample: true when a provider
/// other than External gives a trust level other than NOT_SET and UNKNOWN.
///
/// Reads only the list's public fields: a copy of the struct works as well as the original.
///
/// Pointers: `reputations` must be NULL or point to a list whose `items` holds `count`
/// reputations.
#[no_mangle]
pub unsafe extern "C" fn dxltie_has_definitive_reputation(reputations: *const dxltie_reputations_t) -> bool {
    boundary::call_or("dxltie_has_definitive_reputation", false, || {
        // SAFETY: `reputations` is NULL (false) or points to a readable list, per the Pointers:
        // note (a copy of a handed-out list is fine: only its fields are read).
        let Some(list) = (unsafe { reputations.as_ref() }) else {
            return false;
        };
        if list.items.is_null() || list.count == 0 {
            return false;
        }
        let present = |v: i64| (v != DXLTIE_ABSENT).then_some(v);
        // SAFETY: `items` is not NULL and `count` is not 0 (checked above), and the Pointers:
        // note makes `items` point to `count` readable reputations for the duration of the call.
        unsafe { std::slice::from_raw_parts(list.items, list.count) }
            .iter()
            .any(|r| helpers::is_definitive(present(r.trust_level), present(r.provider_id)))
    })
}

/// Re-formats JSON text as the Python samples print it (`json.dumps(..., sort_keys=True,
/// indent=4)`): keys sorted, four-space indentation. Free the result with `dxltie_string_free`.
/// `DXLTIE_E_INVALID_ARG` if `json` is not JSON.
///
/// Pointers: `json` must be a NUL-terminated string; `out_text` must point to writable memory.
#[no_mangle]
pub unsafe extern "C" fn dxltie_json_pretty(json: *const c_char, out_text: *mut *mut c_char) -> dxltie_result_t {
    boundary::call("dxltie_json_pretty", || {
        // SAFETY: `json` is NULL (refused) or a NUL-terminated string that outlives this
        // call, per the Pointers: note.
        let text = unsafe { required_str(json, "json") }?;
        // SAFETY: `out_text` is NULL (refused) or writable, per the Pointers: note.
        let out = unsafe { out_param(out_text, "out_text") }?;
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| super::result::FfiError::new(super::result::DXLTIE_E_INVALID_ARG, format!("not JSON: {e}")))?;
        *out = give_string(to_cstring(&crate::tie::python::python_json_dumps_pretty(&value)));
        Ok(())
    })
}
