//! `GET /report`'s bounds on hostile files: values that are all distinct
//! (every path, address and user agent new) keep the report's memory
//! bounded and say how many hits went untracked; the byte budget stops a
//! report and says so (its time budget is the search walk's, tested in
//! search_bounds.rs); reports take `/search`'s places (`max_searches`),
//! and a report whose client leaves stops.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::*;
use crate::report::report;
use crate::search_bounds::wait_running;

/// Line `i`: a combined line whose path, address and user agent are its own.
fn distinct(i: usize) -> String {
    format!(
        "10.{}.{}.{} - - [01/Dec/2026:10:00:00 +0000] \"GET /p/{i:08}/{} HTTP/1.1\" 200 {i} \"https://s{i}.example/\" \"agent {i} {}\"",
        i >> 16 & 255,
        i >> 8 & 255,
        i & 255,
        "x".repeat(100),
        "y".repeat(200)
    )
}

#[tokio::test]
async fn all_distinct_values_keep_a_report_bounded_and_say_what_went_untracked() {
    let fx = Fixture::new(&[ACCESS]);
    // More distinct values than a panel holds (50,000).
    let n = 80_000;
    let lines: Vec<String> = (0..n).map(distinct).collect();
    fx.dir.append("access.log", &lines);
    let rss_before = fx.rss_kib();
    let (_, r) = report(&fx, "stream=access&top=5").await;
    assert_eq!((r.requests, r.valid, r.truncated), (n as u64, n as u64, false));
    let requests = &r.panels.requests;
    assert!(requests.untracked > 0, "{requests:?}");
    assert_eq!(
        requests.distinct + requests.untracked,
        n as u64,
        "each line is listed or untracked"
    );
    assert_eq!(requests.items.len(), 5);
    assert!(r.panels.hosts.distinct <= 50_000 && r.panels.referring_sites.untracked > 0);
    assert_eq!(r.visitors, n as u64, "visitors are hashes: 80,000 fit");
    let held = r.memory >> 20;
    eprintln!("a report of {n} distinct lines held {held} MiB");
    assert!(held < 64, "the report held {held} MiB");
    let grew = fx.rss_kib().saturating_sub(rss_before) >> 10;
    assert!(grew < 128, "the daemon grew by {grew} MiB");
}

#[tokio::test]
async fn the_byte_budget_stops_a_report_and_says_so() {
    let fx = Setup::new()
        .top("search_max_bytes = 1048576")
        .streams(&[ACCESS])
        .start();
    let lines: Vec<String> = (0..20_000).map(distinct).collect();
    fx.dir.append("access.log", &lines);
    let (_, r) = report(&fx, "stream=access").await;
    assert!(r.truncated, "{r:?}");
    assert_eq!(r.budget.as_deref(), Some("bytes"));
    assert!(
        r.requests > 0 && r.requests < 20_000,
        "the newest lines are counted: {}",
        r.requests
    );
}

#[tokio::test]
async fn reports_take_search_places_and_stop_when_their_client_leaves() {
    let fx = Setup::new().top("max_searches = 1").streams(&[ACCESS]).start();
    // Enough lines that counting them all takes seconds.
    let mut w = fx.dir.writer("access.log");
    for chunk in 0..20 {
        let lines: Vec<String> = (chunk * 50_000..(chunk + 1) * 50_000).map(distinct).collect();
        w.lines(&lines);
    }
    let mut client = TcpStream::connect(fx.addr).await.unwrap();
    let request = format!("GET /report?stream=access HTTP/1.1\r\nHost: {}\r\n\r\n", fx.addr);
    client.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 256];
    let got = client.read(&mut head).await.unwrap();
    assert!(
        head[..got].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head[..got])
    );
    wait_running(&fx, 1, Duration::from_secs(5)).await;
    for busy in ["/report?stream=access", "/search?stream=access&q=x"] {
        assert_eq!(get(&fx, busy).await.status, 429, "{busy}");
    }
    let left = Instant::now();
    drop(client);
    wait_running(&fx, 0, Duration::from_secs(2)).await;
    eprintln!("the report stopped {:?} after its client left", left.elapsed());
}

/// A line-dense file (32 MiB of empty lines, 33 million of them): the
/// lines handed from the report's reader to its counting thread are
/// bounded by what they hold, line ends included, not by their text alone.
#[tokio::test]
async fn a_line_dense_file_keeps_a_report_bounded() {
    let fx = Fixture::new(&[ACCESS]);
    let n = 32 << 20;
    std::fs::write(fx.dir.path("access.log.1"), vec![b'\n'; n]).unwrap();
    fx.reset_peak();
    let (_, r) = report(&fx, "stream=access").await;
    assert_eq!(
        (r.requests, r.valid),
        (n as u64, 0),
        "every empty line read, none valid"
    );
    let peak = fx.peak_mib();
    eprintln!("a report of {n} empty lines: peak RSS {peak} MiB");
    assert!(peak < 64, "the daemon's peak RSS reached {peak} MiB");
}
