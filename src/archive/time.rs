//! The time of a log line, in seconds since 1970, read the way its stream's
//! layout says: the layout's time field (`$time_local`, `$time_iso8601`,
//! `$msec`), a JSON line's key of those names, or the date nginx's error log
//! starts with (`2026/11/30 14:02:03`). The error log writes the daemon's
//! local time without a zone; logmon reads it as UTC (documented in
//! docs/protocol.md): on a machine whose clock is not UTC, `at=` in an error
//! log is off by the zone's offset.
//!
//! A line of a plain stream is tried as an error-log line, then for a
//! `[30/Nov/2026:14:02:03 +0000]` anywhere in it. No dependency: the date
//! arithmetic is `crate::civil`.

use crate::civil::days_from_civil;
use crate::layout::fields::{TIME_NAMES, time_field};
use crate::layout::{FieldType, Kind, Layout, json};

/// nginx's time variables, in the order a cut JSON line is searched for them.
const NGINX_TIMES: [&str; 3] = ["time_iso8601", "time_local", "msec"];

/// The time of `line` by `layout`, if it has one.
pub fn of_line(layout: &Layout, line: &[u8]) -> Option<f64> {
    match layout.kind {
        Kind::Text => text_field(layout, line),
        Kind::Json => json_field(line),
        Kind::Error => error_log(line),
        Kind::Plain => error_log(line).or_else(|| bracketed(line)),
    }
}

fn text_field(layout: &Layout, line: &[u8]) -> Option<f64> {
    let i = layout.fields.iter().position(|f| f.ty == FieldType::Time)?;
    let mut ranges = Vec::new();
    if !layout.split(line, &mut ranges) {
        return None;
    }
    by_name(
        &layout.fields[i].name,
        std::str::from_utf8(&line[ranges[i].clone()]).ok()?,
    )
}

/// A value of the time field `name`: by its nginx variable's format, or for
/// another name (a JSON log's `timestamp`, ...) as ISO 8601, `$time_local`
/// or unix seconds.
pub(crate) fn by_name(name: &str, value: &str) -> Option<f64> {
    let seconds = |v: &str| v.parse::<f64>().ok().filter(|v| v.is_finite());
    match name {
        "time_local" => time_local(value),
        "time_iso8601" => iso8601(value),
        "msec" => seconds(value),
        _ => iso8601(value).or_else(|| time_local(value)).or_else(|| seconds(value)),
    }
}

/// The time of a JSON line: its time field by the field table's rule (the
/// first key named for an nginx time variable, else the first usual time
/// name), read as every JSON line is read (`layout/json.rs`). A line that
/// does not parse (one cut at `max_line_bytes`) is searched for the keys'
/// text instead.
fn json_field(line: &[u8]) -> Option<f64> {
    let mut pairs = Vec::new();
    if !json::pairs(line, &mut pairs) {
        return json_text(line);
    }
    let i = time_field(pairs.iter().map(|(k, _)| (k.as_str(), FieldType::of(k))))?;
    by_name(&pairs[i].0, pairs[i].1.trim())
}

/// `"time_iso8601":"..."` (or another time name) found in a line's text.
fn json_text(line: &[u8]) -> Option<f64> {
    let text = String::from_utf8_lossy(line);
    NGINX_TIMES.iter().chain(&TIME_NAMES).find_map(|name| {
        let key = format!("\"{name}\":");
        let rest = text[text.find(&key)? + key.len()..].trim_start();
        let value = match rest.strip_prefix('"') {
            Some(quoted) => &quoted[..quoted.find('"')?],
            None => &rest[..rest.find([',', '}']).unwrap_or(rest.len())],
        };
        by_name(name, value.trim())
    })
}

/// nginx's error log: `2026/11/30 14:02:03 [error] ...`, read as UTC.
fn error_log(line: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(line.get(..19)?).ok().filter(|s| s.is_ascii())?;
    let b = s.as_bytes();
    let seps = [(4, b'/'), (7, b'/'), (10, b' '), (13, b':'), (16, b':')];
    if !seps.iter().all(|&(i, c)| b[i] == c) {
        return None;
    }
    let date = [num(&s[0..4])?, num(&s[5..7])?, num(&s[8..10])?];
    let clock = [num(&s[11..13])?, num(&s[14..16])?, num(&s[17..19])?];
    seconds(date, clock, 0)
}

/// `[30/Nov/2026:14:02:03 +0000]` anywhere in a line.
fn bracketed(line: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(line).ok()?;
    text.match_indices('[')
        .find_map(|(i, _)| time_local(text.get(i + 1..i + 27)?))
}

/// `$time_local`: `30/Nov/2026:14:02:03 +0000`.
pub fn time_local(s: &str) -> Option<f64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = s.as_bytes();
    if !s.is_ascii() || b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == &s[3..6])? as i64 + 1;
    let date = [num(&s[7..11])?, month, num(&s[0..2])?];
    let clock = [num(&s[12..14])?, num(&s[15..17])?, num(&s[18..20])?];
    seconds(date, clock, zone(&s[21..])?)
}

