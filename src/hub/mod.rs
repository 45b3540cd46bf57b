//! Per-stream sequence numbers, history ring and fan-out of encoded frames.
//!
//! Each stream keeps a ring of encoded frames bounded in lines and bytes.
//! Clients do not have queues of their own: each holds a `Cursor` into the
//! ring and copies out (reference-counted) frames when it is ready to write.
//! A client whose cursor fell out of the ring gets a `gap` and continues.
//! The follower waits before publishing a frame that would evict one a live
//! client (one that keeps polling) has not taken yet: the log file is the
//! buffer. A client that stopped reading holds nobody back; it gets a gap.

mod counters;
mod cursor;
mod places;
mod readers;
mod status;
mod ticks;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Utf8Bytes;

pub use counters::StreamCounters;
pub use cursor::{Cursor, Start};
use places::Places;
pub use places::{Place, SPACING};
use readers::Readers;
pub use status::PathStatus;
pub use ticks::tick_stats;

use crate::config::{History, StreamConfig};
use crate::layout::{self, Layout, NginxFormats, Resolved};
use crate::protocol::{EventKind, Frame, LinesBuilder};
use crate::stats::Stats;

/// All streams of one daemon run.
pub struct Hub {
    pub epoch: String,
    streams: RwLock<Vec<Arc<Stream>>>,
    /// The last seq of streams that were removed, so that a stream added again continues.
    retired: Mutex<HashMap<String, u64>>,
    signal: Arc<Signal>,
    /// The streams' latest `stats` messages.
    stats: Mutex<Arc<StatsTick>>,
    /// nginx's formats, by which streams get their layouts.
    nginx: RwLock<Arc<NginxFormats>>,
}

/// Wakes the sessions: at every publish, and whenever what `hello` says
/// changes, which it also counts.
#[derive(Default)]
struct Signal {
    /// Changes whenever what `hello` says changes: the set of streams, a
    /// stream's format, a stream's state.
    version: AtomicU64,
    wake: watch::Sender<u64>,
}

impl Signal {
    /// Something new to send.
    fn wake(&self) {
        self.wake.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Something new for `hello` to say.
    fn changed(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
        self.wake();
    }
}

/// One second's `stats` messages, one per stream.
#[derive(Default)]
pub struct StatsTick {
    /// Counts the ticks, so that a reader sends each once.
    pub number: u64,
    pub frames: Vec<(String, Utf8Bytes)>,
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
            signal: Arc::default(),
            stats: Mutex::default(),
            nginx: RwLock::new(Arc::new(NginxFormats::builtin())),
        };
        let nginx = NginxFormats::builtin();
        for c in configs {
            let next = next_seqs.get(&c.id).copied().unwrap_or(1);
            hub.insert(Arc::new(Stream::new(c, hub.signal.clone(), next, &nginx)));
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
        let nginx = self.nginx.read().unwrap_or_else(|e| e.into_inner()).clone();
        Arc::new(Stream::new(c, self.signal.clone(), last.unwrap_or(0) + 1, &nginx))
    }

    /// Makes a prepared stream visible, replacing one with the same id.
    pub fn insert(&self, stream: Arc<Stream>) {
        self.remove(&stream.id);
        self.retired().remove(&stream.id);
        self.streams.write().unwrap_or_else(|e| e.into_inner()).push(stream);
        self.signal.changed();
    }

    /// Removes a stream; its readers keep what they have and get nothing more from it.
    pub fn remove(&self, id: &str) -> Option<Arc<Stream>> {
        let mut streams = self.streams.write().unwrap_or_else(|e| e.into_inner());
        let i = streams.iter().position(|s| s.id == id)?;
        let old = streams.remove(i);
        drop(streams);
        self.retired().insert(old.id.clone(), old.last_seq());
        self.signal.changed();
        Some(old)
    }

