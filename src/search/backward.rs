//! Plain files, searched backwards: the newest lines first, without
//! reading the rest of the file. The file is read by the archive's one
//! backward reader (`archive/blocks.rs`: blocks from the end, a line cut by
//! a block's start carried to the next, long lines kept to `max_line`), and
//! every complete line of a block is searched at once (one SIMD pass, see
//! [`scan_lines`]).

use std::io;
use std::ops::ControlFlow;

use memchr::memchr;

use super::matcher::{Event, Matcher, scan_lines, text_of};
use super::{Hooks, Options, Step, Summary, Verdict};
use crate::archive::blocks::{Blocks, Region};
use crate::archive::source::Source;

/// Emits the matching lines of a plain file, newest first.
pub fn scan<S: Source + ?Sized>(src: &S, m: &Matcher, o: &Options, hooks: &mut impl Hooks) -> io::Result<Summary> {
    let mut blocks = Blocks::new(src, o.block, o.max_line)?;
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
    let mut blocks = Blocks::new(src, o.block, o.max_line)?;
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
