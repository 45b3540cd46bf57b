//! The page a client gets: lines read by the archive's [`Reader`], with
//! their texts (the one line-text rule), times and cursors, and the
//! cursors that page on.

use std::io::{self, Read};
use std::path::Path;

use crate::archive::read::{self, Budget, Line};
use crate::archive::reader::{Found, Reader};
use crate::archive::{Cursor, HistoryFile, time};
use crate::layout::Layout;
use crate::protocol::history::{Page, PageLine};
use crate::protocol::line_text;

impl Reader<'_> {
    /// The page of `found` lines of `stream`.
    pub fn page(&mut self, stream: &str, found: Vec<Found>, index: Option<usize>) -> Page {
        let oldest = self.files.len().saturating_sub(1);
        let before = found
            .first()
            .filter(|(i, l)| *i != oldest || l.offset > 0)
            .map(|(i, l)| self.files[*i].cursor(l.offset).encode());
        let newest_end = self.files.first().map_or(0, |f| f.size);
        let live = self.live;
        let at_end = |i: usize, l: &Line| match live {
            Some(live) => (i, l.offset) == live,
            None => i == 0 && l.end >= newest_end,
        };
        let after = found
            .last()
            .filter(|(i, l)| !at_end(*i, l))
            .map(|(i, l)| self.files[*i].cursor(l.offset).encode());
        let seqs = self.numbers(&found);
        let lines = found
            .into_iter()
            .zip(seqs)
            .map(|((i, l), seq)| self.line(i, l, seq))
            .collect();
        Page {
            stream: stream.to_string(),
            lines,
            before,
            after,
            index,
            failed: self.failed.clone(),
        }
    }

    /// The numbers of `found` lines, where the places know them.
    fn numbers(&mut self, found: &[Found]) -> Vec<Option<u64>> {
        let mut seqs = Vec::with_capacity(found.len());
        let mut prev: Option<(usize, usize, u64)> = None;
        for (i, l) in found {
            let j = (self.places.iter().enumerate())
                .filter(|(_, p)| p.file == *i && p.offset <= l.offset)
                .max_by_key(|(_, p)| p.offset)
                .map(|(j, _)| j);
            let k = match (j, prev) {
                (Some(j), Some((pi, pj, pk))) if (pi, pj) == (*i, j) => Some(pk + 1),
                (Some(j), _) => self.count_lines(*i, self.places[j].offset, l.offset),
                _ => None,
            };
            prev = j.zip(k).map(|(j, k)| (*i, j, k));
            let p = |j: usize| self.places[j];
            seqs.push(prev.filter(|(_, j, k)| *k < p(*j).count).map(|(_, j, k)| p(j).seq + k));
        }
        seqs
    }

    /// Newlines in file `i` from `from` to `to`, if that is near.
    fn count_lines(&mut self, i: usize, from: u64, to: u64) -> Option<u64> {
        if to - from > 4 * crate::hub::SPACING {
            return None;
        }
        let (text, start) = self.text_from(i, from).ok()?;
        let mut count = 0;
        let cap = self.cap;
        read::scan(text.take(to.saturating_sub(start)), start, cap, &mut self.budget, |l| {
            count += u64::from(l.offset >= from);
            true
        })
        .ok()?;
        Some(count)
    }

    /// A line as pages give it.
    pub fn line(&self, i: usize, l: Line, seq: Option<u64>) -> PageLine {
        let f = &self.files[i];
        PageLine {
            time: time::of_line(self.layout, &l.bytes),
            text: line_text(&l.bytes, l.dropped).into_owned(),
            cursor: f.cursor(l.offset).encode(),
            seq,
            stream: None,
        }
    }
}

/// The page `/history?before=` gives of the log at `path` read with
/// `layout`, but without a stream (so no numbers and no live end): the
/// `limit` lines before the line of cursor `before`, or the newest lines.
/// The benchmark's way in.
pub fn page_back(path: &Path, layout: &Layout, before: Option<&str>, limit: usize) -> io::Result<Page> {
    let mut r = Reader::new(path, layout, 64 << 10, Budget::new(super::BUDGET));
    let place = |files: &[HistoryFile], cursor: &str| {
        let c = Cursor::decode(cursor).map_err(io::Error::other)?;
        let i = files
            .iter()
            .position(|f| f.is(c.dev, c.ino, u64::from(c.head_len), c.head));
        Ok::<_, io::Error>((i.ok_or_else(|| io::Error::other("the cursor names no file"))?, c.offset))
    };
    let (i, offset) = match before {
        Some(cursor) => place(&r.files, cursor)?,
        None => (0, u64::MAX),
    };
    let found = match r.files.is_empty() {
        true => Vec::new(),
        false => r.before(i, offset, limit)?,
    };
    Ok(r.page("", found, None))
}
