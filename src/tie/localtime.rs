//! Epoch → local time as Python's `time.localtime` gives it on Linux (glibc's `localtime_r`
//! after `tzset`), and `time.strftime` of the result (spec §4.4, `EpochMixin`).
//!
//! The zone comes from `TZ` at every call, resolved as glibc's `tzset` does: unset is
//! `/etc/localtime`; empty is `Universal`; a leading `:` is dropped; a value is first a zone
//! file (absolute, or under `$TZDIR`, default `/usr/share/zoneinfo`) and else a POSIX TZ rule;
//! what glibc can only partly parse keeps its leading name and offset (`TZ=Foo/Bar` is UTC
//! called `Foo`). The zone data and calendar are the `jiff` crate's (TZif files, POSIX rules
//! including the footer that governs times after a file's last transition); what glibc does
//! differently from the standards is reproduced here and said where. As with glibc, a zone is
//! re-read only when `TZ` changes.
//!
//! Known differences from glibc, all outside what any TIE time stamp reaches: a POSIX `TZ` with
//! a daylight-saving name but no rule (`EST5EDT6` where no zone file has that name) follows the
//! US rule M3.2.0,M11.1.0, where glibc copies the transition dates of its `posixrules` file
//! (the same dates from 2007 on); a rule that glibc parses only in part (`EST5EDT,junk`) keeps
//! the standard time only; leap-second (`right/…`) zones are read without their leap seconds;
//! and beyond the year 5 881 580 glibc's own daylight-saving arithmetic overflows, while this
//! stays correct. On other systems than Linux the same rules apply where zone files exist; with
//! `TZ` unset or naming a zone without a file there, jiff's system zone and bundled database
//! are used.

use std::ffi::OsString;
use std::io::Read;
use std::sync::Mutex;

use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

use super::error::{Result, TieError};
use super::helpers::{python_float, NumericArg};
use super::strftime::{python_strftime, EmbeddedNul, Tm};

/// Which zone an epoch is broken down in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeZoneChoice {
    /// The process's local zone (`TZ`, else the system zone), as Python's `time.localtime`.
    Local,
    /// UTC, as Python's `time.gmtime` (`%Z` is `GMT`; `%s` is the epoch itself).
    Utc,
}

/// A broken-down time, the fields of Python's `time.struct_time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i64,
    /// 1–12.
    pub month: i64,
    /// 1–31.
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    /// 0–61.
    pub second: i64,
    /// Monday = 0 (Python's convention, not C's).
    pub weekday: i64,
    /// 1–366.
    pub yearday: i64,
    /// 1 in daylight saving time, 0 if not, -1 if unknown.
    pub isdst: i64,
}

impl LocalTime {
    /// The nine values of Python's `tuple(time.localtime(...))`.
    pub fn to_python_tuple(&self) -> [i64; 9] {
        [
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.weekday,
            self.yearday,
            self.isdst,
        ]
    }
}

/// `EpochMixin.to_localtime(epoch)`: `time.localtime(float(epoch))`. Accepts integers, floats and
/// numeric (also fractional) strings; fractions are floored.
pub fn to_localtime<'a>(epoch: impl Into<NumericArg<'a>>) -> Result<LocalTime> {
    epoch_to_time(epoch, TimeZoneChoice::Local)
}

/// `EpochMixin.to_localtime_string(epoch, format)`: `time.strftime(format, to_localtime(epoch))`.
/// Python's default format is [`DEFAULT_TIME_FORMAT`]. With `TZ=UTC`, `1476902802` gives
/// `2016-10-19 18:46:42`.
pub fn to_localtime_string<'a>(epoch: impl Into<NumericArg<'a>>, format: &str) -> Result<String> {
    format_epoch(epoch, format, TimeZoneChoice::Local)
}

