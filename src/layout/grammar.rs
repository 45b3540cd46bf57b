//! What each nginx variable's value can look like, so that the split can
//! tell a field cut at the wrong occurrence of the next literal from a right
//! one (`layout/split.rs`).
//!
//! - statuses: three digits; `$upstream_status` a list of them;
//! - numbers (`$body_bytes_sent`, ...) and seconds (`$request_time`,
//!   `$msec`: digits with an optional fraction), and their lists
//!   (`$upstream_response_time`, `$upstream_response_length`, ...);
//! - words without spaces (`$remote_addr`, `$time_iso8601`), and the list
//!   `$upstream_addr`;
//! - `$time_local`: `30/Nov/2026:14:02:03 +0000` (26 ASCII bytes, its
//!   punctuation in place);
//! - any other variable, `$request` included, is text: with `escape=json`
//!   or the default escaping a value never ends with an unescaped `\` (so a
//!   field that ends before an escaped quote, `\"`, was cut too early).
//!
//! Lists are what nginx writes after a retry (`a, b`) and across the
//! upstream groups of an internal redirect (`a : b`); an item may be `-`.
//! A variable without a value is `-` with the default escaping, nothing
//! with `escape=json` and `escape=none`: it fits any grammar.
//!
//! Only ASCII bytes decide, so the UI (static/layout.js `GRAMMARS`, a copy
//! of [`GRAMMARS`] checked by a test here) decides the same on its UTF-16
//! strings.

use crate::nginx::Escape;

/// A value's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    Status,
    StatusList,
    Number,
    NumberList,
    Seconds,
    SecondsList,
    Word,
    WordList,
    TimeLocal,
    Text,
}

/// The grammars of nginx's variables by name; any other is `Text`.
pub const GRAMMARS: &[(&str, Grammar)] = &[
    ("status", Grammar::Status),
    ("upstream_status", Grammar::StatusList),
    ("body_bytes_sent", Grammar::Number),
    ("bytes_sent", Grammar::Number),
    ("request_length", Grammar::Number),
    ("connection", Grammar::Number),
    ("connection_requests", Grammar::Number),
    ("upstream_response_length", Grammar::NumberList),
    ("upstream_bytes_received", Grammar::NumberList),
    ("upstream_bytes_sent", Grammar::NumberList),
    ("request_time", Grammar::Seconds),
    ("msec", Grammar::Seconds),
    ("upstream_response_time", Grammar::SecondsList),
    ("upstream_connect_time", Grammar::SecondsList),
    ("upstream_header_time", Grammar::SecondsList),
    ("upstream_queue_time", Grammar::SecondsList),
    ("remote_addr", Grammar::Word),
    ("realip_remote_addr", Grammar::Word),
    ("server_addr", Grammar::Word),
    ("time_iso8601", Grammar::Word),
    ("upstream_addr", Grammar::WordList),
    ("time_local", Grammar::TimeLocal),
];

/// How a candidate value fits its grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// It does.
    Yes,
    /// It does not, but a longer value starting the same might (`0.010,`).
    Short,
    /// Neither it nor any longer value starting the same does.
    Never,
}

/// The kinds of items of the grammars other than text and time.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Item {
    Status,
    Number,
    Seconds,
    Word,
}

/// An item at the start of a value: its length, or why it is not one.
enum Scan {
    Done(usize),
    /// All of the value is the start of an item.
    Partial,
    Dead,
}

impl Grammar {
    /// The grammar of nginx's variable `name` (without `$`).
    pub fn of(name: &str) -> Grammar {
        GRAMMARS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Grammar::Text, |&(_, g)| g)
    }

    pub fn name(self) -> &'static str {
        match self {
            Grammar::Status => "status",
            Grammar::StatusList => "status-list",
            Grammar::Number => "number",
            Grammar::NumberList => "number-list",
            Grammar::Seconds => "seconds",
            Grammar::SecondsList => "seconds-list",
            Grammar::Word => "word",
            Grammar::WordList => "word-list",
            Grammar::TimeLocal => "time-local",
            Grammar::Text => "text",
        }
    }

    /// How `v`, written with `escape`, fits this grammar. The usual
    /// values are told inline, in one pass; the rest by the general
    /// reading (`fit_in_full`), which says the same of them.
    #[inline(always)]
    pub fn fit(self, v: &[u8], escape: Escape) -> Fit {
        let digits = || v.iter().all(u8::is_ascii_digit);
        let usual = match self {
            Grammar::Text => escape == Escape::None || v.last() != Some(&b'\\'),
            Grammar::Status => v.len() == 3 && digits(),
            Grammar::Number => !v.is_empty() && digits(),
            Grammar::Word => !v.is_empty() && !v.iter().any(|&b| b == b' ' || b == b','),
            Grammar::TimeLocal => v.len() == 26 && time_local(v) == Fit::Yes,
            _ => false,
        };
        if usual { Fit::Yes } else { self.fit_in_full(v, escape) }
    }

    /// How `v` fits this grammar, read in full.
    #[inline(never)]
    fn fit_in_full(self, v: &[u8], escape: Escape) -> Fit {
        let (item, list) = match self {
            Grammar::Text => return text(v, escape),
            _ if absent(v, escape) => return Fit::Yes,
            Grammar::TimeLocal => return time_local(v),
            Grammar::Status => (Item::Status, false),
            Grammar::StatusList => (Item::Status, true),
            Grammar::Number => (Item::Number, false),
            Grammar::NumberList => (Item::Number, true),
            Grammar::Seconds => (Item::Seconds, false),
            Grammar::SecondsList => (Item::Seconds, true),
            Grammar::Word => (Item::Word, false),
            Grammar::WordList => (Item::Word, true),
        };
        items(v, item, list)
    }
}

