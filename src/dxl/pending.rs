//! The requests waiting for their response, by message id.
//!
//! It also counts the asynchronous ones, the only requests the network thread must time out
//! itself (a synchronous caller waits with its own timeout): with none waiting, the network
//! thread has no reason to wake up on a timer, and an idle client costs nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::client::Pending;

#[derive(Default)]
pub(crate) struct PendingTable {
    requests: Mutex<HashMap<String, Pending>>,
    asynchronous: AtomicUsize,
}

impl PendingTable {
    pub fn insert(&self, id: String, pending: Pending) {
        let is_async = matches!(pending, Pending::Async { .. });
        let replaced = self.requests.lock().unwrap().insert(id, pending);
        if is_async {
            self.asynchronous.fetch_add(1, Ordering::SeqCst);
        }
        if let Some(old) = replaced {
            self.forget(&old);
        }
    }

    pub fn remove(&self, id: &str) -> Option<Pending> {
        let removed = self.requests.lock().unwrap().remove(id);
        if let Some(p) = &removed {
            self.forget(p);
        }
        removed
    }

    /// Every waiting request, taken out (connection lost, shutdown).
    pub fn drain(&self) -> Vec<Pending> {
        let drained: Vec<Pending> = self.requests.lock().unwrap().drain().map(|(_, p)| p).collect();
        for p in &drained {
            self.forget(p);
        }
        drained
    }

    /// The asynchronous requests whose deadline has passed, taken out.
    pub fn take_expired(&self, now: Instant) -> Vec<(String, Pending)> {
        let expired: Vec<(String, Pending)> = {
            let mut requests = self.requests.lock().unwrap();
            let ids: Vec<String> = requests
                .iter()
                .filter(|(_, p)| matches!(p, Pending::Async { deadline, .. } if *deadline <= now))
                .map(|(id, _)| id.clone())
                .collect();
            ids.into_iter()
                .filter_map(|id| requests.remove(&id).map(|p| (id, p)))
                .collect()
        };
        for (_, p) in &expired {
            self.forget(p);
        }
        expired
    }

    /// Whether any asynchronous request waits (and so needs the network thread's timer).
    pub fn has_asynchronous(&self) -> bool {
        self.asynchronous.load(Ordering::SeqCst) > 0
    }

    fn forget(&self, pending: &Pending) {
        if matches!(pending, Pending::Async { .. }) {
            self.asynchronous.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
