//! `search_max_secs` holds whatever the pattern, the filter or the lines:
//! a regex at the size limit over text that keeps the lazy DFA from
//! helping, and a filter of long globs over long paths, each stop within a
//! second of their budget (checked inside a block, between windows), while
//! a pattern past the size limit is refused before it runs.

use std::time::{Duration, Instant};

use logmon::protocol::history::SearchItem;

use super::search::{refused, search};
use crate::harness::*;

/// `n` bytes of printable ASCII in lines of about 100 bytes, from a fixed seed.
fn noise(n: usize) -> Vec<u8> {
    let (mut x, mut out) = (0x2545_f491_4f6c_dd1d_u64, Vec::with_capacity(n + 128));
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = (x % 96) as u8 + b' ';
        out.push(if b == 127 { b'\n' } else { b });
    }
    out.push(b'\n');
    out
}

/// The search's wall time and its `done` budget, which must say `time`.
async fn timed(fx: &Fixture, query: &str) -> Duration {
    let t = Instant::now();
    let a = search(fx, query).await;
    let took = t.elapsed();
    match a.done {
        Some(SearchItem::Done { budget, truncated, .. }) => {
            assert_eq!(budget.as_deref(), Some("time"), "{query}");
            assert!(truncated, "{query}");
        }
        other => panic!("{query}: {other:?}"),
    }
    took
}

#[tokio::test]
async fn the_time_budget_holds_within_a_second_whatever_the_pattern_or_filter() {
    let fx = Setup::new().top("search_max_secs = 1").streams(&[ACCESS]).start();
    std::fs::write(fx.dir.path("access.log"), noise(32 << 20)).unwrap();
    // Compiled over the size limit: refused at once.
    let q = "stream=access&regex=1&q=%5Cb(%3F%3A%5CS%2B%5Cs%2B)%7B1500%7D%23";
    assert!(refused(&fx, q, 400).await.contains("too large"));
    // Just under it: about 2 to 5 µs a byte, so the file would take minutes.
    let q = "stream=access&regex=1&q=%5Cb(%3F%3A%5CS%2B%5Cs%2B)%7B150%7D%23";
    let took = timed(&fx, q).await;
    eprintln!("a regex at the size limit: {took:?}");
    assert!(took < Duration::from_millis(2500), "a hostile regex ran {took:?}");

    // 8 KB paths under globs as long as a filter may be: about 20 ms a line.
    let path = "a".repeat(8000);
    let line = format!(r#"203.0.113.9 - - [30/Nov/2026:14:02:03 +0000] "GET /{path} HTTP/1.1" 200 5 "-" "curl""#);
    fx.dir.append("access.log", &vec![line; 2000]);
    let glob = format!("!path:*{}b", "a".repeat(190));
    let filter: Vec<String> = (0..10).map(|_| glob.clone()).collect();
    let q = format!("stream=access&q=GET&filter={}", filter.join("%20"));
    let took = timed(&fx, &q).await;
    eprintln!("a filter of long globs: {took:?}");
    assert!(took < Duration::from_millis(2500), "a hostile filter ran {took:?}");
}
