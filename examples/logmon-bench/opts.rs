//! The benchmark's command line: which sections run, how big their
//! workloads are, and the defaults that `--quick` shortens.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

#[derive(Parser)]
#[command(about = "Benchmark of logmon (and of frontail beside it); prints one table")]
pub struct Opts {
    /// A short run: 200,000 lines, 5 s steady, 10 s idle
    #[arg(long)]
    pub quick: bool,
    /// Sections to run
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "burst,steady,slow,many,idle,follower,parsing"
    )]
    pub sections: Vec<Section>,
    /// Do not install and measure frontail
    #[arg(long)]
    pub skip_frontail: bool,
    /// Lines of a burst [default: 1000000, 200000 with --quick]
    #[arg(long)]
    pub lines: Option<u64>,
    /// Client counts of the burst runs
    #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
    pub clients: Vec<usize>,
    /// Lines of frontail's burst [default: max(lines/10/K, 10000)]
    #[arg(long)]
    pub frontail_lines: Option<u64>,
    /// Lines per second of the steady run
    #[arg(long, default_value_t = 10_000)]
    pub rate: u64,
    /// Seconds of the steady run [default: 20, 5 with --quick]
    #[arg(long)]
    pub steady_secs: Option<f64>,
    /// Clients of the steady run
    #[arg(long, default_value_t = 100)]
    pub steady_clients: usize,
    /// Clients of the many run [default: 10000, 2000 with --quick]
    #[arg(long)]
    pub many: Option<usize>,
    /// Lines per second of the many run
    #[arg(long, default_value_t = 100)]
    pub many_rate: u64,
    /// The many run's clients offer permessage-deflate, as browsers do, and inflate what comes compressed
    #[arg(long)]
    pub many_deflate: bool,
    /// Seconds of the idle run [default: 60, 10 with --quick]
    #[arg(long)]
    pub idle_secs: Option<f64>,
    /// Clients of the idle run
    #[arg(long, default_value_t = 100)]
    pub idle_clients: usize,
    /// Seconds a burst run may take before it is cut short
    #[arg(long, default_value_t = 120.0)]
    pub deadline: f64,
    /// Decode every logmon frame fully to check the clients' cheap counting (slower)
    #[arg(long)]
    pub verify: bool,
    /// MiB of the search section's log (made once in target/bench-search/)
    #[arg(long, default_value_t = 1024)]
    pub search_mib: u64,
    /// MiB of the history section's log, before gzip (made once in target/bench-history/)
    #[arg(long, default_value_t = 200)]
    pub history_mib: u64,
    /// MiB of the goaccess section's log [default: 256, 64 with --quick] (made once in target/bench-goaccess/)
    #[arg(long)]
    pub goaccess_mib: Option<u64>,
    /// The logmon binary to measure (default: build target/release/logmon)
    #[arg(long)]
    pub logmon: Option<PathBuf>,
    /// An earlier logmon binary to measure in the same run: each section
    /// that starts the daemon runs with it first, then with the one
    /// measured, and its figures are printed in a column beside
    #[arg(long)]
    pub before: Option<PathBuf>,
}

/// A part of the benchmark, as `--sections` names it.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Section {
    Burst,
    Steady,
    /// A fast client alone and beside a slow reader.
    Slow,
    /// Thousands of clients held by one cheap thread.
    Many,
    Idle,
    Follower,
    Parsing,
    /// Not in the default list: only the parsing section's costs per line
    /// (the split, and the split with the statistics), without its memory
    /// runs: the part to run under callgrind (`Recorder::line` per line).
    Line,
    /// Not in the default list: it makes a 1 GiB log and its gzip once.
    Search,
    /// Not in the default list: it makes a 200 MiB log's gzip once.
    History,
    /// Not in the default list: GoAccess takes about a minute.
    Goaccess,
    /// Not in the default list: it needs nats-server, and takes about a minute.
    Fleet,
}

impl Section {
    /// Whether the section measures the daemon (as a process, so an
    /// earlier binary can be measured the same way), not code in process.
    pub fn starts_the_daemon(self) -> bool {
        !matches!(
            self,
            Section::Parsing | Section::Line | Section::Search | Section::History
        )
    }
}

impl Opts {
    pub fn lines(&self) -> u64 {
        self.lines.unwrap_or(if self.quick { 200_000 } else { 1_000_000 })
    }

    pub fn frontail_lines(&self, clients: usize) -> u64 {
        let n = self.lines();
        self.frontail_lines
            .unwrap_or_else(|| (n / 10 / clients.max(1) as u64).max(n.min(10_000)))
    }

    pub fn steady_secs(&self) -> f64 {
        self.steady_secs.unwrap_or(if self.quick { 5.0 } else { 20.0 })
    }

    pub fn many(&self) -> usize {
        self.many.unwrap_or(if self.quick { 2_000 } else { 10_000 })
    }

    pub fn idle_secs(&self) -> f64 {
        self.idle_secs.unwrap_or(if self.quick { 10.0 } else { 60.0 })
    }

    pub fn goaccess_mib(&self) -> u64 {
        self.goaccess_mib.unwrap_or(if self.quick { 64 } else { 256 })
    }

    pub fn runs(&self, s: Section) -> bool {
        self.sections.contains(&s)
    }
}
