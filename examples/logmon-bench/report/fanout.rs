//! The fan-out sections' rows: a fast client alone and beside a slow
//! reader (`slow`), and thousands of clients at once (`many`).

use super::{latency, saturation_note};
use crate::many::Many;
use crate::slow::{self, Slow};
use crate::table::{self, Row, Table, Verdict};

pub fn slow(table: &mut Table, s: &Slow) {
    for (what, run) in [("alone", &s.alone), ("beside a slow reader", &s.beside)] {
        let w = format!("{} lines/s → 1 fast client, {what}", table::count(run.rate));
        for (metric, q) in [("latency p50", 0.5), ("latency p99", 0.99), ("latency max", 1.0)] {
            let mut row = Row::new(&w, metric, latency(run.quantile(q)));
            if q == 0.99 && what != "alone" {
                row = row.target("≤ 100 ms", Verdict::of(run.quantile(q).is_some_and(|v| v <= 100_000)));
            }
            table.push(row);
        }
    }
    let w = format!(
        "{} lines/s → 1 fast client, beside a slow reader",
        table::count(s.beside.rate)
    );
    table.push(Row::new(&w, "slow reader: lines from disk", table::count(s.from_disk)));
    table.push(Row::new(&w, "slow reader: gaps", s.gaps.to_string()).target("0", Verdict::of(s.gaps == 0)));
    table.note(format!(
        "{w}: the slow reader has an {} KiB receive buffer and reads {} KiB every {} ms",
        slow::SLOW_BYTES / 1024,
        slow::SLOW_BYTES / 1024,
        slow::PACE.as_millis()
    ));
}

pub fn many(table: &mut Table, m: &Many) {
    let w = format!(
        "{} clients × {} lines/s for {:.0} s{}",
        table::count(m.clients as u64),
        table::count(m.rate),
        m.secs,
        if m.deflate { ", deflate" } else { "" }
    );
    let cores = m.span.server_share();
    table.push(Row::new(&w, "server CPU (cores)", format!("{cores:.2}")).target("≤ 0.5", Verdict::of(cores <= 0.5)));
    let q = |q: f64| m.seen.latency.quantile(q, m.seen.frames);
    let p99 = q(0.99);
    table.push(Row::new(&w, "frame latency p50", latency(q(0.5))));
    table.push(
        Row::new(&w, "frame latency p99", latency(p99))
            .target("≤ 250 ms", Verdict::of(p99.is_some_and(|v| v <= 250_000))),
    );
    let received = m.seen.lines as f64 / m.expected.max(1) as f64;
    table.push(Row::new(&w, "lines received", table::percent(received)));
    table.push(Row::new(
        &w,
        "lines skipped (gap), seq errors",
        format!("{}, {}", m.seen.skipped, m.seen.seq_errors),
    ));
    let per_line = |bytes: u64| bytes as f64 / m.seen.lines.max(1) as f64;
    table.push(Row::new(
        &w,
        "bytes on the wire a line (text)",
        format!(
            "{:.0} B ({:.0} B)",
            per_line(m.seen.wire_bytes),
            per_line(m.seen.text_bytes)
        ),
    ));
    let per_client = m.rss_after_kib.saturating_sub(m.rss_before_kib) as f64 / m.clients.max(1) as f64;
    table.push(
        Row::new(&w, "server memory per client", format!("{per_client:.1} KiB"))
            .target("≤ 16 KiB", Verdict::of(per_client <= 16.0)),
    );
    table.push(Row::new(
        &w,
        "the clients' thread CPU",
        format!("{:.2} s", m.clients_cpu.as_secs_f64()),
    ));
    table.note(format!(
        "{w}: a frame's latency is from the write of its oldest line; memory per client is the server's RSS with every client in, less before, over the clients"
    ));
    saturation_note(table, &w, &m.span);
}
