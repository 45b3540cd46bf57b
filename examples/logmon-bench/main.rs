//! logmon's benchmark: starts the real daemon (the release binary) on a
//! temporary log file, drives it with realistic nginx lines and WebSocket
//! clients, and prints one table, with frontail 4.9.2 measured beside it.
//!
//! ```sh
//! cargo run --release --example logmon-bench                 # everything, 2.5 to 4 minutes
//! cargo run --release --example logmon-bench -- --quick      # about a minute
//! cargo run --release --example logmon-bench -- --sections burst,follower --skip-frontail
//! ```
//!
//! It runs `cargo build --release --bin logmon` first and measures
//! `target/release/logmon` (`--logmon PATH` measures another binary), with
//! its default history and limits, passing `--allow-root` when run as root.
//! frontail is installed once with `npm ci` into `target/bench-frontail/`
//! from `examples/bench/package.json` and its lock file, and started with
//! `--disable-usage-stats` on a free loopback port; it needs `node` and `npm`
//! (`--skip-frontail` does without). Its clients speak socket.io 2 (Engine.IO
//! 3) over a bare WebSocket, as frontail's own page does, join the page's
//! namespace and count `line` events. frontail's CPU includes its `tail -F`.
//!
//! Sections (`--sections`, default all four):
//!
//! - **burst**: N lines (default 1,000,000, each about 200 bytes) appended
//!   at once while K clients (`--clients 1,10,100`) are connected: seconds
//!   until every client has every line, lines/s per client and deliveries/s
//!   in total, the server's CPU time per delivered line (utime + stime from
//!   `/proc/PID/stat` over lines × K) and its peak RSS (VmHWM). frontail gets
//!   fewer lines (`--frontail-lines`, default max(N/10/K, 10,000)) so that
//!   it finishes in reasonable time; rates are compared.
//! - **steady**: 10,000 lines/s (`--rate`) for 20 s to 100 clients, one
//!   `write` per line; every line carries its write time (a monotonic clock
//!   shared by the writer and the clients of this process), so each client
//!   measures the latency of every line: p50, p99, max, and the server's CPU.
//! - **idle**: 100 clients connected for 60 s with no writes: the server's
//!   CPU time (only the WebSocket pings, every 30 s, should cost anything),
//!   its wake-ups (context switches) and RSS.
//! - **follower**: N lines appended with no client connected; `/healthz` is
//!   polled until the stream's `seq` reaches N. Beside it, the speed of
//!   reading the same file from the page cache (128 KiB reads, newlines
//!   counted with memchr): how close the follower comes to the disk.
//!
//! `--quick` makes N 200,000, the steady run 5 s and the idle run 10 s.
//!
//! The clients run in this process on a multi-threaded tokio runtime
//! (tokio-tungstenite). They count a `lines` frame's items without decoding
//! it (`--verify` decodes every frame too, to check that count) and check
//! that `seq` runs on; lines announced by `gap` frames are counted apart.
//! The clients' CPU (this process's, less the log writer's thread) is
//! printed; the notes say when the machine's CPU was saturated or the
//! clients needed as much of it as the server: the rates are then lower
//! bounds of what the server can do. The CPU used by other processes during
//! each run is printed too, as a measure of noise.

#[path = "bench/client.rs"]
mod client;
#[path = "bench/procfs.rs"]
mod procfs;
#[path = "bench/servers.rs"]
mod servers;
#[path = "bench/table.rs"]
mod table;
#[path = "bench/workload.rs"]
mod workload;

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use client::{Job, Outcome};
use procfs::{MachineCpu, Usage};
use servers::Server;
use table::{Better, Row, Table, Verdict};

/// Server ping interval (logmon's default), to say how many pings an idle run saw.
const PING_INTERVAL_SECS: f64 = 30.0;
/// How long clients may take to receive the last steady lines after the writer stops.
const STEADY_DRAIN: Duration = Duration::from_secs(10);
/// How often `/healthz` is polled in the follower section.
const HEALTHZ_POLL: Duration = Duration::from_millis(5);
/// CPU an idle run may use for its pings, per minute.
const IDLE_CPU_PER_MINUTE: Duration = Duration::from_millis(20);

