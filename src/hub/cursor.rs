//! A reader's place in a stream: where it starts (a backlog, or right
//! after a line it has), and what it takes from the ring as it goes.
//!
//! A reader whose next line is older than the ring's oldest (it resumed
//! with an old `since=`, or it read too slowly and the ring moved on) is
//! [`Behind`]: those lines are for its session to read from the files on
//! disk ([`Cursor::took`] after sending them), and only the lines no longer
//! there become a `gap` ([`Cursor::skip`]). While behind, it holds the
//! follower back from nothing.

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::Stream;
use super::readers::Slot;
use super::ring::Ring;
use crate::archive;
use crate::protocol::gap;

/// Where a new reader starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The last N lines of the history.
    Backlog(u64),
    /// Right after line SEQ.
    Since(u64),
}

/// Lines `from..to` are not in the ring any more: they are read from disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behind {
    pub from: u64,
    pub to: u64,
    /// Where line `from - 1` is on disk, if the lines before came from
    /// there: the next page goes on from it, without looking for `from`.
    pub after: Option<archive::Cursor>,
}

/// A reader's position in one stream.
pub struct Cursor {
    stream: Arc<Stream>,
    slot: Arc<Slot>,
    next_fno: u64,
    next_seq: u64,
    /// Where the line before `next_seq` is on disk, if it came from there.
    on_disk: Option<archive::Cursor>,
}

impl Cursor {
    /// Registers a reader; returns it with the stream's last seq (for `hello`)
    /// and the messages to send before anything else.
    pub fn new(stream: Arc<Stream>, start: Start) -> (Cursor, u64, Vec<Utf8Bytes>) {
        let ring = stream.ring();
        let last_seq = ring.next_seq - 1;
        let target = match start {
            Start::Backlog(n) => ring.next_seq.saturating_sub(n.min(ring.limits.lines as u64)).max(1),
            // Any number a client sends is fine: one past the end starts live.
            Start::Since(seq) => seq.saturating_add(1),
        };
        // A new page (a backlog) also sees the events after the newest line:
        // a stream that is unreadable says so, even before its first line.
        let trailing_events = matches!(start, Start::Backlog(n) if n > 0);
        let mut first = Vec::new();
        let (next_fno, next_seq) = match start {
            // Lines older than the ring are read from disk (see `poll`).
            Start::Since(_) if target < ring.oldest_seq() => (ring.base_fno, target),
            _ => position(&ring, &stream, target, trailing_events, &mut first),
        };
        drop(ring);
        let slot = stream.readers.add(next_fno);
        let cursor = Cursor {
            stream,
            slot,
            next_fno,
            next_seq,
            on_disk: None,
        };
        (cursor, last_seq, first)
    }

    pub fn stream(&self) -> &Arc<Stream> {
        &self.stream
    }

    /// The seq of the next line this reader will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Appends what this reader has not taken yet, up to about `max_bytes`;
    /// or says which lines it must read from disk first.
    pub fn poll(&mut self, out: &mut Vec<Utf8Bytes>, max_bytes: usize) -> Result<usize, Behind> {
        let ring = self.stream.ring();
        let oldest = ring.oldest_seq();
        if self.next_fno <= ring.base_fno && self.next_seq < oldest {
            drop(ring);
            // Off the ring: nothing it needs can be evicted any more.
            self.stream.readers.polled(&self.slot, u64::MAX);
            return Err(Behind {
                from: self.next_seq,
                to: oldest,
                after: self.on_disk,
            });
        }
        self.next_fno = self.next_fno.max(ring.base_fno);
        let mut taken = 0;
        while self.next_fno < ring.end_fno() && taken < max_bytes {
            let f = &ring.frames[(self.next_fno - ring.base_fno) as usize];
            self.next_fno += 1;
            // A client resuming after a restart, or after reading from
            // disk, may already have lines the ring holds: those it skips
            // (numbers never change in an epoch).
            let text = match (f.count, f.first_seq < self.next_seq) {
                (_, false) => f.text.clone(),
                (0, true) => continue,
                (_, true) if f.end_seq() <= self.next_seq => continue,
                (_, true) => f.suffix(&self.stream.id, self.next_seq).text,
            };
            taken += text.len();
            out.push(text);
            self.next_seq = self.next_seq.max(f.end_seq());
        }
        drop(ring);
        self.stream.readers.polled(&self.slot, self.next_fno);
        Ok(taken)
    }

    /// The reader was sent the lines before `next_seq`, read from disk; the
    /// last of them is at `last` there.
    pub fn took(&mut self, next_seq: u64, last: archive::Cursor) {
        let n = next_seq.saturating_sub(self.next_seq);
        self.stream
            .counters
            .from_disk
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        self.next_seq = self.next_seq.max(next_seq);
        self.on_disk = Some(last);
    }

    /// The lines before `to` are nowhere to be read: a `gap` says so.
    pub fn skip(&mut self, to: u64, out: &mut Vec<Utf8Bytes>) {
        if to > self.next_seq {
            log::debug!("stream {}: a client skips {} lines", self.stream.id, to - self.next_seq);
            out.push(gap(&self.stream.id, self.next_seq, to - self.next_seq));
            self.stream.counters.gap();
            self.next_seq = to;
            self.on_disk = None;
        }
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        self.stream.readers.remove(&self.slot);
    }
}

/// Finds where lines from `target` on start (and, with `events`, the events
/// after the newest line when `target` is past it); pushes a gap or a partial
/// frame into `first`.
fn position(ring: &Ring, stream: &Stream, target: u64, events: bool, first: &mut Vec<Utf8Bytes>) -> (u64, u64) {
    let id = &stream.id;
    if target >= ring.next_seq && !events {
        // Past the newest line: what comes is skipped up to `target` (see `Cursor::poll`).
        return (ring.end_fno(), target);
    }
    let oldest = ring.oldest_seq();
    let target = if target < oldest {
        first.push(gap(id, target, oldest - target));
        stream.counters.gap();
        oldest
    } else {
        target
    };
    let idx = ring
        .frames
        .iter()
        .position(|f| {
            if f.count == 0 {
                f.first_seq >= target
            } else {
                f.end_seq() > target
            }
        })
        .unwrap_or(ring.frames.len());
    let mut fno = ring.base_fno + idx as u64;
    if let Some(f) = ring.frames.get(idx)
        && f.count > 0
        && f.first_seq < target
    {
        first.push(f.suffix(id, target).text);
        fno += 1;
    }
    (fno, target)
}
