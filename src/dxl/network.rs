//! The network thread: broker choice, connect with back-off, the MQTT event loop,
//! re-subscription on every connect, response matching, request expiry and service
//! re-registration. It never runs user code: everything for callbacks goes to the dispatcher.

use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::{ConnectReturnCode, Event, EventLoop, MqttOptions, NetworkOptions, Outgoing, Packet, QoS};
use tokio::sync::mpsc::UnboundedReceiver;

use super::backoff::Backoff;
use super::client::{ConnectionState, EventObserver, Handle, Inner, Pending};
use super::codec::decode;
use super::dispatch_queue::{Pushed, Work};
use super::error::DxlError;
use super::message::{Message, MessageKind};
use super::probe::{configured_candidates, ordered_candidates, Candidate};
use super::services::{REGISTER_RETRY, REGISTER_TIMEOUT};
use super::stats::Counters;
use super::transport::{self, Connection, TransportKind};

/// Largest DXL message sent or delivered: DXL payloads go up to 1 MiB (the OpenDXL broker drops
/// anything larger) plus envelope and topic. A larger incoming message is counted and skipped.
pub(crate) const MAX_MESSAGE: usize = 2 * 1024 * 1024;
/// Largest MQTT packet read from the broker: the protocol's own limit (a remaining length of
/// four bytes, plus the fixed header). rumqttc ends the connection at a packet over its limit,
/// so any lower limit lets one oversized message cut the client off, and a retained one, sent
/// again at every re-subscription, keeps it off for good. Such a message is read once, then
/// counted and dropped in `handle_event`; its memory is released at once.
const MAX_INCOMING_PACKET: usize = 268_435_455 + 5;
/// A session that stayed up this long resets the back-off; one that ends sooner (a broker that
/// accepts and then drops us, a message that kills the connection) does not, so no fault makes a
/// client reconnect faster than the back-off schedule.
const STABLE_SESSION: Duration = Duration::from_secs(30);
/// How long one connection attempt (TCP, TLS, CONNACK) may take, as the Python client's
/// CONNACK wait.
const CONNECT_ATTEMPT_TIMEOUT_S: u64 = 10;

