//! `GET /search`'s refusals and bounds: bad parameters get 400 with a
//! reason, `max_searches = 0` 403, a search beyond `max_searches` 429, and
//! a search whose client goes away stops (`logmon_searches` in /metrics).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::search::{line, refused, search};
use crate::harness::*;

#[tokio::test]
async fn bad_searches_are_refused_with_a_reason() {
    let fx = Fixture::new(&[ACCESS]);
    for (query, why) in [
        ("stream=access&q=(&regex=1", "invalid pattern"),
        ("stream=access&q=a%7B1000%7D%7B1000%7D&regex=1", "too large"),
        ("stream=access&q=x&colour=red", "unknown parameter"),
        ("stream=access&q=x&limit=0", "limit="),
        ("stream=access&q=x&limit=100001", "limit="),
        ("stream=access&q=x&q=y", "twice"),
        ("stream=access", "q= is missing"),
        ("stream=access&q=", "q= is empty"),
        ("stream=access&q=&filter=!", "q= is empty"),
        ("stream=access&q=x&filter=rt%3Eabc", "rt>abc: not a number"),
        ("stream=access&q=x&from=noon", "from="),
        ("q=x", "stream= is missing"),
        ("stream=nope&q=x", "no stream"),
    ] {
        let reason = refused(&fx, query, 400).await;
        assert!(reason.contains(why), "{query}: {reason}");
    }
    let off = Setup::new().top("max_searches = 0").streams(&[ACCESS]).start();
    let reason = refused(&off, "stream=access&q=x", 403).await;
    assert!(reason.contains("max_searches"), "{reason}");
}

/// `logmon_searches` in `/metrics`: searches and reports running.
pub async fn running(d: &Daemon) -> u64 {
    let m = String::from_utf8(get(d, "/metrics").await.body).unwrap();
    let line = m
        .lines()
        .find(|l| l.starts_with("logmon_searches "))
        .expect("logmon_searches");
    line[16..].parse().unwrap()
}

pub async fn wait_running(d: &Daemon, n: u64, within: Duration) {
    let deadline = Instant::now() + within;
    while running(d).await != n {
        assert!(Instant::now() < deadline, "logmon_searches never became {n}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A search for `query` whose client reads its answer's head and then
/// nothing: it holds its place until the returned socket is dropped.
pub async fn stalled_search(fx: &Fixture, query: &str) -> TcpStream {
    let stalled = stalled_request(fx, query).await;
    wait_running(fx, 1, Duration::from_secs(10)).await;
    stalled
}

/// A request for `/search?query` of `d` whose client reads the head of a
/// `200` and then nothing.
pub async fn stalled_request(d: &Daemon, query: &str) -> TcpStream {
    let mut stalled = TcpStream::connect(d.addr).await.unwrap();
    let request = format!("GET /search?{query} HTTP/1.1\r\nHost: {}\r\n\r\n", d.addr);
    stalled.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 512];
    let n = stalled.read(&mut head).await.unwrap();
    assert!(
        head[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head[..n])
    );
    stalled
}

#[tokio::test]
async fn too_many_searches_get_429_and_a_search_stops_when_its_client_leaves() {
    let fx = Setup::new().top("max_searches = 1").streams(&[ACCESS]).start();
    // 200,000 matching lines: tens of MB of answer, more than the sockets hold.
    let lines: Vec<String> = (0..200_000).map(line).collect();
    fx.dir.append("access.log", &lines);
    let stalled = stalled_search(&fx, "stream=access&q=item&limit=100000").await;
    let resp = get(&fx, "/search?stream=access&q=x").await;
    assert_eq!(resp.status, 429, "{}", String::from_utf8_lossy(&resp.body));
    assert!(
        resp.head.to_ascii_lowercase().contains("retry-after: 1"),
        "{}",
        resp.head
    );
    // The client that does not read goes away: its search stops.
    drop(stalled);
    wait_running(&fx, 0, Duration::from_secs(10)).await;
    let a = search(&fx, "stream=access&q=item00042%20").await;
    assert_eq!(a.texts, [line(42)]);
}
