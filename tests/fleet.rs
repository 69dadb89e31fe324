//! A fleet of clients against one broker that goes away and comes back, on mosquitto and on the
//! real OpenDXL broker (tests/support/opendxl.rs), plus requests pending across an OpenDXL
//! broker restart.
//!
//! What a fleet needs from the reconnect logic (src/dxl/network.rs): after a lost connection
//! each client waits one jittered back-off delay, `initial * (1 + jitter * U[0,1))`, before its
//! first attempt, so 200 agents that lose their broker at the same instant do not come back at
//! the same instant; and no client tries more often than the back-off schedule allows.
//!
//! The tests run one at a time (a lock in this file): their distributions are measured on a
//! 2-core machine, and another test's TLS handshake storm would only blur them. Every bound is
//! generous and about counts and shapes (how many clients, how spread), never about speed; the
//! measured distributions are printed (run with `--nocapture`) so they can be quoted.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use dxltie::dxl::{
    Broker, CallbackKind, Client, ClientConfig, ConnectionState, DxlError, Handle, Message, ServiceInfo, Stats,
};
use support::opendxl::OpenDxlBroker;
use support::{Mosquitto, MosquittoOptions, Pki};

/// How long any one step may take before the test fails: a hang guard, not a speed check.
const STEP: Duration = Duration::from_secs(60);

/// The fleet's size.
const FLEET: usize = 200;

/// The fleet's back-off: 2 s, doubling, at most 8 s before jitter, jitter 50 %. After a loss each
/// client's first attempt comes `initial * (1 + jitter * U)` later: the fleet's first attempts
/// spread over a window of `initial * jitter`, 1 s, in which 50 ms should hold about 5 % of the
/// fleet. (With a 500 ms window a stall of the loaded 2-core machine could pile enough clients
/// into one 50 ms to approach the bound below; 1 s keeps a wide margin.)
const SCHEDULE: Schedule = Schedule {
    initial: Duration::from_secs(2),
    multiplier: 2,
    max: Duration::from_secs(8),
    jitter: 0.5,
};

/// Tests in this file run one after the other (see the module comment).
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Clone, Copy, Debug)]
struct Schedule {
    initial: Duration,
    multiplier: u32,
    max: Duration,
    jitter: f64,
}

impl Schedule {
    fn apply(&self, config: &mut ClientConfig) {
        config
            .set_reconnect_back_off(self.initial, self.multiplier, self.max, self.jitter)
            .unwrap();
    }

    /// The window the jitter spreads a fleet's first reconnect attempts over.
    fn jitter_window(&self) -> Duration {
        self.initial.mul_f64(self.jitter)
    }

    /// The most connection attempts a client may make within `elapsed` of losing its
    /// connection: every pass waits first (at least the un-jittered delay: initial, then times
    /// the multiplier, capped at max) and tries `per_pass` addresses.
    fn attempts_allowed(&self, elapsed: Duration, per_pass: u64) -> u64 {
        let mut budget = elapsed;
        let mut next = self.initial;
        let mut passes = 0;
        loop {
            let base = next.min(self.max);
            if budget < base {
                break;
            }
            budget -= base;
            passes += 1;
            next = base * self.multiplier;
        }
        passes * per_pass
    }
}

/// Lets this process (and the brokers it starts, which inherit the limit) hold `needed` file
/// descriptors: raises the soft RLIMIT_NOFILE towards the hard limit if it is lower.
fn ensure_fd_limit(needed: u64) {
    // SAFETY: plain system calls on a local struct.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur != libc::RLIM_INFINITY && (limit.rlim_cur as u64) < needed {
            let want = if limit.rlim_max == libc::RLIM_INFINITY {
                needed
            } else {
                needed.min(limit.rlim_max as u64)
            };
            limit.rlim_cur = want as libc::rlim_t;
            assert_eq!(
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit),
                0,
                "setrlimit: {}",
                std::io::Error::last_os_error()
            );
        }
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        assert!(
            limit.rlim_cur == libc::RLIM_INFINITY || limit.rlim_cur as u64 >= needed,
            "RLIMIT_NOFILE is {} (hard {}); the fleet needs about {needed}",
            limit.rlim_cur,
            limit.rlim_max
        );
    }
}

