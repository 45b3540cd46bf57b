//! A WebSocket client of protocol v1 (docs/protocol.md). It decodes every
//! frame with the daemon's own `logmon::protocol::Message`, files the lines
//! by stream, and checks that each `lines` frame continues its stream's
//! numbering exactly: a seq jump, or a `gap` the test did not allow, fails.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use logmon::protocol::{Event, EventKind, Gap, Hello, Lines, Message, Stats, StreamInfo, StreamState};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{Daemon, FRAME_TIMEOUT};

/// A line as received: its sequence number and its text.
pub type Line = (u64, String);

/// A connected client, over TCP unless `S` says otherwise.
pub struct Client<S = MaybeTlsStream<TcpStream>> {
    ws: WebSocketStream<S>,
    /// The latest `hello`.
    pub hello: Hello,
    /// Number of `hello` frames after the first (sent when what hello says changes).
    hellos: usize,
    pending: HashMap<String, VecDeque<Line>>,
    next_seq: HashMap<String, u64>,
    /// Every `event` received so far, in order.
    pub events: Vec<Event>,
    /// The `stats` messages received.
    pub stats: Vec<Stats>,
    /// When false (the default) a `gap` frame fails the test at once.
    pub allow_gaps: bool,
    /// Every `gap` received (only with `allow_gaps`).
    pub gaps: Vec<Gap>,
    /// Number of WebSocket pings received (answered automatically).
    pub pings: usize,
    /// Set once the server closed the connection (with its close frame, if any).
    pub closed: Option<Option<CloseFrame>>,
}

impl Client {
    /// Connects to the daemon's `/ws?QUERY` and reads the `hello` frame.
    pub async fn connect(d: &Daemon, query: &str) -> Client {
        Self::connect_url(&d.ws_url(query)).await
    }

    /// Connects with `backlog=0` and expects the first live line of every
    /// stream to be hello's `seq` + 1.
    pub async fn connect_live(d: &Daemon) -> Client {
        let mut c = Self::connect(d, "backlog=0").await;
        c.expect_live_from_hello();
        c
    }

    /// Connects to `url` and reads the `hello` frame.
    pub async fn connect_url(url: &str) -> Client {
        let (ws, _resp) = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(url))
            .await
            .unwrap_or_else(|_| panic!("connect to {url} timed out"))
            .unwrap_or_else(|e| panic!("connect to {url} failed: {e}"));
        Self::from_ws(ws).await
    }
}

impl Client<UnixStream> {
    /// Connects to `/ws?QUERY` over the unix socket `sock` and reads the `hello` frame.
    pub async fn connect_unix(sock: &Path, query: &str) -> Self {
        let stream = UnixStream::connect(sock)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", sock.display()));
        let url = format!("ws://localhost/ws?{query}");
        let (ws, _resp) = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::client_async(url, stream))
            .await
            .expect("upgrade over unix socket timed out")
            .expect("upgrade over unix socket");
        Self::from_ws(ws).await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// Wraps an established WebSocket and reads its `hello` frame, which
    /// must come first and say version 1.
    pub async fn from_ws(ws: WebSocketStream<S>) -> Self {
        let mut c = Client {
            ws,
            hello: Hello {
                version: 0,
                epoch: String::new(),
                streams: Vec::new(),
            },
            hellos: 0,
            pending: HashMap::new(),
            next_seq: HashMap::new(),
            events: Vec::new(),
            stats: Vec::new(),
            allow_gaps: false,
            gaps: Vec::new(),
            pings: 0,
            closed: None,
        };
        let first = c.next_message(Instant::now() + FRAME_TIMEOUT).await;
        let Some(Message::Hello(hello)) = first else {
            panic!("first frame is not hello: {first:?}");
        };
        assert_eq!(hello.version, 1, "hello version: {hello:?}");
        c.hello = hello;
        c
    }

    /// After a `backlog=0` connect: the next line of each stream must be the
    /// one after hello's `seq`.
    pub fn expect_live_from_hello(&mut self) {
        for s in &self.hello.streams {
            self.next_seq.insert(s.id.clone(), s.seq + 1);
        }
    }

    /// hello's `seq` for `stream`.
    pub fn hello_seq(&self, stream: &str) -> u64 {
        self.info(stream).seq
    }

