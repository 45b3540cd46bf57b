//! The fleet section (only when named: `--sections fleet`): logmon as a
//! fleet on NATS JetStream (docs/fleet.md), every process on this machine
//! (`fleet/setup.rs`): `nats-server -js`, three agents `web-1`..`web-3`
//! (each a release logmon with its own log file and state file) and one
//! viewer, with `--steady-clients` clients (100) on the viewer spread
//! evenly over the three hosts' streams, each following one, so that the
//! viewer delivers `--rate` lines a second to each client as in the steady
//! section. Each agent's file gets `--rate` lines a second (10,000), one
//! `write` each, stamped with their write time, for `--steady-secs` (20 s,
//! 5 with `--quick`); at the same time a fourth logmon, configured as an
//! agent but without `[fleet]`, follows a fourth file written alike, so
//! that what publishing costs an agent is the difference of their CPU per
//! line.
//!
//! It runs twice, each time on a new fleet: once as is, and once with
//! nats-server killed (SIGKILL) halfway through the writing and started
//! again [`OUTAGE`] later on the same port and store; the agents keep
//! following, and publish from their files what they missed. Measured:
//! every line's latency from its write to a client's receipt; each
//! process's CPU over the writing (from `/proc`; nats-server's only when it
//! is not killed); the lines missing or received twice at the clients (each
//! checks the `seq` of its host's stream, and counts every line); the lines
//! the agents published from disk (their `/metrics`); and, after the
//! restart, the catch-up: from the restart until every client has every
//! line written before it.
//!
//! Skipped, saying so, when nats-server is not installed.

mod setup;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use setup::Fleet;
pub use setup::HOSTS;

use crate::client::{Job, Outcome};
use crate::harness::{Bench, Clients};
use crate::meter::{Meter, Span};
use crate::workload::{self, Written};
use crate::{servers, steady};

/// How long nats-server stays down.
pub const OUTAGE: Duration = Duration::from_secs(3);
/// How long clients may take to receive the last lines after the writers
/// stop (and nats-server is back); a line not received by then is missing.
pub const DRAIN: Duration = Duration::from_secs(120);

/// Both runs.
pub struct Fleets {
    pub steady: FleetRun,
    pub outage: FleetRun,
}

/// One run's outcome.
pub struct FleetRun {
    pub rate: u64,
    pub secs: f64,
    pub clients: usize,
    /// Lines written into each file while measured.
    pub written: u64,
    pub got: Outcome,
    /// Every measured process together, and the writers.
    pub span: Span,
    pub cpu: Cpu,
    /// Lines the agents published from their files on disk, together.
    pub from_disk: u64,
    /// When nats-server was killed: how long after the start, and the catch-up.
    pub crash: Option<Crash>,
}

/// CPU time of each process over the writing.
pub struct Cpu {
    /// In the order of [`HOSTS`].
    pub agents: Vec<Duration>,
    /// The logmon without `[fleet]`.
    pub plain: Duration,
    pub viewer: Duration,
    /// Unless it was killed.
    pub nats: Option<Duration>,
}

pub struct Crash {
    /// Seconds into the writing when nats-server was killed.
    pub at: f64,
    /// From the restart until every client had every line written before
    /// it; `None` if some never did.
    pub catch_up: Option<Duration>,
}

impl FleetRun {
    /// Lines due at the clients: those written into its host's file, for each client.
    pub fn expected(&self) -> u64 {
        self.written * self.clients as u64
    }

    /// Lines that no client received, counted once per client that did not.
    pub fn missing(&self) -> u64 {
        self.expected().saturating_sub(self.got.distinct())
    }

    /// The latency (µs) below which `q` of the expected lines arrived.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        self.got.latency.quantile(q, self.expected())
    }

    /// CPU time `cpu` per line written into one file, in µs.
    pub fn per_line_us(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1e6 / self.written.max(1) as f64
    }
}

pub async fn run(bench: &mut Bench) -> io::Result<Option<Fleets>> {
    if !servers::nats_installed() {
        eprintln!(
            "fleet: skipped: {} is not installed (apt-get install nats-server)",
            servers::NATS_SERVER
        );
        return Ok(None);
    }
    let steady = once(bench, false).await?;
    let outage = once(bench, true).await?;
    Ok(Some(Fleets { steady, outage }))
}

