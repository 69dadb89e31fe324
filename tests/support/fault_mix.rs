//! Hostile traffic for the four TIE event topics, and what a client must make of each message.
//!
//! A [`FaultMix`] yields reproducible batches (seeded) interleaving valid TIE events with
//! random bytes, truncated DXL messages, oversized payloads up to the client's 2 MiB packet
//! limit, DXL messages with wrongly typed fields, requests and responses on event topics, and
//! DXL events whose TIE JSON has missing, extra or wrongly typed fields, bad base64 or huge
//! arrays. Each [`Item`] says what must happen to it ([`Expect`]); the generator checks that
//! against the library's own decoders as it builds each item, so a mislabelled case fails at
//! generation, not as a puzzling count later.
//!
//! Every valid event carries a hash of type `seq` whose value (8 bytes, hex in C) is
//! `seq (u32 BE) | kind (u8) | variant (u8) | d1 7e`: the receiver checks it got each `seq`
//! exactly once, on the right kind's callback, and what the [`Variant`] promises. The content
//! each variant promises is spelled out on [`Variant`]; `tests-c/event_faults_test.c` checks it.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use dxltie::dxl::{decode, encode, Message};
use dxltie::tie::{decode_event, EventKind};
use serde_json::{json, Value};

/// The client's largest MQTT packet (`MAX_PACKET` in src/dxl/network.rs): a PUBLISH's
/// remaining length (2 + topic + payload) may not exceed it.
pub const MAX_MQTT_PACKET: usize = 2 * 1024 * 1024;

/// The event topics by `DXLTIE_EVENT_KIND_*` value.
pub const TOPICS: [&str; 4] = [
    "/mcafee/event/tie/file/detection",
    "/mcafee/event/tie/file/firstinstance",
    "/mcafee/event/tie/file/repchange/broadcast",
    "/mcafee/event/tie/cert/repchange/broadcast",
];

const AGENT: &str = "{3a6f574a-3e6f-436d-acd4-bcde336b054d}";
const MD5_B64: &str = "8se7isyX+S6Yei1Ah9AhsQ=="; // f2c7bb8acc97f92e987a2d4087d021b1
const SHA1_B64: &str = "frATnSF1c5s8yw0REAZ4IL5qvSk="; // 7eb0139d2175739b3ccb0d1110067820be6abd29
const CERT_SHA1_B64: &str = "bq4m24wTGCp5R5gpkbQyFzLMPeI="; // 6eae26db8c13182a7947982991b4321732cc3de2
const CERT_PK_B64: &str = "O4ei1vOXcBYDZLeaFS/Mc7riet8="; // 3b87a2d6f39770160364b79a152fcc73bae27adf
/// Hashes in a huge-array event (plus the `seq` hash).
pub const HUGE_HASHES: usize = 5000;

/// What a valid event looks like, as promised to the receiver (the `variant` byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Variant {
    /// Every field, well typed: detection `FOCUS_MALWARE2.EXE` (md5, sha1, seq), first instance
    /// `MORPH.EXE`, file reputation change (GTI 99 with one attribute and Enterprise 85 new,
    /// Enterprise 0 old, the signing certificate's sha1 and public key), certificate
    /// reputation change (sha1, GTI 99 and Enterprise 0 new, public key).
    Plain = 0,
    /// Only the `seq` hash, plus unknown fields (`extraField`): every other field absent.
    Sparse = 1,
    /// Optional fields of the wrong JSON type (`"detectionTime": "yesterday"`, a reputation
    /// with `"providerId": "7"`, `"trustLevel": "high"`): absent in the typed view.
    WrongTypes = 2,
    /// [`HUGE_HASHES`] hashes `h0`…, value = the index as 2 bytes, then `seq`.
    HugeArray = 3,
    /// Only the `seq` hash and a padding string: the MQTT packet is exactly at the limit.
    NearLimit = 4,
    /// The [`Variant::Plain`] content in DXL format versions 0, 1, 3 and 7 (with trailing
    /// fields), a payload with trailing NULs, or an envelope with 20 000 broker ids.
    PlainEnvelope = 5,
}

