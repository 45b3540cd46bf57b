//! Reading a `.gz` history file forwards, from its start or from an access
//! point of the index (`gzindex.rs`), and adding to the index the points
//! it passes.
//!
//! A file is one gzip member or more (RFC 1952: a header, deflate data, a
//! CRC-32 and a length), read one after the other as `zcat` reads them.
//! The deflate data is decoded by miniz_oxide, which can stop where a block
//! ends and tell how many bits of the last byte it took belong to the next
//! block: what an access point needs, with no `unsafe` (zlib's
//! `inflatePrime` and `data_type`, which `zran.c` uses, are not in the safe
//! APIs of flate2 or zlib-rs). The text is decoded into a 64 KiB ring whose
//! 32 KiB before the write position are the window; starting at a point
//! puts its window back there.
//!
//! A point is added at the first block boundary (or member start) at or
//! past where the index says the next is due. The reader then reads on for
//! the time of the first line that starts after the point (among the next
//! 16 lines) and gives it to the index.
//!
//! Not checked: the members' CRC-32 and length, which a read that starts
//! at a point could not check. Deflate data that cannot be decoded, a
//! header that is not gzip's and a file cut short are errors.

use std::io::{self, BufRead, Read, Seek};
use std::ops::Range;

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::inflate_flags::{TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_STOP_ON_BLOCK_BOUNDARY};
use miniz_oxide::inflate::core::{BlockBoundaryState, DecompressorOxide, decompress};

use super::gzindex::{Index, Key, Point, WINDOW};
use super::seek::PROBE_LINES;
use input::{Input, cut_short, header};

mod input;

/// The ring the text is decoded into (a power of two, at least twice the window).
const RING: usize = 64 * 1024;
const FLAGS: u32 = TINFL_FLAG_HAS_MORE_INPUT | TINFL_FLAG_STOP_ON_BLOCK_BOUNDARY;
/// Bytes of each line after a point looked at for a time (`PROBE_LINES` of them).
const PROBE_BYTES: usize = 16 * 1024;

/// What the file's next bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Header,
    Deflate,
    Trailer,
    End,
}

/// The text of a `.gz` file from a point on. `time` reads a line's time.
pub struct GzText<'a, R, T> {
    input: Input<R>,
    inflater: Box<DecompressorOxide>,
    ring: Box<[u8]>,
    /// Where the next byte is decoded to in `ring`, and the bytes not yet read.
    pos: usize,
    ready: Range<usize>,
    /// The offset in the text of the next byte decoded, and of the member's start.
    out: u64,
    member: u64,
    part: Part,
    /// Where the reading started, and whether a line starts there.
    origin: u64,
    origin_line: bool,
    /// True if the text decoded so far ends a line.
    newline: bool,
    points: Recorder<'a, T>,
}

impl<'a, R: Read + Seek, T: Fn(&[u8]) -> Option<f64>> GzText<'a, R, T> {
    /// The text of `file` from the last point of `index` at or before
    /// `offset` (from the start if none).
    pub fn open(file: R, index: &'a Index, key: Key, offset: u64, time: T) -> io::Result<Self> {
        let point = index.at_or_before(&key, offset);
        let (input, out) = point.as_ref().map_or((0, 0), |p| (p.input, p.out));
        let line_start = point.as_ref().is_none_or(|p| p.line_start);
        let mut text = GzText {
            input: Input::at(file, input)?,
            inflater: Box::default(),
            ring: vec![0; RING].into_boxed_slice(),
            pos: 0,
            ready: 0..0,
            out,
            member: out,
            part: Part::Header,
            origin: out,
            origin_line: line_start,
            newline: line_start,
            points: Recorder {
                due: index.due(&key),
                index,
                key,
                time,
                probe: None,
            },
        };
        if let Some(p) = point.filter(|p| !p.member) {
            text.resume(&p);
        }
        Ok(text)
    }

    /// Bytes of the file read so far (compressed bytes).
    pub fn consumed(&self) -> u64 {
        self.input.here()
    }

    /// Where the reading started: its offset in the text, and whether a
    /// line starts there (if not, the first bytes read end a line begun before).
    pub fn origin(&self) -> (u64, bool) {
        (self.origin, self.origin_line)
    }

    /// Decodes from a block's point on: its window goes before the ring's start.
    fn resume(&mut self, p: &Point) {
        let w = p.window.len();
        self.ring[RING - w..].copy_from_slice(&p.window);
        self.member = p.out - w as u64;
        let state = BlockBoundaryState {
            num_bits: p.bits,
            bit_buf: p.bit_buf,
            ..BlockBoundaryState::default()
        };
        *self.inflater = DecompressorOxide::from_block_boundary_state(&state);
        self.part = Part::Deflate;
    }

    /// Goes on to the next bytes of text, a header or a trailer.
    fn step(&mut self) -> io::Result<()> {
        match self.part {
            Part::Header => self.member_start(),
            Part::Deflate => self.inflate(),
            Part::Trailer => {
                if !self.input.skip(8)? {
                    return Err(cut_short());
                }
                self.part = Part::Header;
                Ok(())
            }
            Part::End => Ok(()),
        }
    }

