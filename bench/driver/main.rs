//! `make bench`: dxltie against the reference Python client and mosquitto_sub, on one
//! mosquitto with TLS, writing BENCHMARKS.md (see that file for what is measured and how).
//!
//! Every figure is the median of several runs; runs of the different clients alternate, so a
//! slow moment of the machine does not fall on one client only. Each client is a separate
//! process: `bench` (bench/bench.c, the C API), `bench/py_events.py` and
//! `bench/py_requests.py` (the real `dxltieclient` or our Python binding), `mosquitto_sub`.
//! This driver starts the broker, floods the events (every PUBLISH encoded before the clock
//! starts), answers the requests and collects the `RESULT` lines.
//!
//! Settings come from the environment (the Makefile passes them): BENCH_BIN, BENCH_PYTHON,
//! BENCH_LIB, BENCH_OUT, BENCH_RUNS, BENCH_EVENTS, BENCH_PY_EVENTS, BENCH_REQUESTS,
//! BENCH_PY_REQUESTS, BENCH_WINDOW, BENCH_CONNECTS. `BENCH_SERVE=1` only starts the broker and
//! the responder and floods on demand, to profile one client by hand (see `serve`).

// tests/support/mod.rs allows its own dead code (`#![allow(dead_code, unused_imports)]`).
#[path = "../../tests/support/mod.rs"]
mod support;

mod raw_mqtt;
mod websockets;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dxltie::dxl::{decode, encode, Message, MessageKind};
use raw_mqtt::{put_publish, RawMqtt};
use support::{mosquitto_client, Mosquitto, MosquittoOptions, Pki, TempDir};

const DETECTION_TOPIC: &str = "/mcafee/event/tie/file/detection";
const FILE_REPUTATION_TOPIC: &str = "/mcafee/service/tie/file/reputation";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn env_path(name: &str, default: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    root.join(std::env::var(name).unwrap_or_else(|_| default.to_string()))
}

struct Settings {
    bench: PathBuf,
    python: PathBuf,
    lib: PathBuf,
    out: PathBuf,
    runs: usize,
    events: usize,
    py_events: usize,
    requests: usize,
    py_requests: usize,
    window: usize,
    connects: usize,
    /// How long each idle measurement lasts.
    idle_secs: u64,
}

impl Settings {
    fn from_env() -> Settings {
        Settings {
            bench: env_path("BENCH_BIN", "build/bench/bench"),
            python: env_path("BENCH_PYTHON", ".venv/bin/python"),
            lib: env_path("BENCH_LIB", "target/release/libdxltie.so"),
            out: env_path("BENCH_OUT", "BENCHMARKS.md"),
            runs: env_or("BENCH_RUNS", 5),
            events: env_or("BENCH_EVENTS", 100_000),
            py_events: env_or("BENCH_PY_EVENTS", 20_000),
            requests: env_or("BENCH_REQUESTS", 5_000),
            py_requests: env_or("BENCH_PY_REQUESTS", 2_000),
            window: env_or("BENCH_WINDOW", 64),
            connects: env_or("BENCH_CONNECTS", 20),
            idle_secs: env_or("BENCH_IDLE_SECS", 30),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// A client under test: its stdout read line by line on a thread.
struct Proc {
    child: Child,
    lines: Receiver<String>,
    stderr: Receiver<String>,
}

impl Proc {
    fn spawn(mut cmd: Command) -> Proc {
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let name = format!("{cmd:?}");
        let mut child = support::spawn_tied(cmd).unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (etx, stderr) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut text = String::new();
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                text.push_str(&line);
                text.push('\n');
            }
            let _ = etx.send(text);
        });
        Proc { child, lines, stderr }
    }

