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

use memchr::memmem::Finder;
use memchr::{memchr, memrchr};
use regex::bytes::{Regex, RegexBuilder};

/// The compiled program's and the lazy DFA's cache's size limit of a regex.
pub const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// Why a pattern cannot be searched for.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("the pattern is too large (compiled over {} MiB)", REGEX_SIZE_LIMIT >> 20)]
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
        .dfa_size_limit(REGEX_SIZE_LIMIT)
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

/// Calls `hit` for each matching line of `buf[from..to]`, in order, where
/// `from` is a line's start and `to` the end of a line (its `\n`'s index,
/// or the buffer's end); `from <= to`, so there is at least one line.
/// Stops when `hit` returns `false`.
pub fn scan_lines(m: &Matcher, buf: &[u8], from: usize, to: usize, max_line: usize, mut hit: impl FnMut(Line) -> bool) {
    let hay = &buf[..to];
    let mut pos = from;
    while pos <= to {
        let Some(at) = m.candidate(hay, pos) else { return };
        if at > to {
            return;
        }
        let start = if at == pos {
            pos
        } else {
            memrchr(b'\n', &hay[pos..at]).map_or(pos, |i| pos + i + 1)
        };
        let end = memchr(b'\n', &hay[at..]).map_or(to, |i| at + i);
        let line = text_of(start, end, hay, max_line);
        if m.confirm(&hay[start..start + line.len], at - start) && !hit(line) {
            return;
        }
        if end >= to {
            return;
        }
        pos = end + 1;
    }
}