/// The default format of [`to_localtime_string`].
pub const DEFAULT_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// [`to_localtime`] in a chosen zone.
pub fn epoch_to_time<'a>(epoch: impl Into<NumericArg<'a>>, zone: TimeZoneChoice) -> Result<LocalTime> {
    let tm = broken_down(epoch.into(), zone)?;
    Ok(LocalTime {
        year: tm.year,
        month: tm.mon + 1,
        day: tm.mday,
        hour: tm.hour,
        minute: tm.min,
        second: tm.sec,
        weekday: (tm.wday + 6) % 7,
        yearday: tm.yday + 1,
        isdst: tm.isdst,
    })
}

/// [`to_localtime_string`] in a chosen zone. The format is C `strftime`'s in the C locale, as in
/// Python (see `strftime.rs`). `%s` is the epoch itself in both zones.
pub fn format_epoch<'a>(epoch: impl Into<NumericArg<'a>>, format: &str, zone: TimeZoneChoice) -> Result<String> {
    let tm = broken_down(epoch.into(), zone)?;
    // `time.strftime` reads the tuple's year into a C `int` (glibc's `tm_year` can hold 1900
    // more than that).
    if tm.year > i64::from(i32::MAX) {
        return Err(invalid_argument("signed integer is greater than maximum"));
    }
    python_strftime(format, &tm).map_err(|EmbeddedNul| invalid_argument("embedded null character"))
}

fn invalid_argument(message: &str) -> TieError {
    TieError::InvalidArgument(message.to_string())
}

/// 400 Gregorian years in seconds: the calendar, weekdays included, repeats after it.
const GREGORIAN_CYCLE: i128 = 146_097 * 86_400;

/// `float(epoch)` floored to whole seconds (Python's `time_t` conversion), then broken down in
/// the zone.
fn broken_down(epoch: NumericArg<'_>, zone: TimeZoneChoice) -> Result<Tm> {
    let seconds = python_float(epoch)?;
    if seconds.is_nan() {
        return Err(invalid_argument("Invalid value NaN (not a number)"));
    }
    let floored = seconds.floor();
    // The exclusive upper bound 2^63 is exactly representable; `as` would saturate silently.
    if !(floored >= i64::MIN as f64 && floored < 9_223_372_036_854_775_808.0) {
        return Err(invalid_argument("timestamp out of range for platform time_t"));
    }
    let epoch = floored as i64;
    let state = match zone {
        TimeZoneChoice::Local => {
            let zone = local_zone();
            // For a zone that is not from a file, glibc breaks the instant down in UTC first
            // (`__tz_convert`), so that year must fit a C `int` too.
            if !matches!(zone, Zone::Rules { posix_rule: false, .. }) {
                civil(epoch, utc_state())?;
            }
            zone.state_at(epoch)
        }
        TimeZoneChoice::Utc => utc_state(),
    };
    civil(epoch, state)
}

/// UTC as glibc's `gmtime_r` gives it: named GMT.
fn utc_state() -> ZoneState {
    ZoneState {
        offset: 0,
        dst: false,
        abbreviation: "GMT".to_string(),
    }
}

/// What a zone says about one instant: `tm_gmtoff`, `tm_isdst`, `tm_zone`.
struct ZoneState {
    offset: i32,
    dst: bool,
    abbreviation: String,
}

/// The instant shifted by local offset and broken down into calendar fields. jiff's calendar
/// spans the years -9999..=9999; beyond them, whole 400-year cycles are taken off first and
/// added back to the year. Years whose `tm_year` does not fit a C `int` fail as glibc's do.
fn civil(epoch: i64, state: ZoneState) -> Result<Tm> {
    let local = i128::from(epoch) + i128::from(state.offset);
    let (seconds, cycles) = fold_into_jiff_range(local);
    let timestamp = Timestamp::from_second(seconds).expect("folded into jiff's range");
    let datetime = Offset::UTC.to_datetime(timestamp);
    let year = i128::from(datetime.year()) + 400 * cycles;
    if i32::try_from(year - 1900).is_err() {
        // EOVERFLOW, as Python's OSError prints it.
        return Err(invalid_argument("[Errno 75] Value too large for defined data type"));
    }
    Ok(Tm {
        year: year as i64,
        mon: i64::from(datetime.month()) - 1,
        mday: i64::from(datetime.day()),
        hour: i64::from(datetime.hour()),
        min: i64::from(datetime.minute()),
        sec: i64::from(datetime.second()),
        wday: i64::from(datetime.weekday().to_sunday_zero_offset()),
        yday: i64::from(datetime.day_of_year()) - 1,
        isdst: i64::from(state.dst),
        gmtoff: i64::from(state.offset),
        zone: state.abbreviation,
        epoch,
    })
}

