//! Hostile clients: malformed and oversized requests, a TLS handshake on the
//! plain port, slowloris, connection floods beyond `max_clients`, huge and
//! invalid WebSocket frames. The daemon survives each, logs it once (not once
//! per attempt), and a bystander keeps getting every line.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::*;

/// A daemon on `access.log` with a client reading it: the bystander.
async fn with_bystander(top: &str) -> (Fixture, Client) {
    let fx = Setup::new().top(top).streams(&[ACCESS]).start();
    let c = Client::connect_live(&fx).await;
    (fx, c)
}

/// The bystander gets `n` new lines exactly, and /healthz answers.
async fn unharmed(fx: &Fixture, c: &mut Client, tag: &str) {
    fx.dir.append("access.log", &numbered_range(tag, 0..50));
    assert_exact(
        &c.expect_lines("access", 50, LINES_TIMEOUT).await,
        &numbered_range(tag, 0..50),
    );
    assert!(c.closed.is_none());
    assert_eq!(get(fx, "/healthz").await.status, 200);
}

/// How many lines of the daemon's output contain `needle`.
fn logged(fx: &Fixture, needle: &str) -> usize {
    fx.output().lines().filter(|l| l.contains(needle)).count()
}

/// Sends `request` (while reading, so that an early answer is not lost);
/// what the server answered before it closed.
async fn exchange(fx: &Fixture, request: Vec<u8>) -> String {
    let (mut rd, mut wr) = TcpStream::connect(fx.addr).await.expect("connect").into_split();
    let writer = tokio::spawn(async move { wr.write_all(&request).await });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), rd.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "no answer within 15 s");
    writer.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn malformed_oversized_and_tls_requests_get_an_answer_and_one_log_line() {
    let (fx, mut c) = with_bystander("").await;
    let big_header = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(2 << 20));
    let many_headers = format!("GET / HTTP/1.1\r\nHost: x\r\n{}\r\n", "X-A: b\r\n".repeat(3000));
    // The start of a TLS 1.2 ClientHello.
    let mut hello = vec![0x16, 0x03, 0x01, 0x00, 0xc4, 0x01, 0x00, 0x00, 0xc0, 0x03, 0x03];
    hello.resize(200, 0);
    for _ in 0..5 {
        assert!(
            exchange(&fx, big_header.clone().into_bytes())
                .await
                .starts_with("HTTP/1.1 431")
        );
        assert!(
            exchange(&fx, many_headers.clone().into_bytes())
                .await
                .starts_with("HTTP/1.1 431")
        );
        assert!(
            exchange(&fx, b"GARBAGE\r\n\r\n".to_vec())
                .await
                .starts_with("HTTP/1.1 400")
        );
        assert!(exchange(&fx, hello.clone()).await.starts_with("HTTP/1.1 400"));
    }
    unharmed(&fx, &mut c, "a").await;
    assert_eq!(logged(&fx, "bad request from"), 1, "{}", fx.output());
}

#[tokio::test]
async fn slowloris_neither_blocks_others_nor_lasts() {
    let (fx, mut c) = with_bystander("").await;
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(fx.addr).await.expect("connect");
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        slow.push(s);
    }
    let started = Instant::now();
    unharmed(&fx, &mut c, "a").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "served slowly: {:?}",
        started.elapsed()
    );
    // Each is cut off once its head is late (10 s), with one log line for all.
    let mut buf = [0u8; 256];
    for s in slow.iter_mut() {
        let read = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf)).await;
        assert!(read.is_ok(), "a half-open request was kept past its deadline");
    }
    unharmed(&fx, &mut c, "b").await;
    assert_eq!(logged(&fx, "bad request from"), 1, "{}", fx.output());
}

#[tokio::test]
async fn thousands_of_connections_beyond_max_clients_are_refused_without_harm() {
    let (soft, hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, hard, hard);
    let (fx, mut c) = with_bystander("max_clients = 20").await;
    let mut flood = Vec::new();
    for _ in 0..2000.min(hard.saturating_sub(200) as usize) {
        if let Ok(s) = TcpStream::connect(fx.addr).await {
            flood.push(s);
        }
    }
    // The bystander's connection holds its place: it goes on with every line.
    fx.dir.append("access.log", &numbered_range("a", 0..50));
    assert_exact(
        &c.expect_lines("access", 50, LINES_TIMEOUT).await,
        &numbered_range("a", 0..50),
    );
    drop(flood);
    tokio::time::sleep(Duration::from_millis(500)).await;
    unharmed(&fx, &mut c, "b").await;
    assert_eq!(logged(&fx, "max_clients reached"), 1, "{}", fx.output());
    let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, soft, hard);
}

#[tokio::test]
async fn a_16_mib_client_frame_is_closed_with_1009() {
    let (fx, mut c) = with_bystander("").await;
    let mut raw = Stalled::connect(&fx, "backlog=0").await;
    let _ = raw.send_frame(0x81, &vec![b'x'; 16 << 20], true).await;
    assert_eq!(raw.close_code(Duration::from_secs(15)).await, Some(1009));
    unharmed(&fx, &mut c, "a").await;
}