    fn retired(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.retired.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes whenever what `hello` says changes: streams added or
    /// removed, a stream's format or state.
    pub fn version(&self) -> u64 {
        self.signal.version.load(Ordering::Acquire)
    }

    /// Gives every stream the layout of its format in `configs`, by nginx's
    /// formats (at start, and again on reload); a stream whose layout or
    /// format changed is told to clients by a new `hello`. Returns why a
    /// stream did not get the format it names.
    pub fn set_layouts(&self, configs: &[StreamConfig], nginx: NginxFormats) -> Vec<String> {
        let mut problems = Vec::new();
        for s in self.streams() {
            let Some(c) = configs.iter().find(|c| c.id == s.id) else {
                continue;
            };
            let resolved = layout::resolve(&c.format, &s.path, &nginx);
            if let Some(why) = &resolved.fallback {
                problems.push(format!("stream {}: {why}; its lines are shown as plain text", s.id));
            }
            s.set_format(resolved);
        }
        *self.nginx.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(nginx);
        problems
    }

    /// Hands one second's `stats` messages to the readers.
    pub fn publish_stats(&self, frames: Vec<(String, Utf8Bytes)>) {
        let mut tick = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        let number = tick.number + 1;
        *tick = Arc::new(StatsTick { number, frames });
        drop(tick);
        self.signal.wake();
    }

    /// The latest `stats` messages.
    pub fn stats_tick(&self) -> Arc<StatsTick> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A receiver that changes whenever any stream publishes or what `hello` says changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.signal.wake.subscribe()
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
    /// The layout and where its format came from.
    format: RwLock<Arc<Resolved>>,
    /// What the follower last saw at the path (`status.rs`).
    status: Mutex<PathStatus>,
    pub stats: Stats,
    pub counters: StreamCounters,
    limits: History,
    ring: Mutex<Ring>,
    signal: Arc<Signal>,
    readers: Readers,
    /// Where numbered lines are in the files (`places.rs`).
    places: Mutex<Places>,
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
    fn new(c: &StreamConfig, signal: Arc<Signal>, next_seq: u64, nginx: &NginxFormats) -> Stream {
        Stream {
            id: c.id.clone(),
            path: c.path.clone(),
            format: RwLock::new(Arc::new(layout::resolve(&c.format, &c.path, nginx))),
            status: Mutex::default(),
            stats: Stats::new(&c.id),
            counters: StreamCounters::default(),
            limits: c.history,
            ring: Mutex::new(Ring {
                frames: VecDeque::new(),
                base_fno: 0,
                next_seq,
                lines: 0,
                bytes: 0,
            }),
            signal,
            readers: Readers::new(),
            places: Mutex::default(),
        }
    }

    fn ring(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The seq of the newest line (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.ring().next_seq - 1
    }

    /// How the stream's lines split into fields.
    pub fn layout(&self) -> Arc<Layout> {
        self.format().layout.clone()
    }

    /// The layout and where its format came from.
    pub fn format(&self) -> Arc<Resolved> {
        self.format.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the layout and its origin; a change is told to clients by a new `hello`.
    fn set_format(&self, new: Resolved) {
        let mut format = self.format.write().unwrap_or_else(|e| e.into_inner());
        if **format != new {
            *format = Arc::new(new);
            drop(format);
            self.signal.changed();
        }
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

    /// Records where a line starts in a file (the follower, at discontinuities).
    pub fn record_place(&self, place: Place) {
        self.places.lock().unwrap_or_else(|e| e.into_inner()).push(place);
    }

    /// Every recorded place, with the number of lines it covers.
    pub fn places(&self) -> Vec<(Place, u64)> {
        let next = self.next_seq();
        self.places.lock().unwrap_or_else(|e| e.into_inner()).all(next)
    }

    /// Where line `seq` is: the place before it and how many lines on; `None` once unknown.
    pub fn locate(&self, seq: u64) -> Option<(Place, u64)> {
        let next = self.next_seq();
        self.places.lock().unwrap_or_else(|e| e.into_inner()).locate(seq, next)
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
        if matches!(event, EventKind::Rotated | EventKind::Truncated) {
            self.counters.rotations.fetch_add(1, Ordering::Relaxed);
        }
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
        self.signal.wake();
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

#[cfg(test)]
mod tests;
