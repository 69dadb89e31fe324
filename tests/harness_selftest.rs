//! Proves the integration-test harness (tests/support) against the real things: the PKI made
//! by `openssl`, Debian's mosquitto with TLS and required client certificates, the
//! mosquitto-clients tools, and the Python venv with the reference clients. Every child
//! process runs under a timeout.

mod support;

use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{mosquitto_client, run_with_timeout, Finished, Mosquitto, MosquittoOptions, Pki, TempDir};

const T: Duration = Duration::from_secs(15);

fn openssl(args: &[&str]) -> Finished {
    let mut cmd = Command::new("openssl");
    cmd.args(args);
    run_with_timeout(cmd, T)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Publishes `message` retained on `topic` (so the subscriber gets it whenever it subscribes).
fn publish(port: u16, pki: &Pki, topic: &str, message: &str, extra: &[&str]) -> Finished {
    let mut cmd = mosquitto_client(
        "mosquitto_pub",
        port,
        &pki.ca_cert,
        Some((&pki.client_cert, &pki.client_key)),
    );
    cmd.args(["-t", topic, "-m", message, "-r", "-q", "1"]).args(extra);
    run_with_timeout(cmd, T)
}

/// Receives one message on `topic` (gives up after 5 s).
fn receive_one(port: u16, pki: &Pki, topic: &str) -> Finished {
    let mut cmd = mosquitto_client(
        "mosquitto_sub",
        port,
        &pki.ca_cert,
        Some((&pki.client_cert, &pki.client_key)),
    );
    cmd.args(["-t", topic, "-C", "1", "-W", "5"]);
    run_with_timeout(cmd, T)
}

fn round_trip(broker: &Mosquitto, pki: &Pki, message: &str) {
    let published = publish(broker.port(), pki, "harness/selftest", message, &[]);
    assert!(published.success(), "mosquitto_pub: {published:?}\n{}", broker.log());
    let received = receive_one(broker.port(), pki, "harness/selftest");
    assert!(received.success(), "mosquitto_sub: {received:?}\n{}", broker.log());
    assert_eq!(received.stdout.trim_end(), message);
}

#[test]
fn pki_has_the_promised_contents() {
    let pki = Pki::generate();
    let text = |p: &Path| std::fs::read_to_string(p).unwrap();
    assert!(text(&pki.client_key).starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(text(&pki.pkcs1_client_key).starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    for (cert, ca) in [
        (&pki.broker_cert, &pki.ca_cert),
        (&pki.client_cert, &pki.ca_cert),
        (&pki.pkcs1_client_cert, &pki.ca_cert),
        (&pki.other_broker_cert, &pki.other_ca_cert),
        (&pki.other_client_cert, &pki.other_ca_cert),
    ] {
        let v = openssl(&["verify", "-CAfile", path(ca), path(cert)]);
        assert!(v.success(), "{v:?}");
        let v = openssl(&[
            "verify",
            "-CAfile",
            path(if ca == &pki.ca_cert {
                &pki.other_ca_cert
            } else {
                &pki.ca_cert
            }),
            path(cert),
        ]);
        assert!(!v.success(), "{} must not chain to the other CA", cert.display());
    }
    // ePO-like broker certificate: CN not the host name, no subjectAltName, RSA 2048.
    let b = openssl(&["x509", "-in", path(&pki.broker_cert), "-noout", "-subject", "-text"]);
    assert!(b.stdout.contains("subject=CN = dxlbroker.example"), "{}", b.stdout);
    assert!(!b.stdout.contains("Subject Alternative Name"), "{}", b.stdout);
    assert!(b.stdout.contains("Public-Key: (2048 bit)"), "{}", b.stdout);
    // Expired, but otherwise from the main CA.
    let e = openssl(&["verify", "-CAfile", path(&pki.ca_cert), path(&pki.expired_broker_cert)]);
    assert!(
        !e.success() && (e.stdout.contains("certificate has expired") || e.stderr.contains("certificate has expired")),
        "{e:?}"
    );
    let e = openssl(&[
        "verify",
        "-no_check_time",
        "-CAfile",
        path(&pki.ca_cert),
        path(&pki.expired_broker_cert),
    ]);
    assert!(e.success(), "{e:?}");
    // Keys match their certificates; the unrelated key matches none.
    let modulus = |args: &[&str]| openssl(args).stdout;
    let cert_mod = |c: &Path| modulus(&["x509", "-in", path(c), "-noout", "-modulus"]);
    let key_mod = |k: &Path| modulus(&["rsa", "-in", path(k), "-noout", "-modulus"]);
    assert_eq!(cert_mod(&pki.client_cert), key_mod(&pki.client_key));
    assert_eq!(cert_mod(&pki.pkcs1_client_cert), key_mod(&pki.pkcs1_client_key));
    assert_eq!(cert_mod(&pki.broker_cert), key_mod(&pki.broker_key));
    assert_eq!(cert_mod(&pki.expired_broker_cert), key_mod(&pki.expired_broker_key));
    assert_ne!(cert_mod(&pki.client_cert), key_mod(&pki.unrelated_key));
    assert_ne!(cert_mod(&pki.ca_cert), cert_mod(&pki.other_ca_cert));
    // A second PKI's certificates do not chain to the first one's CA.
    let second = Pki::generate();
    let v = openssl(&["verify", "-CAfile", path(&pki.ca_cert), path(&second.client_cert)]);
    assert!(!v.success(), "{v:?}");
}

#[test]
fn message_round_trips_over_tls_with_client_certificate() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    assert!(broker.pid().is_some());
    round_trip(&broker, &pki, "hello over TLS");
    // The listener is on 127.0.0.1 only.
    assert!(broker
        .log()
        .contains(&format!("Opening ipv4 listen socket on port {}", broker.port())));
    assert!(std::fs::read_to_string(broker.conf_path())
        .unwrap()
        .contains(&format!("listener {} 127.0.0.1\n", broker.port())));
}

#[test]
fn live_message_reaches_a_waiting_subscriber() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let port = broker.port();
    let sub = std::thread::spawn({
        let (ca, cert, key) = (pki.ca_cert.clone(), pki.client_cert.clone(), pki.client_key.clone());
        move || {
            let mut cmd = mosquitto_client("mosquitto_sub", port, &ca, Some((&cert, &key)));
            cmd.args(["-t", "harness/live", "-C", "1", "-W", "8"]);
            run_with_timeout(cmd, T)
        }
    });
    // Publish (not retained) until the subscriber has it and exits.
    for _ in 0..40 {
        if sub.is_finished() {
            break;
        }
        let mut cmd = mosquitto_client(
            "mosquitto_pub",
            port,
            &pki.ca_cert,
            Some((&pki.client_cert, &pki.client_key)),
        );
        cmd.args(["-t", "harness/live", "-m", "live"]);
        assert!(run_with_timeout(cmd, T).success());
        std::thread::sleep(Duration::from_millis(200));
    }
    let got = sub.join().unwrap();
    assert!(got.success(), "{got:?}\n{}", broker.log());
    assert_eq!(got.stdout.trim_end(), "live");
}

#[test]
fn pkcs1_client_key_is_accepted_by_the_broker() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let mut cmd = mosquitto_client(
        "mosquitto_pub",
        broker.port(),
        &pki.ca_cert,
        Some((&pki.pkcs1_client_cert, &pki.pkcs1_client_key)),
    );
    cmd.args(["-t", "harness/pkcs1", "-m", "x"]);
    let done = run_with_timeout(cmd, T);
    assert!(done.success(), "{done:?}\n{}", broker.log());
}

