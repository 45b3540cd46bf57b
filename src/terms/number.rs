//! Numbers as the filter language reads and writes them, following
//! JavaScript's rules so that the server and the UI agree on every value.
//!
//! - A bound or value typed in a term (`0.5`, `500ms`, `2s`, `-.5`) is
//!   `parseNumber` of static/filter.js: a decimal with an optional `ms` or
//!   `s` unit, in seconds.
//! - A field's number is `seconds` of static/fields.js: a plain decimal, or
//!   the sum of several times separated by `,` or `:` (nginx writes one
//!   upstream time per upstream tried: `0.010, 0.020 : 0.005`); `-` and
//!   empty parts count as none. Each part is read as JavaScript's `Number()`
//!   reads text (so `1e3` and `0x10` are numbers there, and here too).
//! - A JSON number is written back as JavaScript's `String(n)` writes it
//!   (`1` for `1.0`, `1e+21`, `1e-7`), since the UI sees JSON values as text.
//!
//! Where the two could differ: whitespace around a value is ASCII
//! whitespace here, where JavaScript also trims Unicode spaces (a value
//! with a no-break space around it is not a number here).

/// JavaScript's white space among the ASCII characters (`\s` and `trim()`).
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// `v` without white space at either end (JavaScript's `trim()` on ASCII).
pub(super) fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|&b| !is_space(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|&b| !is_space(b)).map_or(start, |i| i + 1);
    &v[start..end]
}

/// "-" is how nginx writes a variable with no value; empty is none too.
pub(super) fn present(v: &[u8]) -> bool {
    !v.is_empty() && v != b"-"
}

/// A number typed in a term, in seconds: `0.5`, `500ms`, `2s`; None if it is not one.
pub(super) fn parse_number(value: &str) -> Option<f64> {
    let t = trim(value.as_bytes());
    let (num, scale) = if let Some(n) = t.strip_suffix(b"ms") {
        (n, 1000.0)
    } else {
        (t.strip_suffix(b"s").unwrap_or(t), 1.0)
    };
    let digits = num.strip_prefix(b"-").unwrap_or(num);
    let (int, frac) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], Some(&digits[dot + 1..])),
        None => (digits, None),
    };
    let all_digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    let ok = all_digits(int) && frac.is_none_or(all_digits) && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    if !ok {
        return None;
    }
    let n: f64 = std::str::from_utf8(num).ok()?.parse().ok()?;
    Some(if scale == 1.0 { n } else { n / scale })
}

/// The seconds (or count) a field's value holds; None for no value or no number.
pub(super) fn seconds(v: &[u8]) -> Option<f64> {
    if !present(v) {
        return None;
    }
    let t = trim(v);
    if !t.is_empty() && t.iter().all(|&b| b.is_ascii_digit() || b == b'.') {
        let n = js_number(t);
        return (!n.is_nan()).then_some(n);
    }
    let mut sum = 0.0;
    let mut any = false;
    for part in v.split(|&b| b == b',' || b == b':') {
        let t = trim(part);
        if t.is_empty() || t == b"-" {
            continue;
        }
        let n = js_number(t);
        if !n.is_finite() {
            return None;
        }
        sum += n;
        any = true;
    }
    any.then_some(sum)
}

/// JavaScript's `Number(t)` of trimmed, non-empty text: decimals with an
/// exponent, `Infinity`, `0x`/`0o`/`0b` integers; NaN for anything else.
pub(super) fn js_number(t: &[u8]) -> f64 {
    let (sign, body) = match t.first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == b"Infinity" {
        return sign * f64::INFINITY;
    }
    let radix = match body.get(..2) {
        Some(b"0x" | b"0X") => 16,
        Some(b"0o" | b"0O") => 8,
        Some(b"0b" | b"0B") => 2,
        _ => 0,
    };
    if radix != 0 {
        return if body.len() == t.len() {
            integer(&t[2..], radix)
        } else {
            f64::NAN
        };
    }
    if !decimal(body) {
        return f64::NAN;
    }
    std::str::from_utf8(t)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Digits in `radix` as a number, NaN if there are none or one is not a digit.
fn integer(digits: &[u8], radix: u32) -> f64 {
    if digits.is_empty() {
        return f64::NAN;
    }
    let mut n = 0.0;
    for &b in digits {
        match char::from(b).to_digit(radix) {
            Some(d) => n = n * f64::from(radix) + f64::from(d),
            None => return f64::NAN,
        }
    }
    n
}

/// JavaScript's unsigned decimal literal: `12`, `1.`, `.5`, `1.5e-3`.
fn decimal(s: &[u8]) -> bool {
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let int = digits(s);
    let mut i = int;
    let mut frac = 0;
    if s.get(i) == Some(&b'.') {
        frac = digits(&s[i + 1..]);
        i += 1 + frac;
    }
    if int + frac == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = digits(&s[i..]);
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == s.len()
}
