//! Reading pages: lines before or from a place, across the stream's files
//! (older ones after the first, newer ones after the last), and the page
//! the client gets.
//!
//! A plain file is read backwards from the place in blocks (`read.rs`). A
//! `.gz` file can only be read from its start, so every page in it
//! decompresses the file up to the place (about 300 MB of text a second on
//! one core): no index is kept, the cost is the request's, bounded by its
//! budget.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use flate2::read::MultiGzDecoder;

use super::files::HistoryFile;
use super::read::{self, Budget, Line};
use super::time;
use crate::layout::Layout;
use crate::protocol::history::{Page, PageLine};
use crate::protocol::truncation_marker;

/// A line and the index of its file.
pub type Found = (usize, Line);

/// One request's view of a stream's files.
pub struct Reader<'a> {
    /// The stream's history files, newest first.
    pub files: Vec<HistoryFile>,
    pub layout: &'a Layout,
    /// Bytes kept of a line.
    pub cap: usize,
    pub budget: Budget,
    /// The newest line read by the follower: file and offset, if known.
    pub live: Option<(usize, u64)>,
    /// Where numbered lines are in these files (`hub/places.rs`).
    pub places: Vec<Numbered>,
}

/// Lines `seq` .. `seq + count` start at `offset` of file `file`, one after the other.
#[derive(Debug, Clone, Copy)]
pub struct Numbered {
    pub file: usize,
    pub offset: u64,
    pub seq: u64,
    pub count: u64,
}

impl Reader<'_> {
    /// The file's text from `offset` on (decompressed from its start for `.gz`).
    pub fn text_from(&mut self, i: usize, offset: u64) -> io::Result<(Box<dyn Read>, u64)> {
        let f = &self.files[i];
        let mut file: File = f.open()?;
        if f.gz {
            let decoder = MultiGzDecoder::new(BufReader::with_capacity(read::BLOCK, file));
            return Ok((Box::new(decoder), 0));
        }
        file.seek(SeekFrom::Start(offset))?;
        Ok((Box::new(file), offset))
    }

    /// Visits the lines of file `i` from the line at or after `offset` (a line start).
    pub fn visit(&mut self, i: usize, offset: u64, mut visit: impl FnMut(Line) -> bool) -> io::Result<()> {
        let (text, start) = self.text_from(i, offset)?;
        let cap = self.cap;
        read::scan(text, start, cap, &mut self.budget, |l| l.offset < offset || visit(l))
    }

    /// At most `n` lines of file `i` that start before `offset`.
    fn file_before(&mut self, i: usize, offset: u64, n: usize) -> io::Result<Vec<Line>> {
        if self.files[i].gz {
            let mut last = VecDeque::with_capacity(n);
            self.visit(i, 0, |l| {
                if l.offset >= offset {
                    return false;
                }
                if last.len() == n {
                    last.pop_front();
                }
                last.push_back(l);
                true
            })?;
            return Ok(last.into());
        }
        let mut file = self.files[i].open()?;
        let end = offset.min(file.metadata()?.len());
        let Some(start) = read::start_of_last(&mut file, end, n, &mut self.budget)? else {
            return Ok(Vec::new());
        };
        file.seek(SeekFrom::Start(start))?;
        let mut lines = Vec::new();
        read::scan(file.take(end - start), start, self.cap, &mut self.budget, |l| {
            lines.push(l);
            true
        })?;
        Ok(lines)
    }

    /// At most `n` lines of file `i` from the line at `offset` on, up to the newest line read.
    fn file_from(&mut self, i: usize, offset: u64, n: usize) -> io::Result<Vec<Line>> {
        let until = self.live.filter(|(f, _)| *f == i).map_or(u64::MAX, |(_, o)| o);
        let mut lines = Vec::new();
        if n > 0 {
            self.visit(i, offset, |l| {
                if l.offset > until {
                    return false;
                }
                lines.push(l);
                lines.len() < n
            })?;
        }
        Ok(lines)
    }

    /// At most `n` lines before `offset` of file `i`, then of older files; oldest first.
    pub fn before(&mut self, mut i: usize, mut offset: u64, n: usize) -> io::Result<Vec<Found>> {
        let mut found: Vec<Found> = Vec::new();
        loop {
            let chunk = self.file_before(i, offset, n - found.len())?;
            found = chunk.into_iter().map(|l| (i, l)).chain(found).collect();
            if found.len() >= n || i + 1 >= self.files.len() {
                return Ok(found);
            }
            (i, offset) = (i + 1, u64::MAX);
        }
    }

    /// At most `n` lines from `offset` of file `i` on, then of newer files; oldest first.
    pub fn from(&mut self, mut i: usize, mut offset: u64, n: usize) -> io::Result<Vec<Found>> {
        let mut found: Vec<Found> = Vec::new();
        loop {
            let chunk = self.file_from(i, offset, n - found.len())?;
            found.extend(chunk.into_iter().map(|l| (i, l)));
            let at_live = self.live.is_some_and(|(f, _)| f == i);
            if found.len() >= n || i == 0 || at_live {
                return Ok(found);
            }
            (i, offset) = (i - 1, 0);
        }
    }

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
        read::scan(text.take(to - from), start, cap, &mut self.budget, |_| {
            count += 1;
            true
        })
        .ok()?;
        Some(count)
    }

    /// A line as pages give it.
    pub fn line(&self, i: usize, l: Line, seq: Option<u64>) -> PageLine {
        let f = &self.files[i];
        let mut text = String::from_utf8_lossy(&l.bytes).into_owned();
        if l.dropped > 0 {
            text.push_str(&truncation_marker(l.dropped));
        }
        PageLine {
            time: time::of_line(self.layout, &l.bytes),
            text,
            cursor: f.cursor(l.offset).encode(),
            seq,
        }
    }
}
