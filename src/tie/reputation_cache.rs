//! A cache of file and certificate reputations, kept true by the fabric's own reputation-change
//! events (issue 15). Off unless asked for: the reference clients have none.
//!
//! An entry answers exactly the request it came from (the same payload text, so the same
//! hashes of the same kind), with the transformed answer the fabric gave. It is dropped:
//! - when a reputation-change event of its kind names any of its hashes;
//! - when this client sets a reputation for any of its hashes (at the request and again at its
//!   answer, so a lookup racing the change cannot bring the old answer back);
//! - when its time to live has passed, counted on the boot-time clock, which goes on while the
//!   machine sleeps (a laptop that slept a night has a stale cache, whatever the monotonic clock
//!   says);
//! - least recently used first, when the cache is full;
//! - all of them when the connection is lost: change events sent meanwhile were missed (QoS 0).
//!   Entries belong to the connected session they were learned in ([`Handle::session`]); an
//!   entry of another session is never served and the lot is dropped at the next look.
//!
//! Errors and timeouts are never cached, and an answer is cached only if none of its hashes was
//! invalidated while it was awaited: the answer may predate the change.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use lru::LruCache;
use serde_json::Value;

use super::answer::Answer;
use super::encoding::base64_decode_lenient;
use super::error::{Result, TieError};
use super::lookup_key::LookupKey;
use super::payloads::Operation;
use crate::dxl::Handle;

/// The most entries a cache may be given (a bound on memory, see the README for the size of an
/// entry).
pub const MAX_ENTRIES: usize = 1_000_000;

/// What to cache: at most `max_entries` answers, each for at most `ttl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    pub max_entries: NonZeroUsize,
    pub ttl: Duration,
}

impl CacheSettings {
    /// The settings for `max_entries` answers of `ttl_seconds` each; 0 entries is no cache.
    /// More than [`MAX_ENTRIES`] entries, or a cache whose entries live 0 s, is refused.
    pub fn new(max_entries: u64, ttl_seconds: u64) -> Result<Option<CacheSettings>> {
        let Some(max) = NonZeroUsize::new(usize::try_from(max_entries).unwrap_or(usize::MAX)) else {
            return Ok(None);
        };
        if max.get() > MAX_ENTRIES {
            return Err(TieError::InvalidArgument(format!(
                "a reputation cache of {max_entries} entries is over the limit of {MAX_ENTRIES}"
            )));
        }
        if ttl_seconds == 0 {
            return Err(TieError::InvalidArgument(
                "a reputation cache needs a time to live of at least 1 second".into(),
            ));
        }
        Ok(Some(CacheSettings {
            max_entries: max,
            ttl: Duration::from_secs(ttl_seconds),
        }))
    }
}

/// Which reputations an entry or an invalidation is about: a file's hashes and a certificate's
/// are different things even when the bytes agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    File,
    Certificate,
}

impl Subject {
    /// What a cached lookup is about (only the two reputation lookups have a key).
    pub fn of_key(key: &LookupKey) -> Subject {
        if key.is_certificate() {
            Subject::Certificate
        } else {
            Subject::File
        }
    }

    /// The requests of this client that change a reputation.
    pub fn of_change(op: Operation) -> Option<Subject> {
        match op {
            Operation::SetFileReputation => Some(Subject::File),
            Operation::SetCertificateReputation => Some(Subject::Certificate),
            _ => None,
        }
    }
}

/// Why entries were dropped.
#[derive(Debug, Clone, Copy)]
pub enum Invalidation {
    /// A reputation-change event named one of their hashes.
    Event,
    /// This client set a reputation for one of their hashes.
    Set,
}

/// The cache's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that went to the fabric (alone or sharing another's request).
    pub misses: u64,
    /// Missed lookups that shared another lookup's request in flight instead of sending one.
    pub coalesced: u64,
    /// Entries dropped because a reputation-change event named one of their hashes.
    pub invalidated_by_event: u64,
    /// Entries dropped because this client set a reputation for one of their hashes.
    pub invalidated_by_set: u64,
    /// Entries dropped because their time to live had passed.
    pub expired: u64,
    /// Entries dropped, least recently used first, to make room.
    pub evicted: u64,
    /// Entries dropped because the connection was lost.
    pub dropped_on_disconnect: u64,
    /// Entries held now.
    pub entries: u64,
}

/// One cached answer.
struct Entry {
    answer: Answer,
    /// Boot-time clock reading after which it is stale.
    expires: Duration,
    subject: Subject,
    /// The hashes it answers for, as bytes.
    hashes: Vec<Vec<u8>>,
}