/// What the client must do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Call the kind's callback once with this `seq`.
    Delivered(u32),
    /// Call the kind's callback with an event that has no `seq` (a JSON payload that is not an
    /// object, or an object without hashes: Python hands those to the user too).
    Unsequenced,
    /// A DXL event whose TIE payload cannot be decoded: skip it, count it in `bad_events`.
    BadEvent,
    /// Not a DXL message: skip it, count it in `undecodable`.
    Undecodable,
    /// A DXL request or response on an event topic: no event callback, no error count.
    Ignored,
}

/// One message to publish.
pub struct Item {
    pub topic: &'static str,
    pub payload: Vec<u8>,
    pub expect: Expect,
    /// Which case this is, for failure messages.
    pub what: &'static str,
}

/// The counts a receiver must reach for a set of items.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Every item: what `received` grows by.
    pub received: u64,
    pub delivered: u64,
    pub unsequenced: u64,
    pub bad_events: u64,
    pub undecodable: u64,
    pub ignored: u64,
}

impl Tally {
    pub fn of(items: &[Item]) -> Tally {
        let mut t = Tally::default();
        for item in items {
            t.received += 1;
            match item.expect {
                Expect::Delivered(_) => t.delivered += 1,
                Expect::Unsequenced => t.unsequenced += 1,
                Expect::BadEvent => t.bad_events += 1,
                Expect::Undecodable => t.undecodable += 1,
                Expect::Ignored => t.ignored += 1,
            }
        }
        t
    }

    pub fn plus(self, o: Tally) -> Tally {
        Tally {
            received: self.received + o.received,
            delivered: self.delivered + o.delivered,
            unsequenced: self.unsequenced + o.unsequenced,
            bad_events: self.bad_events + o.bad_events,
            undecodable: self.undecodable + o.undecodable,
            ignored: self.ignored + o.ignored,
        }
    }
}

/// What the library makes of `payload` on `topic`: the oracle each generated item must match.
pub fn classify(topic: &str, payload: &[u8]) -> Expect {
    let Ok(message) = decode(payload, topic) else {
        return Expect::Undecodable;
    };
    if message.message_type() != dxltie::dxl::MessageType::Event {
        return Expect::Ignored;
    }
    let kind = EventKind::from_topic(topic).expect("an event topic");
    match decode_event(kind, &message.payload) {
        Err(_) => Expect::BadEvent,
        Ok(event) => match event
            .json
            .get("hashes")
            .and_then(|h| h.get("seq"))
            .and_then(Value::as_str)
        {
            Some(hex) => Expect::Delivered(u32::from_str_radix(&hex[..8], 16).expect("seq hex")),
            None => Expect::Unsequenced,
        },
    }
}

/// A seeded generator of hostile batches; `seq` numbers continue from batch to batch.
pub struct FaultMix {
    rng: fastrand::Rng,
    next_seq: u32,
}

impl FaultMix {
    pub fn new(seed: u64) -> FaultMix {
        FaultMix {
            rng: fastrand::Rng::with_seed(seed),
            next_seq: 0,
        }
    }

    /// `count` items: a fixed share of oversized and huge cases at random places, the rest drawn
    /// from the weighted cases below.
    pub fn batch(&mut self, count: usize) -> Vec<Item> {
        let mut items = Vec::with_capacity(count);
        for kind in 0..2 {
            self.near_limit_valid(&mut items, kind * 2);
            self.near_limit_bad_event(&mut items);
            self.near_limit_undecodable(&mut items);
        }
        for _ in 0..10 {
            self.valid(&mut items, Variant::HugeArray);
            self.huge_array_bad(&mut items);
        }
        for _ in 0..5 {
            self.big_envelope(&mut items);
            self.deep_nesting(&mut items);
            self.huge_dxl_array_header(&mut items);
        }
        assert!(items.len() <= count, "batch of {count} too small for the fixed cases");
        while items.len() < count {
            let roll = self.rng.u32(0..100);
            match roll {
                0..=29 => self.valid(&mut items, Variant::Plain),
                30..=34 => self.valid(&mut items, Variant::Sparse),
                35..=39 => self.valid(&mut items, Variant::WrongTypes),
                40..=44 => self.old_and_new_versions(&mut items),
                45..=46 => self.unsequenced(&mut items),
                47..=66 => self.bad_event(&mut items),
                67..=78 => self.random_bytes(&mut items),
                79..=86 => self.truncated(&mut items),
                87..=94 => self.wrong_field_types(&mut items),
                95..=96 => self.not_dxl_text(&mut items),
                _ => self.not_an_event(&mut items),
            }
        }
        self.rng.shuffle(&mut items);
        items
    }

