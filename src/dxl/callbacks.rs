//! The callback registry: which handlers a received message goes to (dxl-protocol.md §2.5).
//!
//! Copy-on-write: a message being dispatched keeps the snapshot taken when its dispatch began,
//! and registering or removing never waits for a dispatch. Handlers are matched as the Python
//! client matches them: the catch-all `""` first, then the exact topic, then — only when some
//! filter ends in `#` — each "wildcard parent" of the topic, most specific first. A `+` filter
//! or a `/foo/#` filter for the topic `/foo` never matches client-side (Python parity).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::client::Handle;
use super::message::{Message, MessageType};

/// A message handler. It runs on the dispatcher thread and gets the client to answer with.
pub type Handler = Arc<dyn Fn(&Handle, &Message) + Send + Sync>;

/// A handler that takes its messages in runs: while it is a topic's only handler, the messages
/// on that topic queued when the dispatcher gets to them, in arrival order, in one call (see
/// `dispatcher_loop`). For callers whose cost is per call rather than per message (a Python
/// callback through ctypes: a thread state and the GIL at every call).
pub type BatchHandler = Arc<dyn Fn(&Handle, &[&Message]) + Send + Sync>;

/// How a registration is called.
pub(crate) enum Handling {
    /// Once per message, as the message is dispatched.
    Each(Handler),
    /// Once per dispatch run, with the run's messages it matches.
    Batch(BatchHandler),
}

/// Which messages a handler receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackKind {
    Event,
    Request,
    /// Responses and ErrorResponses.
    Response,
}

impl CallbackKind {
    pub fn of(message_type: MessageType) -> Self {
        match message_type {
            MessageType::Event => CallbackKind::Event,
            MessageType::Request => CallbackKind::Request,
            MessageType::Response | MessageType::ErrorResponse => CallbackKind::Response,
        }
    }
}

/// The id of a registration, unique within a process.
pub type CallbackId = u64;

pub(crate) struct Entry {
    pub id: CallbackId,
    pub kind: CallbackKind,
    pub filter: String,
    pub handling: Handling,
    /// Cleared on removal, so a snapshot taken earlier no longer calls it.
    pub active: AtomicBool,
}

/// The Python client's wildcard parents of a topic: strip the last element and append `/#`,
/// repeatedly, ending with `#` (`/foo/bar` → `/foo/#`, `/#`, `#`).
pub fn wildcard_parents(topic: &str) -> Vec<String> {
    let mut parents = Vec::new();
    if topic == "#" {
        return parents;
    }
    let mut rest = topic.strip_suffix("/#").unwrap_or(topic);
    while let Some(i) = rest.rfind('/') {
        rest = &rest[..i];
        parents.push(format!("{rest}/#"));
    }
    parents.push("#".to_owned());
    parents
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Entry {
    /// A new registration with a fresh id. Services' handlers are entries too (outside the
    /// registry), so that the dispatcher calls them, and their removal waits for them, the same
    /// way.
    pub fn new(kind: CallbackKind, filter: &str, handling: Handling) -> Arc<Entry> {
        Arc::new(Entry {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            kind,
            filter: filter.to_owned(),
            handling,
            active: AtomicBool::new(true),
        })
    }
}

#[derive(Default)]
pub(crate) struct Registry {
    entries: Mutex<Arc<Vec<Arc<Entry>>>>,
}

impl Registry {
    pub fn add(&self, kind: CallbackKind, filter: &str, handling: Handling) -> CallbackId {
        let entry = Entry::new(kind, filter, handling);
        let id = entry.id;
        let mut entries = self.entries.lock().unwrap();
        let mut next = entries.as_ref().clone();
        next.push(entry);
        *entries = Arc::new(next);
        id
    }

    /// Removes a registration; returns it (so the caller can tell whether its filter still has
    /// other callbacks), or `None` for an unknown id.
    pub fn remove(&self, id: CallbackId) -> Option<Arc<Entry>> {
        let mut entries = self.entries.lock().unwrap();
        let pos = entries.iter().position(|e| e.id == id)?;
        let mut next = entries.as_ref().clone();
        let removed = next.remove(pos);
        removed.active.store(false, Ordering::SeqCst);

        *entries = Arc::new(next);
        Some(removed)
    }

    /// Whether any registration of `kind` uses `filter`.
    pub fn has_filter(&self, filter: &str) -> bool {
        self.entries.lock().unwrap().iter().any(|e| e.filter == filter)
    }

    pub fn has_kind(&self, kind: CallbackKind) -> bool {
        self.entries.lock().unwrap().iter().any(|e| e.kind == kind)
    }

    /// The handlers for a message of `kind` on `topic`, in calling order.
    pub fn matching(&self, kind: CallbackKind, topic: &str) -> Vec<Arc<Entry>> {
        let snapshot = self.entries.lock().unwrap().clone();
        let of_kind = || snapshot.iter().filter(|e| e.kind == kind);
        let mut out: Vec<Arc<Entry>> = of_kind().filter(|e| e.filter.is_empty()).cloned().collect();
        out.extend(of_kind().filter(|e| e.filter == topic && !topic.is_empty()).cloned());
        if of_kind().any(|e| e.filter.ends_with('#')) {
            for parent in wildcard_parents(topic) {
                if parent != topic {
                    out.extend(of_kind().filter(|e| e.filter == parent).cloned());
                }
            }
        }
        out
    }

    /// Removes every registration (at client close); returns them.
    pub fn clear(&self) -> Vec<Arc<Entry>> {
        let mut entries = self.entries.lock().unwrap();
        let all = entries.as_ref().clone();
        for e in &all {
            e.active.store(false, Ordering::SeqCst);
        }
        *entries = Arc::new(Vec::new());
        all
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard_parents;

    #[test]
    fn wildcard_parents_match_python() {
        assert_eq!(wildcard_parents("/foo/bar"), ["/foo/#", "/#", "#"]);
        assert_eq!(wildcard_parents("/foo/bar/"), ["/foo/bar/#", "/foo/#", "/#", "#"]);
        assert_eq!(wildcard_parents("/foo/bar/baz"), ["/foo/bar/#", "/foo/#", "/#", "#"]);
        assert_eq!(wildcard_parents("/foo/bar/baz/").len(), 5);
        assert_eq!(wildcard_parents("/foo/bar/baz/")[0], "/foo/bar/baz/#");
        assert_eq!(wildcard_parents("/foo"), ["/#", "#"]);
        assert_eq!(wildcard_parents("/#"), ["#"]);
        assert!(wildcard_parents("#").is_empty());
        assert_eq!(wildcard_parents(""), ["#"]);
    }
}