#[tokio::test]
async fn invalid_and_fragmented_control_frames_close_only_that_client() {
    let (fx, mut c) = with_bystander("").await;
    let cases: [(&str, u8, Vec<u8>, bool); 6] = [
        ("fragmented ping", 0x09, b"p".to_vec(), true),
        ("ping over 125 bytes", 0x89, vec![b'p'; 200], true),
        ("continuation without a start", 0x80, b"c".to_vec(), true),
        ("reserved opcode", 0x83, b"r".to_vec(), true),
        ("reserved bits", 0xc1, b"r".to_vec(), true),
        ("unmasked frame", 0x81, b"u".to_vec(), false),
    ];
    for (name, head, payload, masked) in cases {
        let mut raw = Stalled::connect(&fx, "backlog=0").await;
        let _ = raw.send_frame(head, &payload, masked).await;
        let code = raw.close_code(Duration::from_secs(15)).await;
        assert_eq!(code, Some(1002), "{name}");
    }
    unharmed(&fx, &mut c, "a").await;
    assert_eq!(logged(&fx, "broke the WebSocket protocol"), 1, "{}", fx.output());
}

#[tokio::test]
async fn websocket_clients_hold_their_place_among_max_clients() {
    let (fx, mut c) = with_bystander("max_clients = 3").await;
    let second = Client::connect(&fx, "backlog=0").await;
    let _third = Client::connect(&fx, "backlog=0").await;
    let fourth = tokio_tungstenite::connect_async(fx.ws_url("backlog=0")).await;
    assert!(fourth.is_err(), "a fourth client was let in with max_clients = 3");
    second.close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _again = Client::connect(&fx, "backlog=0").await;
    fx.dir.append("access.log", &numbered_range("a", 0..50));
    assert_exact(
        &c.expect_lines("access", 50, LINES_TIMEOUT).await,
        &numbered_range("a", 0..50),
    );
    assert_eq!(logged(&fx, "max_clients reached"), 1, "{}", fx.output());
}

/// Opens `n` connections that never send a byte (as many as the test's own
/// descriptors allow, which it raises to the hard limit).
async fn idle_flood(fx: &Fixture, n: usize) -> Vec<TcpStream> {
    let (_, hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, hard, hard);
    let mut flood = Vec::new();
    for _ in 0..n.min(hard.saturating_sub(200) as usize) {
        if let Ok(s) = TcpStream::connect(fx.addr).await {
            flood.push(s);
        }
    }
    flood
}

/// `/healthz` ten times: the slowest answer.
async fn slowest_healthz(fx: &Fixture) -> Duration {
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let t = Instant::now();
        let answer = tokio::time::timeout(Duration::from_secs(5), get(fx, "/healthz")).await;
        assert_eq!(answer.expect("/healthz within 5 s").status, 200);
        slowest = slowest.max(t.elapsed());
    }
    slowest
}

/// With 3,000 idle connections open: `/healthz` and a new WebSocket client
/// are served at once, and lines reach both clients.
async fn served_beside_an_idle_flood(fx: &Fixture, c: &mut Client) {
    let flood = idle_flood(fx, 3000).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let slowest = slowest_healthz(fx).await;
    let mut late = tokio::time::timeout(Duration::from_secs(5), Client::connect_live(fx))
        .await
        .expect("a new WebSocket client within 5 s");
    fx.dir.append("access.log", &numbered_range("a", 0..50));
    for client in [c, &mut late] {
        assert_exact(
            &client.expect_lines("access", 50, LINES_TIMEOUT).await,
            &numbered_range("a", 0..50),
        );
    }
    println!("{} idle connections: slowest /healthz {slowest:?}", flood.len());
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");
}

#[tokio::test]
async fn idle_connections_give_way_to_new_clients_when_places_run_out() {
    let (fx, mut c) = with_bystander("max_clients = 20").await;
    served_beside_an_idle_flood(&fx, &mut c).await;
}

#[tokio::test]
async fn idle_connections_give_way_to_new_clients_when_descriptors_run_out() {
    let (fx, mut c) = with_bystander("").await;
    // The daemon's descriptors now run out long before max_clients (1,024).
    let limited = std::process::Command::new("prlimit")
        .args(["--pid", &fx.pid().to_string(), "--nofile=300:300"])
        .status()
        .expect("prlimit");
    assert!(limited.success());
    served_beside_an_idle_flood(&fx, &mut c).await;
    assert!(logged(&fx, "accept failed") >= 1, "{}", fx.output());
}

/// The daemon's open descriptors.
fn descriptors(fx: &Fixture) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", fx.pid())).map_or(0, Iterator::count)
}

#[tokio::test]
async fn searches_whose_clients_never_read_are_closed() {
    let fx = Setup::new().top("max_searches = 12").streams(&[ACCESS]).start();
    fx.dir.append("access.log.1", &numbered_range("item", 0..100_000));
    let before = descriptors(&fx);
    let request = "GET /search?stream=access&q=item&limit=100000 HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut stalled = Vec::new();
    for _ in 0..12 {
        let mut s = connect_small_rcvbuf(fx.addr).await;
        s.write_all(request.as_bytes()).await.unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(descriptors(&fx) >= before + 12, "the searches run");
    let t = Instant::now();
    while descriptors(&fx) > before {
        assert!(
            t.elapsed() < Duration::from_secs(40),
            "{} descriptors open",
            descriptors(&fx)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "12 searches that were never read: closed after {:?}",
        t.elapsed() + Duration::from_secs(1)
    );
    assert_eq!(get(&fx, "/healthz").await.status, 200);
}
