//! The requests waiting for their response, by message id.
//!
//! A request in flight can be *shared*: a caller that asks the same thing (the same share key)
//! while it waits joins it instead of sending another message, and the one response answers
//! every member. Each member keeps its own timeout: a synchronous member waits with its own, an
//! asynchronous one carries its own deadline here, and one that gives up leaves the others
//! waiting. The message stays pending while any member waits.
//!
//! The table also counts the asynchronous members, the only waiters the network thread must
//! time out itself (a synchronous caller waits with its own timeout): with none waiting, the
//! network thread has no reason to wake up on a timer, and an idle client costs nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::client::{Handle, Pending};
use super::error::Result;
use super::message::Message;

/// Which member of a pending request a caller is, so that it can leave alone.
pub type MemberId = u64;

#[derive(Default)]
pub(crate) struct PendingTable {
    requests: Mutex<Requests>,
    asynchronous: AtomicUsize,
}

#[derive(Default)]
struct Requests {
    by_id: HashMap<String, Waiting>,
    /// Share key → message id of the shared request in flight.
    shared: HashMap<String, String>,
    next_member: MemberId,
    /// No later than the earliest deadline of an asynchronous member: lowered as members
    /// arrive, recomputed when expired ones are taken out, left as it is when one is answered
    /// (too early is harmless: the network thread then looks a little sooner).
    earliest_async: Option<Instant>,
}

/// One message in flight and whoever waits for its response.
struct Waiting {
    share_key: Option<String>,
    /// Until when later callers may join it: the deadline of the caller that sent it. After
    /// that a caller sends a request of its own, so that a request whose response was lost (a
    /// QoS 0 message dropped, a service restarted) cannot hold every lookup of a popular key
    /// for as long as new ones keep joining.
    joinable_until: Instant,
    members: Vec<(MemberId, Pending)>,
    /// Runs first when the response arrives (see [`ResponseObserver`]).
    observer: Option<ResponseObserver>,
}

/// Library code that sees a shared request's response on the network thread before anyone
/// waiting for it is woken, and before later callers can no longer join it: what it records
/// (a cache entry) is in place by the time the request stops being in flight. It must not block.
pub type ResponseObserver = Box<dyn FnOnce(&Handle, &Result<Message>) + Send>;

/// What [`PendingTable::join_or_start`] did.
pub(crate) enum Joined {
    /// A shared request with that key was in flight: the caller waits for it; send nothing.
    Existing { id: String, member: MemberId },
    /// None was: the caller's request is now pending under its own id; send it.
    Started { member: MemberId },
}

impl Requests {
    fn note_deadline(&mut self, pending: &Pending) {
        if let Some(deadline) = pending.deadline() {
            self.earliest_async = Some(self.earliest_async.map_or(deadline, |e| e.min(deadline)));
        }
    }

    fn member_id(&mut self) -> MemberId {
        self.next_member += 1;
        self.next_member
    }

    /// Removes a whole entry and its share key.
    fn take(&mut self, id: &str) -> Option<Waiting> {
        let waiting = self.by_id.remove(id)?;
        if let Some(key) = &waiting.share_key {
            if self.shared.get(key).is_some_and(|i| i == id) {
                self.shared.remove(key);
            }
        }
        Some(waiting)
    }
}

impl PendingTable {
    /// Registers a request of its own (not shared). A message id already waiting (a caller of
    /// the DXL API can choose its ids) adds a member to it rather than replacing it: each waiter
    /// is answered exactly once, by the first response.
    pub fn insert(&self, id: String, pending: Pending) -> MemberId {
        self.count(&pending);
        let mut r = self.requests.lock().unwrap();
        r.note_deadline(&pending);
        let member = r.member_id();
        match r.by_id.get_mut(&id) {
            Some(waiting) => waiting.members.push((member, pending)),
            None => {
                r.by_id.insert(
                    id,
                    Waiting {
                        share_key: None,
                        joinable_until: Instant::now(),
                        members: vec![(member, pending)],
                        observer: None,
                    },
                );
            }
        }
        member
    }

