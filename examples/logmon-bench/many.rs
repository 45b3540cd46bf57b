//! The fan-out section: thousands of clients (`--many`, default 10,000;
//! 2,000 with `--quick`) each receiving `--many-rate` lines a second
//! (default 100) for the steady run's seconds: the server's CPU, the
//! latency of every frame (from the write of its oldest line) and the
//! server's memory per client.
//!
//! The clients cost little, so that the server's figures are honest: all
//! of them run on one thread (a current-thread runtime: one epoll), each a
//! raw socket whose WebSocket frames are parsed by hand; a `lines` frame is
//! counted (its items, its `seq` checked to run on), never decoded, and
//! only its oldest line's write time is read. That thread's own CPU is
//! printed beside the server's.
//!
//! With `--many-deflate` the clients offer permessage-deflate, as every
//! browser does: compressed frames are inflated (one inflater for the
//! thread) before they are counted, and the bytes on the wire are counted
//! beside the text's.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use memchr::memmem;
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::inflate_flags::{TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF};
use miniz_oxide::inflate::core::{DecompressorOxide, decompress};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::client::{hello_seq, items, number_after, write_times};
use crate::harness::{Bench, Kind};
use crate::histogram::Histogram;
use crate::meter::{Meter, Span};
use crate::workload::{TS_MARK, now_ns, write_steady};
use crate::{procfs, servers, steady};

/// What the clients saw, together.
#[derive(Default)]
pub struct Seen {
    pub lines: u64,
    pub skipped: u64,
    pub seq_errors: u64,
    pub frames: u64,
    /// Payload bytes of the `lines` frames as they came, and their text's.
    pub wire_bytes: u64,
    pub text_bytes: u64,
    /// Per frame, from its oldest line's write to its arrival.
    pub latency: Histogram,
}

pub struct Many {
    pub clients: usize,
    /// The clients took permessage-deflate.
    pub deflate: bool,
    pub rate: u64,
    pub secs: f64,
    pub expected: u64,
    pub seen: Seen,
    pub span: Span,
    /// The clients' thread's CPU over the whole run.
    pub clients_cpu: Duration,
    /// The server's RSS before the clients connected and with them all in.
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
}

pub async fn run(bench: &mut Bench) -> io::Result<Many> {
    let (n, rate, deflate) = (bench.opts.many(), bench.opts.many_rate, bench.opts.many_deflate);
    let secs = bench.opts.steady_secs();
    eprintln!("many: {rate} lines/s for {secs} s to {n} clients on one thread");
    raise_fd_limit();
    let t = bench.start(Kind::Logmon).await?;
    let rss_before_kib = procfs::usage(t.server.pid())?.rss_kib;
    let stop = CancellationToken::new();
    let (ready, mut ready_rx) = mpsc::channel(n.max(1));
    let (port, clients_stop) = (t.server.port, stop.clone());
    let pool = std::thread::spawn(move || pool(port, n, deflate, ready, clients_stop));
    for _ in 0..n {
        let ok = tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await;
        if !matches!(ok, Ok(Some(()))) {
            stop.cancel();
            return Err(io::Error::other("the clients could not all connect"));
        }
    }
    let rss_after_kib = procfs::usage(t.server.pid())?.rss_kib;
    let meter = Meter::start(&t.server);
    let log = t.log.clone();
    let written = tokio::task::spawn_blocking(move || write_steady(&log, rate, secs))
        .await
        .map_err(io::Error::other)??;
    let span = meter.stop(&t.server, Instant::now()).with_writer(written.cpu);
    tokio::time::sleep(steady::DRAIN.min(Duration::from_secs(3))).await;
    stop.cancel();
    let (seen, clients_cpu) = tokio::task::spawn_blocking(move || pool.join())
        .await
        .map_err(io::Error::other)?
        .map_err(|_| io::Error::other("the clients' thread panicked"))??;
    Ok(Many {
        clients: n,
        deflate,
        rate,
        secs,
        expected: written.lines * n as u64,
        seen,
        span,
        clients_cpu,
        rss_before_kib,
        rss_after_kib,
    })
}

