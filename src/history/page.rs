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

    /// At most `n` lines of file `i` from the line at `offset` on.
    fn file_from(&mut self, i: usize, offset: u64, n: usize) -> io::Result<Vec<Line>> {
        let mut lines = Vec::new();
        if n > 0 {
            self.visit(i, offset, |l| {
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
            if found.len() >= n || i == 0 {
                return Ok(found);
            }
            (i, offset) = (i - 1, 0);
        }
    }

    /// The page of `found` lines of `stream`.
    pub fn page(&self, stream: &str, found: Vec<Found>, focus: Option<usize>) -> Page {
        let oldest = self.files.len().saturating_sub(1);
        let before = found
            .first()
            .filter(|(i, l)| *i != oldest || l.offset > 0)
            .map(|(i, l)| self.files[*i].cursor(l.offset).encode());
        let newest_end = self.files.first().map_or(0, |f| f.size);
        let after = found
            .last()
            .filter(|(i, l)| *i != 0 || l.end < newest_end)
            .map(|(i, l)| self.files[*i].cursor(l.offset).encode());
        let lines = found.into_iter().map(|(i, l)| self.line(i, l)).collect();
        Page {
            stream: stream.to_string(),
            lines,
            before,
            after,
            focus,
        }
    }

    /// A line as pages give it.
    pub fn line(&self, i: usize, l: Line) -> PageLine {
        let f = &self.files[i];
        let mut text = String::from_utf8_lossy(&l.bytes).into_owned();
        if l.dropped > 0 {
            text.push_str(&truncation_marker(l.dropped));
        }
        PageLine {
            cursor: f.cursor(l.offset).encode(),
            file: f.name.clone(),
            t: time::of_line(self.layout, &l.bytes),
            text,
        }
    }
}
