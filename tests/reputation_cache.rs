//! The reputation cache (issue 15) on a real broker, mosquitto and the real OpenDXL broker,
//! against a TIE responder that counts the requests it gets and whose answers the test changes.
//!
//! Each flow is checked by the number of requests that reached the responder, and by the
//! answers: a cached answer must equal the fabric's, and after an invalidation the next lookup
//! must see the responder's new reputation.

mod support;

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::time::{Duration, Instant};

use dxltie::dxl::{Client, ClientConfig, Handle, Message, ServiceInfo};
use dxltie::tie::{CacheSettings, CacheStats, TieClient, TieError, TieOptions};
use serde_json::{json, Value};
use support::opendxl::OpenDxlBroker;
use support::{Mosquitto, MosquittoOptions, Pki};

const TIMEOUT: Duration = Duration::from_secs(15);
const FILE_TOPIC: &str = "/mcafee/service/tie/file/reputation";
const CERT_TOPIC: &str = "/mcafee/service/tie/cert/reputation";
const FILE_SET_TOPIC: &str = "/mcafee/service/tie/file/reputation/set";
const FILE_CHANGE_TOPIC: &str = "/mcafee/event/tie/file/repchange/broadcast";
const CERT_CHANGE_TOPIC: &str = "/mcafee/event/tie/cert/repchange/broadcast";

/// md5 hashes, as hex and as the base64 the events carry.
const MD5_A: (&str, &str) = ("f2c7bb8acc97f92e987a2d4087d021b1", "8se7isyX+S6Yei1Ah9AhsQ==");
const MD5_B: &str = "0123456789abcdef0123456789abcdef";
const MD5_C: &str = "fedcba9876543210fedcba9876543210";
const MD5_ZERO: &str = "00000000000000000000000000000000";
const CERT_SHA1: (&str, &str) = (
    "6eae26db8c13182a7947982991b4321732cc3de2",
    "bq4m24wTGCp5R5gpkbQyFzLMPeI=",
);

/// The fabric under test.
enum Fabric {
    Mosquitto(Box<(Mosquitto, Pki)>),
    OpenDxl(OpenDxlBroker),
}

impl Fabric {
    fn mosquitto() -> Fabric {
        let pki = Pki::generate();
        let broker = Mosquitto::start(&pki, MosquittoOptions::default());
        Fabric::Mosquitto(Box::new((broker, pki)))
    }

    fn opendxl() -> Fabric {
        Fabric::OpenDxl(OpenDxlBroker::start())
    }

    fn config(&self) -> ClientConfig {
        let mut config = match self {
            Fabric::Mosquitto(b) => b.0.client_config(&b.1),
            Fabric::OpenDxl(broker) => broker.client_config(),
        };
        config.client_id = dxltie::dxl::message::new_id();
        config
            .set_reconnect_back_off(Duration::from_millis(100), 2, Duration::from_millis(500), 0.1)
            .unwrap();
        config
    }

    fn restart(&mut self) {
        match self {
            Fabric::Mosquitto(b) => b.0.restart(),
            Fabric::OpenDxl(broker) => {
                broker.stop();
                broker.start_again();
            }
        }
    }
}

/// A TIE service answering file and certificate reputation lookups with the trust level the
/// test sets, counting what it is asked, optionally after a delay.
struct Responder {
    client: Client,
    /// File lookups to leave unanswered (as if the request had been lost), from the next one.
    lose_next: Arc<AtomicUsize>,
    file_lookups: Arc<AtomicUsize>,
    cert_lookups: Arc<AtomicUsize>,
    trust: Arc<AtomicI64>,
}