/// The list separators nginx writes.
const SEPARATORS: [&[u8]; 2] = [b", ", b" : "];

impl Grammar {
    fn is_list(self) -> bool {
        matches!(
            self,
            Grammar::StatusList | Grammar::NumberList | Grammar::SecondsList | Grammar::WordList
        )
    }

    /// Whether a list that fits would go on after it ends, where `after`
    /// follows it: `a` before ` : b` (a separator other than the literal
    /// `lit` that ends the field). A list is taken whole: `a : b 200` with
    /// a space after the list is `a : b`, not `a` and then `: b`.
    #[inline]
    pub fn goes_on(self, after: &[u8], lit: &[u8]) -> bool {
        self.is_list()
            && SEPARATORS
                .iter()
                .any(|s| !lit.starts_with(s) && after.len() > s.len() && after.starts_with(s))
    }
}

/// nginx's value of a variable without one.
fn absent(v: &[u8], escape: Escape) -> bool {
    match escape {
        Escape::Default => v == b"-",
        Escape::Json | Escape::None => v.is_empty(),
    }
}

/// Escaped text never ends with an odd run of backslashes.
fn text(v: &[u8], escape: Escape) -> Fit {
    if escape == Escape::None {
        return Fit::Yes;
    }
    let run = v.iter().rev().take_while(|&&b| b == b'\\').count();
    if run % 2 == 1 { Fit::Short } else { Fit::Yes }
}

/// `dd/Mon/yyyy:hh:mm:ss +zzzz`: 26 ASCII bytes with its punctuation in
/// place (a value cut short is `Short` while its punctuation so far fits).
fn time_local(v: &[u8]) -> Fit {
    const PUNCTUATION: [(usize, u8); 6] = [(2, b'/'), (6, b'/'), (11, b':'), (14, b':'), (17, b':'), (20, b' ')];
    let fits = v.len() <= 26 && v.is_ascii() && PUNCTUATION.iter().all(|&(i, c)| v.get(i).is_none_or(|&b| b == c));
    match (fits, v.len()) {
        (false, _) => Fit::Never,
        (true, 26) => Fit::Yes,
        (true, _) => Fit::Short,
    }
}

/// One item, or (`list`) items separated by `, ` or ` : `.
fn items(v: &[u8], item: Item, list: bool) -> Fit {
    let mut rest = v;
    loop {
        match scan(rest, item, list) {
            Scan::Dead => return Fit::Never,
            Scan::Partial => return Fit::Short,
            Scan::Done(n) => rest = &rest[n..],
        }
        if rest.is_empty() {
            return Fit::Yes;
        }
        if !list {
            return Fit::Never;
        }
        match SEPARATORS.iter().find(|s| rest.starts_with(s)) {
            Some(s) => rest = &rest[s.len()..],
            None if SEPARATORS.iter().any(|s| s.starts_with(rest)) => return Fit::Short,
            None => return Fit::Never,
        }
        if rest.is_empty() {
            return Fit::Short;
        }
    }
}

