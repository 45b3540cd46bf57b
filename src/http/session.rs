//! One WebSocket client: hello, then frames from its cursors, pings, and a clean close.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::State;
use crate::hub::{Cursor, Start, Stream};

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// At most this many bytes of frames are taken from the hub per write.
const BATCH_BYTES: usize = 256 * 1024;

/// One stream a client reads: where it stands, and what it gets first.
pub struct Sub {
    cursor: Cursor,
    info: serde_json::Value,
    first: Vec<Utf8Bytes>,
}

/// Registers a reader of `stream` starting at `start`.
pub fn subscribe(stream: Arc<Stream>, start: Start) -> Sub {
    let (cursor, last_seq, first) = Cursor::new(stream, start);
    let s = cursor.stream();
    let info = serde_json::json!({"id": s.id, "path": s.path, "format": s.format.as_str(), "seq": last_seq});
    Sub { cursor, info, first }
}

/// Runs one client until it leaves, fails, stalls or the daemon shuts down.
pub async fn run(mut ws: Ws, subs: Vec<Sub>, state: &State) {
    let (mut cursors, first) = hello(subs, &state.hub.epoch);
    let ping = state.ping_interval;
    let stall_limit = ping * 3;
    log::debug!("client connected ({} streams)", cursors.len());
    let mut wake = state.hub.subscribe();
    let mut last_seen = Instant::now();
    let mut ticker = tokio::time::interval_at(Instant::now() + ping, ping);
    let mut batch = first;
    let mut ping_due = false;
    let reason = loop {
        for c in cursors.iter_mut() {
            c.poll(&mut batch, BATCH_BYTES);
        }
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
    log::debug!("client disconnected: {reason}");
}

/// Builds the hello message; returns the cursors and the messages to send first.
fn hello(subs: Vec<Sub>, epoch: &str) -> (Vec<Cursor>, Vec<Utf8Bytes>) {
    let infos: Vec<_> = subs.iter().map(|s| s.info.clone()).collect();
    let hello = serde_json::json!({"type": "hello", "version": 1, "epoch": epoch, "streams": infos});
    let mut first = vec![Utf8Bytes::from(hello.to_string())];
    let mut cursors = Vec::new();
    for sub in subs {
        first.extend(sub.first);
        cursors.push(sub.cursor);
    }
    (cursors, first)
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