impl Responder {
    fn start(fabric: &Fabric, delay: Duration) -> Responder {
        let client = Client::new(fabric.config()).unwrap();
        client.connect(TIMEOUT).unwrap();
        let file_lookups = Arc::new(AtomicUsize::new(0));
        let cert_lookups = Arc::new(AtomicUsize::new(0));
        let trust = Arc::new(AtomicI64::new(99));
        let lose_next = Arc::new(AtomicUsize::new(0));
        let (files, certs, level, lose) = (
            file_lookups.clone(),
            cert_lookups.clone(),
            trust.clone(),
            lose_next.clone(),
        );
        let answer = move |h: &Handle, request: &Message| {
            let topic = request.destination_topic.as_str();
            match topic {
                FILE_TOPIC => files.fetch_add(1, Ordering::SeqCst),
                CERT_TOPIC => certs.fetch_add(1, Ordering::SeqCst),
                _ => 0,
            };
            if topic == FILE_TOPIC
                && lose
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            {
                return;
            }
            let zero = String::from_utf8_lossy(&request.payload).contains("AAAAAAAAAAAAAAAAAAAAAA==");
            let provider = if topic == CERT_TOPIC { 2 } else { 1 };
            let trust_level = level.load(Ordering::SeqCst);
            let response = if zero {
                Message::error_response_to(request, 0, "Could not find reputation")
            } else if topic == FILE_SET_TOPIC {
                Message::response_to(request, Vec::new())
            } else {
                let body = json!({"props": {"serverTime": 1},
                    "reputations": [{"attributes": {"2120340": "2139160704"}, "createDate": 1451502875,
                                     "providerId": provider, "trustLevel": trust_level}]});
                Message::response_to(request, serde_json::to_vec(&body).unwrap())
            };
            let h = h.clone();
            // Answered from another thread, so that a delay holds up only this answer.
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let _ = h.send_response(&response);
            });
        };
        let service = ServiceInfo::new("/mcafee/service/tie", &[FILE_TOPIC, CERT_TOPIC, FILE_SET_TOPIC]);
        let service_id = service.service_id.clone();
        client.register_service(service, Arc::new(answer)).unwrap();
        if let Fabric::OpenDxl(_) = fabric {
            // Until the registry has it, the broker answers a lookup with 0x80000001 (seen
            // right after a broker restart, on a loaded machine).
            client.wait_service_registered(&service_id, TIMEOUT).unwrap();
        }
        Responder {
            client,
            lose_next,
            file_lookups,
            cert_lookups,
            trust,
        }
    }

    fn files(&self) -> usize {
        self.file_lookups.load(Ordering::SeqCst)
    }

    /// Publishes a reputation-change event naming `hashes` (type, base64) on `topic`.
    fn announce_change(&self, topic: &str, hashes: &[(&str, &str)]) {
        let list: Vec<Value> = hashes.iter().map(|(t, v)| json!({"type": t, "value": v})).collect();
        let event = json!({"hashes": list, "newReputations": {"reputations": []},
                           "oldReputations": {"reputations": []}, "updateTime": 1});
        self.client
            .send_event(&Message::event(topic, serde_json::to_vec(&event).unwrap()))
            .unwrap();
    }
}

fn cached_client(fabric: &Fabric, max_entries: u64, ttl_seconds: u64) -> TieClient {
    let options = TieOptions {
        reputation_cache: CacheSettings::new(max_entries, ttl_seconds).unwrap(),
    };
    let client = TieClient::with_options(fabric.config(), options).unwrap();
    client.connect(TIMEOUT).unwrap();
    client
}

fn trust_of(answer: &Value, provider: &str) -> i64 {
    answer[provider]["trustLevel"].as_i64().unwrap()
}

