//! The idle section: `--idle-clients` clients connected to logmon for
//! `--idle-secs` with nothing written, asking for no `stats` messages (as
//! the page does with its statistics panel closed): only the WebSocket
//! pings should cost the server anything. A client that takes them gets
//! each stream's message every second, idle or not.

use std::io;
use std::time::{Duration, Instant};

use crate::harness::{Bench, Kind};
use crate::meter::{Meter, Span};
use crate::procfs;

/// Server ping interval (logmon's default), to say how many pings an idle run saw.
const PING_INTERVAL_SECS: f64 = 30.0;
/// CPU an idle run may use for its pings, per minute.
const IDLE_CPU_PER_MINUTE: Duration = Duration::from_millis(20);
/// How long the clients are left connected before the span starts.
const SETTLE: Duration = Duration::from_secs(1);

/// The idle run's outcome.
pub struct Idle {
    pub secs: f64,
    pub clients: usize,
    pub span: Span,
}

impl Idle {
    /// The CPU time the pings may cost (at least one clock tick).
    pub fn allowed_cpu(&self) -> Duration {
        IDLE_CPU_PER_MINUTE.mul_f64(self.secs / 60.0).max(procfs::tick())
    }

    /// Pings the server sent over the span, all clients together.
    pub fn pings_due(&self) -> u64 {
        (self.secs / PING_INTERVAL_SECS).floor() as u64 * self.clients as u64
    }
}

/// Connects the clients, waits, and measures the server over the wait.
pub async fn run(bench: &mut Bench) -> io::Result<Idle> {
    let (secs, k) = (bench.opts.idle_secs(), bench.opts.idle_clients);
    eprintln!("idle: {k} clients for {secs} s");
    let t = bench.start(Kind::Logmon).await?;
    let clients = bench.connect_taking(&t, k, u64::MAX, false, false).await?;
    tokio::time::sleep(SETTLE).await;
    let meter = Meter::start(&t.server);
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let span = meter.stop(&t.server, Instant::now());
    clients.stop.cancel();
    clients.finish().await;
    Ok(Idle { secs, clients: k, span })
}
