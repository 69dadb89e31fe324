//! Flat C views of TIE data (hashes, reputations, first references) and the storage that owns
//! the strings they point to.
//!
//! A view is built from the Rust value once; its pointers stay valid as long as the owning
//! `*Storage` value, which lives for the duration of a callback or until the caller frees a
//! result.

use std::ffi::{c_char, CString};
use std::ptr;

use super::convert::to_cstring;
use crate::tie::model::{FirstReference, HashPairs, Reputation};

/// An integer field the event did not carry.
pub const DXLTIE_ABSENT: i64 = i64::MIN;

/// A hash: its type (`"md5"`, `"sha1"`, `"sha256"`, or another type the server sent) and its
/// value as lowercase hex.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_hash_t {
    pub hash_type: *const c_char,
    pub value: *const c_char,
}

/// A reputation attribute: its numeric id as text (`"2101652"`) and its value (always text on
/// the wire, even when numeric).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_attribute_t {
    pub id: *const c_char,
    pub value: *const c_char,
}

/// One provider's reputation of a file or certificate.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_reputation_t {
    /// `providerId` (`DXLTIE_FILE_PROVIDER_*`, `DXLTIE_CERT_PROVIDER_*`), `DXLTIE_ABSENT` if missing.
    pub provider_id: i64,
    /// `trustLevel` (`DXLTIE_TRUST_LEVEL_*`), `DXLTIE_ABSENT` if missing.
    pub trust_level: i64,
    /// `createDate`, epoch seconds, `DXLTIE_ABSENT` if missing.
    pub create_date: i64,
    pub attributes: *const dxltie_attribute_t,
    pub attribute_count: usize,
}

/// One system that referenced a file or certificate first.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_first_reference_t {
    /// `agentGuid`, NULL if missing.
    pub agent_guid: *const c_char,
    /// `date`, epoch seconds, `DXLTIE_ABSENT` if missing.
    pub date: i64,
}

pub(crate) fn opt_int(v: Option<i64>) -> i64 {
    v.unwrap_or(DXLTIE_ABSENT)
}

pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// Owns the strings of a list of hashes and its C array.
pub(crate) struct HashesStorage {
    _strings: Vec<(CString, CString)>,
    pub items: Vec<dxltie_hash_t>,
}

impl HashesStorage {
    pub fn new(pairs: &HashPairs) -> Self {
        let strings: Vec<(CString, CString)> = pairs.iter().map(|(t, v)| (to_cstring(t), to_cstring(v))).collect();
        let items = strings
            .iter()
            .map(|(t, v)| dxltie_hash_t {
                hash_type: t.as_ptr(),
                value: v.as_ptr(),
            })
            .collect();
        HashesStorage {
            _strings: strings,
            items,
        }
    }

    pub fn ptr(&self) -> *const dxltie_hash_t {
        if self.items.is_empty() {
            ptr::null()
        } else {
            self.items.as_ptr()
        }
    }
}

/// Owns a list of reputations: their attributes' strings and the C arrays.
pub(crate) struct ReputationsStorage {
    _attribute_strings: Vec<Vec<(CString, CString)>>,
    _attributes: Vec<Vec<dxltie_attribute_t>>,
    pub items: Vec<dxltie_reputation_t>,
}

impl ReputationsStorage {
    pub fn new(reputations: &[Reputation]) -> Self {
        let attribute_strings: Vec<Vec<(CString, CString)>> = reputations
            .iter()
            .map(|r| {
                r.attributes
                    .iter()
                    .map(|(k, v)| (to_cstring(k), to_cstring(v)))
                    .collect()
            })
            .collect();
        let attributes: Vec<Vec<dxltie_attribute_t>> = attribute_strings
            .iter()
            .map(|list| {
                list.iter()
                    .map(|(k, v)| dxltie_attribute_t {
                        id: k.as_ptr(),
                        value: v.as_ptr(),
                    })
                    .collect()
            })
            .collect();
        let items = reputations
            .iter()
            .zip(&attributes)
            .map(|(r, attrs)| dxltie_reputation_t {
                provider_id: opt_int(r.provider_id),
                trust_level: opt_int(r.trust_level),
                create_date: opt_int(r.create_date),
                attributes: if attrs.is_empty() { ptr::null() } else { attrs.as_ptr() },
                attribute_count: attrs.len(),
            })
            .collect();
        ReputationsStorage {
            _attribute_strings: attribute_strings,
            _attributes: attributes,
            items,
        }
    }

    pub fn ptr(&self) -> *const dxltie_reputation_t {
        if self.items.is_empty() {
            ptr::null()
        } else {
            self.items.as_ptr()
        }
    }
}

/// Owns a list of first references.
pub(crate) struct FirstReferencesStorage {
    _guids: Vec<Option<CString>>,
    pub items: Vec<dxltie_first_reference_t>,
}

impl FirstReferencesStorage {
    pub fn new(refs: &[FirstReference]) -> Self {
        let guids: Vec<Option<CString>> = refs.iter().map(|r| r.agent_guid.as_deref().map(to_cstring)).collect();
        let items = refs
            .iter()
            .zip(&guids)
            .map(|(r, g)| dxltie_first_reference_t {
                agent_guid: opt_ptr(g),
                date: opt_int(r.date),
            })
            .collect();
        FirstReferencesStorage { _guids: guids, items }
    }

    pub fn ptr(&self) -> *const dxltie_first_reference_t {
        if self.items.is_empty() {
            ptr::null()
        } else {
            self.items.as_ptr()
        }
    }
}
