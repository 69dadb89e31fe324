//! The local-time helpers against Python itself, as a live peer: for each `TZ` value the
//! system `python3` runs `time.localtime(float(e))` (or `time.gmtime`) and
//! `time.strftime(f, …)` for every epoch and format, and `to_localtime`/`to_localtime_string`
//! (or `epoch_to_time`/`format_epoch` in UTC) must give the same tuple, the same text, or the
//! same error text. No expectation is written down here: Python computes every one.
//!
//! The helpers read the process's `TZ`, which these tests change, so every test holds
//! [`TZ_LOCK`] while it does (Python runs in a child process with its own environment).

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use dxltie::tie::helpers::{
    epoch_to_time, format_epoch, to_localtime, to_localtime_string, NumericArg, TimeZoneChoice, DEFAULT_TIME_FORMAT,
};
use serde_json::{json, Value};

static TZ_LOCK: Mutex<()> = Mutex::new(());

/// Reads the cases from stdin and prints, per case and epoch, the tuple and the strftime texts
/// or the error text.
const PYTHON_PEER: &str = r#"
import json, os, sys, time
out = []
for case in json.load(sys.stdin):
    if case["tz"] is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = case["tz"]
    time.tzset()
    convert = time.gmtime if case["gmtime"] else time.localtime
    rows = []
    for epoch in case["epochs"]:
        try:
            t = convert(float(epoch))
        except (OSError, OverflowError, ValueError) as e:
            rows.append({"error": str(e)})
            continue
        texts = []
        for f in case["formats"]:
            try:
                texts.append({"text": time.strftime(f, t)})
            except (OverflowError, ValueError) as e:
                texts.append({"error": str(e)})
        rows.append({"tuple": list(t[:9]), "texts": texts})
    out.append(rows)
json.dump(out, sys.stdout)
"#;

/// One `TZ` value (`None`: unset) with the epochs and formats to compare in it.
struct Case {
    tz: Option<&'static str>,
    gmtime: bool,
    epochs: Vec<Value>,
    formats: Vec<String>,
}

/// A zone to test, and whether its daylight-saving rule goes on forever: glibc's own rule
/// arithmetic overflows past the year 5 881 580 (see src/tie/localtime.rs), so such zones are
/// compared up to [`RULE_YEARS_END`] only.
struct Zone {
    tz: Option<&'static str>,
    dst_forever: bool,
}

const fn zone(tz: &'static str, dst_forever: bool) -> Zone {
    Zone {
        tz: Some(tz),
        dst_forever,
    }
}

/// The zones of the brief, then the other kinds of `TZ` value glibc takes.
const ZONES: &[Zone] = &[
    zone("UTC", false),
    zone("America/New_York", true),
    zone("Europe/Berlin", true),
    zone("Asia/Kolkata", false),
    zone("Australia/Lord_Howe", true),
    Zone {
        tz: None,
        dst_forever: true,
    },
    zone("", false),
    zone(":Europe/Berlin", true),
    zone("/usr/share/zoneinfo/Asia/Tokyo", false),
    zone("EST5EDT", true),
    zone("Europe/Dublin", true),
    zone("America/St_Johns", true),
    zone("Asia/Kathmandu", false),
    zone("Pacific/Apia", false),
    zone("Africa/Casablanca", false),
    zone("Antarctica/Troll", true),
    zone("AEST-10AEDT,M10.1.0,M4.1.0/3", true),
    zone("EST5EDT,M3.2.0,M11.1.0", true),
    zone("CET-1CEST,M3.5.0,M10.5.0/3", true),
    zone("XXX3YYY,J60/2,J300/2", true),
    zone("XXX3YYY,59,299", true),
    zone("EST5EDT,M3.2.0/-1,M11.1.0/26", true),
    zone("<+0330>-3:30", false),
    zone("IST-5:30", false),
    zone("UTC0", false),
    zone("Foo/Bar", false),
    zone("Fo", false),
    zone("utc", false),
    zone("EST25", false),
    zone("Europe", false),
];

