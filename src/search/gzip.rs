//! gzip files: decompressed forwards, matches emitted newest first.
//!
//! The archive's decoder decompresses a file (every member of a
//! multi-member file, as `gzip -d` and `zcat` do), and the archive's forward
//! reader (`archive/forward.rs`) hands out its complete lines
//! [`Options::block`] bytes at a time, a long line cut at `max_line`.
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
use std::io;
use std::ops::ControlFlow;

use memchr::memchr;

use super::matcher::{Event, Matcher, scan_lines, text_of};
use super::{GzIndex, Hooks, LineTime, Options, Step, Summary, Verdict};
use crate::archive::forward::Chunks;
use crate::archive::gzindex::{Index, Key};
use crate::archive::gzread::GzText;
use crate::archive::source::{Reader, Source};

/// The index a scan without one adds to: none (it holds nothing).
static NO_INDEX: Index = Index::new(0, u64::MAX, 0);

/// A gzip file's decompressed content, in chunks of complete lines.
type GzChunks<'a, S> = Chunks<GzText<'static, Reader<'a, S>, LineTime>>;

/// The chunks of `src` from its start; the decoder adds the access points
/// it passes to `index` (the daemon's, for a history file).
fn open<'a, S: Source + ?Sized>(src: &'a S, o: &Options, index: Option<GzIndex>) -> io::Result<GzChunks<'a, S>> {
    let (index, key, time): (&Index, Key, LineTime) = match index {
        Some(GzIndex { key, time }) => (&crate::archive::gzindex::SHARED, key, time),
        None => (&NO_INDEX, Key::default(), Box::new(|_: &[u8]| None)),
    };
    let text = GzText::open(Reader::new(src)?, index, key, 0, time)?;
    Ok(Chunks::new(text, 0, o.block, o.max_line))
}

/// Emits the matching lines of a gzip file, newest first.
pub fn scan<S: Source + ?Sized>(src: &S, m: &Matcher, o: &Options, hooks: &mut impl Hooks) -> io::Result<Summary> {
    let index = hooks.gz_index();
    let mut kept = Kept::new(o);
    let mut chunks = open(src, o, index)?;
    let (mut older_skipped, mut damage) = (false, None);
    loop {
        let r = match chunks.next_chunk() {
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
        let scanned = chunks.source().consumed();
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
            let scanned = chunks.source().consumed();
            return Ok(Summary {
                scanned,
                stopped: true,
                ..Summary::default()
            });
        }
    }
    let mut sum = Summary {
        scanned: chunks.source().consumed(),
        stopped: older_skipped || kept.evicted,
        ..Summary::default()
    };
    kept.emit(src, o, hooks, &mut sum)?;
    damage.map_or(Ok(sum), Err)
}

/// Counts the matching lines of a gzip file.
pub fn count<S: Source + ?Sized>(src: &S, m: &Matcher, o: &Options) -> io::Result<u64> {
    let mut chunks = open(src, o, None)?;
    let mut n = 0u64;
    loop {
        match chunks.next_chunk()? {
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
        let mut chunks = open(src, o, None)?;
        while k < self.items.len() {
            if pulse(chunks.source().consumed()).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            let r = match chunks.next_chunk()? {
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