fn stats(client: &TieClient) -> CacheStats {
    client.cache_stats().unwrap()
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn lookup(client: &TieClient, md5: &str) -> Value {
    client.get_file_reputation(&[("md5", md5)], TIMEOUT).unwrap()
}

/// A second lookup is a hit: no request, the same answer, counted.
fn second_lookup_is_served_from_the_cache(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::ZERO);
    let client = cached_client(fabric, 100, 600);
    let first = lookup(&client, MD5_A.0);
    let second = lookup(&client, MD5_A.0);
    assert_eq!(responder.files(), 1, "the second lookup reached the responder");
    assert_eq!(first, second, "a cached answer must be the fabric's");
    let s = stats(&client);
    assert_eq!((s.hits, s.misses, s.entries), (1, 1, 1), "{s:?}");
    // A certificate lookup is cached apart from files.
    let cert = client.get_certificate_reputation(CERT_SHA1.0, None, TIMEOUT).unwrap();
    assert_eq!(
        client.get_certificate_reputation(CERT_SHA1.0, None, TIMEOUT).unwrap(),
        cert
    );
    assert_eq!(responder.cert_lookups.load(Ordering::SeqCst), 1);
    // The asynchronous form is answered from the cache too, on the dispatcher thread.
    let (tx, rx) = mpsc::channel();
    let request = dxltie::tie::PreparedRequest::get_file_reputation(&[("md5", MD5_A.0)]).unwrap();
    client
        .request_async(
            &request,
            TIMEOUT,
            Box::new(move |h, r| tx.send((h.on_own_dispatcher(), r)).unwrap()),
        )
        .unwrap();
    let (on_dispatcher, answer) = rx.recv_timeout(TIMEOUT).unwrap();
    assert!(
        on_dispatcher,
        "an async answer from the cache must come on the dispatcher thread"
    );
    assert_eq!(answer.unwrap(), first);
    assert_eq!(responder.files(), 1);
}

/// A change event naming one of the hashes drops the entry: the next lookup reaches the
/// responder and sees the new reputation. An event for another hash, or of the other kind,
/// drops nothing.
fn a_change_event_invalidates(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::ZERO);
    let client = cached_client(fabric, 100, 600);
    assert_eq!(trust_of(&lookup(&client, MD5_A.0), "1"), 99);
    responder.announce_change(CERT_CHANGE_TOPIC, &[("sha1", CERT_SHA1.1), ("md5", MD5_A.1)]);
    responder.announce_change(FILE_CHANGE_TOPIC, &[("md5", "ASNFZ4mrze8BI0VniavN7w==")]);
    // The events above are delivered in order before this one.
    responder.trust.store(15, Ordering::SeqCst);
    responder.announce_change(FILE_CHANGE_TOPIC, &[("sha256", "AAAA"), ("md5", MD5_A.1)]);
    wait_until("the invalidation", || stats(&client).invalidated_by_event == 1);
    let s = stats(&client);
    assert_eq!(s.entries, 0, "{s:?}");
    assert_eq!(trust_of(&lookup(&client, MD5_A.0), "1"), 15, "the new reputation");
    assert_eq!(responder.files(), 2);
    assert_eq!(
        stats(&client).invalidated_by_event,
        1,
        "the other events named nothing cached"
    );
}

/// A set by this client drops the entries of its hashes.
fn a_set_by_this_client_invalidates(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::ZERO);
    let client = cached_client(fabric, 100, 600);
    lookup(&client, MD5_A.0);
    lookup(&client, MD5_B);
    responder.trust.store(0, Ordering::SeqCst);
    client
        .set_file_reputation(0, &[("md5", MD5_A.0)], "a.exe", "", TIMEOUT)
        .unwrap();
    assert_eq!(stats(&client).invalidated_by_set, 1);
    assert_eq!(trust_of(&lookup(&client, MD5_A.0), "1"), 0, "the new reputation");
    assert_eq!(trust_of(&lookup(&client, MD5_B), "1"), 99, "another hash stays cached");
    assert_eq!(responder.files(), 3);
}

/// The time to live and the size bound.
fn entries_expire_and_the_least_recently_used_make_room(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::ZERO);
    let client = cached_client(fabric, 2, 1);
    lookup(&client, MD5_A.0);
    std::thread::sleep(Duration::from_millis(1100));
    lookup(&client, MD5_A.0);
    assert_eq!(responder.files(), 2, "an expired entry must not answer");
    assert_eq!(stats(&client).expired, 1);

    let client = cached_client(fabric, 2, 600);
    let before = responder.files();
    lookup(&client, MD5_A.0);
    lookup(&client, MD5_B);
    lookup(&client, MD5_A.0); // A is now the most recently used
    lookup(&client, MD5_C); // evicts B
    assert_eq!(responder.files() - before, 3);
    lookup(&client, MD5_A.0);
    assert_eq!(responder.files() - before, 3, "A stays");
    lookup(&client, MD5_B);
    assert_eq!(responder.files() - before, 4, "B was evicted");
    let s = stats(&client);
    assert_eq!((s.entries, s.evicted), (2, 2), "{s:?}");
}

