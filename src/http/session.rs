//! One WebSocket client: hello, then the frames its subscriptions give
//! (`subs.rs`), pings, and a clean close.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use tokio::io::{Join, ReadHalf, WriteHalf};
use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use super::inflate::Inflating;
use super::subs::Subs;
use super::{State, catchup, deflate};
use crate::hub::{Behind, Cursor};
use crate::protocol::{ClientMessage, Query};
use crate::shutdown::Shutdown;

/// The client's connection: its reading half inflates (`inflate.rs`).
type Io = TokioIo<hyper::upgrade::Upgraded>;
type Ws = WebSocketStream<Join<Inflating<ReadHalf<Io>>, WriteHalf<Io>>>;

/// How long each client's wait for frames grows with every client
/// connected, and at most: see [`gather`].
const GATHER_PER_CLIENT: Duration = Duration::from_micros(10);
const MIN_GATHER: Duration = Duration::from_millis(10);
const MAX_GATHER: Duration = Duration::from_millis(100);
/// Lines already waiting for a session that make it take them at once:
/// a burst gathers by itself, and a session that slept through one would
/// fall out of the ring and read it back from disk.
const BURST_LINES: u64 = 1_000;

/// How long a session lets frames gather after it is woken, before it
/// takes them: `GATHER_PER_CLIENT` times the clients connected, from
/// `MIN_GATHER` (1,000 clients) to `MAX_GATHER`, and nothing below. So
/// up to a thousand clients get each frame at once, and more wake at most
/// about `1 / GATHER_PER_CLIENT` times a second in all (100,000: 10,000
/// clients each take what gathered in 100 ms), however fast frames come.
/// Below `MIN_GATHER` the wakes are few enough, and a burst to a hundred
/// clients measured slower with a gather of a millisecond: a session whose
/// timer fired late on a busy runtime fell out of the ring.
fn gather(clients: usize) -> Option<Duration> {
    let wait = GATHER_PER_CLIENT.saturating_mul(clients.try_into().unwrap_or(u32::MAX));
    (wait >= MIN_GATHER).then(|| wait.min(MAX_GATHER))
}

/// Runs one client until it leaves, fails, stalls or the daemon shuts down.
/// With `compress`, the client took permessage-deflate.
pub async fn run(ws: Ws, wanted: Query, compress: bool, peer: &str, state: &State, shutdown: &Shutdown) {
    let (subs, first) = Subs::open(wanted, &state.hub);
    let ping = state.settings().ping_interval;
    log::debug!(client = peer; "client {peer} connected ({} streams)", subs.cursors.len());
    let _present = state.clients.enter();
    let mut session = Session {
        ws,
        subs,
        compress: compress.then_some(&state.deflated),
        state,
        shutdown,
        peer,
        batch: first,
        ping_due: false,
        last_seen: Instant::now(),
        stall_limit: ping * 3,
    };
    let reason = session.serve(ping).await;
    log::debug!(client = peer; "client {peer} disconnected: {reason}");
}

/// One connected client.
struct Session<'a> {
    ws: Ws,
    subs: Subs,
    /// The compressed frames' cache, for a client that took permessage-deflate.
    compress: Option<&'a deflate::Cache>,
    state: &'a State,
    shutdown: &'a Shutdown,
    /// Names the client in logs.
    peer: &'a str,
    /// Messages taken from the hub, not sent yet.
    batch: Vec<Utf8Bytes>,
    ping_due: bool,
    last_seen: Instant,
    /// A client that answers nothing, or takes nothing, for this long is dropped.
    stall_limit: Duration,
}

/// What wakes a waiting session: new lines (or a new `hello`), and each
/// second's `stats` messages.
struct Wakes {
    lines: watch::Receiver<u64>,
    stats: watch::Receiver<u64>,
}

