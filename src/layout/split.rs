//! Splitting a text line into its fields (docs/protocol.md, "Layouts").
//!
//! The line starts with the first literal; each field ends at an occurrence
//! of the literal after it, the first whose value fits the field's grammar
//! (`layout/grammar.rs`); the last field ends where the line's final literal
//! begins. A list (`a, b`, `a : b`) is taken whole: it does not end where a
//! separator follows it. When no occurrence gives a field a fitting value, the field
//! before it takes its next fitting one, and so on back: the first split,
//! field by field, in which every value fits. An empty literal between two
//! fields is found at every character. Candidates are counted: after
//! [`budget`] of them the line does not fit, so a hostile line costs a
//! bounded number of tries, each linear in the line. A line that does not
//! fit is shown raw and counted as bad, never split wrong.
//!
//! Nothing is allocated: the fields found so far (`out`) are the search's
//! stack. static/layout.js `splitText` is the same algorithm, candidate for
//! candidate.

use std::ops::Range;

use super::Layout;
use super::grammar::Fit;

/// The candidates a line may try: a few per field, and some to spare for
/// lists of many upstreams.
pub fn budget(fields: usize) -> usize {
    32 + 8 * fields
}

impl Layout {
    /// The fields' byte ranges in `line`, written to `out`; false if the line does not fit.
    pub fn split(&self, line: &[u8], out: &mut Vec<Range<usize>>) -> bool {
        out.clear();
        let Some((first, rest)) = self.parts.split_first() else {
            return false;
        };
        if !line.starts_with(first.as_bytes()) {
            return false;
        }
        let mut budget = budget(rest.len());
        // The current field starts at `start`; its next candidate end is looked for from `from`.
        let (mut start, mut from) = (first.len(), first.len());
        while out.len() < rest.len() {
            let i = out.len();
            let lit = rest[i].as_bytes();
            let candidate = match self.candidate(line, i, start, from) {
                Some(end) if budget > 0 => end,
                Some(_) => return false,
                None => match out.pop() {
                    Some(prev) => {
                        (start, from) = (prev.start, after(line, prev.end, rest[i - 1].is_empty()));
                        continue;
                    }
                    None => return false,
                },
            };
            budget -= 1;
            let grammar = self.fields[i].grammar;
            match grammar.fit(&line[start..candidate], self.escape) {
                Fit::Yes if grammar.goes_on(&line[candidate..], lit) => from = after(line, candidate, lit.is_empty()),
                Fit::Yes => {
                    out.push(start..candidate);
                    start = candidate + lit.len();
                    from = start;
                }
                Fit::Short => from = after(line, candidate, lit.is_empty()),
                // No later candidate: back to the field before.
                Fit::Never => from = line.len() + 1,
            }
        }
        true
    }

    /// Where field `i`, starting at `start`, may end: the first occurrence
    /// of the literal after it from `from` (the last field: only where the
    /// line's final literal begins, once).
    #[inline]
    fn candidate(&self, line: &[u8], i: usize, start: usize, from: usize) -> Option<usize> {
        let lit = self.parts[i + 1].as_bytes();
        if from > line.len() {
            return None;
        }
        if i + 2 == self.parts.len() {
            let end = line.len().checked_sub(lit.len())?;
            return (from == start && end >= start && same(&line[end..], lit)).then_some(end);
        }
        if lit.is_empty() {
            return Some(from);
        }
        find(&line[from..], lit).map(|at| from + at)
    }
}

/// Where to look for the next candidate after one ending at `end`: the next
/// byte, or, for an empty literal, the next character.
fn after(line: &[u8], end: usize, empty: bool) -> usize {
    let mut next = end + 1;
    if empty {
        while next < line.len() && line[next] & 0xC0 == 0x80 {
            next += 1;
        }
    }
    next
}

/// The first occurrence of `lit` (not empty) in `hay`. Literals are short
/// and near: looking for their first byte and comparing the rest beats a
/// general substring search.
fn find(hay: &[u8], lit: &[u8]) -> Option<usize> {
    let (first, tail) = lit.split_first()?;
    let mut from = 0;
    while let Some(i) = memchr::memchr(*first, &hay[from..]) {
        let at = from + i;
        let after = &hay[at + 1..];
        if after.len() >= tail.len() && same(&after[..tail.len()], tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Byte by byte: a call to memcmp costs more than the few bytes of a literal.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}
