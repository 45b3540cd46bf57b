//! One WebSocket client: hello, then frames from its cursors, pings, and a clean close.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use super::State;
use crate::hub::{Cursor, Hub, Start};

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// At most this many bytes of frames are taken from the hub per write.
const BATCH_BYTES: usize = 256 * 1024;

/// What a client asked for in its query.
pub struct Wanted {
    /// The streams asked for; `None` means all, including streams added later.
    pub ids: Option<Vec<String>>,
    pub backlog: u64,
    pub since: HashMap<String, u64>,
}

/// The streams a client reads and where it stands in each.
struct Subs {
    wanted: Wanted,
    cursors: Vec<Cursor>,
    version: u64,
}

impl Subs {
    /// Subscribes to the wanted streams; returns the subscriptions and the first messages (hello first).
    fn open(wanted: Wanted, hub: &Hub) -> (Subs, Vec<Utf8Bytes>) {
        let mut subs = Subs {
            wanted,
            cursors: Vec::new(),
            version: hub.version(),
        };
        let mut first = Vec::new();
        let infos = subs.subscribe_missing(hub, &HashMap::new(), &mut first);
        first.insert(0, hello(&hub.epoch, infos));
        (subs, first)
    }

    /// After streams were added or removed: follow the change and send a new hello.
    fn resync(&mut self, hub: &Hub, out: &mut Vec<Utf8Bytes>) {
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
    ) -> Vec<serde_json::Value> {
        let mut infos = Vec::new();
        for stream in hub.streams() {
            if self.wanted.ids.as_ref().is_some_and(|ids| !ids.contains(&stream.id)) {
                continue;
            }
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
                    self.cursors.push(cursor);
                    last_seq
                }
            };
            infos.push(serde_json::json!({
                "id": stream.id, "path": stream.path, "format": stream.format.as_str(), "seq": last_seq
            }));
        }
        infos
    }

    fn poll(&mut self, batch: &mut Vec<Utf8Bytes>) {
        for c in self.cursors.iter_mut() {
            c.poll(batch, BATCH_BYTES);
        }
    }
}

fn hello(epoch: &str, streams: Vec<serde_json::Value>) -> Utf8Bytes {
    let hello = serde_json::json!({"type": "hello", "version": 1, "epoch": epoch, "streams": streams});
    Utf8Bytes::from(hello.to_string())
}

/// Runs one client until it leaves, fails, stalls or the daemon shuts down.
pub async fn run(mut ws: Ws, wanted: Wanted, peer: &str, state: &State) {
    let (mut subs, first) = Subs::open(wanted, &state.hub);
    let ping = state.settings().ping_interval;
    let stall_limit = ping * 3;
    log::debug!(client = peer; "client {peer} connected ({} streams)", subs.cursors.len());
    state.clients.fetch_add(1, Ordering::Relaxed);
    let mut wake = state.hub.subscribe();
    let mut last_seen = Instant::now();
    let mut ticker = tokio::time::interval_at(Instant::now() + ping, ping);
    let mut batch = first;
    let mut ping_due = false;
    let reason = loop {
        subs.resync(&state.hub, &mut batch);
        subs.poll(&mut batch);
        if !batch.is_empty() || ping_due {
            let send = send_all(&mut ws, &mut batch, std::mem::take(&mut ping_due));
            tokio::select! {
                r = tokio::time::timeout(stall_limit, send) => match r {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => break format!("write failed: {e}"),
                    Err(_) => break "client stopped reading".to_string(),
                },
                _ = state.shutdown.cancelled() => {
                    close(&mut ws, CloseCode::Away, "server shutting down").await;
                    break "shutdown".to_string();
                }
            }
            continue;
        }
        tokio::select! {
            _ = state.shutdown.cancelled() => {
                close(&mut ws, CloseCode::Away, "server shutting down").await;
                break "shutdown".to_string();
            }
            r = wake.changed() => if r.is_err() { break "hub closed".to_string() },
            msg = ws.next() => match msg {
                Some(Ok(Message::Close(_))) | None => break "client closed".to_string(),
                Some(Ok(_)) => last_seen = Instant::now(),
                Some(Err(WsError::Capacity(e))) => {
                    close(&mut ws, CloseCode::Size, "message too big").await;
                    break format!("client message too big: {e}");
                }
                Some(Err(e)) => break format!("read failed: {e}"),
            },
            _ = ticker.tick() => {
                if last_seen.elapsed() > stall_limit {
                    close(&mut ws, CloseCode::Policy, "no answer to pings").await;
                    break "no answer to pings".to_string();
                }
                ping_due = true;
            }
        }
    };
    state.clients.fetch_sub(1, Ordering::Relaxed);
    log::debug!(client = peer; "client {peer} disconnected: {reason}");
}

/// Sends every message of `batch`, and a ping if one is due, with one flush.
async fn send_all(
    ws: &mut Ws,
    batch: &mut Vec<Utf8Bytes>,
    ping: bool,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    for text in batch.drain(..) {
        ws.feed(Message::Text(text)).await?;
    }
    if ping {
        ws.feed(Message::Ping(Default::default())).await?;
    }
    ws.flush().await
}

async fn close(ws: &mut Ws, code: CloseCode, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(Some(frame))).await;
}