#[test]
fn client_without_certificate_is_refused() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let mut cmd = mosquitto_client("mosquitto_pub", broker.port(), &pki.ca_cert, None);
    cmd.args(["-t", "harness/nocert", "-m", "x"]);
    let done = run_with_timeout(cmd, T);
    assert!(!done.timed_out, "{done:?}");
    assert!(!done.status.success(), "a client without certificate got in: {done:?}");
    // The broker refused it for the missing certificate.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !broker.log().contains("peer did not return a certificate") {
        assert!(std::time::Instant::now() < deadline, "{}", broker.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn client_certificate_from_another_ca_is_refused() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let mut cmd = mosquitto_client(
        "mosquitto_pub",
        broker.port(),
        &pki.ca_cert,
        Some((&pki.other_client_cert, &pki.other_client_key)),
    );
    cmd.args(["-t", "harness/stranger", "-m", "x"]);
    let done = run_with_timeout(cmd, T);
    assert!(!done.timed_out && !done.status.success(), "{done:?}");
}

#[test]
fn untrusted_and_expired_broker_certificates_are_rejected_by_the_client() {
    let pki = Pki::generate();
    for options in [
        MosquittoOptions {
            use_other_ca_broker_cert: true,
            ..Default::default()
        },
        MosquittoOptions {
            use_expired_broker_cert: true,
            ..Default::default()
        },
    ] {
        let broker = Mosquitto::start(&pki, options.clone());
        let mut cmd = mosquitto_client(
            "mosquitto_pub",
            broker.port(),
            &pki.ca_cert,
            Some((&pki.client_cert, &pki.client_key)),
        );
        cmd.args(["-t", "harness/untrusted", "-m", "x"]);
        let done = run_with_timeout(cmd, T);
        assert!(!done.timed_out && !done.status.success(), "{options:?}: {done:?}");
    }
}

