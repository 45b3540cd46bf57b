//! What every section needs: the binaries under test, a fresh log file and
//! server per run, and WebSocket clients connected and subscribed before
//! the measuring starts.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::client::{self, Job, Outcome};
use crate::opts::{Opts, Section};
use crate::servers::{self, Server};
use crate::{table, workload};

/// How long all clients of a run may take to connect and subscribe.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Which server a run measures.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Logmon,
    Frontail,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Logmon => "logmon",
            Kind::Frontail => "frontail",
        }
    }
}

/// logmon's figures of a workload, and frontail's when it was measured too.
pub struct Versus<T> {
    pub logmon: T,
    pub frontail: Option<T>,
}

/// A server started on an empty log file.
pub struct Target {
    pub kind: Kind,
    pub server: Server,
    pub log: PathBuf,
    /// frontail's socket.io namespace.
    nsp: String,
}

/// The clients of one run, all connected.
pub struct Clients {
    handles: Vec<JoinHandle<io::Result<Outcome>>>,
    pub stop: CancellationToken,
}

impl Clients {
    /// Waits for every client (each stops once it has its lines, or at `stop`):
    /// what they saw together, and how many had all their lines.
    pub async fn finish(self) -> (Outcome, usize) {
        let mut total = Outcome::default();
        let mut complete = 0;
        for h in self.handles {
            match h.await {
                Ok(Ok(o)) => {
                    complete += usize::from(o.done.is_some());
                    total.merge(o);
                }
                Ok(Err(e)) => eprintln!("client failed: {e}"),
                Err(e) => eprintln!("client panicked: {e}"),
            }
        }
        (total, complete)
    }

    /// Stops the clients after `after`, unless they finish first.
    pub fn deadline(&self, after: Duration) -> JoinHandle<()> {
        let stop = self.stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            stop.cancel();
        })
    }
}

/// The benchmark's state across sections.
pub struct Bench {
    pub opts: Opts,
    /// The logmon binary measured.
    pub logmon: PathBuf,
    /// frontail's entry script, unless it is skipped.
    pub frontail: Option<PathBuf>,
    scratch: tempfile::TempDir,
    runs: usize,
    /// The burst's lines, made once.
    data: Option<Arc<Vec<u8>>>,
}

impl Bench {
    /// Builds logmon, installs frontail when a compared section runs, makes a scratch directory.
    pub fn new(opts: Opts) -> io::Result<Bench> {
        let logmon = logmon_binary(&opts)?;
        let compared = opts.runs(Section::Burst) || opts.runs(Section::Steady);
        let frontail = if opts.skip_frontail || !compared {
            None
        } else {
            Some(servers::install_frontail(&target_dir()?, &package_dir())?)
        };
        Ok(Bench {
            opts,
            logmon,
            frontail,
            scratch: tempfile::Builder::new().prefix("logmon-bench").tempdir()?,
            runs: 0,
            data: None,
        })
    }

    /// Starts `kind` on a new, empty log file.
    pub async fn start(&mut self, kind: Kind) -> io::Result<Target> {
        self.start_as(kind, "nginx-combined").await
    }

    /// Starts a server whose stream is in `format` (logmon only).
    pub async fn start_as(&mut self, kind: Kind, format: &str) -> io::Result<Target> {
        let dir = self.run_dir()?;
        let log = dir.join("access.log");
        std::fs::write(&log, b"")?;
        match kind {
            Kind::Logmon => Ok(Target {
                kind,
                server: servers::start_logmon(&self.logmon, &dir, &log, format)?,
                log,
                nsp: String::new(),
            }),
            Kind::Frontail => {
                let script = self.frontail.as_ref().expect("frontail is installed");
                let server = servers::start_frontail(script, &log).await?;
                let nsp = servers::frontail_namespace(server.port).await?;
                Ok(Target { kind, server, log, nsp })
            }
        }
    }