std::thread_local! {
    /// Set by `complete` when it hands a synchronous caller its answer (on the network thread):
    /// the start of a busy poll (`ClientConfig::busy_poll`).
    static SYNC_ANSWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Instructions from the API threads.
pub(crate) enum Command {
    Connect,
    Disconnect,
    /// Something changed that housekeeping should look at now (a new service).
    Wake,
    Shutdown,
}

/// Who waits for which SUBACK. SUBSCRIBE requests are sent in order and rumqttc reports their
/// packet ids in the same order, so waiters queue up until their packet id is known.
#[derive(Default)]
pub(crate) struct SubAckTracker {
    /// The topic of each SUBSCRIBE and who waits for its SUBACK, in sending order.
    unsent: VecDeque<(String, SubWaiter)>,
    by_packet_id: HashMap<u16, (String, SubWaiter)>,
    /// SUBACKs still expected for the re-subscription that completes a connect.
    initial_outstanding: usize,
}

pub(crate) enum SubWaiter {
    /// Part of the re-subscription after a connect.
    Initial,
    /// An API caller waiting in `subscribe`.
    Caller(SyncSender<()>),
    Nobody,
}

/// Sends one SUBSCRIBE and queues its waiter under the same lock, keeping both in one order.
pub(crate) fn send_subscribe(inner: &Inner, topic: &str, waiter: Option<SyncSender<()>>) -> Result<(), DxlError> {
    let mut acks = inner.sub_acks.lock().unwrap();
    inner
        .mqtt
        .try_subscribe(topic, QoS::AtMostOnce)
        .map_err(|_| DxlError::QueueFull)?;
    acks.unsent
        .push_back((topic.to_owned(), waiter.map_or(SubWaiter::Nobody, SubWaiter::Caller)));
    Ok(())
}

/// Fails every waiting request (connection lost, shutdown): synchronous waiters wake with the
/// error, asynchronous callbacks get it on the dispatcher.
pub(crate) fn fail_all_pending(inner: &Inner, error: DxlError) {
    for p in inner.pending.drain() {
        complete(inner, p, Err(error.clone()));
    }
}

pub(crate) fn complete(inner: &Inner, pending: Pending, result: Result<Message, DxlError>) {
    match pending {
        Pending::Sync(tx) => {
            // A caller that gave up meanwhile has dropped its end: no reason to poll for it.
            if tx.try_send(result).is_ok() {
                SYNC_ANSWERED.with(|a| a.set(true));
            }
        }
        Pending::Async { callback, .. } => inner
            .queue
            .push_internal(Work::Run(Box::new(move |h| callback(h, result)))),
    }
}

/// The error for a `connect` that timed out while the network thread kept trying: of the same
/// kind as the last failed pass (TLS when every broker refused a certificate, the certificate
/// loading error, a connect failure) and naming its attempts.
pub(crate) fn connect_timed_out(inner: &Inner, timeout: Duration) -> DxlError {
    let prefix = format!("not connected within {timeout:?}");
    match inner.last_attempts.lock().unwrap().as_ref() {
        Some(DxlError::Tls(m)) => DxlError::Tls(format!("{prefix}: {m}")),
        Some(DxlError::Config(m)) => DxlError::Config(format!("{prefix}: {m}")),
        Some(DxlError::Connect(m)) => DxlError::Connect(format!("{prefix}: {m}")),
        Some(other) => DxlError::Connect(format!("{prefix}: {other}")),
        None => DxlError::Connect(prefix),
    }
}

fn set_state(inner: &Inner, state: ConnectionState) {
    {
        let mut s = inner.state.lock().unwrap();
        if *s == state {
            return;
        }
        *s = state;
        // The next session number, with the connected bit (see `Handle::session`); written
        // under the state lock so the two never disagree.
        let next = (inner.session.load(Ordering::Relaxed) >> 1) + 1;
        inner.session.store(
            next << 1 | u64::from(state == ConnectionState::Connected),
            Ordering::SeqCst,
        );
    }
    inner.state_changed.notify_all();
    // Waits for a service's registration end when the client is disconnected: taking the lock
    // they wait under orders this wake-up after their check of the state.
    drop(inner.services.lock().unwrap());
    inner.services_changed.notify_all();
    let listeners: Vec<_> = inner
        .state_listeners
        .lock()
        .unwrap()
        .iter()
        .map(|(_, l)| l.clone())
        .collect();
    for listener in listeners {
        inner.queue.push_internal(Work::Run(Box::new(move |_| listener(state))));
    }
}

fn report_failure(inner: &Inner, failure: DxlError) {
    *inner.connect_failure.lock().unwrap() = Some(failure);
    inner.state_changed.notify_all();
}

/// The network thread's body.
pub(crate) fn run(inner: Arc<Inner>, mut eventloop: EventLoop, mut commands: UnboundedReceiver<Command>) {
    super::client::ON_NETWORK_THREAD.with(|f| f.set(true));
    // At most two resolver threads (host names are looked up on tokio's blocking pool, one
    // thread per lookup by default, up to 512 with many brokers and a slow resolver).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(2)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::error!("cannot start the network runtime: {e}");
            return;
        }
    };
    let _ = inner.runtime.set(runtime.handle().clone());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(network_loop(&inner, &mut eventloop, &mut commands))
    }));
    if outcome.is_err() {
        log::error!("the network thread panicked; the client is disconnected");
        set_state(&inner, ConnectionState::Disconnected);
        fail_all_pending(&inner, DxlError::ConnectionLost);
    }
}

/// How a phase of the loop ended.
enum Ended {
    Lost(String),
    Disconnect,
    Shutdown,
    /// Connecting failed for good: `Config`, `Tls` (every broker refused a certificate) or
    /// `Connect` (the reasons, broker by broker).
    Failed(DxlError),
}

