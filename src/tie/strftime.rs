//! Python's `time.strftime(format, t)` as it runs on Linux: glibc's `wcsftime` in the C locale
//! (Python never sets `LC_TIME`, so it stays "C"), wrapped in Python's output-buffer policy.
//!
//! This is written by hand rather than with a date crate's formatter because the output must be
//! byte-identical to glibc's, and no crate formatter is: glibc copies an unknown directive
//! (`%Q`, a lone `%` at the end) literally where crates fail; it has GNU flags (`_ - 0 ^ #`), a
//! field width that also pads text and the sign of `%z`, `E`/`O` modifiers that fall back to the
//! plain form in the C locale, the C locale's fixed `%c`/`%x`/`%X`/`%r` layouts, `%C` and `%G`
//! without zero padding, `%P`, `%k`, `%l`, `%s`; and Python returns "" when the output does not
//! fit its last buffer. Each rule below is glibc's `__strftime_internal` (time/strftime_l.c),
//! checked against Python itself by `tests/tie_localtime_python.rs`. The calendar and time-zone
//! work that produces the [`Tm`] is the `jiff` crate's (see `localtime.rs`).

/// The fields of C's `struct tm` that strftime reads, with `tm_gmtoff` and `tm_zone` (Python
/// passes both through from `time.localtime`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tm {
    /// The full year (`tm_year + 1900`).
    pub year: i64,
    /// 0–11.
    pub mon: i64,
    /// 1–31.
    pub mday: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    /// 0 = Sunday.
    pub wday: i64,
    /// 0–365.
    pub yday: i64,
    pub isdst: i64,
    /// Seconds east of UTC.
    pub gmtoff: i64,
    pub zone: String,
    /// What `mktime` gives back for this time, printed by `%s`: the instant it was made from.
    pub epoch: i64,
}

/// The format contained a NUL character (Python: `ValueError: embedded null character`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EmbeddedNul;

/// `time.strftime(format, tm)`. Python calls `wcsftime` with buffers of 1024, 2048, …
/// characters until the output fits or the buffer reaches 256 characters per format character,
/// and then returns what it has: so an output that does not fit the last buffer (a huge field
/// width) is "", as is an empty output.
pub(crate) fn python_strftime(format: &str, tm: &Tm) -> Result<String, EmbeddedNul> {
    if format.contains('\0') {
        return Err(EmbeddedNul);
    }
    let format: Vec<char> = format.chars().collect();
    let smallest_final = format.len().saturating_mul(256);
    let mut buffer = 1024usize;
    while buffer < smallest_final {
        buffer = buffer.saturating_mul(2);
    }
    let mut out = Out {
        text: String::new(),
        len: 0,
        limit: buffer,
    };
    match format_into(&mut out, &format, tm) {
        Ok(()) => Ok(out.text),
        Err(Full) => Ok(String::new()),
    }
}

/// The output did not fit (glibc's `strftime` then returns 0).
#[derive(Debug)]
struct Full;

/// The output so far, in characters (`wchar_t`s) and against the buffer size.
struct Out {
    text: String,
    len: usize,
    limit: usize,
}

impl Out {
    /// glibc's check before writing `n` more characters: there must stay room for the NUL.
    fn reserve(&self, n: usize) -> Result<(), Full> {
        if n >= self.limit - self.len {
            Err(Full)
        } else {
            Ok(())
        }
    }

    fn push_repeated(&mut self, c: char, n: usize) -> Result<(), Full> {
        self.reserve(n)?;
        self.text.extend(std::iter::repeat(c).take(n));
        self.len += n;
        Ok(())
    }
}

