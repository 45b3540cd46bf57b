//! The parsing section, in process (no file, no socket): how long splitting
//! a line by its layout takes, and splitting it and counting it in the
//! statistics, as the follower does for every line; and the memory the
//! statistics hold, after the workload's lines and after an hour in which
//! every value is new (the sketches' and histograms' bound).

use std::time::Instant;

use logmon::parts::{COMBINED, Escape, Layout, Stats};
use logmon::protocol::LinesBuilder;

use crate::harness::Bench;

/// Lines recorded under one lock, as the follower records a 128 KiB read.
const CHUNK: usize = 600;
/// Lines a minute in the distinct-values run.
const DISTINCT_PER_MINUTE: u64 = 5_000;

pub struct Parsing {
    pub lines: u64,
    pub split_ns: f64,
    /// A line's text into a `lines` frame (UTF-8 check, JSON string).
    pub encode_ns: f64,
    pub stats_ns: f64,
    pub memory_workload: usize,
    pub distinct_per_minute: u64,
    pub memory_distinct: usize,
}

pub fn run(bench: &mut Bench) -> Parsing {
    let data = bench.burst_data();
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    eprintln!("parsing: {} lines", lines.len());
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let split_ns = per_line(&lines, || split_all(&layout, &lines));
    let encode_ns = per_line(&lines, || encode_all(&lines));
    let stats = Stats::new("bench");
    let stats_ns = per_line(&lines, || record_all(&stats, &layout, &lines));
    stats.tick(1);
    Parsing {
        lines: lines.len() as u64,
        split_ns,
        encode_ns,
        stats_ns,
        memory_workload: stats.memory(),
        distinct_per_minute: DISTINCT_PER_MINUTE,
        memory_distinct: distinct_hour(&layout),
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

/// The statistics' memory after 61 minutes of lines whose values are all new.
fn distinct_hour(layout: &Layout) -> usize {
    let stats = Stats::new("distinct");
    let mut i = 0u64;
    for minute in 0..61u64 {
        let lines: Vec<String> = (0..DISTINCT_PER_MINUTE)
            .map(|_| {
                i += 1;
                format!(
                    "10.{}.{}.{} - - [30/Nov/2026:14:02:03 +0000] \"GET /item/{i}?q=1 HTTP/1.1\" {} {i} \"-\" \"agent/{i}\"",
                    i >> 16 & 255,
                    i >> 8 & 255,
                    i & 255,
                    200 + i % 300
                )
            })
            .collect();
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        record_all(&stats, layout, &lines);
        for s in 1..=60 {
            stats.tick(1_800_000_000 + minute * 60 + s);
        }
    }
    stats.memory()
}