async fn network_loop(inner: &Arc<Inner>, eventloop: &mut EventLoop, commands: &mut UnboundedReceiver<Command>) {
    loop {
        // Idle until asked to connect.
        match commands.recv().await {
            Some(Command::Connect) => {}
            Some(Command::Disconnect) | Some(Command::Wake) => continue,
            Some(Command::Shutdown) | None => return,
        }
        let mut retries = inner.config.connect_retries;
        // One schedule for the whole life of this connect: it is not restarted by a reconnect,
        // only by a session that held (STABLE_SESSION).
        let mut backoff = new_backoff(&inner.config);
        let mut wait_first = false;
        loop {
            set_state(inner, ConnectionState::Connecting);
            let ended = match connect_cycle(inner, eventloop, commands, retries, &mut backoff, wait_first).await {
                Ok(()) => {
                    let started = Instant::now();
                    let ended = run_session(inner, eventloop, commands).await;
                    if started.elapsed() >= STABLE_SESSION {
                        backoff.reset();
                    }
                    ended
                }
                Err(e) => e,
            };
            // The state first: a request registers itself as pending *before* it checks the
            // state, so it is either refused as not connected or still in the table below.
            // The other order left a window where a request racing a disconnect was never
            // failed and waited out its whole timeout.
            *inner.connection.lock().unwrap() = None;
            set_state(inner, ConnectionState::Disconnected);
            fail_all_pending(inner, DxlError::ConnectionLost);
            *inner.sub_acks.lock().unwrap() = Default::default();
            match ended {
                Ended::Lost(why) if inner.config.reconnect_when_disconnected => {
                    log::warn!("connection lost ({why}); reconnecting");
                    retries = -1; // after a loss, reconnect until it works
                                  // A lost connection is followed by a back-off wait, jittered: a fleet that
                                  // loses its broker at once does not come back at once.
                    wait_first = true;
                    Counters::bump(&inner.counters.reconnects);
                }
                Ended::Lost(why) => {
                    log::warn!("connection lost ({why})");
                    break;
                }
                Ended::Failed(why) => {
                    report_failure(inner, why);
                    break;
                }
                Ended::Disconnect => break,
                Ended::Shutdown => return,
            }
        }
    }
}

fn new_backoff(c: &super::config::ClientConfig) -> Backoff {
    Backoff::new(
        c.reconnect_delay,
        c.reconnect_back_off_multiplier,
        c.reconnect_delay_max,
        c.reconnect_delay_random,
    )
}

fn mqtt_options(inner: &Inner, candidate: &Candidate, tls: &Arc<rustls::ClientConfig>) -> MqttOptions {
    let config = &inner.config;
    let mut options = MqttOptions::new(
        config.client_id.clone(),
        transport::broker_address(config, &candidate.address, candidate.broker.port),
        candidate.broker.port,
    );
    options.set_clean_session(true);
    // rumqttc asserts keep-alive ≥ 1 s.
    options.set_keep_alive(inner.config.keep_alive.max(Duration::from_secs(1)));
    options.set_max_packet_size(MAX_INCOMING_PACKET, MAX_MESSAGE);
    options.set_request_channel_capacity(4096);
    transport::apply(&mut options, config, tls);
    options
}

/// Probes, orders and tries the brokers until one accepts us, waiting out the back-off between
/// passes (and before the first, with `wait_first`). The certificates are read at every pass:
/// files caught mid-rotation (empty, missing) fail that pass only, and the next pass picks up
/// the new files.
async fn connect_cycle(
    inner: &Arc<Inner>,
    eventloop: &mut EventLoop,
    commands: &mut UnboundedReceiver<Command>,
    retries: i32,
    backoff: &mut Backoff,
    wait_first: bool,
) -> Result<(), Ended> {
    let brokers = inner.config.active_brokers().to_vec();
    if brokers.is_empty() {
        return Err(Ended::Failed(DxlError::Config("no brokers configured".into())));
    }
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    network.set_connection_timeout(CONNECT_ATTEMPT_TIMEOUT_S);
    let mut pass: i64 = 0;
    loop {
        if pass > 0 || wait_first {
            let wait = backoff.next_delay();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                stop = next_stop(commands) => return Err(stop),
            }
        }
        let outcome = match super::tls::client_tls_config(&inner.config) {
            Ok(tls) => match try_brokers(inner, eventloop, commands, &brokers, &tls, &network).await? {
                Pass::Connected => return Ok(()),
                Pass::Failed(failed) => failed,
            },
            Err(e) => {
                log::warn!("cannot load the certificates, retrying with back-off: {e}");
                PassFailed {
                    summary: e.to_string(),
                    error: e,
                }
            }
        };
        let PassFailed { summary, error } = outcome;
        log::warn!("connection pass {} failed: {summary}", pass + 1);
        pass += 1;
        if retries >= 0 && pass > retries as i64 {
            return Err(Ended::Failed(error));
        }
        // Keep the detail, and what kind of failure it was, for a `connect` that times out
        // while we keep trying.
        *inner.last_attempts.lock().unwrap() = Some(error);
    }
}