/// One run on a new fleet, nats-server killed halfway when `crash`.
async fn once(bench: &mut Bench, crash: bool) -> io::Result<FleetRun> {
    let (rate, secs, k) = (bench.opts.rate, bench.opts.steady_secs(), bench.opts.steady_clients);
    eprintln!(
        "fleet: {} agents × {rate} lines/s for {secs} s → a viewer → {k} clients{}",
        HOSTS.len(),
        if crash { ", nats-server killed halfway" } else { "" }
    );
    let written_by = Job::no_mark();
    let (mut fleet, clients) = ready(bench, written_by.clone()).await?;
    let meter = Meter::start_all(&fleet.measured(!crash));
    let writing = write_all(fleet.logs.clone(), rate, secs);
    let kill = async {
        if !crash {
            return None;
        }
        Some(kill_and_restart(&mut fleet, secs / 2.0, &written_by).await)
    };
    let (written, restarted) = tokio::join!(writing, kill);
    let (written, restarted) = (written?, restarted.transpose()?);
    let span = meter
        .stop_all(&fleet.measured(!crash), Instant::now())
        .with_writer(written.cpu);
    let deadline = clients.deadline(DRAIN);
    let (got, _) = clients.finish().await;
    deadline.abort();
    let crash = restarted.map(|at| Crash {
        at: secs / 2.0,
        catch_up: got.reached.and_then(|r| r.checked_duration_since(at)),
    });
    Ok(FleetRun {
        rate,
        secs,
        clients: k,
        written: written.lines,
        from_disk: fleet.lines_from_disk().await?,
        cpu: cpu_of(&span),
        got,
        span,
        crash,
    })
}

/// A new fleet, primed, and its viewer's clients connected, each
/// expecting the lines of the steady run's seconds.
async fn ready(bench: &mut Bench, written_by: Arc<AtomicU64>) -> io::Result<(Fleet, Clients)> {
    let dir = bench.run_dir()?;
    let fleet = Fleet::start(&bench.logmon, &dir).await?;
    fleet.prime().await?;
    let (rate, secs, k) = (bench.opts.rate, bench.opts.steady_secs(), bench.opts.steady_clients);
    let per_client = (rate as f64 * secs) as u64;
    let clients = bench
        .connect_streams(fleet.viewer.port, &Fleet::streams(), k, per_client, written_by)
        .await?;
    tokio::time::sleep(steady::SETTLE).await;
    Ok((fleet, clients))
}

/// Each process's CPU, from a span of [`Fleet::measured`].
fn cpu_of(span: &Span) -> Cpu {
    let n = HOSTS.len();
    Cpu {
        agents: span.each[..n].to_vec(),
        plain: span.each[n],
        viewer: span.each[n + 1],
        nats: span.each.get(n + 2).copied(),
    }
}

/// Writes `rate` lines a second for `secs` into each of `logs` at once,
/// each from a thread of its own: the lines written into each, and the
/// writers' CPU together.
async fn write_all(logs: Vec<PathBuf>, rate: u64, secs: f64) -> io::Result<Written> {
    let writers: Vec<_> = logs
        .into_iter()
        .map(|log| tokio::task::spawn_blocking(move || workload::write_steady(&log, rate, secs)))
        .collect();
    let mut all = Written {
        lines: 0,
        cpu: Duration::ZERO,
    };
    for writer in writers {
        let one = writer.await.map_err(io::Error::other)??;
        all.lines = one.lines;
        all.cpu += one.cpu;
    }
    Ok(all)
}

/// Kills nats-server `after` seconds, starts it again [`OUTAGE`] later on
/// the same port and store; marks the lines written by then in
/// `written_by`. Returns when the restart began.
async fn kill_and_restart(fleet: &mut Fleet, after: f64, written_by: &AtomicU64) -> io::Result<Instant> {
    tokio::time::sleep(Duration::from_secs_f64(after)).await;
    fleet.nats.kill();
    tokio::time::sleep(OUTAGE).await;
    written_by.store(workload::now_ns(), Ordering::Relaxed);
    let restarted = Instant::now();
    fleet.restart_nats().await?;
    Ok(restarted)
}