impl Session<'_> {
    /// Sends what there is, waits for more; returns why the connection ended.
    async fn serve(&mut self, ping: Duration) -> String {
        let mut wakes = Wakes {
            lines: self.state.hub.subscribe(),
            stats: self.state.hub.subscribe_stats(),
        };
        let mut ticker = tokio::time::interval_at(Instant::now() + ping, ping);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            if let Err(reason) = self.step(&mut wakes, &mut ticker).await {
                return reason;
            }
        }
    }

    /// One round: take in what the client sent and a due ping even in the
    /// middle of a long burst (a client that reads is alive), then send or wait.
    async fn step(&mut self, wakes: &mut Wakes, ticker: &mut Interval) -> Result<(), String> {
        while let Some(msg) = self.ws.next().now_or_never() {
            self.received(msg).await?;
        }
        if ticker.tick().now_or_never().is_some() {
            self.tick().await?;
        }
        self.subs.resync(&self.state.hub, &mut self.batch);
        if let Some((i, behind)) = self.subs.poll(&self.state.hub, &mut self.batch) {
            self.catch_up(i, behind).await?;
        }
        if !self.batch.is_empty() || self.ping_due {
            self.send().await
        } else {
            self.wait(wakes, ticker).await
        }
    }

    /// Reads lines cursor `i` missed from disk into the batch (a page).
    async fn catch_up(&mut self, i: usize, behind: Behind) -> Result<(), String> {
        let cursor = &mut self.subs.cursors[i];
        tokio::select! {
            () = catchup::read(self.state, cursor, behind, &mut self.batch) => Ok(()),
            _ = self.shutdown.requested() => Err(self.close(CloseCode::Away, "server shutting down").await),
        }
    }

    /// Sends the batch. A send that had to wait for room and then went
    /// through means the client read: it is alive, even while its answers to
    /// pings still queue behind the data it has to read first.
    async fn send(&mut self) -> Result<(), String> {
        let ping = std::mem::take(&mut self.ping_due);
        let waited = AtomicBool::new(false);
        let result = {
            let mut send = std::pin::pin!(send_all(&mut self.ws, &mut self.batch, ping, self.compress));
            let send = std::future::poll_fn(|cx| {
                let poll = send.as_mut().poll(cx);
                if poll.is_pending() {
                    waited.store(true, Ordering::Relaxed);
                }
                poll
            });
            tokio::select! {
                r = tokio::time::timeout(self.stall_limit, send) => Some(r),
                _ = self.shutdown.requested() => None,
            }
        };
        match result {
            None => Err(self.close(CloseCode::Away, "server shutting down").await),
            Some(Ok(Ok(()))) => {
                if waited.load(Ordering::Relaxed) {
                    self.last_seen = Instant::now();
                }
                Ok(())
            }
            Some(Ok(Err(e))) => Err(format!("write failed: {e}")),
            Some(Err(_)) => Err("client stopped reading".to_string()),
        }
    }

    /// Waits for new frames, a second's `stats` if the client takes them,
    /// a client message, a ping tick or shutdown.
    async fn wait(&mut self, wakes: &mut Wakes, ticker: &mut Interval) -> Result<(), String> {
        let stats = self.subs.wants_stats();
        tokio::select! {
            biased;
            _ = self.shutdown.requested() => Err(self.close(CloseCode::Away, "server shutting down").await),
            msg = self.ws.next() => self.received(msg).await,
            r = wakes.lines.changed() => self.woken(r).await,
            r = wakes.stats.changed(), if stats => self.woken(r).await,
            _ = ticker.tick() => self.tick().await,
        }
    }

    async fn woken(&mut self, r: Result<(), watch::error::RecvError>) -> Result<(), String> {
        match r {
            Ok(()) => self.gather().await,
            Err(_) => Err("hub closed".to_string()),
        }
    }

    /// Lets frames gather after a wake, as long as [`gather`] says,
    /// unless a burst is waiting already.
    async fn gather(&mut self) -> Result<(), String> {
        let Some(wait) = gather(self.state.clients.count()) else {
            return Ok(());
        };
        let waiting = |c: &Cursor| (c.stream().last_seq() + 1).saturating_sub(c.next_seq());
        if self.subs.cursors.iter().any(|c| waiting(c) >= BURST_LINES) {
            return Ok(());
        }
        tokio::select! {
            _ = self.shutdown.requested() => Err(self.close(CloseCode::Away, "server shutting down").await),
            () = tokio::time::sleep(wait) => Ok(()),
        }
    }

    /// A message from the client (pongs included): it is alive.
    async fn received(&mut self, msg: Option<Result<Message, WsError>>) -> Result<(), String> {
        match msg {
            Some(Ok(Message::Close(_))) | None => Err("client closed".to_string()),
            Some(Ok(Message::Text(text))) => {
                self.last_seen = Instant::now();
                if let Some(ClientMessage::Stats { on }) = ClientMessage::parse(&text) {
                    self.subs.set_stats(on, &self.state.hub, &mut self.batch);
                }
                Ok(())
            }
            Some(Ok(_)) => {
                self.last_seen = Instant::now();
                Ok(())
            }
            Some(Err(WsError::Capacity(_))) => Err(self.close(CloseCode::Size, "message too big").await),
            Some(Err(WsError::Protocol(e))) => {
                let broke = || format!("client {} broke the WebSocket protocol: {e}", self.peer);
                self.state.reports.report("protocol error", log::Level::Info, broke);
                Err(self.close(CloseCode::Protocol, "protocol error").await)
            }
            Some(Err(e)) => Err(format!("read failed: {e}")),
        }
    }

    /// The ping interval passed: drop a client silent for too long, else ping it.
    async fn tick(&mut self) -> Result<(), String> {
        if self.last_seen.elapsed() > self.stall_limit {
            return Err(self.close(CloseCode::Policy, "no answer to pings").await);
        }
        self.ping_due = true;
        Ok(())
    }

    /// Sends a close frame (briefly: the client may be gone); returns the reason.
    async fn close(&mut self, code: CloseCode, reason: &'static str) -> String {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), self.ws.close(Some(frame))).await;
        reason.to_string()
    }
}

/// Sends every message of `batch` (compressed with `compress`), and a
/// ping if one is due, with one flush.
async fn send_all(
    ws: &mut Ws,
    batch: &mut Vec<Utf8Bytes>,
    ping: bool,
    compress: Option<&deflate::Cache>,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    for text in batch.drain(..) {
        let message = match compress {
            Some(cache) => deflate::message(cache, text),
            None => Message::Text(text),
        };
        ws.feed(message).await?;
    }
    if ping {
        ws.feed(Message::Ping(Default::default())).await?;
    }
    ws.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_gather_longer_as_clients_grow() {
        assert_eq!(gather(1), None, "one client takes each frame at once");
        assert_eq!(gather(999), None);
        assert_eq!(gather(1_000), Some(MIN_GATHER));
        assert_eq!(gather(2_000), Some(Duration::from_millis(20)));
        assert_eq!(gather(10_000), Some(MAX_GATHER));
        assert_eq!(gather(usize::MAX), Some(MAX_GATHER));
    }
}