/// The required zones of the brief, for the directive matrix.
const MAIN_ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
];

/// The last instant compared in zones whose rule has daylight saving time forever: the year
/// 4 755 000 or so.
const RULE_YEARS_END: i64 = 150_000_000_000_000;

/// The formats compared at every epoch of the core and random sets.
const COMMON_FORMATS: &[&str] = &[
    DEFAULT_TIME_FORMAT,
    "%d/%m/%Y %H-%M-%S",
    "%c",
    "%x %X %r",
    "%a %A %b %B %h",
    "%Z %z %s",
    "%C %y %G %g %V",
    "%U %W %u %w %j",
    "%e %k %l %I %p %P",
    "%D %F %R %T%n%t%%",
];

/// The proleptic Gregorian day number of a date, 1970-01-01 = 0.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// 0 = Sunday.
fn weekday(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

fn nth_sunday(year: i64, month: i64, n: i64) -> i64 {
    let first = days_from_civil(year, month, 1);
    first + (7 - weekday(first)) % 7 + 7 * (n - 1)
}

fn last_sunday(year: i64, month: i64) -> i64 {
    let last = if month == 12 {
        days_from_civil(year + 1, 1, 1) - 1
    } else {
        days_from_civil(year, month + 1, 1) - 1
    };
    last - weekday(last)
}

/// A multiple of 8 next to `boundary` on its `side` (1 beyond, 0 within): epochs this large go
/// through `float()`, whose spacing here is 8, so both sides see the same instant.
fn float_exact_near(boundary: i64, beyond: bool, upward: bool) -> i64 {
    let within = if upward {
        boundary - boundary.rem_euclid(8)
    } else {
        boundary + (-boundary).rem_euclid(8)
    };
    match (beyond, upward) {
        (false, _) => within,
        (true, true) => within + 8,
        (true, false) => within - 8,
    }
}

/// Negative, zero, leap days, ISO-week edges, the year 0, jiff's calendar edges, the far
/// future, C `int` year limits, fractional epochs, and epochs that Python refuses.
fn core_epochs() -> Vec<Value> {
    let mut epochs: Vec<i64> = vec![
        0,
        1,
        -1,
        59,
        86_399,
        86_400,
        -86_400,
        1234,
        1_476_902_802,
        43_200,
        39_600,
        46_800,
    ];
    for (year, month, day) in [
        (1972, 2, 29),
        (1972, 12, 31),
        (1900, 1, 1),
        (1900, 3, 1),
        (2000, 2, 29),
        (2000, 12, 31),
        (2004, 2, 29),
        (2100, 2, 28),
        (2100, 3, 1),
        (2400, 2, 29),
        (2008, 12, 29),
        (2010, 1, 3),
        (2021, 1, 1),
        (2038, 1, 19),
        (1901, 12, 13),
        (1, 1, 1),
        (0, 1, 1),
        (0, 2, 29),
        (-1, 12, 31),
        (-4713, 11, 24),
        (-9999, 1, 1),
        (-10000, 12, 31),
        (9999, 12, 31),
        (10000, 1, 1),
        (33658, 9, 27),
        (1_000_000, 7, 1),
        (4_000_000, 6, 15),
    ] {
        let day = days_from_civil(year, month, day) * 86_400;
        epochs.extend([day, day - 1, day + 43_199, day + 86_399]);
    }
    epochs.extend([
        i64::from(i32::MAX),
        i64::from(i32::MIN),
        i64::from(i32::MIN) - 1,
        -377_705_023_201,
        -377_705_023_202,
        -377_705_116_800,
        -377_705_116_801,
        253_402_207_200,
        253_402_207_201,
        -1_000_000_000_000,
        -100_000_000_000,
        100_000_000_000,
        1_000_000_000_000,
        10_000_000_000_000,
        RULE_YEARS_END,
    ]);
    // Past RULE_YEARS_END (kept for zones without everlasting daylight saving time): the C `int`
    // limits of the year, each side of them.
    let year_max = days_from_civil(2_147_483_647, 12, 31) * 86_400 + 86_399;
    let tm_year_max = days_from_civil(2_147_485_547, 12, 31) * 86_400 + 86_399;
    let tm_year_min = days_from_civil(-2_147_481_748, 1, 1) * 86_400;
    epochs.extend([
        1_000_000_000_000_000,
        -1_000_000_000_000_000,
        float_exact_near(year_max, false, true),
        float_exact_near(year_max, true, true),
        float_exact_near(tm_year_max, false, true),
        float_exact_near(tm_year_max, true, true),
        float_exact_near(tm_year_min, false, false),
        float_exact_near(tm_year_min, true, false),
        9_200_000_000_000_000_000,
    ]);
    let mut values: Vec<Value> = epochs.into_iter().map(Value::from).collect();
    for float in [
        -0.5,
        0.5,
        1_476_902_802.9,
        -1e-300,
        -62_135_596_800.5,
        1e19,
        -1e19,
        1e300,
    ] {
        values.push(json!(float));
    }
    values
}

/// Uniform epochs over 1843–2096, over ± the year 4 755 000, and fractional ones (fixed seed).
fn random_epochs() -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(0x7469_6d65);
    let mut values = Vec::new();
    values.extend((0..400).map(|_| Value::from(rng.i64(-4_000_000_000..4_000_000_000))));
    values.extend((0..150).map(|_| Value::from(rng.i64(-RULE_YEARS_END..RULE_YEARS_END))));
    values.extend((0..100).map(|_| json!(rng.f64() * 8e9 - 4e9)));
    values
}

