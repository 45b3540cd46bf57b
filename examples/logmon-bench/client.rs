//! The benchmark's WebSocket clients: logmon's protocol v1, and socket.io 2
//! (Engine.IO 3 over a bare WebSocket, as frontail's own page connects).
//!
//! They parse only what they need: a logmon `lines` frame is counted by its
//! `"seq":` and the `","` between its items, never decoded (only the rare
//! other messages are); the write time is read out of each line only when
//! latency is asked for.

use std::io;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use memchr::memmem;
use tokio::sync::mpsc;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;

use crate::workload::{TS_DIGITS, TS_MARK, now_ns};

/// What a client is asked to do.
#[derive(Clone)]
pub struct Job {
    /// Lines to receive before finishing (`u64::MAX`: until stopped).
    pub expect: u64,
    /// Read the write time out of every line and record the latency.
    pub latency: bool,
    /// Also decode every logmon frame with serde_json and check the cheap count.
    pub verify: bool,
    /// Told once the client is connected and subscribed.
    pub ready: mpsc::Sender<()>,
    /// Stops the client early (deadline, end of an idle period).
    pub stop: CancellationToken,
}

/// What a client saw.
#[derive(Default)]
pub struct Outcome {
    pub lines: u64,
    /// Lines announced as skipped (`gap` frames).
    pub skipped: u64,
    /// Frames whose `seq` did not follow the previous frame (with `verify`,
    /// also frames whose cheap count was wrong).
    pub seq_errors: u64,
    pub frames: u64,
    /// When the last expected line arrived.
    pub done: Option<Instant>,
    pub latency: Histogram,
}

impl Outcome {
    pub fn merge(&mut self, o: Outcome) {
        self.lines += o.lines;
        self.skipped += o.skipped;
        self.seq_errors += o.seq_errors;
        self.frames += o.frames;
        self.done = match (self.done, o.done) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.latency.merge(&o.latency);
    }
}

/// Latencies in µs, log-linear buckets (64 per power of two: within 1.6 %).
pub struct Histogram {
    counts: Vec<u64>,
    pub max_us: u64,
    pub count: u64,
}

const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: vec![0; (2 * SUB + (64 - SUB_BITS as u64 - 1) * SUB) as usize],
            max_us: 0,
            count: 0,
        }
    }
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < 2 * SUB {
            return v as usize;
        }
        let e = 63 - v.leading_zeros();
        let m = (v >> (e - SUB_BITS)) & (SUB - 1);
        (2 * SUB + u64::from(e - SUB_BITS - 1) * SUB + m) as usize
    }

    /// The largest value that falls into bucket `i`.
    fn upper(i: usize) -> u64 {
        let i = i as u64;
        if i < 2 * SUB {
            return i;
        }
        let e = (i - 2 * SUB) / SUB + u64::from(SUB_BITS) + 1;
        let m = (i - 2 * SUB) % SUB;
        ((SUB + m + 1) << (e - u64::from(SUB_BITS))) - 1
    }

    pub fn record(&mut self, us: u64) {
        self.counts[Self::index(us)] += 1;
        self.max_us = self.max_us.max(us);
        self.count += 1;
    }

    pub fn merge(&mut self, o: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self.max_us = self.max_us.max(o.max_us);
        self.count += o.count;
    }

    /// The value below which `q` of `total` samples lie; `None` if that
    /// rank falls among samples that never arrived (`total > count`).
    pub fn quantile(&self, q: f64, total: u64) -> Option<u64> {
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Self::upper(i).min(self.max_us));
            }
        }
        None
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
        self.out.lines + self.out.skipped >= self.job.expect
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

    /// Lines in a `lines` frame: the `","` between the items of its array, plus
    /// one. (Inside a JSON string a quote is escaped, so `","` only appears
    /// between items, or in a line that ends with `",`, which these don't.)
    fn items(&self, text: &[u8]) -> u64 {
        memmem::find(text, b"\"lines\":[").map_or(0, |at| self.sep.find_iter(&text[at..]).count() as u64 + 1)
    }

    /// A line event or frame that holds `lines` lines.
    fn lines(&mut self, lines: u64, text: &[u8]) {
        if self.job.latency {
            self.record_latency(text);
        }
        self.advance(lines, 0);
    }

    /// A logmon message: `lines` and `gap` count, others are ignored.
    fn logmon(&mut self, text: &[u8]) {
        if self.job.verify {
            self.verify(text);
        }
        if text.starts_with(b"{\"type\":\"lines\"") {
            let seq = number_after(text, b"\"seq\":").unwrap_or(0);
            let items = self.items(text);
            self.check_seq(seq, items);
            self.lines(items, text);
        } else {
            self.other(text);
        }
    }

    /// A message other than `lines` (rare): decoded; a `gap` counts its lines as skipped.
    fn other(&mut self, text: &[u8]) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(text) else {
            return;
        };
        if v["type"] == "gap" {
            let (seq, count) = (v["seq"].as_u64().unwrap_or(0), v["count"].as_u64().unwrap_or(0));
            self.check_seq(seq, count);
            self.advance(0, count);
        }
    }

    /// Decodes the message and counts a mismatch with the cheap parse as a sequence error.
    fn verify(&mut self, text: &[u8]) {
        let v: serde_json::Value = match serde_json::from_slice(text) {
            Ok(v) => v,
            Err(_) => {
                self.out.seq_errors += 1;
                return;
            }
        };
        let lines = v["lines"].as_array().map_or(0, Vec::len) as u64;
        let known = matches!(v["type"].as_str(), Some("lines" | "gap" | "event" | "hello"));
        if lines != self.items(text) || !known {
            self.out.seq_errors += 1;
        }
    }

    fn check_seq(&mut self, seq: u64, count: u64) {
        if seq != self.next_seq {
            self.out.seq_errors += 1;
        }
        self.next_seq = seq + count;
    }

    fn record_latency(&mut self, text: &[u8]) {
        let now = now_ns();
        for at in self.mark.find_iter(text) {
            let digits = text.get(at + TS_MARK.len()..at + TS_MARK.len() + TS_DIGITS);
            if let Some(ts) = digits.and_then(parse_u64) {
                self.out.latency.record(now.saturating_sub(ts) / 1000);
            }
        }
    }
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

