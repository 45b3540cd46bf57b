//! The search section's rows: logmon's search engine beside grep and
//! zgrep on the same files, its newest-first mode, and its memory.

use crate::search::{Count, Newest, Search};
use crate::table::{self, Row, Table, Verdict};

/// The search section: grep and logmon side by side on each file, then
/// the newest-first mode and the memory it took.
pub fn search(table: &mut Table, s: &Search) {
    let size = format!("{:.1} GiB", s.bytes as f64 / f64::from(1u32 << 30));
    for c in &s.plain {
        let w = format!("search {size} log, {:?} ({})", c.needle, share(c.logmon, s.lines));
        count_rows(table, &w, c, "grep", s.bytes);
    }
    let gz = format!("{:.0} MiB", s.gz_bytes as f64 / f64::from(1u32 << 20));
    let w = format!("search {size} log as .gz ({gz}), {:?}", s.gz.needle);
    count_rows(table, &w, &s.gz, "zgrep", s.bytes);
    let w = format!("search {size} log, newest first");
    newest_row(table, &w, "plain, every match emitted", &s.plain_newest, s.bytes);
    for n in &s.gz_newest {
        let what = format!(".gz, newest {} kept and emitted", table::count(n.limit as u64));
        newest_row(table, &w, &what, n, s.bytes);
    }
    let kib = s.count_extra_kib;
    let met = Verdict::of(kib < 16 << 10);
    table.push(Row::new(&w, "peak RSS growth, counting", table::mib(kib)).target("< 16 MiB", met));
    table.note(format!(
        "search: {} lines; rates are of uncompressed bytes (MB = 10^6 bytes), warm page cache, best of 3 after a warm-up run; grep and zgrep with LC_ALL=C",
        table::count(s.lines)
    ));
}

fn count_rows(table: &mut Table, w: &str, c: &Count, tool: &str, bytes: u64) {
    let theirs = bytes as f64 / c.grep_secs;
    let ours = bytes as f64 / c.logmon_secs;
    table.push(Row::new(w, &format!("{tool} -F -c"), mbps(theirs)));
    let share = format!("{} of {tool}", table::percent(ours / theirs));
    let met = Verdict::of(ours >= 0.8 * theirs);
    let row = Row::new(w, "logmon count, in process", mbps(ours)).frontail(String::new(), share);
    table.push(row.target(&format!("≥ 80% of {tool}"), met));
    let counts = format!("{} / {}", table::count(c.logmon), table::count(c.grep));
    let same = Verdict::of(c.logmon == c.grep);
    table.push(Row::new(w, &format!("matching lines, logmon / {tool}"), counts).target("equal", same));
}

fn newest_row(table: &mut Table, w: &str, what: &str, n: &Newest, bytes: u64) {
    let metric = format!("{what} ({} matches)", table::count(n.matches));
    table.push(Row::new(w, &metric, mbps(bytes as f64 / n.secs)));
    let met = Verdict::of(n.extra_kib < 16 << 10);
    table.push(Row::new(w, &format!("peak RSS growth, {what}"), table::mib(n.extra_kib)).target("< 16 MiB", met));
}

fn mbps(bytes_per_sec: f64) -> String {
    format!("{:.0} MB/s", bytes_per_sec / 1e6)
}

fn share(part: u64, whole: u64) -> String {
    format!("{:.1}% of lines", part as f64 * 100.0 / whole.max(1) as f64)
}
