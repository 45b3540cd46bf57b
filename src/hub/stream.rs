//! One stream: who it is (id, path, format, state) and the parts that
//! each have their own home: its ring of frames (`ring.rs`), its readers
//! (`readers.rs`), where its numbered lines are in the files
//! (`places.rs`), its statistics (`crate::stats`) and its counters
//! (`counters.rs`). The follower publishes into it; readers take from it.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use super::places::{Place, Places};
use super::readers::Readers;
use super::ring::Ring;
use super::status::PathStatus;
use super::{Signal, StreamCounters};
use crate::config::{Format, StreamConfig};
use crate::layout::{self, Layout, NginxFormats, Resolved};
use crate::protocol::{EventKind, Frame, LinesBuilder};
use crate::stats::Stats;

/// One stream: its history ring and what its readers have taken.
pub struct Stream {
    pub id: String,
    pub path: PathBuf,
    /// The layout and where its format came from.
    format: RwLock<Arc<Resolved>>,
    /// What the follower last saw at the path (`status.rs`).
    pub(super) status: Mutex<PathStatus>,
    pub stats: Stats,
    pub counters: StreamCounters,
    ring: Mutex<Ring>,
    pub(super) signal: Arc<Signal>,
    pub(super) readers: Readers,
    /// Where numbered lines are in the files (`places.rs`).
    places: Mutex<Places>,
}

impl Stream {
    pub(super) fn new(c: &StreamConfig, signal: Arc<Signal>, next_seq: u64, nginx: &NginxFormats) -> Stream {
        Stream {
            id: c.id.clone(),
            path: c.path.clone(),
            format: RwLock::new(Arc::new(layout::resolve(&c.format, &c.path, nginx))),
            status: Mutex::default(),
            stats: Stats::new(&c.id),
            counters: StreamCounters::default(),
            ring: Mutex::new(Ring::new(next_seq, c.history)),
            signal,
            readers: Readers::new(),
            places: Mutex::default(),
        }
    }

    pub(super) fn ring(&self) -> MutexGuard<'_, Ring> {
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
    pub(super) fn set_format(&self, new: Resolved) {
        let mut format = self.format.write().unwrap_or_else(|e| e.into_inner());
        if **format != new {
            *format = Arc::new(new);
            drop(format);
            self.signal.changed();
        }
    }

    /// Gives the stream `format`, resolved by `nginx` (a fleet's stream
    /// whose agent's layout changed); its clients get a new `hello` if the
    /// layout changes.
    pub fn reformat(&self, format: &Format, nginx: &NginxFormats) {
        self.set_format(layout::resolve(format, &self.path, nginx));
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

    /// Publishes lines numbered from `first_seq` that come from elsewhere
    /// (a fleet's agent, through a viewer) instead of a follower: the lines
    /// the stream already has are left out (a redelivery), and a jump in
    /// numbers is a `gap`. Returns how many of `lines` were left out.
    pub async fn publish_at(&self, first_seq: u64, lines: &[&str]) -> usize {
        let next = self.next_seq();
        let had = next.saturating_sub(first_seq).min(lines.len() as u64) as usize;
        if had == lines.len() {
            return had;
        }
        if first_seq > next {
            self.wait_for_room(0, 96).await;
            let mut ring = self.ring();
            let frame = Frame::gap(&self.id, next, first_seq - next);
            ring.next_seq = first_seq;
            self.push(ring, frame);
        }
        let mut builder = LinesBuilder::default();
        for line in &lines[had..] {
            builder.push_text(line);
        }
        self.publish_lines(&mut builder).await;
        had
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
        ring.push(frame);
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
        self.readers
            .slowest_live()
            .is_none_or(|needed| self.ring().has_room(lines, bytes, needed))
    }
}