/// A logmon client: `hello`, then counts lines until it has `job.expect` or is stopped.
pub async fn logmon(url: String, job: Job) -> io::Result<Outcome> {
    let (mut ws, _) = connect_async(url.as_str()).await.map_err(ws_err)?;
    let hello = match ws.next().await {
        Some(Ok(Message::Text(t))) => t,
        other => return Err(io::Error::other(format!("expected hello, got {other:?}"))),
    };
    let last_seq = number_after(hello.as_bytes(), b"\"seq\":").unwrap_or(0);
    let _ = job.ready.send(()).await;
    let stop = job.stop.clone();
    let mut tally = Tally::new(job, last_seq + 1);
    while !tally.complete() {
        let msg = tokio::select! {
            m = ws.next() => m,
            _ = stop.cancelled() => break,
        };
        match msg {
            Some(Ok(Message::Text(t))) => tally.logmon(t.as_bytes()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(ws_err(e)),
            None => break,
        }
    }
    Ok(tally.out)
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

    fn tally(expect: u64) -> Tally {
        let (ready, _) = mpsc::channel(1);
        let job = Job {
            expect,
            latency: false,
            verify: true,
            ready,
            stop: CancellationToken::new(),
        };
        Tally::new(job, 1)
    }

    #[test]
    fn counts_lines_frames_and_gaps() {
        let mut t = tally(6);
        let lines = ["1.2.3.4 - - \"GET /a,\"b\" HTTP/1.1\" 200", "x\",\"y", "\"quoted\""];
        let frame = serde_json::json!({"type": "lines", "stream": "access", "seq": 1, "lines": lines});
        // The daemon writes `type` first; json! sorts keys, so build the text by hand.
        let text = format!(
            "{{\"type\":\"lines\",\"stream\":\"access\",\"seq\":1,\"lines\":{}}}",
            frame["lines"]
        );
        t.logmon(text.as_bytes());
        assert_eq!((t.out.lines, t.out.seq_errors, t.complete()), (3, 0, false));
        t.logmon(br#"{"count":2,"seq":4,"stream":"access","type":"gap"}"#);
        t.logmon(br#"{"type":"lines","stream":"access","seq":6,"lines":["z"]}"#);
        assert_eq!((t.out.lines, t.out.skipped, t.out.seq_errors), (4, 2, 0));
        assert!(t.complete() && t.out.done.is_some());
    }

    #[test]
    fn notices_a_hole_in_seq() {
        let mut t = tally(10);
        t.logmon(br#"{"type":"lines","stream":"access","seq":3,"lines":["a","b"]}"#);
        assert_eq!(t.out.seq_errors, 1);
    }

    #[test]
    fn histogram_buckets_cover_their_values() {
        for v in [0, 1, 127, 128, 129, 255, 256, 1000, 25_000, 1 << 40] {
            let i = Histogram::index(v);
            assert!(Histogram::upper(i) >= v, "{v}");
            assert!(i == 0 || Histogram::upper(i - 1) < v, "{v}");
        }
    }
}