/// One directive's flags, width and case state (glibc's locals of the same names).
struct Spec {
    /// `_`, `-` or `0`: the last of them given.
    pad: Option<char>,
    /// -1 when none was given.
    width: i64,
    modifier: Option<char>,
    to_uppcase: bool,
    to_lowcase: bool,
    change_case: bool,
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn format_into(out: &mut Out, format: &[char], tm: &Tm) -> Result<(), Full> {
    let mut i = 0;
    while i < format.len() {
        if format[i] != '%' {
            out.push_repeated(format[i], 1)?;
            i += 1;
            continue;
        }
        let start = i;
        let mut spec = Spec {
            pad: None,
            width: -1,
            modifier: None,
            to_uppcase: false,
            to_lowcase: false,
            change_case: false,
        };
        let mut j = i + 1;
        while let Some(&c) = format.get(j) {
            match c {
                '_' | '-' | '0' => spec.pad = Some(c),
                '^' => spec.to_uppcase = true,
                '#' => spec.change_case = true,
                _ => break,
            }
            j += 1;
        }
        if format.get(j).is_some_and(char::is_ascii_digit) {
            spec.width = 0;
            while let Some(digit) = format.get(j).and_then(|c| c.to_digit(10)) {
                let digit = i64::from(digit);
                let max = i64::from(i32::MAX);
                spec.width = if spec.width > max / 10 || (spec.width == max / 10 && digit > max % 10) {
                    max
                } else {
                    spec.width * 10 + digit
                };
                j += 1;
            }
        }
        if let Some(&c @ ('E' | 'O')) = format.get(j) {
            spec.modifier = Some(c);
            j += 1;
        }
        // An unknown directive is copied from its `%` through the character that ended it (or
        // through the end of the format), padded to the width like any text.
        let end = (j + 1).min(format.len());
        let directive: String = format[start..end].iter().collect();
        if !directive_into(out, &mut spec, format.get(j).copied(), tm)? {
            cpy(out, &spec, &directive)?;
        }
        i = end;
    }
    Ok(())
}

/// Writes one directive; `Ok(false)` when glibc treats it as a bad format (then it is copied).
fn directive_into(out: &mut Out, spec: &mut Spec, conversion: Option<char>, tm: &Tm) -> Result<bool, Full> {
    let modifier = spec.modifier;
    let no_e = modifier != Some('E');
    let hour12 = match tm.hour {
        h if h > 12 => h - 12,
        0 => 12,
        h => h,
    };
    let Some(conversion) = conversion else { return Ok(false) };
    match conversion {
        // glibc 2.36 takes `%E%` and `%O%` as `%` too.
        '%' => add(out, spec, "%")?,
        'a' | 'A' if modifier.is_none() => {
            if spec.change_case {
                spec.to_uppcase = true;
                spec.to_lowcase = false;
            }
            let name = WEEKDAYS[tm.wday.rem_euclid(7) as usize];
            cpy(out, spec, if conversion == 'a' { &name[..3] } else { name })?;
        }
        // `%Ob`/`%OB` are the alternative (nominative) month names, the same words in C.
        'b' | 'h' | 'B' => {
            // For `%b`/`%h`, glibc applies `#` before it refuses `E`: `%#Eb` is copied as `%#EB`.
            if spec.change_case && (conversion != 'B' || no_e) {
                spec.to_uppcase = true;
                spec.to_lowcase = false;
            }
            if !no_e {
                return Ok(false);
            }
            let name = MONTHS[tm.mon.rem_euclid(12) as usize];
            cpy(out, spec, if conversion == 'B' { name } else { &name[..3] })?;
        }
        // The C locale's D_T_FMT, D_FMT, T_FMT and T_FMT_AMPM; the era forms (`%Ec`, `%Ex`,
        // `%EX`) are empty in C and fall back to them.
        'c' if modifier != Some('O') => subformat(out, spec, "%a %b %e %H:%M:%S %Y", tm)?,
        'x' if modifier != Some('O') => subformat(out, spec, "%m/%d/%y", tm)?,
        'D' if modifier.is_none() => subformat(out, spec, "%m/%d/%y", tm)?,
        'F' if modifier.is_none() => subformat(out, spec, "%Y-%m-%d", tm)?,
        'X' if modifier != Some('O') => subformat(out, spec, "%H:%M:%S", tm)?,
        'T' => subformat(out, spec, "%H:%M:%S", tm)?,
        'R' => subformat(out, spec, "%H:%M", tm)?,
        'r' => subformat(out, spec, "%I:%M:%S %p", tm)?,
        // The century and year are floored (`year / 100 - (year % 100 < 0)`), `%C` unpadded.
        'C' => number(out, spec, 1, tm.year.div_euclid(100))?,
        'Y' if modifier != Some('O') => number(out, spec, 1, tm.year)?,
        'y' => number(out, spec, 2, ((tm.year - 1900) % 100 + 100) % 100)?,
        'd' if no_e => number(out, spec, 2, tm.mday)?,
        'e' if no_e => number_spacepad(out, spec, 2, tm.mday)?,
        'H' if no_e => number(out, spec, 2, tm.hour)?,
        'I' if no_e => number(out, spec, 2, hour12)?,
        'k' if no_e => number_spacepad(out, spec, 2, tm.hour)?,
        'l' if no_e => number_spacepad(out, spec, 2, hour12)?,
        'j' if no_e => number(out, spec, 3, tm.yday + 1)?,
        'M' if no_e => number(out, spec, 2, tm.min)?,
        'm' if no_e => number(out, spec, 2, tm.mon + 1)?,
        'S' if no_e => number(out, spec, 2, tm.sec)?,
        'n' => add(out, spec, "\n")?,
        't' => add(out, spec, "\t")?,
        'p' | 'P' => {
            // `%P` is lower case whatever the other flags say; `#` makes `%p` lower case too.
            spec.to_lowcase |= conversion == 'P';
            if spec.change_case {
                spec.to_uppcase = false;
                spec.to_lowcase = true;
            }
            cpy(out, spec, if tm.hour > 11 { "PM" } else { "AM" })?;
        }
        's' => {
            // mktime of the broken-down time: the instant it came from. Never zero-padded to a
            // digit count, only to the width (where `0` puts zeros before the sign).
            cpy(out, spec, &tm.epoch.to_string())?;
        }
        'u' => number(out, spec, 1, (tm.wday - 1 + 7) % 7 + 1)?,
        'w' if no_e => number(out, spec, 1, tm.wday)?,
        'U' if no_e => number(out, spec, 2, (tm.yday - tm.wday + 7) / 7)?,
        'W' if no_e => number(out, spec, 2, (tm.yday - (tm.wday - 1 + 7) % 7 + 7) / 7)?,
        'V' | 'g' | 'G' if no_e => {
            let (iso_year, week) = iso_week(tm.year, tm.yday, tm.wday);
            match conversion {
                'g' => number(out, spec, 2, (iso_year % 100 + 100) % 100)?,
                'G' => number(out, spec, 1, iso_year)?,
                _ => number(out, spec, 2, week)?,
            }
        }
        'Z' => {
            if spec.change_case {
                spec.to_uppcase = false;
                spec.to_lowcase = true;
            }
            cpy(out, spec, &tm.zone)?;
        }
        'z' => {
            // The sign is written on its own, padded to the width, and then the number is
            // padded to the width again: glibc's layout, odd as it is with a width.
            let mut diff = tm.gmtoff;
            if diff < 0 {
                add(out, spec, "-")?;
                diff = -diff;
            } else {
                add(out, spec, "+")?;
            }
            diff /= 60;
            number(out, spec, 4, (diff / 60) * 100 + diff % 60)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// glibc's `add`: `text` right-aligned in the width, padded with `0` under the `0` flag and
/// with spaces otherwise (whatever the text is).
fn add(out: &mut Out, spec: &Spec, text: &str) -> Result<(), Full> {
    let n = text.chars().count();
    let delta = usize::try_from(spec.width).unwrap_or(0).saturating_sub(n);
    out.reserve(n.saturating_add(delta))?;
    out.push_repeated(if spec.pad == Some('0') { '0' } else { ' ' }, delta)?;
    out.text.push_str(text);
    out.len += n;
    Ok(())
}

/// glibc's `cpy`: [`add`] with the case flags applied to the text (lower case first).
fn cpy(out: &mut Out, spec: &Spec, text: &str) -> Result<(), Full> {
    if spec.to_lowcase {
        add(out, spec, &text.chars().map(to_lower).collect::<String>())
    } else if spec.to_uppcase {
        add(out, spec, &text.chars().map(to_upper).collect::<String>())
    } else {
        add(out, spec, text)
    }
}

/// `towupper`/`towlower`: one character for one (Python's `LC_CTYPE` is a UTF-8 locale).
fn to_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn to_lower(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// A composite directive: the sub-format's whole output is one piece of text for the width
/// (flags other than `^` and the width do not reach its fields).
fn subformat(out: &mut Out, spec: &Spec, format: &str, tm: &Tm) -> Result<(), Full> {
    let format: Vec<char> = format.chars().collect();
    let mut inner = Out {
        text: String::new(),
        len: 0,
        limit: usize::MAX,
    };
    format_into(&mut inner, &format, tm)?;
    let text = if spec.to_uppcase {
        inner.text.chars().map(to_upper).collect()
    } else {
        inner.text
    };
    add(out, spec, &text)
}

/// `DO_NUMBER_SPACEPAD`: as [`number`], padded with spaces unless `0` or `-` was given.
fn number_spacepad(out: &mut Out, spec: &mut Spec, digits: i64, value: i64) -> Result<(), Full> {
    if spec.pad != Some('0') && spec.pad != Some('-') {
        spec.pad = Some('_');
    }
    number(out, spec, digits, value)
}

/// `DO_NUMBER`: at least `digits` digits (or the width if larger), zero-padded after the sign,
/// or space-padded before it under `_`; `-` pads nothing itself, but the width still applies
/// (with spaces) when the text is written.
fn number(out: &mut Out, spec: &mut Spec, digits: i64, value: i64) -> Result<(), Full> {
    let digits = digits.max(spec.width);
    let negative = value < 0;
    let mut text = value.unsigned_abs().to_string();
    if negative {
        text.insert(0, '-');
    }
    if spec.pad != Some('-') {
        let padding = digits - text.len() as i64;
        if padding > 0 {
            let padding_len = usize::try_from(padding).unwrap_or(usize::MAX);
            if spec.pad == Some('_') {
                out.push_repeated(' ', padding_len)?;
                spec.width = if spec.width > padding { spec.width - padding } else { 0 };
            } else {
                out.reserve(usize::try_from(digits).unwrap_or(usize::MAX))?;
                if negative {
                    text.remove(0);
                    out.push_repeated('-', 1)?;
                }
                out.push_repeated('0', padding_len)?;
                spec.width = 0;
            }
        }
    }
    cpy(out, spec, &text)
}

/// The ISO 8601 week-based year and week number, from the year, the day of the year (0-based)
/// and the weekday (0 = Sunday), with glibc's arithmetic.
fn iso_week(year: i64, yday: i64, wday: i64) -> (i64, i64) {
    // Days from the Monday of ISO week 1 to this day (week 1 holds the year's first Thursday).
    fn iso_week_days(yday: i64, wday: i64) -> i64 {
        const BIG_ENOUGH_MULTIPLE_OF_7: i64 = (366 / 7 + 2) * 7;
        yday - (yday - wday + 4 + BIG_ENOUGH_MULTIPLE_OF_7) % 7 + 3
    }
    fn year_length(year: i64) -> i64 {
        if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) {
            366
        } else {
            365
        }
    }
    // The year is a C `int` there: one past `i32::MAX` wraps round.
    let mut year = year;
    let mut days = iso_week_days(yday, wday);
    if days < 0 {
        year = c_int_add(year, -1);
        days = iso_week_days(yday + year_length(year), wday);
    } else {
        let next = iso_week_days(yday - year_length(year), wday);
        if next >= 0 {
            year = c_int_add(year, 1);
            days = next;
        }
    }
    (year, days / 7 + 1)
}

/// `year + delta` in a C `int` (two's complement, as the compiled glibc wraps).
fn c_int_add(year: i64, delta: i32) -> i64 {
    i64::from((year as i32).wrapping_add(delta))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm() -> Tm {
        // 2016-10-19 14:46:42 EDT, a Wednesday, day 293.
        Tm {
            year: 2016,
            mon: 9,
            mday: 19,
            hour: 14,
            min: 46,
            sec: 42,
            wday: 3,
            yday: 292,
            isdst: 1,
            gmtoff: -14400,
            zone: "EDT".into(),
            epoch: 1476902802,
        }
    }

    fn f(format: &str) -> String {
        python_strftime(format, &tm()).unwrap()
    }

    #[test]
    fn c_locale_forms() {
        assert_eq!(f("%Y-%m-%d %H:%M:%S"), "2016-10-19 14:46:42");
        assert_eq!(f("%c"), "Wed Oct 19 14:46:42 2016");
        assert_eq!(
            f("%x %X %r %D %F %R %T"),
            "10/19/16 14:46:42 02:46:42 PM 10/19/16 2016-10-19 14:46 14:46:42"
        );
        assert_eq!(
            f("%a %A %b %B %h %p %P %Z %z %s"),
            "Wed Wednesday Oct October Oct PM pm EDT -0400 1476902802"
        );
        assert_eq!(
            f("%C %y %G %g %V %U %W %u %w %j %e %k %l %I"),
            "20 16 2016 16 42 42 42 3 3 293 19 14  2 02"
        );
    }

    #[test]
    fn glibc_flags_widths_and_bad_formats() {
        assert_eq!(
            f("%^a %#b %#Z %^P %10A %-d %_5m %05e %-5d"),
            "WED OCT edt pm  Wednesday 19    10 00019    19"
        );
        assert_eq!(f("%Q %5Q %E %Ey %OY %"), "%Q   %5Q %E 16 %OY %");
        assert_eq!(f("%#Eb %^q %#Eh"), "%#EB %^Q %#EH");
        assert_eq!(f("%7z|%_7z|%-z"), "      -0000400|      -    400|-400");
        assert_eq!(f(""), "");
        assert_eq!(f("%5000Y"), "", "output larger than Python's last buffer");
        assert_eq!(f("%2000Y").len(), 2000);
        assert_eq!(python_strftime("a\0b", &tm()), Err(EmbeddedNul));
    }

    #[test]
    fn iso_weeks_at_year_edges() {
        // 2008-12-29 (Monday, day 363) is in 2009's week 1; 2010-01-03 (Sunday) in 2009's 53rd.
        assert_eq!(iso_week(2008, 363, 1), (2009, 1));
        assert_eq!(iso_week(2010, 2, 0), (2009, 53));
        assert_eq!(iso_week(2016, 292, 3), (2016, 42));
        // 2147483647-12-31 is a Monday: ISO week 1 of the year after, which glibc's int wraps.
        assert_eq!(iso_week(2_147_483_647, 364, 1), (-2_147_483_648, 1));
    }
}
