//! Lines out of history files, with bounded memory: forwards (plain files,
//! and `.gz` through decompression from its start or from an access point
//! of the index, `gzread.rs`, where the first bytes may end a line begun
//! before) by the forward reader (`forward.rs`), and line starts backwards
//! by the backward reader (`blocks.rs`).
//!
//! Every byte read (decompressed, for `.gz`) is paid from a request's
//! `Budget`, so that no request reads without end; a line keeps at most
//! `cap` bytes (the stream's `max_line_bytes`), the rest only counted.

use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::blocks::{Blocks, Step};
use super::forward::Chunks;
use super::source::Source;

/// Bytes read at a time, forwards or backwards.
pub const BLOCK: usize = 64 * 1024;

/// One line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Where it starts.
    pub offset: u64,
    /// Where the next line starts (after the newline, if it has one).
    pub end: u64,
    /// Its bytes without the line ending, at most `cap` of them.
    pub bytes: Vec<u8>,
    /// Bytes cut beyond `cap`.
    pub dropped: usize,
}

/// What a request may still read, until when, and whether its client is
/// still there: checked at every block, an error once spent (see [`Spent`]).
#[derive(Debug)]
pub struct Budget {
    left: u64,
    deadline: Option<Instant>,
    cancel: Option<Arc<AtomicBool>>,
}

/// Why a request's reading stopped short, when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    Bytes,
    Time,
    /// The client went away (or the daemon is stopping).
    Cancelled,
}

impl Budget {
    pub fn new(bytes: u64) -> Budget {
        Budget {
            left: bytes,
            deadline: None,
            cancel: None,
        }
    }

    /// The same, spent at `deadline` or once `cancel` is set.
    pub fn until(self, deadline: Instant, cancel: Arc<AtomicBool>) -> Budget {
        Budget {
            deadline: Some(deadline),
            cancel: Some(cancel),
            ..self
        }
    }

    fn spend(&mut self, n: usize) -> io::Result<()> {
        let spent = match self.left.checked_sub(n as u64) {
            None => Some(Spent::Bytes),
            Some(_) if self.deadline.is_some_and(|d| Instant::now() >= d) => Some(Spent::Time),
            Some(_) if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) => Some(Spent::Cancelled),
            Some(left) => {
                self.left = left;
                None
            }
        };
        match spent {
            None => Ok(()),
            Some(why) => Err(io::Error::new(why.kind(), "budget")),
        }
    }
}

impl Spent {
    fn kind(self) -> io::ErrorKind {
        match self {
            Spent::Bytes => io::ErrorKind::OutOfMemory,
            Spent::Time => io::ErrorKind::TimedOut,
            Spent::Cancelled => io::ErrorKind::ConnectionAborted,
        }
    }

    /// The budget `e` says was spent, if it is one (any other error is the file's).
    pub fn of(e: &io::Error) -> Option<Spent> {
        [Spent::Bytes, Spent::Time, Spent::Cancelled]
            .into_iter()
            .find(|s| s.kind() == e.kind() && e.get_ref().is_some_and(|r| r.to_string() == "budget"))
    }
}

/// Lines of `r` read forwards by the one forward reader (`forward.rs`);
/// `start` is the offset `r` stands at. `visit` gets each line, the
/// unfinished last one too, until it returns false.
pub fn scan<R: Read>(
    r: R,
    start: u64,
    cap: usize,
    budget: &mut Budget,
    mut visit: impl FnMut(Line) -> bool,
) -> io::Result<()> {
    let mut chunks = Chunks::new(r, start, BLOCK, cap);
    let mut paid = 0;
    loop {
        let step = chunks.next_chunk()?;
        budget.spend((chunks.read() - paid) as usize)?;
        paid = chunks.read();
        let c = match step {
            Step::End => return Ok(()),
            Step::Nothing => continue,
            Step::Lines(c) => c,
        };
        let buf = chunks.buf();
        for (from, to) in c.lines(buf) {
            let offset = c.offset(from);
            let len = (c.offset(to) - offset) as usize;
            let mut bytes = buf[from..to.min(from + cap)].to_vec();
            let dropped = len - bytes.len();
            if dropped == 0 && bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
            let end = c.after(to);
            if !visit(Line {
                offset,
                end,
                bytes,
                dropped,
            }) {
                return Ok(());
            }
        }
    }
}

/// Skips the end of a line begun before `r`'s first byte, up to its newline
/// (or the end): the bytes skipped.
pub fn skip_line<R: BufRead>(r: &mut R, budget: &mut Budget) -> io::Result<u64> {
    let mut skipped = 0;
    loop {
        let bytes = r.fill_buf()?;
        let nl = memchr::memchr(b'\n', bytes);
        let n = nl.map_or(bytes.len(), |i| i + 1);
        budget.spend(n)?;
        r.consume(n);
        skipped += n as u64;
        if nl.is_some() || n == 0 {
            return Ok(skipped);
        }
    }
}