    // -----------------------------------------------------------------------------------------
    // Building blocks

    fn push(items: &mut Vec<Item>, topic: &'static str, payload: Vec<u8>, expect: Expect, what: &'static str) {
        let actual = classify(topic, &payload);
        assert_eq!(
            actual,
            expect,
            "generator: {what} on {topic} is not what it claims ({} bytes, starts {:02x?})",
            payload.len(),
            &payload[..payload.len().min(48)]
        );
        items.push(Item {
            topic,
            payload,
            expect,
            what,
        });
    }

    fn kind(&mut self) -> usize {
        self.rng.usize(0..4)
    }

    fn seq_hash(&mut self, kind: usize, variant: Variant) -> (u32, Value) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut bytes = seq.to_be_bytes().to_vec();
        bytes.extend_from_slice(&[kind as u8, variant as u8, 0xd1, 0x7e]);
        (seq, json!({"type": "seq", "value": BASE64.encode(bytes)}))
    }

    /// The TIE JSON of a valid event of `kind` with `variant`'s content.
    fn content(&mut self, kind: usize, variant: Variant, seq_hash: Value) -> Value {
        let hash = |t: &str, v: &str| json!({"type": t, "value": v});
        match variant {
            Variant::Plain | Variant::PlainEnvelope => match kind {
                0 => json!({"agentGuid": AGENT, "detectionTime": 1481301038,
                            "hashes": [hash("md5", MD5_B64), hash("sha1", SHA1_B64), seq_hash],
                            "localReputation": 1, "name": "FOCUS_MALWARE2.EXE", "remediationAction": 5}),
                1 => json!({"agentGuid": AGENT, "hashes": [hash("md5", MD5_B64), hash("sha1", SHA1_B64), seq_hash],
                            "name": "MORPH.EXE"}),
                2 => json!({"hashes": [hash("md5", MD5_B64), hash("sha1", SHA1_B64), seq_hash],
                            "newReputations": {"reputations": [
                                {"attributes": {"2120340": "2139160704"}, "createDate": 1480455704, "providerId": 1, "trustLevel": 99},
                                {"createDate": 1, "providerId": 3, "trustLevel": 85}], "props": {"serverTime": 1}},
                            "oldReputations": {"reputations": [{"providerId": 3, "trustLevel": 0}]},
                            "updateTime": 1481219581,
                            "relationships": {"certificate": {"hashes": [hash("sha1", CERT_SHA1_B64)],
                                                              "publicKeySha1": CERT_PK_B64}}}),
                _ => json!({"hashes": [hash("sha1", CERT_SHA1_B64), seq_hash],
                            "newReputations": {"reputations": [
                                {"attributes": {"2108821": "94"}, "providerId": 2, "trustLevel": 99},
                                {"providerId": 4, "trustLevel": 0}]},
                            "oldReputations": {"reputations": []}, "updateTime": 1481219581,
                            "publicKeySha1": CERT_PK_B64}),
            },
            Variant::Sparse => {
                json!({"hashes": [seq_hash], "extraField": {"nested": [1, 2.5, {"x": null}], "t": true}})
            }
            Variant::WrongTypes => match kind {
                0 => json!({"agentGuid": 12, "detectionTime": "yesterday", "hashes": [seq_hash],
                            "localReputation": [1], "name": {"n": 1}, "remediationAction": 1.5}),
                1 => json!({"agentGuid": [], "hashes": [seq_hash], "name": 5}),
                _ => json!({"hashes": [seq_hash],
                            "newReputations": {"reputations": [
                                {"providerId": "7", "trustLevel": "high", "createDate": null, "attributes": [1]}]},
                            "oldReputations": 5, "updateTime": "now", "relationships": "none"}),
            },
            Variant::HugeArray => {
                let mut hashes: Vec<Value> = (0..HUGE_HASHES)
                    .map(|i| json!({"type": format!("h{i}"), "value": BASE64.encode((i as u16).to_be_bytes())}))
                    .collect();
                hashes.push(seq_hash);
                json!({ "hashes": hashes })
            }
            Variant::NearLimit => json!({"hashes": [seq_hash], "padding": ""}),
        }
    }

    fn valid(&mut self, items: &mut Vec<Item>, variant: Variant) {
        let kind = self.kind();
        let (seq, seq_hash) = self.seq_hash(kind, variant);
        let content = self.content(kind, variant, seq_hash);
        let bytes = encode(&Message::event(TOPICS[kind], content.to_string().into_bytes()));
        Self::push(items, TOPICS[kind], bytes, Expect::Delivered(seq), "valid event");
    }

    /// The largest DXL event the client accepts: the MQTT packet exactly at the limit.
    fn near_limit_valid(&mut self, items: &mut Vec<Item>, kind: usize) {
        let (seq, seq_hash) = self.seq_hash(kind, Variant::NearLimit);
        let content = self.content(kind, Variant::NearLimit, seq_hash);
        let target = MAX_MQTT_PACKET - 2 - TOPICS[kind].len();
        // Measured with a padding past 64 KiB, so that the payload's length header already has
        // its final (32-bit) width.
        let mut content = content;
        content["padding"] = Value::String("x".repeat(1 << 17));
        let base = encode(&Message::event(TOPICS[kind], content.to_string().into_bytes())).len();
        content["padding"] = Value::String("x".repeat((1 << 17) + target - base));
        let bytes = encode(&Message::event(TOPICS[kind], content.to_string().into_bytes()));
        assert_eq!(bytes.len(), target, "near-limit event size");
        Self::push(
            items,
            TOPICS[kind],
            bytes,
            Expect::Delivered(seq),
            "valid event at the packet limit",
        );
    }

    /// A DXL event just under the limit whose payload is not JSON.
    fn near_limit_bad_event(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let size = MAX_MQTT_PACKET - 2 - TOPICS[kind].len() - 64 - self.rng.usize(0..4096);
        let payload: Vec<u8> = (0..size).map(|i| b"{[\"x:,"[i % 6]).collect();
        let bytes = encode(&Message::event(TOPICS[kind], payload));
        Self::push(
            items,
            TOPICS[kind],
            bytes,
            Expect::BadEvent,
            "oversized non-JSON TIE payload",
        );
    }

    /// Random bytes at the limit.
    fn near_limit_undecodable(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let size = MAX_MQTT_PACKET - 2 - TOPICS[kind].len() - self.rng.usize(0..2);
        let mut bytes: Vec<u8> = (0..size).map(|_| self.rng.u8(..)).collect();
        bytes[0] = 0xc1; // never used in msgpack: cannot start a DXL message
        Self::push(
            items,
            TOPICS[kind],
            bytes,
            Expect::Undecodable,
            "oversized random bytes",
        );
    }

    /// 20 000 broker ids, client ids, other fields and tenants around a plain event.
    fn big_envelope(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let (seq, seq_hash) = self.seq_hash(kind, Variant::PlainEnvelope);
        let content = self.content(kind, Variant::PlainEnvelope, seq_hash);
        let mut message = Message::event(TOPICS[kind], content.to_string().into_bytes());
        message.broker_ids = (0..20_000).map(|i| format!("{{broker-{i}}}")).collect();
        message.client_ids = vec!["{client}".into(); 100];
        message.other_fields = (0..100).map(|i| (format!("k{i}"), "v".repeat(i))).collect();
        message.source_tenant_guid = "{tenant}".into();
        message.destination_tenant_guids = vec!["{t1}".into(), "{t2}".into()];
        Self::push(
            items,
            TOPICS[kind],
            encode(&message),
            Expect::Delivered(seq),
            "event with a huge envelope",
        );
    }

    /// The plain event in format versions 0, 1, 3 and 7 (trailing fields), or with trailing
    /// NULs in its payload.
    fn old_and_new_versions(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let (seq, seq_hash) = self.seq_hash(kind, Variant::PlainEnvelope);
        let mut text = self
            .content(kind, Variant::PlainEnvelope, seq_hash)
            .to_string()
            .into_bytes();
        let which = self.rng.u8(0..5);
        if which == 4 {
            text.extend_from_slice(b"\0\0\0");
        }
        let v2 = encode(&Message::event(TOPICS[kind], text));
        // A fresh event ends with its empty v1/v2 blocks: other_fields [], tenant "", tenants [].
        assert_eq!(&v2[v2.len() - 3..], [0x90, 0xa0, 0x90]);
        let bytes = match which {
            0 => [&[0x00], &v2[1..v2.len() - 3]].concat(),
            1 => [&[0x01], &v2[1..v2.len() - 2]].concat(),
            2 => [&[0x03], &v2[1..], b"\xa8instance"].concat(),
            3 => [&[0x07], &v2[1..], b"\xa8instance\x93\x01\x02\x03\xc0\xa3new"].concat(),
            _ => v2,
        };
        Self::push(
            items,
            TOPICS[kind],
            bytes,
            Expect::Delivered(seq),
            "valid event in another format version",
        );
    }

    fn unsequenced(&mut self, items: &mut Vec<Item>) {
        const PAYLOADS: [&str; 8] = [
            "[1, 2, 3]",
            "\"text\"",
            "42",
            "null",
            "{}",
            "{\"hashes\": []}",
            "{\"hashes\": \"\"}",
            "{\"hashes\": {}, \"name\": \"no hashes\"}",
        ];
        let kind = self.kind();
        let payload = PAYLOADS[self.rng.usize(0..PAYLOADS.len())];
        let bytes = encode(&Message::event(TOPICS[kind], payload.as_bytes().to_vec()));
        Self::push(
            items,
            TOPICS[kind],
            bytes,
            Expect::Unsequenced,
            "accepted event without hashes",
        );
    }

    fn bad_event(&mut self, items: &mut Vec<Item>) {
        // Bad for every kind: not JSON, not UTF-8, or hashes Python cannot transform.
        const ANY_KIND: [&[u8]; 22] = [
            b"not json",
            b"",
            b"{\"hashes\": [",
            b"{\"name\": \"\xff\xfe\"}",
            b"{\"a\": NaN}",
            b"{\"hashes\": 5}",
            b"{\"hashes\": true}",
            b"{\"hashes\": \"abc\"}",
            b"{\"hashes\": {\"md5\": \"AA==\"}}",
            b"{\"hashes\": [5]}",
            b"{\"hashes\": [\"x\"]}",
            b"{\"hashes\": [null]}",
            b"{\"hashes\": [{\"type\": \"md5\"}]}",
            b"{\"hashes\": [{\"value\": \"AA==\"}]}",
            b"{\"hashes\": [{\"type\": \"md5\", \"value\": 5}]}",
            b"{\"hashes\": [{\"type\": \"md5\", \"value\": null}]}",
            b"{\"hashes\": [{\"type\": [], \"value\": \"AA==\"}]}",
            b"{\"hashes\": [{\"type\": {}, \"value\": \"AA==\"}]}",
            b"{\"hashes\": [{\"type\": \"md5\", \"value\": \"QQ\"}]}",
            b"{\"hashes\": [{\"type\": \"md5\", \"value\": \"A\"}]}",
            b"{\"hashes\": [{\"type\": \"md5\", \"value\": \"QUJD\xc3\xa9\"}]}",
            b"{\"hashes\": [{\"type\": \"md5\", \"value\": \"QUJDRA=\"}]}",
        ];
        // Bad only for the reputation-change kinds, whose transform looks deeper.
        const REPUTATION_CHANGE: [&[u8]; 9] = [
            b"{\"newReputations\": {\"reputations\": 5}}",
            b"{\"newReputations\": {\"reputations\": [5]}}",
            b"{\"newReputations\": {\"reputations\": [{\"trustLevel\": 99}]}}",
            b"{\"oldReputations\": {\"reputations\": [{\"providerId\": [1]}]}}",
            b"{\"newReputations\": {\"reputations\": [{\"providerId\": 1, \"overridden\": {\"files\": [{\"hashes\": [{\"type\": \"md5\", \"value\": \"QQ\"}]}]}}]}}",
            b"{\"publicKeySha1\": 7}",
            b"{\"publicKeySha1\": \"QQ\"}",
            b"{\"relationships\": {\"certificate\": {\"hashes\": [{\"type\": \"sha1\"}]}}}",
            b"{\"relationships\": {\"certificate\": {\"publicKeySha1\": [\"AA==\"]}}}",
        ];
        let kind = self.kind();
        let payload = if kind >= 2 && self.rng.bool() {
            REPUTATION_CHANGE[self.rng.usize(0..REPUTATION_CHANGE.len())]
        } else {
            ANY_KIND[self.rng.usize(0..ANY_KIND.len())]
        };
        let bytes = encode(&Message::event(TOPICS[kind], payload.to_vec()));
        Self::push(
            items,
            TOPICS[kind],
            bytes,
            Expect::BadEvent,
            "DXL event with bad TIE JSON",
        );
    }

    /// A huge valid hash array whose last element has bad base64.
    fn huge_array_bad(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let mut hashes: Vec<Value> = (0..HUGE_HASHES)
            .map(|i| json!({"type": format!("h{i}"), "value": "AAEC"}))
            .collect();
        hashes.push(json!({"type": "md5", "value": "QQ"}));
        let bytes = encode(&Message::event(
            TOPICS[kind],
            json!({ "hashes": hashes }).to_string().into_bytes(),
        ));
        Self::push(
            items,
            TOPICS[kind],
            bytes,
            Expect::BadEvent,
            "huge hash array ending in bad base64",
        );
    }

    /// JSON nested deeper than the parser's limit (128), inside an extra field.
    fn deep_nesting(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let depth = 129 + self.rng.usize(0..5000);
        let text = format!("{{\"hashes\": [], \"x\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        let bytes = encode(&Message::event(TOPICS[kind], text.into_bytes()));
        Self::push(items, TOPICS[kind], bytes, Expect::BadEvent, "deeply nested TIE JSON");
    }

    /// A DXL message whose broker-id array claims 4 billion elements in a few bytes.
    fn huge_dxl_array_header(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let mut fields = Fields::of_event(TOPICS[kind], b"{}");
        fields.0[5] = vec![0xdd, 0xff, 0xff, 0xff, 0xff, 0xa1, b'x'];
        Self::push(
            items,
            TOPICS[kind],
            fields.bytes(),
            Expect::Undecodable,
            "DXL array header claiming 4G elements",
        );
    }

    fn random_bytes(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        loop {
            let len = if self.rng.u8(..) < 8 {
                0
            } else {
                self.rng.usize(1..4096)
            };
            let bytes: Vec<u8> = (0..len).map(|_| self.rng.u8(..)).collect();
            // Random bytes that happen to form a DXL message are not what this case is for.
            if decode(&bytes, TOPICS[kind]).is_err() {
                Self::push(items, TOPICS[kind], bytes, Expect::Undecodable, "random bytes");
                return;
            }
        }
    }

    /// A valid event cut anywhere before its end.
    fn truncated(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let (_, seq_hash) = self.seq_hash(kind, Variant::Plain);
        let content = self.content(kind, Variant::Plain, seq_hash);
        let bytes = encode(&Message::event(TOPICS[kind], content.to_string().into_bytes()));
        let cut = self.rng.usize(0..bytes.len());
        Self::push(
            items,
            TOPICS[kind],
            bytes[..cut].to_vec(),
            Expect::Undecodable,
            "truncated DXL event",
        );
    }

    /// A DXL event with one field of the wrong msgpack type or out of range.
    fn wrong_field_types(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let mut fields = Fields::of_event(TOPICS[kind], b"{\"hashes\": []}");
        let (index, bytes): (usize, &[u8]) = match self.rng.u8(0..14) {
            0 => (0, b"\xa12"),                                 // version as a string
            1 => (0, b"\xff"),                                  // negative version
            2 => (0, b"\xc3"),                                  // version as a boolean
            3 => (1, b"\x09"),                                  // unknown message type 9
            4 => (1, b"\xa15"),                                 // message type as a string
            5 => (1, b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff"),  // message type 2^64-1
            6 => (2, b"\x05"),                                  // message id as an integer
            7 => (2, b"\xa2\xc3\x28"),                          // message id not UTF-8
            8 => (3, b"\x91\xa1x"),                             // source client id as an array
            9 => (5, b"\x80"),                                  // broker ids as a map
            10 => (6, b"\xa3abc"),                              // client ids as a string
            11 => (7, b"\x92\x01\x02"),                         // payload as an array
            12 => (8, b"\xa5other"),                            // other fields as a string
            _ => (10, b"\xcb\x40\x09\x21\xf9\xf0\x1b\x86\x6e"), // tenant guids as a float
        };
        fields.0[index] = bytes.to_vec();
        Self::push(
            items,
            TOPICS[kind],
            fields.bytes(),
            Expect::Undecodable,
            "DXL event with a wrongly typed field",
        );
    }

    /// What a publisher that forgot the DXL envelope sends: JSON or text.
    fn not_dxl_text(&mut self, items: &mut Vec<Item>) {
        const TEXTS: [&str; 4] = [
            "{\"agentGuid\": \"{x}\", \"hashes\": []}",
            "hello world, not DXL",
            "[\"list\"]",
            " ",
        ];
        let kind = self.kind();
        let text = TEXTS[self.rng.usize(0..TEXTS.len())];
        Self::push(
            items,
            TOPICS[kind],
            text.as_bytes().to_vec(),
            Expect::Undecodable,
            "JSON or text without the DXL envelope",
        );
    }

    /// A request, a response or an error response on an event topic, with a valid TIE body.
    fn not_an_event(&mut self, items: &mut Vec<Item>) {
        let kind = self.kind();
        let (_, seq_hash) = self.seq_hash(kind, Variant::Plain);
        let body = self.content(kind, Variant::Plain, seq_hash).to_string().into_bytes();
        let request = Message::request(TOPICS[kind], body.clone());
        let message = match self.rng.u8(0..3) {
            0 => request,
            1 => Message::response_to(&request, body),
            _ => Message::error_response_to(&request, 0x7fff_ffff, "not an event"),
        };
        let mut message = message;
        message.destination_topic = TOPICS[kind].to_owned();
        Self::push(
            items,
            TOPICS[kind],
            encode(&message),
            Expect::Ignored,
            "request or response on an event topic",
        );
    }
}

/// A version-2 event as its eleven top-level msgpack items, to replace one with a wrong type.
struct Fields(Vec<Vec<u8>>);

impl Fields {
    fn of_event(topic: &str, payload: &[u8]) -> Fields {
        let raw = |b: &[u8]| -> Vec<u8> {
            assert!(b.len() < 32, "fixstr only");
            [&[0xa0 | b.len() as u8], b].concat()
        };
        let message = Message::event(topic, payload.to_vec());
        let fields = Fields(vec![
            vec![0x02],
            vec![0x02],
            [
                &[0xda, 0x00, message.message_id.len() as u8],
                message.message_id.as_bytes(),
            ]
            .concat(),
            raw(b""),
            raw(b""),
            vec![0x90],
            vec![0x90],
            raw(payload),
            vec![0x90],
            raw(b""),
            vec![0x90],
        ]);
        assert_eq!(fields.bytes(), encode(&message), "the items make the encoded event");
        fields
    }

    fn bytes(&self) -> Vec<u8> {
        self.0.concat()
    }
}
