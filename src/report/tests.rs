//! A report's counts, without disk: lines of nginx's combined format given
//! to a [`Counter`], and each panel checked by GoAccess's definitions (the
//! same cases GoAccess 1.7 was seen to answer so).

use std::sync::Arc;

use super::*;
use crate::layout::{COMBINED, Escape, Layout};
use crate::protocol::report::{Item, Report};

const LINES: &str = r#"1.2.3.4 - - [07/Dec/2026:01:00:00 +0000] "GET /a HTTP/1.1" 200 100 "https://www.ref.example:8080/page?q" "UA1"
1.2.3.4 - - [07/Dec/2026:01:00:01 +0000] "POST /a HTTP/1.1" 200 100 "-" "UA1"
1.2.3.4 - - [07/Dec/2026:01:00:01 +0000] "GET /a HTTP/2.0" 200 100 "-" "UA1"
1.2.3.5 - - [07/Dec/2026:01:00:02 +0000] "GET /s.css?v=1 HTTP/1.1" 200 50 "http://x.example" "UA2"
1.2.3.5 - - [07/Dec/2026:01:00:02 +0000] "GET /S.CSS HTTP/1.1" 200 50 "android-app://com.x/" "UA2"
1.2.3.5 - - [07/Dec/2026:01:00:02 +0000] "GET /n HTTP/1.1" 404 50 "http://y.example/" "UA2"
1.2.3.7 - - [07/Dec/2026:01:00:02 +0000] "GET /n HTTP/1.1" 500 50 "-" "UA3"
1.2.3.8 - - [07/Dec/2026:02:00:02 +0000] "GET /a%20b HTTP/1.1" 301 50 "-" "UA3"
1.2.3.9 - - [08/Dec/2026:02:00:02 +0000] "-" 400 0 "-" "-"
1.2.3.9 - - [08/Dec/2026:02:00:02 +0000] "GET /x" 200 7 "-" "-"
not a line of the format"#;

fn report() -> Report {
    let layout = Arc::new(Layout::text("combined", COMBINED, Escape::Default));
    let mut c = Counter::new(layout);
    LINES.lines().for_each(|l| c.line(l.as_bytes()));
    c.report(10)
}

fn items(p: &crate::protocol::report::Panel) -> Vec<(String, u64)> {
    let key = |i: &Item| match i.method.is_empty() {
        true => i.value.clone(),
        false => format!("{} {} {}", i.method, i.value, i.protocol),
    };
    p.items.iter().map(|i| (key(i), i.hits)).collect()
}

fn own(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn totals_visitors_and_statuses() {
    let r = report();
    assert_eq!((r.requests, r.valid, r.bad), (11, 10, 1));
    // 4xx requests bring no visitor: .4, .5, .7, .8 and .9 (by its 200).
    assert_eq!((r.visitors, r.visitors_exact), (5, true));
    assert_eq!(r.bytes, 557);
    assert_eq!(r.status, [(200, 6), (301, 1), (400, 1), (404, 1), (500, 1)]);
    assert_eq!((r.hours[1].hits, r.hours[2].hits), (7, 3));
    let first = crate::archive::time::time_local("07/Dec/2026:01:00:00 +0000");
    assert_eq!(r.first, first);
}

#[test]
fn request_panels_by_goaccess_definitions() {
    let r = report();
    let requests = own(&[
        ("GET /a HTTP/1.1", 1),
        ("GET /a HTTP/2", 1),
        ("GET /a b HTTP/1.1", 1),
        ("GET /n HTTP/1.1", 1),
        ("GET /s.css?v=1 HTTP/1.1", 1),
        ("POST /a HTTP/1.1", 1),
    ]);
    let mut got = items(&r.panels.requests);
    let dash = got
        .iter()
        .position(|(k, _)| k == "-")
        .expect("requests of another shape are `-`");
    assert_eq!(got.remove(dash), ("-".to_string(), 2));
    got.sort();
    assert_eq!(got, requests);
    assert_eq!(items(&r.panels.statics), own(&[("GET /S.CSS HTTP/1.1", 1)]));
    assert_eq!(items(&r.panels.not_found), own(&[("GET /n HTTP/1.1", 1)]));
}

#[test]
fn hosts_sites_agents_and_bandwidth() {
    let r = report();
    let hosts = own(&[
        ("1.2.3.4", 3),
        ("1.2.3.5", 3),
        ("1.2.3.7", 1),
        ("1.2.3.8", 1),
        ("1.2.3.9", 2),
    ]);
    let mut got = items(&r.panels.hosts);
    got.sort();
    assert_eq!(got, hosts);
    let mut sites = items(&r.panels.referring_sites);
    sites.sort();
    let want = [
        ("com.x", 1),
        ("www.ref.example:8080", 1),
        ("x.example", 1),
        ("y.example", 1),
    ];
    assert_eq!(sites, own(&want));
    assert_eq!(r.panels.bandwidth.items[0].value, "/a");
    assert_eq!(r.panels.bandwidth.items[0].bytes, 300);
    assert_eq!(r.panels.browsers.items.iter().map(|i| i.hits).sum::<u64>(), 8);
}

#[test]
fn the_series_covers_every_line_counted() {
    let r = report();
    let s = &r.series;
    assert_eq!(s.points.iter().map(|p| p.n).sum::<u64>(), 10);
    assert_eq!(
        s.points.iter().map(|p| p.bad).sum::<u64>(),
        0,
        "a line without a time is in no step"
    );
    // From 01:00:00 on the 7th to 02:00:02 on the 8th in steps of a power of two seconds.
    assert_eq!(s.step, 64);
    assert_eq!(s.start % 64, 0);
    assert!(s.points.len() as u64 <= series::MAX_POINTS);
}

#[test]
fn queries_are_read_or_refused_with_a_reason() {
    let q = ReportQuery::parse("stream=a&from=1796047323&to=2026-11-30T15:00:00Z&filter=status%3A5xx&top=3").unwrap();
    assert_eq!(
        (q.stream.as_str(), q.from, q.to, q.filter.as_str(), q.top),
        ("a", Some(1_796_047_323.0), Some(1_796_050_800.0), "status:5xx", 3)
    );
    for (query, why) in [
        ("", "stream= is missing"),
        ("stream=a&top=0", "top= is a number"),
        ("stream=a&from=later", "from= is seconds"),
        ("stream=a&stream=b", "given twice"),
        ("stream=a&q=x", "unknown parameter"),
    ] {
        let e = ReportQuery::parse(query).unwrap_err();
        assert!(e.reason().contains(why), "{query}: {}", e.reason());
    }
}
