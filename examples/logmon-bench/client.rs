//! The benchmark's WebSocket clients: logmon's protocol v1, and socket.io 2
//! (Engine.IO 3 over a bare WebSocket, as frontail's own page connects).
//!
//! They parse only what they need: a logmon `lines` frame is counted by its
//! `"seq":` and the `","` between its items, never decoded, so that the
//! clients do not become the bottleneck. The rare other messages (`hello`,
//! `gap`), and every frame with `--verify`, are decoded as the library's
//! [`protocol::Message`]. The write time is read out of each line only when
//! latency is asked for. frontail's socket.io frames are matched by prefix.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use logmon::protocol;
use memchr::memmem;
use tokio::sync::mpsc;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;

use crate::histogram::Histogram;
use crate::workload::{TS_DIGITS, TS_MARK, now_ns};

/// What a client is asked to do.
#[derive(Clone)]
pub struct Job {
    /// Lines to receive before finishing (`u64::MAX`: until stopped).
    pub expect: u64,
    /// Read the write time out of every line and record the latency.
    pub latency: bool,
    /// Also decode every logmon frame as a `protocol::Message` and check the cheap count.
    pub verify: bool,
    /// Told once the client is connected and subscribed.
    pub ready: mpsc::Sender<()>,
    /// Stops the client early (deadline, end of an idle period).
    pub stop: CancellationToken,
    /// A write time (`now_ns`; `u64::MAX` until set): [`Outcome::reached`]
    /// notes when the client had every line written by then (with `latency`).
    pub written_by: Arc<AtomicU64>,
}

impl Job {
    /// A write time that every line is written by, until it is set.
    pub fn no_mark() -> Arc<AtomicU64> {
        Arc::new(AtomicU64::new(u64::MAX))
    }
}

/// What a client saw.
#[derive(Default)]
pub struct Outcome {
    /// Lines received, a line received twice counted twice.
    pub lines: u64,
    /// Lines received again: their `seq` was below one already received.
    pub duplicated: u64,
    /// Lines announced as skipped (`gap` frames).
    pub skipped: u64,
    /// Frames whose `seq` did not follow the previous frame (with `verify`,
    /// also frames whose cheap count was wrong).
    pub seq_errors: u64,
    pub frames: u64,
    /// When the last expected line arrived.
    pub done: Option<Instant>,
    /// When the last frame that began with a line written by `Job::written_by` arrived.
    pub reached: Option<Instant>,
    pub latency: Histogram,
}

impl Outcome {
    pub fn merge(&mut self, o: Outcome) {
        self.lines += o.lines;
        self.duplicated += o.duplicated;
        self.skipped += o.skipped;
        self.seq_errors += o.seq_errors;
        self.frames += o.frames;
        self.done = self.done.max(o.done);
        self.reached = self.reached.max(o.reached);
        self.latency.merge(&o.latency);
    }

    /// Lines received once at least.
    pub fn distinct(&self) -> u64 {
        self.lines - self.duplicated
    }
}

/// Counts what arrives and checks that `seq` runs on without holes.
struct Tally {
    job: Job,
    next_seq: u64,
    out: Outcome,
    sep: memmem::Finder<'static>,
    mark: memmem::Finder<'static>,
}

impl Tally {
    fn new(job: Job, next_seq: u64) -> Tally {
        Tally {
            job,
            next_seq,
            out: Outcome::default(),
            sep: memmem::Finder::new(b"\",\""),
            mark: memmem::Finder::new(TS_MARK),
        }
    }

    fn complete(&self) -> bool {
        self.out.distinct() + self.out.skipped >= self.job.expect
    }

    /// Counts a frame of `lines` lines (or a gap of `skipped`); notes when all have come.
    fn advance(&mut self, lines: u64, skipped: u64) {
        let was_complete = self.complete();
        self.out.lines += lines;
        self.out.skipped += skipped;
        self.out.frames += 1;
        if !was_complete && self.complete() {
            self.out.done = Some(Instant::now());
        }
    }

    fn items(&self, text: &[u8]) -> u64 {
        items(&self.sep, text)
    }

    /// A line event or frame that holds `lines` lines.
    fn lines(&mut self, lines: u64, text: &[u8]) {
        if self.job.latency {
            self.record_latency(text);
        }
        self.advance(lines, 0);
    }

    /// A logmon message: `lines` and `gap` count, others are ignored.
    fn logmon(&mut self, text: &str) {
        if self.job.verify {
            self.verify(text);
        }
        let bytes = text.as_bytes();
        if bytes.starts_with(b"{\"type\":\"lines\"") {
            let seq = number_after(bytes, b"\"seq\":").unwrap_or(0);
            let items = self.items(bytes);
            self.check_seq(seq, items);
            self.lines(items, bytes);
        } else {
            self.other(text);
        }
    }

    /// A message other than `lines` (rare): decoded; a `gap` counts its lines as skipped.
    fn other(&mut self, text: &str) {
        if let Ok(protocol::Message::Gap(gap)) = protocol::Message::decode(text) {
            self.check_seq(gap.seq, gap.count);
            self.advance(0, gap.count);
        }
    }

