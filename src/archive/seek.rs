//! Finding a place: the first line at or after a time (`at=`), and the line
//! that is `k` lines on from a recorded place (`seq:` positions).
//!
//! Files are in time order, and so are the lines in each: the file is the
//! newest whose first line is not later than the time, and in a plain file
//! the line is found by bisecting byte offsets (each probe reads the line
//! after the probe's offset) down to one block, then read forwards. In a
//! `.gz` file it is found by reading forwards from the last access point of
//! the index (`gzindex.rs`) whose line's time is before the time, or from
//! the file's start (which leaves points for the next time). Lines without
//! a time are passed over.

use std::io;

use super::gzindex;
use super::read::BLOCK;
use super::reader::Reader;
use super::time;

/// How many lines after a probe (or a `.gz` access point) are tried for a time.
pub(super) const PROBE_LINES: usize = 16;

impl Reader<'_> {
    /// The first line of the history at or after `t`: file and offset;
    /// `None` if every line is older.
    pub fn first_at(&mut self, t: f64) -> io::Result<Option<(usize, u64)>> {
        let oldest = self.files.len().saturating_sub(1);
        let mut i = oldest;
        for j in 0..self.files.len() {
            if self.first_time(j)?.is_some_and(|first| first <= t) {
                i = j;
                break;
            }
        }
        loop {
            if let Some(offset) = self.first_in_file(i, t)? {
                return Ok(Some((i, offset)));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    /// The time of the first line of file `i` that has one.
    pub(crate) fn first_time(&mut self, i: usize) -> io::Result<Option<f64>> {
        self.timed_from(i, 0, u64::MAX).map(|found| found.map(|(_, t)| t))
    }

    /// The first line with a time among `PROBE_LINES` lines from `offset`
    /// (a line start) that starts before `limit`: its offset and time.
    fn timed_from(&mut self, i: usize, offset: u64, limit: u64) -> io::Result<Option<(u64, f64)>> {
        let (mut found, mut seen) = (None, 0);
        let layout = self.layout;
        self.visit(i, offset, |l| {
            seen += 1;
            if l.offset >= limit {
                return false;
            }
            found = time::of_line(layout, &l.bytes).map(|t| (l.offset, t));
            found.is_none() && seen < PROBE_LINES
        })?;
        Ok(found)
    }

    /// The offset of the first line of file `i` at or after `t`, if any.
    pub(crate) fn first_in_file(&mut self, i: usize, t: f64) -> io::Result<Option<u64>> {
        let (mut lo, mut hi) = match self.files[i].gz {
            true => {
                let start = gzindex::SHARED.before_time(&self.gz_key(i), t).unwrap_or(0);
                (start, start)
            }
            false => (0, self.files[i].size),
        };
        while hi - lo > BLOCK as u64 {
            let mid = lo + (hi - lo) / 2;
            let Some(start) = self.line_start_after(i, mid)? else {
                hi = mid;
                continue;
            };
            match self.timed_from(i, start, hi)? {
                Some((at, when)) if when < t => lo = at.max(start),
                Some(_) => hi = start,
                None => hi = mid,
            }
        }
        let (mut found, layout) = (None, self.layout);
        self.visit(i, lo, |l| {
            found = time::of_line(layout, &l.bytes)
                .filter(|&when| when >= t)
                .map(|_| l.offset);
            found.is_none()
        })?;
        Ok(found)
    }

    /// The start of the first line that begins after byte `pos` of file `i`.
    fn line_start_after(&mut self, i: usize, pos: u64) -> io::Result<Option<u64>> {
        let (text, start) = self.text_from(i, pos)?;
        let (mut next, cap, size) = (None, self.cap, self.files[i].size);
        super::read::scan(text, start, cap, &mut self.budget, |l| {
            next = (l.end > l.offset && l.end < size).then_some(l.end);
            false
        })?;
        Ok(next)
    }

    /// The offset of the line `k` lines on from the line at `offset` of file `i`.
    pub fn lines_on(&mut self, i: usize, offset: u64, k: u64) -> io::Result<Option<u64>> {
        let (mut seen, mut found) = (0, None);
        self.visit(i, offset, |l| {
            if seen == k {
                found = Some(l.offset);
                return false;
            }
            seen += 1;
            true
        })?;
        Ok(found)
    }
}
