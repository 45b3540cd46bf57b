//! One host's stream on a viewer: a hub stream fed with the agent's
//! messages instead of a follower (`Stream::publish_at`), numbered as the
//! agent numbers it, with its statistics counted from the lines as for a
//! local stream.
//!
//! The agent's events (a rotation, a file missing, …) come on the same
//! subject, between the lines they sat between, and are published into
//! the stream as the agent's follower published them.
//!
//! When the agent's layout changes (a reload that gives the stream another
//! format, or nginx's format changed), its next message's headers say so,
//! and the stream takes the new layout: its clients get a new `hello`.
//!
//! An agent whose epoch changes (its state was lost) numbers from 1 again:
//! the stream goes on after the last number it gave, so numbers never go
//! back for a browser.

use std::path::PathBuf;
use std::sync::Arc;

use async_nats::HeaderMap;
use serde::Deserialize;

use super::format;
use super::names::{self, EVENT, PATH, Position};
use crate::config::{History, StreamConfig};
use crate::hub::{Hub, Stream};
use crate::protocol::Event;
use crate::stats::Feed;

/// A host's stream as the viewer serves it.
pub struct Fed {
    stream: Arc<Stream>,
    feed: Feed,
    /// The agent's epoch, and what its numbers are shifted by.
    epoch: String,
    offset: u64,
    /// The layout headers of the last message, to notice the agent's change.
    layout: String,
}

/// The lines of a message (a `lines` frame of the agent's).
#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    lines: Vec<std::borrow::Cow<'a, str>>,
}

impl Fed {
    /// The stream `host/stream` for its first message, made visible in the hub.
    pub fn start(hub: &Hub, host: &str, stream: &str, headers: &HeaderMap, history: History) -> std::io::Result<Fed> {
        let (fmt, nginx) = format::read(headers);
        let agent_path = names::header(headers, PATH).unwrap_or("?");
        let config = StreamConfig {
            id: names::fleet_id(host, stream),
            // Not a path on this machine: a viewer reads no files.
            path: PathBuf::from(format!("{host}:{agent_path}")),
            format: fmt,
            history,
        };
        let position = Position::read(headers);
        let first = position.as_ref().map_or(1, |p| p.seq);
        let stream = hub.prepare_fed(&config, &nginx, first);
        hub.insert(stream.clone());
        Ok(Fed {
            feed: Feed::start(stream.clone())?,
            stream,
            epoch: position.map(|p| p.epoch).unwrap_or_default(),
            offset: 0,
            layout: format::key(headers),
        })
    }

    /// Publishes a message's lines that the stream does not have yet, and
    /// counts them; a message that does not read is logged and skipped.
    pub async fn receive(&mut self, headers: &HeaderMap, payload: &[u8]) {
        let Some(position) = Position::read(headers) else {
            return log::warn!("fleet: {}: a message without its position", self.stream.id);
        };
        if position.epoch != self.epoch {
            log::info!("fleet: {}: the agent's epoch is now {}", self.stream.id, position.epoch);
            self.epoch = position.epoch.clone();
            self.offset = self.stream.next_seq() - 1;
        }
        let layout = format::key(headers);
        if layout != self.layout {
            let (fmt, nginx) = format::read(headers);
            log::info!("fleet: {}: the agent's format is now {fmt:?}", self.stream.id);
            self.stream.reformat(&fmt, &nginx);
            self.layout = layout;
        }
        if names::header(headers, EVENT).is_some() {
            return self.event(&position, payload).await;
        }
        let body: Body = match serde_json::from_slice(payload) {
            Ok(b) => b,
            Err(e) => return log::warn!("fleet: {}: a message that does not read: {e}", self.stream.id),
        };
        let lines: Vec<&str> = body.lines.iter().map(|l| l.as_ref()).collect();
        log::debug!("fleet: {} lines {}..{}", self.stream.id, position.seq, position.end());
        let had = self.stream.publish_at(self.offset + position.seq, &lines).await;
        for line in &lines[had..] {
            self.feed.push(line.as_bytes());
        }
        self.feed.send().await;
    }

    /// Publishes the agent's event (a rotation, a missing file, …) before
    /// the line it came before, unless the stream is past that line (a
    /// redelivery).
    async fn event(&mut self, position: &Position, payload: &[u8]) {
        let event: Event = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => return log::warn!("fleet: {}: an event that does not read: {e}", self.stream.id),
        };
        if self.offset + position.seq >= self.stream.next_seq() {
            self.stream.publish_event(event.event, &event.detail).await;
        }
    }
}