/// `seconds` moved by whole [`GREGORIAN_CYCLE`]s into jiff's timestamp range, and how many
/// cycles were taken off. Inside the range it is unchanged.
fn fold_into_jiff_range(seconds: i128) -> (i64, i128) {
    let low = i128::from(Timestamp::MIN.as_second());
    let high = i128::from(Timestamp::MAX.as_second());
    let cycles = if seconds > high {
        (seconds - high + GREGORIAN_CYCLE - 1) / GREGORIAN_CYCLE
    } else if seconds < low {
        -((low - seconds + GREGORIAN_CYCLE - 1) / GREGORIAN_CYCLE)
    } else {
        0
    };
    let folded = seconds - cycles * GREGORIAN_CYCLE;
    (i64::try_from(folded).expect("inside jiff's range"), cycles)
}

/// The local zone, as `tzset` leaves it.
#[derive(Clone)]
enum Zone {
    /// A zone file, or a POSIX rule that jiff reads (`posix_rule` then).
    Rules { tz: TimeZone, posix_rule: bool },
    /// What is left of a `TZ` that glibc could not parse: its leading name (possibly empty)
    /// and offset (possibly 0), all year.
    Fixed { offset: i32, name: String },
}

impl Zone {
    fn utc(name: &str) -> Zone {
        Zone::Fixed {
            offset: 0,
            name: name.to_string(),
        }
    }

    fn state_at(&self, epoch: i64) -> ZoneState {
        match self {
            Zone::Fixed { offset, name } => ZoneState {
                offset: *offset,
                dst: false,
                abbreviation: name.clone(),
            },
            Zone::Rules { tz, posix_rule } => {
                // glibc evaluates a POSIX rule for a year before 1970 at 1970's transition
                // dates (tzset.c, compute_change), so every earlier instant reads as the start of
                // 1970 does: standard time in the northern hemisphere, daylight saving time in
                // the southern.
                let epoch = if *posix_rule && epoch < 0 { 0 } else { epoch };
                // Past jiff's range, the zone follows its final rule (or its first local time
                // type, before any transition), which repeats with the calendar.
                let (seconds, _) = fold_into_jiff_range(i128::from(epoch));
                let info = tz.to_offset_info(Timestamp::from_second(seconds).expect("folded into jiff's range"));
                ZoneState {
                    offset: info.offset().seconds(),
                    dst: info.dst().is_dst(),
                    abbreviation: info.abbreviation().to_string(),
                }
            }
        }
    }
}

/// The zone for the current `TZ`, re-resolved only when `TZ` has changed (as `tzset` does).
fn local_zone() -> Zone {
    static CACHE: Mutex<Option<(Option<OsString>, Zone)>> = Mutex::new(None);
    let tz = std::env::var_os("TZ");
    let mut cache = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((key, zone)) = cache.as_ref() {
        if *key == tz {
            return zone.clone();
        }
    }
    let zone = resolve_tz(tz.as_deref().map(|value| value.to_string_lossy()).as_deref());
    *cache = Some((tz, zone.clone()));
    zone
}

/// glibc's site default (`TZDEFAULT`).
const SYSTEM_ZONE_FILE: &str = "/etc/localtime";

