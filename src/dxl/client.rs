//! The DXL fabric client: connection lifecycle, subscriptions, events, requests and services.
//!
//! Threads (c-api.md "Threads"): one network thread runs the MQTT event loop, probes brokers,
//! backs off, re-subscribes on every connect and matches responses to requests; it never runs
//! user code. One dispatcher thread runs every callback, in arrival order, never while a library
//! lock is held. A synchronous request made inside a callback works, because its response is
//! matched on the network thread and the dispatcher's queue bound is lifted while it waits.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, QoS};
use tokio::sync::mpsc as tokio_mpsc;

use super::callbacks::{BatchHandler, CallbackId, CallbackKind, Entry, Handler, Handling, Registry};
use super::config::ClientConfig;
use super::dispatch_queue::{DispatchQueue, Work};
use super::error::{DxlError, Result};
use super::message::{Message, MessageKind};
use super::network::{self, Command, SubAckTracker};
use super::pending::{Joined, MemberId, PendingTable, ResponseObserver};
use super::services::{Service, ServiceInfo};
use super::stats::{Counters, Stats};

/// The prefix of every client's reply topic (§2.4).
pub const REPLY_TOPIC_PREFIX: &str = "/mcafee/client/";

/// How long `subscribe` waits for the broker's SUBACK.
const SUBACK_WAIT: Duration = Duration::from_secs(120);

/// Where the client's connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Disconnected,
    /// Looking for a broker (first connect or reconnect after a loss).
    Connecting,
    /// Connected and every subscription confirmed.
    Connected,
}

/// Called on the dispatcher thread whenever the connection state changes.
pub type StateListener = Arc<dyn Fn(ConnectionState) + Send + Sync>;

/// Called once, on the dispatcher thread, with the outcome of an asynchronous request.
pub type ResponseCallback = Box<dyn FnOnce(&Handle, Result<Message>) + Send>;

/// A shared request's key and, for the caller that sends it, its response observer.
type Share<'a> = (&'a str, Option<ResponseObserver>);

/// A request waiting for its response.
pub(crate) enum Pending {
    Sync(mpsc::SyncSender<Result<Message>>),
    Async {
        callback: ResponseCallback,
        deadline: Instant,
    },
}

impl Pending {
    /// The deadline the network thread enforces: an asynchronous waiter's (a synchronous
    /// caller waits with its own timeout).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self {
            Pending::Async { deadline, .. } => Some(*deadline),
            Pending::Sync(_) => None,
        }
    }
}

thread_local! {
    /// On a dispatcher thread, which client it dispatches for (the address of its `Inner`);
    /// 0 elsewhere. Per client: inside client A's callback, client B can be freed and B's
    /// callbacks removed with the usual wait, since B's dispatcher is another thread.
    static DISPATCHER_OF: Cell<usize> = const { Cell::new(0) };
    /// Set on network threads (of any client): user code runs there only through the log
    /// callback, and no client can be closed from there (the thread would join itself).
    pub(crate) static ON_NETWORK_THREAD: Cell<bool> = const { Cell::new(false) };
}

pub(crate) struct Inner {
    pub config: ClientConfig,
    /// The process that created the client. Its threads exist only there: in a child made by
    /// fork() every call fails with `Forked` and dropping releases memory only.
    pub owner_pid: u32,
    pub reply_topic: String,
    pub mqtt: AsyncClient,
    pub runtime: OnceLock<tokio::runtime::Handle>,
    pub commands: tokio_mpsc::UnboundedSender<Command>,
    pub state: Mutex<ConnectionState>,
    pub state_changed: Condvar,
    /// The failure of the last connect attempt cycle, for `connect` to report.
    pub connect_failure: Mutex<Option<DxlError>>,
    /// The failure of the last pass over the brokers, while a connect keeps trying.
    pub last_attempts: Mutex<Option<DxlError>>,
    /// Topics to be subscribed on every connect, in subscription order.
    pub subscriptions: Mutex<Vec<String>>,
    pub sub_acks: Mutex<SubAckTracker>,
    pub callbacks: Registry,
    pub pending: PendingTable,
    pub services: Mutex<Vec<Service>>,
    /// Signalled when the registry acknowledges a service registration.
    pub services_changed: Condvar,
    pub state_listeners: Mutex<Vec<(u64, StateListener)>>,
    pub queue: DispatchQueue,
    pub counters: Counters,
    /// The broker and transport of the current connection; None while not connected.
    pub connection: Mutex<Option<super::transport::Connection>>,
    /// The callback the dispatcher is running now, so a removal from another thread can wait.
    pub in_flight: Mutex<InFlight>,
    /// The number of the message being dispatched (see [`Handle::delivery_number`]).
    pub delivery_number: AtomicU64,
    pub in_flight_done: Condvar,
    /// Bumped at every change of the connection state (twice the count, plus 1 while
    /// connected): see [`Handle::session`].
    pub session: AtomicU64,
    /// Library code that sees events on the network thread ([`Handle::observe_events`]).
    pub event_observers: Mutex<Vec<(String, EventObserver)>>,
    /// Whether there are any: read for every message, so without a lock.
    pub has_event_observers: AtomicBool,
    /// The broker refused the subscription to an observed topic in this session.
    pub observed_refused: AtomicBool,
}

/// Library code that sees every event on a topic on the network thread, as it arrives: before
/// the dispatcher, whatever its queue does with the event (a full queue may drop it) and
/// whatever the user's callbacks do. It must not block; a panic in it is caught.
pub type EventObserver = Arc<dyn Fn(&Handle, &Message) + Send + Sync>;

/// What the dispatcher is running, and how many removals wait for it to return.
#[derive(Default)]
pub(crate) struct InFlight {
    pub running: Option<CallbackId>,
    /// Threads waiting in `remove_callback` or `unregister_service`: the dispatcher wakes them
    /// only when there are any (a wake-up is a system call, and this is on the path of every
    /// message).
    pub waiters: usize,
}