/// The item at the start of `v`; in a list an item may be `-`.
fn scan(v: &[u8], item: Item, list: bool) -> Scan {
    if list && item != Item::Word && v.first() == Some(&b'-') {
        return Scan::Done(1);
    }
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let n = match item {
        Item::Word => v.iter().take_while(|&&b| b != b' ' && b != b',').count(),
        _ => digits(v),
    };
    if n == 0 {
        return if v.is_empty() { Scan::Partial } else { Scan::Dead };
    }
    match item {
        Item::Status if n > 3 => Scan::Dead,
        Item::Status if n < 3 && n == v.len() => Scan::Partial,
        Item::Status if n < 3 => Scan::Dead,
        Item::Seconds if v.get(n) == Some(&b'.') => match digits(&v[n + 1..]) {
            0 if n + 1 == v.len() => Scan::Partial,
            0 => Scan::Dead,
            m => Scan::Done(n + 1 + m),
        },
        _ => Scan::Done(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Fit::*;

    fn fit(g: Grammar, v: &str) -> Fit {
        g.fit(v.as_bytes(), Escape::Default)
    }

    #[test]
    fn statuses_numbers_and_seconds() {
        use Grammar::*;
        let cases = [
            (Status, "200", Yes),
            (Status, "20", Short),
            (Status, "2000", Never),
            (Status, "HTTP/1.1\\\"", Never),
            (Status, "-", Yes),
            (Status, "", Short),
            (Number, "612", Yes),
            (Number, "612 ", Never),
            (Seconds, "0.013", Yes),
            (Seconds, "1", Yes),
            (Seconds, "1.", Short),
            (Seconds, "1.x", Never),
            (Seconds, ": 0.001", Never),
            (TimeLocal, "30/Nov/2026:14:02:03 +0000", Yes),
            (TimeLocal, "30/Nov/2026:14", Short),
            (TimeLocal, "30/Nov/2026:14:02:03 +0000]", Never),
            (TimeLocal, "30-Nov", Never),
            (TimeLocal, "30/Nov/2026:14:02:03 +000é", Never),
        ];
        for (g, v, want) in cases {
            assert_eq!(fit(g, v), want, "{g:?} {v:?}");
        }
    }

    #[test]
    fn lists_as_nginx_writes_them() {
        use Grammar::*;
        let cases = [
            (SecondsList, "0.010, 0.020 : 0.005", Yes),
            (SecondsList, "0.010,", Short),
            (SecondsList, "0.010, ", Short),
            (SecondsList, "0.010 :", Short),
            (SecondsList, "0.010 : -", Yes),
            (SecondsList, "0.010 x", Never),
            (SecondsList, "0.010,0.020", Never),
            (SecondsList, ": 0.001", Never),
            (StatusList, "502, 200", Yes),
            (StatusList, "502, 20", Short),
            (StatusList, "502 : 200 0.001", Never),
            (WordList, "127.0.0.1:81, 127.0.0.1:82 : unix:/run/a.sock", Yes),
            (WordList, "127.0.0.1:81,", Short),
            (WordList, "[::1]:80 : backend", Yes),
            (WordList, "a,b", Never),
            (Word, "203.0.113.7", Yes),
            (Word, "203.0.113.7 -", Never),
        ];
        for (g, v, want) in cases {
            assert_eq!(fit(g, v), want, "{g:?} {v:?}");
        }
    }

    #[test]
    fn a_list_goes_on_past_a_separator_that_is_not_the_literal() {
        assert!(Grammar::WordList.goes_on(b" : b 200", b" "));
        assert!(Grammar::StatusList.goes_on(b", 200 x", b" "));
        assert!(
            !Grammar::StatusList.goes_on(b" : ", b" "),
            "nothing after the separator"
        );
        assert!(
            !Grammar::WordList.goes_on(b", b", b", "),
            "the separator is the literal"
        );
        assert!(!Grammar::Text.goes_on(b" : b", b" "));
        assert!(!Grammar::WordList.goes_on(b" 200", b" "));
    }

    #[test]
    fn a_variable_without_a_value_as_each_escape_writes_it() {
        assert_eq!(Grammar::Status.fit(b"-", Escape::Default), Yes);
        assert_eq!(Grammar::Status.fit(b"", Escape::Json), Yes);
        assert_eq!(Grammar::Status.fit(b"-", Escape::Json), Never);
        assert_eq!(Grammar::SecondsList.fit(b"", Escape::None), Yes);
    }

    #[test]
    fn escaped_text_does_not_end_inside_an_escape() {
        for escape in [Escape::Json, Escape::Default] {
            assert_eq!(Grammar::Text.fit(br"GET /?x=\", escape), Short);
            assert_eq!(Grammar::Text.fit(br"GET /?x=\\", escape), Yes);
            assert_eq!(Grammar::Text.fit(br"a\\\", escape), Short);
        }
        assert_eq!(Grammar::Text.fit(br"GET /?x=\", Escape::None), Yes);
    }

    #[test]
    fn the_uis_copy_is_this_table() {
        let js = include_str!("../../static/layout.js");
        let start = "export const GRAMMARS = {";
        let body = &js[js.find(start).expect(start) + start.len()..];
        let body = &body[..body.find("};").expect("the table's end")];
        let got: Vec<(String, String)> = body
            .split(',')
            .filter_map(|e| e.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('\'').to_string()))
            .collect();
        let want: Vec<(String, String)> = GRAMMARS
            .iter()
            .map(|(n, g)| (n.to_string(), g.name().to_string()))
            .collect();
        assert_eq!(got, want, "static/layout.js GRAMMARS");
    }
}