/// glibc's `tzset_internal` for a `TZ` value (`None` when unset).
fn resolve_tz(tz: Option<&str>) -> Zone {
    let Some(value) = tz else { return system_zone() };
    let value = if value.is_empty() { "Universal" } else { value };
    let value = value.strip_prefix(':').unwrap_or(value);
    if value.is_empty() {
        return zone_file("Universal").unwrap_or_else(|| Zone::utc("UTC"));
    }
    if value == SYSTEM_ZONE_FILE {
        return system_zone();
    }
    zone_file(value).unwrap_or_else(|| posix_tz(value))
}

/// `TZ` unset: `/etc/localtime`, UTC without it. Where there is no such file and the system
/// is not Unix, jiff's view of the system zone.
fn system_zone() -> Zone {
    if let Some(zone) = read_tzif(SYSTEM_ZONE_FILE) {
        return zone;
    }
    if cfg!(not(unix)) {
        if let Ok(tz) = TimeZone::try_system() {
            return Zone::Rules { tz, posix_rule: false };
        }
    }
    Zone::utc("UTC")
}

/// A zone file named by `TZ`: an absolute path, or a name under `$TZDIR` (when set and not
/// empty) or `/usr/share/zoneinfo`. Elsewhere than on Unix, a name without a file is looked up
/// in jiff's database (the platform's, or the copy bundled where the platform has none).
fn zone_file(name: &str) -> Option<Zone> {
    if name.starts_with('/') {
        return read_tzif(name);
    }
    let dir = std::env::var("TZDIR")
        .ok()
        .filter(|dir| !dir.is_empty())
        .unwrap_or_else(|| "/usr/share/zoneinfo".to_string());
    if let Some(zone) = read_tzif(&format!("{dir}/{name}")) {
        return Some(zone);
    }
    if cfg!(not(unix)) {
        if let Ok(tz) = jiff::tz::db().get(name) {
            return Some(Zone::Rules { tz, posix_rule: false });
        }
    }
    None
}

/// Zone files are small (the largest in tzdata is a few kB); anything bigger is not one.
const MAX_ZONE_FILE: u64 = 1 << 20;

/// A TZif file, or `None` when it cannot be read or is not one (glibc then parses `TZ` as a
/// POSIX rule). Only the first bytes of a file that is not TZif are read.
fn read_tzif(path: &str) -> Option<Zone> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut data = vec![0u8; 4];
    file.read_exact(&mut data).ok()?;
    if data != b"TZif" {
        return None;
    }
    file.take(MAX_ZONE_FILE).read_to_end(&mut data).ok()?;
    let tz = TimeZone::tzif(path.trim_start_matches('/'), &data).ok()?;
    Some(Zone::Rules { tz, posix_rule: false })
}

/// `TZ` as a POSIX rule (`EST5EDT,M3.2.0,M11.1.0`, `<+0330>-3:30`, `UTC0`).
fn posix_tz(value: &str) -> Zone {
    if let Ok(tz) = TimeZone::posix(value) {
        return Zone::Rules { tz, posix_rule: true };
    }
    // A daylight-saving name without a rule (`XYZ3ABC`, `EST5EDT6,`): glibc takes the dates from
    // its `posixrules` file, America/New_York, whose current rule this is.
    let base = value.strip_suffix(',').unwrap_or(value);
    if !base.contains(',') {
        if let Ok(tz) = TimeZone::posix(&format!("{base},M3.2.0,M11.1.0")) {
            return Zone::Rules { tz, posix_rule: true };
        }
    }
    partial_posix_tz(value)
}

