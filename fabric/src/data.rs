//! The simulator's initial data: the fake services' notepad, EICAR and the advanced sample's
//! certificate (tie-api.md §7, vectors `fakesvc_*`), the test mock's UNKNOWN_FILE (§6.2), plus
//! one file with an ATD (provider 5) reputation, the file the fake services' detection sample
//! reports.
//!
//! Hash values are base64, as requests carry them; reputations keep the key order of the fake
//! services' data.

use serde_json::{json, Value};

/// Hashes as (type, base64 value).
pub type SeedHashes = Vec<(&'static str, &'static str)>;

/// One initial item: its hashes, reputations, first references and relationships.
pub struct Seed {
    pub name: &'static str,
    pub hashes: SeedHashes,
    pub reputations: Value,
    pub agents: Option<Value>,
    pub relationships: Option<Value>,
}

pub const AGENT_1: &str = "{3a6f574a-3e6f-436d-acd4-bcde336b054d}";
pub const AGENT_2: &str = "{d48d3d1a-915e-11e6-323a-000c2992f5d9}";
pub const AGENT_3: &str = "{68125cd6-a5d8-11e6-348e-000c29663178}";

/// notepad.exe (GTI 99, Enterprise 0) with three first references and the certificate
/// relationship the fake services add to its rep-change events.
pub fn notepad() -> Seed {
    Seed {
        name: "notepad.exe",
        hashes: vec![
            ("md5", "8se7isyX+S6Yei1Ah9AhsQ=="),
            ("sha1", "frATnSF1c5s8yw0REAZ4IL5qvSk="),
            ("sha256", "FC4daI7wVoNww3GH/Z8jUdfd7aV0+L+psPpO9C24WqI="),
        ],
        reputations: json!([
            {"attributes": {"2120340": "2139160704"}, "createDate": 1451502875, "providerId": 1, "trustLevel": 99},
            {"attributes": {"2101652": "17", "2102165": "1451502875", "2111893": "21", "2114965": "0", "2139285": "72339069014638857"},
             "createDate": 1451502875, "providerId": 3, "trustLevel": 0}
        ]),
        agents: Some(json!([
            {"agentGuid": AGENT_1, "date": 1475873692},
            {"agentGuid": AGENT_2, "date": 1476316674},
            {"agentGuid": AGENT_3, "date": 1478626172}
        ])),
        relationships: Some(json!({
            "certificate": {
                "hashes": [
                    {"type": "md5", "value": "MdvozEQ9LKf9I2rAClL7Fw=="},
                    {"type": "sha1", "value": "LWykUGG3lyMS4A5ZM/3/lbuQths="},
                    {"type": "sha256", "value": "qjxGHUwho5LjctDWykzrHk2ICY1YdllFTq9Nk8ZhiA8="}
                ],
                "publicKeySha1": "Q139Rw9ydDfHy08Hy6H5ofQnJlY="
            }
        })),
    }
}

/// The EICAR test file (GTI 1, Enterprise 0), no first references.
pub fn eicar() -> Seed {
    Seed {
        name: "EICAR",
        hashes: vec![
            ("md5", "RNiGEv6oqPNt6C4SeKuwLw=="),
            ("sha1", "M5WFbOgfK3OC3ucmAveYtkLxQUA="),
            ("sha256", "J1oCG7+2SJ5U1HGJn3250WY/xpXsL+KixFOKq/ZR/Q8="),
        ],
        reputations: json!([
            {"attributes": {"2120340": "2139162632"}, "createDate": 1451504331, "providerId": 1, "trustLevel": 1},
            {"attributes": {"2101652": "11", "2102165": "1451504331", "2111893": "22", "2114965": "0", "2139285": "72339069014638857"},
             "createDate": 1451504331, "providerId": 3, "trustLevel": 0}
        ]),
        agents: None,
        relationships: None,
    }
}