/// A pass over the brokers that connected to none.
struct PassFailed {
    /// Each attempt and why it failed.
    summary: String,
    /// The error to report: `Tls` when every broker refused a certificate (the fix is in the
    /// PKI, not in the network), the certificate loading error, or `Connect`.
    error: DxlError,
}

enum Pass {
    Connected,
    Failed(PassFailed),
}

/// One pass: probes the brokers and tries each candidate once, fastest first.
async fn try_brokers(
    inner: &Arc<Inner>,
    eventloop: &mut EventLoop,
    commands: &mut UnboundedReceiver<Command>,
    brokers: &[super::broker::Broker],
    tls: &Arc<rustls::ClientConfig>,
    network: &NetworkOptions,
) -> Result<Pass, Ended> {
    // Through a proxy the brokers are tried in configuration order: a direct probe would time
    // the path we do not use (and fail where only the proxy gets out), and timing a CONNECT per
    // broker would load the proxy with tunnels that are dropped at once.
    let candidates = if inner.config.use_websockets && inner.config.proxy.is_some() {
        configured_candidates(brokers)
    } else {
        ordered_candidates(brokers).await
    };
    let kind = TransportKind::of(&inner.config);
    let mut failures: Vec<String> = Vec::new();
    let mut every_certificate_refused = true;
    for candidate in &candidates {
        // Start clean: nothing queued for an earlier session is sent to a new one.
        eventloop.clean();
        eventloop.pending.clear();
        eventloop.mqtt_options = mqtt_options(inner, candidate, tls);
        eventloop.network_options = network.clone();
        Counters::bump(&inner.counters.connect_attempts);
        let attempt = tokio::select! {
            r = eventloop.poll() => r,
            stop = next_stop(commands) => return Err(stop),
        };
        let label = format!(
            "{} at {}",
            broker_name(candidate),
            transport::host_port(&candidate.address, candidate.broker.port)
        );
        match attempt {
            Ok(Event::Incoming(Packet::ConnAck(ack))) if ack.code == ConnectReturnCode::Success => {
                let connection = Connection {
                    transport: kind,
                    broker: candidate.broker.clone(),
                    address: candidate.address.clone(),
                    proxy: match (kind, &inner.config.proxy) {
                        (TransportKind::WebSocketsViaProxy, Some(p)) => Some(transport::host_port(&p.address, p.port)),
                        _ => None,
                    },
                };
                log::info!("connected to {connection}");
                *inner.connection.lock().unwrap() = Some(connection);
                *inner.connect_failure.lock().unwrap() = None;
                *inner.last_attempts.lock().unwrap() = None;
                on_connected(inner);
                return Ok(Pass::Connected);
            }
            Ok(other) => {
                every_certificate_refused = false;
                failures.push(format!("{label}: unexpected {other:?}"));
            }
            Err(e) => match transport::describe(&e, &inner.config, &candidate.address, candidate.broker.port) {
                Some(reason) => {
                    every_certificate_refused = false;
                    failures.push(format!("{label} ({kind}): {reason}"));
                }
                None => {
                    let failure = super::tls_diagnosis::describe(&e);
                    every_certificate_refused &= failure.certificate_refused;
                    failures.push(format!("{label}: {}", failure.text));
                }
            },
        }
    }
    let summary = failures.join("; ");
    let error = if every_certificate_refused && !failures.is_empty() {
        DxlError::Tls(summary.clone())
    } else {
        DxlError::Connect(summary.clone())
    };
    Ok(Pass::Failed(PassFailed { summary, error }))
}

