//! The slow-reader section: one fast client at `RATE` lines a second,
//! alone and then beside a slow reader (a socket with an 8 KiB receive
//! buffer that reads 8 KiB every half second), the fast client measuring
//! every line's latency. A slow reader must never slow a fast one: the
//! follower does not wait for it, and it reads what it missed from disk.
//! After the run the daemon's `/metrics` tell how many lines the slow
//! reader got from disk and how many gaps there were.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::harness::{Bench, Kind};
use crate::servers;
use crate::steady::{self, Steady};

/// Lines a second to the fast client.
pub const RATE: u64 = 20_000;
/// The slow reader's receive buffer, and what it reads each `PACE`.
pub const SLOW_BYTES: usize = 8 * 1024;
pub const PACE: Duration = Duration::from_millis(500);

pub struct Slow {
    pub alone: Steady,
    pub beside: Steady,
    /// From the daemon's `/metrics` after the run beside the slow reader.
    pub from_disk: u64,
    pub gaps: u64,
}

pub async fn run(bench: &mut Bench) -> io::Result<Slow> {
    let secs = bench.opts.steady_secs().min(10.0);
    eprintln!("slow: {RATE} lines/s for {secs} s to a fast client, alone and beside a slow reader");
    let alone = {
        let t = bench.start(Kind::Logmon).await?;
        steady::measure(bench, &t, RATE, secs, 1).await?
    };
    let t = bench.start(Kind::Logmon).await?;
    let stop = CancellationToken::new();
    let slow = tokio::spawn(read_slowly(connect(t.server.port).await?, stop.clone()));
    let beside = steady::measure(bench, &t, RATE, secs, 1).await?;
    stop.cancel();
    slow.await.map_err(io::Error::other)??;
    let metrics = servers::http_get(t.server.port, "/metrics").await?;
    Ok(Slow {
        alone,
        beside,
        from_disk: servers::sample(&metrics, "logmon_lines_from_disk_total"),
        gaps: servers::sample(&metrics, "logmon_gaps_total"),
    })
}

/// A WebSocket client on a socket with a small receive buffer, past its
/// handshake.
async fn connect(port: u16) -> io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    sock.set_recv_buffer_size(SLOW_BYTES as u32)?;
    let mut s = sock.connect(([127, 0, 0, 1], port).into()).await?;
    let req = format!(
        "GET /ws?backlog=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0];
        s.read_exact(&mut byte).await?;
        head.push(byte[0]);
    }
    match head.starts_with(b"HTTP/1.1 101") {
        true => Ok(s),
        false => Err(io::Error::other(String::from_utf8_lossy(&head).into_owned())),
    }
}

/// Reads `SLOW_BYTES` every `PACE` until stopped, then reads fast until
/// nothing comes for a second (the daemon sends it what it missed).
async fn read_slowly(mut s: TcpStream, stop: CancellationToken) -> io::Result<()> {
    let mut buf = vec![0; SLOW_BYTES];
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            n = s.read(&mut buf) => n?,
        };
        tokio::time::sleep(PACE).await;
    }
    while let Ok(n) = tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await {
        if n? == 0 {
            break;
        }
    }
    Ok(())
}
