//! The parsing section, in process (no file, no socket): how long splitting
//! a line by its layout takes, and splitting it and counting it in the
//! statistics, as the follower does for every line; and the memory the
//! statistics hold, after the workload's lines, after a window whose every
//! minute has 1,000 or 100,000 distinct values (exact top lists, and the
//! sketches' bound), with the time a second's end takes then, and after an
//! hour in which every value is new (the sketches' and histograms' bound).

use std::time::Instant;

use logmon::parts::{COMBINED, Escape, Layout, Stats, civil};
use logmon::protocol::LinesBuilder;

use crate::harness::Bench;

/// Lines recorded under one lock, as the follower records a 128 KiB read.
const CHUNK: usize = 600;
/// Lines a minute in the distinct-values run.
const DISTINCT_PER_MINUTE: u64 = 5_000;
/// Distinct values a minute in the window runs.
pub const WINDOW_DISTINCT: [u64; 2] = [1_000, 100_000];
/// The workload's lines' minute (`24/Nov/2026:11:02`), the first second
/// counted, so that every line counts in the second being counted.
const WORKLOAD_MINUTE: u64 = 1_795_518_120;
/// The first second of the distinct-values runs.
const START: u64 = 1_800_000_000;

pub struct Parsing {
    pub costs: LineCosts,
    /// A line's text into a `lines` frame (UTF-8 check, JSON string).
    pub encode_ns: f64,
    pub memory_workload: usize,
    pub distinct_per_minute: u64,
    pub memory_distinct: usize,
    /// Per entry of `WINDOW_DISTINCT`: the memory after the window, and
    /// the milliseconds the tick after it took.
    pub window: Vec<(usize, f64)>,
}

/// The time per line of a split, and of a split and its statistics.
pub struct LineCosts {
    pub lines: u64,
    pub split_ns: f64,
    pub stats_ns: f64,
}

pub fn run(bench: &mut Bench) -> Parsing {
    let data = bench.burst_data();
    let lines = lines_of(&data);
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let stats = Stats::at("bench", WORKLOAD_MINUTE);
    let costs = costs(&layout, &stats, &lines);
    let encode_ns = per_line(&lines, || encode_all(&lines));
    stats.tick(1);
    Parsing {
        costs,
        encode_ns,
        memory_workload: stats.memory(),
        distinct_per_minute: DISTINCT_PER_MINUTE,
        memory_distinct: distinct_hour(&layout),
        window: WINDOW_DISTINCT.iter().map(|&n| distinct_window(&layout, n)).collect(),
    }
}

/// The parsing section's split and split + statistics alone (`--sections line`).
pub fn per_line_costs(bench: &mut Bench) -> LineCosts {
    let data = bench.burst_data();
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    costs(&layout, &Stats::at("bench", WORKLOAD_MINUTE), &lines_of(&data))
}

fn lines_of(data: &[u8]) -> Vec<&[u8]> {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    eprintln!("parsing: {} lines", lines.len());
    lines
}

fn costs(layout: &Layout, stats: &Stats, lines: &[&[u8]]) -> LineCosts {
    LineCosts {
        lines: lines.len() as u64,
        split_ns: per_line(lines, || split_all(layout, lines)),
        stats_ns: per_line(lines, || record_all(stats, layout, lines)),
    }
}

/// The best time per line of three passes over `lines`.
fn per_line(lines: &[&[u8]], mut pass: impl FnMut() -> usize) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(pass());
            start.elapsed().as_secs_f64() * 1e9 / lines.len() as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn split_all(layout: &Layout, lines: &[&[u8]]) -> usize {
    let mut spans = Vec::new();
    lines.iter().filter(|l| layout.split(l, &mut spans)).count()
}

/// As many lines as `lines` into `lines` frames of `CHUNK` lines, as the
/// follower makes them from its read buffer: the same first `CHUNK` lines
/// each time, in the cache as a read's lines are.
fn encode_all(lines: &[&[u8]]) -> usize {
    let mut b = LinesBuilder::default();
    let chunk = &lines[..CHUNK.min(lines.len())];
    let mut bytes = 0;
    for i in 0..lines.len() / chunk.len().max(1) {
        chunk.iter().for_each(|l| b.push(l, 0));
        bytes += b.finish("bench", 1 + (i * CHUNK) as u64).text.len();
    }
    bytes
}

fn record_all(stats: &Stats, layout: &Layout, lines: &[&[u8]]) -> usize {
    for chunk in lines.chunks(CHUNK) {
        let mut r = stats.recorder(layout);
        chunk.iter().for_each(|l| r.line(l));
    }
    lines.len()
}

/// `t` as nginx's `$time_local` writes it, in UTC.
fn time_local(t: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s) = civil(t as i64);
    format!("{d:02}/{}/{y}:{h:02}:{mi:02}:{s:02} +0000", MONTHS[mo as usize - 1])
}

/// `n` lines at `t` whose path, address and user agent are new, numbered from `*i`.
fn distinct_lines(n: u64, t: u64, i: &mut u64) -> Vec<String> {
    let time = time_local(t);
    (0..n)
        .map(|_| {
            *i += 1;
            let i = *i;
            let addr = format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255);
            let status = 200 + i % 300;
            format!("{addr} - - [{time}] \"GET /item/{i}?q=1 HTTP/1.1\" {status} {i} \"-\" \"agent/{i}\"")
        })
        .collect()
}

/// The statistics' memory after 10 minutes (a window) of `n` distinct
/// values a minute, and the milliseconds of the tick after the last
/// minute's lines (its top lists merge the whole window).
fn distinct_window(layout: &Layout, n: u64) -> (usize, f64) {
    let stats = Stats::at("window", START);
    let (mut i, mut tick_ms) = (0, 0.0);
    for minute in 0..10u64 {
        let t = START + minute * 60;
        let lines = distinct_lines(n, t, &mut i);
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        record_all(&stats, layout, &lines);
        let start = Instant::now();
        std::hint::black_box(stats.tick(t + 1));
        tick_ms = start.elapsed().as_secs_f64() * 1e3;
        (2..60).for_each(|s| drop(stats.tick(t + s)));
        if minute < 9 {
            stats.tick(t + 60);
        }
    }
    (stats.memory(), tick_ms)
}

/// The statistics' memory after 61 minutes of lines whose values are all new.
fn distinct_hour(layout: &Layout) -> usize {
    let stats = Stats::at("distinct", START);
    let mut i = 0u64;
    for minute in 0..61u64 {
        let t = START + minute * 60;
        let lines = distinct_lines(DISTINCT_PER_MINUTE, t, &mut i);
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        record_all(&stats, layout, &lines);
        for s in 1..=60 {
            stats.tick(t + s);
        }
    }
    stats.memory()
}
