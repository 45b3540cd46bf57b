//! The follower section: `--lines` lines appended with no client connected,
//! timed until `/healthz` says the stream has them all, once with the lines
//! parsed and counted in the statistics (`nginx-combined`) and once without
//! (`plain`); and, beside them, how fast the same file reads from the page cache.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use logmon::protocol::Health;

use crate::harness::{Bench, Kind};
use crate::meter::{Meter, Span};
use crate::{servers, table, workload};

/// How often `/healthz` is polled.
pub const HEALTHZ_POLL: Duration = Duration::from_millis(5);

/// The follower runs, with and without parsing and statistics.
pub struct Followers {
    pub parsed: Follower,
    pub plain: Follower,
}

/// The follower run's outcome.
pub struct Follower {
    pub lines: u64,
    pub span: Span,
    /// Lines/s of reading the file from the page cache and counting newlines.
    pub raw: f64,
}

impl Follower {
    /// Lines/s that the follower fed into the hub.
    pub fn rate(&self) -> f64 {
        self.lines as f64 / self.span.wall.as_secs_f64()
    }

    pub fn cpu_per_line_us(&self) -> f64 {
        self.span.server.as_secs_f64() * 1e6 / self.lines as f64
    }
}

/// Both runs, the one with parsing first.
pub async fn run(bench: &mut Bench) -> io::Result<Followers> {
    let parsed = once(bench, "nginx-combined").await?;
    let plain = once(bench, "plain").await?;
    Ok(Followers { parsed, plain })
}

/// Appends the burst's lines and waits until logmon has numbered them all.
async fn once(bench: &mut Bench, format: &str) -> io::Result<Follower> {
    let n = bench.opts.lines();
    eprintln!("follower: {} lines, no client, {format}", table::count(n));
    let data = bench.burst_data();
    let t = bench.start_as(Kind::Logmon, format).await?;
    let meter = Meter::start(&t.server);
    let log = t.log.clone();
    let writer = tokio::task::spawn_blocking(move || workload::append_burst(&log, &data));
    let limit = Duration::from_secs_f64(bench.opts.deadline);
    let end = wait_for_seq(t.server.port, servers::STREAM, n, limit).await?;
    let written = writer.await.map_err(io::Error::other)??;
    let span = meter.stop(&t.server, end).with_writer(written.cpu);
    let raw = raw_read_rate(&t.log)?;
    Ok(Follower { lines: n, span, raw })
}

/// Polls `/healthz` until stream `id`'s `seq` reaches `n`; returns when it did.
pub async fn wait_for_seq(port: u16, id: &str, n: u64, limit: Duration) -> io::Result<Instant> {
    let deadline = Instant::now() + limit;
    loop {
        let body = servers::http_get(port, "/healthz").await?;
        if stream_seq(&body, id)? >= n {
            return Ok(Instant::now());
        }
        if Instant::now() > deadline {
            return Err(io::Error::other(format!("{id} did not reach seq {n}: {body}")));
        }
        tokio::time::sleep(HEALTHZ_POLL).await;
    }
}

/// Stream `id`'s newest `seq` in a `/healthz` body; 0 while it has no such stream.
fn stream_seq(body: &str, id: &str) -> io::Result<u64> {
    let health: Health =
        serde_json::from_str(body).map_err(|e| io::Error::other(format!("/healthz answered {body:?}: {e}")))?;
    Ok(health.streams.iter().find(|s| s.id == id).map_or(0, |s| s.seq))
}

/// Lines/s of reading `path` from the page cache (best of three).
fn raw_read_rate(path: &Path) -> io::Result<f64> {
    let mut best = f64::MAX;
    let mut lines = 0;
    for _ in 0..3 {
        let t0 = Instant::now();
        lines = workload::count_lines(path)?;
        best = best.min(t0.elapsed().as_secs_f64());
    }
    Ok(lines as f64 / best)
}

#[cfg(test)]
mod tests {
    use logmon::protocol::{Health, StreamHealth};

    use crate::servers;

    #[test]
    fn reads_the_stream_seq_from_healthz() {
        let health = Health {
            status: "ok".into(),
            epoch: "e1".into(),
            streams: vec![
                StreamHealth {
                    id: "other".into(),
                    seq: 7,
                    clients: 0,
                },
                StreamHealth {
                    id: servers::STREAM.into(),
                    seq: 42,
                    clients: 3,
                },
            ],
        };
        let body = serde_json::to_string(&health).unwrap();
        assert_eq!(super::stream_seq(&body, servers::STREAM).unwrap(), 42);
        assert_eq!(super::stream_seq(&body, "web-1/access").unwrap(), 0);
        assert!(super::stream_seq("not json", servers::STREAM).is_err());
    }
}