/// Every half hour (and the second before it) from 12:00 UTC on the eve of each day on which
/// the US, EU or Australian rules change the clocks to 12:00 UTC on the day (the changes at 2:00
/// local time fall in it, from Lord Howe's 15:00 UTC on the eve to New York's 07:00), in years
/// from 1970 to 1 000 000.
fn transition_epochs() -> Vec<Value> {
    let mut epochs = Vec::new();
    for year in [1970, 1985, 2006, 2007, 2016, 2037, 2038, 2100, 9999, 10_000, 1_000_000] {
        for day in [
            nth_sunday(year, 3, 2),
            nth_sunday(year, 11, 1),
            last_sunday(year, 3),
            last_sunday(year, 10),
            nth_sunday(year, 4, 1),
            nth_sunday(year, 10, 1),
        ] {
            let start = day * 86_400 - 12 * 3600;
            for step in 0..=48 {
                let t = start + step * 1800;
                epochs.extend([Value::from(t), Value::from(t - 1)]);
            }
        }
    }
    epochs
}

/// Every letter and a few other characters after `%`, with each flag set, width and modifier:
/// one format per (flags, width, modifier), the directives joined by `|`.
fn matrix_formats() -> Vec<String> {
    let conversions: Vec<char> = ('a'..='z')
        .chain('A'..='Z')
        .chain(['%', '+', ':', '!', '|', ' '])
        .collect();
    let mut formats = Vec::new();
    for flags in ["", "_", "-", "0", "^", "#", "^#", "_^", "0-", "-0_"] {
        for width in ["", "1", "3", "12"] {
            for modifier in ["", "E", "O"] {
                let directives: Vec<String> = conversions
                    .iter()
                    .map(|c| format!("%{flags}{width}{modifier}{c}"))
                    .collect();
                formats.push(directives.join("|"));
            }
        }
    }
    formats
}