struct State {
    entries: LruCache<LookupKey, Entry>,
    /// (subject, hash bytes) → the keys of the entries naming it.
    by_hash: HashMap<(Subject, Vec<u8>), Vec<LookupKey>>,
    /// The connected session the entries were learned in.
    session: Option<u64>,
    /// Bumped by every invalidation.
    generation: u64,
    /// The latest invalidations, by generation: an answer awaited across one that named one
    /// of its hashes is not stored (answers to other hashes are). At most [`RECENT`].
    recent: VecDeque<(u64, Subject, Vec<u8>)>,
    /// Invalidations up to this generation are no longer in `recent`: an answer awaited since
    /// before it cannot be checked, and is not stored.
    forgotten_up_to: u64,
}

/// How many invalidated hashes `State::recent` remembers: far more than change events arrive
/// during one round trip.
const RECENT: usize = 4096;

/// The cache of one client.
pub struct ReputationCache {
    settings: CacheSettings,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
    by_event: AtomicU64,
    by_set: AtomicU64,
    expired: AtomicU64,
    evicted: AtomicU64,
    on_disconnect: AtomicU64,
}

/// A lookup that missed: what is needed to store its answer later.
pub struct Miss {
    key: LookupKey,
    /// The cache's generation at the lookup.
    generation: u64,
    /// The generation of the latest invalidation of one of its hashes, at the lookup.
    last_change: u64,
    session: Option<u64>,
}

impl Miss {
    /// The share key of the fabric request: lookups of the same request share one while it is
    /// in flight, unless one of its hashes was invalidated in between (the later lookup must
    /// not get an answer that may predate the change).
    pub fn share_key(&self) -> String {
        format!("{}\u{0}{}", self.last_change, self.key.as_str())
    }
}

/// Where a lookup stands.
pub enum Lookup {
    Hit(Answer),
    Miss(Miss),
}

