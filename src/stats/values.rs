//! The values a line gives the statistics, found by role: from a text
//! layout's fields, or from a JSON object's keys of the same names.

use std::ops::Range;

use crate::layout::byte;
use crate::layout::fields::without_query;
use crate::layout::{Role, Roles};

/// A line's value for each role (`None`: no such field, or `-`), read
/// where it is: a text line's spans, or a JSON object's texts by role.
/// Nothing is copied to make one.
pub enum Values<'a> {
    Text {
        roles: &'a Roles,
        line: &'a [u8],
        spans: &'a [Range<usize>],
    },
    Json(&'a [Option<String>; Role::ALL.len()]),
}

impl<'a> Values<'a> {
    pub fn get(&self, role: Role) -> Option<&'a [u8]> {
        let v = match *self {
            Values::Text { roles, line, spans } => roles
                .get(role)
                .and_then(|i| spans.get(i))
                .map(|span| &line[span.clone()]),
            Values::Json(texts) => texts[role as usize].as_deref().map(str::as_bytes),
        };
        v.filter(|v| !v.is_empty() && *v != b"-")
    }

    /// The values of a line split into `spans` by a text layout whose fields play `roles`.
    pub fn of_fields(roles: &'a Roles, line: &'a [u8], spans: &'a [Range<usize>]) -> Values<'a> {
        Values::Text { roles, line, spans }
    }

    /// The values of a JSON object's keys named like nginx's variables.
    pub fn of_json(texts: &'a [Option<String>; Role::ALL.len()]) -> Values<'a> {
        Values::Json(texts)
    }

    /// The request's method and its path without the query (the field
    /// table's rules): `$request_method`, and `$request_uri`/`$uri`, else
    /// `$request`'s, which is then split once for both.
    pub fn method_and_path(&self) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
        let (method, uri) = (self.get(Role::Method), self.get(Role::Uri));
        let request = match (method, uri) {
            (Some(_), Some(_)) => None,
            _ => self.get(Role::Request).map(split_request),
        };
        let method = method.or_else(|| request.map(|r| r.0).filter(|m| !m.is_empty()));
        let path = match uri {
            Some(uri) => Some(without_query(uri)),
            None => request.map(|r| r.1).filter(|p| !p.is_empty()),
        };
        (method, path)
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

/// A request line's method (before its first space; none without one) and
/// its path without the query: between its first and last space
/// (`GET /a b HTTP/1.1` is `/a b`), after the only one (`GET /a`), or all of
/// a request without spaces. The field table's `request_method` and
/// `request_path` each look for the first space; this looks once.
fn split_request(req: &[u8]) -> (&[u8], &[u8]) {
    let Some(a) = byte::find(req, b' ') else {
        return (&req[..0], without_query(req));
    };
    // The protocol is short: looking back byte by byte beats a call.
    let b = req.iter().rposition(|&c| c == b' ').unwrap_or(a);
    let path = if b == a { &req[a + 1..] } else { &req[a + 1..b] };
    (&req[..a], without_query(path))
}

/// The text of each role's key among a JSON object's pairs.
pub fn json_texts_of(pairs: &[(String, String)]) -> [Option<String>; Role::ALL.len()] {
    let mut texts: [Option<String>; Role::ALL.len()] = Default::default();
    for role in Role::ALL {
        let found = role.names().iter().find_map(|n| pairs.iter().find(|(k, _)| k == n));
        texts[role as usize] = found.map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    }
    texts
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
    use crate::layout::fields;
    use proptest::prelude::*;

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

    proptest! {
        /// The request is split for both parts at once as the field table
        /// splits it for each.
        #[test]
        fn a_request_splits_as_the_field_table_says(
            req in proptest::collection::vec(prop_oneof![Just(b' '), Just(b'?'), Just(b'a'), Just(b'/')], 0..80)
        ) {
            let (method, path) = split_request(&req);
            prop_assert_eq!(method, fields::request_method(&req));
            prop_assert_eq!(path, fields::request_path(&req));
        }
    }
}
