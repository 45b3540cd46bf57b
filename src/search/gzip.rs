//! gzip files: decompressed forwards, matches emitted newest first.
//!
//! [`Chunks`] decompresses a file (every member of a multi-member file, as
//! `gzip -d` and `zcat` do) into a buffer of [`Options::block`] bytes at a
//! time and hands out the complete lines in it; the partial line at its end
//! is carried to the front of the next chunk. A carried line longer than
//! `max_line + 1` bytes is cut there and the rest of it skipped up to its
//! `\n`, so the offsets after a cut account for the bytes skipped.
//!
//! Order: a gzip stream cannot be read backwards, so [`scan`] keeps the
//! matches as it finds them, in file order, in [`Kept`]: only the newest
//! `limit` (an older one falls out when a newer one comes), and their text
//! only up to `text_budget` bytes: past it, the oldest kept matches keep
//! only their offsets. At the end the kept matches are emitted from the
//! last one back; those that lost their text are read again by another
//! decompression pass, which keeps the newest texts that fit the budget,
//! and so on. A file with few matches is decompressed once.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::ops::ControlFlow;

use memchr::{memchr, memrchr};

use super::matcher::{Event, Matcher, scan_lines, text_of};
use super::{GzIndex, Hooks, LineTime, Options, Step, Summary, Verdict};
use crate::archive::gzindex::{Index, Key};
use crate::archive::gzread::GzText;
use crate::archive::source::{Reader, Source};

/// The index a scan without one adds to: none (it holds nothing).
static NO_INDEX: Index = Index::new(0, u64::MAX, 0);

/// The complete lines of a chunk: `buf[0..=to]`, and how its indices map
/// to offsets in the decompressed content.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    pub to: usize,
    /// Bytes carried from the previous chunk, and the offset of the first.
    carry: usize,
    carry_off: u64,
    /// Offset of the byte at `buf[carry]`.
    data_off: u64,
}

impl Region {
    /// The offset of `buf[i]`.
    pub fn offset(&self, i: usize) -> u64 {
        if i < self.carry {
            self.carry_off + i as u64
        } else {
            self.data_off + (i - self.carry) as u64
        }
    }

    /// The index of the byte at offset `off`, if it is in this region.
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
}

/// A gzip file's decompressed content, in chunks of complete lines.
pub struct Chunks<'a, S: ?Sized> {
    dec: GzText<'static, Reader<'a, S>, LineTime>,
    buf: Vec<u8>,
    chunk: usize,
    max_line: usize,
    /// The partial line at the buffer's start, its offset, and whether it
    /// was cut (the rest of it, up to its `\n`, is skipped).
    carry: usize,
    carry_off: u64,
    cut: bool,
    /// Where the bytes after the last region lie in the buffer.
    rest: (usize, usize, u64),
    /// Decompressed bytes so far.
    out: u64,
    done: bool,
    /// An error met after some bytes of a chunk: given by the next fill,
    /// so that the lines before the damage are still handed out.
    damage: Option<io::Error>,
}