    /// A new, empty directory for one run's files. The last run's is
    /// removed first (its server has stopped): a removed file's pages are
    /// dropped unwritten, so a long benchmark does not leave gigabytes for
    /// the kernel to write back while later runs write their lines.
    pub fn run_dir(&mut self) -> io::Result<PathBuf> {
        let last = self.scratch.path().join(format!("run{}", self.runs));
        let _ = std::fs::remove_dir_all(last);
        self.runs += 1;
        let dir = self.scratch.path().join(format!("run{}", self.runs));
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Connects `n` clients and waits until each is subscribed.
    pub async fn connect(&self, t: &Target, n: usize, expect: u64, latency: bool) -> io::Result<Clients> {
        self.connect_taking(t, n, expect, latency, true).await
    }

    /// The same, logmon's clients taking `stats` messages or not.
    pub async fn connect_taking(
        &self,
        t: &Target,
        n: usize,
        expect: u64,
        latency: bool,
        stats: bool,
    ) -> io::Result<Clients> {
        let port = t.server.port;
        let job = (expect, latency, Job::no_mark());
        self.connect_each(n, job, |_, job| match t.kind {
            Kind::Logmon => tokio::spawn(client::logmon(port, servers::STREAM.to_string(), stats, job)),
            Kind::Frontail => tokio::spawn(client::frontail(port, t.nsp.clone(), job)),
        })
        .await
    }

    /// Connects `n` logmon clients of the server on `port`, spread evenly
    /// over `streams` (client `i` follows stream `i % streams.len()`), each
    /// measuring latency and noting when it had every line written by `written_by`.
    pub async fn connect_streams(
        &self,
        port: u16,
        streams: &[String],
        n: usize,
        expect: u64,
        written_by: Arc<AtomicU64>,
    ) -> io::Result<Clients> {
        self.connect_each(n, (expect, true, written_by), |i, job| {
            let stream = streams[i % streams.len()].clone();
            tokio::spawn(client::logmon(port, stream, true, job))
        })
        .await
    }

    /// Starts `n` clients, each by `spawn` (its index, its [`Job`] of
    /// `expect`, `latency` and `written_by`), and waits until each is subscribed.
    async fn connect_each(
        &self,
        n: usize,
        (expect, latency, written_by): (u64, bool, Arc<AtomicU64>),
        spawn: impl Fn(usize, Job) -> JoinHandle<io::Result<Outcome>>,
    ) -> io::Result<Clients> {
        let (ready, mut ready_rx) = mpsc::channel(n.max(1));
        let stop = CancellationToken::new();
        let job = Job {
            expect,
            latency,
            verify: self.opts.verify,
            ready,
            stop: stop.clone(),
            written_by,
        };
        let handles = (0..n).map(|i| spawn(i, job.clone())).collect();
        drop(job);
        let clients = Clients { handles, stop };
        for _ in 0..n {
            let ok = tokio::time::timeout(CONNECT_TIMEOUT, ready_rx.recv()).await;
            if !matches!(ok, Ok(Some(()))) {
                clients.stop.cancel();
                return Err(io::Error::other("clients could not connect"));
            }
        }
        Ok(clients)
    }

    /// The burst's lines (`--lines` of them), made once for every run that appends them.
    pub fn burst_data(&mut self) -> Arc<Vec<u8>> {
        let n = self.opts.lines();
        self.data
            .get_or_insert_with(|| {
                eprintln!("making {} lines", table::count(n));
                Arc::new(workload::burst_data(n))
            })
            .clone()
    }
}

/// `<target>` of the running example (`<target>/<profile>/examples/<exe>`).
pub fn target_dir() -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .ok_or_else(|| io::Error::other("cannot tell the target directory"))
}

/// Where frontail's `package.json` and lock file live: beside this source.
fn package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/logmon-bench")
}

/// `--logmon`, or `cargo build --release --bin logmon` and its output.
fn logmon_binary(opts: &Opts) -> io::Result<PathBuf> {
    if let Some(p) = &opts.logmon {
        return Ok(p.clone());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--bin", "logmon"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()?;
    if !status.success() {
        return Err(io::Error::other(format!("cargo build --release failed ({status})")));
    }
    Ok(target_dir()?.join("release/logmon"))
}
