//! Files read forwards: the one forward reader. A page's lines from a place
//! (`read::scan`, for plain and `.gz` files alike) and a search's `.gz`
//! files (`search/gzip.rs`) are both read through it.
//!
//! [`Chunks`] reads any byte source (a plain file's part, a decompressed
//! `.gz`) into a buffer of `chunk` bytes at a time and hands out the
//! complete lines in it at once, as a [`Chunk`]. The partial line at the
//! buffer's end is *carried*: moved to the buffer's front, and the next
//! chunk read behind it. A carried line longer than `max_line + 1` bytes
//! (the ones a line's text may hold, and one more to know it was cut) is cut
//! there and the rest of it skipped up to its `\n`, so memory stays at one
//! chunk plus one line, and the offsets after a cut still count the bytes
//! skipped:
//!
//! ```text
//! [ carry (≤ max_line + 1) | chunk read behind it ..... \n | rest ]
//!   ^ carry_off              ^ data_off                   ^ `to`
//! ```

use std::io::{self, Read};

use memchr::{memchr, memrchr};

use super::blocks::Step;

/// The complete lines of a chunk: `buf[0..to]`, and `buf[to]` is their last
/// `\n` unless the source ended without one; and how the buffer's indices
/// map to offsets in the source.
#[derive(Clone, Copy, Debug)]
pub struct Chunk {
    pub to: usize,
    /// Whether `buf[to]` is a `\n` (else the last line is unfinished).
    pub newline: bool,
    /// Bytes carried from the previous chunk, and the offset of the first.
    carry: usize,
    carry_off: u64,
    /// Offset of the byte at `buf[carry]`.
    data_off: u64,
}

impl Chunk {
    /// The offset of `buf[i]`.
    pub fn offset(&self, i: usize) -> u64 {
        if i < self.carry {
            self.carry_off + i as u64
        } else {
            self.data_off + (i - self.carry) as u64
        }
    }

    /// The index of the byte at offset `off`, if it is in this chunk.
    pub fn index(&self, off: u64) -> Option<usize> {
        let i = if off >= self.carry_off && off < self.carry_off + self.carry as u64 {
            (off - self.carry_off) as usize
        } else if off >= self.data_off {
            self.carry + (off - self.data_off) as usize
        } else {
            return None;
        };
        (i <= self.to).then_some(i)
    }

    /// The offset after the line that ends at `end` (past its `\n`, if it
    /// has one: every line but an unfinished last).
    pub fn after(&self, end: usize) -> u64 {
        self.offset(end) + u64::from(end < self.to || self.newline)
    }

    /// Each line's `start..end` in the buffer (`end` at its `\n` or the
    /// chunk's end), in order.
    pub fn lines<'b>(&self, buf: &'b [u8]) -> impl Iterator<Item = (usize, usize)> + 'b {
        let (to, stop) = (self.to, self.to + usize::from(self.newline));
        let mut i = 0;
        std::iter::from_fn(move || {
            (i < stop).then(|| {
                let end = memchr(b'\n', &buf[i..to]).map_or(to, |j| i + j);
                let line = (i, end);
                i = end + 1;
                line
            })
        })
    }
}

/// A source's lines forwards, a chunk at a time.
pub struct Chunks<R> {
    src: R,
    buf: Vec<u8>,
    chunk: usize,
    max_line: usize,
    /// The partial line at the buffer's start, its offset, and whether it
    /// was cut (the rest of it, up to its `\n`, is skipped).
    carry: usize,
    carry_off: u64,
    cut: bool,
    /// Where the bytes after the last chunk lie in the buffer.
    rest: (usize, usize, u64),
    /// The offset after the last byte read, and the first one's.
    out: u64,
    start: u64,
    done: bool,
    /// An error met after some bytes of a chunk: given by the next fill,
    /// so that the lines before the damage are still handed out.
    damage: Option<io::Error>,
}

impl<R: Read> Chunks<R> {
    /// The lines of `src`, which stands at offset `start`.
    pub fn new(src: R, start: u64, chunk: usize, max_line: usize) -> Chunks<R> {
        let chunk = chunk.max(1);
        Chunks {
            src,
            buf: vec![0; chunk + max_line + 2],
            chunk,
            max_line,
            carry: 0,
            carry_off: start,
            cut: false,
            rest: (0, 0, start),
            out: start,
            start,
            done: false,
            damage: None,
        }
    }

    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// The source, to ask how far it got (a decoder's compressed bytes).
    pub fn source(&self) -> &R {
        &self.src
    }

    /// Bytes read from the source so far.
    pub fn read(&self) -> u64 {
        self.out - self.start
    }

