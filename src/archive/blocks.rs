//! Plain files, read backwards: the newest lines first, without reading
//! the rest of the file. The one backward reader: a search's plain files
//! (`search/backward.rs`) and a page's lines before a place
//! (`read::start_of_last`) are both read through it.
//!
//! [`Blocks`] reads the file from its end in blocks of a given size with
//! `pread`. A block seldom starts at a line's start: the bytes
//! before its first `\n` are the end of a line that began in an older
//! block. They are *carried*: moved behind the next (older) block when it
//! is read, so that the line is whole again. The buffer is laid out as
//!
//! ```text
//! [ older block ........ | carry (the partial line and its \n) ]
//!   ^ first \n + 1 = the first complete line          ^ `to`
//! ```
//!
//! and every complete line in it is handed out at once. A line longer than a
//! block keeps being carried; once the carry is over `max_line` bytes only
//! its first `max_line + 1` bytes (the ones a line's text may hold, and one
//! more to know it was cut) and its `\n` are kept, so memory stays at one
//! block plus one line. The file's size is taken when the scan starts:
//! lines appended during it are for the live view.

use std::io;

use memchr::memchr;

use super::source::{Source, read_exact_at};

/// What reading a file on gave: complete lines, bytes with no line end in
/// them yet (a long line, a run without `\n`: still a step, so that the
/// caller can report progress and stop), or the end.
#[derive(Debug, Clone, Copy)]
pub enum Step<R> {
    Lines(R),
    Nothing,
    End,
}

/// The complete lines of a block: `buf[from..=to]` (`to` is the last
/// line's `\n`, or the end of the file's last line when it has none), and
/// the file offset of `buf[0]`.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    pub base: u64,
    pub from: usize,
    pub to: usize,
}

/// A file's blocks from its end to its start.
pub struct Blocks<'a, S: ?Sized> {
    src: &'a S,
    buf: Vec<u8>,
    block: usize,
    max_line: usize,
    size: u64,
    /// Offset of the first byte not read yet (everything before it).
    pos: u64,
    /// Bytes at the buffer's start that belong to the next region.
    carry: usize,
}

impl<'a, S: Source + ?Sized> Blocks<'a, S> {
    /// The blocks of `src`, `block` bytes each, a carried line kept to
    /// `max_line + 1` bytes.
    pub fn new(src: &'a S, block: usize, max_line: usize) -> io::Result<Blocks<'a, S>> {
        let size = src.size()?;
        let block = block.max(1);
        Ok(Blocks {
            src,
            buf: vec![0; (block as u64).min(size) as usize + max_line + 2],
            block,
            max_line,
            size,
            pos: size,
            carry: 0,
        })
    }

    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes of the file read so far.
    pub fn scanned(&self) -> u64 {
        self.size - self.pos
    }

    /// The next older block's complete lines, `Nothing` when a block held
    /// no line start (all of it carried), or `End` at the file's start.
    pub fn next_region(&mut self) -> io::Result<Step<Region>> {
        if self.pos > 0 {
            self.cut_carry();
            let n = (self.block as u64).min(self.pos) as usize;
            let filled = n + self.carry;
            self.buf.copy_within(0..self.carry, n);
            self.pos -= n as u64;
            read_exact_at(self.src, &mut self.buf[..n], self.pos)?;
            let to = if self.buf[filled - 1] == b'\n' {
                filled - 1
            } else {
                filled
            };
            // Without a `\n` (or with only the last byte's), all is carried.
            let from = if self.pos == 0 {
                0
            } else {
                memchr(b'\n', &self.buf[..filled]).map_or(filled + 1, |i| i + 1)
            };
            self.carry = from.min(filled);
            if from > to {
                return Ok(Step::Nothing);
            }
            return Ok(Step::Lines(Region {
                base: self.pos,
                from,
                to,
            }));
        }
        Ok(Step::End)
    }

    /// Keeps only the first `max_line + 1` bytes of a long carried line,
    /// and its `\n`.
    fn cut_carry(&mut self) {
        let c = self.carry;
        let newline = c > 0 && self.buf[c - 1] == b'\n';
        let keep = self.max_line + 1;
        if c > keep + usize::from(newline) {
            if newline {
                self.buf[keep] = b'\n';
            }
            self.carry = keep + usize::from(newline);
        }
    }
}
