//! End-to-end tests of the local fabric: each test starts the `dxltie-fabric` binary on a free
//! port in its own folder, waits for its READY line, talks to it with a `dxltie::dxl::Client`
//! built from the generated `dxlclient.config`, and kills it by pid at the end.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
mod common;

use common::{run_bounded, temp_dir, Fabric};
use dxltie::dxl::{CallbackKind, Client, ClientConfig, DxlError, Handle, Handler, Message, PemSource, ServiceInfo};
use serde_json::{json, Value};

const REQUEST: Duration = Duration::from_secs(10);
const EVENT: Duration = Duration::from_secs(10);

const FILE_REP: &str = "/mcafee/service/tie/file/reputation";
const FILE_REP_SET: &str = "/mcafee/service/tie/file/reputation/set";
const FILE_AGENTS: &str = "/mcafee/service/tie/file/agents";
const CERT_REP: &str = "/mcafee/service/tie/cert/reputation";
const EXTERNAL_REPORT: &str = "/mcafee/event/external/file/report";
const FILE_REPCHANGE: &str = "/mcafee/event/tie/file/repchange/broadcast";
const DETECTION: &str = "/mcafee/event/tie/file/detection";
const FIRST_INSTANCE: &str = "/mcafee/event/tie/file/firstinstance";
const EMIT: &str = "/dxltie/fabric/emit";
const REGISTER: &str = "/mcafee/service/dxl/svcregistry/register";
const QUERY: &str = "/mcafee/service/dxl/svcregistry/query";
const REGISTER_EVENT: &str = "/mcafee/event/dxl/svcregistry/register";

/// notepad.exe, as the fakesvc vectors send it (hex md5 f2c7…, sha1 7eb0…, sha256 142e…).
const NOTEPAD_HASHES: &str = r#"[{"type": "md5", "value": "8se7isyX+S6Yei1Ah9AhsQ=="}, {"type": "sha1", "value": "frATnSF1c5s8yw0REAZ4IL5qvSk="}, {"type": "sha256", "value": "FC4daI7wVoNww3GH/Z8jUdfd7aV0+L+psPpO9C24WqI="}]"#;

fn request(client: &Client, topic: &str, payload: &str) -> Result<Message, DxlError> {
    client.sync_request(Message::request(topic, payload.as_bytes().to_vec()), REQUEST)
}

fn json_of(message: &Message) -> Value {
    serde_json::from_slice(&message.payload).expect("JSON payload")
}

/// Subscribes to `topic` and returns a receiver of the payloads of its events.
fn listen(client: &Client, topic: &str) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    let handler: Handler = Arc::new(move |_: &Handle, event: &Message| {
        let _ = tx.send(event.payload.clone());
    });
    client
        .add_callback(CallbackKind::Event, topic, handler, true)
        .expect("subscribe");
    rx
}