/// Waits for a command that ends a connect cycle; other commands mean nothing while connecting.
async fn next_stop(commands: &mut UnboundedReceiver<Command>) -> Ended {
    loop {
        match commands.recv().await {
            Some(Command::Disconnect) => return Ended::Disconnect,
            Some(Command::Shutdown) | None => return Ended::Shutdown,
            Some(Command::Connect) | Some(Command::Wake) => {}
        }
    }
}

fn broker_name(c: &Candidate) -> String {
    if c.broker.unique_id.is_empty() {
        format!("broker {}", c.broker.host_name)
    } else {
        format!("broker {}", c.broker.unique_id)
    }
}

/// After CONNACK: subscribe every topic again and schedule every service's registration; the
/// state becomes Connected when every SUBACK has arrived.
fn on_connected(inner: &Inner) {
    inner.observed_refused.store(false, Ordering::SeqCst);
    let topics = inner.subscriptions.lock().unwrap().clone();
    {
        let mut acks = inner.sub_acks.lock().unwrap();
        *acks = SubAckTracker::default();
        for topic in &topics {
            if inner.mqtt.try_subscribe(topic.clone(), QoS::AtMostOnce).is_ok() {
                acks.unsent.push_back((topic.clone(), SubWaiter::Initial));
                acks.initial_outstanding += 1;
            }
        }
        if acks.initial_outstanding > 0 {
            return;
        }
    }
    set_state(inner, ConnectionState::Connected);
}

/// Runs the MQTT event loop of a connected session until it ends.
async fn run_session(
    inner: &Arc<Inner>,
    eventloop: &mut EventLoop,
    commands: &mut UnboundedReceiver<Command>,
) -> Ended {
    for s in inner.services.lock().unwrap().iter_mut() {
        s.next_registration = Some(Instant::now());
    }
    // When housekeeping must run next: the earliest service registration due and the earliest
    // deadline of an asynchronous request. None: nothing is due, and the thread sleeps until
    // the broker or the API wakes it (an idle client has no timer).
    let mut services_due = next_service_registration(inner);
    let mut spin_until: Option<Instant> = None;
    loop {
        // The earliest deadline of an asynchronous request (one lock per turn; exact, so a
        // waiting request costs one wake-up at its timeout, not one every few milliseconds).
        let requests_due = inner.pending.next_async_deadline();
        let due = match (services_due, requests_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let timer = async {
            match due {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending::<()>().await,
            }
        };
        // Polling without sleeping, for a while after a synchronous answer when the
        // configuration asks for it: each yield lets the runtime look at the socket and the
        // request channel without blocking. The caller that asks again at once, and the answer
        // that comes back, then find the thread awake: no wake-up of a sleeping thread, which
        // is most of what a round trip costs beyond the network's own (BENCHMARKS.md).
        // It never ends the select itself (that would drop a poll that may be halfway through
        // writing a packet): once its time is up it waits like the others, and the next turn
        // forgets it.
        if spin_until.is_some_and(|until| Instant::now() >= until) {
            spin_until = None;
        }
        let spin = async {
            if let Some(until) = spin_until {
                while Instant::now() < until {
                    tokio::task::yield_now().await;
                }
            }
            std::future::pending::<()>().await
        };
        tokio::select! {
            event = eventloop.poll() => match event {
                Ok(event) => {
                    // Only an answer handed over by this event starts a poll (not one handed
                    // over earlier, when a lost connection failed the waiting requests).
                    SYNC_ANSWERED.with(|a| a.set(false));
                    handle_event(inner, event);
                    if SYNC_ANSWERED.with(|a| a.replace(false)) && !inner.config.busy_poll.is_zero() {
                        // At most 1 ms (checked with the configuration).
                        spin_until = Instant::now().checked_add(inner.config.busy_poll);
                    }
                }
                Err(e) => return Ended::Lost(e.to_string()),
            },
            _ = spin => {}
            cmd = commands.recv() => match cmd {
                Some(Command::Disconnect) => {
                    graceful_disconnect(inner, eventloop).await;
                    return Ended::Disconnect;
                }
                Some(Command::Shutdown) | None => {
                    graceful_disconnect(inner, eventloop).await;
                    return Ended::Shutdown;
                }
                Some(Command::Connect) | Some(Command::Wake) => {
                    housekeeping(inner);
                    services_due = next_service_registration(inner);
                }
            },
            _ = timer => {
                housekeeping(inner);
                services_due = next_service_registration(inner);
            }
        }
    }
}

/// The earliest time a service is due to (re-)register.
fn next_service_registration(inner: &Inner) -> Option<Instant> {
    inner
        .services
        .lock()
        .unwrap()
        .iter()
        .filter_map(|s| s.next_registration)
        .min()
}

/// Unregisters services, sends DISCONNECT and waits (briefly) until it is written.
async fn graceful_disconnect(inner: &Inner, eventloop: &mut EventLoop) {
    let services: Vec<_> = inner
        .services
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.info.unregister_request())
        .collect();
    for mut request in services {
        if let MessageKind::Request { reply_to_topic, .. } = &mut request.kind {
            *reply_to_topic = inner.reply_topic.clone();
        }
        let _ = inner.mqtt.try_publish(
            request.destination_topic.clone(),
            QoS::AtMostOnce,
            false,
            super::codec::encode(&request),
        );
    }
    if inner.mqtt.try_disconnect().is_err() {
        return;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        match tokio::time::timeout_at(deadline, eventloop.poll()).await {
            Ok(Ok(Event::Outgoing(Outgoing::Disconnect))) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(_)) => {}
        }
    }
    eventloop.clean();
    eventloop.pending.clear();
}