/// A client and the state changes its listener saw, with the instant of each.
struct Member {
    client: Client,
    states: Arc<Mutex<Vec<(Instant, ConnectionState)>>>,
}

impl Member {
    /// The first loss after `since` and the first Connected after that loss.
    fn loss_and_return(&self, since: Instant) -> (Option<Instant>, Option<Instant>) {
        let states = self.states.lock().unwrap();
        let lost = states
            .iter()
            .find(|(t, s)| *t >= since && *s == ConnectionState::Disconnected)
            .map(|(t, _)| *t);
        let back = lost.and_then(|lost| {
            states
                .iter()
                .find(|(t, s)| *t >= lost && *s == ConnectionState::Connected)
                .map(|(t, _)| *t)
        });
        (lost, back)
    }
}

/// `n` clients with `config` (each its own client id and state listener), connected in
/// parallel.
fn start_fleet(config: &ClientConfig, n: usize) -> Vec<Member> {
    let members: Vec<Member> = (0..n)
        .map(|_| {
            let mut config = config.clone();
            config.client_id = dxltie::dxl::message::new_id();
            let client = Client::new(config).unwrap();
            let states = Arc::new(Mutex::new(Vec::new()));
            let record = states.clone();
            client.add_state_listener(Arc::new(move |s| record.lock().unwrap().push((Instant::now(), s))));
            Member { client, states }
        })
        .collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(member) = members.get(i) else { break };
                member
                    .client
                    .connect(STEP)
                    .unwrap_or_else(|e| panic!("client {i} of {n} did not connect: {e}"));
            });
        }
    });
    members
}

/// Millisecond figures of a sorted sample.
fn summary(sorted_ms: &[f64]) -> String {
    let n = sorted_ms.len();
    format!(
        "min {:.0} ms, median {:.0} ms, max {:.0} ms",
        sorted_ms[0],
        sorted_ms[n / 2],
        sorted_ms[n - 1]
    )
}