#[derive(Parser)]
#[command(about = "Benchmark of logmon (and of frontail beside it); prints one table")]
struct Opts {
    /// A short run: 200,000 lines, 5 s steady, 10 s idle
    #[arg(long)]
    quick: bool,
    /// Sections to run
    #[arg(long, value_delimiter = ',', default_value = "burst,steady,idle,follower")]
    sections: Vec<Section>,
    /// Do not install and measure frontail
    #[arg(long)]
    skip_frontail: bool,
    /// Lines of a burst [default: 1000000, 200000 with --quick]
    #[arg(long)]
    lines: Option<u64>,
    /// Client counts of the burst runs
    #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
    clients: Vec<usize>,
    /// Lines of frontail's burst [default: max(lines/10/K, 10000)]
    #[arg(long)]
    frontail_lines: Option<u64>,
    /// Lines per second of the steady run
    #[arg(long, default_value_t = 10_000)]
    rate: u64,
    /// Seconds of the steady run [default: 20, 5 with --quick]
    #[arg(long)]
    steady_secs: Option<f64>,
    /// Clients of the steady run
    #[arg(long, default_value_t = 100)]
    steady_clients: usize,
    /// Seconds of the idle run [default: 60, 10 with --quick]
    #[arg(long)]
    idle_secs: Option<f64>,
    /// Clients of the idle run
    #[arg(long, default_value_t = 100)]
    idle_clients: usize,
    /// Seconds a burst run may take before it is cut short
    #[arg(long, default_value_t = 120.0)]
    deadline: f64,
    /// Decode every logmon frame fully to check the clients' cheap counting (slower)
    #[arg(long)]
    verify: bool,
    /// The logmon binary to measure (default: build target/release/logmon)
    #[arg(long)]
    logmon: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Section {
    Burst,
    Steady,
    Idle,
    Follower,
}

impl Opts {
    fn lines(&self) -> u64 {
        self.lines.unwrap_or(if self.quick { 200_000 } else { 1_000_000 })
    }

    fn frontail_lines(&self, clients: usize) -> u64 {
        let n = self.lines();
        self.frontail_lines
            .unwrap_or_else(|| (n / 10 / clients.max(1) as u64).max(n.min(10_000)))
    }

    fn steady_secs(&self) -> f64 {
        self.steady_secs.unwrap_or(if self.quick { 5.0 } else { 20.0 })
    }

    fn idle_secs(&self) -> f64 {
        self.idle_secs.unwrap_or(if self.quick { 10.0 } else { 60.0 })
    }