    /// The next stdout line starting with `prefix`; other lines are skipped.
    fn expect(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => {}
                Err(_) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    let err = self.stderr.recv_timeout(Duration::from_secs(2)).unwrap_or_default();
                    panic!("no `{prefix}` line within {timeout:?}; stderr:\n{err}");
                }
            }
        }
    }

    /// Waits for the exit (killed by pid after `timeout`).
    fn finish(mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// `RESULT key=value ...` as a map.
fn parse_result(line: &str) -> BTreeMap<String, String> {
    line.split_whitespace()
        .skip(1)
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn num(result: &BTreeMap<String, String>, key: &str) -> f64 {
    result
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number `{key}` in {result:?}"))
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------------
// The fabric side: broker, flood, responder

struct Fabric {
    pki: Pki,
    broker: Mosquitto,
    _dir: TempDir,
    config: PathBuf,
    tls: Arc<rustls::ClientConfig>,
    /// Every event as one PUBLISH packet, concatenated; `ends[i]` is where event i ends.
    flood: Vec<u8>,
    ends: Vec<usize>,
}

impl Fabric {
    fn start(events: usize) -> Fabric {
        let pki = Pki::generate();
        // `log_type subscribe`: the log says when mosquitto_sub's subscription is in place.
        let broker = Mosquitto::start(
            &pki,
            MosquittoOptions {
                extra_config: vec!["log_type subscribe".into()],
                ..Default::default()
            },
        );
        let dir = TempDir::new("bench");
        let config = broker.write_dxlclient_config(&pki, dir.path());
        let tls = dxltie::dxl::tls::client_tls_config(&broker.client_config(&pki)).expect("TLS settings");
        // The detection event the TIE server publishes (tests/support/tie_responder.rs), each
        // with its own message id, as DXL messages encoded once, up front.
        let (topic, event) = support::tie_responder::raw_events().remove(0);
        assert_eq!(topic, DETECTION_TOPIC);
        let body = serde_json::to_vec(&event).unwrap();
        let mut flood = Vec::new();
        let mut ends = Vec::with_capacity(events);
        for _ in 0..events {
            let message = encode(&Message::event(DETECTION_TOPIC, body.clone()));
            put_publish(&mut flood, DETECTION_TOPIC, &message);
            ends.push(flood.len());
        }
        Fabric {
            pki,
            broker,
            _dir: dir,
            config,
            tls,
            flood,
            ends,
        }
    }

    fn event_size(&self) -> usize {
        self.ends[0]
    }

    /// Publishes the first `count` events as fast as the connection takes them; returns the
    /// instant the first byte was handed to TLS and the publishing rate.
    fn flood(&self, count: usize, tag: &str) -> (Instant, f64) {
        let mut publisher = RawMqtt::connect(self.broker.port(), self.tls.clone(), &format!("bench-flood-{tag}"))
            .expect("flood publisher connects");
        let bytes = &self.flood[..self.ends[count - 1]];
        let start = Instant::now();
        for chunk in bytes.chunks(256 * 1024) {
            publisher.write(chunk).expect("flood");
        }
        let rate = count as f64 / start.elapsed().as_secs_f64();
        publisher.disconnect();
        (start, rate)
    }

    /// The TIE file reputation service for the request benchmarks: one thread on its own MQTT
    /// connection answering every request with the same pre-serialised reputations (those of
    /// the test responder), several answers per TLS write when requests arrive together.
    fn start_responder(&self) {
        let mut m = RawMqtt::connect(self.broker.port(), self.tls.clone(), "bench-responder").expect("responder");
        m.subscribe(FILE_REPUTATION_TOPIC).expect("responder subscribes");
        let answer = serde_json::to_vec(&serde_json::json!({
            "props": {"serverTime": 1, "submitMetaData": 1},
            "reputations": [
                {"attributes": {"2120340": "2139160704"}, "createDate": 1451502875, "providerId": 1, "trustLevel": 99},
                {"attributes": {"2101652": "17", "2102165": "1451502875", "2111893": "21", "2114965": "0",
                                "2139285": "72339069014638857"},
                 "createDate": 1451502875, "providerId": 3, "trustLevel": 0}
            ]
        }))
        .unwrap();
        std::thread::Builder::new()
            .name("bench-responder".into())
            .spawn(move || {
                let mut out = Vec::with_capacity(64 * 1024);
                loop {
                    let Ok(packet) = m.read_packet() else { return };
                    let mut next = Some(packet);
                    while let Some(p) = next {
                        if let Some((topic, payload)) = p.publish() {
                            if let Ok(request) = decode(payload, topic) {
                                if matches!(request.kind, MessageKind::Request { .. }) {
                                    let response = Message::response_to(&request, answer.clone());
                                    put_publish(&mut out, &response.destination_topic, &encode(&response));
                                }
                            }
                        }
                        next = m.buffered_packet();
                    }
                    if !out.is_empty() {
                        if m.write(&out).is_err() {
                            return;
                        }
                        out.clear();
                    }
                }
            })
            .expect("responder thread");
    }
}

/// The floor of a synchronous round trip on this broker and responder: one thread writes a
/// pre-encoded request over its own TLS connection and reads the answer, with no decoding,
/// no threads and no queues. What a client adds to this is its own cost.
fn raw_round_trips(fabric: &Fabric, count: usize, tag: &str) -> BTreeMap<String, String> {
    let client_id = format!("bench-rtt-{tag}");
    let mut m = RawMqtt::connect(fabric.broker.port(), fabric.tls.clone(), &client_id).expect("rtt client");
    let reply_topic = format!("/mcafee/client/{client_id}");
    m.subscribe(&reply_topic).expect("rtt subscribes");
    let payload = dxltie::tie::payloads::get_file_reputation(&[
        ("md5", "f2c7bb8acc97f92e987a2d4087d021b1"),
        ("sha1", "7eb0139d2175739b3ccb0d1110067820be6abd29"),
        (
            "sha256",
            "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
        ),
    ])
    .expect("payload");
    let mut request = Message::request(FILE_REPUTATION_TOPIC, payload.into_bytes());
    if let MessageKind::Request { reply_to_topic, .. } = &mut request.kind {
        *reply_to_topic = reply_topic;
    }
    let mut frame = Vec::new();
    put_publish(&mut frame, FILE_REPUTATION_TOPIC, &encode(&request));
    let one = |m: &mut RawMqtt| {
        m.write(&frame).expect("rtt write");
        while m.read_packet().expect("rtt read").publish().is_none() {}
    };
    for _ in 0..200 {
        one(&mut m);
    }
    let mut latencies = Vec::with_capacity(count);
    let start = Instant::now();
    for _ in 0..count {
        let t0 = Instant::now();
        one(&mut m);
        latencies.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    let total = start.elapsed().as_secs_f64();
    m.disconnect();
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pick = |p: f64| latencies[((p * (count - 1) as f64) + 0.5) as usize];
    let mut r = BTreeMap::new();
    r.insert("count".into(), count.to_string());
    r.insert("rate".into(), format!("{:.1}", count as f64 / total));
    r.insert("p50_ms".into(), format!("{:.4}", pick(0.5)));
    r.insert("p99_ms".into(), format!("{:.4}", pick(0.99)));
    eprintln!("  raw_rtt: {r:?}");
    r
}

// ---------------------------------------------------------------------------------------------
// Measurements

/// One measured client configuration and its runs.
#[derive(Default)]
struct Series {
    runs: Vec<BTreeMap<String, String>>,
}

impl Series {
    fn median(&self, key: &str) -> f64 {
        median(&self.runs.iter().map(|r| num(r, key)).collect::<Vec<_>>())
    }
    fn values(&self, key: &str) -> Vec<f64> {
        self.runs.iter().map(|r| num(r, key)).collect()
    }
}

struct Bench<'a> {
    s: &'a Settings,
    fabric: &'a Fabric,
    /// The command of each measurement, for the report.
    commands: BTreeMap<&'static str, String>,
    run_tag: usize,
}

impl Bench<'_> {
    fn tag(&mut self) -> String {
        self.run_tag += 1;
        format!("{}-{}", std::process::id(), self.run_tag)
    }

    fn python(&self, script: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.s.python);
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("bench").join(script))
            .args(args)
            .env("DXLTIE_LIBRARY", &self.s.lib)
            .env(
                "PYTHONPATH",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("bindings/python"),
            );
        cmd
    }

    fn record(&mut self, key: &'static str, cmd: &Command) {
        let root = env!("CARGO_MANIFEST_DIR");
        let text = std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|a| {
                let a = a.to_string_lossy();
                if a.ends_with("/dxlclient.config") {
                    "<dxlclient.config>".to_string() // a generated one, in a temp dir
                } else {
                    a.replace(&format!("{root}/"), "")
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        self.commands.entry(key).or_insert(text);
    }

    /// A client that prints READY, is flooded with `count` events and prints RESULT.
    fn flooded(&mut self, key: &'static str, cmd: Command, count: usize) -> BTreeMap<String, String> {
        self.record(key, &cmd);
        let mut p = Proc::spawn(cmd);
        p.expect("READY", Duration::from_secs(60));
        let tag = self.tag();
        let (_, publish_rate) = self.fabric.flood(count, &tag);
        let mut result = parse_result(&p.expect("RESULT", Duration::from_secs(600)));
        p.finish(Duration::from_secs(20));
        result.insert("publish_rate".into(), format!("{publish_rate:.1}"));
        let got = num(&result, "count") as usize;
        assert_eq!(got, count, "{key}: {got} of {count} events arrived: {result:?}");
        eprintln!("  {key}: {result:?}");
        result
    }

    fn c_events(&mut self, form: &'static str) -> BTreeMap<String, String> {
        let mut cmd = Command::new(&self.s.bench);
        cmd.arg("events")
            .arg(&self.fabric.config)
            .arg(self.s.events.to_string())
            .arg(form);
        let key = match form {
            "json" => "c_json",
            "typed" => "c_typed",
            _ => "c_struct",
        };
        self.flooded(key, cmd, self.s.events)
    }

    fn py_events(&mut self, which: &'static str) -> BTreeMap<String, String> {
        let config = self.fabric.config.display().to_string();
        let count = self.s.py_events.to_string();
        let cmd = self.python("py_events.py", &[which, &config, &count]);
        let key = if which == "ref" {
            "py_ref_events"
        } else {
            "py_ours_events"
        };
        self.flooded(key, cmd, self.s.py_events)
    }

    /// The cost of doing nothing: a client connected and subscribed, with a callback, and no
    /// traffic. Context switches (voluntary and not, every thread) and CPU time of the process,
    /// from /proc, over `idle_secs` after a settling second.
    fn idle(&mut self, key: &'static str, cmd: Command) -> BTreeMap<String, String> {
        self.record(key, &cmd);
        let mut p = Proc::spawn(cmd);
        p.expect("READY", Duration::from_secs(60));
        std::thread::sleep(Duration::from_secs(1));
        let r = idle_cost(p.child.id(), Duration::from_secs(self.s.idle_secs));
        let _ = p.child.kill();
        p.finish(Duration::from_secs(5));
        eprintln!("  {key}: {r:?}");
        r
    }

    /// mosquitto_sub subscribed and idle, for `idle`'s comparison.
    fn mosquitto_sub_idle(&mut self) -> BTreeMap<String, String> {
        let f = self.fabric;
        let id = format!("bench-idle-{}", self.tag());
        let mut cmd = mosquitto_client(
            "mosquitto_sub",
            f.broker.port(),
            &f.pki.ca_cert,
            Some((&f.pki.client_cert, &f.pki.client_key)),
        );
        cmd.args(["-i", &id, "-t", DETECTION_TOPIC, "-N"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.commands.entry("mosquitto_sub_idle").or_insert_with(|| {
            format!("mosquitto_sub -h 127.0.0.1 -p <port> --insecure --cafile <ca> --cert <cert> --key <key> -i <id> -t {DETECTION_TOPIC} -N")
        });
        let mut child = support::spawn_tied(cmd).expect("mosquitto_sub");
        let needle = format!(" {id} 0 {DETECTION_TOPIC}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !f.broker.log().contains(&needle) {
            assert!(Instant::now() < deadline, "mosquitto_sub did not subscribe");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_secs(1));
        let r = idle_cost(child.id(), Duration::from_secs(self.s.idle_secs));
        let _ = child.kill();
        let _ = child.wait();
        eprintln!("  mosquitto_sub_idle: {r:?}");
        r
    }

    /// mosquitto_sub with the same certificate, payloads to /dev/null: the time from the first
    /// byte of the flood to its exit after the last event (`-C`), which slightly overstates
    /// its time (the first event's trip and the exit are included).
    fn mosquitto_sub(&mut self) -> BTreeMap<String, String> {
        let f = self.fabric;
        let id = format!("bench-sub-{}", self.tag());
        let mut cmd = mosquitto_client(
            "mosquitto_sub",
            f.broker.port(),
            &f.pki.ca_cert,
            Some((&f.pki.client_cert, &f.pki.client_key)),
        );
        cmd.args(["-i", &id, "-t", DETECTION_TOPIC, "-C", &self.s.events.to_string(), "-N"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let shown = {
            let mut c = Command::new("mosquitto_sub");
            c.args([
                "-h",
                "127.0.0.1",
                "-p",
                "<port>",
                "--insecure",
                "--cafile",
                "<ca>",
                "--cert",
                "<cert>",
            ]);
            c.args(["--key", "<key>", "-i", "<id>", "-t", DETECTION_TOPIC, "-C"]);
            c.args([&self.s.events.to_string(), "-N"]);
            c
        };
        self.record("mosquitto_sub", &shown);
        let child = support::spawn_tied(cmd).expect("mosquitto_sub (apt-get install mosquitto-clients)");
        // Subscribed once the broker logs "<id> 0 <topic>".
        let needle = format!(" {id} 0 {DETECTION_TOPIC}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !f.broker.log().contains(&needle) {
            assert!(Instant::now() < deadline, "mosquitto_sub did not subscribe");
            std::thread::sleep(Duration::from_millis(5));
        }
        let pid = child.id();
        let (tx, exited) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            // wait4 rather than Child::wait: it also gives the CPU time of the whole process.
            let mut status: libc::c_int = 0;
            // SAFETY: an all-zero rusage is a valid value to be overwritten.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: waits for our own child by its pid; both pointers are to live locals.
            let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
            let _ = tx.send(Instant::now());
            let ok = waited == pid as libc::pid_t && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
            let cpu_ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
            drop(child);
            (ok, cpu_ms(usage.ru_utime) + cpu_ms(usage.ru_stime))
        });
        let tag = self.tag();
        let (start, publish_rate) = f.flood(self.s.events, &tag);
        let end = exited.recv_timeout(Duration::from_secs(300)).unwrap_or_else(|_| {
            // SAFETY: kill(2) on the pid of our own child, still unreaped (the waiter holds it).
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("mosquitto_sub did not receive {} events", self.s.events)
        });
        let (ok, cpu_ms) = waiter.join().unwrap();
        assert!(ok, "mosquitto_sub failed");
        let seconds = (end - start).as_secs_f64();
        let mut r = BTreeMap::new();
        r.insert("count".into(), self.s.events.to_string());
        r.insert("seconds".into(), format!("{seconds:.6}"));
        r.insert("rate".into(), format!("{:.1}", self.s.events as f64 / seconds));
        r.insert("publish_rate".into(), format!("{publish_rate:.1}"));
        r.insert("cpu_ms".into(), format!("{cpu_ms:.0}"));
        eprintln!("  mosquitto_sub: {r:?}");
        r
    }

    fn c_requests(&mut self, form: &'static str) -> BTreeMap<String, String> {
        let (key, count) = match form {
            "sync" => ("c_sync", self.s.requests),
            "sync-busy" => ("c_sync_busy", self.s.requests),
            _ => ("c_async", self.s.requests * 4),
        };
        let mut cmd = Command::new(&self.s.bench);
        cmd.arg("requests")
            .arg(&self.fabric.config)
            .arg(count.to_string())
            .arg(form);
        if form == "async" {
            cmd.arg(self.s.window.to_string());
        }
        self.requests(key, cmd)
    }

    fn py_requests(&mut self, which: &'static str, form: &'static str) -> BTreeMap<String, String> {
        let config = self.fabric.config.display().to_string();
        let (count, key) = match (which, form) {
            ("ref", "sync") => (self.s.py_requests, "py_ref_sync"),
            ("ref", _) => (self.s.py_requests * 2, "py_ref_async"),
            (_, _) => (self.s.py_requests, "py_ours_sync"),
        };
        let (count, window) = (count.to_string(), self.s.window.to_string());
        let mut args = vec![which, &config, &count, form];
        if form == "async" {
            args.push(&window);
        }
        let cmd = self.python("py_requests.py", &args);
        self.requests(key, cmd)
    }

    fn requests(&mut self, key: &'static str, cmd: Command) -> BTreeMap<String, String> {
        self.record(key, &cmd);
        let mut p = Proc::spawn(cmd);
        let result = parse_result(&p.expect("RESULT", Duration::from_secs(600)));
        p.finish(Duration::from_secs(20));
        eprintln!("  {key}: {result:?}");
        result
    }

    fn cache(&mut self) -> BTreeMap<String, String> {
        let mut cmd = Command::new(&self.s.bench);
        cmd.arg("cache")
            .arg(&self.fabric.config)
            .arg(self.s.requests.to_string());
        self.requests("c_cache", cmd)
    }

    fn connects(&mut self, key: &'static str, config: &Path) -> BTreeMap<String, String> {
        let mut cmd = Command::new(&self.s.bench);
        cmd.arg("connect").arg(config).arg(self.s.connects.to_string());
        self.requests(key, cmd)
    }
}

// ---------------------------------------------------------------------------------------------
// The machine

/// Context switches (voluntary and not) of each thread of `pid`, by thread id, and the
/// process's CPU time (user + system, in clock ticks of 10 ms), from /proc.
fn proc_counters(pid: u32) -> (BTreeMap<String, u64>, u64) {
    let mut switches = BTreeMap::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            let n: u64 = status
                .lines()
                .filter_map(|line| {
                    line.strip_prefix("voluntary_ctxt_switches:")
                        .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                })
                .map(|v| v.trim().parse::<u64>().unwrap_or(0))
                .sum();
            switches.insert(task.file_name().to_string_lossy().into_owned(), n);
        }
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces, in parentheses): utime and stime
    // are the 12th and 13th of them.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    (switches, ticks)
}

/// What `pid` costs over `span` of doing nothing: context switches per second (summed per
/// thread: a thread that started meanwhile counts from 0, one that ended counts until its last
/// reading) and CPU milliseconds per minute.
fn idle_cost(pid: u32, span: Duration) -> BTreeMap<String, String> {
    let (before, t0) = proc_counters(pid);
    let start = Instant::now();
    let mut last = before.clone();
    // Read every second so that a thread that ends meanwhile is counted until then.
    let mut ended = 0u64;
    while start.elapsed() < span {
        std::thread::sleep(Duration::from_secs(1).min(span.saturating_sub(start.elapsed())));
        let (now, _) = proc_counters(pid);
        for (tid, n) in &last {
            if !now.contains_key(tid) {
                ended += n - before.get(tid).copied().unwrap_or(0);
            }
        }
        last = now;
    }
    let (after, t1) = proc_counters(pid);
    let seconds = start.elapsed().as_secs_f64();
    let live: u64 = after
        .iter()
        .map(|(tid, n)| n.saturating_sub(before.get(tid).copied().unwrap_or(0)))
        .sum();
    let mut r = BTreeMap::new();
    r.insert(
        "switches_per_s".into(),
        format!("{:.2}", (live + ended) as f64 / seconds),
    );
    r.insert(
        "cpu_ms_per_min".into(),
        format!("{:.1}", t1.saturating_sub(t0) as f64 * 10.0 * 60.0 / seconds),
    );
    r.insert("seconds".into(), format!("{seconds:.1}"));
    r
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|e| format!("({program}: {e})"))
}

fn machine(s: &Settings) -> Vec<(&'static str, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let python = s.python.display().to_string();
    let versions = command_output(
        &python,
        &[
            "-c",
            "import sys, importlib.metadata as m, msgpack; print('Python %s, dxlclient %s, dxltieclient %s, msgpack %s (%s)' % (sys.version.split()[0], m.version('dxlclient'), m.version('dxltieclient'), m.version('msgpack'), 'C extension' if 'fallback' not in msgpack.Unpacker.__module__ else 'pure-Python fallback'))",
        ],
    );
    vec![
        ("CPU", cpu),
        ("cores", cores.to_string()),
        ("memory", mem),
        ("kernel", command_output("uname", &["-sr"])),
        ("rustc", command_output("rustc", &["--version"])),
        ("C compiler", command_output("cc", &["--version"])),
        ("mosquitto", command_output("/usr/sbin/mosquitto", &["-h"])),
        ("Python clients", versions),
    ]
}

fn library_size(lib: &Path) -> (u64, u64) {
    let size = std::fs::metadata(lib).map(|m| m.len()).unwrap_or(0);
    let stripped = std::env::temp_dir().join(format!("bench-libdxltie-{}.so", std::process::id()));
    let ok = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(lib)
        .status()
        .is_ok_and(|s| s.success());
    let stripped_size = if ok {
        std::fs::metadata(&stripped).map(|m| m.len()).unwrap_or(0)
    } else {
        0
    };
    let _ = std::fs::remove_file(&stripped);
    (size, stripped_size)
}

// ---------------------------------------------------------------------------------------------
// The report

struct Row {
    what: String,
    ours: String,
    reference: String,
    ratio: String,
    target: String,
    met: Option<bool>,
}

/// Formats one measured value for the report.
type Format = fn(f64) -> String;

fn rate(v: f64) -> String {
    if v >= 100.0 {
        let n = v.round() as u64;
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push('\u{202f}');
            }
            out.push(c);
        }
        out
    } else {
        format!("{v:.1}")
    }
}