    fn member_start(&mut self) -> io::Result<()> {
        let at = self.input.here();
        if !header(&mut self.input)? {
            self.part = Part::End;
            return Ok(());
        }
        if self.out >= self.points.due {
            self.points.record(Point {
                out: self.out,
                input: at,
                member: true,
                bits: 0,
                bit_buf: 0,
                window: Box::default(),
                line_start: self.newline,
            });
        }
        self.inflater.init();
        self.member = self.out;
        self.part = Part::Deflate;
        Ok(())
    }

    fn inflate(&mut self) -> io::Result<()> {
        let input = self.input.bytes()?;
        if input.is_empty() {
            return Err(cut_short());
        }
        let (status, used, made) = decompress(&mut self.inflater, input, &mut self.ring, self.pos, FLAGS);
        self.input.take(used);
        self.ready = self.pos..self.pos + made;
        self.pos = (self.pos + made) % RING;
        self.out += made as u64;
        if made > 0 {
            let text = &self.ring[self.ready.clone()];
            self.newline = text[made - 1] == b'\n';
            self.points.feed(text);
        }
        match status {
            TINFLStatus::Done => self.part = Part::Trailer,
            TINFLStatus::BlockBoundary if self.out >= self.points.due => self.block_point(),
            TINFLStatus::BlockBoundary | TINFLStatus::NeedsMoreInput | TINFLStatus::HasMoreOutput => {}
            _ => return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt deflate data")),
        }
        Ok(())
    }

    /// Records the point where the next block starts.
    fn block_point(&mut self) {
        let Some(state) = self.inflater.block_boundary_state() else {
            return;
        };
        let w = (self.out - self.member).min(WINDOW as u64) as usize;
        let start = (self.pos + RING - w) % RING;
        let mut window = Vec::with_capacity(w);
        window.extend_from_slice(&self.ring[start..(start + w).min(RING)]);
        window.extend_from_slice(&self.ring[..(start + w).saturating_sub(RING)]);
        self.points.record(Point {
            out: self.out,
            input: self.input.here(),
            member: false,
            bits: state.num_bits,
            bit_buf: state.bit_buf,
            window: window.into_boxed_slice(),
            line_start: self.newline,
        });
    }
}

impl<R: Read + Seek, T: Fn(&[u8]) -> Option<f64>> BufRead for GzText<'_, R, T> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.ready.is_empty() && self.part != Part::End {
            self.step()?;
        }
        Ok(&self.ring[self.ready.clone()])
    }

    fn consume(&mut self, n: usize) {
        self.ready.start = (self.ready.start + n).min(self.ready.end);
    }
}

impl<R: Read + Seek, T: Fn(&[u8]) -> Option<f64>> Read for GzText<'_, R, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let text = self.fill_buf()?;
        let n = text.len().min(buf.len());
        buf[..n].copy_from_slice(&text[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Gives the points a reader passes to the index, with their times.
struct Recorder<'a, T> {
    index: &'a Index,
    key: Key,
    /// The text offset from which the next point is due.
    due: u64,
    time: T,
    probe: Option<Probe>,
}

impl<T: Fn(&[u8]) -> Option<f64>> Recorder<'_, T> {
    fn record(&mut self, point: Point) {
        let (out, line_start) = (point.out, point.line_start);
        let (added, due) = self.index.add(&self.key, point);
        self.due = due;
        self.probe = added.then(|| Probe {
            out,
            started: line_start,
            line: Vec::new(),
            lines: 0,
        });
    }

    /// Reads the text decoded after the last point for its time.
    fn feed(&mut self, text: &[u8]) {
        let Some(probe) = &mut self.probe else {
            return;
        };
        if let Some(found) = probe.feed(text, &self.time) {
            if let Some(t) = found {
                self.index.set_time(&self.key, probe.out, t);
            }
            self.probe = None;
        }
    }
}

/// Looks for the time of the first line that starts at or after a point.
struct Probe {
    out: u64,
    /// True once at a line's start.
    started: bool,
    /// The start of the line being read.
    line: Vec<u8>,
    lines: usize,
}

impl Probe {
    /// Reads on: the time once found, `Some(None)` on giving up, `None` for more text.
    fn feed(&mut self, mut text: &[u8], time: &impl Fn(&[u8]) -> Option<f64>) -> Option<Option<f64>> {
        if !self.started {
            text = &text[memchr::memchr(b'\n', text)? + 1..];
            self.started = true;
        }
        while let Some(i) = memchr::memchr(b'\n', text) {
            self.push(&text[..i]);
            let line = self.line.strip_suffix(b"\r").unwrap_or(&self.line);
            if let Some(t) = time(line) {
                return Some(Some(t));
            }
            self.line.clear();
            self.lines += 1;
            if self.lines == PROBE_LINES {
                return Some(None);
            }
            text = &text[i + 1..];
        }
        self.push(text);
        None
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = PROBE_BYTES.saturating_sub(self.line.len()).min(bytes.len());
        self.line.extend_from_slice(&bytes[..room]);
    }
}
