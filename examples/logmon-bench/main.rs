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
//! `--before OLD` measures an earlier binary in the same run: each section
//! that starts the daemon runs with OLD and then with the binary measured,
//! one after the other, and the table prints OLD's figures in a column
//! beside (the in-process sections measure this build's code alone).
//! frontail is installed once with `npm ci` into `target/bench-frontail/`
//! from `examples/logmon-bench/package.json` and its lock file, and started with
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
//! - **slow**: 20,000 lines/s to one fast client, alone and then beside a
//!   slow reader (8 KiB receive buffer, one 8 KiB read every 0.5 s): the
//!   fast client's latency both times, and the lines the slow one got from
//!   disk and the gaps it was told of (from `/metrics`).
//! - **many**: 100 lines/s (`--many-rate`) to 10,000 clients (`--many`;
//!   2,000 with `--quick`) for the steady run's seconds, the clients all on
//!   one thread of raw sockets: the server's CPU in cores, each frame's
//!   latency, the server's memory per client, and the clients' own CPU.
//! - **idle**: 100 clients connected for 60 s with no writes: the server's
//!   CPU time (only the WebSocket pings, every 30 s, should cost anything),
//!   its wake-ups (context switches) and RSS.
//! - **follower**: N lines appended with no client connected; `/healthz` is
//!   polled until the stream's `seq` reaches N. Beside it, the speed of
//!   reading the same file from the page cache (128 KiB reads, newlines
//!   counted with memchr): how close the follower comes to the disk.
//!
//! - **search** (only when named: `--sections search`): logmon's search
//!   engine in process against `grep -F -c` and `zgrep -F -c` on a log of
//!   `--search-mib` MiB (default 1024) and its gzip, made once in
//!   `<target>/bench-search/`: throughput side by side, the engine's
//!   newest-first mode, and its memory. About 1.5 minutes once the files
//!   exist.
//! - **goaccess** (only when named: `--sections goaccess`): `/report` of a
//!   whole log of `--goaccess-mib` MiB (default 256, 64 with `--quick`;
//!   the current file, a plain rotation and two `.gz`, made once in
//!   `<target>/bench-goaccess/`) beside GoAccess 1.7 on the same files:
//!   lines/s and peak memory. About a minute; GoAccess takes most of it.
//! - **history** (only when named: `--sections history`): `/history`'s
//!   pages in process, 20 pages of 200 lines back from the middle of a
//!   `.gz` rotation of `--history-mib` MiB of text (default 200, its gzip
//!   made once in `<target>/bench-history/`): milliseconds a page without
//!   and with the index of access points into `.gz` files, and the index's
//!   memory. Under half a minute once the file exists.
//! - **fleet** (only when named: `--sections fleet`; it needs Debian's
//!   `nats-server`, and says so and skips itself without it): a fleet on
//!   NATS JetStream on this machine, 3 agents × `--rate` lines/s for the
//!   steady run's seconds into one viewer with `--steady-clients` clients:
//!   latency from the write on an agent's host to a client's receipt, the
//!   CPU of each agent per line beside a logmon's without `[fleet]`, of the
//!   viewer and of nats-server, and the lines missing or duplicated at the
//!   clients; then the same with nats-server killed halfway and restarted
//!   3 s later: the catch-up, and missing or duplicated lines again. About
//!   1.5 minutes (half a minute with `--quick`), most of it the catch-up.
//!
//! `--quick` makes N 200,000, the steady run 5 s and the idle run 10 s.
//!
//! The clients run in this process on a multi-threaded tokio runtime
//! (tokio-tungstenite). They count a `lines` frame's items without decoding
//! it (`--verify` decodes every frame too, to check that count) and check
//! that `seq` runs on, counting the lines received twice; lines announced
//! by `gap` frames are counted apart.
//! The clients' CPU (this process's, less the log writer's thread) is
//! printed; the notes say when the machine's CPU was saturated or the
//! clients needed as much of it as the server: the rates are then lower
//! bounds of what the server can do. The CPU used by other processes during
//! each run is printed too, as a measure of noise.

