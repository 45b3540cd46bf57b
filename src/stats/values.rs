//! The values a line gives the statistics, found by role: from a text
//! layout's fields, or from a JSON object's keys of the same names.

use std::ops::Range;

use crate::layout::{Layout, Role, fields, json};

/// A line's value for each role (`None`: no such field, or `-`).
#[derive(Default)]
pub struct Values<'a>([Option<&'a [u8]>; Role::ALL.len()]);

impl<'a> Values<'a> {
    pub fn get(&self, role: Role) -> Option<&'a [u8]> {
        self.0[role as usize]
    }

    fn set(&mut self, role: Role, v: &'a [u8]) {
        if !v.is_empty() && v != b"-" {
            self.0[role as usize] = Some(v);
        }
    }

    /// The values of a line split by a text layout.
    pub fn of_fields(layout: &Layout, line: &'a [u8], spans: &[Range<usize>]) -> Values<'a> {
        let mut values = Values::default();
        for role in Role::ALL {
            if let Some(span) = layout.roles.get(role).and_then(|i| spans.get(i)) {
                values.set(role, &line[span.clone()]);
            }
        }
        values
    }

    /// The values of a JSON object's keys named like nginx's variables.
    pub fn of_json(texts: &'a [Option<String>; Role::ALL.len()]) -> Values<'a> {
        let mut values = Values::default();
        for role in Role::ALL {
            if let Some(t) = &texts[role as usize] {
                values.set(role, t.as_bytes());
            }
        }
        values
    }

    /// The request's method: `$request_method`, else `$request`'s (the field table's rule).
    pub fn method(&self) -> Option<&'a [u8]> {
        self.get(Role::Method)
            .or_else(|| Some(fields::request_method(self.get(Role::Request)?)).filter(|m| !m.is_empty()))
    }

    /// The request's path without its query: from `$request_uri`/`$uri`, else `$request`'s.
    pub fn path(&self) -> Option<&'a [u8]> {
        match self.get(Role::Uri) {
            Some(uri) => Some(fields::without_query(uri)),
            None => Some(fields::request_path(self.get(Role::Request)?)).filter(|p| !p.is_empty()),
        }
    }

    /// The client: `$remote_addr`, else the first address of `$http_x_forwarded_for`.
    pub fn addr(&self) -> Option<&'a [u8]> {
        self.get(Role::Addr).or_else(|| {
            let f = self.get(Role::Forwarded)?;
            let first = f.split(|&b| b == b',').next().unwrap_or(f);
            Some(first.trim_ascii()).filter(|a| !a.is_empty())
        })
    }
}

/// The text of each role's key in a JSON line, or `None` if the line is
/// not a JSON object (read as every reader reads one, `layout/json.rs`).
pub fn json_texts(line: &[u8]) -> Option<[Option<String>; Role::ALL.len()]> {
    let mut pairs = Vec::new();
    if !json::pairs(line, &mut pairs) {
        return None;
    }
    let mut texts: [Option<String>; Role::ALL.len()] = Default::default();
    for role in Role::ALL {
        let found = role.names().iter().find_map(|n| pairs.iter().find(|(k, _)| k == n));
        texts[role as usize] = found.map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    }
    Some(texts)
}

/// A three-digit status.
pub fn status(v: &[u8]) -> Option<u16> {
    match v {
        [a @ b'1'..=b'5', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
            Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    }
}

/// A count of bytes.
pub fn number(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
}

/// nginx's seconds with up to three decimals (`0.123`), in milliseconds;
/// further digits are cut off.
pub fn millis(v: &[u8]) -> Option<u64> {
    let (int, frac) = match v.iter().position(|&b| b == b'.') {
        Some(dot) => (&v[..dot], &v[dot + 1..]),
        None => (v, &[][..]),
    };
    if int.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let secs = number(int)?;
    let ms = frac
        .iter()
        .chain([b'0'; 3].iter())
        .take(3)
        .fold(0, |n, d| n * 10 + u64::from(d - b'0'));
    secs.checked_mul(1000)?.checked_add(ms)
}

/// The sum of several times (`0.010, 0.020 : 0.005`); `-` counts as none.
pub fn sum_millis(v: &[u8]) -> Option<u64> {
    let mut sum = None;
    for part in v.split(|&b| b == b',' || b == b':') {
        if let Some(ms) = millis(part.trim_ascii()) {
            sum = Some(sum.unwrap_or(0u64).saturating_add(ms));
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times() {
        assert_eq!(
            (status(b"404"), status(b"99"), status(b"600"), status(b"4x4")),
            (Some(404), None, None, None)
        );
        assert_eq!((number(b"612"), number(b"-"), number(b"")), (Some(612), None, None));
        assert_eq!(
            (millis(b"0.123"), millis(b"1.2"), millis(b"2"), millis(b"0.0005")),
            (Some(123), Some(1200), Some(2000), Some(0))
        );
        assert_eq!((millis(b"-"), millis(b".5"), millis(b"1.x")), (None, None, None));
        assert_eq!(sum_millis(b"0.010, 0.020 : 0.005"), Some(35));
        assert_eq!((sum_millis(b"-"), sum_millis(b"- , 0.004")), (None, Some(4)));
    }
}
