//! Per-stream sequence numbers, history ring and fan-out of encoded frames.
//!
//! Each stream keeps a ring of encoded frames bounded in lines and bytes.
//! Clients do not have queues of their own: each holds a `Cursor` into the
//! ring and copies out (reference-counted) frames when it is ready to write.
//! A client whose cursor fell out of the ring gets a `gap` and continues.
//! The follower waits before publishing a frame that would evict one a live
//! client (one that keeps polling) has not taken yet: the log file is the
//! buffer. A client that stopped reading holds nobody back; it gets a gap.

mod readers;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use readers::{Readers, Slot};

use crate::config::{Format, History, StreamConfig};
use crate::protocol::{EventKind, Frame, LinesBuilder, gap};

/// All streams of one daemon run.
pub struct Hub {
    pub epoch: String,
    streams: RwLock<Vec<Arc<Stream>>>,
    /// The last seq of streams that were removed, so that a stream added again continues.
    retired: Mutex<HashMap<String, u64>>,
    /// Changes whenever the set of streams changes.
    version: AtomicU64,
    wake: Arc<watch::Sender<u64>>,
}

impl Hub {
    pub fn new(configs: &[StreamConfig]) -> Hub {
        Hub::continuing(configs, new_epoch(), &HashMap::new())
    }

    /// A hub that goes on with a saved epoch: each stream numbers its lines
    /// from its entry in `next_seqs` (1 for a stream without one).
    pub fn continuing(configs: &[StreamConfig], epoch: String, next_seqs: &HashMap<String, u64>) -> Hub {
        let hub = Hub {
            epoch,
            streams: RwLock::new(Vec::new()),
            retired: Mutex::new(HashMap::new()),
            version: AtomicU64::new(0),
            wake: Arc::new(watch::Sender::new(0)),
        };
        for c in configs {
            let next = next_seqs.get(&c.id).copied().unwrap_or(1);
            hub.insert(Arc::new(Stream::new(c, hub.wake.clone(), next)));
        }
        hub
    }

    /// The current streams, in configuration order.
    pub fn streams(&self) -> Vec<Arc<Stream>> {
        self.streams.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn stream(&self, id: &str) -> Option<Arc<Stream>> {
        self.streams().into_iter().find(|s| s.id == id)
    }

    /// A stream for `c` that clients cannot see yet, so that its history can be filled first.
    /// Its seq continues where a stream of the same id left off.
    pub fn prepare(&self, c: &StreamConfig) -> Arc<Stream> {
        let last = self
            .stream(&c.id)
            .map(|s| s.last_seq())
            .or_else(|| self.retired().get(&c.id).copied());
        Arc::new(Stream::new(c, self.wake.clone(), last.unwrap_or(0) + 1))
    }

    /// Makes a prepared stream visible, replacing one with the same id.
    pub fn insert(&self, stream: Arc<Stream>) {
        self.remove(&stream.id);
        self.retired().remove(&stream.id);
        self.streams.write().unwrap_or_else(|e| e.into_inner()).push(stream);
        self.changed();
    }

    /// Removes a stream; its readers keep what they have and get nothing more from it.
    pub fn remove(&self, id: &str) -> Option<Arc<Stream>> {
        let mut streams = self.streams.write().unwrap_or_else(|e| e.into_inner());
        let i = streams.iter().position(|s| s.id == id)?;
        let old = streams.remove(i);
        drop(streams);
        self.retired().insert(old.id.clone(), old.last_seq());
        self.changed();
        Some(old)
    }

    fn retired(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.retired.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn changed(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
        self.wake.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Changes whenever streams are added or removed.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// A receiver that changes whenever any stream publishes or the streams change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.wake.subscribe()
    }
}

/// A name for this run of the daemon: start time and pid, in hex.
fn new_epoch() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{:x}", std::process::id())
}

/// One stream: its history ring and what its readers have taken.
pub struct Stream {
    pub id: String,
    pub path: PathBuf,
    pub format: Format,
    limits: History,
    ring: Mutex<Ring>,
    wake: Arc<watch::Sender<u64>>,
    readers: Readers,
}

struct Ring {
    frames: VecDeque<Frame>,
    /// Frame number of `frames[0]`.
    base_fno: u64,
    next_seq: u64,
    lines: usize,
    bytes: usize,
}

impl Ring {
    fn end_fno(&self) -> u64 {
        self.base_fno + self.frames.len() as u64
    }

