//! Malformed TIE responses met through the C API (issue #9): a responder answers the six TIE
//! requests with bodies that have missing, extra and wrongly typed fields, bad base64, huge
//! arrays, broken JSON, error responses, or replies that are not DXL at all; the typed, JSON
//! and asynchronous request functions must each give a clear result code and message (or a
//! lenient result where Python's would be lenient too), never crash.
//!
//! The cases live here only: the responder serves case N's body to a request whose first hash
//! starts with byte N, and tests-c/response_faults_test.c (C11, C++ and AddressSanitizer, run
//! at once) reads what each function must return from a cases file this test writes.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use dxltie::dxl::{encode, Client, Handle, Message, ServiceInfo};
use dxltie::tie::{transform_response, Operation};
use serde_json::{json, Value};
use support::c_agent::make_c_programs;
use support::raw_mqtt::MqttPublisher;
use support::{Mosquitto, MosquittoOptions, Pki, TempDir};

/// Result codes of include/dxltie.h.
const OK: i32 = 0;
const E_TIMEOUT: i32 = -9;
const E_SERVICE_ERROR: i32 = -10;
const E_BAD_RESPONSE: i32 = -11;

/// Request timeout for answers that come; the C side uses [`NO_ANSWER_TIMEOUT_MS`] where none
/// can (the outcome is a timeout whatever the machine's speed).
const TIMEOUT_MS: u32 = 20_000;
const NO_ANSWER_TIMEOUT_MS: u32 = 250;
const HUGE: usize = 10_000;