/// glibc's `__tzset_parse_tz` on a rule it cannot take whole: a standard-time name of three or
/// more letters (or `<…>` quoted), else "" with offset 0; then an offset `[+-]hh[:mm[:ss]]`
/// (west positive; hours capped at 24, minutes and seconds at 59), else 0.
fn partial_posix_tz(value: &str) -> Zone {
    let bytes = value.as_bytes();
    let letters = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (name, rest) = if letters >= 3 {
        (&value[..letters], &value[letters..])
    } else {
        let quoted = value.strip_prefix('<').and_then(|inner| {
            let len = inner
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'-')
                .count();
            (len >= 3 && inner.as_bytes().get(len) == Some(&b'>')).then(|| (&inner[..len], &inner[len + 1..]))
        });
        match quoted {
            Some(parts) => parts,
            None => return Zone::utc(""),
        }
    };
    let (west, digits) = match rest.as_bytes().first() {
        Some(b'-') => (false, &rest[1..]),
        Some(b'+') => (true, &rest[1..]),
        _ => (true, rest),
    };
    let mut fields = digits.splitn(3, ':').map(|field| {
        let count = field.bytes().take_while(u8::is_ascii_digit).count();
        field[..count].parse::<u64>().ok()
    });
    let Some(Some(hours)) = fields.next() else {
        return Zone::utc(name);
    };
    let minutes = fields.next().flatten().unwrap_or(0);
    let seconds = fields.next().flatten().unwrap_or(0);
    let magnitude = hours.min(24) * 3600 + minutes.min(59) * 60 + seconds.min(59);
    let magnitude = i32::try_from(magnitude).expect("at most 24:59:59");
    Zone::Fixed {
        offset: if west { -magnitude } else { magnitude },
        name: name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn utc_times() {
        let t = epoch_to_time(1234, TimeZoneChoice::Utc).unwrap();
        assert_eq!(t.to_python_tuple(), [1970, 1, 1, 0, 20, 34, 3, 1, 0]);
        let s = format_epoch("1476902802.9", DEFAULT_TIME_FORMAT, TimeZoneChoice::Utc).unwrap();
        assert_eq!(s, "2016-10-19 18:46:42");
        let s = format_epoch(-0.5, DEFAULT_TIME_FORMAT, TimeZoneChoice::Utc).unwrap();
        assert_eq!(s, "1969-12-31 23:59:59");
        assert_eq!(format_epoch(0, "", TimeZoneChoice::Utc).unwrap(), "");
        assert_eq!(
            err(format_epoch("x", "%Y", TimeZoneChoice::Utc)),
            "could not convert string to float: 'x'"
        );
        assert_eq!(
            err(format_epoch("nan", "%Y", TimeZoneChoice::Utc)),
            "Invalid value NaN (not a number)"
        );
        assert_eq!(
            err(format_epoch(1e300, "%Y", TimeZoneChoice::Utc)),
            "timestamp out of range for platform time_t"
        );
        assert_eq!(
            err(format_epoch(0, "a\0b", TimeZoneChoice::Utc)),
            "embedded null character"
        );
    }

    #[test]
    fn years_beyond_jiffs_calendar() {
        let t = epoch_to_time(1_000_000_000_000i64, TimeZoneChoice::Utc).unwrap();
        assert_eq!(t.to_python_tuple(), [33658, 9, 27, 1, 46, 40, 4, 270, 0]);
        let t = epoch_to_time(-1_000_000_000_000i64, TimeZoneChoice::Utc).unwrap();
        assert_eq!(t.to_python_tuple(), [-29719, 4, 5, 22, 13, 20, 1, 95, 0]);
        assert_eq!(
            err(epoch_to_time(68_000_000_000_000_000i64, TimeZoneChoice::Utc)),
            "[Errno 75] Value too large for defined data type"
        );
    }

    #[test]
    fn tz_values_glibc_cannot_parse() {
        let name = |zone: Zone| match zone {
            Zone::Fixed { offset, name } => (offset, name),
            Zone::Rules { .. } => panic!("expected a fixed zone"),
        };
        assert_eq!(name(partial_posix_tz("Foo/Bar")), (0, "Foo".into()));
        assert_eq!(name(partial_posix_tz("Fo")), (0, String::new()));
        assert_eq!(name(partial_posix_tz("EST25")), (-86400, "EST".into()));
        assert_eq!(name(partial_posix_tz("<+0330>-3:30:99x")), (12659, "+0330".into()));
    }
}
