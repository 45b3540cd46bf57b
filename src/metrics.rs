//! `GET /metrics`: logmon's own counters and the request metrics its
//! streams' lines give, in Prometheus's text format (version 0.0.4).
//!
//! Labels take bounded values only (stream ids, status codes, a fixed set
//! of methods), never paths or addresses, so a hostile client cannot grow
//! the number of series. The request metrics come from the same counts as
//! the `stats` messages ([`crate::stats::Totals`]).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hub::{Hub, Stream};
use crate::stats::{BOUNDS_MS, Durations, METHODS, STATUS_SLOTS, Totals, status_label};

/// Daemon-wide values.
pub struct Global {
    pub clients: usize,
    pub reloads: u64,
    /// Searches of the files on disk running now.
    pub searches: usize,
}

/// The body of `/metrics`.
pub fn render(hub: &Hub, global: &Global) -> String {
    let streams: Vec<_> = hub.streams().into_iter().map(|s| (s.stats.totals(), s)).collect();
    let mut out = String::new();
    own(&mut out, &streams, global);
    requests(&mut out, &streams);
    let duration = |t: &Totals| t.rt.clone();
    let name = "nginx_http_request_duration_seconds";
    histogram(
        &mut out,
        name,
        "$request_time of the requests logged",
        &streams,
        duration,
    );
    let duration = |t: &Totals| t.ut.clone();
    let name = "nginx_http_upstream_response_duration_seconds";
    histogram(
        &mut out,
        name,
        "$upstream_response_time of the requests logged",
        &streams,
        duration,
    );
    out
}

type Streams = [(Totals, std::sync::Arc<Stream>)];

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// One sample per stream.
fn per_stream(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    streams: &Streams,
    v: impl Fn(&Totals, &Stream) -> u64,
) {
    header(out, name, kind, help);
    for (t, s) in streams {
        let _ = writeln!(out, "{name}{{stream=\"{}\"}} {}", s.id, v(t, s));
    }
}

fn own(out: &mut String, streams: &Streams, g: &Global) {
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    per_stream(
        out,
        "logmon_lines_read_total",
        "counter",
        "Lines read from the stream's files.",
        streams,
        |t, _| t.lines() + t.bad + t.fieldless,
    );
    per_stream(
        out,
        "logmon_bytes_read_total",
        "counter",
        "Bytes read from the stream's files.",
        streams,
        |_, s| get(&s.counters.bytes_read),
    );
    per_stream(
        out,
        "logmon_parse_failures_total",
        "counter",
        "Lines that did not fit the stream's layout.",
        streams,
        |t, _| t.bad,
    );
    per_stream(
        out,
        "logmon_rotations_total",
        "counter",
        "Rotations and truncations seen.",
        streams,
        |_, s| get(&s.counters.rotations),
    );
    per_stream(
        out,
        "logmon_follower_lag_bytes",
        "gauge",
        "Bytes of the stream's file not read yet.",
        streams,
        |_, s| get(&s.counters.lag),
    );
    per_stream(
        out,
        "logmon_gaps_total",
        "counter",
        "gap messages sent to clients.",
        streams,
        |_, s| get(&s.counters.gaps),
    );
    per_stream(
        out,
        "logmon_lines_from_disk_total",
        "counter",
        "Lines sent to clients from the files on disk, after they fell behind the ring.",
        streams,
        |_, s| get(&s.counters.from_disk),
    );
    global(out, g);
}

/// The daemon's own gauges and counters, one sample each.
fn global(out: &mut String, g: &Global) {
    let samples = [
        (
            "logmon_clients",
            "gauge",
            "WebSocket clients connected.",
            g.clients as u64,
        ),
        ("logmon_reloads_total", "counter", "Configuration reloads.", g.reloads),
        (
            "logmon_searches",
            "gauge",
            "Searches of the files on disk running.",
            g.searches as u64,
        ),
    ];
    for (name, kind, help, value) in samples {
        header(out, name, kind, help);
        let _ = writeln!(out, "{name} {value}");
    }
}

fn requests(out: &mut String, streams: &Streams) {
    let name = "nginx_http_requests_total";
    header(out, name, "counter", "Requests logged, by status and method.");
    for (t, s) in streams {
        for (slot, by_method) in t.requests.iter().enumerate().take(STATUS_SLOTS) {
            for (m, n) in by_method.iter().enumerate().filter(|(_, n)| **n > 0) {
                let (id, status, method) = (&s.id, status_label(slot), METHODS[m]);
                let _ = writeln!(
                    out,
                    "{name}{{stream=\"{id}\",status=\"{status}\",method=\"{method}\"}} {n}"
                );
            }
        }
    }
    let help = "The sum of $body_bytes_sent (or $bytes_sent) of the requests logged.";
    per_stream(
        out,
        "nginx_http_response_bytes_total",
        "counter",
        help,
        streams,
        |t, _| t.bytes,
    );
}

fn histogram(out: &mut String, name: &str, help: &str, streams: &Streams, get: impl Fn(&Totals) -> Durations) {
    header(out, name, "histogram", help);
    for (t, s) in streams {
        let d = get(t);
        let mut cumulative = 0;
        let bounds = BOUNDS_MS.iter().map(|ms| format!("{}", *ms as f64 / 1000.0));
        for (le, n) in bounds.chain(["+Inf".to_string()]).zip(d.buckets) {
            cumulative += n;
            let _ = writeln!(out, "{name}_bucket{{stream=\"{}\",le=\"{le}\"}} {cumulative}", s.id);
        }
        let sum = d.sum_ms as f64 / 1000.0;
        let _ = writeln!(
            out,
            "{name}_sum{{stream=\"{}\"}} {sum}\n{name}_count{{stream=\"{}\"}} {}",
            s.id, s.id, d.count
        );
    }
}
