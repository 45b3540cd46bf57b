//! What a search looks for, and finding the matching lines of a buffer.
//!
//! A [`Matcher`] is built once per search: a literal is a
//! `memchr::memmem::Finder` (SIMD, with its own prefilter), a regex is the
//! `regex` crate's byte regex with bounded compiled and lazy-DFA sizes, so
//! that a hostile pattern is refused when it is built instead of eating
//! memory while it runs.
//!
//! [`scan_lines`] is the inner loop shared by every way of reading a file.
//! It does not walk the buffer line by line: it asks the matcher for the
//! next *candidate* anywhere in the rest of the buffer (one `memmem` or DFA
//! pass over megabytes), then finds that candidate's line with `memrchr` and
//! `memchr`, confirms the match on the line's own text, and resumes after
//! the line. Lines without a candidate cost nothing but the SIMD scan, and
//! nothing is allocated per line.
//!
//! A line's text is what the follower sends for it: the bytes up to its
//! `\n`, without a `\r` just before it, cut to the first `max_line` bytes.
//! A match must lie inside that text; a hit that reaches into the `\r`, the
//! `\n` or the next line is checked again on the text alone.

use std::ops::ControlFlow;

use memchr::memmem::Finder;
use memchr::{memchr, memrchr};

use super::Options;
use regex::bytes::{Regex, RegexBuilder};

/// The size limit of a regex's compiled program. A search's cost per byte
/// grows with it (up to about 5 µs a byte at this size, for a pattern that
/// keeps the lazy DFA from helping), so it bounds the time of a window.
pub const REGEX_SIZE_LIMIT: usize = 512 << 10;
/// The size limit of the lazy DFA's cache (one per regex, two per search).
const DFA_SIZE_LIMIT: usize = 2 << 20;

/// Why a pattern cannot be searched for.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("the pattern is too large (compiled over {} KiB)", REGEX_SIZE_LIMIT >> 10)]
    TooLarge,
    #[error("invalid pattern: {0}")]
    Invalid(String),
}

/// What a line must contain. Case-sensitive.
pub struct Matcher {
    kind: Kind,
}

enum Kind {
    Literal(Box<Finder<'static>>),
    /// `block` finds candidates in a buffer of many lines (`^` and `$` at
    /// line ends); `line` decides on one line's text.
    Regex {
        block: Regex,
        line: Regex,
    },
    /// A regex whose meaning on a buffer of lines may differ from its
    /// meaning on one line (`\A`, `\z`, flags turned off inline): every
    /// line is a candidate and `line` alone decides.
    PerLine {
        line: Regex,
    },
}

impl Matcher {
    /// A literal byte string; the empty one matches every line.
    pub fn literal(needle: &[u8]) -> Matcher {
        Matcher {
            kind: Kind::Literal(Box::new(Finder::new(needle).into_owned())),
        }
    }

    /// A regular expression (the `regex` crate's syntax), refused when its
    /// compiled form would exceed [`REGEX_SIZE_LIMIT`].
    pub fn regex(pattern: &str) -> Result<Matcher, PatternError> {
        let line = build(pattern, false)?;
        let per_line = pattern.contains("\\A") || pattern.contains("\\z") || has_negated_flag(pattern);
        let kind = if per_line {
            Kind::PerLine { line }
        } else {
            Kind::Regex {
                block: build(pattern, true)?,
                line,
            }
        };
        Ok(Matcher { kind })
    }

    /// The start of the first candidate at or after `from`, if any.
    fn candidate(&self, hay: &[u8], from: usize) -> Option<usize> {
        match &self.kind {
            Kind::Literal(f) => f.find(&hay[from..]).map(|i| from + i),
            Kind::Regex { block, .. } => block.find_at(hay, from).map(|m| m.start()),
            Kind::PerLine { .. } => Some(from),
        }
    }

    /// Whether a line's text matches.
    fn is_match(&self, text: &[u8]) -> bool {
        match &self.kind {
            Kind::Literal(f) => f.find(text).is_some(),
            Kind::Regex { line, .. } | Kind::PerLine { line } => line.is_match(text),
        }
    }

    /// Whether a line's text matches, given the first candidate in its raw
    /// bytes at `at` (which may lie past the text, in a cut-off part).
    fn confirm(&self, text: &[u8], at: usize) -> bool {
        match &self.kind {
            Kind::Literal(f) => {
                let n = f.needle().len();
                at + n <= text.len() || f.find(&text[(at + 1).min(text.len())..]).is_some()
            }
            Kind::Regex { line, .. } | Kind::PerLine { line } => line.is_match(text),
        }
    }
}

fn build(pattern: &str, multi_line: bool) -> Result<Regex, PatternError> {
    RegexBuilder::new(pattern)
        .multi_line(multi_line)
        .crlf(multi_line)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => PatternError::TooLarge,
            other => PatternError::Invalid(other.to_string()),
        })
}

