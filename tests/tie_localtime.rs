//! The local-time helpers against the `helper_localtime_*` vectors, in the vectors' own zone.
//!
//! `to_localtime`/`to_localtime_string` use the process's zone, so this binary sets `TZ` to the
//! vector's `TZ` first. It holds a single test so that no other thread reads the environment
//! while `TZ` changes. (`tests/tie_vectors.rs` checks the same vectors in explicit UTC, and
//! `tests/tie_localtime_python.rs` compares many zones, epochs and formats with Python itself.)

use dxltie::tie::helpers::{to_localtime, to_localtime_string, NumericArg, DEFAULT_TIME_FORMAT};
use serde_json::Value;

const VECTORS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors/tie");

fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn numeric(arg: &Value) -> NumericArg<'_> {
    match arg {
        Value::String(s) => NumericArg::Text(s),
        Value::Number(n) if n.is_f64() => NumericArg::Float(n.as_f64().unwrap()),
        Value::Number(n) => NumericArg::Int(i128::from(n.as_i64().expect("epoch fits i64"))),
        other => panic!("unsupported epoch argument {other}"),
    }
}

#[test]
fn localtime_vectors_in_their_time_zone() {
    let dir = std::path::PathBuf::from(VECTORS_DIR);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("TIE vector folder {} is missing: {e}", dir.display()))
        .map(|entry| entry.expect("folder entry").file_name().to_string_lossy().into_owned())
        .filter_map(|file| file.strip_suffix(".input.json").map(str::to_string))
        .filter(|name| name.starts_with("helper_localtime_"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no helper_localtime_* vectors in {}", dir.display());

    for name in &names {
        let input = read_json(&dir.join(format!("{name}.input.json")));
        let expected = read_json(&dir.join(format!("{name}.expected.json")));
        let tz = input["TZ"].as_str().unwrap_or_else(|| panic!("{name}: no TZ"));
        std::env::set_var("TZ", tz);
        let args = input["args"].as_array().unwrap_or_else(|| panic!("{name}: no args"));
        let actual: Value = match input["function"].as_str() {
            Some("EpochMixin.to_localtime") => {
                serde_json::to_value(to_localtime(numeric(&args[0])).unwrap().to_python_tuple()).unwrap()
            }
            Some("EpochMixin.to_localtime_string") => {
                let format = args.get(1).map_or(DEFAULT_TIME_FORMAT, |f| f.as_str().expect("format"));
                Value::from(to_localtime_string(numeric(&args[0]), format).unwrap())
            }
            other => panic!("{name}: unknown function {other:?}"),
        };
        assert_eq!(
            expected["error"],
            Value::Null,
            "{name}: error vectors are not expected here"
        );
        assert_eq!(actual, expected["result"], "{name}");
    }

    // The zone really is the process's: the same instant reads differently elsewhere.
    std::env::set_var("TZ", "EST5EDT");
    assert_eq!(
        to_localtime_string(1476902802, DEFAULT_TIME_FORMAT).unwrap(),
        "2016-10-19 14:46:42"
    );
    assert_eq!(to_localtime(1476902802).unwrap().isdst, 1);
}