/// A cheap, cloneable view of a client, given to callbacks so they can publish, respond and
/// make requests. It does not keep the client open: once the client is closed, calls fail with
/// [`DxlError::Shutdown`].
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

/// A `close` that could not be done: the client comes back with the reason.
pub struct NotClosed<C> {
    pub client: C,
    pub error: DxlError,
}

impl<C> std::fmt::Debug for NotClosed<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NotClosed({:?})", self.error)
    }
}

impl<C> std::fmt::Display for NotClosed<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// A DXL client. Dropping it disconnects and stops its threads.
pub struct Client {
    handle: Handle,
    network: Option<JoinHandle<()>>,
    dispatcher: Option<JoinHandle<()>>,
}

impl Client {
    /// Creates a client and starts its threads; nothing is sent before [`Handle::connect`].
    pub fn new(config: ClientConfig) -> Result<Client> {
        config.validate().map_err(|e| DxlError::Config(e.to_string()))?;
        let mut options = rumqttc::MqttOptions::new(config.client_id.clone(), "localhost", 8883);
        options.set_request_channel_capacity(4096);
        let (mqtt, eventloop) = AsyncClient::new(options, 4096);
        let (commands, command_rx) = tokio_mpsc::unbounded_channel();
        let reply_topic = format!("{REPLY_TOPIC_PREFIX}{}", config.client_id);
        let inner = Arc::new(Inner {
            queue: DispatchQueue::new(config.incoming_queue_size, config.overflow_policy),
            subscriptions: Mutex::new(vec![reply_topic.clone()]),
            reply_topic,
            config,
            owner_pid: std::process::id(),
            mqtt,
            runtime: OnceLock::new(),
            commands,
            state: Mutex::new(ConnectionState::Disconnected),
            state_changed: Condvar::new(),
            connect_failure: Mutex::new(None),
            last_attempts: Mutex::new(None),
            sub_acks: Mutex::new(SubAckTracker::default()),
            callbacks: Registry::default(),
            pending: PendingTable::default(),
            services: Mutex::new(Vec::new()),
            services_changed: Condvar::new(),
            state_listeners: Mutex::new(Vec::new()),
            counters: Counters::default(),
            connection: Mutex::new(None),
            in_flight: Mutex::new(InFlight::default()),
            delivery_number: AtomicU64::new(0),
            in_flight_done: Condvar::new(),
            session: AtomicU64::new(0),
            event_observers: Mutex::new(Vec::new()),
            has_event_observers: AtomicBool::new(false),
            observed_refused: AtomicBool::new(false),
        });
        let net_inner = inner.clone();
        let network = super::threads::spawn("dxltie-network", move || network::run(net_inner, eventloop, command_rx))
            .map_err(|e| DxlError::Config(format!("cannot start the network thread: {e}")))?;
        let disp_inner = inner.clone();
        let dispatcher = super::threads::spawn("dxltie-dispatcher", move || {
            dispatcher_loop(Handle { inner: disp_inner })
        })
        .map_err(|e| DxlError::Config(format!("cannot start the dispatcher thread: {e}")))?;
        Ok(Client {
            handle: Handle { inner },
            network: Some(network),
            dispatcher: Some(dispatcher),
        })
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Disconnects and stops the threads. Inside one of this client's own callbacks it fails
    /// with `WouldDeadlock` and gives the client back, untouched: the dispatcher cannot wait
    /// for itself. In a forked child it releases the memory only (`Forked` is not an error
    /// here: there is nothing else to release).
    pub fn close(mut self) -> std::result::Result<(), NotClosed<Client>> {
        if let Err(error) = self.handle.may_close_here() {
            return Err(NotClosed { client: self, error });
        }
        self.shutdown();
        Ok(())
    }

    fn shutdown(&mut self) {
        let inner = &self.handle.inner;
        if inner.owner_pid != std::process::id() {
            // A forked child: the threads these handles name do not exist here, and the locks
            // they held at fork() are held for ever. Touch neither; joining would hang or fail.
            std::mem::forget(self.network.take());
            std::mem::forget(self.dispatcher.take());
            return;
        }
        let _ = inner.commands.send(Command::Shutdown);
        if let Some(t) = self.network.take() {
            let _ = t.join();
        }
        network::fail_all_pending(inner, DxlError::Shutdown);
        inner.queue.push_internal(Work::Stop);
        if let Some(t) = self.dispatcher.take() {
            if self.handle.on_own_dispatcher() {
                // Dropped inside its own callback: the dispatcher ends after this callback
                // returns.
                drop(t);
            } else {
                let _ = t.join();
            }
        }
        inner.callbacks.clear();
        // Cleared as the callbacks are: a dispatch in progress (a client dropped inside its own
        // callback) calls none of them after this.
        for service in inner.services.lock().unwrap().drain(..) {
            service.entry.active.store(false, Ordering::SeqCst);
        }
        inner.state_listeners.lock().unwrap().clear();
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::ops::Deref for Client {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        &self.handle
    }
}

impl Handle {
    /// Fails with `WouldDeadlock` where the client cannot be closed: on its own dispatcher
    /// (inside one of its callbacks: the dispatcher cannot wait for itself) and on a network
    /// thread (inside the log callback: the thread would join itself).
    pub fn may_close_here(&self) -> Result<()> {
        if self.on_own_dispatcher() {
            return Err(DxlError::WouldDeadlock(
                "a client cannot be closed from inside one of its callbacks".into(),
            ));
        }
        if ON_NETWORK_THREAD.with(Cell::get) {
            return Err(DxlError::WouldDeadlock(
                "a client cannot be closed on the library's network thread (from the log callback)".into(),
            ));
        }
        Ok(())
    }

    /// Whether the calling thread is this client's dispatcher (inside one of its callbacks).
    pub fn on_own_dispatcher(&self) -> bool {
        DISPATCHER_OF.with(Cell::get) == Arc::as_ptr(&self.inner) as usize
    }

    /// Fails with `Forked` in a child process made by fork(): the client's threads, and the
    /// connection, belong to the process that created it. Checked before any lock is taken (a
    /// lock held by a parent's thread at fork() is held for ever in the child).
    pub fn ensure_owner(&self) -> Result<()> {
        let pid = std::process::id();
        if pid == self.inner.owner_pid {
            Ok(())
        } else {
            Err(DxlError::Forked {
                owner: self.inner.owner_pid,
                current: pid,
            })
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    pub fn client_id(&self) -> &str {
        &self.inner.config.client_id
    }

    /// The topic responses to our requests arrive on: `/mcafee/client/<client id>`.
    pub fn reply_topic(&self) -> &str {
        &self.inner.reply_topic
    }

    /// The connection state; `Disconnected` in a forked child.
    pub fn state(&self) -> ConnectionState {
        if self.ensure_owner().is_err() {
            return ConnectionState::Disconnected;
        }
        *self.inner.state.lock().unwrap()
    }

    pub fn is_connected(&self) -> bool {
        self.state() == ConnectionState::Connected
    }

    /// Numbers the messages the dispatcher hands to callbacks, 1, 2, 3, …: every callback
    /// called for one message sees the same number, so a layer above can decode a message once
    /// however many of its callbacks receive it.
    pub fn delivery_number(&self) -> u64 {
        self.inner.delivery_number.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }

    /// The broker this client is connected to and the transport it uses; None while not
    /// connected.
    pub fn connection(&self) -> Option<super::transport::Connection> {
        self.inner.connection.lock().unwrap().clone()
    }

    /// The broker the client is connected to; `None` while it is not connected.
    pub fn current_broker(&self) -> Option<super::broker::Broker> {
        if self.ensure_owner().is_err() || !self.is_connected() {
            return None;
        }
        self.connection().map(|c| c.broker)
    }

    /// Connects to the closest broker that accepts us and waits until every subscription is
    /// confirmed. `connect_retries` of the configuration bounds the passes over the broker list
    /// (-1: until `timeout`). On failure the error names each broker tried and why it failed;
    /// nothing keeps trying in the background.
    pub fn connect(&self, timeout: Duration) -> Result<()> {
        self.ensure_owner()?;
        let inner = &self.inner;
        if inner.config.active_brokers().is_empty() {
            return Err(DxlError::Config("no brokers configured".into()));
        }
        // Fail fast on unusable certificates: retrying cannot fix them.
        super::tls::client_tls_config(&inner.config)?;
        // Only a connect that starts the connection cycle ends it when it gives up. One that
        // finds a cycle under way (a reconnect after a loss, or another thread's connect) only
        // waits for it: a watchdog calling connect with a short timeout must not stop the
        // library from reconnecting.
        let starts_cycle = self.state() == ConnectionState::Disconnected;
        *inner.connect_failure.lock().unwrap() = None;
        *inner.last_attempts.lock().unwrap() = None;
        if self.is_connected() {
            return Ok(());
        }
        inner.commands.send(Command::Connect).map_err(|_| DxlError::Shutdown)?;
        let deadline = Instant::now() + timeout;
        let mut state = inner.state.lock().unwrap();
        loop {
            if *state == ConnectionState::Connected {
                return Ok(());
            }
            if let Some(failure) = inner.connect_failure.lock().unwrap().take() {
                return Err(failure);
            }
            let now = Instant::now();
            if now >= deadline {
                drop(state);
                if starts_cycle {
                    let _ = inner.commands.send(Command::Disconnect);
                }
                return Err(network::connect_timed_out(inner, timeout));
            }
            state = inner.state_changed.wait_timeout(state, deadline - now).unwrap().0;
        }
    }

    /// Disconnects gracefully (services are unregistered, requests waiting fail with
    /// `ConnectionLost`, a `connect` waiting on another thread fails at once with `Connect`).
    /// Callbacks and subscriptions are kept for the next connect.
    pub fn disconnect(&self) -> Result<()> {
        self.ensure_owner()?;
        // A `connect` waiting on another thread ends now, with this reason, instead of waiting
        // out its timeout (its connect cycle is stopped by the command below).
        *self.inner.connect_failure.lock().unwrap() = Some(DxlError::Connect(
            "cancelled: disconnect was called while connecting".into(),
        ));
        self.inner.state_changed.notify_all();
        self.inner
            .commands
            .send(Command::Disconnect)
            .map_err(|_| DxlError::Shutdown)?;
        // Inside a callback, the network thread may be blocked on this dispatcher's full queue:
        // let it queue past the bound while this waits, as a request inside a callback does.
        let _guard = self.on_own_dispatcher().then(|| self.inner.queue.waiting_in_request());
        let mut state = self.inner.state.lock().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while *state != ConnectionState::Disconnected {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self.inner.state_changed.wait_timeout(state, deadline - now).unwrap().0;
        }
        Ok(())
    }

    /// Adds `topic` to the subscriptions; when connected, sends SUBSCRIBE and waits for the
    /// broker's SUBACK (at most SUBACK_WAIT; a lost connection ends the wait, and the topic is
    /// subscribed again at the next connect either way). Idempotent.
    pub fn subscribe(&self, topic: &str) -> Result<()> {
        self.ensure_owner()?;
        if topic.is_empty() {
            return Err(DxlError::InvalidArgument("empty topic".into()));
        }
        {
            let mut subs = self.inner.subscriptions.lock().unwrap();
            if subs.iter().any(|t| t == topic) {
                return Ok(());
            }
            subs.push(topic.to_owned());
        }
        if !self.is_connected() {
            return Ok(()); // recorded; subscribed at the next connect
        }
        let (tx, rx) = mpsc::sync_channel(1);
        network::send_subscribe(&self.inner, topic, Some(tx))?;
        // Inside a callback, let the network thread queue past the bound meanwhile: the SUBACK
        // is read by the same thread that would otherwise wait for this dispatcher.
        let _guard = self.on_own_dispatcher().then(|| self.inner.queue.waiting_in_request());
        // A lost connection drops the waiter; the topic is re-subscribed at the next connect.
        let _ = rx.recv_timeout(SUBACK_WAIT);
        Ok(())
    }

    /// Calls `observer` with every event on `topic` (exact topic, no wildcards) on the network
    /// thread as it arrives (see [`EventObserver`]), and keeps `topic` subscribed for as long as
    /// the client lives: an `unsubscribe` of it leaves it subscribed. For library code that
    /// must see every event of a topic, the user's callbacks and queue policies notwithstanding.
    pub fn observe_events(&self, topic: &str, observer: EventObserver) -> Result<()> {
        self.ensure_owner()?;
        self.inner
            .event_observers
            .lock()
            .unwrap()
            .push((topic.to_owned(), observer));
        self.inner.has_event_observers.store(true, Ordering::SeqCst);
        self.subscribe(topic)
    }

    /// Whether library code observes `topic` (see [`Handle::observe_events`]).
    pub(crate) fn observes(inner: &Inner, topic: &str) -> bool {
        inner.has_event_observers.load(Ordering::SeqCst)
            && inner.event_observers.lock().unwrap().iter().any(|(t, _)| t == topic)
    }

    /// Removes `topic` from the subscriptions and sends UNSUBSCRIBE when connected. Unknown
    /// topics are not an error; topics the library observes stay subscribed.
    pub fn unsubscribe(&self, topic: &str) -> Result<()> {
        self.ensure_owner()?;
        if Handle::observes(&self.inner, topic) {
            // The library itself needs the topic (an event observer): it stays subscribed.
            return Ok(());
        }
        let removed = {
            let mut subs = self.inner.subscriptions.lock().unwrap();
            let before = subs.len();
            subs.retain(|t| t != topic || t == &self.inner.reply_topic);
            subs.len() != before
        };
        if removed && self.is_connected() {
            self.inner
                .mqtt
                .try_unsubscribe(topic)
                .map_err(|_| DxlError::QueueFull)?;
        }
        Ok(())
    }

    /// The topics subscribed at every connect (the reply topic included).
    pub fn subscriptions(&self) -> Vec<String> {
        self.inner.subscriptions.lock().unwrap().clone()
    }

    /// Registers `handler` for messages of `kind` on `filter` ("" for every topic, a trailing
    /// `#` for a subtree). With `subscribe`, the filter is also subscribed.
    pub fn add_callback(
        &self,
        kind: CallbackKind,
        filter: &str,
        handler: Handler,
        subscribe: bool,
    ) -> Result<CallbackId> {
        self.add_handling(kind, filter, Handling::Each(handler), subscribe)
    }

    /// As [`Handle::add_callback`], for a handler that takes its messages in runs. While it is
    /// the only handler of a topic, each call gets the messages on that topic queued when the
    /// dispatcher got to them (up to 64 and about 256 KiB of payload), in arrival order: under a
    /// flood, one call for many messages; otherwise one call per message, as soon as it
    /// arrives. With other handlers on the topic it gets one message per call, in turn with
    /// them, exactly as a per-message handler would. A run is the handler's as it was taken: a
    /// handler added meanwhile gets the messages after it, a panic loses the rest of the run
    /// (the handler catches its own panics to keep them), and a removal from inside leaves the
    /// rest of the run to the handler to drop.
    pub fn add_batch_callback(
        &self,
        kind: CallbackKind,
        filter: &str,
        handler: BatchHandler,
        subscribe: bool,
    ) -> Result<CallbackId> {
        self.add_handling(kind, filter, Handling::Batch(handler), subscribe)
    }

    fn add_handling(
        &self,
        kind: CallbackKind,
        filter: &str,
        handling: Handling,
        subscribe: bool,
    ) -> Result<CallbackId> {
        let id = self.inner.callbacks.add(kind, filter, handling);
        if subscribe && !filter.is_empty() {
            if let Err(e) = self.subscribe(filter) {
                // Removed as `remove_callback` does, waiting for a call the dispatcher may
                // already have started: the caller, told of the failure, may free what the
                // callback uses as soon as this returns.
                let _ = self.remove_callback(id, false);
                return Err(e);
            }
        }
        Ok(id)
    }

    /// Removes a registration. With `unsubscribe_if_last`, its topic is unsubscribed when no
    /// other callback uses it. From another thread this waits until a running call of that
    /// callback has returned; from inside a callback it returns at once. Either way the callback
    /// is not called again after this returns.
    pub fn remove_callback(&self, id: CallbackId, unsubscribe_if_last: bool) -> Result<()> {
        self.ensure_owner()?;
        let entry = self
            .inner
            .callbacks
            .remove(id)
            .ok_or_else(|| DxlError::NotFound(format!("callback {id}")))?;
        self.wait_until_returned(id);
        // The topic stays subscribed while another callback or a service uses it.
        if unsubscribe_if_last && !entry.filter.is_empty() {
            self.unsubscribe_unused(std::slice::from_ref(&entry.filter))?;
        }
        Ok(())
    }

    /// Waits until a running call of the registration `id`, whose `active` flag was just
    /// cleared, has returned; at once on the client's own dispatcher (the call is up the stack).
    fn wait_until_returned(&self, id: CallbackId) {
        if self.on_own_dispatcher() {
            return;
        }
        let mut in_flight = self.inner.in_flight.lock().unwrap();
        while in_flight.running == Some(id) {
            in_flight.waiters += 1;
            in_flight = self.inner.in_flight_done.wait(in_flight).unwrap();
            in_flight.waiters -= 1;
        }
    }

    /// Observes connection state changes (on the dispatcher thread). Returns an id for
    /// [`Handle::remove_state_listener`].
    pub fn add_state_listener(&self, listener: StateListener) -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        self.inner.state_listeners.lock().unwrap().push((id, listener));
        id
    }

    pub fn remove_state_listener(&self, id: u64) -> bool {
        let mut l = self.inner.state_listeners.lock().unwrap();
        let before = l.len();
        l.retain(|(i, _)| *i != id);
        l.len() != before
    }

    fn publish(&self, message: &Message) -> Result<()> {
        self.ensure_owner()?;
        if message.destination_topic.is_empty() {
            return Err(DxlError::InvalidArgument("empty topic".into()));
        }
        if !self.is_connected() {
            return Err(DxlError::NotConnected);
        }
        let bytes = super::codec::encode(message);
        // rumqttc ends the connection on a packet over its outgoing limit: refuse it here, so
        // one oversized message costs its sender an error, not everyone the connection. The
        // packet is the payload, the topic and its 2-byte length, and a fixed header of at most
        // 5 bytes (QoS 0: no packet id).
        let packet = bytes.len() + message.destination_topic.len() + 2 + 5;
        if packet > network::MAX_MESSAGE {
            return Err(DxlError::InvalidArgument(format!(
                "a message of {packet} bytes (as an MQTT packet) is over the {}-byte limit of a DXL message",
                network::MAX_MESSAGE
            )));
        }
        match self
            .inner
            .mqtt
            .try_publish(&message.destination_topic, QoS::AtMostOnce, false, bytes)
        {
            Ok(()) => Ok(()),
            Err(rumqttc::ClientError::TryRequest(request)) => {
                // The request channel is full: wait for room (publishers feel back-pressure),
                // but only while connected. After a disconnect nothing takes from the channel
                // until the next connect: a caller waiting on would hang, and hold
                // `dxltie_client_free` (which waits for the calls in progress) with it.
                let rumqttc::Request::Publish(p) = request else {
                    return Err(DxlError::QueueFull);
                };
                let rt = self.inner.runtime.get().ok_or(DxlError::NotConnected)?;
                let publish = self
                    .inner
                    .mqtt
                    .publish_bytes(p.topic, QoS::AtMostOnce, false, p.payload);
                rt.block_on(async {
                    tokio::pin!(publish);
                    loop {
                        tokio::select! {
                            sent = &mut publish => return sent.map_err(|_| DxlError::Shutdown),
                            _ = tokio::time::sleep(ROOM_WAIT_CHECK) => {
                                if !self.is_connected() {
                                    return Err(DxlError::NotConnected);
                                }
                            }
                        }
                    }
                })
            }
            Err(_) => Err(DxlError::Shutdown),
        }
    }

    /// Sends an event (QoS 0, no retain, as the DXL broker requires).
    pub fn send_event(&self, event: &Message) -> Result<()> {
        if !matches!(event.kind, MessageKind::Event) {
            return Err(DxlError::InvalidArgument("send_event needs an Event".into()));
        }
        self.publish(event)
    }

    /// Sends a Response or ErrorResponse built with [`Message::response_to`] or
    /// [`Message::error_response_to`].
    pub fn send_response(&self, response: &Message) -> Result<()> {
        if response.request_message_id().is_none() {
            return Err(DxlError::InvalidArgument(
                "send_response needs a Response or ErrorResponse".into(),
            ));
        }
        self.publish(response)
    }

    fn prepare_request(&self, request: &mut Message) -> Result<()> {
        match &mut request.kind {
            MessageKind::Request { reply_to_topic, .. } => {
                *reply_to_topic = self.inner.reply_topic.clone();
                Ok(())
            }
            _ => Err(DxlError::InvalidArgument("a request must be a Request message".into())),
        }
    }

    /// Sends `request` and waits up to `timeout` for its response. An ErrorResponse comes back
    /// as [`DxlError::Service`]. Works inside a callback: the response is matched on the network
    /// thread, not behind the dispatcher.
    pub fn sync_request(&self, request: Message, timeout: Duration) -> Result<Message> {
        self.sync_request_with(request, None, timeout).and_then(service_result)
    }

    /// [`Handle::sync_request`], but an ErrorResponse comes back as the message it is (as
    /// Python's `sync_request` returns it), with every field the wire carried.
    pub fn sync_request_raw(&self, request: Message, timeout: Duration) -> Result<Message> {
        self.sync_request_with(request, None, timeout)
    }

    /// As [`Handle::sync_request`], but shared: while a request made with the same `share_key`
    /// waits for its response, this call waits for that response instead of sending its own
    /// message (still at most `timeout`). The caller vouches that requests with one key ask the
    /// same thing. `observer` sees the response first, if this call sends the request (see
    /// [`ResponseObserver`]).
    pub fn sync_request_shared(
        &self,
        request: Message,
        share_key: &str,
        timeout: Duration,
        observer: Option<ResponseObserver>,
    ) -> Result<Message> {
        self.sync_request_with(request, Some((share_key, observer)), timeout)
            .and_then(service_result)
    }

    /// The request as it is answered: an ErrorResponse is the message it is.
    fn sync_request_with(&self, mut request: Message, share: Option<Share<'_>>, timeout: Duration) -> Result<Message> {
        self.prepare_request(&mut request)?;
        let (tx, rx) = mpsc::sync_channel(1);
        // Registered before publishing: the response may arrive at once.
        let deadline = Instant::now().checked_add(timeout).unwrap_or_else(far_future);
        let (id, member) = self.register_and_send(&request, share, Pending::Sync(tx), deadline)?;
        let _guard = self.on_own_dispatcher().then(|| self.inner.queue.waiting_in_request());
        match rx.recv_timeout(timeout) {
            Ok(result) => result,
            Err(_) => {
                self.inner.pending.remove_member(&id, member);
                Err(DxlError::Timeout(format!(
                    "Timeout waiting for response to message: {id}"
                )))
            }
        }
    }

    /// Sends `request`; `callback` runs exactly once on the dispatcher thread with the response,
    /// the service error, a timeout after `timeout`, or a shutdown. Returns the message id.
    pub fn async_request(&self, request: Message, timeout: Duration, callback: ResponseCallback) -> Result<String> {
        self.async_request_with(
            request,
            None,
            timeout,
            Box::new(move |h, result| callback(h, result.and_then(service_result))),
        )
    }

    /// [`Handle::async_request`], but an ErrorResponse reaches the callback as `Ok`, the message
    /// it is.
    pub fn async_request_raw(&self, request: Message, timeout: Duration, callback: ResponseCallback) -> Result<String> {
        self.async_request_with(request, None, timeout, callback)
    }

    /// As [`Handle::async_request`], shared as [`Handle::sync_request_shared`] is; the callback
    /// still fires by `timeout`. Returns the id of the message whose response it waits for.
    pub fn async_request_shared(
        &self,
        request: Message,
        share_key: &str,
        timeout: Duration,
        observer: Option<ResponseObserver>,
        callback: ResponseCallback,
    ) -> Result<String> {
        self.async_request_with(
            request,
            Some((share_key, observer)),
            timeout,
            Box::new(move |h, result| callback(h, result.and_then(service_result))),
        )
    }

    /// The request as it is answered: an ErrorResponse reaches the callback as the message.
    fn async_request_with(
        &self,
        mut request: Message,
        share: Option<Share<'_>>,
        timeout: Duration,
        callback: ResponseCallback,
    ) -> Result<String> {
        self.prepare_request(&mut request)?;
        let deadline = Instant::now() + timeout;
        self.register_and_send(&request, share, Pending::Async { callback, deadline }, deadline)
            .map(|(id, _)| id)
    }

    /// Registers the caller as waiting for `request`'s response, then sends it, unless it joined
    /// a shared request already in flight. Gives the id of the message it waits for.
    fn register_and_send(
        &self,
        request: &Message,
        share: Option<Share<'_>>,
        pending: Pending,
        deadline: Instant,
    ) -> Result<(String, MemberId)> {
        let own = request.message_id.clone();
        let is_async = matches!(pending, Pending::Async { .. });
        let shared = share.is_some();
        let member = match share {
            None => self.inner.pending.insert(own.clone(), pending),
            Some((key, observer)) => match self.inner.pending.join_or_start(key, &own, pending, deadline, observer) {
                Joined::Existing { id, member } => {
                    Counters::bump(&self.inner.counters.shared_requests);
                    if is_async {
                        // Nothing is published, which would wake the network thread: tell it
                        // that a deadline now needs its timer.
                        let _ = self.inner.commands.send(Command::Wake);
                    }
                    return Ok((id, member));
                }
                Joined::Started { member } => member,
            },
        };
        if let Err(e) = self.publish(request) {
            // Either the caller's entry is still there to take back, and the caller learns of
            // the failure here and only here, or the network thread already failed it (a
            // disconnect racing this call) and its callback or channel has the failure: then
            // this call succeeded as far as the caller can tell, and the failure is reported
            // there, exactly once. Callers that joined meanwhile get the error too.
            let mine = self.inner.pending.remove_member(&own, member);
            if shared {
                for other in self.inner.pending.remove(&own) {
                    network::complete(&self.inner, other, Err(e.clone()));
                }
            }
            if mine.is_some() {
                return Err(e);
            }
        }
        Ok((own, member))
    }

    /// Runs `job` on the dispatcher thread, after the messages and callbacks already queued
    /// (for an answer that is ready at once but must reach its callback where callbacks run).
    pub fn run_on_dispatcher(&self, job: Box<dyn FnOnce(&Handle) + Send>) {
        self.inner.queue.push_internal(Work::Run(job));
    }

    /// Registers a service: subscribes its topics, routes their requests to `handler`, and
    /// registers it with the broker's registry now (when connected), at every connect and every
    /// TTL.
    pub fn register_service(&self, info: ServiceInfo, handler: Handler) -> Result<()> {
        self.ensure_owner()?;
        let entry = Entry::new(CallbackKind::Request, "", Handling::Each(handler));
        let topics = info.topics.clone();
        {
            // The id is taken, under one lock with the check, before anything is subscribed:
            // the same id registered on another thread meanwhile then fails here, with nothing
            // to undo. The registry hears of it only once its topics are subscribed.
            let mut services = self.inner.services.lock().unwrap();
            if services.iter().any(|s| s.info.service_id == info.service_id) {
                return Err(DxlError::InvalidArgument(format!(
                    "service {} already registered",
                    info.service_id
                )));
            }
            services.push(Service {
                info,
                entry: entry.clone(),
                next_registration: None,
                confirmed: false,
            });
        }
        let subscribed = topics.iter().try_for_each(|t| self.subscribe(t));
        let mut services = self.inner.services.lock().unwrap();
        // Found by its entry: an unregistration on another thread may have removed it already.
        let pos = services.iter().position(|s| Arc::ptr_eq(&s.entry, &entry));
        if let Err(e) = subscribed {
            if let Some(pos) = pos {
                services.remove(pos).entry.active.store(false, Ordering::SeqCst);
            }
            drop(services);
            self.wait_until_returned(entry.id);
            let _ = self.unsubscribe_unused(&topics);
            return Err(e);
        }
        if let Some(pos) = pos {
            services[pos].next_registration = Some(Instant::now());
        }
        drop(services);
        let _ = self.inner.commands.send(Command::Wake);
        Ok(())
    }

    /// Unsubscribes those of `topics` that no service and no callback uses.
    fn unsubscribe_unused(&self, topics: &[String]) -> Result<()> {
        for topic in topics {
            let still_used = self
                .inner
                .services
                .lock()
                .unwrap()
                .iter()
                .any(|s| s.info.topics.contains(topic));
            if !still_used && !self.inner.callbacks.has_filter(topic) {
                self.unsubscribe(topic)?;
            }
        }
        Ok(())
    }

    /// Waits until the registry has acknowledged a registration of the service (Python's
    /// `register_service_sync`). A plain MQTT broker has no registry: this then times out.
    pub fn wait_service_registered(&self, service_id: &str, timeout: Duration) -> Result<()> {
        self.ensure_owner()?;
        if self.on_own_dispatcher() {
            // The acknowledgement is handled on the dispatcher (it is an asynchronous request's
            // callback), which would be this very thread, waiting.
            return Err(DxlError::WouldDeadlock(
                "a service registration cannot be waited for inside one of the client's callbacks".into(),
            ));
        }
        let deadline = Instant::now() + timeout;
        let mut services = self.inner.services.lock().unwrap();
        loop {
            match services.iter().find(|s| s.info.service_id == service_id) {
                None => return Err(DxlError::NotFound(format!("service {service_id}"))),
                Some(s) if s.confirmed => return Ok(()),
                Some(_) => {}
            }
            // Disconnected (a disconnect, or the client being freed): no acknowledgement can
            // come. `set_state` wakes this wait when the state changes.
            if *self.inner.state.lock().unwrap() == ConnectionState::Disconnected {
                return Err(DxlError::NotConnected);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(DxlError::Timeout(format!(
                    "Timeout waiting for service {service_id} to be registered"
                )));
            }
            services = self
                .inner
                .services_changed
                .wait_timeout(services, deadline - now)
                .unwrap()
                .0;
        }
    }

    /// Unregisters a service: tells the registry (when connected), unsubscribes the topics no
    /// other service uses and stops routing requests to it. As [`Handle::remove_callback`], from
    /// another thread this waits until a running call of its handler has returned, and the
    /// handler is not called again after this returns.
    pub fn unregister_service(&self, service_id: &str) -> Result<()> {
        self.unregister_service_wait(service_id, None)
    }

    /// [`Handle::unregister_service`]; with `wait`, waits up to that long for the registry's
    /// acknowledgement when connected (Python's `unregister_service_sync`), failing with
    /// `Timeout` (the service is unregistered locally all the same).
    pub fn unregister_service_wait(&self, service_id: &str, wait: Option<Duration>) -> Result<()> {
        self.ensure_owner()?;
        let service = {
            let mut services = self.inner.services.lock().unwrap();
            let pos = services
                .iter()
                .position(|s| s.info.service_id == service_id)
                .ok_or_else(|| DxlError::NotFound(format!("service {service_id}")))?;
            services.remove(pos)
        };
        // As `remove_callback`: not called again once this returns, and a running call is
        // waited for (below), so the caller may free what the handler uses.
        service.entry.active.store(false, Ordering::SeqCst);
        // The registry is told first, so that a running handler, however slow, does not delay
        // it past a registration of the same id made meanwhile on another thread.
        let mut acknowledged = Ok(());
        if self.is_connected() {
            match wait {
                Some(timeout) => {
                    acknowledged = self
                        .sync_request(service.info.unregister_request(), timeout)
                        .map(|_| ());
                }
                None => {
                    let _ = self.async_request(
                        service.info.unregister_request(),
                        Duration::from_secs(60),
                        Box::new(|_, _| {}),
                    );
                }
            }
        }
        self.wait_until_returned(service.entry.id);
        self.unsubscribe_unused(&service.info.topics)?;
        acknowledged
    }

    /// The current connected session: a number that stays the same from a connect until the
    /// connection is lost or closed and is never seen again after that, or None while not
    /// connected. Whatever was learned from the fabric's events in one session (a cache kept
    /// true by them) cannot be trusted in the next: events sent in between were missed.
    ///
    /// None also while the broker refuses the subscription to a topic the library observes
    /// ([`Handle::observe_events`]): its events will not come.
    pub fn session(&self) -> Option<u64> {
        let s = self.inner.session.load(Ordering::SeqCst);
        if self.inner.observed_refused.load(Ordering::SeqCst) {
            return None;
        }
        (s & 1 == 1).then_some(s >> 1)
    }

    /// Messages waiting for the dispatcher.
    pub fn queued(&self) -> usize {
        self.inner.queue.len()
    }
}

/// An answer as a request's caller sees it: a Response is the result, an ErrorResponse the
/// error [`DxlError::Service`] with the fabric's code (whatever sign it was sent with).
/// A deadline for a timeout too long to add to now: a year, which no request waits.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(365 * 24 * 3600)
}

pub(crate) fn service_result(message: Message) -> Result<Message> {
    match &message.kind {
        MessageKind::ErrorResponse {
            error_code,
            error_message,
            ..
        } => Err(DxlError::Service {
            code: *error_code as u32,
            raw_code: *error_code,
            message: error_message.clone(),
        }),
        _ => Ok(message),
    }
}

/// How often a publisher waiting for room in the full request channel checks that the client is
/// still connected (see `Handle::publish`).
const ROOM_WAIT_CHECK: Duration = Duration::from_millis(10);

/// The most messages, and about the most payload bytes, one dispatch run takes from the queue
/// for a batch handler. Larger runs were slower for the Python binding (32–64 gave about
/// 139 000 events/s, 256 gave 115 000, 16 gave 125 000: a batch's text and objects then outgrow
/// the caches, and its buffers the allocator's heap).
const RUN_MAX_MESSAGES: usize = 64;
const RUN_MAX_BYTES: usize = 256 * 1024;

/// The dispatcher thread: runs callbacks one at a time, in arrival order.
///
/// A message whose one and only handler is a batch handler is dispatched with the messages on
/// the same topic queued right behind it (a run), in one call. Any other message is dispatched
/// alone, each of its handlers called in registration order (a batch handler with a run of
/// one): with several handlers on a topic, or a topic change, every handler sees the messages
/// in the order, and interleaved with the others, as one at a time.
fn dispatcher_loop(handle: Handle) {
    DISPATCHER_OF.with(|f| f.set(Arc::as_ptr(&handle.inner) as usize));
    let inner = handle.inner.clone();
    loop {
        match inner.queue.pop() {
            Work::Stop => break,
            Work::Run(job) => {
                if catch_unwind(AssertUnwindSafe(|| job(&handle))).is_err() {
                    Counters::bump(&inner.counters.callback_panics);
                    log::error!("a callback panicked; the dispatcher goes on");
                }
            }
            Work::Message(message) => {
                let kind = CallbackKind::of(message.message_type());
                let entries = inner.callbacks.matching(kind, &message.destination_topic);
                match entries.as_slice() {
                    [only] if matches!(only.handling, Handling::Batch(_)) && kind != CallbackKind::Request => {
                        dispatch_run(&handle, only, message);
                    }
                    _ => {
                        inner.delivery_number.fetch_add(1, Ordering::Relaxed);
                        dispatch_message(&handle, &message, kind, &entries);
                        Counters::bump(&inner.counters.delivered);
                    }
                }
            }
        }
    }
}

/// Delivers `first` and the messages queued behind it on the same topic to the batch handler
/// that is its only handler, in one call.
fn dispatch_run(handle: &Handle, entry: &Arc<Entry>, first: Box<Message>) {
    let inner = &handle.inner;
    let mut run = vec![first];
    let topic = run[0].destination_topic.clone();
    let kind = CallbackKind::of(run[0].message_type());
    inner.queue.pop_run(&mut run, RUN_MAX_MESSAGES, RUN_MAX_BYTES, |m| {
        m.destination_topic == topic && CallbackKind::of(m.message_type()) == kind
    });
    inner.delivery_number.fetch_add(run.len() as u64, Ordering::Relaxed);
    if let Handling::Batch(handler) = &entry.handling {
        let messages: Vec<&Message> = run.iter().map(|m| &**m).collect();
        if call_entry(inner, entry, || handler(handle, &messages)).is_err() {
            log::error!("batch callback {} on {topic} panicked", entry.id);
        }
    }
    Counters::add(&inner.counters.delivered, run.len() as u64);
}

/// Calls a registration's handler unless it was removed, as one call a remover waits for;
/// `Err` when the handler panicked (counted).
fn call_entry(inner: &Inner, entry: &Entry, call: impl FnOnce()) -> std::result::Result<(), ()> {
    {
        // Checked under the lock a remover takes after clearing `active`: either the remover
        // then sees this call running and waits for it, or this sees the callback removed.
        // (Checked before taking the lock, a removal in between returned while the callback
        // was about to be called.)
        let mut in_flight = inner.in_flight.lock().unwrap();
        if !entry.active.load(Ordering::SeqCst) {
            return Ok(());
        }
        in_flight.running = Some(entry.id);
    }
    let outcome = catch_unwind(AssertUnwindSafe(call));
    {
        let mut in_flight = inner.in_flight.lock().unwrap();
        in_flight.running = None;
        if in_flight.waiters > 0 {
            inner.in_flight_done.notify_all();
        }
    }
    outcome.map_err(|_| Counters::bump(&inner.counters.callback_panics))
}

/// Calls the handlers of `message` one after the other (a batch handler with a run of one).
fn dispatch_message(handle: &Handle, message: &Message, kind: CallbackKind, entries: &[Arc<Entry>]) {
    let inner = &handle.inner;
    for entry in entries {
        let outcome = match &entry.handling {
            Handling::Each(handler) => call_entry(inner, entry, || handler(handle, message)),
            Handling::Batch(handler) => call_entry(inner, entry, || handler(handle, &[message])),
        };
        if outcome.is_err() {
            log::error!(
                "callback {} on {} panicked; skipping the rest for this message",
                entry.id,
                message.destination_topic
            );
            return; // Python skips the remaining callbacks of a message whose callback raised
        }
    }
    if kind == CallbackKind::Request {
        dispatch_to_services(handle, message);
    }
}

/// Routes a request to the local services that serve its topic (§3.5).
fn dispatch_to_services(handle: &Handle, request: &Message) {
    let targets: Vec<(String, Arc<Entry>)> = handle
        .inner
        .services
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.info.serves(&request.destination_topic))
        .map(|s| (s.info.service_id.clone(), s.entry.clone()))
        .collect();
    if targets.is_empty() {
        return;
    }
    let wanted = request.service_id();
    let chosen: Vec<&Arc<Entry>> = targets
        .iter()
        .filter(|(id, _)| wanted.is_empty() || id == wanted)
        .map(|(_, e)| e)
        .collect();
    if chosen.is_empty() {
        // A request for a service instance we do not host: say so, which also makes a DXL
        // broker drop that stale registration.
        let reply = Message::error_response_to(request, 0x8000_0001, "unable to locate service for request");
        if let Err(e) = handle.send_response(&reply) {
            log::warn!("cannot answer a request for unknown service {wanted}: {e}");
        }
        return;
    }
    for entry in chosen {
        // Through `call_entry`, like a callback: a service unregistered since the snapshot
        // above is skipped, and its unregistration waits for a call that has begun.
        if let Handling::Each(handler) = &entry.handling {
            if call_entry(&handle.inner, entry, || handler(handle, request)).is_err() {
                log::error!("service handler on {} panicked", request.destination_topic);
            }
        }
    }
}
