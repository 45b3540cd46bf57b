//! A field's value by the name a term gives it: `valueOf` of
//! static/fields.js. The short names and the fields they read:
//!
//! | name          | field                                                       |
//! |---------------|-------------------------------------------------------------|
//! | `path`        | `$request_uri` or `$uri` (whichever the line has first), else `$request`'s; no query |
//! | `method`      | `$request_method`, else `$request`'s first word             |
//! | `host`        | `$host`, else `$http_host`, else `$server_name`             |
//! | `addr`, `ip`  | `$remote_addr`, else the first address of `$http_x_forwarded_for` |
//! | `ua`, `ref`   | `$http_user_agent`, `$http_referer`                         |
//! | `status`, `upstream` | `$status`, `$upstream_addr`                          |
//! | `rt`, `ut`    | `$request_time`, `$upstream_response_time`                  |
//! | `bytes`       | `$body_bytes_sent`, else `$bytes_sent`                      |
//! | `time`        | the time field's time of day (`HH:MM:SS`)                   |
//!
//! "Else" means the first field that the line has *and* that has a value:
//! `-` and empty are no value. Any other name is a field's own name.
//!
//! Where the two could differ: the time of day of a `$msec` value (unix
//! seconds) is UTC here, since the server knows no reader's time zone; the
//! browser uses its own zone.

use super::number::present;
use super::record::Record;
use crate::layout::fields::{SHORT_NAMES, request_method, request_path, time_field, without_query};

/// A short name (`ip` is `addr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Short {
    Path,
    Method,
    Time,
    Host,
    Addr,
    Ua,
    Ref,
    Status,
    Upstream,
    Rt,
    Ut,
    Bytes,
}

impl Short {
    pub fn of(name: &str) -> Option<Short> {
        Some(match name {
            "path" => Short::Path,
            "method" => Short::Method,
            "time" => Short::Time,
            "host" => Short::Host,
            "addr" | "ip" => Short::Addr,
            "ua" => Short::Ua,
            "ref" => Short::Ref,
            "status" => Short::Status,
            "upstream" => Short::Upstream,
            "rt" => Short::Rt,
            "ut" => Short::Ut,
            "bytes" => Short::Bytes,
            _ => return None,
        })
    }

    /// The fields a name reads, the first with a value wins (the field
    /// table's short names; `path`, `method` and `time` are read otherwise).
    fn fields(self) -> &'static [&'static str] {
        let name = match self {
            Short::Host => "host",
            Short::Addr => "addr",
            Short::Ua => "ua",
            Short::Ref => "ref",
            Short::Status => "status",
            Short::Upstream => "upstream",
            Short::Rt => "rt",
            Short::Ut => "ut",
            Short::Bytes => "bytes",
            Short::Path | Short::Method | Short::Time => return &[],
        };
        SHORT_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, fields)| fields)
    }
}

/// A value: part of the line, or a time of day worked out from `$msec`.
pub(super) enum Value<'a> {
    Line(&'a [u8]),
    Clock([u8; 8]),
}

impl Value<'_> {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Value::Line(v) => v,
            Value::Clock(c) => c,
        }
    }
}

/// The value of a short name in a record, or None when the line has none.
pub(super) fn value_of<'a>(rec: &Record<'a>, name: Short) -> Option<Value<'a>> {
    match name {
        Short::Path | Short::Method => request_value(rec, name == Short::Path).map(Value::Line),
        Short::Time => {
            let v = rec.value(time_field((0..rec.len()).map(|i| (rec.name(i), rec.ty(i))))?);
            present(v).then(|| time_of_day(v))
        }
        _ => name.fields().iter().find_map(|&field| {
            let v = own_value(rec, field)?;
            Some(Value::Line(if field == "http_x_forwarded_for" {
                first_address(v)
            } else {
                v
            }))
        }),
    }
}

/// The value of the first field named `name`, if it has one.
pub(super) fn own_value<'a>(rec: &Record<'a>, name: &str) -> Option<&'a [u8]> {
    let v = rec.value(rec.index(name)?);
    present(v).then_some(v)
}

/// The path (without query) or the method, from their own fields, else from `$request`.
fn request_value<'a>(rec: &Record<'a>, path: bool) -> Option<&'a [u8]> {
    let own = if path {
        rec.index("request_uri").or_else(|| rec.index("uri"))
    } else {
        rec.index("request_method")
    };
    if let Some(v) = own.map(|i| rec.value(i)).filter(|v| present(v)) {
        return Some(if path { uri_path(v) } else { v });
    }
    let request = own_value(rec, "request")?;
    Some(if path {
        request_path(request)
    } else {
        request_method(request)
    })
}

/// A `$request_uri`'s path, read as fields.js reads it (the path of `X <uri>`).
fn uri_path(uri: &[u8]) -> &[u8] {
    without_query(memchr::memrchr(b' ', uri).map_or(uri, |b| &uri[..b]))
}

/// The text before the first comma, trimmed.
fn first_address(list: &[u8]) -> &[u8] {
    super::number::trim(memchr::memchr(b',', list).map_or(list, |c| &list[..c]))
}

/// The time of day of a time value: the first `HH:MM:SS` in it not preceded
/// by a digit (as the log wrote it), else from unix seconds (`$msec`: at
/// least nine digits) in UTC, else the value itself.
pub(super) fn time_of_day(v: &[u8]) -> Value<'_> {
    let hms = |w: &[u8]| {
        w.iter()
            .enumerate()
            .all(|(i, &b)| if i % 3 == 2 { b == b':' } else { b.is_ascii_digit() })
    };
    for i in 0..v.len().saturating_sub(7) {
        if (i == 0 || !v[i - 1].is_ascii_digit()) && hms(&v[i..i + 8]) {
            return Value::Line(&v[i..i + 8]);
        }
    }
    unix_clock(v).unwrap_or(Value::Line(v))
}

/// `HH:MM:SS` (UTC) of unix seconds written `\d{9,}(\.\d+)?`, as JavaScript's
/// `Date` reads them (milliseconds truncated; out of its range: `NaN:NaN:NaN`).
fn unix_clock(v: &[u8]) -> Option<Value<'_>> {
    let (int, frac) = match memchr::memchr(b'.', v) {
        Some(d) => (&v[..d], Some(&v[d + 1..])),
        None => (v, None),
    };
    let digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    if int.len() < 9 || !digits(int) || frac.is_some_and(|f| f.is_empty() || !digits(f)) {
        return None;
    }
    let secs: f64 = std::str::from_utf8(v).ok()?.parse().ok()?;
    let ms = secs * 1000.0;
    if ms > 8.64e15 {
        return Some(Value::Line(b"NaN:NaN:NaN"));
    }
    // In range, and not negative: the cast is exact after the truncation.
    let day = (ms.trunc() as i64).rem_euclid(86_400_000) / 1000;
    let mut c = *b"00:00:00";
    for (k, n) in [day / 3600, day / 60 % 60, day % 60].into_iter().enumerate() {
        c[3 * k] = b'0' + (n / 10) as u8;
        c[3 * k + 1] = b'0' + (n % 10) as u8;
    }
    Some(Value::Clock(c))
}