fn list(values: &[f64], f: fn(f64) -> String) -> String {
    values.iter().map(|&v| f(v)).collect::<Vec<_>>().join(", ")
}

/// `BENCH_SERVE=1`: for profiling one client by hand. Starts the broker and the responder,
/// prints the configuration, then floods `BENCH_EVENTS` events each time a line arrives on
/// stdin; ends at the end of stdin.
fn serve(fabric: &Fabric) {
    fabric.start_responder();
    println!("config={} port={}", fabric.config.display(), fabric.broker.port());
    for (i, line) in std::io::stdin().lines().enumerate() {
        if line.is_ok_and(|l| l.trim() == "rtt") {
            raw_round_trips(fabric, 5000, &format!("serve-{i}"));
            continue;
        }
        let (_, rate) = fabric.flood(fabric.ends.len(), &format!("serve-{i}"));
        println!("flooded {} events at {rate:.0}/s", fabric.ends.len());
    }
}

fn main() {
    let s = Settings::from_env();
    for (what, path) in [
        ("BENCH_BIN", &s.bench),
        ("BENCH_PYTHON", &s.python),
        ("BENCH_LIB", &s.lib),
    ] {
        assert!(path.exists(), "{what}: {} missing (run `make bench`)", path.display());
    }
    if std::env::var_os(websockets::INSIDE).is_some() {
        websockets::inside(&s);
        return;
    }
    let started = Instant::now();
    eprintln!("bench: broker, PKI and {} pre-encoded events", s.events);
    let fabric = Fabric::start(s.events.max(s.py_events));
    if std::env::var_os("BENCH_SERVE").is_some() {
        serve(&fabric);
        return;
    }
    let mut b = Bench {
        s: &s,
        fabric: &fabric,
        commands: BTreeMap::new(),
        run_tag: 0,
    };

    let mut series: BTreeMap<&'static str, Series> = BTreeMap::new();
    let mut add = |key: &'static str, r: BTreeMap<String, String>| series.entry(key).or_default().runs.push(r);
    for run in 1..=s.runs {
        eprintln!("bench: events, run {run}/{}", s.runs);
        add("mosquitto_sub", b.mosquitto_sub());
        add("c_struct", b.c_events("struct"));
        add("c_typed", b.c_events("typed"));
        add("c_json", b.c_events("json"));
        add("py_ours_events", b.py_events("ours"));
        add("py_ref_events", b.py_events("ref"));
    }
    fabric.start_responder();
    for run in 1..=s.runs {
        eprintln!("bench: requests, run {run}/{}", s.runs);
        let tag = b.tag();
        add("raw_rtt", raw_round_trips(&fabric, s.requests, &tag));
        add("c_sync", b.c_requests("sync"));
        add("c_sync_busy", b.c_requests("sync-busy"));
        add("c_async", b.c_requests("async"));
        add("py_ref_sync", b.py_requests("ref", "sync"));
        add("py_ref_async", b.py_requests("ref", "async"));
        add("py_ours_sync", b.py_requests("ours", "sync"));
        add("c_connect", b.connects("c_connect", &fabric.config));
        add("c_cache", b.cache());
    }
    // Over WebSockets and MQTT/TLS on the OpenDXL broker (bench/driver/websockets.rs).
    let ws = websockets::measure();
    for (key, runs) in ws {
        let key: &'static str = match key.as_str() {
            "ws_events" => "ws_events",
            "ws_tls_events" => "ws_tls_events",
            "ws_sync" => "ws_sync",
            "ws_tls_sync" => "ws_tls_sync",
            other => panic!("unexpected WebSocket measurement {other}"),
        };
        for r in runs {
            add(key, r);
        }
    }
    // Most of a connect on this broker is a stall outside the client (see bench/NOTES.md):
    // the same measurement on a second broker that sets TCP_NODELAY shows the client's share.
    let nodelay = Mosquitto::start(
        &fabric.pki,
        MosquittoOptions {
            extra_config: vec!["set_tcp_nodelay true".into()],
            ..Default::default()
        },
    );
    let nodelay_dir = TempDir::new("bench-nodelay");
    let nodelay_config = nodelay.write_dxlclient_config(&fabric.pki, nodelay_dir.path());
    for _ in 0..s.runs {
        add("c_connect_nodelay", b.connects("c_connect_nodelay", &nodelay_config));
    }
    drop(nodelay);
    // Idle: once each (a long measurement, with nothing to vary between runs).
    eprintln!("bench: idle, {} s each", s.idle_secs);
    let idle_secs = s.idle_secs.to_string();
    let config = fabric.config.display().to_string();
    let mut c_idle = Command::new(&s.bench);
    c_idle.args(["idle", &config, &(s.idle_secs + 10).to_string()]);
    add("c_idle", b.idle("c_idle", c_idle));
    add("mosquitto_sub_idle", b.mosquitto_sub_idle());
    let ref_idle = b.python("py_idle.py", &["ref", &config, &(s.idle_secs + 10).to_string()]);
    add("py_ref_idle", b.idle("py_ref_idle", ref_idle));
    let ours_idle = b.python("py_idle.py", &["ours", &config, &(s.idle_secs + 10).to_string()]);
    add("py_ours_idle", b.idle("py_ours_idle", ours_idle));
    let _ = idle_secs;
    let elapsed = started.elapsed();
    let (lib_size, lib_stripped) = library_size(&s.lib);

    let m = |k: &str, f: &str| series[k].median(f);
    let sub = m("mosquitto_sub", "rate");
    let c_struct = m("c_struct", "rate");
    let c_json = m("c_json", "rate");
    let py_ref = m("py_ref_events", "rate");
    let py_ours = m("py_ours_events", "rate");
    let sync_rate = m("c_sync", "rate");
    let sync_p50 = m("c_sync", "p50_ms");
    let sync_p99 = m("c_sync", "p99_ms");
    let ref_sync = m("py_ref_sync", "rate");
    let all_connects = |key: &str| -> f64 {
        let ms: Vec<f64> = series[key]
            .runs
            .iter()
            .flat_map(|r| {
                r["ms"]
                    .split(',')
                    .filter_map(|v| v.parse::<f64>().ok())
                    .collect::<Vec<_>>()
            })
            .collect();
        median(&ms)
    };
    let connect = all_connects("c_connect");
    let connect_nodelay = all_connects("c_connect_nodelay");
    let raw_rtt = m("raw_rtt", "rate");
    let (ws_events, ws_tls_events) = (m("ws_events", "rate"), m("ws_tls_events", "rate"));
    let (ws_sync, ws_tls_sync) = (m("ws_sync", "rate"), m("ws_tls_sync", "rate"));
    let idle_kib = m("c_struct", "rss_idle_kib");
    let hwm_struct = m("c_struct", "hwm_kib");
    let hwm_json = m("c_json", "hwm_kib");

    let pct = |a: f64, b: f64| format!("{:.0} %", 100.0 * a / b);
    // CPU time per 100 000 events: the median over runs of cpu_ms scaled by the run's count.
    let per_100k = |key: &str| -> f64 {
        let values: Vec<f64> = series[key]
            .runs
            .iter()
            .map(|r| num(r, "cpu_ms") * 100_000.0 / num(r, "count").max(1.0))
            .collect();
        median(&values)
    };
    let times = |a: f64, b: f64| format!("{:.1}×", a / b);
    let hit_p50 = m("c_cache", "hit_p50_us");
    let cache_rtt_p50 = m("c_cache", "rtt_p50_us");
    let rows = vec![
        Row {
            what: "reputation cache: hit p50 / p99 (C, sync)".into(),
            ours: format!("{hit_p50:.2} / {:.2} µs", m("c_cache", "hit_p99_us")),
            reference: format!(
                "uncached round trip {cache_rtt_p50:.1} / {:.1} µs",
                m("c_cache", "rtt_p99_us")
            ),
            ratio: times(cache_rtt_p50, hit_p50),
            target: "≥ 100× faster, p50 < 2 µs".into(),
            met: Some(cache_rtt_p50 >= 100.0 * hit_p50 && hit_p50 < 2.0),
        },
        Row {
            what: "reputation cache: fabric requests for 1 000 concurrent lookups of 10 hashes".into(),
            ours: format!("{:.0}", m("c_cache", "burst_requests_cached")),
            reference: "1000 without the cache".into(),
            ratio: times(1000.0, m("c_cache", "burst_requests_cached").max(1.0)),
            target: "one per hash".into(),
            met: Some(m("c_cache", "burst_requests_cached") <= 10.0),
        },
        Row {
            what: "reputation cache: memory per cached answer (2 providers)".into(),
            ours: format!("{:.0} bytes", m("c_cache", "bytes_per_entry")),
            reference: "resident memory after 20 000 answers".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: None,
        },
        Row {
            what: "events/s, C struct callback".into(),
            ours: rate(c_struct),
            reference: format!("mosquitto_sub {}", rate(sub)),
            ratio: pct(c_struct, sub),
            target: "≥ 80 % of mosquitto_sub".into(),
            met: Some(c_struct >= 0.8 * sub),
        },
        Row {
            what: "events/s, C struct callback".into(),
            ours: rate(c_struct),
            reference: format!("dxltieclient {}", rate(py_ref)),
            ratio: times(c_struct, py_ref),
            target: "≥ 25× dxltieclient".into(),
            met: Some(c_struct >= 25.0 * py_ref),
        },
        Row {
            what: "events/s: the ceiling itself (mosquitto_sub)".into(),
            ours: "—".into(),
            reference: format!("mosquitto_sub {} / dxltieclient {}", rate(sub), rate(py_ref)),
            ratio: times(sub, py_ref),
            target: "(what 25× would need)".into(),
            met: None,
        },
        Row {
            what: "events/s, C JSON callback".into(),
            ours: rate(c_json),
            reference: format!("mosquitto_sub {}", rate(sub)),
            ratio: pct(c_json, sub),
            target: "≥ 50 % of mosquitto_sub".into(),
            met: Some(c_json >= 0.5 * sub),
        },
        Row {
            what: "events/s, Python binding (`dxltie`)".into(),
            ours: rate(py_ours),
            reference: format!("dxltieclient {}", rate(py_ref)),
            ratio: times(py_ours, py_ref),
            target: "≥ 8× dxltieclient".into(),
            met: Some(py_ours >= 8.0 * py_ref),
        },
        Row {
            what: "sync get_file_reputation round trips/s (C)".into(),
            ours: rate(sync_rate),
            reference: format!("dxltieclient {}", rate(ref_sync)),
            ratio: times(sync_rate, ref_sync),
            target: "≥ 8× dxltieclient".into(),
            met: Some(sync_rate >= 8.0 * ref_sync),
        },
        Row {
            what: "sync round trips/s: the floor (raw MQTT, one thread)".into(),
            ours: "—".into(),
            reference: format!(
                "raw {} (p50 {:.3} ms) / dxltieclient {}",
                rate(raw_rtt),
                m("raw_rtt", "p50_ms"),
                rate(ref_sync)
            ),
            ratio: times(raw_rtt, ref_sync),
            target: "(what 8× would need)".into(),
            met: None,
        },
        Row {
            what: "sync round trips/s (C) against the floor".into(),
            ours: rate(sync_rate),
            reference: format!("raw MQTT {}", rate(raw_rtt)),
            ratio: pct(sync_rate, raw_rtt),
            target: "≥ 85 % of the floor".into(),
            met: Some(sync_rate >= 0.85 * raw_rtt),
        },
        Row {
            what: "the same, `dxltie_config_set_busy_poll(config, 200)` (opt-in), and its p50".into(),
            ours: format!(
                "{} ({:.3} ms)",
                rate(m("c_sync_busy", "rate")),
                m("c_sync_busy", "p50_ms")
            ),
            reference: format!("raw MQTT {}", rate(raw_rtt)),
            ratio: pct(m("c_sync_busy", "rate"), raw_rtt),
            target: "≥ 85 % of the floor".into(),
            met: Some(m("c_sync_busy", "rate") >= 0.85 * raw_rtt),
        },
        Row {
            what: "CPU µs per sync round trip (C client process), busy poll off / 200 µs".into(),
            ours: format!("{:.0} / {:.0}", m("c_sync", "cpu_us"), m("c_sync_busy", "cpu_us")),
            reference: "—".into(),
            ratio: format!("{:.1}×", m("c_sync_busy", "cpu_us") / m("c_sync", "cpu_us")),
            target: "—".into(),
            met: None,
        },
        Row {
            what: "events/s, C struct callback, over WebSockets (OpenDXL broker)".into(),
            // The OpenDXL broker drops some of a flood for a subscriber that falls behind: the
            // rate is over what arrived, and how much that was is shown.
            ours: format!(
                "{} ({:.0} of {} arrived; CPU {:.0} ms)",
                rate(ws_events),
                m("ws_events", "count"),
                env_or("BENCH_WS_EVENTS", 20_000usize),
                m("ws_events", "cpu_ms")
            ),
            reference: format!(
                "MQTT/TLS on the same broker {} ({:.0} arrived; CPU {:.0} ms)",
                rate(ws_tls_events),
                m("ws_tls_events", "count"),
                m("ws_tls_events", "cpu_ms")
            ),
            ratio: pct(ws_events, ws_tls_events),
            target: "—".into(),
            met: None,
        },
        Row {
            what: "sync round trips/s and p50 (C), over WebSockets (OpenDXL broker)".into(),
            ours: format!("{} ({:.3} ms)", rate(ws_sync), m("ws_sync", "p50_ms")),
            reference: format!(
                "MQTT/TLS on the same broker {} ({:.3} ms)",
                rate(ws_tls_sync),
                m("ws_tls_sync", "p50_ms")
            ),
            ratio: pct(ws_sync, ws_tls_sync),
            target: "—".into(),
            met: None,
        },
        Row {
            what: "sync round trip p50 / p99 (C)".into(),
            ours: format!("{sync_p50:.3} / {sync_p99:.3} ms"),
            reference: format!(
                "dxltieclient {:.3} / {:.3} ms",
                m("py_ref_sync", "p50_ms"),
                m("py_ref_sync", "p99_ms")
            ),
            ratio: times(m("py_ref_sync", "p50_ms"), sync_p50),
            target: "p50 < 0.3 ms".into(),
            met: Some(sync_p50 < 0.3),
        },
        Row {
            what: format!("async get_file_reputation/s, {} in flight (C)", s.window),
            ours: rate(m("c_async", "rate")),
            reference: format!("dxlclient async_request {}", rate(m("py_ref_async", "rate"))),
            ratio: times(m("c_async", "rate"), m("py_ref_async", "rate")),
            target: "—".into(),
            met: None,
        },
        Row {
            what: "sync round trips/s, Python binding (`dxltie`)".into(),
            ours: rate(m("py_ours_sync", "rate")),
            reference: format!("dxltieclient {}", rate(ref_sync)),
            ratio: times(m("py_ours_sync", "rate"), ref_sync),
            target: "≥ 3× dxltieclient".into(),
            met: Some(m("py_ours_sync", "rate") >= 3.0 * ref_sync),
        },
        Row {
            what: "resident memory, idle connected C client".into(),
            ours: format!("{:.1} MiB", idle_kib / 1024.0),
            reference: "—".into(),
            ratio: "—".into(),
            target: "< 6 MiB".into(),
            met: Some(idle_kib < 6.0 * 1024.0),
        },
        Row {
            what: format!(
                "peak resident memory under {} events (struct / JSON)",
                rate(s.events as f64)
            ),
            ours: format!("{:.1} / {:.1} MiB", hwm_struct / 1024.0, hwm_json / 1024.0),
            reference: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: None,
        },
        Row {
            what: "`dxltie_client_connect` to subscribed".into(),
            ours: format!("{connect:.1} ms"),
            reference: "—".into(),
            ratio: "—".into(),
            target: "< 50 ms".into(),
            met: Some(connect < 50.0),
        },
        Row {
            what: "the same, broker with `set_tcp_nodelay true`".into(),
            ours: format!("{connect_nodelay:.1} ms"),
            reference: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: None,
        },
        Row {
            what: "libdxltie.so (release; stripped)".into(),
            ours: format!(
                "{:.1} MiB; {:.1} MiB",
                lib_size as f64 / 1048576.0,
                lib_stripped as f64 / 1048576.0
            ),
            reference: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: None,
        },
        Row {
            what: "idle: context switches/s, connected and subscribed, no traffic (C client)".into(),
            ours: format!("{:.2}", m("c_idle", "switches_per_s")),
            reference: format!(
                "mosquitto_sub {:.2} / dxltieclient {:.2}",
                m("mosquitto_sub_idle", "switches_per_s"),
                m("py_ref_idle", "switches_per_s")
            ),
            ratio: "".into(),
            target: "< 2 /s and ≤ mosquitto_sub".into(),
            met: Some(
                m("c_idle", "switches_per_s") < 2.0
                    && m("c_idle", "switches_per_s") <= m("mosquitto_sub_idle", "switches_per_s").max(0.05),
            ),
        },
        Row {
            what: "idle: CPU ms per minute (C client)".into(),
            ours: format!("{:.1}", m("c_idle", "cpu_ms_per_min")),
            reference: format!(
                "mosquitto_sub {:.1} / dxltieclient {:.1}",
                m("mosquitto_sub_idle", "cpu_ms_per_min"),
                m("py_ref_idle", "cpu_ms_per_min")
            ),
            ratio: "".into(),
            target: "no periodic work".into(),
            met: None,
        },
        Row {
            what: "idle: context switches/s, Python binding".into(),
            ours: format!("{:.2}", m("py_ours_idle", "switches_per_s")),
            reference: format!("dxltieclient {:.2}", m("py_ref_idle", "switches_per_s")),
            ratio: "".into(),
            target: "".into(),
            met: None,
        },
        Row {
            what: "CPU ms per 100 000 events, C struct callback (library threads)".into(),
            ours: format!("{:.0}", per_100k("c_struct")),
            reference: format!("mosquitto_sub {:.0} (whole process)", per_100k("mosquitto_sub")),
            ratio: pct(per_100k("c_struct"), per_100k("mosquitto_sub")),
            target: "≤ mosquitto_sub".into(),
            met: Some(per_100k("c_struct") <= per_100k("mosquitto_sub")),
        },
        Row {
            what: "CPU ms per 100 000 events, C struct callback without JSON text (library threads)".into(),
            ours: format!("{:.0}", per_100k("c_typed")),
            reference: format!("mosquitto_sub {:.0} (whole process)", per_100k("mosquitto_sub")),
            ratio: pct(per_100k("c_typed"), per_100k("mosquitto_sub")),
            target: "≤ mosquitto_sub".into(),
            met: Some(per_100k("c_typed") <= per_100k("mosquitto_sub")),
        },
        Row {
            what: "events/s, C struct callback without JSON text".into(),
            ours: rate(m("c_typed", "rate")),
            reference: format!("mosquitto_sub {}", rate(sub)),
            ratio: pct(m("c_typed", "rate"), sub),
            target: "≥ mosquitto_sub".into(),
            met: Some(m("c_typed", "rate") >= sub),
        },
        Row {
            what: "CPU ms per 100 000 events, C JSON callback (library threads)".into(),
            ours: format!("{:.0}", per_100k("c_json")),
            reference: format!("mosquitto_sub {:.0} (whole process)", per_100k("mosquitto_sub")),
            ratio: pct(per_100k("c_json"), per_100k("mosquitto_sub")),
            target: "≤ mosquitto_sub".into(),
            met: Some(per_100k("c_json") <= per_100k("mosquitto_sub")),
        },
    ];

    let mut md = String::new();
    let w = &mut md;
    use std::fmt::Write as _;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "Written by `make bench` (bench/driver/main.rs) on {}; the whole run took {:.0} s. \
         Benchmarks are not tests: nothing in `make test` asserts a time.\n",
        command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        elapsed.as_secs_f64()
    );
    let _ = writeln!(w, "## Results\n");
    let _ = writeln!(
        w,
        "Medians of {} runs each; ratios are taken within this one run, on the same broker.\n",
        s.runs
    );
    let _ = writeln!(w, "| measurement | dxltie | reference | ratio | target | |");
    let _ = writeln!(w, "|---|---:|---|---:|---|---|");
    for r in &rows {
        let met = match r.met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "",
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            r.what, r.ours, r.reference, r.ratio, r.target, met
        );
    }
    let _ = writeln!(w, "\n## Machine\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    for (k, v) in machine(&s) {
        let _ = writeln!(w, "| {k} | {v} |");
    }
    let _ = writeln!(w, "\n## Method\n");
    let _ = writeln!(
        w,
        "- One mosquitto (Debian's, TLS with required client certificates, 127.0.0.1) for the whole \
         run, with a throw-away PKI (`tests/support`); every client uses the same `dxlclient.config` \
         and certificate.\n\
         - Events: the TIE detection event of `tests/support/tie_responder.rs` (three hashes), a DXL \
         event of {} bytes as an MQTT PUBLISH, each with its own message id, all encoded before the \
         clock starts. Once the client under test is subscribed, the driver writes them over one TLS \
         connection as fast as it takes them (median publishing rate: {} events/s), QoS 0 as in DXL. \
         {} events for mosquitto_sub and the C callbacks, {} for the Python clients (to keep the \
         run short; a rate is a rate).\n\
         - Event rate: events between the first and the last arrival in the callback, over that time \
         (clock read in the callback). mosquitto_sub (payloads to /dev/null, `-C` to exit after the \
         last) is timed from the first byte of the flood to its exit, which slightly understates \
         its rate. The C callbacks read the event (a field of the struct, or `strlen` of the JSON); \
         the Python callbacks read one key of the dict.\n\
         - Requests: `get_file_reputation` for the three notepad.exe hashes against one responder \
         that answers every request with the same pre-serialised reputations (two providers) from \
         one thread on its own raw MQTT connection, for every client alike. After 200 (C) or 100 \
         (Python) warm-up requests: {} synchronous round trips timed one by one (p50, p99), and \
         {}× as many asynchronous ones with {} in flight. The Python clients: {} synchronous (and \
         twice as many asynchronous). `dxltieclient` has no asynchronous request: its reference \
         figure is `dxlclient`'s `async_request` with the request `dxltieclient` builds and the \
         decoding it applies (bench/py_requests.py). The floor: the driver itself, one thread on \
         one TLS connection, writes a pre-encoded request and reads the answer, the same number of \
         times, timed the same way: no client can do a synchronous round trip faster on this \
         broker and responder.\n\
         - Memory: VmRSS of the C event client one second after it is connected with its callback \
         subscribed; VmHWM once the flood has been received (default queue: 1000 messages, block).\n\
         - Connect: {} × {} times `dxltie_client_connect` then `dxltie_add_file_detection_callback` \
         (which returns once the broker acknowledged the subscription), a new client each time; the \
         median of all. The same against a second mosquitto that differs only by \
         `set_tcp_nodelay true` (see the notes below).\n\
         - CPU per event: for the C callbacks, the user + system time of the library's threads \
         (those named dxltie-*, from /proc/self/task; the bench's polling main thread is left out) \
         from READY until the last event; for mosquitto_sub, the whole process's (wait4), which \
         includes its connect and subscribe. Both scaled to 100 000 events.\n\
         - Idle: each client connected and subscribed with one detection callback and no traffic; \
         after a settling second, the context switches (voluntary and involuntary, summed over every \
         thread of the process, from /proc/<pid>/task/*/status) and the CPU time (user + system, \
         /proc/<pid>/stat, 10 ms ticks) over {} s, once per client (nothing varies between runs).",
        fabric.event_size(),
        rate(median(
            &["c_struct", "c_typed", "c_json", "mosquitto_sub"]
                .iter()
                .flat_map(|k| series[k].values("publish_rate"))
                .collect::<Vec<_>>()
        )),
        rate(s.events as f64),
        rate(s.py_events as f64),
        rate(s.requests as f64),
        4,
        s.window,
        rate(s.py_requests as f64),
        s.runs,
        s.connects,
        s.idle_secs,
    );
    let _ = writeln!(w, "\n## Commands\n");
    let _ = writeln!(
        w,
        "`make bench` builds the release library, `build/bench/bench` (bench/bench.c, `-O2`) and the \
         venv, then runs the driver, which starts every client as below (`<dxlclient.config>` is the \
         generated one):\n"
    );
    let _ = writeln!(w, "```sh");
    let _ = writeln!(
        w,
        "make bench   # all of the below; BENCH_RUNS, BENCH_EVENTS, ... override the counts"
    );
    for (k, c) in &b.commands {
        let _ = writeln!(w, "# {k}\n{c}");
    }
    let _ = writeln!(w, "```");
    let _ = writeln!(w, "\n## Every run\n");
    let _ = writeln!(w, "| series | value | runs |\n|---|---|---|");
    let detail: &[(&str, &str, Format)] = &[
        ("mosquitto_sub", "rate", rate),
        ("c_struct", "rate", rate),
        ("c_json", "rate", rate),
        ("py_ours_events", "rate", rate),
        ("py_ref_events", "rate", rate),
        ("c_struct", "rss_idle_kib", |v| format!("{v:.0}")),
        ("c_struct", "hwm_kib", |v| format!("{v:.0}")),
        ("c_json", "hwm_kib", |v| format!("{v:.0}")),
        ("c_sync", "rate", rate),
        ("c_sync", "p50_ms", |v| format!("{v:.3}")),
        ("c_sync", "p99_ms", |v| format!("{v:.3}")),
        ("c_sync", "cpu_us", |v| format!("{v:.0}")),
        ("c_sync_busy", "rate", rate),
        ("c_sync_busy", "p50_ms", |v| format!("{v:.3}")),
        ("c_sync_busy", "cpu_us", |v| format!("{v:.0}")),
        ("c_async", "rate", rate),
        ("py_ref_sync", "rate", rate),
        ("py_ref_sync", "p50_ms", |v| format!("{v:.3}")),
        ("py_ref_async", "rate", rate),
        ("py_ours_sync", "rate", rate),
        ("py_ours_sync", "p50_ms", |v| format!("{v:.3}")),
        ("raw_rtt", "rate", rate),
        ("raw_rtt", "p50_ms", |v| format!("{v:.3}")),
        ("c_connect", "median_ms", |v| format!("{v:.1}")),
        ("c_connect_nodelay", "median_ms", |v| format!("{v:.1}")),
    ];
    for (k, f, fmt) in detail {
        let _ = writeln!(w, "| {k} | {f} | {} |", list(&series[k].values(f), *fmt));
    }
    let notes = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/NOTES.md");
    if let Ok(text) = std::fs::read_to_string(&notes) {
        let _ = writeln!(w, "\n{}", text.trim_end());
    }
    std::fs::write(&s.out, md).unwrap_or_else(|e| panic!("write {}: {e}", s.out.display()));
    eprintln!("bench: wrote {} in {:.0} s", s.out.display(), elapsed.as_secs_f64());
    drop(b);
    drop(fabric); // the broker, killed by its pid
}
