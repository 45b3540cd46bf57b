//! The steady section: `--rate` lines a second, one `write` each, for
//! `--steady-secs` to `--steady-clients` clients, which measure every
//! line's latency from its write to their receipt.

use std::io;
use std::time::{Duration, Instant};

use crate::client::Outcome;
use crate::harness::{Bench, Kind, Target, Versus};
use crate::meter::{Meter, Span};
use crate::workload;

/// How long clients may take to receive the last steady lines after the writer stops.
pub const DRAIN: Duration = Duration::from_secs(10);
/// How long the clients are left connected before the writer starts.
pub const SETTLE: Duration = Duration::from_millis(200);

/// One steady run's outcome.
pub struct Steady {
    pub rate: u64,
    pub secs: f64,
    pub clients: usize,
    /// Lines written times clients.
    pub expected: u64,
    pub span: Span,
    pub got: Outcome,
}

impl Steady {
    /// The latency (µs) below which `q` of the expected lines arrived;
    /// `None` when that rank falls among lines that never came.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        self.got.latency.quantile(q, self.expected)
    }
}

/// Runs the steady workload against logmon, then frontail.
pub async fn run(bench: &mut Bench) -> io::Result<Versus<Steady>> {
    let logmon = once(bench, Kind::Logmon).await?;
    let frontail = match bench.frontail {
        Some(_) => Some(once(bench, Kind::Frontail).await?),
        None => None,
    };
    Ok(Versus { logmon, frontail })
}

async fn once(bench: &mut Bench, kind: Kind) -> io::Result<Steady> {
    let (rate, secs, k) = (bench.opts.rate, bench.opts.steady_secs(), bench.opts.steady_clients);
    eprintln!("steady: {rate} lines/s for {secs} s to {k} {} clients", kind.name());
    let t = bench.start(kind).await?;
    measure(bench, &t, rate, secs, k).await
}

/// `rate` lines a second for `secs` to `k` new clients of `t`, each
/// measuring every line's latency.
pub async fn measure(bench: &Bench, t: &Target, rate: u64, secs: f64, k: usize) -> io::Result<Steady> {
    let per_client = (rate as f64 * secs) as u64;
    let clients = bench.connect(t, k, per_client, true).await?;
    tokio::time::sleep(SETTLE).await;
    let meter = Meter::start(&t.server);
    let log = t.log.clone();
    let written = tokio::task::spawn_blocking(move || workload::write_steady(&log, rate, secs))
        .await
        .map_err(io::Error::other)??;
    let span = meter.stop(&t.server, Instant::now()).with_writer(written.cpu);
    let deadline = clients.deadline(DRAIN);
    let (got, _) = clients.finish().await;
    deadline.abort();
    Ok(Steady {
        rate,
        secs,
        clients: k,
        expected: written.lines * k as u64,
        span,
        got,
    })
}