impl<'a, S: Source + ?Sized> Chunks<'a, S> {
    /// The chunks of `src` from its start; the decoder adds the access
    /// points it passes to `index` (the daemon's, for a history file).
    pub fn new(src: &'a S, o: &Options, index: Option<GzIndex>) -> io::Result<Chunks<'a, S>> {
        let chunk = o.block.max(1);
        let (index, key, time): (&Index, Key, LineTime) = match index {
            Some(GzIndex { key, time }) => (&crate::archive::gzindex::SHARED, key, time),
            None => (&NO_INDEX, Key::default(), Box::new(|_: &[u8]| None)),
        };
        Ok(Chunks {
            dec: GzText::open(Reader::new(src)?, index, key, 0, time)?,
            buf: vec![0; chunk + o.max_line + 2],
            chunk,
            max_line: o.max_line,
            carry: 0,
            carry_off: 0,
            cut: false,
            rest: (0, 0, 0),
            out: 0,
            done: false,
            damage: None,
        })
    }

    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// Compressed bytes read so far.
    pub fn scanned(&self) -> u64 {
        self.dec.consumed()
    }

    /// The next chunk's complete lines, `Nothing` when a chunk held no line
    /// end (a long line, or bytes without `\n`), or `End`.
    pub fn next_region(&mut self) -> io::Result<Step<Region>> {
        self.take_rest();
        if !self.done {
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
            let newline = memrchr(b'\n', &self.buf[..filled]);
            self.done = n == 0;
            let to = match newline {
                Some(to) => to,
                None if self.done && filled > 0 => filled,
                None => {
                    self.carry = filled;
                    self.cut_carry();
                    // The next call goes on with this carry.
                    self.rest = (0, self.carry, self.carry_off);
                    return Ok(Step::Nothing);
                }
            };
            let r = Region {
                to,
                carry: self.carry,
                carry_off: self.carry_off,
                data_off,
            };
            self.rest = (to + 1, filled.max(to + 1), r.offset(to + 1));
            return Ok(Step::Lines(r));
        }
        Ok(Step::End)
    }

    /// Moves the bytes after the last region to the buffer's start.
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

    /// Decompresses up to a chunk behind the carry; 0 at the end. An error
    /// after some bytes is kept for the next call.
    fn fill(&mut self) -> io::Result<usize> {
        if let Some(e) = self.damage.take() {
            return Err(e);
        }
        let buf = &mut self.buf[self.carry..self.carry + self.chunk];
        let mut n = 0;
        while n < buf.len() {
            match self.dec.read(&mut buf[n..]) {
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

/// Emits the matching lines of a gzip file, newest first.
pub fn scan<S: Source + ?Sized>(src: &S, m: &Matcher, o: &Options, hooks: &mut impl Hooks) -> io::Result<Summary> {
    let index = hooks.gz_index();
    let mut kept = Kept::new(o);
    let mut chunks = Chunks::new(src, o, index)?;
    let (mut older_skipped, mut damage) = (false, None);
    loop {
        let r = match chunks.next_region() {
            Ok(Step::End) => break,
            Ok(Step::Nothing) => None,
            Ok(Step::Lines(r)) => Some(r),
            // Damaged data: the matches before it are still the file's.
            Err(e) => {
                damage = Some(e);
                break;
            }
        };
        let buf = chunks.buf();
        let scanned = chunks.scanned();
        let found = r.map_or(ControlFlow::Continue(()), |r| {
            scan_lines(m, buf, 0, r.to, o, |e| {
                let Event::Hit(l) = e else {
                    return hooks.progress(scanned);
                };
                let text = &buf[l.start..l.start + l.len];
                match hooks.filter(text) {
                    Verdict::Match => kept.push(r.offset(l.start), text),
                    Verdict::Skip => {}
                    Verdict::SkipOlder => {
                        kept.clear();
                        older_skipped = true;
                    }
                }
                ControlFlow::Continue(())
            })
        });
        if found.is_break() || hooks.progress(scanned).is_break() {
            let scanned = chunks.scanned();
            return Ok(Summary {
                scanned,
                stopped: true,
                ..Summary::default()
            });
        }
    }
    let mut sum = Summary {
        scanned: chunks.scanned(),
        stopped: older_skipped || kept.evicted,
        ..Summary::default()
    };
    kept.emit(src, o, hooks, &mut sum)?;
    damage.map_or(Ok(sum), Err)
}

/// Counts the matching lines of a gzip file.
pub fn count<S: Source + ?Sized>(src: &S, m: &Matcher, o: &Options) -> io::Result<u64> {
    let mut chunks = Chunks::new(src, o, None)?;
    let mut n = 0u64;
    loop {
        match chunks.next_region()? {
            Step::End => return Ok(n),
            Step::Nothing => {}
            Step::Lines(r) => {
                let _ = scan_lines(m, chunks.buf(), 0, r.to, o, |e| {
                    n += u64::from(matches!(e, Event::Hit(_)));
                    ControlFlow::Continue(())
                });
            }
        }
    }
}

/// The newest matches so far, in file order; the texts of `items[lo..]`
/// are held, the older ones only by offset.
struct Kept {
    items: VecDeque<(u64, Option<Box<[u8]>>)>,
    lo: usize,
    text_bytes: usize,
    limit: usize,
    budget: usize,
    /// An older match fell out because of the limit.
    evicted: bool,
}

impl Kept {
    fn new(o: &Options) -> Kept {
        Kept {
            items: VecDeque::new(),
            lo: 0,
            text_bytes: 0,
            limit: o.limit.max(1),
            budget: o.text_budget,
            evicted: false,
        }
    }

    fn clear(&mut self) {
        self.items.clear();
        self.lo = 0;
        self.text_bytes = 0;
    }

    fn push(&mut self, off: u64, text: &[u8]) {
        self.items.push_back((off, None));
        if self.items.len() > self.limit {
            self.evicted = true;
            if let Some((_, Some(t))) = self.items.pop_front() {
                self.text_bytes -= t.len();
            }
            self.lo = self.lo.saturating_sub(1);
        }
        self.hold(self.items.len() - 1, text);
    }

    /// Holds the text of `items[k]`, the newest with one, within the budget.
    fn hold(&mut self, k: usize, text: &[u8]) {
        self.items[k].1 = Some(text.into());
        self.text_bytes += text.len();
        while self.text_bytes > self.budget && self.lo < k {
            if let Some(t) = self.items[self.lo].1.take() {
                self.text_bytes -= t.len();
            }
            self.lo += 1;
        }
    }

    /// Emits every kept match from the newest, reading texts again as needed.
    fn emit<S: Source + ?Sized>(
        &mut self,
        src: &S,
        o: &Options,
        hooks: &mut impl Hooks,
        sum: &mut Summary,
    ) -> io::Result<()> {
        loop {
            while let Some((off, Some(text))) = self.items.back_mut().map(|(o, t)| (*o, t.take())) {
                self.items.pop_back();
                self.text_bytes -= text.len();
                sum.matches += 1;
                if hooks.found(off, &text).is_break() || sum.matches >= o.limit as u64 {
                    sum.stopped = true;
                    return Ok(());
                }
            }
            if self.items.is_empty() {
                return Ok(());
            }
            if self.reread(src, o, &mut |_| hooks.progress(sum.scanned))?.is_break() {
                sum.stopped = true;
                return Ok(());
            }
        }
    }

    /// Decompresses the file again and holds the texts of the newest
    /// matches (all of which lost theirs) that fit the budget. `pulse` is
    /// told of each chunk (the caller's progress: its budgets and its
    /// client are checked while the file is read again) and may stop it.
    fn reread<S: Source + ?Sized>(
        &mut self,
        src: &S,
        o: &Options,
        pulse: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> io::Result<ControlFlow<()>> {
        self.lo = 0;
        self.text_bytes = 0;
        let mut k = 0;
        let mut chunks = Chunks::new(src, o, None)?;
        while k < self.items.len() {
            if pulse(chunks.scanned()).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            let r = match chunks.next_region()? {
                Step::Lines(r) => r,
                Step::Nothing => continue,
                Step::End => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file changed during the search",
                    ));
                }
            };
            let buf = chunks.buf();
            while let Some(i) = self.items.get(k).and_then(|(off, _)| r.index(*off)) {
                let end = memchr(b'\n', &buf[i..r.to]).map_or(r.to, |j| i + j);
                let line = text_of(i, end, buf, o.max_line);
                self.hold(k, &buf[i..i + line.len]);
                k += 1;
            }
        }
        Ok(ControlFlow::Continue(()))
    }
}