    /// The next chunk's complete lines, `Nothing` when a chunk held no line
    /// end (a long line, or bytes without `\n`), or `End`.
    pub fn next_chunk(&mut self) -> io::Result<Step<Chunk>> {
        self.take_rest();
        if self.done {
            return Ok(Step::End);
        }
        let n = self.fill()?;
        let mut data_off = self.out;
        self.out += n as u64;
        let mut filled = self.carry + n;
        if self.cut {
            let skip = memchr(b'\n', &self.buf[self.carry..filled]).unwrap_or(n);
            self.buf.copy_within(self.carry + skip..filled, self.carry);
            filled -= skip;
            data_off += skip as u64;
            self.cut = skip == n;
        }
        self.done = n == 0;
        let (to, newline) = match memrchr(b'\n', &self.buf[..filled]) {
            Some(to) => (to, true),
            None if self.done && filled > 0 => (filled, false),
            None => {
                self.carry = filled;
                self.cut_carry();
                // The next call goes on with this carry.
                self.rest = (0, self.carry, self.carry_off);
                return Ok(if self.done { Step::End } else { Step::Nothing });
            }
        };
        let c = Chunk {
            to,
            newline,
            carry: self.carry,
            carry_off: self.carry_off,
            data_off,
        };
        let after = to + usize::from(newline);
        self.rest = (after, filled.max(after), c.offset(after));
        Ok(Step::Lines(c))
    }

    /// Moves the bytes after the last chunk to the buffer's start.
    fn take_rest(&mut self) {
        let (a, b, off) = self.rest;
        self.buf.copy_within(a..b, 0);
        self.carry = b - a;
        self.carry_off = off;
        self.rest = (0, 0, off);
        self.cut_carry();
    }

    fn cut_carry(&mut self) {
        if self.carry > self.max_line + 1 {
            self.carry = self.max_line + 1;
            self.cut = true;
        }
    }

    /// Reads up to a chunk behind the carry; 0 at the end. An error after
    /// some bytes is kept for the next call.
    fn fill(&mut self) -> io::Result<usize> {
        if let Some(e) = self.damage.take() {
            return Err(e);
        }
        let buf = &mut self.buf[self.carry..self.carry + self.chunk];
        let mut n = 0;
        while n < buf.len() {
            match self.src.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if n == 0 => return Err(e),
                Err(e) => {
                    self.damage = Some(e);
                    break;
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each line's (offset, first `cap + 1` bytes at most, offset after it).
    type Got = Vec<(u64, Vec<u8>, u64)>;

    fn read_all<R: Read>(mut chunks: Chunks<R>, cap: usize) -> io::Result<Got> {
        let mut got = Vec::new();
        loop {
            let c = match chunks.next_chunk()? {
                Step::End => return Ok(got),
                Step::Nothing => continue,
                Step::Lines(c) => c,
            };
            for (from, to) in c.lines(chunks.buf()) {
                let end = c.after(to);
                assert_eq!(c.index(c.offset(from)), Some(from));
                let text = &chunks.buf()[from..to.min(from + cap + 1)];
                got.push((c.offset(from), text.to_vec(), end));
            }
        }
    }

    fn naive(text: &[u8], start: u64, cap: usize) -> Got {
        let mut got = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let end = memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
            let next = (end + 1).min(text.len());
            let keep = &text[at..end.min(at + cap + 1)];
            got.push((start + at as u64, keep.to_vec(), start + next as u64));
            at = end + 1;
        }
        got
    }

    #[test]
    fn lines_match_a_naive_split_at_every_chunk_size() {
        let mut text = Vec::new();
        for i in 0..300usize {
            let len = i * 7919 % 97;
            text.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, len));
            text.push(b'\n');
        }
        text.extend(b"unfinished");
        for chunk in [1, 2, 7, 64, 100, 4096] {
            for cap in [0, 5, 50, 1000] {
                let got = read_all(Chunks::new(&text[..], 10, chunk, cap), cap).unwrap();
                assert_eq!(got, naive(&text, 10, cap), "chunk {chunk}, cap {cap}");
            }
        }
        assert!(read_all(Chunks::new(&b""[..], 0, 8, 8), 8).unwrap().is_empty());
        let got = read_all(Chunks::new(&b"\n\n"[..], 0, 8, 8), 8).unwrap();
        assert_eq!(got, [(0, vec![], 1), (1, vec![], 2)]);
    }

    /// Gives `text`, then fails.
    struct Damaged<'a>(&'a [u8]);

    impl Read for Damaged<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "damaged"));
            }
            self.0.read(buf)
        }
    }

    #[test]
    fn the_lines_before_damage_come_first() {
        let mut chunks = Chunks::new(Damaged(b"one\ntwo\nthr"), 0, 64, 64);
        let Step::Lines(c) = chunks.next_chunk().unwrap() else {
            panic!("no lines")
        };
        assert_eq!(c.lines(chunks.buf()).count(), 2);
        assert_eq!(chunks.next_chunk().unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn memory_stays_at_a_chunk_and_a_line() {
        let mut text = vec![b'x'; 1 << 20];
        text.extend(b"\nshort\n");
        let mut chunks = Chunks::new(&text[..], 0, 4096, 100);
        assert_eq!(chunks.buf().len(), 4096 + 102);
        let mut lines = Vec::new();
        loop {
            match chunks.next_chunk().unwrap() {
                Step::End => break,
                Step::Nothing => {}
                Step::Lines(c) => lines.extend(c.lines(chunks.buf()).map(|(a, b)| (c.offset(a), c.offset(b)))),
            }
        }
        assert_eq!(chunks.buf().len(), 4096 + 102);
        assert_eq!(lines, [(0, 1 << 20), ((1 << 20) + 1, (1 << 20) + 6)]);
    }
}