/// The start of the earliest of the (at most) `n` lines that start before
/// `offset` (itself a line start or the end) of `src`, read backwards in
/// blocks of `BLOCK` bytes by the one backward reader (`blocks.rs`); `None`
/// if no line starts before `offset`.
pub fn start_of_last<S: Source + ?Sized>(
    src: &S,
    offset: u64,
    n: usize,
    budget: &mut Budget,
) -> io::Result<Option<u64>> {
    if offset == 0 || n == 0 {
        return Ok(None);
    }
    // Only line starts are wanted: a long line's text need not be kept.
    let upto = Upto(src, offset);
    let mut blocks = Blocks::new(&upto, BLOCK, 0)?;
    let (mut found, mut paid) = (0, 0);
    loop {
        let r = match blocks.next_region()? {
            Step::End => return Ok(Some(0)),
            Step::Nothing => None,
            Step::Lines(r) => Some(r),
        };
        budget.spend((blocks.scanned() - paid) as usize)?;
        paid = blocks.scanned();
        let Some(r) = r else { continue };
        // The region's line starts, newest first: after each `\n` but its last, then `from`.
        let newlines = memchr::memrchr_iter(b'\n', &blocks.buf()[r.from..r.to]).map(|i| r.from + i + 1);
        for start in newlines.chain([r.from]) {
            found += 1;
            if found == n {
                return Ok(Some(r.base + start as u64));
            }
        }
    }
}

/// A source read only up to `end`.
struct Upto<'a, S: ?Sized>(&'a S, u64);

impl<S: Source + ?Sized> Source for Upto<'_, S> {
    fn size(&self) -> io::Result<u64> {
        Ok(self.0.size()?.min(self.1))
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let left = self.1.saturating_sub(offset).min(buf.len() as u64) as usize;
        self.0.read_at(&mut buf[..left], offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(text: &[u8], start: u64, cap: usize) -> Vec<(u64, String, usize)> {
        let mut got = Vec::new();
        let mut budget = Budget::new(u64::MAX);
        scan(&text[start as usize..], start, cap, &mut budget, |l| {
            got.push((l.offset, String::from_utf8(l.bytes).unwrap(), l.dropped));
            true
        })
        .unwrap();
        got
    }

    #[test]
    fn forwards_with_cap_crlf_and_an_unfinished_line() {
        let text = b"one\r\ntwo\n\nlong line\nend";
        let got = lines_of(text, 0, 4);
        let want = [
            (0, "one", 0),
            (5, "two", 0),
            (9, "", 0),
            (10, "long", 5),
            (20, "end", 0),
        ];
        let want: Vec<_> = want.iter().map(|(o, s, d)| (*o, s.to_string(), *d)).collect();
        assert_eq!(got, want);
        assert_eq!(lines_of(text, 5, 100)[0].1, "two");
    }

    /// Text whose line `i` is `line {i}` padded to vary lengths across blocks.
    fn numbered(n: usize) -> (Vec<u8>, Vec<u64>) {
        let (mut text, mut starts) = (Vec::new(), Vec::new());
        for i in 0..n {
            starts.push(text.len() as u64);
            text.extend(format!("line {i} {}\n", "x".repeat(i * 7919 % 30_000)).as_bytes());
        }
        (text, starts)
    }

    #[test]
    fn backwards_across_blocks() {
        let (text, starts) = numbered(200);
        let r = &text[..];
        let mut budget = Budget::new(u64::MAX);
        for (k, &end) in starts.iter().enumerate().skip(1).step_by(7) {
            for n in [1, 3, 50, 500] {
                let got = start_of_last(r, end, n, &mut budget).unwrap();
                assert_eq!(got, Some(starts[k.saturating_sub(n)]), "{n} lines before line {k}");
            }
        }
        let len = text.len() as u64;
        assert_eq!(start_of_last(r, len, 2, &mut budget).unwrap(), Some(starts[198]));
        assert_eq!(start_of_last(r, 0, 2, &mut budget).unwrap(), None);
        let unfinished = b"a\nbc";
        let got = start_of_last(&unfinished[..], 4, 1, &mut budget).unwrap();
        assert_eq!(got, Some(2), "an unfinished last line is a line");
    }

    #[test]
    fn memory_and_reads_are_bounded() {
        let (text, _) = numbered(400);
        let mut budget = Budget::new(3 * BLOCK as u64);
        let r = start_of_last(&text[..], text.len() as u64, 1000, &mut budget);
        assert_eq!(
            Spent::of(&r.unwrap_err()),
            Some(Spent::Bytes),
            "{} bytes read with a budget of 3 blocks",
            text.len()
        );
        let mut budget = Budget::new(BLOCK as u64);
        let r = scan(&text[..], 0, 10, &mut budget, |_| true);
        assert_eq!(Spent::of(&r.unwrap_err()), Some(Spent::Bytes));
        let cancel = Arc::new(AtomicBool::new(false));
        let mut budget =
            Budget::new(u64::MAX).until(Instant::now() + std::time::Duration::from_secs(60), cancel.clone());
        let mut lines = 0;
        let r = scan(&text[..], 0, 10, &mut budget, |_| {
            lines += 1;
            if lines == 3 {
                cancel.store(true, Ordering::Relaxed);
            }
            true
        });
        assert_eq!(Spent::of(&r.unwrap_err()), Some(Spent::Cancelled), "{lines} lines");
        let mut budget = Budget::new(u64::MAX).until(Instant::now(), cancel);
        let r = scan(&text[..], 0, 10, &mut budget, |_| true);
        assert_eq!(Spent::of(&r.unwrap_err()), Some(Spent::Time));
    }
}