#[test]
fn tls12_only_broker_rejects_tls13_clients_and_accepts_tls12() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(
        &pki,
        MosquittoOptions {
            tls12_only: true,
            ..Default::default()
        },
    );
    let tls13 = publish(broker.port(), &pki, "harness/tls", "1.3", &["--tls-version", "tlsv1.3"]);
    assert!(
        !tls13.timed_out && !tls13.status.success(),
        "TLS 1.3 client got in: {tls13:?}"
    );
    let tls12 = publish(broker.port(), &pki, "harness/tls", "1.2", &["--tls-version", "tlsv1.2"]);
    assert!(tls12.success(), "{tls12:?}\n{}", broker.log());
    // A client offering both ends up on TLS 1.2 (openssl s_client reports the protocol).
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", &format!("127.0.0.1:{}", broker.port())])
        .args([
            "-CAfile",
            path(&pki.ca_cert),
            "-cert",
            path(&pki.client_cert),
            "-key",
            path(&pki.client_key),
        ]);
    let s = run_with_timeout(cmd, T);
    assert!(
        s.stdout.contains("Protocol  : TLSv1.2") || s.stdout.contains("New, TLSv1.2"),
        "{s:?}"
    );
    // The Python dxlclient's only TLS 1.2 cipher (RSA key exchange) is available.
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{}", broker.port()),
        "-tls1_2",
        "-cipher",
        "AES128-SHA256",
    ])
    .args([
        "-CAfile",
        path(&pki.ca_cert),
        "-cert",
        path(&pki.client_cert),
        "-key",
        path(&pki.client_key),
    ]);
    let s = run_with_timeout(cmd, T);
    assert!(s.stdout.contains("Cipher is AES128-SHA256"), "{s:?}");
}

#[test]
fn default_broker_speaks_tls13() {
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let tls13 = publish(broker.port(), &pki, "harness/tls", "1.3", &["--tls-version", "tlsv1.3"]);
    assert!(tls13.success(), "{tls13:?}");
}

#[test]
fn restart_brings_the_broker_back_on_the_same_port() {
    let pki = Pki::generate();
    let mut broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let (port, pid) = (broker.port(), broker.pid().unwrap());
    round_trip(&broker, &pki, "before");
    broker.stop();
    assert_eq!(broker.pid(), None);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "still listening after stop()"
    );
    broker.restart();
    assert_eq!(broker.port(), port);
    assert_ne!(broker.pid().unwrap(), pid);
    assert!(broker.is_running());
    // persistence false: the retained message is gone with the old process.
    round_trip(&broker, &pki, "after");
    // restart() also works on a running broker.
    broker.restart();
    assert_eq!(broker.port(), port);
    round_trip(&broker, &pki, "again");
}