/// Formats at the edges of the format grammar and of Python's buffer policy.
fn edge_formats() -> Vec<String> {
    let mut formats: Vec<String> = [
        "",
        "%",
        "abc%",
        "%5",
        "%^",
        "%E",
        "%O",
        "%_",
        "%-5E",
        "%_-0^#10EY",
        "%%%",
        "100%%",
        "é%Y ü%dß",
        "%2000Y",
        "%1030Y",
        "%1023Y",
        "%5000Y",
        "%2147483647Y",
        "%2147483648Y",
        "%99999999999999Y",
        "%-z",
        "%10z",
        "%_10z",
        "%010z",
        "%-10z",
        "%^z",
        "%+Y",
        "%:z",
        "%010s",
        "%-10s",
        "%_10s",
        "%^c",
        "%#c",
        "%30c",
        "%030c",
        "%_30c",
        "%^10r",
        "%10D",
        "%E10Y",
        "%#Ec",
        "%#Eb",
        "%#Eh",
        "%#EB",
        "%^#p",
        "%^P",
        "%#P",
        "%0e",
        "%-e",
        "%_H",
        "%0k",
        "%-l",
        "%3C",
        "%_5C",
        "%05G",
        "%_9Y",
        "%-3j",
        "%5n%5t%5%",
        "%#Z %^Z %10Z %-10Z %010Z",
    ]
    .iter()
    .map(|f| f.to_string())
    .collect();
    // Python's last buffer is 256 characters per format character: these just fit or not.
    formats.push(format!("{}%3000Y", "x".repeat(10)));
    formats.push(format!("{}%5000Y", "x".repeat(10)));
    formats.push("%Y".repeat(600));
    formats.push("%c".repeat(200));
    formats
}

fn numeric(epoch: &Value) -> NumericArg<'_> {
    match epoch {
        Value::Number(n) if n.is_f64() => NumericArg::Float(n.as_f64().unwrap()),
        Value::Number(n) => NumericArg::Int(i128::from(n.as_i64().expect("epochs fit i64"))),
        other => panic!("unsupported epoch {other}"),
    }
}

