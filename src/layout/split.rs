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
//! Most lines take the first occurrence of every literal, so that split is
//! tried first, straight through ([`Layout::first_fit`]); the search runs
//! only when one of its values does not fit, and gives the same answer for
//! the lines both take (a property test holds them to it). Literals are
//! found sixteen bytes at a time (`layout/byte.rs`).
//!
//! Nothing is allocated: the fields found so far (`out`) are the search's
//! stack. static/layout.js `splitText` is the same algorithm, candidate for
//! candidate.

use std::ops::Range;

use super::Layout;
use super::grammar::{Fit, Grammar};

/// The candidates a line may try: a few per field, and some to spare for
/// lists of many upstreams.
pub fn budget(fields: usize) -> usize {
    32 + 8 * fields
}

impl Layout {
    /// The fields' byte ranges in `line`, written to `out`; false if the line does not fit.
    pub fn split(&self, line: &[u8], out: &mut Vec<Range<usize>>) -> bool {
        out.clear();
        self.first_fit(line, out) || self.search(line, out)
    }

    /// The usual line: every field ends at the first occurrence of the
    /// literal after it, and every value fits. The search below would
    /// take these same first candidates; this finds them without its
    /// bookkeeping, and leaves `out` empty when any does not fit.
    fn first_fit(&self, line: &[u8], out: &mut Vec<Range<usize>>) -> bool {
        let Some((first, rest)) = self.parts.split_first() else {
            return false;
        };
        let Some((last, lits)) = rest.split_last() else {
            return false;
        };
        if !first.is_at(line, 0) {
            return false;
        }
        let mut start = first.len();
        for (lit, field) in lits.iter().zip(&self.fields) {
            let Some(end) = lit.find(line, start) else {
                break;
            };
            if !self.fits(field.grammar, line, start..end, lit.bytes()) {
                break;
            }
            out.push(start..end);
            start = end + lit.len();
        }
        let end = line.len().wrapping_sub(last.len());
        let done = out.len() == lits.len()
            && end >= start
            && end <= line.len()
            && last.is_at(line, end)
            && self.fits(self.fields[lits.len()].grammar, line, start..end, last.bytes());
        if done {
            out.push(start..end);
        } else {
            out.clear();
        }
        done
    }

    /// Whether the value at `span` fits `grammar`, `lit` following it.
    #[inline(always)]
    fn fits(&self, grammar: Grammar, line: &[u8], span: Range<usize>, lit: &[u8]) -> bool {
        grammar.fit(&line[span.clone()], self.escape) == Fit::Yes && !grammar.goes_on(&line[span.end..], lit)
    }

    /// The first split, field by field, in which every value fits.
    fn search(&self, line: &[u8], out: &mut Vec<Range<usize>>) -> bool {
        let Some((first, rest)) = self.parts.split_first() else {
            return false;
        };
        if !first.is_at(line, 0) {
            return false;
        }
        let mut budget = budget(rest.len());
        // The current field starts at `start`; its next candidate end is looked for from `from`.
        let (mut start, mut from) = (first.len(), first.len());
        while out.len() < rest.len() {
            let i = out.len();
            let lit = rest[i].bytes();
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
        let lit = &self.parts[i + 1];
        if from > line.len() {
            return None;
        }
        if i + 2 == self.parts.len() {
            let end = line.len().checked_sub(lit.len())?;
            return (from == start && end >= start && lit.is_at(line, end)).then_some(end);
        }
        if lit.is_empty() {
            return Some(from);
        }
        lit.find(line, from)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{COMBINED, Escape};
    use proptest::prelude::*;

    /// Formats whose literals and grammars make the first occurrence wrong
    /// now and then: lists, quotes, numbers beside text.
    fn layouts() -> Vec<Layout> {
        let upstream = r#"$remote_addr [$time_local] "$request" $status $upstream_addr $upstream_status $upstream_response_time $request_time"#;
        vec![
            Layout::text("combined", COMBINED, Escape::Default),
            Layout::text("json", &COMBINED.replace('"', r#"\""#), Escape::Json),
            Layout::text("upstream", upstream, Escape::Default),
            Layout::text("tail", "$remote_addr $status $request_time", Escape::None),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Lines made of each layout's literals with values made of the
        /// pieces that literals and values are made of: the usual-line
        /// path says what the search says, or leaves the line to it.
        #[test]
        fn the_usual_line_path_agrees_with_the_search(
            values in proptest::collection::vec(proptest::collection::vec(prop_oneof![
                Just("200"), Just("0.001"), Just(", "), Just(" : "), Just(" "), Just("\""),
                Just("\\\""), Just("\\"), Just("-"), Just("["), Just("]"), Just("GET / HTTP/1.1"),
                Just("10.0.0.1"), Just("30/Nov/2026:14:02:03 +0000"), Just("x"),
            ], 1..3), 9)
        ) {
            for layout in layouts() {
                let parts = layout.info().parts;
                let mut line = parts[0].clone();
                for (value, lit) in values.iter().zip(&parts[1..]) {
                    line += &value.concat();
                    line += lit;
                }
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                let found = layout.search(line.as_bytes(), &mut slow);
                if layout.first_fit(line.as_bytes(), &mut fast) {
                    prop_assert!(found, "{}: {line:?}", layout.format);
                    prop_assert_eq!(&fast, &slow, "{}: {:?}", layout.format, line);
                } else {
                    prop_assert!(fast.is_empty());
                }
            }
        }
    }

    #[test]
    fn a_usual_combined_line_takes_the_first_occurrences() {
        let layout = Layout::text("combined", COMBINED, Escape::Default);
        let line = br#"10.0.0.1 - - [30/Nov/2026:14:02:03 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8""#;
        let mut spans = Vec::new();
        assert!(layout.first_fit(line, &mut spans));
        let values: Vec<&[u8]> = spans.iter().map(|r| &line[r.clone()]).collect();
        assert_eq!(values[3], b"GET / HTTP/1.1");
        assert_eq!(values[7], b"curl/8");
    }
}
