//! From `filter=` text to terms: `tokenize`, `unquote`, `compileTerm`,
//! `valueTest` and `compareTest` of static/filter.js, rule for rule.
//!
//! - Terms are separated by white space (JavaScript's `\s`, Unicode spaces
//!   included); inside double quotes spaces are kept and a backslash keeps
//!   the next character. An unclosed quote runs to the end of the text and
//!   is kept as typed (the UI does the same: nothing is rejected).
//! - A leading `!` negates a term; a lone `!` is no term.
//! - `key:value`, `key>n`, `key<n`, `key>=n`, `key<=n` with a key of
//!   `[a-z_][a-z0-9_]*` and a value that is not empty and does not start
//!   with `//` (so `http://x` is a word) is a field term; its value may be
//!   quoted (`ua:"a b"`).
//! - `/re/flags` is a regular expression in the UI; here it is refused:
//!   the search takes its regex in `q=` with `regex=1`.
//! - Anything else is a word (its quotes removed).
//!
//! A comparison with a bound that is no number is an error here as in the
//! UI (whose message says less: `rt>: not a number`).

use super::check::{ByType, Check, Glob, Op, Status, has_wildcard};
use super::number::parse_number;
use super::term::{Field, Key, Kind, Term, Word};
use super::value::Short;

/// The longest term taken: a glob is tested in time proportional to its
/// length times the value's, on every candidate line.
pub const MAX_TERM: usize = 256;

/// The longest filter text taken: a line's test costs at most the terms'
/// length times the line's (so about 130 M steps for a 64 KiB line).
pub const MAX_FILTER: usize = 2048;

/// The terms of a filter text, or what is wrong with it.
pub(super) fn compile(text: &str) -> Result<Vec<Term>, String> {
    if text.len() > MAX_FILTER {
        return Err(format!("{} bytes: a filter is at most {MAX_FILTER} bytes", text.len()));
    }
    let mut terms = Vec::new();
    for token in tokenize(text) {
        if token.len() > MAX_TERM {
            let start: String = token.chars().take(20).collect();
            return Err(format!("{start}...: a term is at most {MAX_TERM} bytes"));
        }
        let (neg, s) = match token.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, token.as_str()),
        };
        if !s.is_empty() {
            terms.push(Term { neg, kind: term(s)? });
        }
    }
    Ok(terms)
}

fn term(s: &str) -> Result<Kind, String> {
    if let Some((key, op, value)) = field(s)
        && !value.is_empty()
        && !value.starts_with("//")
    {
        let value = unquote(value);
        let check = match op {
            ":" => value_check(key, &value),
            _ => compare(op, &value).ok_or_else(|| format!("{s}: not a number"))?,
        };
        let key = Short::of(key).map_or_else(|| Key::Name(key.to_string()), Key::Short);
        let word = Word::new(&unquote(s));
        return Ok(Kind::Field(Field { key, check, word }));
    }
    if is_regex(s) {
        return Err(format!("{s}: regex terms go in q= with regex=1"));
    }
    Ok(Kind::Word(Word::new(&unquote(s))))
}

/// `key`, operator and value of a field term's text (`FIELD` of filter.js).
fn field(s: &str) -> Option<(&str, &str, &str)> {
    if !matches!(s.as_bytes().first(), Some(b'a'..=b'z' | b'_')) {
        return None;
    }
    let n = s
        .bytes()
        .take_while(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        .count();
    let rest = &s[n..];
    let op = [":", ">=", "<=", ">", "<"]
        .into_iter()
        .find(|op| rest.starts_with(op))?;
    Some((&s[..n], op, &rest[op.len()..]))
}

/// `/re/flags` (`REGEX` of filter.js, flags among `imsu`): only the last `/` can close it.
fn is_regex(s: &str) -> bool {
    let Some(body) = s.strip_prefix('/') else {
        return false;
    };
    body.rfind('/')
        .is_some_and(|q| q > 0 && body[q + 1..].bytes().all(is_flag))
}

/// How a value is tested, by the name it is asked for (`valueTest`).
fn value_check(key: &str, value: &str) -> Check {
    let glob = || Glob::new(value, true);
    let Some(short) = Short::of(key) else {
        return Check::ByType(Box::new(ByType {
            status: Check::Status(Status::new(value)),
            address: Check::AnyGlob(glob()),
            number: Check::Number(parse_number(value), glob()),
            text: text_check(value),
        }));
    };
    match short {
        Short::Status => Check::Status(Status::new(value)),
        Short::Path => Check::Glob(Glob::new(value, false)),
        Short::Host | Short::Addr | Short::Upstream => Check::AnyGlob(glob()),
        Short::Ua | Short::Ref => text_check(value),
        Short::Method => Check::Equal(value.as_bytes().to_vec()),
        Short::Time => Check::Prefix(value.as_bytes().to_vec()),
        Short::Rt | Short::Ut | Short::Bytes => Check::Number(parse_number(value), glob()),
    }
}

/// Text: contains, ignoring case; a glob when it has `*` or `?`.
fn text_check(value: &str) -> Check {
    if has_wildcard(value) {
        Check::Glob(Glob::new(value, true))
    } else {
        Check::Contains(value.as_bytes().to_ascii_lowercase())
    }
}

/// `rt>0.5`: the field's number against a bound (`compareTest`); None if the bound is no number.
fn compare(op: &str, value: &str) -> Option<Check> {
    let op = match op {
        ">" => Op::Gt,
        "<" => Op::Lt,
        ">=" => Op::Ge,
        _ => Op::Le,
    };
    Some(Check::Compare(op, parse_number(value)?))
}

/// JavaScript's `\s`.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// The terms of a text as typed, quotes included (`tokenize`).
pub(super) fn tokenize(src: &str) -> Vec<String> {
    let cs: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        while i < cs.len() && is_space(cs[i]) {
            i += 1;
        }
        if i >= cs.len() {
            break;
        }
        let start = i;
        let neg = usize::from(cs[i] == '!');
        if let Some(end) = (cs.get(i + neg) == Some(&'/'))
            .then(|| regex_end(&cs, i + neg))
            .flatten()
        {
            out.push(cs[start..end].iter().collect());
            i = end;
            continue;
        }
        let mut quoted = false;
        while i < cs.len() {
            match cs[i] {
                '\\' if quoted => i += 1,
                '"' => quoted = !quoted,
                c if !quoted && is_space(c) => break,
                _ => {}
            }
            i += 1;
        }
        i = i.min(cs.len());
        out.push(cs[start..i].iter().collect());
    }
    out
}

/// A regex flag the filter box takes: other letters after a `/` make a
/// path (`/api/orders`), not a regex with flags.
fn is_flag(b: u8) -> bool {
    matches!(b, b'i' | b'm' | b's' | b'u')
}

/// The end of a `/regex/flags` term starting at `from` (a `/`): it may hold spaces.
fn regex_end(cs: &[char], from: usize) -> Option<usize> {
    let mut j = from + 1;
    while j < cs.len() {
        if cs[j] == '\\' {
            j += 2;
            continue;
        }
        if cs[j] == '/' && j != from + 1 {
            let mut k = j + 1;
            while k < cs.len() && cs[k].is_ascii() && is_flag(cs[k] as u8) {
                k += 1;
            }
            if k == cs.len() || is_space(cs[k]) {
                return Some(k);
            }
        }
        j += 1;
    }
    None
}

/// A value without its double quotes, a backslash keeping the character
/// after it (but a line break: JavaScript's `.` does not match one).
pub(super) fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return v.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&n) if c == '\\' && !matches!(n, '\n' | '\r' | '\u{2028}' | '\u{2029}') => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}
