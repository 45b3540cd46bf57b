//! The burst section: N lines appended at once while K clients are
//! connected, for each K of `--clients`, against logmon and then frontail
//! (with fewer lines). Measures until every client has every line.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::Outcome;
use crate::harness::{Bench, Kind, Versus};
use crate::meter::{Meter, Span};
use crate::{table, workload};

/// How long the clients are left connected before the lines are written.
const SETTLE: Duration = Duration::from_millis(200);

/// The whole section: one run per client count.
pub struct Bursts {
    /// Average bytes of a burst line.
    pub line_bytes: f64,
    pub runs: Vec<Versus<Burst>>,
}

/// One burst run's outcome.
pub struct Burst {
    pub kind: Kind,
    pub lines: u64,
    pub clients: usize,
    /// Seconds after which the clients were stopped (`--deadline`).
    pub deadline: f64,
    pub span: Span,
    pub got: Outcome,
    /// Clients that had every line (or its gap) before the deadline.
    pub complete: usize,
}

impl Burst {
    pub fn secs(&self) -> f64 {
        self.span.wall.as_secs_f64()
    }

    pub fn deliveries(&self) -> f64 {
        self.got.lines as f64 / self.secs()
    }

    pub fn per_client(&self) -> f64 {
        self.deliveries() / self.clients as f64
    }

    pub fn cpu_per_line_us(&self) -> f64 {
        self.span.server.as_secs_f64() * 1e6 / self.got.lines.max(1) as f64
    }

    pub fn client_cpu_per_line_us(&self) -> f64 {
        self.span.bench.as_secs_f64() * 1e6 / self.got.lines.max(1) as f64
    }

    pub fn peak_kib(&self) -> f64 {
        self.span.end.peak_kib as f64
    }
}

/// Runs a burst per client count, logmon's and then frontail's.
pub async fn run(bench: &mut Bench) -> io::Result<Bursts> {
    let n = bench.opts.lines();
    let data = bench.burst_data();
    let mut runs = Vec::new();
    for k in bench.opts.clients.clone() {
        let logmon = once(bench, Kind::Logmon, k, &data, n).await?;
        let frontail = match bench.frontail {
            Some(_) => Some(once(bench, Kind::Frontail, k, &data, bench.opts.frontail_lines(k)).await?),
            None => None,
        };
        runs.push(Versus { logmon, frontail });
    }
    Ok(Bursts {
        line_bytes: data.len() as f64 / n as f64,
        runs,
    })
}

/// Appends the first `n` lines of `data` while `k` clients of `kind` read them.
async fn once(bench: &mut Bench, kind: Kind, k: usize, data: &Arc<Vec<u8>>, n: u64) -> io::Result<Burst> {
    eprintln!("burst: {} lines to {k} {} clients", table::count(n), kind.name());
    let t = bench.start(kind).await?;
    let clients = bench.connect(&t, k, n, false).await?;
    tokio::time::sleep(SETTLE).await;
    let deadline = clients.deadline(Duration::from_secs_f64(bench.opts.deadline));
    let meter = Meter::start(&t.server);
    let len = prefix_len(data, n);
    let (data, log) = (data.clone(), t.log.clone());
    let writer = tokio::task::spawn_blocking(move || workload::append_burst(&log, &data[..len]));
    let (got, complete) = clients.finish().await;
    deadline.abort();
    let end = if complete == k {
        got.done.unwrap_or_else(Instant::now)
    } else {
        Instant::now()
    };
    let written = writer.await.map_err(io::Error::other)??;
    let span = meter.stop(&t.server, end).with_writer(written.cpu);
    Ok(Burst {
        kind,
        lines: n,
        clients: k,
        deadline: bench.opts.deadline,
        span,
        got,
        complete,
    })
}

/// Bytes of the first `n` lines of `data`.
fn prefix_len(data: &[u8], n: u64) -> usize {
    memchr::memchr_iter(b'\n', data)
        .nth(n.saturating_sub(1) as usize)
        .map_or(data.len(), |i| i + 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefix_len_ends_after_the_nth_newline() {
        let data = b"a\nbb\nccc\n";
        assert_eq!(super::prefix_len(data, 1), 2);
        assert_eq!(super::prefix_len(data, 2), 5);
        assert_eq!(super::prefix_len(data, 3), 9);
        assert_eq!(super::prefix_len(data, 10), 9);
    }
}
