//! CPU and wall time over one measured span: the server's, the benchmark's
//! own (clients and log writer apart) and the rest of the machine's.

use std::time::{Duration, Instant};

use crate::procfs::{self, MachineCpu, Usage};
use crate::servers::Server;

/// CPU and wall time over one measured span.
pub struct Span {
    pub wall: Duration,
    pub server: Duration,
    /// This process but its log writer: the clients.
    pub bench: Duration,
    /// The thread that wrote the log lines.
    pub writer: Duration,
    pub others: Duration,
    /// The server's usage at the end (RSS, peak), with `switches` over the span.
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
    server: Usage,
    bench: Duration,
    machine: MachineCpu,
}

impl Meter {
    pub fn start(server: &Server) -> Meter {
        Meter {
            server: server.usage(),
            bench: procfs::self_cpu(),
            machine: procfs::machine_cpu(),
            t0: Instant::now(),
        }
    }

    /// The span from the start to `end` (CPU is read now).
    pub fn stop(&self, server: &Server, end: Instant) -> Span {
        let usage = server.usage();
        let server_cpu = usage.cpu.saturating_sub(self.server.cpu);
        let bench = procfs::self_cpu().saturating_sub(self.bench);
        let busy = procfs::machine_cpu().busy_since(self.machine);
        Span {
            wall: end.duration_since(self.t0),
            server: server_cpu,
            bench,
            writer: Duration::ZERO,
            others: busy.saturating_sub(server_cpu + bench),
            end: Usage {
                switches: usage.switches.saturating_sub(self.server.switches),
                ..usage
            },
        }
    }
}
