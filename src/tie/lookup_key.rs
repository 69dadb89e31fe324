//! The canonical form of a reputation lookup's arguments: the reputation cache's key, made
//! without building the request's payload.
//!
//! A cache hit never sends anything, so it need not pay for the payload text (base64 of every
//! hash, Python's JSON): the key is the arguments as the payload would read them (the hash dict
//! in Python's order, each type with its digits in lower case), checked exactly as the payload
//! builder checks them, so that a lookup whose key is found would also have had a valid payload.
//! Two lookups have the same key exactly when they have the same payload (hex of either case is
//! the same bytes).

use super::encoding::{check_hex, hex_to_bytes};
use super::error::Result;
use super::payloads;

/// What the key is a lookup of.
const FILE: char = 'F';
const CERTIFICATE: char = 'C';
/// Between the parts of a key: a NUL, which no argument coming through the C API can contain.
const SEPARATOR: char = '\0';

/// The key of a reputation lookup.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LookupKey(String);

impl LookupKey {
    /// The key of `get_file_reputation(hashes)`, or None when an argument contains a NUL (such
    /// a lookup is not cached). Bad hex fails as the payload would.
    pub fn file(hashes: &[(&str, &str)]) -> Result<Option<LookupKey>> {
        let pairs = payloads::as_dict(hashes);
        let mut key = String::with_capacity(1 + pairs.iter().map(|(t, h)| t.len() + h.len() + 2).sum::<usize>());
        key.push(FILE);
        for (hash_type, hex) in pairs {
            check_hex(hex)?;
            if !push_part(&mut key, hash_type, false) || !push_part(&mut key, hex, true) {
                return Ok(None);
            }
        }
        Ok(Some(LookupKey(key)))
    }

    /// The key of `get_certificate_reputation(sha1, public_key_sha1)`; as [`LookupKey::file`].
    pub fn certificate(sha1: &str, public_key_sha1: Option<&str>) -> Result<Option<LookupKey>> {
        check_hex(sha1)?;
        let public_key = public_key_sha1.filter(|k| !k.is_empty());
        if let Some(key) = public_key {
            check_hex(key)?;
        }
        let mut key = String::with_capacity(2 + sha1.len() + public_key.map_or(0, str::len));
        key.push(CERTIFICATE);
        if !push_part(&mut key, sha1, true) {
            return Ok(None);
        }
        if let Some(public_key) = public_key {
            if !push_part(&mut key, public_key, true) {
                return Ok(None);
            }
        }
        Ok(Some(LookupKey(key)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is a certificate lookup (else a file lookup).
    pub fn is_certificate(&self) -> bool {
        self.0.starts_with(CERTIFICATE)
    }

    /// The hashes the lookup names, as bytes (the file's hashes; the certificate's sha1 and
    /// public key sha1).
    pub fn hashes(&self) -> Vec<Vec<u8>> {
        let parts = self.0[1..].split(SEPARATOR).skip(1);
        let hex: Vec<&str> = if self.is_certificate() {
            parts.collect()
        } else {
            parts.skip(1).step_by(2).collect()
        };
        hex.into_iter()
            .map(|h| hex_to_bytes(h).expect("the key's hex was checked when it was made"))
            .collect()
    }

    /// The request's payload, exactly as the payload builder makes it from the same arguments.
    pub fn payload(&self) -> String {
        let mut parts = self.0[1..].split(SEPARATOR).skip(1);
        let built = if self.0.starts_with(FILE) {
            let mut pairs = Vec::new();
            while let (Some(t), Some(h)) = (parts.next(), parts.next()) {
                pairs.push((t, h));
            }
            payloads::get_file_reputation(&pairs)
        } else {
            let sha1 = parts.next().unwrap_or_default();
            payloads::get_certificate_reputation(sha1, parts.next())
        };
        built.expect("the key's arguments were checked when it was made")
    }
}

/// Appends a separator and `part`, lower-cased when it is `hex` (checked, so ASCII); false
/// when `part` contains the separator.
fn push_part(key: &mut String, part: &str, hex: bool) -> bool {
    if part.contains(SEPARATOR) {
        return false;
    }
    key.push(SEPARATOR);
    let start = key.len();
    key.push_str(part);
    if hex {
        key[start..].make_ascii_lowercase();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_make_the_payloads_of_their_arguments() {
        let sets: [&[(&str, &str)]; 4] = [
            &[("md5", "f2c7bb8acc97f92e987a2d4087d021b1")],
            &[("md5", "AB"), ("sha1", "cd"), ("md5", "ef")],
            &[],
            &[("é\"x", "00")],
        ];
        for hashes in sets {
            let key = LookupKey::file(hashes).unwrap().unwrap();
            assert_eq!(key.payload(), payloads::get_file_reputation(hashes).unwrap());
        }
        for pk in [None, Some(""), Some("abcd")] {
            let key = LookupKey::certificate("0a0b", pk).unwrap().unwrap();
            assert_eq!(key.payload(), payloads::get_certificate_reputation("0a0b", pk).unwrap());
        }
    }

    #[test]
    fn bad_hex_fails_as_the_payload_does() {
        for hashes in [
            &[("md5", "xyz")][..],
            &[("md5", "abc")],
            &[("md5", "00"), ("sha1", "é1")],
        ] {
            assert_eq!(
                LookupKey::file(hashes).unwrap_err(),
                payloads::get_file_reputation(hashes).unwrap_err()
            );
        }
        assert_eq!(
            LookupKey::certificate("00", Some("0")).unwrap_err(),
            payloads::get_certificate_reputation("00", Some("0")).unwrap_err()
        );
    }

    #[test]
    fn keys_name_their_hashes() {
        let key = LookupKey::file(&[("md5", "0A0b"), ("sha1", "ff")]).unwrap().unwrap();
        assert_eq!(key.hashes(), vec![vec![10, 11], vec![255]]);
        assert!(!key.is_certificate());
        let key = LookupKey::certificate("01", Some("02")).unwrap().unwrap();
        assert_eq!(key.hashes(), vec![vec![1], vec![2]]);
        assert!(key.is_certificate());
        assert!(LookupKey::file(&[]).unwrap().unwrap().hashes().is_empty());
    }

    #[test]
    fn hex_case_does_not_matter() {
        assert_eq!(
            LookupKey::file(&[("md5", "ABCDEF")]).unwrap(),
            LookupKey::file(&[("md5", "abcdef")]).unwrap()
        );
        assert_ne!(
            LookupKey::file(&[("MD5", "ab")]).unwrap(),
            LookupKey::file(&[("md5", "ab")]).unwrap(),
            "types are sent as given"
        );
    }

    #[test]
    fn a_nul_in_an_argument_gives_no_key() {
        assert_eq!(LookupKey::file(&[("md\0", "00")]).unwrap(), None);
    }
}