/// `$time_iso8601` and `at=`: `2026-11-30T14:02:03+00:00`, also with `Z`,
/// a zone without colon, or fractions of a second.
pub fn iso8601(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if !s.is_ascii() || b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':'
    {
        return None;
    }
    let date = [num(&s[0..4])?, num(&s[5..7])?, num(&s[8..10])?];
    let clock = [num(&s[11..13])?, num(&s[14..16])?, num(&s[17..19])?];
    let rest = &s[19..];
    let digits = rest
        .strip_prefix('.')
        .map_or(0, |f| f.bytes().take_while(u8::is_ascii_digit).count());
    let frac = if digits > 0 {
        rest[..digits + 1].parse::<f64>().ok()?
    } else {
        0.0
    };
    let tz = &rest[if digits > 0 { digits + 1 } else { 0 }..];
    let offset = if tz == "Z" { 0 } else { zone(&tz.replace(':', ""))? };
    Some(seconds(date, clock, offset)? + frac)
}

/// `+0100` or `-0530` in seconds east of UTC.
fn zone(s: &str) -> Option<i64> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    (s.len() == 5).then_some(())?;
    let (h, m) = (num(&s[1..3])?, num(&s[3..5])?);
    // Real zones lie within -12:00 and +14:00.
    (h <= 14 && m < 60).then_some(())?;
    Some(sign * (h * 3600 + m * 60))
}

/// Seconds since 1970 of a civil date and clock at `offset` seconds east of UTC.
fn seconds([y, m, d]: [i64; 3], [h, mi, s]: [i64; 3], offset: i64) -> Option<f64> {
    let valid = (1..=12).contains(&m) && (1..=31).contains(&d) && h < 24 && mi < 60 && s <= 60;
    valid.then(|| (days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s - offset) as f64)
}

fn num(s: &str) -> Option<i64> {
    s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse().ok())?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{COMBINED, Escape};

    const T: f64 = 1_796_047_323.0; // 2026-11-30T14:02:03Z

    #[test]
    fn nginx_time_formats() {
        assert_eq!(time_local("30/Nov/2026:14:02:03 +0000"), Some(T));
        assert_eq!(time_local("30/Nov/2026:15:02:03 +0100"), Some(T));
        assert_eq!(iso8601("2026-11-30T14:02:03+00:00"), Some(T));
        assert_eq!(iso8601("2026-11-30T09:02:03-05:00"), Some(T));
        assert_eq!(iso8601("2026-11-30T14:02:03Z"), Some(T));
        assert_eq!(iso8601("2026-11-30T14:02:03.250Z"), Some(T + 0.25));
        assert_eq!(error_log(b"2026/11/30 14:02:03 [error] 12#12: boom"), Some(T));
        for bad in [
            "30/Foo/2026:14:02:03 +0000",
            "30/Nov/2026:14:02:03",
            "31/Nov/2026:25:02:03 +0000",
        ] {
            assert_eq!(time_local(bad), None, "{bad}");
        }
        for bad in [
            "2026-11-30 14:02:03Z",
            "2026-11-30T14:02:03",
            "2026-11-30T14:02:03+0",
            "2026-11-30T14:02:03+99:99",
            "2026-11-30T14:02:03+15:00",
            "2026-11-30T14:02:03-05:60",
            "x",
        ] {
            assert_eq!(iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn lines_by_layout() {
        let combined = Layout::text("nginx-combined", COMBINED, Escape::Default);
        let line = br#"10.0.0.1 - - [30/Nov/2026:14:02:03 +0000] "GET / HTTP/1.1" 200 5 "-" "curl""#;
        assert_eq!(of_line(&combined, line), Some(T));
        assert_eq!(of_line(&combined, b"not a line"), None);
        let msec = Layout::text("custom", "$msec $status", Escape::Default);
        assert_eq!(of_line(&msec, b"1796047323.500 200"), Some(T + 0.5));
        let json = Layout::fieldless("json", Kind::Json);
        assert_eq!(
            of_line(&json, br#"{"status":200,"time_iso8601":"2026-11-30T14:02:03+00:00"}"#),
            Some(T)
        );
        assert_eq!(of_line(&json, br#"{"msec": 1796047323.5}"#), Some(T + 0.5));
        let decoy = br#"{"upstream":{"msec":"1"},"msec":1796047323}"#;
        assert_eq!(
            of_line(&json, decoy),
            Some(T),
            "a nested object's key is not the line's"
        );
        // The field table's rule, as the `time:` term reads it: an nginx
        // time variable first, else the first usual time name.
        let named = br#"{"ts":"x","timestamp":"2026-11-30T14:02:03Z","msec":1796047323.5}"#;
        assert_eq!(of_line(&json, named), Some(T + 0.5));
        assert_eq!(of_line(&json, br#"{"timestamp":"2026-11-30T14:02:03Z"}"#), Some(T));
        assert_eq!(of_line(&json, br#"{"@timestamp":1796047323}"#), Some(T));
        let cut = br#"{"time_iso8601":"2026-11-30T14:02:03+00:00","path":"/a-very-long-pa"#;
        assert_eq!(of_line(&json, cut), Some(T), "a line cut short");
        let error = Layout::fieldless("nginx-error", Kind::Error);
        assert_eq!(of_line(&error, b"2026/11/30 14:02:03 [warn] 1#1: x"), Some(T));
        let plain = Layout::fieldless("plain", Kind::Plain);
        assert_eq!(of_line(&plain, line), Some(T));
        assert_eq!(of_line(&plain, "é [30/Nov/2026:14:02".as_bytes()), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in ".{0,40}") {
            let _ = (time_local(&s), iso8601(&s), error_log(s.as_bytes()), bracketed(s.as_bytes()));
        }
    }
}
