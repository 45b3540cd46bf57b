//! The WebSocket protocol (docs/protocol.md): hello, backlog, since, stream
//! selection, gaps, pings, and what the server does with client messages.

use std::time::{Duration, Instant};

use crate::harness::*;

const STREAM: &str = "access";

#[tokio::test]
async fn hello_describes_streams() {
    let setup = Setup::new().streams(&[ACCESS, ERROR]);
    setup.dir.append("access.log", &numbered_range("a", 0..7));
    let fx = setup.start();
    let c = Client::connect(&fx, "backlog=0").await;

    let h = &c.hello;
    assert!(!h.epoch.is_empty(), "hello.epoch: {h:?}");
    assert_eq!(h.streams.len(), 2, "hello: {h:?}");
    for s in &h.streams {
        assert!(s.path.ends_with(&format!("/{}.log", s.id)), "path of {}: {s:?}", s.id);
    }
    // The format is guessed from the file name.
    assert_eq!(h.streams[0].format, "nginx-combined", "{h:?}");
    assert_eq!(h.streams[1].format, "nginx-error", "{h:?}");
    assert_eq!(c.hello_seq("access"), 7);
    assert_eq!(c.hello_seq("error"), 0);
}

#[tokio::test]
async fn backlog_gives_exactly_the_last_n_lines() {
    let setup = Setup::new().streams(&[ACCESS]);
    setup.dir.append("access.log", &numbered_range("pre", 0..50));
    let fx = setup.start();

    // The lines already in the file at start form the history.
    let mut c = Client::connect(&fx, "backlog=10").await;
    assert_eq!(c.hello_seq(STREAM), 50);
    let got = c.expect_lines(STREAM, 10, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("pre", 40..50));
    assert_eq!(got.last().unwrap().0, 50, "last backlog line has hello's seq");
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;

    let mut none = Client::connect(&fx, "backlog=0").await;
    none.expect_no_lines(STREAM, Duration::from_millis(500)).await;

    // Lines followed live join the history.
    let mut live = Client::connect_live(&fx).await;
    fx.dir.append("access.log", &numbered_range("live", 0..30));
    live.expect_lines(STREAM, 30, LINES_TIMEOUT).await;

    let mut c = Client::connect(&fx, "backlog=25").await;
    assert_eq!(c.hello_seq(STREAM), 80);
    let got = c.expect_lines(STREAM, 25, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("live", 5..30));
    assert_eq!(got[0].0, 56);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;

    // More than the history holds, and the default of 100: all 80, no more.
    let mut want = numbered_range("pre", 0..50);
    want.extend(numbered_range("live", 0..30));
    for query in ["backlog=1000", ""] {
        let mut c = Client::connect(&fx, query).await;
        let got = c.expect_lines(STREAM, 80, LINES_TIMEOUT).await;
        assert_exact(&got, &want);
        c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
    }
}

/// Waits until hello reports at least `seq` for the access stream.
async fn wait_until_seq(d: &Daemon, seq: u64) {
    let deadline = Instant::now() + LINES_TIMEOUT;
    loop {
        let c = Client::connect(d, "backlog=0").await;
        let now = c.hello_seq(STREAM);
        c.close().await;
        if now >= seq {
            return;
        }
        assert!(Instant::now() < deadline, "stream stuck at seq {now}, expected {seq}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn since_resumes_right_after_seq() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");
    let epoch = c.hello.epoch.clone();
    w.numbered("a", 0..100);
    let first = c.expect_lines(STREAM, 100, LINES_TIMEOUT).await;
    assert_exact(&first, &numbered_range("a", 0..100));
    let last_seq = first.last().unwrap().0;
    c.close().await;

    // Written while disconnected; read by the daemon before reconnecting.
    w.numbered("a", 100..150);
    wait_until_seq(&fx, last_seq + 50).await;

    let mut c = Client::connect(&fx, &format!("since={STREAM}:{last_seq}")).await;
    assert_eq!(c.hello.epoch, epoch, "same daemon, same epoch");
    let resumed = c.expect_lines(STREAM, 50, LINES_TIMEOUT).await;
    assert_eq!(resumed[0].0, last_seq + 1, "resume starts right after SEQ");
    assert_exact(&resumed, &numbered_range("a", 100..150));

    // And it goes on live from there with no duplicate.
    w.numbered("a", 150..170);
    let live = c.expect_lines(STREAM, 20, LINES_TIMEOUT).await;
    assert_eq!(live[0].0, last_seq + 51);
    assert_exact(&live, &numbered_range("a", 150..170));
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;

    // A position in the middle of the history.
    let mid = first[79].0; // line a 79
    let mut c = Client::connect(&fx, &format!("since={STREAM}:{mid}")).await;
    let got = c.expect_lines(STREAM, 90, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 80..170));
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn since_beyond_the_newest_line_gets_only_the_lines_after_it() {
    // Numbers never change within an epoch: a client ahead of the daemon
    // (which restarted and reads again) has those lines already.
    let setup = Setup::new().streams(&[ACCESS]);
    setup.dir.append("access.log", &numbered_range("pre", 0..10));
    let fx = setup.start();

    let mut c = Client::connect(&fx, &format!("since={STREAM}:12")).await;
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
    fx.dir.append("access.log", &numbered_range("a", 0..5));
    let got = c.expect_lines(STREAM, 3, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 2..5));
    assert_eq!(got[0].0, 13);
}