/// An inline flag group that turns a flag off (`(?-m)`, `(?s-R:...)`):
/// conservatively, any `(?` group with a `-` before its `)` or `:`.
fn has_negated_flag(pattern: &str) -> bool {
    pattern.match_indices("(?").any(|(i, _)| {
        let rest = &pattern[i + 2..];
        let end = rest.find([')', ':']).unwrap_or(rest.len());
        rest[..end].contains('-')
    })
}

/// A line's text inside a buffer: `[start, start + len)`.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub start: usize,
    pub len: usize,
}

/// The text of the line `[start, end)` (without its `\n`): no final `\r`,
/// at most `max_line` bytes.
pub fn text_of(start: usize, end: usize, buf: &[u8], max_line: usize) -> Line {
    let mut len = end - start;
    if len > 0 && buf[end - 1] == b'\r' {
        len -= 1;
    }
    Line {
        start,
        len: len.min(max_line),
    }
}

/// Bytes of lines the matcher searches in one call. Between two calls the
/// caller may stop (`pause`), so that no pattern and no line holds a scan
/// for long: a window costs at most its size times the pattern's cost per
/// byte, which [`REGEX_SIZE_LIMIT`] bounds.
pub const WINDOW: usize = 64 << 10;

/// What [`scan_lines`] tells its caller.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A matching line.
    Hit(Line),
    /// A window was searched and another follows: the caller may stop.
    Pause,
}

/// Tells `visit` of each matching line of `buf[from..to]`, in order, where
/// `from` is a line's start and `to` the end of a line (its `\n`'s index,
/// or the buffer's end); `from <= to`, so there is at least one line.
///
/// The lines are searched a window at a time: about `o.window` bytes, to
/// the end of the line the window's end falls in when that line is short
/// (at most `max_line` more), or else up to that line's start, the long
/// line then being a window of its own whose text alone (its first
/// `max_line` bytes) is tested. Between two windows `visit` gets a
/// [`Event::Pause`]. `Break` when `visit` broke off.
pub fn scan_lines(
    m: &Matcher,
    buf: &[u8],
    from: usize,
    to: usize,
    o: &Options,
    mut visit: impl FnMut(Event) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let (mut pos, max_line) = (from, o.max_line);
    loop {
        let (end, long) = next_window(buf, (pos, to), o.window.max(1), max_line);
        if long {
            let line = text_of(pos, end, buf, max_line);
            if m.is_match(&buf[pos..pos + line.len]) {
                visit(Event::Hit(line))?;
            }
        } else {
            search_window(m, &buf[..end], pos, max_line, &mut visit)?;
        }
        if end >= to {
            return ControlFlow::Continue(());
        }
        visit(Event::Pause)?;
        pos = end + 1;
    }
}

/// Where the window that starts at `pos` ends (a line's end), and whether
/// it is one line too long to search through.
fn next_window(buf: &[u8], (pos, to): (usize, usize), window: usize, max_line: usize) -> (usize, bool) {
    if to - pos <= window {
        return (to, false);
    }
    let w = pos + window;
    let line_end = memchr(b'\n', &buf[w..to]).map_or(to, |i| w + i);
    if line_end - w <= max_line {
        return (line_end, false);
    }
    match memrchr(b'\n', &buf[pos..w]) {
        Some(i) => (pos + i, false),
        None => (line_end, true),
    }
}

/// The matching lines of `hay[from..]`, which ends at a line's end.
fn search_window(
    m: &Matcher,
    hay: &[u8],
    from: usize,
    max_line: usize,
    visit: &mut impl FnMut(Event) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let to = hay.len();
    let mut pos = from;
    while pos <= to {
        let Some(at) = m.candidate(hay, pos) else {
            return ControlFlow::Continue(());
        };
        let start = if at == pos {
            pos
        } else {
            memrchr(b'\n', &hay[pos..at]).map_or(pos, |i| pos + i + 1)
        };
        let end = memchr(b'\n', &hay[at..]).map_or(to, |i| at + i);
        let line = text_of(start, end, hay, max_line);
        if m.confirm(&hay[start..start + line.len], at - start) {
            visit(Event::Hit(line))?;
        }
        if end >= to {
            return ControlFlow::Continue(());
        }
        pos = end + 1;
    }
    ControlFlow::Continue(())
}