/// What the responder does with a request.
enum Reply {
    /// A Response with this payload.
    Body(Vec<u8>),
    /// An ErrorResponse.
    Error(i64, &'static str),
    /// Bytes on the requester's reply topic that are not a DXL message.
    Garbage(&'static [u8]),
    /// A valid Response cut in half, on the reply topic.
    Truncated,
    /// An Event carrying a valid body, on the reply topic (no request id).
    EventOnReplyTopic,
}

/// What one group of C functions must return: the code, the typed item count on success (-1:
/// not checked), whether the first item's typed fields must all be absent, and a text the JSON
/// (on success) or `dxltie_last_error_message` (on failure) must contain.
#[derive(Clone)]
struct Want {
    code: i32,
    count: i64,
    absent: bool,
    text: String,
}

fn ok(count: i64, text: &str) -> Want {
    Want {
        code: OK,
        count,
        absent: false,
        text: text.into(),
    }
}

fn fails(code: i32, text: &str) -> Want {
    Want {
        code,
        count: -1,
        absent: false,
        text: text.into(),
    }
}

/// One case: the reply, and what the reputation (`rep`), first-references (`refs`) and set
/// (`set`) functions must return for it.
struct Case {
    reply: Reply,
    rep: Want,
    refs: Want,
    set: Want,
}

fn body(value: Value) -> Reply {
    Reply::Body(value.to_string().into_bytes())
}

fn cases() -> Vec<Case> {
    let bad = |text: &str| fails(E_BAD_RESPONSE, text);
    let set_ok = ok(-1, "");
    let huge_reputations: Vec<Value> = (0..HUGE)
        .map(|i| json!({"providerId": i, "trustLevel": 99, "attributes": {"1": "2"}}))
        .collect();
    let huge_agents: Vec<Value> = (0..HUGE)
        .map(|i| json!({"agentGuid": format!("{{{i}}}"), "date": i}))
        .collect();
    let mut huge_reputations_bad_tail = huge_reputations.clone();
    huge_reputations_bad_tail.push(json!({"trustLevel": 1}));
    let mut huge_agents_odd_tail = huge_agents.clone();
    huge_agents_odd_tail.push(json!(5));
    let deep = format!("{{\"reputations\": {}{}}}", "[".repeat(1000), "]".repeat(1000));
    let near_limit = {
        let padding = "x".repeat(2 * 1024 * 1024 - 8 * 1024);
        json!({"reputations": [{"providerId": 1, "trustLevel": 99}], "agents": [{"agentGuid": "{a}"}], "padding": padding})
    };
    vec![
        // 0: well formed, as a control.
        Case {
            reply: body(
                json!({"props": {"serverTime": 1}, "reputations": [{"providerId": 1, "trustLevel": 99}],
                               "agents": [{"agentGuid": "{a}", "date": 1}]}),
            ),
            rep: ok(1, "{\"1\": {\"providerId\": 1, \"trustLevel\": 99}}"),
            refs: ok(1, "\"agentGuid\": \"{a}\""),
            set: set_ok.clone(),
        },
        // Not JSON: the set requests never look at the payload, as in Python.
        Case {
            reply: Reply::Body(Vec::new()),
            rep: bad("Expecting value: line 1 column 1 (char 0)"),
            refs: bad("Expecting value: line 1 column 1 (char 0)"),
            set: set_ok.clone(),
        },
        Case {
            reply: Reply::Body(b"not json".to_vec()),
            rep: bad("Expecting value: line 1 column 1 (char 0)"),
            refs: bad("Expecting value"),
            set: set_ok.clone(),
        },
        Case {
            reply: Reply::Body(b"\xff\xfe{}".to_vec()),
            rep: bad("'utf-8' codec can't decode byte 0xff in position 0"),
            refs: bad("'utf-8' codec can't decode byte 0xff"),
            set: set_ok.clone(),
        },
        Case {
            reply: Reply::Body(b"{\"reputations\": [".to_vec()),
            rep: bad("Expecting value"),
            refs: bad("Expecting value"),
            set: set_ok.clone(),
        },
        // JSON, but not an object.
        Case {
            reply: Reply::Body(b"[]".to_vec()),
            rep: bad("not a JSON object"),
            refs: bad("not a JSON object"),
            set: set_ok.clone(),
        },
        Case {
            reply: Reply::Body(b"null".to_vec()),
            rep: bad("not a JSON object"),
            refs: bad("not a JSON object"),
            set: set_ok.clone(),
        },
        // Wrongly typed fields: a Python error where Python's transform fails, the value handed
        // over where Python hands it over.
        Case {
            reply: body(json!({"reputations": 5, "agents": 5})),
            rep: bad("'int' object is not iterable"),
            refs: ok(0, "5"),
            set: set_ok.clone(),
        },
        Case {
            reply: body(json!({"reputations": [5], "agents": [5, "x", null]})),
            rep: bad("'int' object is not subscriptable"),
            refs: Want {
                absent: true,
                ..ok(3, "[5, \"x\", null]")
            },
            set: set_ok.clone(),
        },
        Case {
            reply: body(json!({"reputations": "abc"})),
            rep: bad("string indices must be integers"),
            refs: ok(0, "[]"),
            set: set_ok.clone(),
        },
        Case {
            reply: body(json!({"reputations": [{"providerId": [1]}]})),
            rep: bad("unhashable type: 'list'"),
            refs: ok(0, "[]"),
            set: set_ok.clone(),
        },
        Case {
            reply: body(
                json!({"reputations": [{"providerId": "1", "trustLevel": "high", "createDate": [],
                                                "attributes": 5}],
                               "agents": [{"agentGuid": 7, "date": "yesterday"}]}),
            ),
            rep: Want {
                absent: true,
                ..ok(1, "\"trustLevel\": \"high\"")
            },
            refs: Want {
                absent: true,
                ..ok(1, "\"yesterday\"")
            },
            set: set_ok.clone(),
        },
        // Missing fields.
        Case {
            reply: body(json!({"reputations": [{"trustLevel": 99}]})),
            rep: bad("'providerId'"),
            refs: ok(0, "[]"),
            set: set_ok.clone(),
        },
        Case {
            reply: body(json!({})),
            rep: ok(0, "{}"),
            refs: ok(0, "[]"),
            set: set_ok.clone(),
        },
        // Extra fields: kept in the JSON.
        Case {
            reply: body(
                json!({"reputations": [{"providerId": 1, "trustLevel": 99, "new": {"deep": [1]}}],
                               "agents": [{"agentGuid": "{a}", "date": 1, "x": 2}], "unknown": true}),
            ),
            rep: ok(1, "\"new\": {\"deep\": [1]}"),
            refs: ok(1, "\"x\": 2"),
            set: set_ok.clone(),
        },
        // Bad base64 in an overridden file's hashes.
        Case {
            reply: body(json!({"reputations": [{"providerId": 4, "overridden": {"files": [
                {"hashes": [{"type": "md5", "value": "QQ"}]}]}}]})),
            rep: bad("Incorrect padding"),
            refs: ok(0, "[]"),
            set: set_ok.clone(),
        },
        Case {
            reply: body(json!({"reputations": [{"providerId": 4, "overridden": {"files": [
                {"hashes": [{"type": "md5", "value": "QUJD\u{e9}"}]}]}}]})),
            rep: bad("string argument should contain only ASCII characters"),
            refs: ok(0, "[]"),
            set: set_ok.clone(),
        },
        // Huge arrays, valid and with a bad last element.
        Case {
            reply: body(json!({"reputations": huge_reputations, "agents": huge_agents})),
            rep: ok(HUGE as i64, "\"9999\": {\"providerId\": 9999"),
            refs: ok(HUGE as i64, "\"agentGuid\": \"{9999}\""),
            set: set_ok.clone(),
        },
        Case {
            reply: body(json!({"reputations": huge_reputations_bad_tail, "agents": huge_agents_odd_tail})),
            rep: bad("'providerId'"),
            refs: ok(HUGE as i64 + 1, "\"date\": 9999}, 5]"),
            set: set_ok.clone(),
        },
        // Nesting past the parser's limit, NaN (Python accepts both; rejected here, clearly).
        Case {
            reply: Reply::Body(deep.into_bytes()),
            rep: bad("recursion limit exceeded"),
            refs: bad("recursion limit exceeded"),
            set: set_ok.clone(),
        },
        Case {
            reply: Reply::Body(b"{\"reputations\": [{\"providerId\": 1, \"trustLevel\": NaN}]}".to_vec()),
            rep: bad(""),
            refs: bad(""),
            set: set_ok.clone(),
        },
        // Close to the 2 MiB packet limit.
        Case {
            reply: body(near_limit),
            rep: ok(1, "\"1\": {\"providerId\": 1"),
            refs: ok(1, "\"agentGuid\": \"{a}\""),
            set: set_ok.clone(),
        },
        // Trailing NULs are stripped, as Python does.
        Case {
            reply: Reply::Body(b"{\"reputations\": [{\"providerId\": 3, \"trustLevel\": 85}]}\0\0".to_vec()),
            rep: ok(1, "\"3\": {"),
            refs: ok(0, "[]"),
            set: set_ok.clone(),
        },
        // An error response with a code past i32 and a non-ASCII message.
        Case {
            reply: Reply::Error(0x7fff_ffff, "no such file \u{2014} try later"),
            rep: fails(E_SERVICE_ERROR, "no such file \u{2014} try later"),
            refs: fails(E_SERVICE_ERROR, "no such file"),
            set: fails(E_SERVICE_ERROR, "try later"),
        },
        // Replies the requester cannot match: skipped, so the request times out.
        Case {
            reply: Reply::Garbage(b"\xc1 not a DXL message"),
            rep: fails(E_TIMEOUT, "Timeout waiting for response to message"),
            refs: fails(E_TIMEOUT, "Timeout waiting for response"),
            set: fails(E_TIMEOUT, "Timeout waiting for response"),
        },
        Case {
            reply: Reply::Truncated,
            rep: fails(E_TIMEOUT, "Timeout waiting for response to message"),
            refs: fails(E_TIMEOUT, "Timeout"),
            set: fails(E_TIMEOUT, "Timeout"),
        },
        Case {
            reply: Reply::EventOnReplyTopic,
            rep: fails(E_TIMEOUT, "Timeout waiting for response to message"),
            refs: fails(E_TIMEOUT, "Timeout"),
            set: fails(E_TIMEOUT, "Timeout"),
        },
    ]
}

/// Case N of a request: the first byte of its first hash.
fn case_of(request: &Message) -> Option<usize> {
    let body: Value = serde_json::from_slice(&request.payload).ok()?;
    let first = body["hashes"][0]["value"].as_str()?;
    BASE64.decode(first).ok()?.first().map(|b| usize::from(*b))
}

/// A service on the six TIE request topics answering each request as its case says.
fn start_responder(broker: &Mosquitto, pki: &Pki, cases: Arc<Vec<Case>>) -> (Client, Arc<MqttPublisher>) {
    let mut config = broker.client_config(pki);
    config.client_id = dxltie::dxl::message::new_id();
    let client = Client::new(config).expect("responder client");
    client.connect(Duration::from_secs(10)).expect("responder connects");
    let raw = Arc::new(MqttPublisher::connect(broker, pki));
    let publisher = raw.clone();
    let topics: Vec<&str> = [
        Operation::GetFileReputation,
        Operation::SetFileReputation,
        Operation::GetFileFirstReferences,
        Operation::GetCertificateReputation,
        Operation::SetCertificateReputation,
        Operation::GetCertificateFirstReferences,
    ]
    .iter()
    .map(|op| op.topic())
    .collect();
    let handler = move |h: &Handle, request: &Message| {
        let Some(case) = case_of(request).and_then(|n| cases.get(n)) else {
            let _ = h.send_response(&Message::error_response_to(request, 1, "no such case"));
            return;
        };
        let reply_topic = request.reply_to_topic();
        match &case.reply {
            Reply::Body(payload) => {
                h.send_response(&Message::response_to(request, payload.clone()))
                    .expect("send response");
            }
            Reply::Error(code, message) => {
                h.send_response(&Message::error_response_to(request, *code, message))
                    .expect("send error response");
            }
            Reply::Garbage(bytes) => publisher.publish(reply_topic, bytes.to_vec()),
            Reply::Truncated => {
                let bytes = encode(&Message::response_to(request, b"{\"reputations\": []}".to_vec()));
                publisher.publish(reply_topic, bytes[..bytes.len() / 2].to_vec());
            }
            Reply::EventOnReplyTopic => {
                let event = Message::event(reply_topic, b"{\"reputations\": []}".to_vec());
                publisher.publish(reply_topic, encode(&event));
            }
        }
    };
    client
        .register_service(ServiceInfo::new("/mcafee/service/tie", &topics), Arc::new(handler))
        .expect("responder service");
    (client, raw)
}

/// The cases file the C program reads: one tab-separated line per case and function group.
fn write_cases_file(path: &Path, cases: &[Case]) {
    let mut text = String::new();
    for (n, case) in cases.iter().enumerate() {
        let timeout = if matches!(
            case.reply,
            Reply::Garbage(_) | Reply::Truncated | Reply::EventOnReplyTopic
        ) {
            NO_ANSWER_TIMEOUT_MS
        } else {
            TIMEOUT_MS
        };
        for (group, want) in [("rep", &case.rep), ("refs", &case.refs), ("set", &case.set)] {
            assert!(
                !want.text.contains(['\t', '\n']),
                "case {n}: the text must fit one field"
            );
            text.push_str(&format!(
                "{n}\t{group}\t{}\t{}\t{}\t{timeout}\t{}\n",
                want.code, want.count, want.absent as u8, want.text
            ));
        }
    }
    std::fs::write(path, text).unwrap();
}

/// The table agrees with the Rust API on every body (keeps a wrong expectation from looking
/// like a C API bug).
#[test]
fn the_cases_agree_with_the_rust_decoders() {
    for (n, case) in cases().iter().enumerate() {
        let Reply::Body(payload) = &case.reply else { continue };
        for (op, want) in [
            (Operation::GetFileReputation, &case.rep),
            (Operation::GetCertificateReputation, &case.rep),
            (Operation::GetFileFirstReferences, &case.refs),
            (Operation::GetCertificateFirstReferences, &case.refs),
            (Operation::SetFileReputation, &case.set),
        ] {
            match transform_response(op, payload) {
                Ok(_) => assert_eq!(want.code, OK, "case {n} {op:?}: decodes, the table expects a failure"),
                Err(e) => {
                    assert_eq!(want.code, E_BAD_RESPONSE, "case {n} {op:?}: {e}");
                    assert!(e.to_string().contains(&want.text), "case {n} {op:?}: {e}");
                }
            }
        }
    }
}

#[test]
fn malformed_responses_give_clear_errors_through_the_c_api() {
    make_c_programs();
    let cases = Arc::new(cases());
    let pki = Pki::generate();
    let broker = Mosquitto::start(&pki, MosquittoOptions::default());
    let (_responder, _raw) = start_responder(&broker, &pki, cases.clone());
    let dir = TempDir::new("response-faults");
    let config = broker.write_dxlclient_config(&pki, dir.path());
    let cases_file = dir.join("cases.tsv");
    write_cases_file(&cases_file, &cases);

    // The three builds at once: they share the responder, not their requests.
    let build: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("build");
    let runs: Vec<_> = ["", "-cxx", "-asan"]
        .iter()
        .map(|variant| {
            let program = build.join(format!("response_faults_test{variant}"));
            let mut cmd = Command::new(&program);
            cmd.arg(&config).arg(&cases_file).env("ASAN_OPTIONS", "detect_leaks=0"); // leaks are valgrind's job
            std::thread::spawn(move || (program, support::run_with_timeout(cmd, Duration::from_secs(240))))
        })
        .collect();
    for run in runs {
        let (program, done) = run.join().unwrap();
        eprintln!("{}: {}", program.display(), done.stdout.trim_end());
        assert!(
            done.success() && done.stdout.contains("response_faults_test: 0 failed"),
            "{}:\n{}{}",
            program.display(),
            done.stdout,
            done.stderr
        );
        assert!(
            done.stdout.contains(&format!("{} cases", cases.len())),
            "every case ran: {}",
            done.stdout
        );
    }
}