#[tokio::test]
async fn stream_parameter_selects_streams() {
    let fx = Fixture::new(&[ACCESS, ERROR]);
    let mut only_error = Client::connect(&fx, "stream=error&backlog=0").await;
    let mut both = Client::connect(&fx, "stream=access,error&backlog=0").await;
    fx.dir.writer("access.log").numbered("acc", 0..20);
    fx.dir.writer("error.log").numbered("err", 0..20);
    let got = only_error.expect_lines("error", 20, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("err", 0..20));
    only_error.expect_no_lines("access", Duration::from_millis(500)).await;
    let ga = both.expect_lines("access", 20, LINES_TIMEOUT).await;
    let ge = both.expect_lines("error", 20, LINES_TIMEOUT).await;
    assert_exact(&ga, &numbered_range("acc", 0..20));
    assert_exact(&ge, &numbered_range("err", 0..20));

    // An unknown stream id is refused before the upgrade.
    assert_eq!(upgrade_status(&fx, "stream=nope", None).await, 400, "unknown stream id");
}

#[tokio::test]
async fn client_messages_are_ignored() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    c.send_text("hello server").await;
    c.send_text("{\"type\":\"whatever\"}").await;
    fx.dir.writer("access.log").numbered("a", 0..10);
    let got = c.expect_lines(STREAM, 10, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..10));
}

#[tokio::test]
async fn oversized_client_message_closes_with_1009() {
    let (_fx, mut c) = Fixture::live(&[ACCESS]).await;
    c.send_text(&"x".repeat(70 * 1024)).await;
    let close = c.expect_close(FRAME_TIMEOUT).await;
    assert_eq!(
        close.as_ref().map(|f| u16::from(f.code)),
        Some(1009),
        "close frame: {close:?}"
    );
}

#[tokio::test]
async fn pings_keep_clients_and_silent_ones_are_closed() {
    let fx = Setup::new()
        .top("ping_interval_secs = 1")
        .stream_with(ACCESS, "format = \"plain\"")
        .start();
    let mut c = Client::connect_live(&fx).await;
    let mut silent = Stalled::connect(&fx, "backlog=0").await;

    // The client that reads (and so answers pings) stays connected.
    c.expect_no_lines(STREAM, Duration::from_millis(5500)).await;
    assert!(c.pings >= 2, "{} pings in 5.5 s with ping_interval_secs = 1", c.pings);
    assert!(c.closed.is_none(), "answering client was closed: {:?}", c.closed);
    fx.dir.append("access.log", &numbered_range("a", 0..3));
    let got = c.expect_lines(STREAM, 3, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..3));

    // The one that never answers is gone: a close frame or the end of the
    // connection (three intervals, long passed).
    let frames = silent.read_until_closed(Duration::from_secs(15)).await;
    let ops: Vec<u8> = frames.iter().map(|(op, _)| *op).collect();
    assert!(ops.contains(&0x9), "silent client got no ping: {ops:?}");
}
