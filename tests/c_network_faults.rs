//! Network faults as a C agent meets them (issue #9), through tests-c/network_faults_test.c on
//! real mosquitto brokers (TLS, client certificates required):
//! - the broker killed and restarted twice under load: no crash, the subscriptions restored,
//!   every event published after the reconnection delivered exactly once, pending requests
//!   failed with "not connected" at once instead of hanging until their timeout;
//! - one of two brokers killed: the client fails over to the other and receives its events;
//! - a slow callback under a flood: with drop-oldest every event is either delivered or
//!   counted as dropped, with block nothing is lost; memory bounded in both;
//! - TLS set-ups the client must refuse, each with a message that says what is wrong.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::c_agent::{field, make_c_programs, CAgent};
use support::numbered_events::{detection, TOPIC};
use support::raw_mqtt::MqttPublisher;
use support::{Mosquitto, MosquittoOptions, Pki, TempDir};

/// How long any single step may take before the test fails (a hang guard, not a speed check).
const STEP: Duration = Duration::from_secs(60);
/// Events published after each reconnection; all must arrive.
const AFTER: u32 = 2_000;
/// A request's timeout, far beyond the test's patience: a request that ends at all while the
/// broker is gone was ended by the connection loss.
const PENDING_TIMEOUT_MS: u32 = 600_000;

fn start_agent(variant: &str, config: &Path, policy: &str, capacity: usize, delay_us: u64) -> (CAgent, u64) {
    let mut agent = CAgent::start(
        &format!("network_faults_test{variant}"),
        &[
            "agent",
            config.to_str().unwrap(),
            policy,
            &capacity.to_string(),
            &delay_us.to_string(),
        ],
    );
    let ready = agent.expect("READY", STEP);
    (agent, field(&ready, "rss_kb"))
}

fn publish(broker: &Mosquitto, pki: &Pki, numbers: std::ops::Range<u32>) {
    let publisher = MqttPublisher::connect(broker, pki);
    for n in numbers {
        publisher.publish(TOPIC, detection(n));
    }
}

/// Asks the agent how many events of `numbers` arrived, waiting up to `wait` for all of them;
/// returns the SEEN line.
fn seen(agent: &mut CAgent, numbers: std::ops::Range<u32>, wait: Duration) -> String {
    let command = format!("SEEN {} {} {}", numbers.start, numbers.end, wait.as_millis());
    agent.ask(&command, "SEEN", wait + STEP)
}

fn assert_all_seen(agent: &mut CAgent, numbers: std::ops::Range<u32>) {
    let line = seen(agent, numbers.clone(), STEP);
    let count: u32 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert_eq!(count, numbers.len() as u32, "events {numbers:?}: {line}");
    assert_eq!(field(&line, "duplicates"), 0, "{line}");
}

#[test]
fn the_broker_killed_and_restarted_under_load() {
    make_c_programs();
    let pki = Pki::generate();
    let mut broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("broker-restart");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    // The AddressSanitizer build: a use-after-free on the reconnect path would abort it.
    let (mut agent, _) = start_agent("-asan", &config, "block", 1000, 0);

    publish(&broker, &pki, 0..AFTER);
    assert_all_seen(&mut agent, 0..AFTER);

    for cycle in 1..=2u32 {
        agent.discard_backlog();
        // Two requests nobody answers, then a publisher flooding events, then the broker dies.
        agent.ask(&format!("PENDING {PENDING_TIMEOUT_MS}"), "PENDING sent", STEP);
        let base = cycle * 100_000;
        let load = {
            let publisher = MqttPublisher::connect(&broker, &pki);
            std::thread::spawn(move || {
                let mut n = base;
                while n < base + 50_000 && publisher.try_publish(TOPIC, detection(n)) {
                    n += 1;
                }
                n - base
            })
        };
        std::thread::sleep(Duration::from_millis(300));
        broker.stop();

        let sync = agent.expect("SYNC_DONE", STEP);
        assert!(sync.starts_with("SYNC_DONE NOT_CONNECTED"), "cycle {cycle}: {sync}");
        let asynchronous = agent.expect("ASYNC_DONE", STEP);
        assert!(
            asynchronous.starts_with("ASYNC_DONE NOT_CONNECTED"),
            "cycle {cycle}: {asynchronous}"
        );
        agent.expect("STATE disconnected", STEP);
        // While the broker is down a request fails at once.
        let request = agent.ask(&format!("REQUEST {PENDING_TIMEOUT_MS}"), "REQUEST", STEP);
        assert!(request.starts_with("REQUEST NOT_CONNECTED"), "cycle {cycle}: {request}");

        let published = load.join().unwrap();
        assert!(published > 0, "cycle {cycle}: the load publisher sent nothing");
        // The agent's dispatcher reported the loss after every event that came before it, so
        // what has not arrived by now was lost with the connection (QoS 0, as DXL).
        let during = seen(&mut agent, base..base + published, Duration::ZERO);
        assert_eq!(field(&during, "duplicates"), 0, "{during}");
        eprintln!("cycle {cycle}: {published} events under load, {during}");

        broker.restart();
        // STATE connected comes once every subscription is confirmed again.
        agent.expect("STATE connected", STEP);
        let after = base + 60_000;
        publish(&broker, &pki, after..after + AFTER);
        assert_all_seen(&mut agent, after..after + AFTER);
    }

    let stats = agent.ask("STATS", "STATS", STEP);
    assert_eq!(field(&stats, "reconnects"), 2, "{stats}");
    assert_eq!(field(&stats, "undecodable"), 0, "{stats}");
    assert_eq!(field(&stats, "bad_events"), 0, "{stats}");
    assert_eq!(field(&stats, "dropped"), 0, "{stats}");
    end(agent);
}