fn handle_event(inner: &Arc<Inner>, event: Event) {
    match event {
        Event::Incoming(Packet::Publish(publish)) => {
            Counters::bump(&inner.counters.received);
            if publish.payload.len() + publish.topic.len() > MAX_MESSAGE {
                Counters::bump(&inner.counters.oversized);
                log::warn!(
                    "skipping a message of {} bytes on {}: over the {MAX_MESSAGE}-byte limit",
                    publish.payload.len(),
                    publish.topic
                );
                return;
            }
            match decode(&publish.payload, &publish.topic) {
                Ok(message) => route(inner, message),
                Err(e) => {
                    Counters::bump(&inner.counters.undecodable);
                    log::warn!("skipping a message on {} that is not DXL: {e}", publish.topic);
                }
            }
        }
        Event::Outgoing(Outgoing::Subscribe(packet_id)) => {
            let mut acks = inner.sub_acks.lock().unwrap();
            if let Some(waiter) = acks.unsent.pop_front() {
                acks.by_packet_id.insert(packet_id, waiter);
            }
        }
        Event::Incoming(Packet::SubAck(ack)) => {
            let (topic, done) = {
                let mut acks = inner.sub_acks.lock().unwrap();
                match acks.by_packet_id.remove(&ack.pkid) {
                    Some((topic, SubWaiter::Initial)) => {
                        acks.initial_outstanding -= 1;
                        (Some(topic), acks.initial_outstanding == 0)
                    }
                    Some((topic, SubWaiter::Caller(tx))) => {
                        let _ = tx.try_send(());
                        (Some(topic), false)
                    }
                    Some((topic, SubWaiter::Nobody)) => (Some(topic), false),
                    None => (None, false),
                }
            };
            if ack
                .return_codes
                .iter()
                .any(|c| matches!(c, rumqttc::SubscribeReasonCode::Failure))
            {
                let topic = topic.unwrap_or_default();
                log::warn!("the broker refused the subscription to {topic:?}");
                if Handle::observes(inner, &topic) {
                    // Its events will not come: what the library keeps true by them (the
                    // reputation cache) cannot be trusted in this session (`Handle::session`).
                    inner.observed_refused.store(true, Ordering::SeqCst);
                }
            }
            if done {
                set_state(inner, ConnectionState::Connected);
            }
        }
        _ => {}
    }
}

