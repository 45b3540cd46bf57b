//! The goaccess section's rows: a report of a whole log, lines/s and peak
//! memory, logmon's `/report` beside GoAccess in the same run.

use crate::goaccess::Reports;
use crate::table::{self, Better, Row, Table, Verdict};

pub fn goaccess(table: &mut Table, r: &Reports) {
    let w = format!(
        "report of a {:.0} MiB log ({} lines; current, .1, two .gz)",
        r.text_bytes as f64 / f64::from(1u32 << 20),
        table::count(r.lines)
    );
    let (ours, theirs) = (r.lines as f64 / r.logmon_secs, r.lines as f64 / r.goaccess_secs);
    let faster = table::versus(ours, theirs, Better::Higher);
    let row = Row::new(&w, "lines/s, whole report", table::rate(ours))
        .frontail(format!("GoAccess {}", table::rate(theirs)), faster);
    table.push(row.target("≥ 50× GoAccess", Verdict::of(ours >= 50.0 * theirs)));
    let less = table::versus(r.logmon_extra_kib as f64, r.goaccess_peak_kib as f64, Better::Lower);
    let row = Row::new(
        &w,
        "peak memory (logmon: the daemon's growth)",
        table::mib(r.logmon_extra_kib),
    )
    .frontail(format!("GoAccess {}", table::mib(r.goaccess_peak_kib)), less);
    let met = Verdict::of(r.logmon_extra_kib * 10 <= r.goaccess_peak_kib);
    table.push(row.target("≤ 1/10 of GoAccess", met));
    let same = Verdict::of(r.counted == r.goaccess_counted);
    let counts = format!("{} / {}", table::count(r.counted), table::count(r.goaccess_counted));
    table.push(Row::new(&w, "valid requests, logmon / GoAccess", counts).target("equal", same));
    table.note(format!(
        "report: logmon's report held {} by its own count; GoAccess read the files through zcat -f, with its default configuration",
        table::mib(r.held_bytes >> 10)
    ));
}