/// The test mock's UNKNOWN_FILE (md5 `586297d3…`, sha1 `a7c515a8…`, sha256 `f0649a54…`): GTI 50
/// and Enterprise 0, neither definitive, so the external-reputation sample sends its event.
pub fn unknown_file() -> Seed {
    Seed {
        name: "UNKNOWN_FILE",
        hashes: vec![
            ("md5", "WGKX079jtHii32HvJXn9ng=="),
            ("sha1", "p8UVqDbyDoWJ0caOBiN5BMPOwq0="),
            ("sha256", "8GSaVD6PtoLsJafcw7j6e4Z0TgGK5Lx4S+bIbLRoYa4="),
        ],
        reputations: json!([
            {"attributes": {"2120340": "2139162632"}, "createDate": 1451504331, "providerId": 1, "trustLevel": 50},
            {"attributes": {"2101652": "11", "2102165": "1451504331", "2111893": "22", "2114965": "0", "2139285": "72339069014638857"},
             "createDate": 1451504331, "providerId": 3, "trustLevel": 0}
        ]),
        agents: None,
        relationships: None,
    }
}

/// FOCUS_MALWARE2.EXE, the file of the fake services' `send_file_detection_event.py`
/// (md5 `eb5e…`, sha1 `435d…`, sha256 `414b…`): GTI 1, Enterprise 0 and an ATD verdict
/// (provider 5: trust 1, the four ATD scores at `AtdTrustLevel.KNOWN_MALICIOUS` = 5).
pub fn focus_malware() -> Seed {
    Seed {
        name: "FOCUS_MALWARE2.EXE",
        hashes: vec![
            ("md5", "614rncUYF6CG17l+tSQQqw=="),
            ("sha1", "Q139Rw9ydDfHy08Hy6H5ofQnJlY="),
            ("sha256", "QUuxaxDs4tsthEjLnzE/gMt3wxDKDBnuA8c8ugwW/ts="),
        ],
        reputations: json!([
            {"attributes": {"2120340": "2139162632"}, "createDate": 1481301038, "providerId": 1, "trustLevel": 1},
            {"attributes": {"2101652": "1", "2102165": "1481301038", "2111893": "21", "2114965": "1", "2139285": "72339069014638857"},
             "createDate": 1481301038, "providerId": 3, "trustLevel": 0},
            {"attributes": {"4194962": "5", "4195218": "5", "4195474": "5", "4195730": "5"},
             "createDate": 1481301038, "providerId": 5, "trustLevel": 1}
        ]),
        agents: Some(json!([{"agentGuid": AGENT_3, "date": 1481301038}])),
        relationships: None,
    }
}

/// The advanced sample's certificate (sha1 `6eae26db…`, public-key sha1 `3b87a2d6…`):
/// GTI (2) 99, Enterprise (4) 0, two first references.
pub fn advanced_cert() -> Seed {
    Seed {
        name: "advanced sample certificate",
        hashes: vec![
            ("sha1", "bq4m24wTGCp5R5gpkbQyFzLMPeI="),
            ("publicKeySha1", "O4ei1vOXcBYDZLeaFS/Mc7riet8="),
        ],
        reputations: json!([
            {"attributes": {"2108821": "94", "2109077": "1454912619", "2117524": "0", "2120596": "0"},
             "createDate": 1476318514, "providerId": 2, "trustLevel": 99},
            {"attributes": {"2109333": "12", "2109589": "1476318514", "2139285": "73183493944770750"},
             "createDate": 1476318514, "providerId": 4, "trustLevel": 0}
        ]),
        agents: Some(json!([
            {"agentGuid": AGENT_1, "date": 1475873692},
            {"agentGuid": AGENT_3, "date": 1478626172}
        ])),
        relationships: None,
    }
}

pub fn files() -> Vec<Seed> {
    vec![notepad(), eicar(), unknown_file(), focus_malware()]
}

pub fn certs() -> Vec<Seed> {
    vec![advanced_cert()]
}

/// What the emitted detection events report, in turn: name, hashes, local reputation.
pub fn detection_samples() -> Vec<(&'static str, SeedHashes, i64)> {
    vec![
        ("FOCUS_MALWARE2.EXE", focus_malware().hashes, 1),
        ("EICAR.COM", eicar().hashes, 1),
    ]
}

/// What the emitted first-instance events report: the fake services'
/// `send_first_instance_event.py` file.
pub fn first_instance_samples() -> Vec<(&'static str, SeedHashes)> {
    vec![(
        "MORPH.EXE",
        vec![
            ("md5", "MdvozEQ9LKf9I2rAClL7Fw=="),
            ("sha1", "LWykUGG3lyMS4A5ZM/3/lbuQths="),
            ("sha256", "qjxGHUwho5LjctDWykzrHk2ICY1YdllFTq9Nk8ZhiA8="),
        ],
    )]
}