/// Errors and timeouts are never cached.
fn errors_are_not_cached(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::ZERO);
    let client = cached_client(fabric, 100, 600);
    for _ in 0..2 {
        let e = client.get_file_reputation(&[("md5", MD5_ZERO)], TIMEOUT).unwrap_err();
        assert!(matches!(e, TieError::ServiceError { .. }), "{e:?}");
    }
    assert_eq!(responder.files(), 2);
    drop(responder);
    let quick = Duration::from_millis(300);
    for _ in 0..2 {
        // Mosquitto: no answer, a timeout. OpenDXL: the broker's "no service" error.
        let e = client.get_file_reputation(&[("md5", MD5_C)], quick).unwrap_err();
        assert!(
            matches!(e, TieError::Timeout(_) | TieError::ServiceError { .. }),
            "{e:?}"
        );
    }
    assert_eq!(stats(&client).entries, 0, "errors and timeouts are not cached");
}

/// An answer awaited while a change event names its hash is not stored (it may predate the
/// change), and a lookup after the event does not share the request sent before it.
fn an_answer_overtaken_by_a_change_is_not_stored(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::from_millis(600));
    let client = Arc::new(cached_client(fabric, 100, 600));
    // A callback of the user's on the change topic runs after the cache's.
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    client
        .add_event_callback(
            dxltie::tie::EventKind::FileReputationChange,
            Arc::new(move |_: &Handle, _: &dxltie::tie::TieEvent<'_>| {
                s.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let c = client.clone();
    std::thread::spawn(move || tx.send(lookup(&c, MD5_A.0)).unwrap());
    wait_until("the first request", || responder.files() == 1);
    responder.trust.store(7, Ordering::SeqCst);
    responder.announce_change(FILE_CHANGE_TOPIC, &[("md5", MD5_A.1)]);
    wait_until("the event", || seen.load(Ordering::SeqCst) == 1);
    let after = lookup(&client, MD5_A.0);
    assert_eq!(
        trust_of(&after, "1"),
        7,
        "a lookup after the change must not share the old request"
    );
    rx.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(responder.files(), 2);
    assert_eq!(
        trust_of(&lookup(&client, MD5_A.0), "1"),
        7,
        "the answer from before the change was stored"
    );
    assert_eq!(responder.files(), 2, "the later answer is cached");
    let s = stats(&client);
    assert_eq!(s.entries, 1, "{s:?}");
}

/// A change of another hash while an answer is awaited does not keep it from the cache.
fn an_unrelated_change_does_not_stop_a_store(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::from_millis(500));
    let client = Arc::new(cached_client(fabric, 100, 600));
    let c = client.clone();
    let pending = std::thread::spawn(move || lookup(&c, MD5_B));
    wait_until("the request", || responder.files() == 1);
    responder.announce_change(FILE_CHANGE_TOPIC, &[("md5", MD5_A.1)]);
    responder.announce_change(CERT_CHANGE_TOPIC, &[("sha1", "ASNFZ4mrze8BI0VniavN7w==")]);
    pending.join().unwrap();
    lookup(&client, MD5_B);
    assert_eq!(responder.files(), 1, "the answer was not stored");
}

/// 64 threads asking for one hash at once cause one request; so do sync and async lookups
/// mixed.
fn concurrent_lookups_share_one_request(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::from_millis(500));
    let client = Arc::new(cached_client(fabric, 100, 600));
    let barrier = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (client, barrier) = (client.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                lookup(&client, MD5_A.0)
            })
        })
        .collect();
    let answers: Vec<Value> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(responder.files(), 1, "64 lookups, one request");
    assert!(answers.iter().all(|a| *a == answers[0]));
    let s = stats(&client);
    assert_eq!(s.misses + s.hits, 64);
    assert_eq!(s.coalesced, s.misses - 1, "{s:?}");

    // Mixed: 16 async and 16 sync lookups of another hash at once.
    let (tx, rx) = mpsc::channel();
    let request = dxltie::tie::PreparedRequest::get_file_reputation(&[("md5", MD5_B)]).unwrap();
    for _ in 0..16 {
        let tx = tx.clone();
        client
            .request_async(&request, TIMEOUT, Box::new(move |_, r| tx.send(r.unwrap()).unwrap()))
            .unwrap();
    }
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || lookup(&client, MD5_B))
        })
        .collect();
    let mut answers: Vec<Value> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    answers.extend((0..16).map(|_| rx.recv_timeout(TIMEOUT).unwrap()));
    assert_eq!(responder.files(), 2, "32 mixed lookups, one request");
    assert!(answers.iter().all(|a| *a == answers[0]));
}

