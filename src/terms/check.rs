//! How a field's value is tested by a term: `valueTest`, `statusTest`,
//! `globTest`, `numberTest` and `compareTest` of static/filter.js, on bytes.
//!
//! - status classes: `404`, `4xx`, `40x`, `4` (digit by digit, `x` any,
//!   fewer digits a prefix), on any element of a comma list; any other
//!   value is compared exactly;
//! - globs: the whole value, `*` any text, `?` one character; without a
//!   wildcard, equality; case-insensitive or not as the name asks;
//! - contains: case-insensitive substring;
//! - numbers: the value's seconds (number.rs) equal to, or compared with,
//!   the term's; a value without a number never matches.
//!
//! Where the two could differ: case-insensitive here folds ASCII letters
//! only (JavaScript's `toLowerCase` and `/i` fold every script: `ü` and `Ü`
//! are the same there, not here). A `?` is one UTF-8 character (a byte
//! where the value is not UTF-8); in JavaScript it is one UTF-16 unit, so a
//! character beyond the BMP (an emoji) is one `?` here and two there. A
//! status class counts bytes, where JavaScript counts UTF-16 units.

use super::number::{seconds, trim};
use crate::layout::FieldType;

/// A test of one value.
pub(super) enum Check {
    Status(Status),
    /// The whole value.
    Glob(Glob),
    /// The whole value or any element of its comma list.
    AnyGlob(Glob),
    /// Contains this (lower case), ignoring case.
    Contains(Vec<u8>),
    /// Equal, ignoring case.
    Equal(Vec<u8>),
    /// Starts with this.
    Prefix(Vec<u8>),
    /// Seconds equal to the number, or the glob when the term is no number.
    Number(Option<f64>, Glob),
    /// The value's seconds against a bound.
    Compare(Op, f64),
    /// A field's own name: by its type.
    ByType(Box<ByType>),
}

/// How other names are tested, by the field's type.
pub(super) struct ByType {
    pub status: Check,
    pub address: Check,
    pub number: Check,
    pub text: Check,
}

/// A comparison's operator.
#[derive(Clone, Copy)]
pub(super) enum Op {
    Gt,
    Lt,
    Ge,
    Le,
}

impl Check {
    /// Whether `v` (a present value of a field of type `ty`) passes.
    pub fn matches(&self, v: &[u8], ty: FieldType) -> bool {
        match self {
            Check::Status(s) => s.matches(v),
            Check::Glob(g) => g.matches(v),
            Check::AnyGlob(g) => any_of(v, |x| g.matches(x)),
            Check::Contains(needle) => contains_ci(v, needle),
            Check::Equal(want) => v.eq_ignore_ascii_case(want),
            Check::Prefix(p) => v.starts_with(p),
            Check::Number(Some(n), _) => seconds(v) == Some(*n),
            Check::Number(None, glob) => glob.matches(v),
            Check::Compare(op, n) => seconds(v).is_some_and(|x| match op {
                Op::Gt => x > *n,
                Op::Lt => x < *n,
                Op::Ge => x >= *n,
                Op::Le => x <= *n,
            }),
            Check::ByType(by) => match ty {
                FieldType::Status => by.status.matches(v, ty),
                FieldType::Address => by.address.matches(v, ty),
                FieldType::Number | FieldType::Duration => by.number.matches(v, ty),
                _ => by.text.matches(v, ty),
            },
        }
    }
}

/// True if `test` passes the value or one element of its list (trimmed):
/// nginx writes several upstream addresses, statuses or times with `, `
/// between the servers of one group and ` : ` between groups.
pub(super) fn any_of(v: &[u8], test: impl Fn(&[u8]) -> bool) -> bool {
    let listed = memchr::memchr(b',', v).is_some() || memchr::memmem::find(v, b" : ").is_some();
    test(v) || (listed && v.split(|&b| b == b',').flat_map(groups).any(|x| test(trim(x))))
}