//!
//! Layout: [`opts`] reads the command line; [`harness`] starts servers and
//! connects clients, and [`meter`] takes CPU and memory over a span; the
//! sections ([`burst`], [`steady`], [`fleet`] and the others) measure and
//! return figures, which [`report`] alone turns into the rows and notes of
//! the [`table`]. The clients are in [`client`] (latencies in
//! [`histogram`]), the log lines and their writers in [`workload`], the
//! server processes in [`servers`], and `/proc` readings in [`procfs`].

mod burst;
mod client;
mod fleet;
mod follower;
mod goaccess;
mod harness;
mod histogram;
mod history;
mod idle;
mod many;
mod meter;
mod opts;
mod parsing;
mod procfs;
mod report;
mod search;
mod servers;
mod slow;
mod steady;
mod table;
mod workload;

use std::io;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};

use harness::Bench;
use opts::{Opts, Section};
use table::Table;

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
    let mut bench = Bench::new(opts)?;
    let started = Instant::now();
    println!(
        "{}",
        report::header(&bench.logmon, bench.opts.before.as_deref(), bench.frontail.is_some())
    );
    let table = sections(&mut bench).await?;
    println!("{}", table.render());
    report::print_missed(&table);
    println!("(took {:.0} s)", started.elapsed().as_secs_f64());
    Ok(())
}

/// Runs the chosen sections in order; each one's figures become rows as
/// soon as it is done. With `--before`, a section that starts the daemon
/// runs with the earlier binary first (without frontail), and its rows go
/// beside the binary measured's.
async fn sections(bench: &mut Bench) -> io::Result<Table> {
    let mut table = Table::default();
    for &section in Section::value_variants() {
        if !bench.opts.runs(section) {
            continue;
        }
        let Some(before) = bench.opts.before.clone().filter(|_| section.starts_the_daemon()) else {
            section_rows(bench, section, &mut table).await?;
            continue;
        };
        let (measured, frontail) = (std::mem::replace(&mut bench.logmon, before), bench.frontail.take());
        let mut earlier = Table::default();
        // An earlier binary may not manage a workload (10,000 clients
        // above its limit, say): said in a note, and the run goes on.
        if let Err(e) = section_rows(bench, section, &mut earlier).await {
            let name = section.to_possible_value().map(|v| v.get_name().to_string());
            earlier.note(format!("the {} section failed: {e}", name.unwrap_or_default()));
        }
        (bench.logmon, bench.frontail) = (measured, frontail);
        let mut now = Table::default();
        section_rows(bench, section, &mut now).await?;
        table.append(now.beside(earlier));
    }
    Ok(table)
}

/// Runs one section and adds its rows and notes to `table`.
async fn section_rows(bench: &mut Bench, section: Section, table: &mut Table) -> io::Result<()> {
    match section {
        Section::Burst => report::burst(table, &burst::run(bench).await?),
        Section::Steady => report::steady(table, &steady::run(bench).await?),
        Section::Slow => report::slow(table, &slow::run(bench).await?),
        Section::Many => report::many(table, &many::run(bench).await?),
        Section::Idle => report::idle(table, &idle::run(bench).await?),
        Section::Follower => report::follower(table, &follower::run(bench).await?),
        Section::Parsing => report::parsing(table, &parsing::run(bench)),
        Section::Line => {
            report::line(table, &parsing::per_line_costs(bench));
        }
        Section::Search => report::search(table, &search::run(bench.opts.search_mib)?),
        Section::History => report::history(table, &history::run(bench.opts.history_mib)?),
        Section::Goaccess => report::goaccess(table, &goaccess::run(bench, bench.opts.goaccess_mib()).await?),
        Section::Fleet => report::fleet(table, fleet::run(bench).await?.as_ref()),
    }
    Ok(())
}
