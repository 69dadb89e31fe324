//! The simulator's reputation store: file or certificate items found by their hashes, as the
//! fake services find them (tie-api.md §6.2 "Matching rule" and §7).
//!
//! An index maps each (hash type, base64 value) to one item. A lookup succeeds when *every* hash
//! of the request is in the index and all of them name the *same* item. Certificate lookups add
//! the request's `publicKeySha1` as a pseudo-hash of type `publicKeySha1` first, so a certificate
//! is found by its sha1 alone, or by sha1 and public key together.
//!
//! A set finds its item the same way or creates one, keyed by its first hash
//! (`"<type>:<base64>"`); the request's hashes are then indexed to that item (a hash that named
//! another item moves, as in the fake services).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::data::Seed;

/// A hash as requests carry it: (type, base64 value).
pub type Hash = (String, String);

pub const PUBLIC_KEY_SHA1: &str = "publicKeySha1";

#[derive(Debug, Clone)]
pub struct Item {
    /// `"<type>:<base64>"` of the first hash the item was created with (the fake services' item
    /// key; shown by `--verbose`).
    pub key: String,
    /// The file name (from a seed, a set request or an external report), for logs.
    pub name: String,
    pub hashes: Vec<Hash>,
    /// Reputation objects, in the order the item got them.
    pub reputations: Vec<Value>,
    /// First references (`[{"agentGuid", "date"}]`); `None` answers `{}`.
    pub agents: Option<Value>,
    /// Added to the item's file rep-change events.
    pub relationships: Option<Value>,
    /// The comment of the last set.
    pub comment: String,
}

impl Item {
    /// The hashes as a request list, without the `publicKeySha1` pseudo-hash.
    pub fn hash_list(&self) -> Value {
        hash_list(self.hashes.iter().filter(|(t, _)| t != PUBLIC_KEY_SHA1))
    }

    pub fn public_key_sha1(&self) -> Option<&str> {
        self.hashes
            .iter()
            .find(|(t, _)| t == PUBLIC_KEY_SHA1)
            .map(|(_, v)| v.as_str())
    }
}

/// `[{"type": t, "value": v}, …]`.
pub fn hash_list<'a>(hashes: impl IntoIterator<Item = &'a Hash>) -> Value {
    Value::Array(
        hashes
            .into_iter()
            .map(|(t, v)| json!({"type": t, "value": v}))
            .collect(),
    )
}

#[derive(Debug, Default)]
pub struct Store {
    items: Vec<Item>,
    index: HashMap<Hash, usize>,
}

/// What a set changed, for the rep-change event.
pub struct Change {
    pub item: usize,
    pub old: Vec<Value>,
    pub new: Vec<Value>,
}

