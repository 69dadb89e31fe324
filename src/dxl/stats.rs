//! Counters a client keeps about what it received and what became of it.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a client's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// PUBLISH packets received from the broker.
    pub received: u64,
    /// Messages handed to the dispatcher and processed there (callbacks run, or none matched).
    pub delivered: u64,
    /// Messages dropped because the dispatcher queue was full (drop-oldest policy).
    pub dropped: u64,
    /// Payloads that were not DXL messages (counted, logged and skipped).
    pub undecodable: u64,
    /// Unexpected losses of the connection after which the client set out to reconnect (counted
    /// at the loss; `connect_attempts` counts the attempts that follow).
    pub reconnects: u64,
    /// Callbacks that panicked (caught; the dispatcher goes on).
    pub callback_panics: u64,
    /// Messages larger than the DXL limit (counted and skipped; the connection stays up).
    pub oversized: u64,
    /// Connection attempts to a broker (TCP, TLS and CONNECT), successful or not.
    pub connect_attempts: u64,
    /// Shared requests that waited for a response already awaited instead of sending their own
    /// message ([`super::Handle::sync_request_shared`]).
    pub shared_requests: u64,
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub received: AtomicU64,
    pub delivered: AtomicU64,
    pub dropped: AtomicU64,
    pub undecodable: AtomicU64,
    pub reconnects: AtomicU64,
    pub callback_panics: AtomicU64,
    pub oversized: AtomicU64,
    pub connect_attempts: AtomicU64,
    pub shared_requests: AtomicU64,
}

impl Counters {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Stats {
        Stats {
            received: self.received.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            undecodable: self.undecodable.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            callback_panics: self.callback_panics.load(Ordering::Relaxed),
            oversized: self.oversized.load(Ordering::Relaxed),
            connect_attempts: self.connect_attempts.load(Ordering::Relaxed),
            shared_requests: self.shared_requests.load(Ordering::Relaxed),
        }
    }
}