    fn runs(&self, s: Section) -> bool {
        self.sections.contains(&s)
    }
}

fn main() -> ExitCode {
    let opts = Opts::parse();
    workload::now_ns();
    if cfg!(debug_assertions) {
        eprintln!("warning: the benchmark itself is a debug build; run it with `cargo run --release`");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match rt.block_on(run(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logmon-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(opts: Opts) -> io::Result<()> {
    let logmon = logmon_binary(&opts)?;
    let compared = opts.runs(Section::Burst) || opts.runs(Section::Steady);
    let frontail = if opts.skip_frontail || !compared {
        None
    } else {
        Some(servers::install_frontail(&target_dir()?, &bench_dir())?)
    };
    let mut bench = Bench {
        opts,
        logmon,
        frontail,
        scratch: tempfile::Builder::new().prefix("logmon-bench").tempdir()?,
        runs: 0,
        data: None,
        table: Table::default(),
    };
    let started = Instant::now();
    println!("{}", bench.header());
    bench.sections().await?;
    println!("{}", bench.table.render());
    print_missed(&bench.table);
    println!("(took {:.0} s)", started.elapsed().as_secs_f64());
    Ok(())
}

fn print_missed(table: &Table) {
    let missed = table.missed();
    if missed.is_empty() {
        println!("every measured target met");
        return;
    }
    println!("missed targets:");
    for m in missed {
        println!("- {m}");
    }
}

/// `<target>` of the running example (`<target>/<profile>/examples/<exe>`).
fn target_dir() -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .ok_or_else(|| io::Error::other("cannot tell the target directory"))
}

/// Where the frontail package files live.
fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench")
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

/// Which server a run measures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Logmon,
    Frontail,
}

/// A server started on an empty log file.
struct Target {
    kind: Kind,
    server: Server,
    log: PathBuf,
    /// frontail's socket.io namespace.
    nsp: String,
}

/// CPU and wall time over one measured span.
struct Span {
    wall: Duration,
    server: Duration,
    /// This process but its log writer: the clients.
    bench: Duration,
    /// The thread that wrote the log lines.
    writer: Duration,
    others: Duration,
    /// The server's usage at the end (RSS, peak), with `switches` over the span.
    end: Usage,
}

impl Span {
    fn server_share(&self) -> f64 {
        self.server.as_secs_f64() / self.wall.as_secs_f64()
    }

    fn bench_share(&self) -> f64 {
        self.bench.as_secs_f64() / self.wall.as_secs_f64()
    }

    fn writer_share(&self) -> f64 {
        self.writer.as_secs_f64() / self.wall.as_secs_f64()
    }

    fn others_share(&self) -> f64 {
        self.others.as_secs_f64() / self.wall.as_secs_f64()
    }

    /// Takes the writer's CPU out of the clients'.
    fn with_writer(self, writer: Duration) -> Span {
        Span {
            bench: self.bench.saturating_sub(writer),
            writer,
            ..self
        }
    }
}

/// Snapshot at the start of a span.
struct Meter {
    t0: Instant,
    server: Usage,
    bench: Duration,
    machine: MachineCpu,
}

impl Meter {
    fn start(server: &Server) -> Meter {
        Meter {
            server: server.usage(),
            bench: procfs::self_cpu(),
            machine: procfs::machine_cpu(),
            t0: Instant::now(),
        }
    }

    /// The span from the start to `end` (CPU is read now).
    fn stop(&self, server: &Server, end: Instant) -> Span {
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

/// The clients of one run, all connected.
struct Clients {
    handles: Vec<JoinHandle<io::Result<Outcome>>>,
    stop: CancellationToken,
}

impl Clients {
    /// Waits for every client (each stops once it has its lines, or at `stop`).
    async fn finish(self) -> (Outcome, usize) {
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
    fn deadline(&self, after: Duration) -> JoinHandle<()> {
        let stop = self.stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            stop.cancel();
        })
    }
}

/// A figure of a burst run, as printed.
struct BurstMetric {
    name: &'static str,
    value: fn(&Burst) -> f64,
    format: fn(f64) -> String,
    better: Better,
    /// Whether the ratio to frontail's figure is printed.
    compared: bool,
}

const PER_CLIENT: &str = "lines/s per client";
const DELIVERIES: &str = "deliveries/s (all clients)";
const CPU_PER_LINE: &str = "server CPU per delivered line";

const BURST_METRICS: [BurstMetric; 5] = [
    BurstMetric {
        name: PER_CLIENT,
        value: Burst::per_client,
        format: table::rate,
        better: Better::Higher,
        compared: true,
    },
    BurstMetric {
        name: DELIVERIES,
        value: Burst::deliveries,
        format: table::rate,
        better: Better::Higher,
        compared: true,
    },
    BurstMetric {
        name: CPU_PER_LINE,
        value: Burst::cpu_per_line_us,
        format: micros,
        better: Better::Lower,
        compared: true,
    },
    BurstMetric {
        name: "bench client CPU per line",
        value: Burst::client_cpu_per_line_us,
        format: micros,
        better: Better::Lower,
        compared: false,
    },
    BurstMetric {
        name: "server peak RSS",
        value: Burst::peak_kib,
        format: kib_as_mib,
        better: Better::Lower,
        compared: true,
    },
];

/// Adds the target that a burst figure has, if any.
fn burst_target(row: Row, metric: &str, ours: &Burst, theirs: Option<&Burst>) -> Row {
    let vs = |f: fn(&Burst) -> f64| theirs.map_or(Verdict::Unmeasured, |b| Verdict::of(f(ours) >= 25.0 * f(b)));
    match (ours.clients, metric) {
        (1, PER_CLIENT) => row.target("≥ 2 M/s", Verdict::of(ours.per_client() >= 2e6)),
        (1, DELIVERIES) => row.target("≥ 25× frontail", vs(Burst::deliveries)),
        (100, PER_CLIENT) => row.target("≥ 25× frontail", vs(Burst::per_client)),
        (100, DELIVERIES) => row.target("≥ 5 M/s", Verdict::of(ours.deliveries() >= 5e6)),
        (100, CPU_PER_LINE) => row.target("≤ 0.2 µs", Verdict::of(ours.cpu_per_line_us() <= 0.2)),
        _ => row,
    }
}

/// A figure of a span, by name.
type SpanMetric = (&'static str, fn(&Span) -> f64);

/// One burst run's outcome.
struct Burst {
    kind: Kind,
    lines: u64,
    clients: usize,
    span: Span,
    got: Outcome,
    complete: usize,
}

impl Burst {
    fn secs(&self) -> f64 {
        self.span.wall.as_secs_f64()
    }

    fn deliveries(&self) -> f64 {
        self.got.lines as f64 / self.secs()
    }

    fn per_client(&self) -> f64 {
        self.deliveries() / self.clients as f64
    }

    fn cpu_per_line_us(&self) -> f64 {
        self.span.server.as_secs_f64() * 1e6 / self.got.lines.max(1) as f64
    }

    fn client_cpu_per_line_us(&self) -> f64 {
        self.span.bench.as_secs_f64() * 1e6 / self.got.lines.max(1) as f64
    }

    fn peak_kib(&self) -> f64 {
        self.span.end.peak_kib as f64
    }
}

/// One steady run's outcome.
struct Steady {
    expected: u64,
    span: Span,
    got: Outcome,
}

impl Steady {
    fn quantile(&self, q: f64) -> Option<u64> {
        self.got.latency.quantile(q, self.expected)
    }
}

struct Bench {
    opts: Opts,
    logmon: PathBuf,
    frontail: Option<PathBuf>,
    scratch: tempfile::TempDir,
    runs: usize,
    data: Option<Arc<Vec<u8>>>,
    table: Table,
}

impl Bench {
    fn header(&self) -> String {
        let args: Vec<String> = std::env::args().skip(1).collect();
        format!(
            "logmon benchmark{}{}: {} cores, load average {:.2} at start; logmon {}; {}",
            if args.is_empty() { "" } else { " " },
            args.join(" "),
            procfs::cores(),
            procfs::load_average(),
            self.logmon.display(),
            if self.frontail.is_some() {
                format!("frontail {}", servers::FRONTAIL_VERSION)
            } else {
                "frontail skipped".to_string()
            }
        )
    }

    async fn sections(&mut self) -> io::Result<()> {
        if self.opts.runs(Section::Burst) {
            self.burst_section().await?;
        }
        if self.opts.runs(Section::Steady) {
            self.steady_section().await?;
        }
        if self.opts.runs(Section::Idle) {
            self.idle_section().await?;
        }
        if self.opts.runs(Section::Follower) {
            self.follower_section().await?;
        }
        Ok(())
    }

    /// Starts `kind` on a new, empty log file.
    async fn start(&mut self, kind: Kind) -> io::Result<Target> {
        self.runs += 1;
        let dir = self.scratch.path().join(format!("run{}", self.runs));
        std::fs::create_dir_all(&dir)?;
        let log = dir.join("access.log");
        std::fs::write(&log, b"")?;
        match kind {
            Kind::Logmon => Ok(Target {
                kind,
                server: servers::start_logmon(&self.logmon, &dir, &log)?,
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

    /// Connects `n` clients and waits until each is subscribed.
    async fn connect(&self, t: &Target, n: usize, expect: u64, latency: bool) -> io::Result<Clients> {
        let (ready, mut ready_rx) = mpsc::channel(n.max(1));
        let stop = CancellationToken::new();
        let job = Job {
            expect,
            latency,
            verify: self.opts.verify,
            ready,
            stop: stop.clone(),
        };
        let handles = (0..n)
            .map(|_| match t.kind {
                Kind::Logmon => {
                    let url = format!("ws://127.0.0.1:{}/ws?backlog=0", t.server.port);
                    tokio::spawn(client::logmon(url, job.clone()))
                }
                Kind::Frontail => tokio::spawn(client::frontail(t.server.port, t.nsp.clone(), job.clone())),
            })
            .collect();
        drop(job);
        let clients = Clients { handles, stop };
        for _ in 0..n {
            let ok = tokio::time::timeout(Duration::from_secs(30), ready_rx.recv()).await;
            if !matches!(ok, Ok(Some(()))) {
                clients.stop.cancel();
                return Err(io::Error::other("clients could not connect"));
            }
        }
        Ok(clients)
    }

    // ---- burst ----

    /// The burst's lines, made once.
    fn burst_data(&mut self) -> Arc<Vec<u8>> {
        let n = self.opts.lines();
        self.data
            .get_or_insert_with(|| {
                eprintln!("making {} lines", table::count(n));
                Arc::new(workload::burst_data(n))
            })
            .clone()
    }

    async fn burst_section(&mut self) -> io::Result<()> {
        let n = self.opts.lines();
        let data = self.burst_data();
        let avg = data.len() as f64 / n as f64;
        self.table.note(format!(
            "burst lines are nginx combined lines of {avg:.0} bytes on average; logmon runs with its default history (10,000 lines / 4 MiB)"
        ));
        for k in self.opts.clients.clone() {
            let ours = self.burst(Kind::Logmon, k, &data, n).await?;
            let theirs = match self.frontail {
                Some(_) => Some(
                    self.burst(Kind::Frontail, k, &data, self.opts.frontail_lines(k))
                        .await?,
                ),
                None => None,
            };
            self.burst_rows(&ours, theirs.as_ref());
        }
        Ok(())
    }

    async fn burst(&mut self, kind: Kind, k: usize, data: &Arc<Vec<u8>>, n: u64) -> io::Result<Burst> {
        eprintln!("burst: {} lines to {k} {} clients", table::count(n), name(kind));
        let t = self.start(kind).await?;
        let clients = self.connect(&t, k, n, false).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let deadline = clients.deadline(Duration::from_secs_f64(self.opts.deadline));
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
            span,
            got,
            complete,
        })
    }

    fn burst_rows(&mut self, ours: &Burst, theirs: Option<&Burst>) {
        let k = ours.clients;
        let w = format!("burst {} lines → {k} client{}", table::count(ours.lines), plural(k));
        let mut row = compare(
            &w,
            "seconds until all have all",
            ours,
            theirs,
            Burst::secs,
            secs,
            Better::Lower,
        );
        row.ratio.clear();
        if let Some(b) = theirs {
            row.frontail = format!("{} ({} lines)", row.frontail, table::count(b.lines));
        }
        self.table.push(row);
        for m in BURST_METRICS {
            let mut row = compare(&w, m.name, ours, theirs, m.value, m.format, m.better);
            if !m.compared {
                row.ratio.clear();
            }
            self.table.push(burst_target(row, m.name, ours, theirs));
        }
        let skipped = ours.got.skipped;
        let share = skipped as f64 / (ours.lines * k as u64) as f64;
        let skipped = format!("{} ({})", table::count(skipped), table::percent(share));
        self.table.push(Row::new(&w, "lines skipped (gap)", skipped));
        self.cpu_rows(&w, &ours.span, theirs.map(|b| &b.span));
        self.burst_notes(&w, ours);
        if let Some(b) = theirs {
            self.burst_notes(&w, b);
        }
    }

    /// Server, client and other CPU over a run, in % of one core.
    fn cpu_rows(&mut self, w: &str, ours: &Span, theirs: Option<&Span>) {
        let rows: [SpanMetric; 4] = [
            ("server CPU (% of a core)", Span::server_share),
            ("bench clients CPU", Span::bench_share),
            ("log writer CPU", Span::writer_share),
            ("other processes CPU", Span::others_share),
        ];
        for (metric, f) in rows {
            let ft = theirs.map_or(String::new(), |s| table::percent(f(s)));
            self.table
                .push(Row::new(w, metric, table::percent(f(ours))).frontail(ft, String::new()));
        }
    }

    fn burst_notes(&mut self, w: &str, b: &Burst) {
        let who = name(b.kind);
        if b.complete < b.clients {
            self.table.note(format!(
                "{w}, {who}: only {} of {} clients had every line after {:.0} s; rates count what arrived",
                b.complete, b.clients, self.opts.deadline
            ));
        }
        if b.got.skipped > 0 {
            self.table.note(format!(
                "{w}, {who}: clients fell more than the history behind the fastest one and were sent gaps, so not every client got every line; the time is until each had every line or its gap"
            ));
        }
        if b.got.seq_errors > 0 {
            self.table.note(format!(
                "{w}, {who}: {} frames out of sequence (lines lost without a gap)",
                b.got.seq_errors
            ));
        }
        self.saturation_note(&format!("{w}, {who}"), &b.span);
    }

    /// Says when the clients, not the server, may have set the pace.
    fn saturation_note(&mut self, what: &str, s: &Span) {
        let cores = procfs::cores() as f64;
        let busy = s.server_share() + s.bench_share() + s.writer_share() + s.others_share();
        let saturated = busy >= 0.9 * cores;
        let client_heavy = s.bench_share() >= 0.9 || s.bench_share() >= s.server_share();
        if saturated || client_heavy {
            self.table.note(format!(
                "{what}: machine {:.0}% busy of {:.0}% (server {:.0}%, bench clients {:.0}%, writer {:.0}%, others {:.0}%){}{}",
                busy * 100.0,
                cores * 100.0,
                s.server_share() * 100.0,
                s.bench_share() * 100.0,
                s.writer_share() * 100.0,
                s.others_share() * 100.0,
                if saturated {
                    "; CPU saturated: the server's figures are pessimistic (rates low, latencies high)"
                } else {
                    ""
                },
                if client_heavy {
                    "; the clients needed as much CPU as the server, or a full core: client-bound"
                } else {
                    ""
                },
            ));
        }
    }

    // ---- steady ----

    async fn steady_section(&mut self) -> io::Result<()> {
        let ours = self.steady(Kind::Logmon).await?;
        let theirs = match self.frontail {
            Some(_) => Some(self.steady(Kind::Frontail).await?),
            None => None,
        };
        self.steady_rows(&ours, theirs.as_ref());
        Ok(())
    }

    async fn steady(&mut self, kind: Kind) -> io::Result<Steady> {
        let (rate, secs, k) = (self.opts.rate, self.opts.steady_secs(), self.opts.steady_clients);
        eprintln!("steady: {rate} lines/s for {secs} s to {k} {} clients", name(kind));
        let t = self.start(kind).await?;
        let per_client = (rate as f64 * secs) as u64;
        let clients = self.connect(&t, k, per_client, true).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let meter = Meter::start(&t.server);
        let log = t.log.clone();
        let written = tokio::task::spawn_blocking(move || workload::write_steady(&log, rate, secs))
            .await
            .map_err(io::Error::other)??;
        let span = meter.stop(&t.server, Instant::now()).with_writer(written.cpu);
        let deadline = clients.deadline(STEADY_DRAIN);
        let (got, _) = clients.finish().await;
        deadline.abort();
        Ok(Steady {
            expected: written.lines * k as u64,
            span,
            got,
        })
    }

    fn steady_rows(&mut self, ours: &Steady, theirs: Option<&Steady>) {
        let w = format!(
            "steady {} lines/s for {:.0} s → {} clients",
            table::count(self.opts.rate),
            self.opts.steady_secs(),
            self.opts.steady_clients
        );
        let quantiles = [
            ("latency p50", 0.5, None),
            ("latency p99", 0.99, Some(("≤ 25 ms", 25_000))),
            ("latency max", 1.0, Some(("≤ 100 ms", 100_000))),
        ];
        for (metric, q, target) in quantiles {
            let v = ours.quantile(q);
            let ft = theirs.map(|s| s.quantile(q));
            let ratio = match (v, ft) {
                (Some(a), Some(Some(b))) => table::versus(a as f64, b as f64, Better::Lower),
                _ => String::new(),
            };
            let mut row = Row::new(&w, metric, latency(v)).frontail(ft.map_or(String::new(), latency), ratio);
            if let Some((label, limit)) = target {
                row = row.target(label, Verdict::of(v.is_some_and(|v| v <= limit)));
            }
            self.table.push(row);
        }
        let received = |s: &Steady| table::percent(s.got.lines as f64 / s.expected.max(1) as f64);
        self.table.push(
            Row::new(&w, "lines received", received(ours))
                .frontail(theirs.map_or(String::new(), received), String::new()),
        );
        self.cpu_rows(&w, &ours.span, theirs.map(|s| &s.span));
        self.table.note(format!(
            "{w}: latency is from just before the line's write(2) to the client's receipt of its frame; a line not received within {} s of the writer's end counts as infinitely late",
            STEADY_DRAIN.as_secs()
        ));
        self.saturation_note(&format!("{w}, logmon"), &ours.span);
        if let Some(s) = theirs {
            self.saturation_note(&format!("{w}, frontail"), &s.span);
        }
    }

    // ---- idle ----

    async fn idle_section(&mut self) -> io::Result<()> {
        let (secs, k) = (self.opts.idle_secs(), self.opts.idle_clients);
        eprintln!("idle: {k} clients for {secs} s");
        let t = self.start(Kind::Logmon).await?;
        let clients = self.connect(&t, k, u64::MAX, false).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let meter = Meter::start(&t.server);
        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        let span = meter.stop(&t.server, Instant::now());
        clients.stop.cancel();
        clients.finish().await;
        self.idle_rows(&span, secs, k);
        Ok(())
    }

    fn idle_rows(&mut self, span: &Span, secs: f64, k: usize) {
        let w = format!("idle {secs:.0} s, {k} clients");
        let allowed = IDLE_CPU_PER_MINUTE.mul_f64(secs / 60.0).max(procfs::tick());
        let pings = (secs / PING_INTERVAL_SECS).floor() as u64 * k as u64;
        let cpu = format!("{:.3} s", span.server.as_secs_f64());
        let target = format!("≤ {:.3} s (pings)", allowed.as_secs_f64());
        self.table
            .push(Row::new(&w, "server CPU time", cpu).target(&target, Verdict::of(span.server <= allowed)));
        let wakeups = format!(
            "{} (≈ {} pings due)",
            table::count(span.end.switches),
            table::count(pings)
        );
        self.table
            .push(Row::new(&w, "server wake-ups (context switches)", wakeups));
        let rss_met = Verdict::of(span.end.rss_kib < 20 * 1024);
        self.table
            .push(Row::new(&w, "server RSS", table::mib(span.end.rss_kib)).target("< 20 MiB", rss_met));
        self.table
            .push(Row::new(&w, "server peak RSS", table::mib(span.end.peak_kib)));
        self.table.note(format!(
            "{w}: CPU time is counted in clock ticks of {} ms",
            procfs::tick().as_millis()
        ));
    }

    // ---- follower ----

    async fn follower_section(&mut self) -> io::Result<()> {
        let n = self.opts.lines();
        eprintln!("follower: {} lines, no client", table::count(n));
        let data = self.burst_data();
        let t = self.start(Kind::Logmon).await?;
        let meter = Meter::start(&t.server);
        let log = t.log.clone();
        let writer = tokio::task::spawn_blocking(move || workload::append_burst(&log, &data));
        let end = wait_for_seq(t.server.port, n, Duration::from_secs_f64(self.opts.deadline)).await?;
        let written = writer.await.map_err(io::Error::other)??;
        let span = meter.stop(&t.server, end).with_writer(written.cpu);
        let raw = raw_read_rate(&t.log)?;
        self.follower_rows(n, &span, raw);
        Ok(())
    }

    fn follower_rows(&mut self, n: u64, span: &Span, raw: f64) {
        let w = format!("follower {} lines, no client", table::count(n));
        let rate = n as f64 / span.wall.as_secs_f64();
        self.table.push(Row::new(&w, "lines/s into the hub", table::rate(rate)));
        self.table.push(
            Row::new(&w, "page-cache read, memchr count", table::rate(raw))
                .frontail(String::new(), format!("follower at {}", table::percent(rate / raw))),
        );
        self.table.push(Row::new(
            &w,
            "server CPU per line",
            format!("{:.3} µs", span.server.as_secs_f64() * 1e6 / n as f64),
        ));
        self.table
            .push(Row::new(&w, "server peak RSS", table::mib(span.end.peak_kib)));
        self.table.note(format!(
            "{w}: timed from the first write until /healthz says seq {n} (polled every {} ms)",
            HEALTHZ_POLL.as_millis()
        ));
    }
}

/// A row of `f` of logmon's run, with frontail's beside it when there is one.
fn compare<T>(
    workload: &str,
    metric: &str,
    ours: &T,
    theirs: Option<&T>,
    f: impl Fn(&T) -> f64,
    fmt: impl Fn(f64) -> String,
    better: Better,
) -> Row {
    let row = Row::new(workload, metric, fmt(f(ours)));
    match theirs {
        Some(t) => row.frontail(fmt(f(t)), table::versus(f(ours), f(t), better)),
        None => row,
    }
}

/// Polls `/healthz` until the stream's `seq` reaches `n`; returns when it did.
async fn wait_for_seq(port: u16, n: u64, limit: Duration) -> io::Result<Instant> {
    let deadline = Instant::now() + limit;
    loop {
        let body = servers::http_get(port, "/healthz").await?;
        if client::number_after(body.as_bytes(), b"\"seq\":").unwrap_or(0) >= n {
            return Ok(Instant::now());
        }
        if Instant::now() > deadline {
            return Err(io::Error::other(format!("the follower did not reach seq {n}: {body}")));
        }
        tokio::time::sleep(HEALTHZ_POLL).await;
    }
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

/// Bytes of the first `n` lines of `data`.
fn prefix_len(data: &[u8], n: u64) -> usize {
    memchr::memchr_iter(b'\n', data)
        .nth(n.saturating_sub(1) as usize)
        .map_or(data.len(), |i| i + 1)
}

/// A latency, or `> 10 s` when that quantile falls among lines that never came.
fn latency(us: Option<u64>) -> String {
    us.map_or_else(|| format!("> {} s", STEADY_DRAIN.as_secs()), table::ms)
}

fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Logmon => "logmon",
        Kind::Frontail => "frontail",
    }
}

fn secs(s: f64) -> String {
    format!("{s:.2} s")
}

fn micros(us: f64) -> String {
    format!("{us:.3} µs")
}

fn kib_as_mib(kib: f64) -> String {
    table::mib(kib as u64)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