/// Runs `n` clients on this thread until `stop`; what they saw and the thread's CPU.
fn pool(
    port: u16,
    n: usize,
    deflate: bool,
    ready: mpsc::Sender<()>,
    stop: CancellationToken,
) -> io::Result<(Seen, Duration)> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let seen = Rc::new(RefCell::new(Seen::default()));
    let inflater = Rc::new(RefCell::new(Inflater::new(deflate)));
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (seen, ready, stop) = (seen.clone(), ready.clone(), stop.clone());
                let inflater = inflater.clone();
                tokio::task::spawn_local(async move {
                    if let Err(e) = client(port, &seen, &inflater, ready, stop).await {
                        eprintln!("client failed: {e}");
                    }
                })
            })
            .collect();
        drop(ready);
        for t in tasks {
            let _ = t.await;
        }
    });
    let seen = Rc::try_unwrap(seen).map_err(|_| io::Error::other("clients still running"))?;
    Ok((seen.into_inner(), procfs::thread_cpu()))
}

/// One client: the upgrade, then frames until `stop`.
async fn client(
    port: u16,
    seen: &RefCell<Seen>,
    inflater: &RefCell<Inflater>,
    ready: mpsc::Sender<()>,
    stop: CancellationToken,
) -> io::Result<()> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
    let offer = if inflater.borrow().on {
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    } else {
        ""
    };
    let req = format!(
        "GET /ws?backlog=0&stats=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut conn = Conn::default();
    let mut ready = Some(ready);
    loop {
        while let Some((b0, at, end)) = frame(&buf, conn.upgraded) {
            {
                let mut inflater = inflater.borrow_mut();
                let payload = inflater.text(b0, &buf[at..end])?;
                conn.message(b0 & 0x0f, payload, end - at, seen)?;
            }
            buf.drain(..end);
            if conn.next_seq.is_some()
                && let Some(r) = ready.take()
            {
                let _ = r.send(()).await;
            }
        }
        if !conn.upgraded
            && let Some(at) = memmem::find(&buf, b"\r\n\r\n")
        {
            if !buf.starts_with(b"HTTP/1.1 101") {
                return Err(io::Error::other(String::from_utf8_lossy(&buf).into_owned()));
            }
            buf.drain(..at + 4);
            conn.upgraded = true;
            continue;
        }
        buf.reserve(16 * 1024);
        let n = tokio::select! {
            n = s.read_buf(&mut buf) => n?,
            _ = stop.cancelled() => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
    }
}

/// A client's state: upgraded yet, and the `seq` its next line must have.
#[derive(Default)]
struct Conn {
    upgraded: bool,
    next_seq: Option<u64>,
}

impl Conn {
    /// One server message: `hello` sets where lines start; `lines` and `gap` count.
    /// `wire` is the payload's size as it came (compressed or not).
    fn message(&mut self, op: u8, payload: &[u8], wire: usize, seen: &RefCell<Seen>) -> io::Result<()> {
        if op != 1 {
            return Ok(());
        }
        let seq = number_after(payload, b"\"seq\":");
        let mut seen = seen.borrow_mut();
        if payload.starts_with(b"{\"type\":\"hello\"") {
            let text = std::str::from_utf8(payload).map_err(io::Error::other)?;
            self.next_seq = Some(hello_seq(text, servers::STREAM)? + 1);
        } else if payload.starts_with(b"{\"type\":\"lines\"") {
            let n = items(&memmem::Finder::new(b"\",\""), payload);
            self.check(&mut seen, seq, n);
            seen.lines += n;
            seen.frames += 1;
            seen.wire_bytes += wire as u64;
            seen.text_bytes += payload.len() as u64;
            if let Some(ts) = write_times(&memmem::Finder::new(TS_MARK), payload).next() {
                seen.latency.record(now_ns().saturating_sub(ts) / 1000);
            }
        } else if payload.starts_with(b"{\"type\":\"gap\"") {
            let n = number_after(payload, b"\"count\":").unwrap_or(0);
            self.check(&mut seen, seq, n);
            seen.skipped += n;
        }
        Ok(())
    }

    fn check(&mut self, seen: &mut Seen, seq: Option<u64>, n: u64) {
        if seq != self.next_seq {
            seen.seq_errors += 1;
        }
        self.next_seq = seq.map(|s| s + n);
    }
}

/// Inflates the compressed frames of every client of the thread, one at a
/// time, no context kept between messages (as the server sends them): a
/// decompressor set back to its start (cheap: no tables cleared) writing
/// into one buffer that holds the whole message.
struct Inflater {
    on: bool,
    d: Box<DecompressorOxide>,
    input: Vec<u8>,
    out: Vec<u8>,
}

impl Inflater {
    fn new(on: bool) -> Inflater {
        Inflater {
            on,
            d: Box::default(),
            input: Vec::new(),
            out: vec![0; 1 << 20],
        }
    }

    /// The text of a frame whose first byte is `b0`: its payload, inflated if RSV1 is set.
    fn text<'a>(&'a mut self, b0: u8, payload: &'a [u8]) -> io::Result<&'a [u8]> {
        if b0 & 0x40 == 0 {
            return Ok(payload);
        }
        self.input.clear();
        self.input.extend_from_slice(payload);
        self.input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        loop {
            self.d.init();
            let flags = TINFL_FLAG_HAS_MORE_INPUT | TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
            let (status, used, written) = decompress(&mut self.d, &self.input, &mut self.out, 0, flags);
            match status {
                TINFLStatus::HasMoreOutput => self.out.resize(self.out.len() * 2, 0),
                TINFLStatus::Done => return Ok(&self.out[..written]),
                TINFLStatus::NeedsMoreInput if used == self.input.len() => return Ok(&self.out[..written]),
                other => return Err(io::Error::other(format!("inflate: {other:?}"))),
            }
        }
    }
}

/// The first complete server frame in `buf`: its first byte (FIN, RSV1,
/// opcode) and where its payload lies. Server frames are not masked.
fn frame(buf: &[u8], upgraded: bool) -> Option<(u8, usize, usize)> {
    if !upgraded || buf.len() < 2 {
        return None;
    }
    let (len, head) = match buf[1] & 0x7f {
        126 => (u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?) as usize, 4),
        127 => (u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?) as usize, 10),
        n => (n as usize, 2),
    };
    (buf.len() >= head + len).then_some((buf[0], head, head + len))
}