impl Store {
    pub fn from_seeds(seeds: Vec<Seed>) -> Self {
        let mut store = Store::default();
        for seed in seeds {
            let hashes: Vec<Hash> = seed
                .hashes
                .iter()
                .map(|(t, v)| ((*t).to_owned(), (*v).to_owned()))
                .collect();
            let idx = store.create(&hashes, seed.name);
            let item = &mut store.items[idx];
            item.reputations = match seed.reputations {
                Value::Array(list) => list,
                _ => Vec::new(),
            };
            item.agents = seed.agents;
            item.relationships = seed.relationships;
        }
        store
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn item(&self, idx: usize) -> &Item {
        &self.items[idx]
    }

    /// The item every hash names, if they all name the same one.
    pub fn find(&self, hashes: &[Hash]) -> Option<usize> {
        let mut found = None;
        for hash in hashes {
            let idx = *self.index.get(hash)?;
            if found.is_some_and(|f| f != idx) {
                return None;
            }
            found = Some(idx);
        }
        found
    }

    fn create(&mut self, hashes: &[Hash], name: &str) -> usize {
        let key = hashes.first().map(|(t, v)| format!("{t}:{v}")).unwrap_or_default();
        self.items.push(Item {
            key,
            name: name.to_owned(),
            hashes: Vec::new(),
            reputations: Vec::new(),
            agents: None,
            relationships: None,
            comment: String::new(),
        });
        let idx = self.items.len() - 1;
        self.index_hashes(idx, hashes);
        idx
    }

    /// Indexes `hashes` to item `idx`, taking them from any item that had them.
    fn index_hashes(&mut self, idx: usize, hashes: &[Hash]) {
        for hash in hashes {
            if let Some(previous) = self.index.insert(hash.clone(), idx) {
                if previous != idx {
                    self.items[previous].hashes.retain(|h| h != hash);
                }
            }
            let item = &mut self.items[idx];
            if let Some(same_type) = item.hashes.iter_mut().find(|(t, _)| *t == hash.0) {
                // One value per hash type: a new value for a type replaces the old one.
                if same_type.1 != hash.1 {
                    let old = std::mem::replace(same_type, hash.clone());
                    self.index.remove(&old);
                }
            } else {
                item.hashes.push(hash.clone());
            }
        }
    }

    /// Sets `provider`'s trust level on the item the hashes name, creating the item (keyed by
    /// the first hash) or the provider's reputation as needed. The provider's existing
    /// reputation is updated in place (trust level and createDate), so a get after a set returns
    /// exactly one reputation per provider.
    pub fn set(&mut self, hashes: &[Hash], provider: &Value, trust_level: &Value, now: i64, name: &str) -> Change {
        let idx = match self.find(hashes) {
            Some(idx) => idx,
            None => self.create(hashes, name),
        };
        self.index_hashes(idx, hashes);
        let item = &mut self.items[idx];
        if item.name.is_empty() {
            item.name = name.to_owned();
        }
        let old = item.reputations.clone();
        match item
            .reputations
            .iter_mut()
            .find(|r| r.get("providerId") == Some(provider))
        {
            Some(Value::Object(rep)) => {
                rep.insert("trustLevel".to_owned(), trust_level.clone());
                rep.insert("createDate".to_owned(), json!(now));
            }
            _ => {
                let mut rep = Map::new();
                rep.insert("attributes".to_owned(), json!({}));
                rep.insert("providerId".to_owned(), provider.clone());
                rep.insert("trustLevel".to_owned(), trust_level.clone());
                rep.insert("createDate".to_owned(), json!(now));
                item.reputations.push(Value::Object(rep));
            }
        }
        Change {
            item: idx,
            old,
            new: item.reputations.clone(),
        }
    }

    pub fn set_comment(&mut self, idx: usize, comment: &str) {
        self.items[idx].comment = comment.to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(t: &str, v: &str) -> Hash {
        (t.to_owned(), v.to_owned())
    }

    #[test]
    fn lookup_needs_every_hash_on_one_item() {
        let store = Store::from_seeds(crate::data::files());
        let notepad_md5 = h("md5", "8se7isyX+S6Yei1Ah9AhsQ==");
        let eicar_sha1 = h("sha1", "M5WFbOgfK3OC3ucmAveYtkLxQUA=");
        assert_eq!(store.find(std::slice::from_ref(&notepad_md5)), Some(0));
        assert_eq!(store.find(&[notepad_md5, eicar_sha1.clone()]), None);
        assert_eq!(store.find(&[eicar_sha1]), Some(1));
        assert_eq!(store.find(&[h("md5", "AAAA")]), None);
        assert_eq!(store.find(&[]), None);
        assert_eq!(store.item(0).key, "md5:8se7isyX+S6Yei1Ah9AhsQ==");
    }

    #[test]
    fn set_updates_in_place_and_creates_unknown_items() {
        let mut store = Store::from_seeds(crate::data::files());
        let hashes = vec![h("md5", "8se7isyX+S6Yei1Ah9AhsQ==")];
        let change = store.set(&hashes, &json!(3), &json!(85), 1000, "");
        assert_eq!(change.item, 0);
        assert_eq!(change.old[1]["trustLevel"], 0);
        assert_eq!(change.new.len(), 2);
        assert_eq!(change.new[1]["trustLevel"], 85);
        assert_eq!(change.new[1]["createDate"], 1000);
        // The other hashes still find the item.
        assert_eq!(store.find(&[h("sha1", "frATnSF1c5s8yw0REAZ4IL5qvSk=")]), Some(0));

        let new = vec![
            h("md5", "ABEiM0RVZneImaq7zN3u/w=="),
            h("sha1", "p8UVqDbyDoWJ0caOBiN5BMPOwq0="),
        ];
        let change = store.set(&new, &json!(3), &json!(70), 2000, "new.exe");
        assert!(change.old.is_empty());
        assert_eq!(
            serde_json::to_string(&change.new).unwrap(),
            r#"[{"attributes":{},"providerId":3,"trustLevel":70,"createDate":2000}]"#
        );
        assert_eq!(store.item(change.item).key, "md5:ABEiM0RVZneImaq7zN3u/w==");
        assert_eq!(store.find(&new[1..]), Some(change.item));
    }
}
