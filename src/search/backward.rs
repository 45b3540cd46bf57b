//! Plain files, read backwards: the newest lines first, without reading
//! the rest of the file.
//!
//! [`Blocks`] reads the file from its end in blocks of [`Options::block`]
//! bytes with `pread`. A block seldom starts at a line's start: the bytes
//! before its first `\n` are the end of a line that began in an older
//! block. They are *carried*: moved behind the next (older) block when it
//! is read, so that the line is whole again. The buffer is laid out as
//!
//! ```text
//! [ older block ........ | carry (the partial line and its \n) ]
//!   ^ first \n + 1 = the first complete line          ^ `to`
//! ```
//!
//! and every complete line in it is searched at once. A line longer than a
//! block keeps being carried; once the carry is over `max_line` bytes only
//! its first `max_line + 1` bytes (the ones a line's text may hold, and one
//! more to know it was cut) and its `\n` are kept, so memory stays at one
//! block plus one line. The file's size is taken when the scan starts:
//! lines appended during it are for the live view.

use std::io;
use std::ops::ControlFlow;

use memchr::memchr;

use super::matcher::{Event, Matcher, scan_lines, text_of};
use super::source::{Source, read_exact_at};
use super::{Hooks, Options, Step, Summary, Verdict};

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
    pub fn new(src: &'a S, o: &Options) -> io::Result<Blocks<'a, S>> {
        let size = src.size()?;
        let block = o.block.max(1);
        Ok(Blocks {
            src,
            buf: vec![0; (block as u64).min(size) as usize + o.max_line + 2],
            block,
            max_line: o.max_line,
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

/// Emits the matching lines of a plain file, newest first.
pub fn scan<S: Source + ?Sized>(src: &S, m: &Matcher, o: &Options, hooks: &mut impl Hooks) -> io::Result<Summary> {
    let mut blocks = Blocks::new(src, o)?;
    let mut starts: Vec<u32> = Vec::new();
    let mut sum = Summary::default();
    loop {
        match blocks.next_region()? {
            Step::End => break,
            Step::Nothing => {}
            Step::Lines(r) => {
                starts.clear();
                let (buf, scanned) = (blocks.buf(), blocks.scanned());
                let found = scan_lines(m, buf, r.from, r.to, o, |e| match e {
                    Event::Hit(l) => {
                        starts.push(l.start as u32);
                        ControlFlow::Continue(())
                    }
                    Event::Pause => hooks.progress(scanned),
                });
                // Stopped mid-block, its newer lines unsearched: none of its matches is emitted.
                if found.is_break() || emit_all(buf, &starts, (&r, scanned), o, hooks, &mut sum).is_break() {
                    sum.scanned = scanned;
                    sum.stopped = true;
                    return Ok(sum);
                }
            }
        }
        sum.scanned = blocks.scanned();
        if hooks.progress(sum.scanned).is_break() {
            sum.stopped = true;
            return Ok(sum);
        }
    }
    Ok(sum)
}

/// Hands a block's matching lines to the hooks, newest first, with a
/// progress report after each window's bytes of them (the filter's cost
/// grows with the bytes it reads); `Break` ends the scan.
fn emit_all(
    buf: &[u8],
    starts: &[u32],
    (r, scanned): (&Region, u64),
    o: &Options,
    hooks: &mut impl Hooks,
    sum: &mut Summary,
) -> ControlFlow<()> {
    let mut paused_at = r.to;
    for &s in starts.iter().rev() {
        let s = s as usize;
        if paused_at - s >= o.window {
            paused_at = s;
            hooks.progress(scanned)?;
        }
        emit(buf, s, r, o, hooks, sum)?;
    }
    ControlFlow::Continue(())
}

/// Hands the line starting at `buf[s]` to the hooks; `Break` ends the scan.
fn emit(buf: &[u8], s: usize, r: &Region, o: &Options, hooks: &mut impl Hooks, sum: &mut Summary) -> ControlFlow<()> {
    let end = memchr(b'\n', &buf[s..r.to]).map_or(r.to, |i| s + i);
    let text = &buf[s..s + text_of(s, end, buf, o.max_line).len];
    match hooks.filter(text) {
        Verdict::Match => {}
        Verdict::Skip => return ControlFlow::Continue(()),
        Verdict::SkipOlder => return ControlFlow::Break(()),
    }
    sum.matches += 1;
    hooks.found(r.base + s as u64, text)?;
    if sum.matches >= o.limit as u64 {
        return ControlFlow::Break(());
    }
    ControlFlow::Continue(())
}

/// Counts the matching lines of a plain file.
pub fn count<S: Source + ?Sized>(src: &S, m: &Matcher, o: &Options) -> io::Result<u64> {
    let mut blocks = Blocks::new(src, o)?;
    let mut n = 0u64;
    loop {
        match blocks.next_region()? {
            Step::End => return Ok(n),
            Step::Nothing => {}
            Step::Lines(r) => {
                let _ = scan_lines(m, blocks.buf(), r.from, r.to, o, |e| {
                    n += u64::from(matches!(e, Event::Hit(_)));
                    ControlFlow::Continue(())
                });
            }
        }
    }
}