#[test]
fn fixed_port_option_is_honoured() {
    let pki = Pki::generate();
    let port = support::free_port();
    let broker = Mosquitto::start(
        &pki,
        MosquittoOptions {
            port: Some(port),
            ..Default::default()
        },
    );
    assert_eq!(broker.port(), port);
    round_trip(&broker, &pki, "fixed");
}

#[test]
fn many_brokers_start_in_parallel() {
    let pki = Pki::generate();
    let brokers: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| s.spawn(|| Mosquitto::start(&pki, MosquittoOptions::default())))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut ports: Vec<_> = brokers.iter().map(Mosquitto::port).collect();
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), brokers.len());
    for b in &brokers {
        round_trip(b, &pki, "parallel");
    }
}

#[test]
fn dxlclient_config_uses_relative_certificate_paths() {
    let pki = Pki::generate();
    let dir = TempDir::new("config-selftest");
    let lines = [support::broker_line("b1", 8883), support::broker_line("b2", 8993)];
    let config = support::write_dxlclient_config(dir.path(), &pki, &lines);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("[Certs]\nBrokerCertChain=ca-bundle.crt\nCertFile=client.crt\nPrivateKey=client.key\n"),
        "{text}"
    );
    assert!(
        text.contains("[Brokers]\nb1=b1;8883;localhost;127.0.0.1\nb2=b2;8993;localhost;127.0.0.1\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(dir.join("client.key")).unwrap(),
        std::fs::read(&pki.client_key).unwrap()
    );
    // Certificates already next to the config are named, not copied.
    let config = support::write_dxlclient_config_with(
        pki.dir.path(),
        &pki.ca_cert,
        &pki.pkcs1_client_cert,
        &pki.pkcs1_client_key,
        &[],
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("BrokerCertChain=ca.crt\nCertFile=pkcs1-client.crt\nPrivateKey=pkcs1-client.key\n"),
        "{text}"
    );
    assert!(std::fs::read_to_string(&pki.pkcs1_client_key)
        .unwrap()
        .starts_with("-----BEGIN RSA PRIVATE KEY-----"));
}

#[test]
fn python_venv_imports_the_reference_clients_and_reads_the_written_config() {
    let python = support::python_venv();
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let dir = TempDir::new("python-selftest");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    let script = r#"
import sys, dxlclient, dxltieclient, msgpack
from dxlclient.client_config import DxlClientConfig
c = DxlClientConfig.create_dxl_config_from_file(sys.argv[1])
b = c.brokers[0]
print(dxlclient.__name__, dxltieclient.__name__, msgpack.version, b.unique_id, b.port, b.host_name, b.ip_address)
"#;
    let mut cmd = Command::new(&python);
    cmd.args(["-c", script]).arg(&config);
    let done = run_with_timeout(cmd, Duration::from_secs(60));
    assert!(done.success(), "{done:?}");
    assert_eq!(
        done.stdout.trim(),
        format!(
            "dxlclient dxltieclient (0, 6, 2) local {} localhost 127.0.0.1",
            broker.port()
        )
    );
}

#[test]
fn python_dxlclient_connects_to_the_broker() {
    let python = support::python_venv();
    let pki = Pki::generate();
    let broker = Mosquitto::start(
        &pki,
        MosquittoOptions {
            tls12_only: true,
            ..Default::default()
        },
    );
    let dir = TempDir::new("python-connect");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    let script = r#"
import sys
from dxlclient.client import DxlClient
from dxlclient.client_config import DxlClientConfig
c = DxlClientConfig.create_dxl_config_from_file(sys.argv[1])
c.connect_retries = 0
with DxlClient(c) as client:
    client.connect()
    print("connected", client.connected)
"#;
    let mut cmd = Command::new(&python);
    cmd.args(["-c", script]).arg(&config);
    let done = run_with_timeout(cmd, Duration::from_secs(60));
    assert!(done.success(), "{done:?}\n{}", broker.log());
    assert_eq!(done.stdout.trim(), "connected True");
}
