//! What a WebSocket client reads: the streams it asked for, a cursor in
//! each, the `hello` that describes them (again whenever what it says
//! changes), and the `stats` messages it wants. The session (`session.rs`)
//! sends what this gives it.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::civil;
use crate::hub::{Behind, Cursor, Hub, Start};
use crate::protocol::{self, Hello, Query, StreamInfo, VERSION};

/// At most this many bytes of frames are taken from the hub per write.
const BATCH_BYTES: usize = 256 * 1024;

/// The streams a client reads and where it stands in each.
pub(super) struct Subs {
    wanted: Query,
    pub(super) cursors: Vec<Cursor>,
    version: u64,
    /// The last `stats` tick sent.
    stats_tick: u64,
}

impl Subs {
    /// Subscribes to the wanted streams; returns the subscriptions and the first messages (hello first).
    pub(super) fn open(wanted: Query, hub: &Hub) -> (Subs, Vec<Utf8Bytes>) {
        let mut subs = Subs {
            wanted,
            cursors: Vec::new(),
            version: hub.version(),
            stats_tick: hub.stats_tick().number,
        };
        let mut first = Vec::new();
        let infos = subs.subscribe_missing(hub, &HashMap::new(), &mut first);
        first.insert(0, hello(&hub.epoch, infos));
        (subs, first)
    }

    /// After what hello says changed (streams added or removed, a stream's
    /// format or state): follow the change and send a new hello.
    pub(super) fn resync(&mut self, hub: &Hub, out: &mut Vec<Utf8Bytes>) {
        if hub.version() == self.version {
            return;
        }
        self.version = hub.version();
        let current = hub.streams();
        let positions: HashMap<String, u64> = self
            .cursors
            .iter()
            .map(|c| (c.stream().id.clone(), c.next_seq()))
            .collect();
        self.cursors
            .retain(|c| current.iter().any(|s| Arc::ptr_eq(s, c.stream())));
        let mut first = Vec::new();
        let infos = self.subscribe_missing(hub, &positions, &mut first);
        out.push(hello(&hub.epoch, infos));
        out.extend(first);
    }

    /// Opens a cursor for every wanted stream that has none; returns the hello entries of all.
    fn subscribe_missing(
        &mut self,
        hub: &Hub,
        positions: &HashMap<String, u64>,
        first: &mut Vec<Utf8Bytes>,
    ) -> Vec<StreamInfo> {
        let mut infos = Vec::new();
        for stream in hub.streams().into_iter().filter(|s| self.wanted.wants(&s.id)) {
            let existing = self.cursors.iter().position(|c| Arc::ptr_eq(c.stream(), &stream));
            let last_seq = match existing {
                Some(_) => stream.last_seq(),
                None => {
                    let start = match (positions.get(&stream.id), self.wanted.since.get(&stream.id)) {
                        (Some(next), _) => Start::Since(next - 1),
                        (None, Some(&seq)) => Start::Since(seq),
                        (None, None) => Start::Backlog(self.wanted.backlog),
                    };
                    let (cursor, last_seq, pre) = Cursor::new(stream.clone(), start);
                    first.extend(pre);
                    if self.wanted.stats {
                        first.push(stream.stats.full(civil::unix_now()));
                    }
                    self.cursors.push(cursor);
                    last_seq
                }
            };
            infos.push(stream.info(last_seq));
        }
        infos
    }

    /// Takes what the cursors have; the first cursor behind the ring, if
    /// one is (its lines are read from disk before it goes on).
    pub(super) fn poll(&mut self, hub: &Hub, batch: &mut Vec<Utf8Bytes>) -> Option<(usize, Behind)> {
        let mut behind = None;
        for (i, c) in self.cursors.iter_mut().enumerate() {
            if let Err(b) = c.poll(batch, BATCH_BYTES) {
                behind = behind.or(Some((i, b)));
            }
        }
        self.poll_stats(hub, batch);
        behind
    }

    /// `stats` messages on or off; turned on, every point kept comes first
    /// (and the seconds' messages from the next on).
    pub(super) fn set_stats(&mut self, on: bool, hub: &Hub, batch: &mut Vec<Utf8Bytes>) {
        if on && !self.wanted.stats {
            self.stats_tick = hub.stats_tick().number;
            let now = civil::unix_now();
            batch.extend(self.cursors.iter().map(|c| c.stream().stats.full(now)));
        }
        self.wanted.stats = on;
    }

    /// Whether the client takes `stats` messages.
    pub(super) fn wants_stats(&self) -> bool {
        self.wanted.stats
    }

    /// The streams' newest `stats` messages, once each.
    fn poll_stats(&mut self, hub: &Hub, batch: &mut Vec<Utf8Bytes>) {
        let tick = hub.stats_tick();
        if tick.number == self.stats_tick {
            return;
        }
        self.stats_tick = tick.number;
        if !self.wanted.stats {
            return;
        }
        for (id, frame) in &tick.frames {
            if self.cursors.iter().any(|c| &c.stream().id == id) {
                batch.push(frame.clone());
            }
        }
    }
}

fn hello(epoch: &str, streams: Vec<StreamInfo>) -> Utf8Bytes {
    let epoch = epoch.to_string();
    protocol::Message::Hello(Hello {
        version: VERSION,
        epoch,
        streams,
    })
    .encode()
}