/// The reputation with this providerId from a get response.
fn provider(reply: &Value, id: i64) -> Value {
    reply["reputations"]
        .as_array()
        .expect("reputations")
        .iter()
        .rev()
        .find(|r| r["providerId"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no provider {id} in {reply}"))
}

#[test]
fn get_file_reputation_of_notepad() {
    let fabric = Fabric::start("get", &[]);
    eprintln!("fabric READY after {:?}", fabric.startup);
    let client = fabric.client();

    let reply = request(
        &client,
        FILE_REP,
        &format!(r#"{{"hashes": {NOTEPAD_HASHES}, "scanType": 3}}"#),
    )
    .expect("get file reputation");
    let reply = json_of(&reply);
    assert_eq!(reply["props"]["submitMetaData"], 1);
    let gti = provider(&reply, 1);
    assert_eq!(gti["trustLevel"], 99);
    assert_eq!(gti["attributes"]["2120340"], "2139160704");
    let enterprise = provider(&reply, 3);
    assert_eq!(enterprise["trustLevel"], 0);
    assert_eq!(enterprise["attributes"]["2139285"], "72339069014638857");

    // The fakes' error for unknown hashes.
    let unknown = r#"{"hashes": [{"type": "md5", "value": "ABEiM0RVZneImaq7zN3u/w=="}], "scanType": 3}"#;
    match request(&client, FILE_REP, unknown) {
        Err(DxlError::Service { code, message, .. }) => {
            assert_eq!(code, 0);
            assert_eq!(message, "Could not find reputation");
        }
        other => panic!("expected an ErrorResponse, got {other:?}"),
    }

    // Certificates are found by sha1 alone; first references come from the seed data.
    let cert = request(
        &client,
        CERT_REP,
        r#"{"hashes": [{"type": "sha1", "value": "bq4m24wTGCp5R5gpkbQyFzLMPeI="}]}"#,
    )
    .expect("get cert reputation");
    assert_eq!(provider(&json_of(&cert), 2)["trustLevel"], 99);
    let agents = request(
        &client,
        FILE_AGENTS,
        &format!(r#"{{"queryLimit": 500, "hashes": {NOTEPAD_HASHES}}}"#),
    )
    .expect("first references");
    assert_eq!(json_of(&agents)["agents"].as_array().map(Vec::len), Some(3));
    client.close().unwrap();
}

#[test]
fn set_then_get_file_reputation_and_repchange_event() {
    let fabric = Fabric::start("set", &[]);
    let client = fabric.client();
    let events = listen(&client, FILE_REPCHANGE);

    let set = format!(
        r#"{{"trustLevel": 85, "providerId": 3, "filename": "notepad.exe", "comment": "fabric test", "hashes": {NOTEPAD_HASHES}}}"#
    );
    let reply = request(&client, FILE_REP_SET, &set).expect("set file reputation");
    assert!(reply.payload.is_empty());

    let event = events.recv_timeout(EVENT).expect("a file rep-change event");
    let text = String::from_utf8(event).unwrap();
    assert!(
        text.starts_with(r#"{"hashes": [{"type": "md5", "value": "8se7isyX+S6Yei1Ah9AhsQ=="}, "#),
        "{text}"
    );
    let event: Value = serde_json::from_str(&text).unwrap();
    let new = event["newReputations"]["reputations"].as_array().unwrap();
    assert!(
        new.iter().any(|r| r["providerId"] == 3 && r["trustLevel"] == 85),
        "{text}"
    );
    let old = event["oldReputations"]["reputations"].as_array().unwrap();
    assert!(
        old.iter().any(|r| r["providerId"] == 3 && r["trustLevel"] == 0),
        "{text}"
    );
    assert_eq!(
        event["relationships"]["certificate"]["publicKeySha1"],
        "Q139Rw9ydDfHy08Hy6H5ofQnJlY="
    );

    let reply = request(
        &client,
        FILE_REP,
        &format!(r#"{{"hashes": {NOTEPAD_HASHES}, "scanType": 3}}"#),
    )
    .unwrap();
    let reply = json_of(&reply);
    assert_eq!(provider(&reply, 3)["trustLevel"], 85);
    assert_eq!(provider(&reply, 1)["trustLevel"], 99);
    client.close().unwrap();
}

#[test]
fn external_report_is_stored_as_provider_15() {
    let fabric = Fabric::start("external", &[]);
    let client = fabric.client();
    let events = listen(&client, FILE_REPCHANGE);
    // An unknown file (the vectors' UNKNOWN hashes), reported with hex hashes as Python sends them.
    let report = json!({
        "file": {"type": 18, "hashes": {"md5": "00112233445566778899aabbccddeeff"},
                 "attributes": {"filename": "unknown.exe"}, "reputation": {"score": 70}},
        "provider": {"id": 15}, "comment": ""
    });
    client
        .send_event(&Message::event(EXTERNAL_REPORT, report.to_string()))
        .unwrap();
    events.recv_timeout(EVENT).expect("the report's rep-change event");
    let reply = request(
        &client,
        FILE_REP,
        r#"{"hashes": [{"type": "md5", "value": "ABEiM0RVZneImaq7zN3u/w=="}], "scanType": 3}"#,
    )
    .expect("the reported file is known now");
    assert_eq!(provider(&json_of(&reply), 15)["trustLevel"], 70);
    client.close().unwrap();
}

#[test]
fn emit_request_produces_detection_events_with_base64_hashes() {
    let fabric = Fabric::start("emit", &[]);
    let client = fabric.client();
    let detections = listen(&client, DETECTION);

    let reply = request(&client, EMIT, r#"{"kind": "detection", "count": 5}"#).expect("emit");
    assert_eq!(String::from_utf8(reply.payload).unwrap(), r#"{"emitted": 5}"#);
    for n in 0..5 {
        let payload = detections
            .recv_timeout(EVENT)
            .unwrap_or_else(|e| panic!("detection event {n}: {e}"));
        let event: Value = serde_json::from_slice(&payload).unwrap();
        let keys: Vec<&str> = event.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "agentGuid",
                "detectionTime",
                "hashes",
                "localReputation",
                "name",
                "remediationAction"
            ]
        );
        assert_eq!(event["remediationAction"], 5);
        let hashes = event["hashes"].as_array().unwrap();
        assert_eq!(hashes.len(), 3);
        for hash in hashes {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(hash["value"].as_str().unwrap())
                .expect("base64 hash");
            let expected = match hash["type"].as_str().unwrap() {
                "md5" => 16,
                "sha1" => 20,
                "sha256" => 32,
                other => panic!("hash type {other}"),
            };
            assert_eq!(bytes.len(), expected);
        }
    }
    assert!(
        detections.recv_timeout(Duration::from_millis(300)).is_err(),
        "more detection events than asked for"
    );

    match request(&client, EMIT, r#"{"kind": "nothing"}"#) {
        Err(DxlError::Service { message, .. }) => assert!(message.starts_with("Unknown kind"), "{message}"),
        other => panic!("expected an ErrorResponse, got {other:?}"),
    }
    client.close().unwrap();
}

#[test]
fn periodic_events() {
    let fabric = Fabric::start("periodic", &["--events-every", "0.2"]);
    let client = fabric.client();
    let detections = listen(&client, DETECTION);
    let first_instances = listen(&client, FIRST_INSTANCE);
    detections.recv_timeout(EVENT).expect("a periodic detection event");
    let payload = first_instances
        .recv_timeout(EVENT)
        .expect("a periodic first-instance event");
    let event: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(event["name"], "MORPH.EXE");
    client.close().unwrap();
}

/// A client certificate from a CA the fabric never saw, named `ca_name`.
fn foreign_client_cert(dir: &Path, ca_name: &str) -> (PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::default();
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name.push(DnType::CommonName, "dxltie-fabric client");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let cert_path = dir.join("foreign.crt");
    let key_path = dir.join("foreign.key");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (cert_path, key_path)
}

#[test]
fn client_certificate_from_another_ca_is_refused() {
    let fabric = Fabric::start("foreign", &[]);
    let own = ClientConfig::from_file(&fabric.config).unwrap();
    // A CA of another name, and an impostor CA with the fabric CA's name but another key.
    for (n, ca_name) in ["some other CA", "dxltie-fabric CA"].into_iter().enumerate() {
        let (cert, key) = foreign_client_cert(&fabric.dir.join(format!("foreign{n}")), ca_name);
        // Same broker, same trusted CA for the broker: only the client certificate differs.
        let mut foreign = ClientConfig::new(own.broker_ca.clone(), PemSource::File(cert), PemSource::File(key));
        foreign.brokers = own.brokers.clone();
        foreign.connect_retries = 1;
        let client = Client::new(foreign).unwrap();
        let started = Instant::now();
        let outcome = client.connect(Duration::from_secs(8));
        assert!(outcome.is_err(), "a client certificate from \"{ca_name}\" was accepted");
        eprintln!(
            "\"{ca_name}\" refused after {:?}: {}",
            started.elapsed(),
            outcome.unwrap_err()
        );
        assert!(!client.is_connected());
        client.close().unwrap();
    }

    // The fabric's own client certificate still works.
    fabric.client().close().unwrap();
}

#[test]
fn service_registry_answers() {
    let fabric = Fabric::start("registry", &[]);
    let client = fabric.client();
    let registered = listen(&client, REGISTER_EVENT);

    let payload = r#"{"serviceType": "/mycompany/myservice", "metaData": {"version": "1.0"}, "requestChannels": ["/mycompany/myservice/method1"], "ttlMins": 60, "serviceGuid": "{66666666-6666-4666-8666-666666666666}"}"#;
    let reply = request(&client, REGISTER, payload).expect("a register response");
    assert!(reply.payload.is_empty());
    let event: Value = serde_json::from_slice(&registered.recv_timeout(EVENT).expect("a register event")).unwrap();
    assert_eq!(event["serviceGuid"], "{66666666-6666-4666-8666-666666666666}");
    assert_eq!(event["clientGuid"], client.client_id());

    // A service registered with the client API is confirmed, listed and reachable.
    let service = ServiceInfo::new("/dxltie/test/echo", &["/dxltie/test/echo/say"]);
    let guid = service.service_id.clone();
    let echo: Handler = Arc::new(|handle: &Handle, request: &Message| {
        let _ = handle.send_response(&Message::response_to(request, request.payload.clone()));
    });
    client.register_service(service, echo).unwrap();
    let deadline = Instant::now() + EVENT;
    loop {
        let reply = request(&client, QUERY, r#"{"serviceType": "/dxltie/test/echo"}"#).expect("query");
        let services = json_of(&reply)["services"].clone();
        if services.get(&guid).is_some() {
            assert_eq!(services[&guid]["requestChannels"][0], "/dxltie/test/echo/say");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the service never appeared in the registry: {services}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let echoed = request(&client, "/dxltie/test/echo/say", "hello").expect("echo");
    assert_eq!(echoed.payload, b"hello");

    client.unregister_service(&guid).unwrap();
    let deadline = Instant::now() + EVENT;
    loop {
        let reply = request(&client, QUERY, &format!(r#"{{"serviceGuid": "{guid}"}}"#)).unwrap();
        if json_of(&reply)["services"].as_object().is_some_and(|s| s.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "the service was never unregistered");
        std::thread::sleep(Duration::from_millis(50));
    }
    client.close().unwrap();
}

#[test]
fn sigterm_stops_cleanly_and_removes_the_pid_file() {
    let pid_file = temp_dir("pidfile").with_extension("pid");
    let mut fabric = Fabric::start("sigterm", &["--pid-file", pid_file.to_str().unwrap()]);
    let written = std::fs::read_to_string(&pid_file).expect("pid file written before READY");
    assert_eq!(written.trim(), fabric.pid().to_string());
    // Connected clients do not keep it from stopping.
    let client = fabric.client();

    let started = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &fabric.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = fabric.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running 15 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    eprintln!("stopped {:?} after SIGTERM", started.elapsed());
    assert!(exit.success(), "exit status {exit:?}");
    assert!(!pid_file.exists(), "pid file left behind");
    drop(client);
    // The port is free again.
    assert!(std::net::TcpStream::connect(("127.0.0.1", fabric.port)).is_err());
}

#[test]
fn init_is_idempotent() {
    let dir = temp_dir("init");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_dxltie-fabric"))
            .arg("init")
            .arg(&dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run(&["--port", "18883"]);
    assert!(first.contains("ca.crt"), "{first}");
    let ca = std::fs::read(dir.join("ca.crt")).unwrap();
    let key = std::fs::read_to_string(dir.join("client.key")).unwrap();
    assert!(
        key.starts_with("-----BEGIN PRIVATE KEY-----"),
        "client key is PKCS#8 PEM"
    );
    let config = std::fs::read_to_string(dir.join("dxlclient.config")).unwrap();
    assert!(config.contains("local = local;18883;localhost;127.0.0.1"), "{config}");
    assert!(config.contains("BrokerCertChain = ca.crt"), "{config}");
    let config = ClientConfig::from_file(dir.join("dxlclient.config")).unwrap();
    assert_eq!(config.brokers[0].port, 18883);

    let second = run(&[]);
    assert!(second.contains("already there"), "{second}");
    assert_eq!(std::fs::read(dir.join("ca.crt")).unwrap(), ca, "the CA was regenerated");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tls_handshake_without_client_certificate_is_refused() {
    // `make test` installs openssl (scripts/setup-deps.sh): its absence is a failure, never a
    // silent pass.
    assert!(
        Command::new("openssl").arg("version").output().is_ok(),
        "the openssl CLI is missing: run scripts/setup-deps.sh"
    );
    let fabric = Fabric::start("nocert", &[]);
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", &format!("127.0.0.1:{}", fabric.port), "-CAfile"])
        .arg(fabric.dir.join("ca.crt"));
    let (_, _, output) = run_bounded(cmd, Duration::from_secs(5));
    assert!(
        output.contains("certificate required") || output.contains("handshake failure"),
        "a TLS client without a certificate was not refused:\n{output}"
    );
    // With the fabric's client certificate the same handshake goes through.
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", &format!("127.0.0.1:{}", fabric.port), "-CAfile"])
        .arg(fabric.dir.join("ca.crt"))
        .arg("-cert")
        .arg(fabric.dir.join("client.crt"))
        .arg("-key")
        .arg(fabric.dir.join("client.key"));
    let (_, _, output) = run_bounded(cmd, Duration::from_secs(5));
    assert!(output.contains("Verify return code: 0 (ok)"), "{output}");
    assert!(!output.contains("alert"), "{output}");
}

/// The real Python `dxlclient` and `dxltieclient` (the repository's `.venv`, made by
/// `scripts/setup-venv.sh` when missing) against the fabric: every TIE operation, the events and
/// a synchronous service registration.
#[test]
fn python_reference_clients_work_against_the_fabric() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let setup = Command::new("bash")
        .arg(root.join("scripts/setup-venv.sh"))
        .current_dir(&root)
        .output()
        .expect("bash runs");
    assert!(
        setup.status.success(),
        "setup-venv.sh failed: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let python = root.join(".venv/bin/python");
    let fabric = Fabric::start("python", &[]);
    let mut cmd = Command::new(&python);
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/tie_against_fabric.py"))
        .arg(&fabric.config);
    let (finished, status, output) = run_bounded(cmd, Duration::from_secs(90));
    assert!(finished, "the Python check did not finish in 90 s:\n{output}");
    assert!(status.success() && output.contains("OK"), "{output}");
}
