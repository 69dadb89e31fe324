//! The bounded queue between the network thread and the dispatcher thread.
//!
//! The network thread never runs user code: it decodes, matches responses, and pushes the rest
//! here. When the queue is full the overflow policy decides: `Block` stops the network thread
//! (back-pressure, nothing lost, as the Python client does) and `DropOldest` drops the oldest
//! message and counts it. A dispatcher that waits in a synchronous request lets the queue grow
//! past its bound rather than deadlock: the response it waits for is read by the same network
//! thread that would otherwise be blocked behind it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use super::client::Handle;
use super::config::OverflowPolicy;
use super::message::Message;

/// What the dispatcher runs.
pub(crate) enum Work {
    /// A received message for the registered callbacks (boxed: a `Message` is hundreds of bytes,
    /// and every queue slot would otherwise be that large).
    Message(Box<Message>),
    /// Internal work that may call user code (an async response callback, a state listener).
    Run(Box<dyn FnOnce(&Handle) + Send>),
    /// Stop the dispatcher.
    Stop,
}

/// The queue's contents and who sleeps on it. Waking a thread is a system call even when nobody
/// waits, and it used to happen on every push and every pop (a measurable share of the event
/// rate, see BENCHMARKS.md); the counts let push and pop wake a thread only when one sleeps.
struct Items {
    queue: VecDeque<Work>,
    /// Dispatchers waiting in `pop` for work.
    poppers_waiting: usize,
    /// Network threads waiting in `push` for room (block policy).
    pushers_waiting: usize,
}

pub(crate) struct DispatchQueue {
    items: Mutex<Items>,
    not_empty: Condvar,
    not_full: Condvar,
    capacity: usize,
    policy: OverflowPolicy,
    /// Dispatcher threads currently blocked in a synchronous request.
    waiting_in_request: AtomicUsize,
}

/// What a push did.
pub(crate) enum Pushed {
    Queued,
    /// The queue was full and the oldest message was dropped to make room.
    DroppedOldest,
}

impl DispatchQueue {
    pub fn new(capacity: usize, policy: OverflowPolicy) -> Self {
        DispatchQueue {
            items: Mutex::new(Items {
                queue: VecDeque::with_capacity(capacity.min(4096)),
                poppers_waiting: 0,
                pushers_waiting: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity: capacity.max(1),
            policy,
            waiting_in_request: AtomicUsize::new(0),
        }
    }

    /// Queues a message according to the overflow policy.
    pub fn push(&self, work: Work) -> Pushed {
        let mut items = self.items.lock().unwrap();
        let mut outcome = Pushed::Queued;
        while items.queue.len() >= self.capacity && self.waiting_in_request.load(Ordering::SeqCst) == 0 {
            match self.policy {
                OverflowPolicy::Block => {
                    items.pushers_waiting += 1;
                    items = self.not_full.wait(items).unwrap();
                    items.pushers_waiting -= 1;
                }
                OverflowPolicy::DropOldest => {
                    // Only messages are dropped; internal work (a response callback that must
                    // fire exactly once) is kept.
                    match items.queue.iter().position(|w| matches!(w, Work::Message(_))) {
                        Some(i) => {
                            items.queue.remove(i);
                            outcome = Pushed::DroppedOldest;
                        }
                        None => break,
                    }
                }
            }
        }
        items.queue.push_back(work);
        if items.poppers_waiting > 0 {
            self.not_empty.notify_one();
        }
        outcome
    }

    /// Queues internal work past the bound: it is small and must never be lost or wait.
    pub fn push_internal(&self, work: Work) {
        let mut items = self.items.lock().unwrap();
        items.queue.push_back(work);
        if items.poppers_waiting > 0 {
            self.not_empty.notify_one();
        }
    }

    pub fn pop(&self) -> Work {
        let mut items = self.items.lock().unwrap();
        loop {
            if let Some(w) = items.queue.pop_front() {
                // A blocked network thread is woken once half the queue is free, not at every
                // pop: it then reads a run of messages instead of one per wake-up.
                if items.pushers_waiting > 0 && items.queue.len() <= self.capacity / 2 {
                    self.not_full.notify_one();
                }
                return w;
            }
            items.poppers_waiting += 1;
            items = self.not_empty.wait(items).unwrap();
            items.poppers_waiting -= 1;
        }
    }

    /// Moves the messages queued right behind one just popped into `run`, oldest first, while
    /// `belongs` accepts them: up to `max` messages in the run, and no more once their payloads
    /// reach `max_bytes`. It stops at internal work and at the first message `belongs` refuses,
    /// which keep their place in the order; it never waits. Messages in a run are no longer in
    /// the queue: under `DropOldest`, up to `max` messages beyond the capacity are held, and
    /// they are delivered rather than dropped.
    // The boxes are the queue's own (see `Work::Message`): moved as they are, not unboxed.
    #[allow(clippy::vec_box)]
    pub fn pop_run(
        &self,
        run: &mut Vec<Box<Message>>,
        max: usize,
        max_bytes: usize,
        belongs: impl Fn(&Message) -> bool,
    ) {
        let mut items = self.items.lock().unwrap();
        let mut bytes: usize = run.iter().map(|m| m.payload.len()).sum();
        while run.len() < max
            && bytes < max_bytes
            && matches!(items.queue.front(), Some(Work::Message(m)) if belongs(m))
        {
            if let Some(Work::Message(message)) = items.queue.pop_front() {
                bytes += message.payload.len();
                run.push(message);
            }
        }
        if items.pushers_waiting > 0 && items.queue.len() <= self.capacity / 2 {
            self.not_full.notify_one();
        }
    }

    pub fn len(&self) -> usize {
        self.items.lock().unwrap().queue.len()
    }

    /// Marks the calling dispatcher as blocked in a synchronous request until the guard drops.
    pub fn waiting_in_request(&self) -> RequestWaitGuard<'_> {
        self.waiting_in_request.fetch_add(1, Ordering::SeqCst);
        let _lock = self.items.lock().unwrap();
        self.not_full.notify_all();
        RequestWaitGuard { queue: self }
    }
}

pub(crate) struct RequestWaitGuard<'a> {
    queue: &'a DispatchQueue,
}

impl Drop for RequestWaitGuard<'_> {
    fn drop(&mut self) {
        self.queue.waiting_in_request.fetch_sub(1, Ordering::SeqCst);
    }
}