    /// What the latest hello says of `stream`.
    pub fn info(&self, stream: &str) -> &StreamInfo {
        let info = self.hello.streams.iter().find(|s| s.id == stream);
        info.unwrap_or_else(|| panic!("stream {stream} not in hello {:?}", self.hello))
    }

    /// Ids of the streams announced by hello.
    pub fn stream_ids(&self) -> Vec<String> {
        self.hello.streams.iter().map(|s| s.id.clone()).collect()
    }

    /// The next WebSocket frame, or None at the deadline or once closed.
    async fn next_frame(&mut self, deadline: Instant) -> Option<Frame> {
        if self.closed.is_some() {
            return None;
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, self.ws.next()).await {
            Err(_) => None,
            Ok(Some(Ok(frame))) => Some(frame),
            Ok(None) => {
                self.closed = Some(None);
                None
            }
            Ok(Some(Err(e))) => {
                // A reset after close, or a protocol error: treat as closed.
                eprintln!("websocket read error: {e}");
                self.closed = Some(None);
                None
            }
        }
    }

    /// The next protocol message, or None at the deadline or once closed.
    /// Pings are counted (and answered by the WebSocket layer).
    async fn next_message(&mut self, deadline: Instant) -> Option<Message> {
        loop {
            match self.next_frame(deadline).await? {
                Frame::Text(t) => {
                    let text = t.as_str();
                    let message = Message::decode(text);
                    return Some(message.unwrap_or_else(|e| panic!("not a protocol message ({e}): {text}")));
                }
                Frame::Binary(b) => panic!("unexpected binary frame of {} bytes", b.len()),
                Frame::Close(cf) => {
                    self.closed = Some(cf);
                    return None;
                }
                Frame::Ping(_) => self.pings += 1,
                Frame::Pong(_) | Frame::Frame(_) => {}
            }
        }
    }

    /// Reads one message and files it. Returns false on timeout or close.
    async fn pump(&mut self, deadline: Instant) -> bool {
        let Some(message) = self.next_message(deadline).await else {
            return false;
        };
        match message {
            Message::Lines(lines) => self.file_lines(lines),
            Message::Gap(gap) => self.file_gap(gap),
            Message::Event(event) => self.events.push(event),
            Message::Stats(stats) => self.stats.push(*stats),
            // A new hello comes only when what it says changes (a reload, a stream's state).
            Message::Hello(hello) => {
                assert_eq!(hello.epoch, self.hello.epoch, "a new hello keeps the epoch");
                self.hello = hello;
                self.hellos += 1;
            }
            Message::Unknown => {}
        }
        true
    }

    fn file_lines(&mut self, Lines { stream, seq, lines }: Lines) {
        if let Some(&want) = self.next_seq.get(&stream) {
            assert_eq!(
                seq,
                want,
                "stream {stream}: lines frame starts at seq {seq}, expected {want} (first line: {:?})",
                lines.first()
            );
        }
        self.next_seq.insert(stream.clone(), seq + lines.len() as u64);
        self.pending.entry(stream).or_default().extend((seq..).zip(lines));
    }

    fn file_gap(&mut self, gap: Gap) {
        assert!(self.allow_gaps, "unexpected gap frame: {gap:?}");
        if let Some(&want) = self.next_seq.get(&gap.stream) {
            let (stream, seq) = (&gap.stream, gap.seq);
            assert_eq!(seq, want, "stream {stream}: gap starts at {seq}, expected {want}");
        }
        self.next_seq.insert(gap.stream.clone(), gap.seq + gap.count);
        self.gaps.push(gap);
    }

    /// Number of lines of `stream` received but not yet taken.
    fn pending_len(&self, stream: &str) -> usize {
        self.pending.get(stream).map_or(0, VecDeque::len)
    }

    /// Waits for a further `hello` frame (sent after what hello says changed).
    pub async fn wait_hello(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let before = self.hellos;
        while self.hellos == before {
            assert!(self.pump(deadline).await, "no new hello within {timeout:?}");
        }
    }

