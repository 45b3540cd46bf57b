//! The parsing section's rows: a line's split and statistics in process,
//! the memory the statistics hold, and a second's end over windows of
//! distinct values.

use crate::parsing::{LineCosts, Parsing};
use crate::table::{self, Row, Table, Verdict};

/// The parsing section: the cost per line in process, and the memory held.
pub fn parsing(table: &mut Table, p: &Parsing) {
    let w = line(table, &p.costs);
    table.push(Row::new(
        &w,
        "frame encoding per line",
        format!("{:.0} ns", p.encode_ns),
    ));
    table.push(Row::new(&w, "statistics memory after them", kib(p.memory_workload)));
    for (&n, &(memory, tick_ms)) in crate::parsing::WINDOW_DISTINCT.iter().zip(&p.window) {
        let w = format!("statistics, a window of {} distinct values a minute", table::count(n));
        table.push(Row::new(&w, "statistics memory per stream", kib(memory)));
        table.push(Row::new(
            &w,
            "a second's end (top lists over the window)",
            format!("{tick_ms:.1} ms"),
        ));
    }
    table.note(
        "a window of distinct values: 10 minutes, every path, address and user agent new; a second's end \
         is the tick after the last minute's lines; top lists are exact while a minute has no more \
         distinct values of a field than a sketch has places (docs/protocol.md)"
            .to_string(),
    );
    let w = "statistics, an hour of distinct values".to_string();
    table.push(Row::new(&w, "statistics memory (bounded)", kib(p.memory_distinct)));
    table.note(format!(
        "{w}: {} lines a minute for 61 minutes, every path, host, address and user agent new",
        table::count(p.distinct_per_minute)
    ));
}

/// The rows of a split and of a split + statistics per line; their workload's name.
pub fn line(table: &mut Table, c: &LineCosts) -> String {
    let w = format!("parsing {} nginx-combined lines, in process", table::count(c.lines));
    table.push(Row::new(&w, "layout split per line", format!("{:.0} ns", c.split_ns)));
    let met = Verdict::of(c.stats_ns <= 100.0);
    let row = Row::new(&w, "split + statistics per line", format!("{:.0} ns", c.stats_ns));
    table.push(row.target("≤ 100 ns", met));
    w
}

fn kib(bytes: usize) -> String {
    format!("{:.0} KiB", bytes as f64 / 1024.0)
}
