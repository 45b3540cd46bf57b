//! Turns the sections' figures into the table's rows, targets and notes,
//! and prints the header and the missed targets. Nothing here measures.

use std::path::Path;

use crate::burst::{Burst, Bursts};
use crate::follower::{self, Followers};
use crate::harness::Versus;
use crate::idle::Idle;
use crate::meter::Span;
use crate::steady::{self, Steady};
use crate::table::{self, Better, Row, Table, Verdict};
use crate::{procfs, servers};

mod fanout;
mod fleet;
mod goaccess;
mod history;
mod parsing;
mod search;
pub use fanout::{many, slow};
pub use fleet::fleet;
pub use goaccess::goaccess;
pub use history::history;
pub use parsing::{line, parsing};
pub use search::search;

/// The first line printed: the arguments, the machine and what is measured.
pub fn header(logmon: &Path, before: Option<&Path>, frontail: bool) -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!(
        "logmon benchmark{}{}: {} cores, load average {:.2} at start; logmon {}{}; {}",
        if args.is_empty() { "" } else { " " },
        args.join(" "),
        procfs::cores(),
        procfs::load_average(),
        logmon.display(),
        before.map_or(String::new(), |b| format!(", before it {}", b.display())),
        if frontail {
            format!("frontail {}", servers::FRONTAIL_VERSION)
        } else {
            "frontail skipped".to_string()
        }
    )
}