    /// Decodes the message and counts a mismatch with the cheap parse (or a
    /// message this version does not know) as a sequence error.
    fn verify(&mut self, text: &str) {
        let lines = match protocol::Message::decode(text) {
            Ok(protocol::Message::Lines(l)) => l.lines.len() as u64,
            Ok(protocol::Message::Unknown) | Err(_) => {
                self.out.seq_errors += 1;
                return;
            }
            Ok(_) => 0,
        };
        if lines != self.items(text.as_bytes()) {
            self.out.seq_errors += 1;
        }
    }

    /// Notes a frame whose `seq` does not follow, and counts the lines it
    /// holds that came before (numbered below the next expected).
    fn check_seq(&mut self, seq: u64, count: u64) {
        if seq != self.next_seq {
            self.out.seq_errors += 1;
        }
        self.out.duplicated += self.next_seq.saturating_sub(seq).min(count);
        self.next_seq = self.next_seq.max(seq + count);
    }

    /// Records every line's latency, and the frame's arrival as
    /// `reached` when its first line was written by `Job::written_by`.
    fn record_latency(&mut self, text: &[u8]) {
        let now = now_ns();
        let mut first = None;
        for ts in write_times(&self.mark, text) {
            first.get_or_insert(ts);
            self.out.latency.record(now.saturating_sub(ts) / 1000);
        }
        if first.is_some_and(|ts| ts <= self.job.written_by.load(Ordering::Relaxed)) {
            self.out.reached = Some(Instant::now());
        }
    }
}

/// Lines in a `lines` frame: the `","` (found by `sep`) between the items
/// of its array, plus one. (Inside a JSON string a quote is escaped, so
/// `","` only appears between items, or in a line that ends with `",`,
/// which these don't.)
pub fn items(sep: &memmem::Finder, text: &[u8]) -> u64 {
    memmem::find(text, b"\"lines\":[").map_or(0, |at| sep.find_iter(&text[at..]).count() as u64 + 1)
}

/// The write times (ns, `now_ns`'s clock) embedded in a frame's lines,
/// found by `mark` (a finder of `TS_MARK`).
pub fn write_times<'a>(mark: &'a memmem::Finder, text: &'a [u8]) -> impl Iterator<Item = u64> + 'a {
    mark.find_iter(text).filter_map(|at| {
        let digits = text.get(at + TS_MARK.len()..at + TS_MARK.len() + TS_DIGITS);
        digits.and_then(parse_u64)
    })
}