/// A shared request's members keep their own timeouts: one that gives up leaves the others
/// waiting for the answer.
fn a_member_that_times_out_leaves_the_others(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::from_millis(800));
    let client = Arc::new(cached_client(fabric, 100, 600));
    let c = client.clone();
    let patient = std::thread::spawn(move || lookup(&c, MD5_A.0));
    wait_until("the first request", || responder.files() == 1);
    let e = client
        .get_file_reputation(&[("md5", MD5_A.0)], Duration::from_millis(100))
        .unwrap_err();
    assert!(matches!(e, TieError::Timeout(_)), "{e:?}");
    assert_eq!(trust_of(&patient.join().unwrap(), "1"), 99);
    assert_eq!(responder.files(), 1);
}

/// A request whose response was lost cannot be joined after its sender gave up: a lookup made
/// then sends its own (before, callers that kept joining the dead request held every lookup of
/// the hash for as long as they overlapped).
fn a_lost_request_does_not_hold_later_lookups(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::ZERO);
    responder.lose_next.store(1, Ordering::SeqCst);
    let client = Arc::new(cached_client(fabric, 100, 600));
    let c = client.clone();
    let sender = std::thread::spawn(move || c.get_file_reputation(&[("md5", MD5_A.0)], Duration::from_millis(600)));
    wait_until("the lost request", || responder.files() == 1);
    let c = client.clone();
    let joiner = std::thread::spawn(move || c.get_file_reputation(&[("md5", MD5_A.0)], Duration::from_millis(2500)));
    assert!(matches!(sender.join().unwrap(), Err(TieError::Timeout(_))));
    // The joiner still waits on the lost request; a lookup now must not join it.
    let answer = client.get_file_reputation(&[("md5", MD5_A.0)], Duration::from_millis(2000));
    assert_eq!(trust_of(&answer.unwrap(), "1"), 99);
    assert_eq!(responder.files(), 2);
    assert!(matches!(joiner.join().unwrap(), Err(TieError::Timeout(_))));
}

/// The cache drops an entry before any callback of the user's sees the change event (a
/// catch-all callback, which the dispatcher runs first, included), and goes on doing so after
/// the user unsubscribes the change topic.
fn invalidation_comes_first_and_survives_an_unsubscribe(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::ZERO);
    let client = Arc::new(cached_client(fabric, 100, 600));
    lookup(&client, MD5_A.0);
    let (tx, rx) = mpsc::channel();
    let c = client.clone();
    let catch_all = client
        .add_callback(
            dxltie::dxl::CallbackKind::Event,
            "",
            Arc::new(move |_: &Handle, m: &Message| {
                if m.destination_topic == FILE_CHANGE_TOPIC {
                    let _ = tx.send(trust_of(&lookup(&c, MD5_A.0), "1"));
                }
            }),
            false,
        )
        .unwrap();
    responder.trust.store(15, Ordering::SeqCst);
    responder.announce_change(FILE_CHANGE_TOPIC, &[("md5", MD5_A.1)]);
    assert_eq!(
        rx.recv_timeout(TIMEOUT).unwrap(),
        15,
        "the callback was answered from the cache"
    );
    client.remove_callback(catch_all, false).unwrap(); // (it holds the client)

    client.unsubscribe(FILE_CHANGE_TOPIC).unwrap();
    assert!(client.subscriptions().iter().any(|t| t == FILE_CHANGE_TOPIC));
    responder.trust.store(20, Ordering::SeqCst);
    let before = stats(&client).invalidated_by_event;
    responder.announce_change(FILE_CHANGE_TOPIC, &[("md5", MD5_A.1)]);
    wait_until("the invalidation", || stats(&client).invalidated_by_event > before);
    assert_eq!(trust_of(&lookup(&client, MD5_A.0), "1"), 20);
}