/// Runs the Python peer on the cases.
fn python_results(cases: &[Case]) -> Vec<Vec<Value>> {
    let request: Vec<Value> = cases
        .iter()
        .map(|c| json!({"tz": c.tz, "gmtime": c.gmtime, "epochs": c.epochs, "formats": c.formats}))
        .collect();
    let request = serde_json::to_vec(&request).unwrap();
    let mut child = Command::new("python3")
        .args(["-c", PYTHON_PEER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3 (this test compares with the system Python): {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&request));
    let output = child.wait_with_output().expect("python3 runs");
    writer.join().unwrap().expect("request written to python3");
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Vec<Value>> = serde_json::from_slice(&output.stdout).expect("python3 printed JSON");
    assert_eq!(results.len(), cases.len());
    results
}

/// Compares every case with Python; panics listing the first differences.
fn compare_with_python(cases: &[Case]) {
    let expected = python_results(cases);
    let _tz = TZ_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut differences = Vec::new();
    let mut compared = 0usize;
    for (case, rows) in cases.iter().zip(&expected) {
        match case.tz {
            Some(tz) => std::env::set_var("TZ", tz),
            None => std::env::remove_var("TZ"),
        }
        let zone = if case.gmtime {
            TimeZoneChoice::Utc
        } else {
            TimeZoneChoice::Local
        };
        let mut differ = |what: String, ours: String, python: &Value| {
            differences.push(format!("TZ={:?} {what}: ours {ours}, Python {python}", case.tz));
        };
        assert_eq!(rows.len(), case.epochs.len());
        for (epoch, row) in case.epochs.iter().zip(rows) {
            let time = if case.gmtime {
                epoch_to_time(numeric(epoch), zone)
            } else {
                to_localtime(numeric(epoch))
            };
            compared += 1;
            if let Some(error) = row.get("error") {
                let ours = time
                    .map(|t| format!("{:?}", t.to_python_tuple()))
                    .map_err(|e| e.to_string());
                if ours.as_ref().err().map(String::as_str) != error.as_str() {
                    differ(format!("localtime({epoch})"), format!("{ours:?}"), error);
                }
                continue;
            }
            match time {
                Ok(t) if json!(t.to_python_tuple()) == row["tuple"] => {}
                other => differ(
                    format!("localtime({epoch})"),
                    format!("{:?}", other.map(|t| t.to_python_tuple())),
                    &row["tuple"],
                ),
            }
            for (format, python) in case.formats.iter().zip(row["texts"].as_array().expect("texts")) {
                let ours = if case.gmtime {
                    format_epoch(numeric(epoch), format, zone)
                } else {
                    to_localtime_string(numeric(epoch), format)
                };
                compared += 1;
                let same = match (&ours, python.get("text"), python.get("error")) {
                    (Ok(text), Some(expected), _) => expected.as_str() == Some(text.as_str()),
                    (Err(e), _, Some(expected)) => expected.as_str() == Some(e.to_string().as_str()),
                    _ => false,
                };
                if !same {
                    let shown: String = format.chars().take(80).collect();
                    differ(format!("strftime({shown:?}, {epoch})"), format!("{ours:?}"), python);
                }
            }
        }
    }
    std::env::remove_var("TZ");
    assert!(
        differences.is_empty(),
        "{} of {compared} results differ from Python:\n{}",
        differences.len(),
        differences.iter().take(25).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The epochs a zone is compared at: all of them, or those up to [`RULE_YEARS_END`] (and every
/// error epoch, which fails the same way) in zones whose daylight saving time never ends.
fn for_zone(zone: &Zone, epochs: &[Value]) -> Vec<Value> {
    epochs
        .iter()
        .filter(|e| !zone.dst_forever || e.as_f64().is_some_and(|v| v <= RULE_YEARS_END as f64 || v >= 6.8e16))
        .cloned()
        .collect()
}

fn strings(formats: &[&str]) -> Vec<String> {
    formats.iter().map(|f| f.to_string()).collect()
}

#[test]
fn every_zone_at_core_and_random_epochs() {
    let mut epochs = core_epochs();
    epochs.extend(random_epochs());
    let cases: Vec<Case> = ZONES
        .iter()
        .map(|zone| Case {
            tz: zone.tz,
            gmtime: false,
            epochs: for_zone(zone, &epochs),
            formats: strings(COMMON_FORMATS),
        })
        .collect();
    compare_with_python(&cases);
}

#[test]
fn daylight_saving_transitions() {
    let epochs = transition_epochs();
    let cases: Vec<Case> = ZONES
        .iter()
        .filter(|zone| zone.dst_forever)
        .map(|zone| Case {
            tz: zone.tz,
            gmtime: false,
            epochs: for_zone(zone, &epochs),
            formats: strings(&[DEFAULT_TIME_FORMAT, "%Z %z %s %j"]),
        })
        .collect();
    compare_with_python(&cases);
}

#[test]
fn every_directive_flag_width_and_modifier() {
    let epochs: Vec<Value> = [
        0i64,
        1_476_902_802,
        1_476_921_600,
        951_782_400,
        1_230_508_800,
        1_262_476_800,
        -62_167_219_200,
        -1_000_000_000_000,
        253_402_300_800,
        -2_208_988_800,
    ]
    .into_iter()
    .map(Value::from)
    .collect();
    let mut formats = matrix_formats();
    formats.extend(edge_formats());
    let cases: Vec<Case> = MAIN_ZONES
        .iter()
        .map(|tz| Case {
            tz: Some(tz),
            gmtime: false,
            epochs: epochs.clone(),
            formats: formats.clone(),
        })
        .collect();
    compare_with_python(&cases);
}

#[test]
fn utc_choice_is_gmtime_whatever_tz_says() {
    let mut epochs = core_epochs();
    epochs.extend(random_epochs());
    // `%s` of a gmtime tuple is mktime in the local zone in Python; ours is the epoch.
    let formats: Vec<String> = COMMON_FORMATS.iter().map(|f| f.replace("%s", "")).collect();
    let cases: Vec<Case> = ["America/New_York", "Australia/Lord_Howe"]
        .into_iter()
        .map(|tz| Case {
            tz: Some(tz),
            gmtime: true,
            epochs: epochs.clone(),
            formats: formats.clone(),
        })
        .collect();
    compare_with_python(&cases);
}