/// The decimal number right after the first `key` in `text`.
pub fn number_after(text: &[u8], key: &[u8]) -> Option<u64> {
    let at = memmem::find(text, key)? + key.len();
    let digits = text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    parse_u64(&text[at..at + digits])
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits
        .iter()
        .try_fold(0u64, |n, &d| d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0')))
}

fn ws_err(e: tungstenite::Error) -> io::Error {
    io::Error::other(e)
}

/// A logmon client of `stream` on `port` (from now on, no backlog, and
/// `stats` messages unless `stats` is false): `hello`, then counts lines
/// until it has `job.expect` or is stopped.
pub async fn logmon(port: u16, stream: String, stats: bool, job: Job) -> io::Result<Outcome> {
    let stats = if stats { "" } else { "&stats=0" };
    let url = format!("ws://127.0.0.1:{port}/ws?stream={stream}&backlog=0{stats}");
    let (mut ws, _) = connect_async(url.as_str()).await.map_err(ws_err)?;
    let hello = match ws.next().await {
        Some(Ok(Message::Text(t))) => t,
        other => return Err(io::Error::other(format!("expected hello, got {other:?}"))),
    };
    let last_seq = hello_seq(&hello, &stream)?;
    let _ = job.ready.send(()).await;
    let stop = job.stop.clone();
    let mut tally = Tally::new(job, last_seq + 1);
    while !tally.complete() {
        let msg = tokio::select! {
            m = ws.next() => m,
            _ = stop.cancelled() => break,
        };
        match msg {
            Some(Ok(Message::Text(t))) => tally.logmon(&t),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(ws_err(e)),
            None => break,
        }
    }
    Ok(tally.out)
}

/// The newest `seq` of stream `id`, as `hello` announces it.
pub fn hello_seq(text: &str, id: &str) -> io::Result<u64> {
    let hello = match protocol::Message::decode(text) {
        Ok(protocol::Message::Hello(h)) => h,
        _ => return Err(io::Error::other(format!("expected hello, got {text:?}"))),
    };
    let stream = hello.streams.iter().find(|s| s.id == id);
    stream
        .map(|s| s.seq)
        .ok_or_else(|| io::Error::other(format!("hello has no stream {id:?}: {text}")))
}

/// A socket.io 2 client of frontail: joins the namespace `nsp` over a bare
/// WebSocket and counts its `line` events; pings as Engine.IO 3 expects.
pub async fn frontail(port: u16, nsp: String, job: Job) -> io::Result<Outcome> {
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=3&transport=websocket");
    let (ws, _) = connect_async(url.as_str()).await.map_err(ws_err)?;
    let (mut tx, mut rx) = ws.split();
    let open = next_text_starting(&mut rx, "0").await?;
    let interval = number_after(open.as_bytes(), b"\"pingInterval\":").unwrap_or(25_000);
    tx.send(Message::text(format!("40{nsp},"))).await.map_err(ws_err)?;
    next_text_starting(&mut rx, &format!("40{nsp}")).await?;
    let _ = job.ready.send(()).await;
    let line_prefix = format!("42{nsp},[\"line\",");
    let mut ping = tokio::time::interval(Duration::from_millis(interval));
    let stop = job.stop.clone();
    let mut tally = Tally::new(job, 0);
    while !tally.complete() {
        let msg = tokio::select! {
            m = rx.next() => m,
            _ = ping.tick() => {
                tx.send(Message::text("2")).await.map_err(ws_err)?;
                continue;
            }
            _ = stop.cancelled() => break,
        };
        match msg {
            Some(Ok(Message::Text(t))) if t.starts_with(&line_prefix) => tally.lines(1, t.as_bytes()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(ws_err(e)),
            None => break,
        }
    }
    Ok(tally.out)
}

async fn next_text_starting<S>(rx: &mut S, prefix: &str) -> io::Result<String>
where
    S: futures_util::Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    while let Some(msg) = rx.next().await {
        if let Message::Text(t) = msg.map_err(ws_err)?
            && t.starts_with(prefix)
        {
            return Ok(t.to_string());
        }
    }
    Err(io::Error::other(format!("connection closed before {prefix:?}")))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::servers;

    fn tally(expect: u64) -> Tally {
        let (ready, _) = mpsc::channel(1);
        let job = Job {
            expect,
            latency: false,
            verify: true,
            ready,
            stop: CancellationToken::new(),
            written_by: Job::no_mark(),
        };
        Tally::new(job, 1)
    }

    fn lines(seq: u64, lines: &[&str]) -> String {
        let lines = lines.iter().map(|l| l.to_string()).collect();
        let stream = servers::STREAM.to_string();
        protocol::Message::Lines(protocol::Lines { stream, seq, lines })
            .encode()
            .to_string()
    }

    #[test]
    fn counts_lines_frames_and_gaps() {
        let mut t = tally(6);
        let quoted = ["1.2.3.4 - - \"GET /a,\"b\" HTTP/1.1\" 200", "x\",\"y", "\"quoted\""];
        t.logmon(&lines(1, &quoted));
        assert_eq!((t.out.lines, t.out.seq_errors, t.complete()), (3, 0, false));
        t.logmon(&protocol::gap(servers::STREAM, 4, 2));
        t.logmon(&lines(6, &["z"]));
        assert_eq!((t.out.lines, t.out.skipped, t.out.seq_errors), (4, 2, 0));
        assert!(t.complete() && t.out.done.is_some());
    }

    #[test]
    fn notices_a_hole_in_seq() {
        let mut t = tally(10);
        t.logmon(&lines(3, &["a", "b"]));
        assert_eq!((t.out.seq_errors, t.out.duplicated), (1, 0));
    }

    #[test]
    fn counts_lines_received_again() {
        let mut t = tally(4);
        t.logmon(&lines(1, &["a", "b", "c"]));
        t.logmon(&lines(2, &["b", "c", "d"]));
        assert_eq!((t.out.lines, t.out.duplicated, t.out.seq_errors), (6, 2, 1));
        assert!(t.complete(), "4 distinct lines");
        t.logmon(&lines(5, &["e"]));
        assert_eq!(t.out.seq_errors, 1, "numbers run on after the highest");
    }

    #[test]
    fn verify_flags_unknown_and_undecodable_messages() {
        let mut t = tally(10);
        t.logmon(r#"{"type":"event","stream":"access","event":"rotated","detail":"x"}"#);
        assert_eq!(t.out.seq_errors, 0);
        t.logmon(r#"{"type":"surprise"}"#);
        t.logmon("{not json");
        assert_eq!(t.out.seq_errors, 2);
    }

    #[test]
    fn hello_gives_the_streams_seq() {
        let info = |id: &str, seq| protocol::StreamInfo {
            id: id.to_string(),
            path: "/var/log/nginx/x.log".to_string(),
            format: "plain".to_string(),
            seq,
            layout: protocol::LayoutInfo {
                kind: "plain".to_string(),
                escape: None,
                parts: Vec::new(),
                fields: Vec::new(),
            },
            state: protocol::StreamState::Following,
            state_detail: String::new(),
            format_source: protocol::FormatSource::Config,
            format_reason: String::new(),
        };
        let streams = vec![info("error", 3), info(servers::STREAM, 41)];
        let hello = protocol::Hello {
            version: protocol::VERSION,
            epoch: "e1".to_string(),
            streams,
        };
        let hello = protocol::Message::Hello(hello).encode();
        assert_eq!(hello_seq(&hello, servers::STREAM).unwrap(), 41);
        assert!(hello_seq(&hello, "web-1/access").is_err());
        assert!(hello_seq(&protocol::gap(servers::STREAM, 1, 1), servers::STREAM).is_err());
    }
}
