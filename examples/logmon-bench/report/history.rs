//! The history section's rows: milliseconds a page deep in a `.gz` file
//! without and with the index of access points, and the index's memory.

use crate::history::{History, LIMIT, PAGES};
use crate::table::{self, Better, Row, Table, Verdict};

pub fn history(table: &mut Table, h: &History) {
    let mib = |bytes: u64| bytes as f64 / f64::from(1u32 << 20);
    let w = format!(
        "history: {PAGES} pages of {LIMIT} lines back from the middle of a {:.0} MiB log as .gz ({:.0} MiB)",
        mib(h.text_bytes),
        mib(h.gz_bytes)
    );
    table.push(Row::new(
        &w,
        "ms a page, without the index",
        format!("{:.1} ms", h.without_ms),
    ));
    let faster = table::versus(h.with_ms, h.without_ms, Better::Lower).replace("less", "faster");
    let met = Verdict::of(h.with_ms * 10.0 <= h.without_ms);
    let row = Row::new(&w, "ms a page, with the index", format!("{:.1} ms", h.with_ms));
    table.push(row.frontail(String::new(), faster).target("≥ 10× faster", met));
    let first = format!("{:.0} ms", h.first_ms);
    table.push(Row::new(
        &w,
        "first page from the newest line (reads it all, makes the index)",
        first,
    ));
    let memory = format!("{} KiB, {} points", h.index_bytes >> 10, h.points);
    let met = Verdict::of(h.index_bytes <= 4 << 20);
    table.push(Row::new(&w, "index memory", memory).target("≤ 4 MiB", met));
    let same = if h.same { "the same" } else { "DIFFERENT" };
    table.push(
        Row::new(&w, "pages with and without the index", same.to_string()).target("the same", Verdict::of(h.same)),
    );
    table.note("history: in process, warm page cache; without the index every page decompresses the file from its start to its place".to_string());
}
