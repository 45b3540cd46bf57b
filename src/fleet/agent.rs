//! The agent: each of this host's streams published to JetStream in order,
//! exactly once while its lines are on disk (docs/fleet.md).
//!
//! A stream's publisher reads it as a WebSocket client does: a cursor into
//! the hub's ring, and the lines it is behind read from the files on disk
//! by a client's catch-up (`http/catchup.rs`). Each `lines` frame becomes
//! one message, acknowledged before the next is sent. Where to go on from
//! is asked of JetStream whenever the publisher (re)starts: the last
//! message on its subject. On any failure the cursor is dropped (the
//! follower never waits for NATS) and the publisher starts again a second
//! later.

use std::collections::HashMap;
use std::sync::Arc;

use async_nats::HeaderMap;
use async_nats::jetstream::stream::DirectGetErrorKind;
use bytes::Bytes;
use serde::Deserialize;
use serde::de::IgnoredAny;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::format;
use super::link::Link;
use super::names::{self, PATH, Position};
use super::{REPORT_EVERY, RETRY};
use crate::http::{State, catchup};
use crate::hub::{Cursor, Start, Stream};
use crate::logging::Reports;
use crate::shutdown::Shutdown;

/// Bytes of frames taken from the ring at a time.
const TAKE_BYTES: usize = 256 << 10;

/// Publishes every stream of the hub, those a reload adds too, until shutdown.
pub async fn run(link: Arc<Link>, state: Arc<State>, shutdown: Shutdown) {
    let mut publishing: HashMap<String, Arc<Stream>> = HashMap::new();
    let mut wake = state.hub.subscribe();
    let mut version = None;
    loop {
        if version != Some(state.hub.version()) {
            version = Some(state.hub.version());
            for stream in state.hub.streams() {
                if publishing.get(&stream.id).is_some_and(|s| Arc::ptr_eq(s, &stream)) {
                    continue;
                }
                publishing.insert(stream.id.clone(), stream.clone());
                let publisher = Publisher::new(link.clone(), state.clone(), stream);
                shutdown.spawn(publisher.run(shutdown.clone()));
            }
        }
        tokio::select! {
            _ = shutdown.requested() => return,
            changed = wake.changed() => if changed.is_err() { return },
        }
    }
}

/// One stream's publisher.
struct Publisher {
    link: Arc<Link>,
    state: Arc<State>,
    stream: Arc<Stream>,
    subject: String,
    /// The number of the next line to publish, once known.
    next: Option<u64>,
}

/// What the publisher reads of a frame: its type, first line's number and count.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    seq: Option<u64>,
    #[serde(default)]
    lines: Vec<IgnoredAny>,
    /// An event's kind.
    event: Option<String>,
}

impl Publisher {
    fn new(link: Arc<Link>, state: Arc<State>, stream: Arc<Stream>) -> Publisher {
        let subject = names::subject(&link.config.host, &stream.id);
        Publisher {
            link,
            state,
            stream,
            subject,
            next: None,
        }
    }

    /// Publishes until shutdown, or until the stream leaves the hub; a
    /// failure is logged once a minute at most, with the count in between.
    async fn run(mut self, shutdown: Shutdown) {
        let reports = Reports::new(REPORT_EVERY);
        while self.is_current() && !shutdown.is_requested() {
            let result = tokio::select! {
                _ = shutdown.requested() => return,
                result = self.publish_all() => result,
            };
            let Err(e) = result else { return };
            let id = self.stream.id.as_str();
            reports.report("fleet", log::Level::Warn, || {
                format!("stream {id}: fleet: {e}; retrying every second")
            });
            self.next = None;
            tokio::time::sleep(RETRY).await;
        }
    }

    /// Whether the stream is still the hub's stream of its id.
    fn is_current(&self) -> bool {
        self.state
            .hub
            .stream(&self.stream.id)
            .is_some_and(|s| Arc::ptr_eq(&s, &self.stream))
    }

    /// Publishes from where JetStream stands, as lines come; returns when
    /// the stream leaves the hub, or with the first failure.
    async fn publish_all(&mut self) -> Result<(), String> {
        let next = self.resume_point().await?;
        log::info!(stream = self.stream.id.as_str(); "fleet: publishing {} from line {next}", self.subject);
        self.next = Some(next);
        // The cursor's first frames hold the part of a frame from `next` on.
        let (mut cursor, _, mut frames) = Cursor::new(self.stream.clone(), Start::Since(next - 1));
        let mut wake = self.state.hub.subscribe();
        loop {
            wake.borrow_and_update();
            match cursor.poll(&mut frames, TAKE_BYTES) {
                Ok(_) => {}
                Err(behind) => catchup::read(&self.state, &mut cursor, behind, &mut frames).await,
            }
            if frames.is_empty() {
                if !self.is_current() {
                    return Ok(());
                }
                wake.changed().await.map_err(|_| "the hub is gone".to_string())?;
            }
            for frame in frames.drain(..) {
                self.publish(frame).await?;
            }
        }
    }

    /// The number of the first line JetStream does not have: right after
    /// the last message on the subject if it is of this epoch, else the
    /// epoch's first line.
    async fn resume_point(&self) -> Result<u64, String> {
        let js_stream = self.link.stream().await?;
        match js_stream.direct_get_last_for_subject(&self.subject).await {
            Ok(m) => match Position::read(&m.headers) {
                Some(p) if p.epoch == self.state.hub.epoch => Ok(p.end()),
                _ => Ok(1),
            },
            Err(e) if e.kind() == DirectGetErrorKind::NotFound => Ok(1),
            Err(e) => Err(format!("the last message on {}: {e}", self.subject)),
        }
    }

    /// Publishes a `lines` frame, or an `event` before the next line, and
    /// waits for JetStream's acknowledgement; gaps are not published (the
    /// next message's numbers say so).
    async fn publish(&mut self, frame: Utf8Bytes) -> Result<(), String> {
        let head: Head = serde_json::from_str(frame.as_str()).map_err(|e| format!("a frame: {e}"))?;
        let epoch = self.state.hub.epoch.clone();
        let (position, event) = match (head.kind.as_str(), head.seq, self.next) {
            ("lines", Some(seq), _) => {
                let count = head.lines.len() as u64;
                (Position { epoch, seq, count }, None)
            }
            ("event", _, Some(seq)) => (Position { epoch, seq, count: 0 }, head.event),
            _ => return Ok(()),
        };
        let old = self.next.is_some_and(|n| position.end() <= n);
        if event.is_none() && (position.count == 0 || old) {
            return Ok(());
        }
        let mut headers = self.headers(&position);
        if let Some(event) = &event {
            names::mark_event(&self.subject, &position, event, &mut headers);
        }
        let ack = self
            .link
            .js
            .publish_with_headers(self.subject.clone(), headers, Bytes::from(frame))
            .await
            .map_err(|e| format!("publishing to {}: {e}", self.subject))?;
        let ack = ack.await.map_err(|e| format!("publishing to {}: {e}", self.subject))?;
        log::debug!(
            "fleet: {} lines {}..{} stored as {}",
            self.subject,
            position.seq,
            position.end(),
            ack.sequence
        );
        if ack.duplicate {
            log::debug!("fleet: {} lines {}.. were there already", self.subject, position.seq);
        }
        self.next = Some(position.end());
        Ok(())
    }

    fn headers(&self, position: &Position) -> HeaderMap {
        let mut headers = HeaderMap::new();
        position.write(&self.subject, &mut headers);
        format::write(&self.stream.layout(), &mut headers);
        headers.insert(PATH, self.stream.path.to_string_lossy().as_ref());
        headers
    }
}