/// The most values of `sorted_ms` within any `width` ms (a sliding window).
fn densest(sorted_ms: &[f64], width: f64) -> usize {
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..sorted_ms.len() {
        while sorted_ms[hi] - sorted_ms[lo] >= width {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

/// A histogram by 100 ms buckets, one line a bucket.
fn histogram(sorted_ms: &[f64]) -> String {
    let first = (sorted_ms[0] / 100.0).floor() as i64;
    let last = (sorted_ms[sorted_ms.len() - 1] / 100.0).floor() as i64;
    let mut out = String::new();
    for b in first..=last {
        let count = sorted_ms.iter().filter(|&&v| (v / 100.0).floor() as i64 == b).count();
        out.push_str(&format!(
            "    {:>5}-{:<5} ms {:>4} {}\n",
            b * 100,
            b * 100 + 100,
            count,
            "#".repeat(count)
        ));
    }
    out
}

/// What a fleet did around one broker restart.
struct FleetReport {
    /// Per client: when it was Connected again, counted from the moment the broker was stopped.
    back_ms: Vec<f64>,
}

/// Connects `n` clients with `config` to a broker, has `restart` stop it and start it again on
/// the same port (returning once it listens), and checks how the fleet came back:
/// - every client reconnects (within STEP), after exactly one loss (`reconnects` + 1);
/// - no client comes back sooner than the initial delay after the broker went away: the first
///   attempt follows one back-off wait;
/// - no client made more attempts than the schedule allows in the time since the stop, and a
///   client whose first attempt (one initial delay after its loss, at the earliest) found the
///   broker listening again made exactly one;
/// - the fleet's return is spread over the jitter window: the reconnect instants span at least
///   a quarter of it, and no 50 ms holds more than 20 % of the fleet (about 5 % expected).
///
/// Without jitter (measured by setting it to 0) every client tries at its loss + initial; the
/// storm overflows the broker's accept queue, so the fleet comes back in clusters one TCP SYN
/// retransmission (1 s) apart: the span stays over a second, but 31 % (mosquitto) and 58 %
/// (OpenDXL) of the fleet came back within one 50 ms, and the second bound fails.
fn fleet_reconnect(label: &str, config: &ClientConfig, n: usize, restart: impl FnOnce()) -> FleetReport {
    let setup = Instant::now();
    let members = start_fleet(config, n);
    let before: Vec<Stats> = members.iter().map(|m| m.client.stats()).collect();
    for (i, (m, s)) in members.iter().zip(&before).enumerate() {
        assert_eq!(m.client.state(), ConnectionState::Connected, "client {i}");
        assert_eq!(s.reconnects, 0, "client {i}: {s:?}");
    }
    eprintln!("[{label}] {n} clients connected in {:?}", setup.elapsed());

    let stopped_at = Instant::now();
    restart();
    let listening_again = stopped_at.elapsed();

    // Every client Connected again.
    let deadline = stopped_at + STEP;
    loop {
        let back = members
            .iter()
            .filter(|m| m.loss_and_return(stopped_at).1.is_some())
            .count();
        if back == n {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "[{label}] only {back} of {n} clients reconnected within {STEP:?} of the broker's restart"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let after: Vec<Stats> = members.iter().map(|m| m.client.stats()).collect();
    let elapsed = stopped_at.elapsed();
    let allowed = SCHEDULE.attempts_allowed(elapsed, 1);

    let mut back_ms = Vec::with_capacity(n);
    let mut lost_ms = Vec::with_capacity(n);
    let mut delay_ms = Vec::with_capacity(n);
    let mut attempts_seen = std::collections::BTreeMap::<u64, usize>::new();
    let mut checked_single_attempt = 0;
    // Collected, and reported after the distribution is printed.
    let mut problems = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let (lost, back) = m.loss_and_return(stopped_at);
        let (lost, back) = (lost.unwrap(), back.unwrap());
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        back_ms.push(ms(back - stopped_at));
        lost_ms.push(ms(lost - stopped_at));
        delay_ms.push(ms(back - lost));
        let (b, a) = (&before[i], &after[i]);
        if a.reconnects != b.reconnects + 1 {
            problems.push(format!("client {i}: not one reconnect: {b:?} -> {a:?}"));
        }
        let attempts = a.connect_attempts - b.connect_attempts;
        *attempts_seen.entry(attempts).or_default() += 1;
        if attempts == 0 || attempts > allowed {
            problems.push(format!(
                "client {i}: {attempts} connection attempts in {elapsed:?}; the back-off schedule \
                 {SCHEDULE:?} allows 1 to {allowed}"
            ));
        }
        // The state listener runs on the dispatcher, a little after the fact: 250 ms of slack
        // on the recorded loss keeps this from judging a client whose first attempt may have
        // come before the broker listened.
        if lost + SCHEDULE.initial >= stopped_at + listening_again + Duration::from_millis(250) {
            checked_single_attempt += 1;
            if attempts != 1 {
                problems.push(format!(
                    "client {i}: the broker listened again {listening_again:?} after the stop, before \
                     this client's first attempt could come, yet it made {attempts} attempts"
                ));
            }
        }
        // Its first attempt came one back-off wait after the loss, and the loss after the stop.
        if back - stopped_at < SCHEDULE.initial {
            problems.push(format!(
                "client {i} was back {:?} after the broker stopped, sooner than the initial delay {:?}",
                back - stopped_at,
                SCHEDULE.initial
            ));
        }
    }
    for v in [&mut back_ms, &mut lost_ms, &mut delay_ms] {
        v.sort_by(f64::total_cmp);
    }
    let span = back_ms[n - 1] - back_ms[0];
    let window_ms = SCHEDULE.jitter_window().as_secs_f64() * 1000.0;
    let densest_50 = densest(&back_ms, 50.0);
    eprintln!(
        "[{label}] {n} clients, back-off {SCHEDULE:?} (jitter window {window_ms:.0} ms); the broker \
         listened again {listening_again:?} after the stop; all back {elapsed:?} after the stop\n  \
         loss seen (from the stop):        {}\n  \
         Connected again (from the stop):  {}; span {span:.0} ms; at most {densest_50} clients \
         ({:.1} %) within any 50 ms\n  \
         loss -> Connected, per client:     {}\n  \
         connection attempts since the stop: {attempts_seen:?} (clients by count; allowed {allowed}; \
         {checked_single_attempt} clients met a listening broker at their first attempt)\n  \
         Connected again, by 100 ms after the stop:\n{}",
        summary(&lost_ms),
        summary(&back_ms),
        densest_50 as f64 * 100.0 / n as f64,
        summary(&delay_ms),
        histogram(&back_ms),
    );
    assert!(
        problems.is_empty(),
        "[{label}] {} of {n} clients broke the schedule:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        span >= window_ms * 0.25,
        "[{label}] the fleet came back within {span:.0} ms: not spread over the jitter window of \
         {window_ms:.0} ms"
    );
    assert!(
        densest_50 * 5 <= n,
        "[{label}] {densest_50} of {n} clients came back within one 50 ms: the reconnects are not \
         spread"
    );
    let closing = Instant::now();
    drop(members);
    eprintln!("[{label}] {n} clients closed in {:?}", closing.elapsed());
    FleetReport { back_ms }
}

#[test]
fn fleet_of_200_clients_reconnects_spread_over_the_back_off_window() {
    let _serial = serial();
    ensure_fd_limit(8 * FLEET as u64 + 1024);
    let pki = Pki::generate();
    let mut broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let mut config = broker.client_config(&pki);
    // One address: one attempt per pass.
    config.brokers = vec![Broker::parse_config_line(&format!("local;{};127.0.0.1", broker.port())).unwrap()];
    SCHEDULE.apply(&mut config);
    let report = fleet_reconnect("mosquitto", &config, FLEET, || broker.restart());
    assert_eq!(report.back_ms.len(), FLEET);
    assert!(broker.is_running(), "mosquitto died under the fleet:\n{}", broker.log());
}

#[test]
fn opendxl_fleet_of_200_clients_reconnects_spread_over_the_back_off_window() {
    let _serial = serial();
    ensure_fd_limit(8 * FLEET as u64 + 1024);
    let mut broker = OpenDxlBroker::start();
    let mut config = broker.client_config();
    SCHEDULE.apply(&mut config);
    let port = broker.port();
    let report = fleet_reconnect("opendxl", &config, FLEET, || {
        broker.stop();
        broker.start_again();
    });
    assert_eq!(report.back_ms.len(), FLEET);
    assert_eq!(broker.port(), port);
    assert!(broker.pid().is_some());
}

// ---------------------------------------------------------------------------------------------
// Requests pending across an OpenDXL broker restart

const SILENT_TOPIC: &str = "/dxltie/test/fleet/silent";
const ECHO_TOPIC: &str = "/dxltie/test/fleet/echo";
const EVENT_TOPIC: &str = "/dxltie/test/fleet/event";
/// Far longer than the test: a pending request that ends did not time out.
const LONG: Duration = Duration::from_secs(600);
/// A pending request must fail within this of the broker's stop (which itself may take up to
/// 10 s, the stop script's SIGTERM grace): promptly, against the 600 s timeout.
const PROMPTLY: Duration = Duration::from_secs(30);

fn is_connection_error(result: &Result<Message, DxlError>) -> bool {
    matches!(result, Err(DxlError::ConnectionLost) | Err(DxlError::NotConnected))
}

/// Sends echo requests until one is answered: after a (re)connect, the broker knows the echo
/// service only once the service client has registered it again, and until then answers
/// "unable to locate service for request" (0x80000001), which is retried.
fn echo_works(client: &Client, payload: &str) -> Message {
    let deadline = Instant::now() + STEP;
    loop {
        match client.sync_request(Message::request(ECHO_TOPIC, payload.as_bytes().to_vec()), STEP) {
            Ok(response) => return response,
            Err(DxlError::Service { code: 0x8000_0001, .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100))
            }
            other => panic!("echo request: {other:?}"),
        }
    }
}

fn wait_connected(client: &Client, who: &str) {
    let deadline = Instant::now() + STEP;
    while client.state() != ConnectionState::Connected {
        assert!(Instant::now() < deadline, "{who} not connected again within {STEP:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn opendxl_broker_restart_fails_pending_requests_and_the_client_comes_back() {
    let _serial = serial();
    let mut broker = OpenDxlBroker::start();
    let schedule = Schedule {
        initial: Duration::from_millis(500),
        multiplier: 2,
        max: Duration::from_secs(4),
        jitter: 0.5,
    };

    // The services, on the second identity: one that never answers (its requests stay
    // pending), one that echoes.
    let mut config = broker.client2_config();
    schedule.apply(&mut config);
    let service = Client::new(config).unwrap();
    service.connect(STEP).unwrap();
    let silent_seen = Arc::new(AtomicUsize::new(0));
    let seen = silent_seen.clone();
    service
        .register_service(
            ServiceInfo::new("/dxltie/test/fleet/silent", &[SILENT_TOPIC]),
            Arc::new(move |_: &Handle, _: &Message| {
                seen.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
    // Registered after the silent one: once the broker routes echo requests, it knows both.
    service
        .register_service(
            ServiceInfo::new("/dxltie/test/fleet/echo", &[ECHO_TOPIC]),
            Arc::new(|h: &Handle, request: &Message| {
                let reply = Message::response_to(request, [b"echo:".as_slice(), &request.payload].concat());
                h.send_response(&reply).unwrap();
            }),
        )
        .unwrap();

    // The requester, on the first identity, with an event subscription to check after the
    // restart.
    let mut config = broker.client_config();
    schedule.apply(&mut config);
    let requester = Client::new(config).unwrap();
    let states = Arc::new(Mutex::new(Vec::<(Instant, ConnectionState)>::new()));
    let record = states.clone();
    requester.add_state_listener(Arc::new(move |s| record.lock().unwrap().push((Instant::now(), s))));
    requester.connect(STEP).unwrap();
    let (event_tx, events) = mpsc::channel::<Vec<u8>>();
    let event_tx = Mutex::new(event_tx);
    requester
        .add_callback(
            CallbackKind::Event,
            EVENT_TOPIC,
            Arc::new(move |_: &Handle, m: &Message| {
                let _ = event_tx.lock().unwrap().send(m.payload.clone());
            }),
            true,
        )
        .unwrap();
    assert_eq!(echo_works(&requester, "before").payload, b"echo:before");

    // Requests that stay pending: three synchronous, five asynchronous, 600 s timeouts.
    const SYNC: usize = 3;
    const ASYNC: usize = 5;
    let (sync_tx, sync_done) = mpsc::channel::<(usize, Instant, Result<Message, DxlError>)>();
    let sync_threads: Vec<_> = (0..SYNC)
        .map(|i| {
            let handle = requester.handle().clone();
            let tx = sync_tx.clone();
            std::thread::spawn(move || {
                let result = handle.sync_request(Message::request(SILENT_TOPIC, format!("sync {i}")), LONG);
                let _ = tx.send((i, Instant::now(), result));
            })
        })
        .collect();
    drop(sync_tx);
    type Outcomes = Arc<Mutex<Vec<Vec<(Instant, Result<Message, DxlError>)>>>>;
    let async_outcomes: Outcomes = Arc::new(Mutex::new(vec![Vec::new(); ASYNC]));
    for i in 0..ASYNC {
        let outcomes = async_outcomes.clone();
        requester
            .async_request(
                Message::request(SILENT_TOPIC, format!("async {i}")),
                LONG,
                Box::new(move |_, result| outcomes.lock().unwrap()[i].push((Instant::now(), result))),
            )
            .unwrap();
    }
    let deadline = Instant::now() + STEP;
    while silent_seen.load(Ordering::SeqCst) < SYNC + ASYNC {
        assert!(
            Instant::now() < deadline,
            "the silent service got {} of {} requests",
            silent_seen.load(Ordering::SeqCst),
            SYNC + ASYNC
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Every request reached the service, and none has an outcome yet.
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        sync_done.try_recv().is_err(),
        "a synchronous request ended before the stop"
    );
    assert!(
        async_outcomes.lock().unwrap().iter().all(Vec::is_empty),
        "an asynchronous request ended before the stop"
    );

    // The broker goes away: every pending request fails at once, with a connection error.
    let stopped_at = Instant::now();
    broker.stop();
    let stop_took = stopped_at.elapsed();
    let mut sync_results = Vec::new();
    for _ in 0..SYNC {
        let (i, at, result) = sync_done
            .recv_timeout(PROMPTLY)
            .expect("a synchronous request still pending after the broker stopped");
        assert!(is_connection_error(&result), "sync request {i}: {result:?}");
        sync_results.push((i, at - stopped_at));
    }
    for t in sync_threads {
        t.join().unwrap();
    }
    let deadline = stopped_at + PROMPTLY;
    while async_outcomes.lock().unwrap().iter().any(Vec::is_empty) {
        assert!(
            Instant::now() < deadline,
            "an asynchronous request still pending {PROMPTLY:?} after the broker stopped"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let lost_at = states
        .lock()
        .unwrap()
        .iter()
        .find(|(t, s)| *t >= stopped_at && *s == ConnectionState::Disconnected)
        .map(|(t, _)| *t)
        .expect("the requester saw no loss");
    let mut async_results = Vec::new();
    for (i, outcome) in async_outcomes.lock().unwrap().iter().enumerate() {
        assert_eq!(
            outcome.len(),
            1,
            "async request {i}: called back {} times",
            outcome.len()
        );
        assert!(
            is_connection_error(&outcome[0].1),
            "async request {i}: {:?}",
            outcome[0].1
        );
        async_results.push((i, outcome[0].0 - stopped_at));
    }
    eprintln!(
        "[opendxl pending] run.sh stop took {stop_took:?}; the requester saw the loss {:?} after the \
         stop began; sync requests failed after (from the stop) {sync_results:?}; async callbacks \
         after {async_results:?}",
        lost_at - stopped_at
    );

    // While the broker is away, a new request is refused at once; an async one reports it to
    // its caller and never calls back.
    assert_ne!(requester.state(), ConnectionState::Connected);
    eprintln!("[opendxl pending] while the broker is away: {:?}", requester.stats());
    let refused_at = Instant::now();
    let refused = requester.sync_request(Message::request(ECHO_TOPIC, b"down".to_vec()), LONG);
    assert!(matches!(refused, Err(DxlError::NotConnected)), "{refused:?}");
    assert!(refused_at.elapsed() < PROMPTLY);
    let never = Arc::new(AtomicUsize::new(0));
    let n = never.clone();
    let refused = requester.async_request(
        Message::request(ECHO_TOPIC, b"down".to_vec()),
        LONG,
        Box::new(move |_, _| {
            n.fetch_add(1, Ordering::SeqCst);
        }),
    );
    assert!(matches!(refused, Err(DxlError::NotConnected)), "{refused:?}");

    // The broker comes back on the same port: both clients reconnect and re-subscribe, the
    // services are registered again, requests and events flow.
    let port = broker.port();
    broker.start_again();
    assert_eq!(broker.port(), port);
    let restarted_at = Instant::now();
    wait_connected(&requester, "the requester");
    wait_connected(&service, "the service client");
    eprintln!(
        "[opendxl pending] the broker listened again {:?} after the stop began; the requester \
         Connected {:?} after that",
        restarted_at - stopped_at,
        restarted_at.elapsed()
    );
    assert!(requester.subscriptions().iter().any(|t| t == EVENT_TOPIC));
    assert_eq!(echo_works(&requester, "after").payload, b"echo:after");
    let (tx, rx) = mpsc::channel();
    requester
        .async_request(
            Message::request(ECHO_TOPIC, b"async after".to_vec()),
            STEP,
            Box::new(move |_, result| {
                let _ = tx.send(result);
            }),
        )
        .unwrap();
    let answered = rx.recv_timeout(STEP).expect("async echo after the restart");
    assert_eq!(answered.unwrap().payload, b"echo:async after");
    service
        .send_event(&Message::event(EVENT_TOPIC, b"after the restart".to_vec()))
        .unwrap();
    assert_eq!(
        events
            .recv_timeout(STEP)
            .expect("the event subscription did not come back"),
        b"after the restart"
    );

    // Nothing was called back twice, nothing came back late.
    std::thread::sleep(Duration::from_millis(300));
    for (i, outcome) in async_outcomes.lock().unwrap().iter().enumerate() {
        assert_eq!(
            outcome.len(),
            1,
            "async request {i}: called back {} times",
            outcome.len()
        );
    }
    assert_eq!(never.load(Ordering::SeqCst), 0, "a refused async request called back");
    let stats = requester.stats();
    assert_eq!(stats.reconnects, 1, "{stats:?}");
    let allowed = 1 + schedule.attempts_allowed(stopped_at.elapsed(), 1);
    assert!(
        stats.connect_attempts >= 2 && stats.connect_attempts <= allowed,
        "{stats:?}: the schedule allows {allowed}"
    );
    assert_eq!(service.stats().reconnects, 1, "{:?}", service.stats());
    eprintln!(
        "[opendxl pending] requester {stats:?}; the silent service saw {} requests",
        silent_seen.load(Ordering::SeqCst)
    );
    drop(requester);
    drop(service);
    broker.stop();
}