#[test]
fn one_of_two_brokers_killed_the_client_fails_over() {
    make_c_programs();
    let pki = Pki::generate();
    let mut first = Mosquitto::start(&pki, MosquittoOptions::default());
    let second_port = support::free_port();
    let dir = TempDir::new("failover");
    let config = support::write_dxlclient_config(
        dir.path(),
        &pki,
        &[first.broker_line("first"), support::broker_line("second", second_port)],
    );
    // The second broker is not up yet, so the agent connects to the first.
    let (mut agent, _) = start_agent("-cxx", &config, "block", 1000, 0);
    let second = Mosquitto::start(
        &pki,
        MosquittoOptions {
            port: Some(second_port),
            ..Default::default()
        },
    );
    publish(&first, &pki, 0..AFTER);
    assert_all_seen(&mut agent, 0..AFTER);

    agent.discard_backlog();
    let killed = Instant::now();
    first.stop();
    agent.expect("STATE disconnected", STEP);
    agent.expect("STATE connected", STEP);
    let took = killed.elapsed();
    // The agent's back-off is 100 ms doubling up to 1 s, and the first pass after a loss
    // tries every broker at once: the failover belongs to that schedule, not to a keep-alive
    // timeout (30 minutes) or the default back-off. 10 s leaves room for a loaded machine.
    assert!(took < Duration::from_secs(10), "failover took {took:?}");
    eprintln!("failover took {took:?}");

    publish(&second, &pki, 10_000..10_000 + AFTER);
    assert_all_seen(&mut agent, 10_000..10_000 + AFTER);
    let stats = agent.ask("STATS", "STATS", STEP);
    assert_eq!(field(&stats, "reconnects"), 1, "{stats}");
    end(agent);
}

/// Events in each flood.
const FLOOD: u32 = 20_000;
/// How much an agent's VmRSS (after `malloc_trim`) may grow over a flood. The queue holds at
/// most 100 events of ~400 bytes; what this catches is memory kept per event (an unbounded
/// queue would hold up to 20 000 of them, ~8 MB plus the decoded copies).
const FLOOD_RSS_GROWTH_LIMIT_KB: u64 = 8 * 1024;

/// A broker that never drops a message for a slow subscriber itself, so that every loss seen
/// is the client's.
fn lossless_broker(pki: &Pki) -> Mosquitto {
    Mosquitto::start(
        pki,
        MosquittoOptions {
            extra_config: vec!["max_queued_messages 0".into(), "max_queued_bytes 0".into()],
            ..Default::default()
        },
    )
}

#[test]
fn a_slow_callback_under_a_flood_drops_and_counts_or_loses_nothing() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = lossless_broker(&pki);
    let dir = TempDir::new("flood");
    let config = broker.write_dxlclient_config(&pki, dir.path());

    // Drop-oldest, a queue of 100, a callback that takes 1 ms: most of the flood is dropped,
    // and every event is accounted for, delivered or counted as dropped.
    let (agent, drained) = flood(&broker, &pki, &config, "drop", 1000);
    let (calls, dropped) = (field(&drained, "calls"), field(&drained, "dropped"));
    assert_eq!(field(&drained, "received"), u64::from(FLOOD), "{drained}");
    assert_eq!(calls + dropped, u64::from(FLOOD), "{drained}");
    assert!(dropped > 0 && calls >= 100, "{drained}");
    assert_eq!(field(&drained, "duplicates"), 0, "{drained}");
    end(agent);

    // Block, a queue of 100, a callback that takes 0.2 ms: the client stops reading while the
    // callback catches up, and every event arrives.
    let (mut agent, drained) = flood(&broker, &pki, &config, "block", 200);
    assert_eq!(field(&drained, "calls"), u64::from(FLOOD), "{drained}");
    assert_eq!(field(&drained, "dropped"), 0, "{drained}");
    assert_all_seen(&mut agent, 0..FLOOD);
    end(agent);
}