/// The parts of `v` between ` : `.
fn groups(mut v: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if v.is_empty() {
            return None;
        }
        let (part, rest) = match memchr::memmem::find(v, b" : ") {
            Some(i) => (&v[..i], &v[i + 3..]),
            None => (v, &[][..]),
        };
        v = rest;
        Some(part)
    })
}

/// True if `hay` contains `needle` (ASCII lower case), ignoring ASCII case.
pub(super) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let mut from = 0;
    while let Some(i) = memchr::memchr2(first, first.to_ascii_uppercase(), &hay[from..]) {
        let at = from + i + 1;
        if hay.len() - at >= rest.len() && hay[at..at + rest.len()].eq_ignore_ascii_case(rest) {
            return true;
        }
        from = at;
    }
    false
}

/// A status test: a class (`4xx`: digits, `x` for any) or, for other text, the exact value.
pub(super) enum Status {
    Class(Vec<u8>),
    Exact(Vec<u8>),
}

impl Status {
    pub fn new(value: &str) -> Status {
        let p = value.to_lowercase().into_bytes();
        let class = matches!(p.first(), Some(b'1'..=b'5' | b'x'))
            && p.len() <= 3
            && p[1..].iter().all(|&b| b.is_ascii_digit() || b == b'x');
        if class {
            Status::Class(p)
        } else {
            Status::Exact(value.as_bytes().to_vec())
        }
    }

    fn matches(&self, v: &[u8]) -> bool {
        match self {
            Status::Exact(want) => v == want.as_slice(),
            Status::Class(p) => any_of(v, |x| {
                x.len() == 3 && p.iter().zip(x).all(|(&d, &c)| d == b'x' || d == c)
            }),
        }
    }
}

/// A whole-value glob (`*` any text, `?` one character), or equality without wildcards.
pub(super) struct Glob {
    pattern: Vec<u8>,
    ci: bool,
    wild: bool,
}

impl Glob {
    pub fn new(value: &str, ci: bool) -> Glob {
        Glob {
            pattern: value.as_bytes().to_vec(),
            ci,
            wild: has_wildcard(value),
        }
    }

    pub fn matches(&self, v: &[u8]) -> bool {
        match (self.wild, self.ci) {
            (false, false) => v == self.pattern.as_slice(),
            (false, true) => v.eq_ignore_ascii_case(&self.pattern),
            (true, _) => wildcard(&self.pattern, v, self.ci),
        }
    }
}

pub(super) fn has_wildcard(value: &str) -> bool {
    value.contains(['*', '?'])
}

/// The classic matcher with one backtracking point (the last `*`): linear
/// in practice, `O(pattern × value)` at worst. Positions in `v` move by
/// whole characters where `?` or `*` take one.
fn wildcard(p: &[u8], v: &[u8], ci: bool) -> bool {
    let same = |a: u8, b: u8| a == b || (ci && a.eq_ignore_ascii_case(&b));
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < v.len() {
        match p.get(i) {
            Some(b'*') => {
                star = Some((i, j));
                i += 1;
            }
            Some(b'?') => {
                i += 1;
                j += char_len(&v[j..]);
            }
            Some(&c) if same(c, v[j]) => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((si, sj)) => {
                    let next = sj + char_len(&v[sj..]);
                    star = Some((si, next));
                    i = si + 1;
                    j = next;
                }
                None => return false,
            },
        }
    }
    p[i.min(p.len())..].iter().all(|&c| c == b'*')
}

/// The length of the UTF-8 character `v` starts with, or 1 if it starts with no valid one.
fn char_len(v: &[u8]) -> usize {
    let n = match v.first() {
        Some(0xc2..=0xdf) => 2,
        Some(0xe0..=0xef) => 3,
        Some(0xf0..=0xf4) => 4,
        _ => 1,
    };
    if n > 1 && v.len() >= n && std::str::from_utf8(&v[..n]).is_ok() {
        n
    } else {
        1
    }
}
