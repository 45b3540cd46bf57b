//! CPU and wall time over one measured span: the server's (or the sum of
//! several servers', each also apart), the benchmark's own (clients and
//! log writer apart) and the rest of the machine's.

use std::time::{Duration, Instant};

use crate::procfs::{self, MachineCpu, Usage};
use crate::servers::Server;

/// CPU and wall time over one measured span.
pub struct Span {
    pub wall: Duration,
    /// The servers' CPU, together.
    pub server: Duration,
    /// Each server's CPU, in the order they were given.
    pub each: Vec<Duration>,
    /// This process but its log writer: the clients.
    pub bench: Duration,
    /// The thread that wrote the log lines.
    pub writer: Duration,
    pub others: Duration,
    /// The server's usage at the end (RSS, peak), with `cpu` and `switches`
    /// over the span; summed over the servers.
    pub end: Usage,
}

impl Span {
    pub fn server_share(&self) -> f64 {
        self.server.as_secs_f64() / self.wall.as_secs_f64()
    }

    pub fn bench_share(&self) -> f64 {
        self.bench.as_secs_f64() / self.wall.as_secs_f64()
    }

    pub fn writer_share(&self) -> f64 {
        self.writer.as_secs_f64() / self.wall.as_secs_f64()
    }

    pub fn others_share(&self) -> f64 {
        self.others.as_secs_f64() / self.wall.as_secs_f64()
    }

    /// Takes the writer's CPU out of the clients'.
    pub fn with_writer(self, writer: Duration) -> Span {
        Span {
            bench: self.bench.saturating_sub(writer),
            writer,
            ..self
        }
    }
}

/// Snapshot at the start of a span.
pub struct Meter {
    t0: Instant,
    servers: Vec<Usage>,
    bench: Duration,
    machine: MachineCpu,
}

impl Meter {
    pub fn start(server: &Server) -> Meter {
        Meter::start_all(&[server])
    }

    /// Starts a span over several servers, stopped by [`Meter::stop_all`] with the same ones.
    pub fn start_all(servers: &[&Server]) -> Meter {
        Meter {
            servers: servers.iter().map(|s| s.usage()).collect(),
            bench: procfs::self_cpu(),
            machine: procfs::machine_cpu(),
            t0: Instant::now(),
        }
    }

    /// The span from the start to `end` (CPU is read now).
    pub fn stop(&self, server: &Server, end: Instant) -> Span {
        self.stop_all(&[server], end)
    }

    /// The span of the servers given at the start, in the same order.
    pub fn stop_all(&self, servers: &[&Server], end: Instant) -> Span {
        let usages = servers.iter().zip(&self.servers).map(|(s, before)| {
            let now = s.usage();
            Usage {
                cpu: now.cpu.saturating_sub(before.cpu),
                switches: now.switches.saturating_sub(before.switches),
                ..now
            }
        });
        let usages: Vec<Usage> = usages.collect();
        let server_cpu = usages.iter().map(|u| u.cpu).sum();
        let bench = procfs::self_cpu().saturating_sub(self.bench);
        let busy = procfs::machine_cpu().busy_since(self.machine);
        Span {
            wall: end.duration_since(self.t0),
            server: server_cpu,
            each: usages.iter().map(|u| u.cpu).collect(),
            bench,
            writer: Duration::ZERO,
            others: busy.saturating_sub(server_cpu + bench),
            end: usages.into_iter().fold(Usage::default(), Usage::add),
        }
    }
}