/// Starts an agent with `policy`, a queue of 100 and a callback taking `delay_us`, publishes
/// [`FLOOD`] events and waits until each is delivered or dropped; checks that memory stayed
/// bounded and returns the agent with its DRAIN line.
fn flood(broker: &Mosquitto, pki: &Pki, config: &Path, policy: &str, delay_us: u64) -> (CAgent, String) {
    let (mut agent, idle_kb) = start_agent("", config, policy, 100, delay_us);
    publish(broker, pki, 0..FLOOD);
    let drained = agent.ask(&format!("DRAIN {FLOOD} {}", STEP.as_millis()), "DRAIN", STEP + STEP);
    eprintln!("{policy}: {drained} (idle rss_kb={idle_kb})");
    let growth = field(&drained, "rss_kb").saturating_sub(idle_kb);
    assert!(
        growth < FLOOD_RSS_GROWTH_LIMIT_KB,
        "{policy}: rss grew {growth} kB: {drained}"
    );
    (agent, drained)
}

/// Ends an agent's dialogue; it must report no failure of its own.
fn end(mut agent: CAgent) {
    agent.send("END");
    agent.finish("network_faults_test: 0 failed", STEP);
}

/// One connection attempt by the C agent; returns its CONNECT (or LOAD) line.
fn connect_once(config: &Path) -> String {
    let mut agent = CAgent::start("network_faults_test", &["connect", config.to_str().unwrap()]);
    let line = agent.expect("", STEP);
    agent.wait_exit(STEP);
    line
}

#[test]
fn tls_faults_are_refused_with_a_message_that_says_which() {
    make_c_programs();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let line = broker.broker_line("local");
    let dir = TempDir::new("tls-faults");
    let write = |name: &str, ca: &Path, cert: &Path, key: &Path| {
        let sub = dir.join(name);
        std::fs::create_dir_all(&sub).unwrap();
        support::write_dxlclient_config_with(&sub, ca, cert, key, std::slice::from_ref(&line))
    };
    let good = write("good", &pki.ca_cert, &pki.client_cert, &pki.client_key);
    let outcome = connect_once(&good);
    assert_eq!(outcome, "CONNECT OK connected");

    // A configuration whose `file` (as the harness names it beside the config) is gone.
    let without = |name: &str, file: &str| {
        let config = write(name, &pki.ca_cert, &pki.client_cert, &pki.client_key);
        std::fs::remove_file(dir.join(name).join(file)).unwrap();
        config
    };
    // (what, configuration, the outcome's start, what its message must say)
    let cases = [
        (
            "client certificate from another CA",
            write(
                "foreign-client",
                &pki.ca_cert,
                &pki.other_client_cert,
                &pki.other_client_key,
            ),
            "CONNECT TLS",
            vec!["the broker refused our client certificate (CertFile): it is not signed by a CA the broker trusts"],
        ),
        (
            "key that does not match the certificate",
            write("key-mismatch", &pki.ca_cert, &pki.client_cert, &pki.unrelated_key),
            "CONNECT TLS",
            vec![
                "client.crt and private key",
                "client.key cannot be used together",
                "KeyMismatch",
            ],
        ),
        (
            "missing CA file",
            without("missing-ca", "ca-bundle.crt"),
            "LOAD CONFIG",
            vec!["[Certs] BrokerCertChain: file not found", "ca-bundle.crt"],
        ),
        (
            "missing certificate file",
            without("missing-cert", "client.crt"),
            "LOAD CONFIG",
            vec!["[Certs] CertFile: file not found", "client.crt"],
        ),
        (
            "missing key file",
            without("missing-key", "client.key"),
            "LOAD CONFIG",
            vec!["[Certs] PrivateKey: file not found", "client.key"],
        ),
    ];
    for (what, config, start, says) in &cases {
        let outcome = connect_once(config);
        assert!(outcome.starts_with(start), "{what}: {outcome}");
        for text in says {
            assert!(outcome.contains(text), "{what}: {outcome:?} does not say {text:?}");
        }
    }

    for (what, options, says) in [
        (
            "untrusted CA",
            MosquittoOptions {
                use_other_ca_broker_cert: true,
                ..Default::default()
            },
            "the broker's certificate is not signed by a CA of the broker CA bundle (BrokerCertChain)",
        ),
        (
            "expired broker certificate",
            MosquittoOptions {
                use_expired_broker_cert: true,
                ..Default::default()
            },
            "the broker's certificate has expired",
        ),
    ] {
        let bad = Mosquitto::start(&pki, options);
        let sub = dir.join(what.replace(' ', "-"));
        std::fs::create_dir_all(&sub).unwrap();
        let outcome = connect_once(&bad.write_dxlclient_config(&pki, &sub));
        assert!(outcome.starts_with("CONNECT TLS"), "{what}: {outcome}");
        assert!(outcome.contains(says), "{what}: {outcome:?} does not say {says:?}");
    }
}