/// Lets this process hold as many sockets as its hard limit allows.
fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_found_with_every_length_form() {
        let mut buf = vec![0x81, 3, b'a', b'b', b'c', 0x89, 0];
        assert_eq!(frame(&buf, true), Some((0x81, 2, 5)));
        assert_eq!(frame(&buf, false), None);
        buf.drain(..5);
        assert_eq!(frame(&buf, true), Some((0x89, 2, 2)));
        let mut long = vec![0x81, 126, 1, 0];
        long.extend(vec![b'x'; 255]);
        assert_eq!(frame(&long, true), None, "one byte short");
        long.push(b'x');
        assert_eq!(frame(&long, true), Some((0x81, 4, 260)));
    }

    #[test]
    fn compressed_frames_inflate_and_plain_ones_pass() {
        let mut inflater = Inflater::new(true);
        let text = "{\"type\":\"lines\"}".repeat(100_000);
        let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 1);
        assert_eq!(
            inflater.text(0xc1, &packed).unwrap(),
            text.as_bytes(),
            "larger than the first buffer"
        );
        assert_eq!(
            inflater
                .text(0xc1, &miniz_oxide::deflate::compress_to_vec(b"ab", 1))
                .unwrap(),
            b"ab"
        );
        assert_eq!(inflater.text(0x81, b"plain").unwrap(), b"plain");
        assert!(inflater.text(0xc1, b"\xff\xff not deflate").is_err());
    }
}
