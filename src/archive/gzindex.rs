//! The index of `.gz` history files: access points into their text, kept
//! in memory for the whole process, so that a page inside a compressed file
//! decompresses from near its place instead of from the file's start (the
//! method of zlib's `examples/zran.c`).
//!
//! Deflate is decoded forwards only, and a block may copy any of the 32 KiB
//! of text before it. An access point is a place where decoding can begin
//! anew: where a deflate block starts (its offset in the text, the byte of
//! the file it starts in, and the bits of the byte before that belong to
//! it) with the 32 KiB of text before it, the *window*; or where a gzip
//! member starts, which needs no window. `gzread.rs` decodes from a point
//! and adds the points it passes. With each point the index keeps the time
//! of the first line after it that has one, so that `at=` can scan from the
//! last point before its time.
//!
//! Built as a side effect, with no work in the background: a reader that
//! decodes past the last point of its file adds one at the first block
//! boundary at least `span` bytes of text further (1 MiB at first), so the
//! first page that reads a file through builds its index and later pages,
//! `at=` and cursors into the file use it.
//!
//! Bounded: at most `file_points` points a file (60: when a 61st comes,
//! every other point is dropped and the file's span doubles, so a 200 MB
//! file keeps about 40 points, 4 to 5 MiB apart) and at most `capacity` bytes in
//! all (4 MiB: windows and points, two files with all their points fit),
//! the least recently used files dropped first. A file is known by its
//! identity (device, inode, fingerprint of its head, size) and by the
//! layout its lines' times were read with: when the inode's identity
//! differs, its points are dropped.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use super::files::HistoryFile;
use crate::layout::Layout;

/// Bytes of text before a point that a block may copy from.
pub const WINDOW: usize = 32 * 1024;

/// The bytes the daemon's index may hold, its first span and its points a file.
pub const CAPACITY: usize = 4 << 20;
pub const SPAN: u64 = 1 << 20;
pub const FILE_POINTS: usize = 60;

/// The index of the daemon's `.gz` history files.
pub static SHARED: Index = Index::new(CAPACITY, SPAN, FILE_POINTS);

/// A `.gz` file's identity, and the layout its times are read with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Key {
    pub dev: u64,
    pub ino: u64,
    pub head: (u64, u64),
    pub size: u64,
    pub layout: u64,
}

impl Key {
    pub fn of(f: &HistoryFile, layout: &Layout) -> Key {
        let mut h = DefaultHasher::new();
        format!("{layout:?}").hash(&mut h);
        Key {
            dev: f.dev,
            ino: f.ino,
            head: (f.head.len, f.head.hash),
            size: f.size,
            layout: h.finish(),
        }
    }
}

/// Where decoding can start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// Offset in the text.
    pub out: u64,
    /// Offset in the file: of the member's header, or of the first byte
    /// of the block that `bits` do not hold.
    pub input: u64,
    /// True at a member's header; else at a deflate block.
    pub member: bool,
    /// How many bits (0 to 7) of the byte before `input` the block starts
    /// with, and those bits (in the low bits of `bit_buf`).
    pub bits: u8,
    pub bit_buf: u8,
    /// The text before `out` a block may copy from (empty at a member).
    pub window: Box<[u8]>,
    /// True if a line starts at `out`.
    pub line_start: bool,
}

/// The cost of a point in memory: its window and its bookkeeping.
fn cost(p: &Point) -> usize {
    p.window.len() + std::mem::size_of::<Point>() + std::mem::size_of::<Slot>() + 16
}

struct Slot {
    point: Arc<Point>,
    /// The time of the first line after the point that has one, once read.
    time: Option<f64>,
}

struct Entry {
    key: Key,
    span: u64,
    slots: Vec<Slot>,
    bytes: usize,
}

impl Entry {
    /// Where the next point may be: `span` past the last.
    fn due(&self) -> u64 {
        self.slots.last().map_or(0, |s| s.point.out) + self.span
    }

    /// Drops every other point and doubles the span.
    fn thin(&mut self) {
        let mut i = 0;
        self.slots.retain(|_| {
            i += 1;
            i % 2 == 0
        });
        self.span *= 2;
        self.bytes = self.slots.iter().map(|s| cost(&s.point)).sum();
    }
}

/// Access points of files, bounded in memory.
pub struct Index {
    inner: Mutex<Inner>,
}

