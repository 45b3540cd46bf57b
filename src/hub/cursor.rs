//! A reader's place in a stream: where it starts (a backlog, or right
//! after a line it has), and what it takes from the ring as it goes.

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::Stream;
use super::readers::Slot;
use super::ring::Ring;
use crate::protocol::gap;

/// Where a new reader starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The last N lines of the history.
    Backlog(u64),
    /// Right after line SEQ.
    Since(u64),
}

/// A reader's position in one stream.
pub struct Cursor {
    stream: Arc<Stream>,
    slot: Arc<Slot>,
    next_fno: u64,
    next_seq: u64,
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
        let (next_fno, next_seq) = position(&ring, &stream, target, trailing_events, &mut first);
        drop(ring);
        let slot = stream.readers.add(next_fno);
        let cursor = Cursor {
            stream,
            slot,
            next_fno,
            next_seq,
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

    /// Appends what this reader has not taken yet, up to about `max_bytes`.
    pub fn poll(&mut self, out: &mut Vec<Utf8Bytes>, max_bytes: usize) -> usize {
        let ring = self.stream.ring();
        let mut taken = 0;
        if self.next_fno < ring.base_fno {
            let resume = ring.oldest_seq();
            if resume > self.next_seq {
                log::debug!(
                    "stream {}: a client skips {} lines",
                    self.stream.id,
                    resume - self.next_seq
                );
                out.push(gap(&self.stream.id, self.next_seq, resume - self.next_seq));
                self.stream.counters.gap();
            }
            self.next_seq = self.next_seq.max(resume);
            self.next_fno = ring.base_fno;
        }
        while self.next_fno < ring.end_fno() && taken < max_bytes {
            let f = &ring.frames[(self.next_fno - ring.base_fno) as usize];
            self.next_fno += 1;
            // A client resuming after a restart may already have lines the
            // daemon is reading again: those it skips (numbers never change in an epoch).
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
        taken
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