    /// Reads until a hello says `stream` is in `state` (the latest one may
    /// already say so); what it says of the stream.
    pub async fn wait_state(&mut self, stream: &str, state: StreamState, timeout: Duration) -> StreamInfo {
        let deadline = Instant::now() + timeout;
        while self.info(stream).state != state {
            let now = self.info(stream).clone();
            assert!(
                self.pump(deadline).await,
                "stream {stream}: no hello saying {state:?} within {timeout:?}; the latest says {now:?}"
            );
        }
        self.info(stream).clone()
    }

    /// Waits for exactly the next `n` lines of `stream`. Fails on a gap
    /// frame, on a seq jump, or at the timeout.
    pub async fn expect_lines(&mut self, stream: &str, n: usize, timeout: Duration) -> Vec<Line> {
        let deadline = Instant::now() + timeout;
        while self.pending_len(stream) < n {
            if !self.pump(deadline).await {
                let q = self.pending.get(stream).cloned().unwrap_or_default();
                let last: Vec<_> = q.iter().rev().take(3).rev().collect();
                panic!(
                    "stream {stream}: expected {n} lines within {timeout:?}, got {} \
                     (closed: {:?}); last received: {last:?}; events: {:?}",
                    q.len(),
                    self.closed,
                    self.events
                );
            }
        }
        self.pending.get_mut(stream).unwrap().drain(..n).collect()
    }

    /// Waits until at least `min` lines of `stream` are waiting, then takes
    /// all of them.
    pub async fn expect_at_least(&mut self, stream: &str, min: usize, timeout: Duration) -> Vec<Line> {
        let deadline = Instant::now() + timeout;
        while self.pending_len(stream) < min {
            assert!(
                self.pump(deadline).await,
                "stream {stream}: expected at least {min} lines within {timeout:?}, got {} (closed: {:?})",
                self.pending_len(stream),
                self.closed
            );
        }
        let q = self.pending.get_mut(stream);
        q.map(|q| q.drain(..).collect()).unwrap_or_default()
    }

    /// Reads frames for `dur` and fails if any line of `stream` arrives
    /// (or is already waiting).
    pub async fn expect_no_lines(&mut self, stream: &str, dur: Duration) {
        let deadline = Instant::now() + dur;
        while self.pump(deadline).await {}
        if let Some(q) = self.pending.get(stream) {
            assert!(
                q.is_empty(),
                "stream {stream}: {} unexpected extra lines, first: {:?}",
                q.len(),
                q.front()
            );
        }
    }

    /// Waits for an `event` of `stream` saying `kind` (also among the events
    /// already received). None at the timeout.
    pub async fn wait_event(&mut self, stream: &str, kind: EventKind, timeout: Duration) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        let mut seen = 0;
        loop {
            let found = self.events[seen..]
                .iter()
                .find(|e| e.stream == stream && e.event == kind);
            if let Some(e) = found {
                return Some(e.clone());
            }
            seen = self.events.len();
            if !self.pump(deadline).await {
                return None;
            }
        }
    }

    /// Reads until a `stats` message of `stream` satisfies `done`; that
    /// message, or None at the timeout. The messages of `stream` received
    /// so far are used up; other streams' are kept for their own wait (a
    /// late second's point is sent once).
    pub async fn wait_stats(
        &mut self,
        stream: &str,
        timeout: Duration,
        done: impl Fn(&Stats) -> bool,
    ) -> Option<Stats> {
        let deadline = Instant::now() + timeout;
        loop {
            let (mine, others) = std::mem::take(&mut self.stats)
                .into_iter()
                .partition(|s| s.stream == stream);
            self.stats = others;
            let found = Vec::into_iter(mine).find(|s| done(s));
            if found.is_some() {
                return found;
            }
            if !self.pump(deadline).await {
                return None;
            }
        }
    }

    /// Reads until the server closes the connection; returns its close frame.
    pub async fn expect_close(&mut self, timeout: Duration) -> Option<CloseFrame> {
        let deadline = Instant::now() + timeout;
        while self.closed.is_none() {
            if !self.pump(deadline).await && self.closed.is_none() {
                panic!("connection not closed within {timeout:?}");
            }
        }
        self.closed.clone().unwrap()
    }

    /// Sends a text message to the server.
    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Frame::text(text.to_string())).await.expect("send text");
    }

    /// Closes the connection from the client side.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.ws.close(None)).await;
    }
}