/// The line after the table: every target met, or the list of those missed.
pub fn print_missed(table: &Table) {
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

// ---- burst ----

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

/// The burst section: a note on the lines, then the rows of each client count.
pub fn burst(table: &mut Table, b: &Bursts) {
    table.note(format!(
        "burst lines are nginx combined lines of {:.0} bytes on average; logmon runs with its default history (10,000 lines / 4 MiB)",
        b.line_bytes
    ));
    for run in &b.runs {
        burst_rows(table, &run.logmon, run.frontail.as_ref());
    }
}

fn burst_rows(table: &mut Table, ours: &Burst, theirs: Option<&Burst>) {
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
    table.push(row);
    for m in BURST_METRICS {
        let mut row = compare(&w, m.name, ours, theirs, m.value, m.format, m.better);
        if !m.compared {
            row.ratio.clear();
        }
        table.push(burst_target(row, m.name, ours, theirs));
    }
    let skipped = ours.got.skipped;
    let share = skipped as f64 / (ours.lines * k as u64) as f64;
    let skipped = format!("{} ({})", table::count(skipped), table::percent(share));
    table.push(Row::new(&w, "lines skipped (gap)", skipped));
    cpu_rows(table, &w, &ours.span, theirs.map(|b| &b.span));
    burst_notes(table, &w, ours);
    if let Some(b) = theirs {
        burst_notes(table, &w, b);
    }
}

fn burst_notes(table: &mut Table, w: &str, b: &Burst) {
    let who = b.kind.name();
    if b.complete < b.clients {
        table.note(format!(
            "{w}, {who}: only {} of {} clients had every line after {:.0} s; rates count what arrived",
            b.complete, b.clients, b.deadline
        ));
    }
    if b.got.skipped > 0 {
        table.note(format!(
            "{w}, {who}: clients fell more than the history behind the fastest one and were sent gaps, so not every client got every line; the time is until each had every line or its gap"
        ));
    }
    if b.got.seq_errors > 0 {
        table.note(format!(
            "{w}, {who}: {} frames out of sequence (lines lost without a gap)",
            b.got.seq_errors
        ));
    }
    saturation_note(table, &format!("{w}, {who}"), &b.span);
}

// ---- steady ----

/// The steady section: latency quantiles with their targets, lines received, CPU.
pub fn steady(table: &mut Table, s: &Versus<Steady>) {
    let (ours, theirs) = (&s.logmon, s.frontail.as_ref());
    let w = format!(
        "steady {} lines/s for {:.0} s → {} clients",
        table::count(ours.rate),
        ours.secs,
        ours.clients
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
        table.push(row);
    }
    let received = |s: &Steady| table::percent(s.got.lines as f64 / s.expected.max(1) as f64);
    table.push(
        Row::new(&w, "lines received", received(ours)).frontail(theirs.map_or(String::new(), received), String::new()),
    );
    cpu_rows(table, &w, &ours.span, theirs.map(|s| &s.span));
    table.note(format!(
        "{w}: latency is from just before the line's write(2) to the client's receipt of its frame; a line not received within {} s of the writer's end counts as infinitely late",
        steady::DRAIN.as_secs()
    ));
    saturation_note(table, &format!("{w}, logmon"), &ours.span);
    if let Some(s) = theirs {
        saturation_note(table, &format!("{w}, frontail"), &s.span);
    }
}

/// A latency, or `> 10 s` when that quantile falls among lines that never came.
pub(crate) fn latency(us: Option<u64>) -> String {
    us.map_or_else(|| format!("> {} s", steady::DRAIN.as_secs()), table::ms)
}

// ---- idle ----

/// The idle section: the server's CPU against what its pings may cost, wake-ups, RSS.
pub fn idle(table: &mut Table, idle: &Idle) {
    let (span, secs) = (&idle.span, idle.secs);
    let w = format!("idle {secs:.0} s, {} clients without stats", idle.clients);
    let allowed = idle.allowed_cpu();
    let cpu = format!("{:.3} s", span.server.as_secs_f64());
    let target = format!("≤ {:.3} s (pings)", allowed.as_secs_f64());
    table.push(Row::new(&w, "server CPU time", cpu).target(&target, Verdict::of(span.server <= allowed)));
    let wakeups = format!(
        "{} (≈ {} pings due)",
        table::count(span.end.switches),
        table::count(idle.pings_due())
    );
    table.push(Row::new(&w, "server wake-ups (context switches)", wakeups));
    let rss_met = Verdict::of(span.end.rss_kib < 20 * 1024);
    table.push(Row::new(&w, "server RSS", table::mib(span.end.rss_kib)).target("< 20 MiB", rss_met));
    table.push(Row::new(&w, "server peak RSS", table::mib(span.end.peak_kib)));
    table.note(format!(
        "{w}: CPU time is counted in clock ticks of {} ms",
        procfs::tick().as_millis()
    ));
}

// ---- follower ----

/// The follower section: its rate with and without parsing beside the page
/// cache's, and the CPU per line of each.
pub fn follower(table: &mut Table, f: &Followers) {
    let n = f.parsed.lines;
    for (run, name) in [
        (&f.parsed, "nginx-combined: parsed, counted"),
        (&f.plain, "plain: not parsed"),
    ] {
        let w = format!("follower {} lines, no client, {name}", table::count(n));
        let rate = run.rate();
        let row = Row::new(&w, "lines/s into the hub", table::rate(rate));
        let row = if std::ptr::eq(run, &f.parsed) {
            row.target("≥ 2 M/s", Verdict::of(rate >= 2e6))
        } else {
            row
        };
        table.push(row);
        table.push(
            Row::new(&w, "page-cache read, memchr count", table::rate(run.raw))
                .frontail(String::new(), format!("follower at {}", table::percent(rate / run.raw))),
        );
        table.push(Row::new(&w, "server CPU per line", micros(run.cpu_per_line_us())));
        table.push(Row::new(&w, "server peak RSS", table::mib(run.span.end.peak_kib)));
    }
    let w = format!("follower {} lines, no client", table::count(n));
    let extra = f.parsed.cpu_per_line_us() - f.plain.cpu_per_line_us();
    table.push(Row::new(&w, "parsing and statistics, CPU per line", micros(extra)));
    table.note(format!(
        "{w}: timed from the first write until /healthz says seq {n} (polled every {} ms)",
        follower::HEALTHZ_POLL.as_millis()
    ));
}

// ---- shared ----

/// A figure of a span, by name.
type SpanMetric = (&'static str, fn(&Span) -> f64);

/// Server, client and other CPU over a run, in % of one core.
fn cpu_rows(table: &mut Table, w: &str, ours: &Span, theirs: Option<&Span>) {
    let rows: [SpanMetric; 4] = [
        ("server CPU (% of a core)", Span::server_share),
        ("bench clients CPU", Span::bench_share),
        ("log writer CPU", Span::writer_share),
        ("other processes CPU", Span::others_share),
    ];
    for (metric, f) in rows {
        let ft = theirs.map_or(String::new(), |s| table::percent(f(s)));
        table.push(Row::new(w, metric, table::percent(f(ours))).frontail(ft, String::new()));
    }
}

/// Says when the clients, not the server, may have set the pace.
pub(crate) fn saturation_note(table: &mut Table, what: &str, s: &Span) {
    let cores = procfs::cores() as f64;
    let busy = s.server_share() + s.bench_share() + s.writer_share() + s.others_share();
    let saturated = busy >= 0.9 * cores;
    let client_heavy = s.bench_share() >= 0.9 || s.bench_share() >= s.server_share();
    if saturated || client_heavy {
        table.note(format!(
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