    /// Joins the shared request in flight under `key`, or registers `id` as that request (with
    /// `observer`, which a joining caller's is not: the request has one already, or none).
    /// `deadline` is the caller's: if it sends the request, later callers may join until then.
    pub fn join_or_start(
        &self,
        key: &str,
        id: &str,
        pending: Pending,
        deadline: Instant,
        observer: Option<ResponseObserver>,
    ) -> Joined {
        self.count(&pending);
        let mut r = self.requests.lock().unwrap();
        r.note_deadline(&pending);
        let member = r.member_id();
        if let Some(existing) = r.shared.get(key).cloned() {
            if let Some(waiting) = r.by_id.get_mut(&existing) {
                if waiting.share_key.as_deref() == Some(key) && Instant::now() < waiting.joinable_until {
                    waiting.members.push((member, pending));
                    return Joined::Existing { id: existing, member };
                }
            }
        }
        // A new request: the key now names it (an older one under the key keeps its members).
        r.shared.insert(key.to_owned(), id.to_owned());
        r.by_id.insert(
            id.to_owned(),
            Waiting {
                share_key: Some(key.to_owned()),
                joinable_until: deadline,
                members: vec![(member, pending)],
                observer,
            },
        );
        Joined::Started { member }
    }

    /// Takes one member out (its caller gave up or could not send); the request stays pending
    /// for the others.
    pub fn remove_member(&self, id: &str, member: MemberId) -> Option<Pending> {
        let mut r = self.requests.lock().unwrap();
        let waiting = r.by_id.get_mut(id)?;
        let pos = waiting.members.iter().position(|(m, _)| *m == member)?;
        let (_, pending) = waiting.members.swap_remove(pos);
        if waiting.members.is_empty() {
            r.take(id);
        }
        drop(r);
        self.forget(&pending);
        Some(pending)
    }

    /// The observer of the request `id`, taken out (its response arrived).
    pub fn take_observer(&self, id: &str) -> Option<ResponseObserver> {
        self.requests.lock().unwrap().by_id.get_mut(id)?.observer.take()
    }

    /// Every member waiting for the response to `id`, taken out (the response arrived).
    pub fn remove(&self, id: &str) -> Vec<Pending> {
        let taken = self.requests.lock().unwrap().take(id);
        let members: Vec<Pending> = taken.into_iter().flat_map(|w| w.members).map(|(_, p)| p).collect();
        for p in &members {
            self.forget(p);
        }
        members
    }

    /// Every waiting member, taken out (connection lost, shutdown).
    pub fn drain(&self) -> Vec<Pending> {
        let drained: Vec<Pending> = {
            let mut r = self.requests.lock().unwrap();
            r.shared.clear();
            r.earliest_async = None;
            r.by_id.drain().flat_map(|(_, w)| w.members).map(|(_, p)| p).collect()
        };
        for p in &drained {
            self.forget(p);
        }
        drained
    }

    /// The asynchronous members whose deadline has passed, taken out, with their message id.
    pub fn take_expired(&self, now: Instant) -> Vec<(String, Pending)> {
        let is_expired = |p: &Pending| p.deadline().is_some_and(|d| d <= now);
        let expired: Vec<(String, Pending)> = {
            let mut r = self.requests.lock().unwrap();
            let ids: Vec<String> = r
                .by_id
                .iter()
                .filter(|(_, w)| w.members.iter().any(|(_, p)| is_expired(p)))
                .map(|(id, _)| id.clone())
                .collect();
            let mut expired = Vec::new();
            for id in ids {
                let Some(waiting) = r.by_id.get_mut(&id) else { continue };
                let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut waiting.members)
                    .into_iter()
                    .partition(|(_, p)| is_expired(p));
                waiting.members = kept;
                if waiting.members.is_empty() {
                    r.take(&id);
                }
                expired.extend(gone.into_iter().map(|(_, p)| (id.clone(), p)));
            }
            r.earliest_async = r
                .by_id
                .values()
                .flat_map(|w| w.members.iter())
                .filter_map(|(_, p)| p.deadline())
                .min();
            expired
        };
        for (_, p) in &expired {
            self.forget(p);
        }
        expired
    }

    /// When the network thread must next look for expired asynchronous members: None when
    /// none waits (then it needs no timer at all).
    pub fn next_async_deadline(&self) -> Option<Instant> {
        if self.asynchronous.load(Ordering::SeqCst) == 0 {
            return None;
        }
        self.requests.lock().unwrap().earliest_async
    }

    fn count(&self, pending: &Pending) {
        if pending.deadline().is_some() {
            self.asynchronous.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn forget(&self, pending: &Pending) {
        if pending.deadline().is_some() {
            self.asynchronous.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