    /// The seq of the oldest line still held (or the next one if none is).
    fn oldest_seq(&self) -> u64 {
        self.frames.front().map_or(self.next_seq, |f| f.first_seq)
    }
}

impl Stream {
    fn new(c: &StreamConfig, wake: Arc<watch::Sender<u64>>, next_seq: u64) -> Stream {
        Stream {
            id: c.id.clone(),
            path: c.path.clone(),
            format: c.format,
            limits: c.history,
            ring: Mutex::new(Ring {
                frames: VecDeque::new(),
                base_fno: 0,
                next_seq,
                lines: 0,
                bytes: 0,
            }),
            wake,
            readers: Readers::new(),
        }
    }

    fn ring(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The seq of the newest line (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.ring().next_seq - 1
    }

    /// Number of clients reading this stream.
    pub fn readers(&self) -> usize {
        self.readers.len()
    }

    /// The number the next line gets; before anything is published, a
    /// follower that refills the history from a file sets where it begins.
    pub fn start_at(&self, next_seq: u64) {
        let mut ring = self.ring();
        assert!(ring.frames.is_empty(), "numbering is set before the first frame");
        ring.next_seq = next_seq.max(1);
    }

    /// The number the next line gets.
    pub fn next_seq(&self) -> u64 {
        self.ring().next_seq
    }

    /// Publishes the builder's lines as one frame, numbering them; waits for room first.
    pub async fn publish_lines(&self, builder: &mut LinesBuilder) {
        if builder.count() == 0 {
            return;
        }
        self.wait_for_room(builder.count(), builder.body_len()).await;
        let mut ring = self.ring();
        let frame = builder.finish(&self.id, ring.next_seq);
        ring.next_seq = frame.end_seq();
        self.push(ring, frame);
    }

    /// Publishes an event before the next line.
    pub async fn publish_event(&self, event: EventKind, detail: &str) {
        self.wait_for_room(0, detail.len() + 64).await;
        let ring = self.ring();
        let frame = Frame::event(&self.id, ring.next_seq, event, detail);
        self.push(ring, frame);
    }

    fn push(&self, mut ring: MutexGuard<'_, Ring>, frame: Frame) {
        ring.lines += frame.count as usize;
        ring.bytes += frame.text.len();
        ring.frames.push_back(frame);
        while ring.frames.len() > 1 && (ring.lines > self.limits.lines || ring.bytes > self.limits.bytes) {
            let old = ring.frames.pop_front().expect("ring is not empty");
            ring.lines -= old.count as usize;
            ring.bytes -= old.text.len();
            ring.base_fno += 1;
        }
        drop(ring);
        self.wake.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Waits while adding `lines`/`bytes` would evict a frame a live reader has not taken.
    async fn wait_for_room(&self, lines: usize, bytes: usize) {
        while !self.has_room(lines, bytes) {
            self.readers.changed().await;
        }
    }

    fn has_room(&self, lines: usize, bytes: usize) -> bool {
        let Some(needed) = self.readers.slowest_live() else {
            return true;
        };
        let ring = self.ring();
        let (mut lines, mut bytes) = (ring.lines + lines, ring.bytes + bytes);
        for (fno, f) in (ring.base_fno..).zip(ring.frames.iter()) {
            if lines <= self.limits.lines && bytes <= self.limits.bytes {
                return true;
            }
            if fno >= needed {
                return false;
            }
            lines -= f.count as usize;
            bytes -= f.text.len();
        }
        true
    }
}

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
            Start::Backlog(n) => ring.next_seq.saturating_sub(n.min(stream.limits.lines as u64)).max(1),
            // Any number a client sends is fine: one past the end starts live.
            Start::Since(seq) => seq.saturating_add(1),
        };
        // A new page (a backlog) also sees the events after the newest line:
        // a stream that is unreadable says so, even before its first line.
        let trailing_events = matches!(start, Start::Backlog(n) if n > 0);
        let mut first = Vec::new();
        let (next_fno, next_seq) = position(&ring, &stream.id, target, trailing_events, &mut first);
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
fn position(ring: &Ring, id: &str, target: u64, events: bool, first: &mut Vec<Utf8Bytes>) -> (u64, u64) {
    if target >= ring.next_seq && !events {
        // Past the newest line: what comes is skipped up to `target` (see `Cursor::poll`).
        return (ring.end_fno(), target);
    }
    let oldest = ring.oldest_seq();
    let target = if target < oldest {
        first.push(gap(id, target, oldest - target));
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

#[cfg(test)]
mod tests;