/// Responses are matched here, on the network thread; everything else goes to the dispatcher.
fn route(inner: &Arc<Inner>, message: Message) {
    if let Some(request_id) = message.request_message_id() {
        // The observer before the request stops being in flight (see `ResponseObserver`); it
        // sees what `sync_request` would return.
        if let Some(observer) = inner.pending.take_observer(request_id) {
            let result = super::client::service_result(message.clone());
            let handle = Handle { inner: inner.clone() };
            if catch_unwind(AssertUnwindSafe(|| observer(&handle, &result))).is_err() {
                log::error!("a response observer panicked; the network thread goes on");
            }
        }
        let waiting = inner.pending.remove(request_id);
        let wants_callbacks = inner.callbacks.has_kind(super::callbacks::CallbackKind::Response);
        // The answer as it came, ErrorResponses included: each waiter decides whether an
        // ErrorResponse is an error (`service_result`) or the message a caller asked for. One
        // copy per waiter (several when the request is shared).
        for p in waiting {
            complete(inner, p, Ok(message.clone()));
        }
        // Late and duplicate responses still reach generic response callbacks.
        if !wants_callbacks {
            Counters::bump(&inner.counters.delivered);
            return;
        }
    }
    if matches!(message.kind, MessageKind::Event) && inner.has_event_observers.load(Ordering::SeqCst) {
        observe_event(inner, &message);
    }
    if let Pushed::DroppedOldest = inner.queue.push(Work::Message(Box::new(message))) {
        Counters::bump(&inner.counters.dropped);
    }
}

/// Shows an event to the library's observers of its topic (`Handle::observe_events`), before
/// it is queued for the dispatcher.
fn observe_event(inner: &Arc<Inner>, event: &Message) {
    let observers: Vec<EventObserver> = inner
        .event_observers
        .lock()
        .unwrap()
        .iter()
        .filter(|(topic, _)| *topic == event.destination_topic)
        .map(|(_, o)| o.clone())
        .collect();
    if observers.is_empty() {
        return;
    }
    let handle = Handle { inner: inner.clone() };
    for observer in observers {
        if catch_unwind(AssertUnwindSafe(|| observer(&handle, event))).is_err() {
            log::error!("an event observer panicked; the network thread goes on");
        }
    }
}

/// Expires asynchronous requests and (re-)registers services whose time has come.
fn housekeeping(inner: &Arc<Inner>) {
    let now = Instant::now();
    let expired = inner.pending.take_expired(now);
    for (id, p) in expired {
        complete(
            inner,
            p,
            Err(DxlError::Timeout(format!(
                "Timeout waiting for response to message: {id}"
            ))),
        );
    }

    let due: Vec<(String, Message, u32)> = {
        let mut services = inner.services.lock().unwrap();
        services
            .iter_mut()
            .filter(|s| s.next_registration.is_some_and(|t| t <= now))
            .map(|s| {
                s.next_registration = None;
                (s.info.service_id.clone(), s.info.register_request(), s.info.ttl_minutes)
            })
            .collect()
    };
    for (service_id, mut request, ttl) in due {
        if let MessageKind::Request { reply_to_topic, .. } = &mut request.kind {
            *reply_to_topic = inner.reply_topic.clone();
        }
        let id = request.message_id.clone();
        let weak = Arc::downgrade(inner);
        let callback: super::client::ResponseCallback = Box::new(move |_, result| {
            let Some(inner) = weak.upgrade() else { return };
            let result = result.and_then(super::client::service_result);
            let next = match &result {
                Ok(_) => Duration::from_secs(u64::from(ttl.max(1)) * 60),
                Err(e) => {
                    log::debug!("service {service_id}: registration not confirmed ({e}); retrying later");
                    REGISTER_RETRY
                }
            };
            {
                let mut services = inner.services.lock().unwrap();
                if let Some(s) = services.iter_mut().find(|s| s.info.service_id == service_id) {
                    s.next_registration = Some(Instant::now() + next);
                    if result.is_ok() {
                        s.confirmed = true;
                    }
                }
            }
            inner.services_changed.notify_all();
            // The network thread sleeps until the earliest time it knows of: tell it of this one.
            let _ = inner.commands.send(Command::Wake);
        });
        inner.pending.insert(
            id,
            Pending::Async {
                callback,
                deadline: now + REGISTER_TIMEOUT,
            },
        );
        let _ = inner.mqtt.try_publish(
            request.destination_topic.clone(),
            QoS::AtMostOnce,
            false,
            super::codec::encode(&request),
        );
    }
}
