//! Per-stream sequence numbers, history ring and fan-out of encoded frames.
//!
//! Each stream keeps a ring of encoded frames bounded in lines and bytes.
//! Clients do not have queues of their own: each holds a `Cursor` into the
//! ring and copies out (reference-counted) frames when it is ready to write.
//! The follower waits before publishing a frame that would evict one a live
//! client (one that keeps polling) has not taken yet: the log file is the
//! buffer. A client that reads slowly or stopped reading holds nobody back:
//! once its cursor fell out of the ring it is `Behind`, and its session
//! reads the lines it missed from disk (`http/catchup.rs`).
//!
//! This file is the registry of streams ([`Hub`]) and the signal that wakes
//! sessions; a stream (`stream.rs`) is made of parts with their own homes:
//! the ring (`ring.rs`), readers (`readers.rs`) and their cursors
//! (`cursor.rs`), places of numbered lines (`places.rs`), its state
//! (`status.rs`) and counters (`counters.rs`, `ticks.rs`).

mod counters;
mod cursor;
mod places;
mod readers;
mod ring;
mod status;
mod stream;
mod ticks;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Utf8Bytes;

pub use counters::StreamCounters;
pub use cursor::{Behind, Cursor, Start};
pub use places::{Place, SPACING};
pub use status::PathStatus;
pub use stream::Stream;
pub use ticks::tick_stats;

use crate::config::StreamConfig;
use crate::layout::{self, NginxFormats};

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
/// changes, which it also counts; apart, at every second's `stats`, the
/// sessions that take them (the others sleep through it).
#[derive(Default)]
struct Signal {
    /// Changes whenever what `hello` says changes: the set of streams, a
    /// stream's format, a stream's state.
    version: AtomicU64,
    wake: watch::Sender<u64>,
    stats: watch::Sender<u64>,
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

    /// A stream whose lines come from elsewhere (a fleet's agent, through a
    /// viewer) rather than a follower: its format is resolved by `nginx`
    /// (the agent's), and it numbers from `next_seq`, as the agent does.
    pub fn prepare_fed(&self, c: &StreamConfig, nginx: &NginxFormats, next_seq: u64) -> Arc<Stream> {
        Arc::new(Stream::new(c, self.signal.clone(), next_seq, nginx))
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
        self.signal.stats.send_replace(number);
    }

    /// The latest `stats` messages.
    pub fn stats_tick(&self) -> Arc<StatsTick> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A receiver that changes whenever any stream publishes or what `hello` says changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.signal.wake.subscribe()
    }

    /// A receiver that changes at every second's `stats` messages.
    pub fn subscribe_stats(&self) -> watch::Receiver<u64> {
        self.signal.stats.subscribe()
    }
}

/// A name for this run of the daemon: start time and pid, in hex.
fn new_epoch() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{:x}", std::process::id())
}

#[cfg(test)]
mod tests;