/// A lost connection clears the cache: reputation changes sent meanwhile were missed.
fn a_broker_restart_clears_the_cache(fabric: &mut Fabric) {
    let client = {
        let responder = Responder::start(fabric, Duration::ZERO);
        let client = cached_client(fabric, 100, 600);
        lookup(&client, MD5_A.0);
        lookup(&client, MD5_B);
        assert_eq!(stats(&client).entries, 2);
        assert_eq!(responder.files(), 2);
        client
    };
    fabric.restart();
    let responder = Responder::start(fabric, Duration::ZERO);
    wait_until("the reconnect", || client.is_connected());
    let s = stats(&client);
    assert_eq!((s.entries, s.dropped_on_disconnect), (0, 2), "{s:?}");
    lookup(&client, MD5_A.0);
    assert_eq!(responder.files(), 1, "after the restart the lookup went to the fabric");
}

/// With the cache off (the default) every lookup is a request and the cache's counters say
/// nothing; the change topics are not subscribed on the cache's behalf.
fn with_the_cache_off_nothing_changes(fabric: &Fabric) {
    let responder = Responder::start(fabric, Duration::ZERO);
    let client = TieClient::new(fabric.config()).unwrap();
    client.connect(TIMEOUT).unwrap();
    lookup(&client, MD5_A.0);
    lookup(&client, MD5_A.0);
    assert_eq!(responder.files(), 2);
    assert!(client.cache_stats().is_none());
    assert!(!client.subscriptions().iter().any(|t| t.contains("repchange")));
    // The user's own callbacks on the change topics come and go without the cache's.
    let cached = cached_client(fabric, 10, 600);
    let id = cached
        .add_event_callback(
            dxltie::tie::EventKind::FileReputationChange,
            Arc::new(|_: &Handle, _: &dxltie::tie::TieEvent<'_>| {}),
        )
        .unwrap();
    cached.remove_event_callback(id).unwrap();
    assert!(
        cached.subscriptions().iter().any(|t| t == FILE_CHANGE_TOPIC),
        "removing the user's callback must leave the cache's subscription"
    );
}

#[test]
fn settings_are_checked() {
    assert_eq!(CacheSettings::new(0, 0).unwrap(), None, "0 entries: off");
    assert!(CacheSettings::new(10, 0).is_err(), "a cache needs a time to live");
    assert!(CacheSettings::new(2_000_000, 10).is_err(), "over the entry limit");
    let s = CacheSettings::new(1_000_000, 1).unwrap().unwrap();
    assert_eq!((s.max_entries.get(), s.ttl), (1_000_000, Duration::from_secs(1)));
}

/// Every scenario, on one fabric (the same list for both brokers).
fn every_scenario(mut fabric: Fabric) {
    second_lookup_is_served_from_the_cache(&fabric);
    a_change_event_invalidates(&fabric);
    a_set_by_this_client_invalidates(&fabric);
    entries_expire_and_the_least_recently_used_make_room(&fabric);
    errors_are_not_cached(&fabric);
    an_answer_overtaken_by_a_change_is_not_stored(&fabric);
    an_unrelated_change_does_not_stop_a_store(&fabric);
    concurrent_lookups_share_one_request(&fabric);
    a_member_that_times_out_leaves_the_others(&fabric);
    a_lost_request_does_not_hold_later_lookups(&fabric);
    invalidation_comes_first_and_survives_an_unsubscribe(&fabric);
    with_the_cache_off_nothing_changes(&fabric);
    a_broker_restart_clears_the_cache(&mut fabric);
}

#[test]
fn on_mosquitto() {
    every_scenario(Fabric::mosquitto());
}

#[test]
fn on_the_opendxl_broker() {
    every_scenario(Fabric::opendxl());
}