impl ReputationCache {
    pub fn new(settings: CacheSettings) -> Self {
        ReputationCache {
            settings,
            state: Mutex::new(State {
                entries: LruCache::new(settings.max_entries),
                by_hash: HashMap::new(),
                session: None,
                generation: 0,
                recent: VecDeque::new(),
                forgotten_up_to: 0,
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            by_event: AtomicU64::new(0),
            by_set: AtomicU64::new(0),
            expired: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            on_disconnect: AtomicU64::new(0),
        }
    }

    pub fn settings(&self) -> CacheSettings {
        self.settings
    }

    /// Looks up the answer to a request (its exact payload text) in the current session.
    pub fn lookup(&self, key: &LookupKey, dxl: &Handle) -> Lookup {
        let session = dxl.session();
        let now = boot_time();
        let mut state = self.lock(session);
        match state.entries.get(key) {
            Some(entry) if entry.expires > now => {
                let answer = entry.answer.clone();
                drop(state);
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Lookup::Hit(answer);
            }
            Some(_) => {
                state.remove(key);
                self.expired.fetch_add(1, Ordering::Relaxed);
            }
            None => {}
        }
        let generation = state.generation;
        let last_change = state.last_change(Subject::of_key(key), &key.hashes());
        drop(state);
        self.misses.fetch_add(1, Ordering::Relaxed);
        Lookup::Miss(Miss {
            key: key.clone(),
            generation,
            last_change,
            session,
        })
    }

    /// Stores the fabric's answer to a missed lookup, unless it may be stale: the connection
    /// changed, or one of its hashes was invalidated, while it was awaited.
    pub fn store(&self, miss: Miss, answer: &Answer, dxl: &Handle) {
        let session = dxl.session();
        if session.is_none() || session != miss.session {
            return;
        }
        let subject = Subject::of_key(&miss.key);
        let hashes = miss.key.hashes();
        let mut state = self.lock(session);
        // Lookups that shared one request each could store its answer: the first one does.
        if state.changed_since(miss.generation, subject, &hashes) || state.entries.contains(&miss.key) {
            return;
        }
        for h in &hashes {
            state
                .by_hash
                .entry((subject, h.clone()))
                .or_default()
                .push(miss.key.clone());
        }
        let entry = Entry {
            answer: answer.clone(),
            expires: boot_time() + self.settings.ttl,
            subject,
            hashes,
        };
        if let Some((old_key, old)) = state.entries.push(miss.key, entry) {
            state.unindex(&old_key, &old);
            self.evicted.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Drops the entries of `subject` that name any hash named in `payload` (a change event's or
    /// a set request's payload: `hashes[].value` and a top-level `publicKeySha1`).
    pub fn invalidate(&self, subject: Subject, payload: &[u8], cause: Invalidation, dxl: &Handle) {
        let hashes = named_hashes(payload);
        let mut state = self.lock(dxl.session());
        state.generation += 1;
        let generation = state.generation;
        let mut dropped = 0;
        for h in hashes {
            for key in state.by_hash.remove(&(subject, h.clone())).unwrap_or_default() {
                if state.remove(&key) {
                    dropped += 1;
                }
            }
            state.recent.push_back((generation, subject, h));
            if state.recent.len() > RECENT {
                if let Some((forgotten, _, _)) = state.recent.pop_front() {
                    state.forgotten_up_to = forgotten;
                }
            }
        }
        drop(state);
        let counter = match cause {
            Invalidation::Event => &self.by_event,
            Invalidation::Set => &self.by_set,
        };
        counter.fetch_add(dropped, Ordering::Relaxed);
    }

    pub fn stats(&self, dxl: &Handle) -> CacheStats {
        let entries = self.lock(dxl.session()).entries.len() as u64;
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            // Only the cache shares requests, so the fabric client's count is the cache's.
            coalesced: dxl.stats().shared_requests,
            invalidated_by_event: self.by_event.load(Ordering::Relaxed),
            invalidated_by_set: self.by_set.load(Ordering::Relaxed),
            expired: self.expired.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
            dropped_on_disconnect: self.on_disconnect.load(Ordering::Relaxed),
            entries,
        }
    }

    /// The state, emptied first if its entries belong to another session than `session`.
    fn lock(&self, session: Option<u64>) -> std::sync::MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.session != session {
            let dropped = state.entries.len() as u64;
            state.entries.clear();
            state.by_hash.clear();
            state.session = session;
            state.generation += 1;
            state.recent.clear();
            state.forgotten_up_to = state.generation;
            self.on_disconnect.fetch_add(dropped, Ordering::Relaxed);
        }
        state
    }
}

impl State {
    /// Whether an invalidation after `generation` named one of `hashes` of `subject` (or may
    /// have: it is no longer remembered).
    fn changed_since(&self, generation: u64, subject: Subject, hashes: &[Vec<u8>]) -> bool {
        generation < self.forgotten_up_to
            || self
                .recent
                .iter()
                .rev()
                .take_while(|(g, _, _)| *g > generation)
                .any(|(_, s, h)| *s == subject && hashes.contains(h))
    }

    /// The generation of the latest invalidation naming one of `hashes` of `subject` (as far
    /// as remembered).
    fn last_change(&self, subject: Subject, hashes: &[Vec<u8>]) -> u64 {
        self.recent
            .iter()
            .rev()
            .find(|(_, s, h)| *s == subject && hashes.contains(h))
            .map_or(self.forgotten_up_to, |(g, _, _)| *g)
    }

    /// Removes an entry and its index rows; false when there was none.
    fn remove(&mut self, key: &LookupKey) -> bool {
        match self.entries.pop(key) {
            Some(entry) => {
                self.unindex(key, &entry);
                true
            }
            None => false,
        }
    }

    fn unindex(&mut self, key: &LookupKey, entry: &Entry) {
        for h in &entry.hashes {
            let slot = (entry.subject, h.clone());
            if let Some(keys) = self.by_hash.get_mut(&slot) {
                keys.retain(|k| k != key);
                if keys.is_empty() {
                    self.by_hash.remove(&slot);
                }
            }
        }
    }
}

/// The hashes a TIE payload names, as bytes: every `hashes[].value` and a top-level
/// `publicKeySha1` (requests and change events share this shape, tie-api.md §2.2, §3.3). A value
/// that is not base64 is compared as its text. A payload that is not JSON names nothing.
pub fn named_hashes(payload: &[u8]) -> Vec<Vec<u8>> {
    let Ok(value) = super::transforms::parse_payload(payload) else {
        return Vec::new();
    };
    let listed = value
        .get("hashes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|h| h.get("value").and_then(Value::as_str));
    let public_key = value.get("publicKeySha1").and_then(Value::as_str);
    listed
        .chain(public_key)
        // Python's lenient decoding, as the user's event callbacks see the hashes.
        .map(|b64| base64_decode_lenient(b64).unwrap_or_else(|_| b64.as_bytes().to_vec()))
        .collect()
}

/// Time since boot, counting suspended time (CLOCK_BOOTTIME): `Instant` is CLOCK_MONOTONIC on
/// Linux, which stops while the machine sleeps, and a time to live must not.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn boot_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) } != 0 {
        return monotonic_time();
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Elsewhere, the monotonic clock (macOS's and Windows' `Instant` count sleep as well).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn boot_time() -> Duration {
    monotonic_time()
}

/// Time since the first call, on `Instant`'s clock.
#[allow(dead_code)] // only a fallback on Linux
fn monotonic_time() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_hashes_reads_lists_and_the_public_key() {
        let payload =
            br#"{"hashes":[{"type":"md5","value":"AAE="},{"type":"sha1","value":"AgM="}],"publicKeySha1":"BAU="}"#;
        assert_eq!(named_hashes(payload), vec![vec![0, 1], vec![2, 3], vec![4, 5]]);
        assert!(named_hashes(b"not json").is_empty());
        assert!(named_hashes(br#"{"hashes": 3}"#).is_empty());
    }

    #[test]
    fn the_boot_clock_moves_forward() {
        let a = boot_time();
        std::thread::sleep(Duration::from_millis(2));
        assert!(boot_time() > a);
    }
}