struct Inner {
    /// Least recently used first.
    files: Vec<Entry>,
    capacity: usize,
    span: u64,
    file_points: usize,
}

impl Index {
    /// An empty index of at most `capacity` bytes, with a point every
    /// `span` bytes of text at first and at most `file_points` points a file.
    pub const fn new(capacity: usize, span: u64, file_points: usize) -> Index {
        let inner = Inner {
            files: Vec::new(),
            capacity,
            span,
            file_points,
        };
        Index {
            inner: Mutex::new(inner),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last point of file `key` at or before `offset`.
    pub fn at_or_before(&self, key: &Key, offset: u64) -> Option<Arc<Point>> {
        let mut inner = self.inner();
        let e = inner.entry(key)?;
        let n = e.slots.partition_point(|s| s.point.out <= offset);
        n.checked_sub(1).map(|i| e.slots[i].point.clone())
    }

    /// The offset of the last point of file `key` whose time is before `t`.
    pub fn before_time(&self, key: &Key, t: f64) -> Option<u64> {
        let mut inner = self.inner();
        let e = inner.entry(key)?;
        let found = e.slots.iter().rev().find(|s| s.time.is_some_and(|when| when < t));
        found.map(|s| s.point.out)
    }

    /// Where the next point of file `key` is due (never, if the index holds nothing).
    pub fn due(&self, key: &Key) -> u64 {
        let mut inner = self.inner();
        let (capacity, span) = (inner.capacity, inner.span);
        match inner.entry(key) {
            Some(e) => e.due(),
            None if capacity == 0 => u64::MAX,
            None => span,
        }
    }

    /// Adds a point of file `key` if it is due (another reader may have
    /// added one near it first); whether it was, and where the next is due.
    pub fn add(&self, key: &Key, point: Point) -> (bool, u64) {
        let mut inner = self.inner();
        if inner.capacity == 0 {
            return (false, u64::MAX);
        }
        let (span, file_points) = (inner.span, inner.file_points);
        if inner.entry(key).is_none() {
            let (key, slots) = (*key, Vec::new());
            inner.files.push(Entry {
                key,
                span,
                slots,
                bytes: 0,
            });
        }
        let e = inner.files.last_mut().expect("the file's entry");
        if point.out >= e.due() && e.slots.len() >= file_points {
            e.thin();
        }
        if point.out < e.due() {
            return (false, e.due());
        }
        e.bytes += cost(&point);
        let point = Arc::new(point);
        e.slots.push(Slot { point, time: None });
        let due = e.due();
        inner.evict();
        (true, due)
    }

    /// Sets the time of the point of file `key` at `out`.
    pub fn set_time(&self, key: &Key, out: u64, time: f64) {
        let mut inner = self.inner();
        if let Some(e) = inner.entry(key)
            && let Ok(i) = e.slots.binary_search_by_key(&out, |s| s.point.out)
        {
            e.slots[i].time = Some(time);
        }
    }

    /// Bytes held (at most the capacity).
    pub fn memory(&self) -> usize {
        self.inner().files.iter().map(|e| e.bytes).sum()
    }

    /// Points held in all.
    pub fn points(&self) -> usize {
        self.inner().files.iter().map(|e| e.slots.len()).sum()
    }

    /// Sets the bytes the index may hold (0: none, no points are kept or
    /// made); the bytes it could hold before.
    pub fn set_capacity(&self, bytes: usize) -> usize {
        let mut inner = self.inner();
        let before = std::mem::replace(&mut inner.capacity, bytes);
        inner.evict();
        before
    }
}

impl Inner {
    /// The entry of file `key`, now the most recently used; an entry of the
    /// same inode with another identity is dropped.
    fn entry(&mut self, key: &Key) -> Option<&mut Entry> {
        let i = self
            .files
            .iter()
            .position(|e| (e.key.dev, e.key.ino) == (key.dev, key.ino))?;
        let e = self.files.remove(i);
        if e.key != *key {
            return None;
        }
        self.files.push(e);
        self.files.last_mut()
    }

    /// Drops the least recently used files until the rest fit.
    fn evict(&mut self) {
        let mut total: usize = self.files.iter().map(|e| e.bytes).sum();
        while total > self.capacity && !self.files.is_empty() {
            total -= self.files.remove(0).bytes;
        }
    }
}
