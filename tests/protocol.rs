//! The WebSocket protocol (docs/protocol.md): hello, backlog, since, stream
//! selection.

mod common;

use std::time::Duration;

use common::*;

const STREAM: &str = "access";

#[tokio::test]
async fn hello_describes_streams() {
    let dir = tempdir();
    let access = dir.path().join("access.log");
    let error = dir.path().join("error.log");
    append_lines(&access, &numbered_range("a", 0..7));
    std::fs::write(&error, "").unwrap();
    let d = Daemon::with_files(&[&access, &error]);
    let c = Client::connect(&d, "backlog=0").await;

    let h = &c.hello;
    assert!(h["epoch"].as_str().is_some_and(|e| !e.is_empty()), "hello.epoch: {h}");
    let streams = h["streams"].as_array().expect("hello.streams");
    assert_eq!(streams.len(), 2, "hello: {h}");
    for s in streams {
        let id = s["id"].as_str().unwrap();
        let path = s["path"].as_str().unwrap_or_else(|| panic!("path: {s}"));
        assert!(path.ends_with(&format!("{id}.log")), "path of {id}: {s}");
        let fmt = s["format"].as_str().unwrap_or("");
        assert!(
            ["nginx-combined", "nginx-error", "plain"].contains(&fmt),
            "format of {id}: {s}"
        );
    }
    assert_eq!(c.hello_seq("access"), 7);
    assert_eq!(c.hello_seq("error"), 0);
}

#[tokio::test]
async fn backlog_gives_exactly_the_last_n_lines() {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    append_lines(&log, &numbered_range("pre", 0..50));
    let d = Daemon::with_files(&[&log]);

    // The lines already in the file at start form the history.
    let mut c = Client::connect(&d, "backlog=10").await;
    assert_eq!(c.hello_seq(STREAM), 50);
    let got = c.expect_lines(STREAM, 10, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("pre", 40..50));
    assert_eq!(got.last().unwrap().0, 50, "last backlog line has hello's seq");
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;

    let mut none = Client::connect(&d, "backlog=0").await;
    none.expect_no_lines(STREAM, Duration::from_millis(500)).await;

    // Lines followed live join the history.
    let mut live = Client::connect_live(&d).await;
    append_lines(&log, &numbered_range("live", 0..30));
    live.expect_lines(STREAM, 30, LINES_TIMEOUT).await;

    let mut c = Client::connect(&d, "backlog=25").await;
    assert_eq!(c.hello_seq(STREAM), 80);
    let got = c.expect_lines(STREAM, 25, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("live", 5..30));
    assert_eq!(got[0].0, 56);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;

    // More than the history holds: all 80, no more.
    let mut c = Client::connect(&d, "backlog=1000").await;
    let got = c.expect_lines(STREAM, 80, LINES_TIMEOUT).await;
    let mut want = numbered_range("pre", 0..50);
    want.extend(numbered_range("live", 0..30));
    assert_exact(&got, &want);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;

    // Without `backlog`: the default of 100 (here capped at the 80 there are).
    let mut c = Client::connect(&d, "").await;
    let got = c.expect_lines(STREAM, 80, LINES_TIMEOUT).await;
    assert_exact(&got, &want);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn since_resumes_right_after_seq() {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);

    let mut c = Client::connect_live(&d).await;
    let epoch = c.hello["epoch"].clone();
    w.numbered("a", 0..100);
    let first = c.expect_lines(STREAM, 100, LINES_TIMEOUT).await;
    assert_exact(&first, &numbered_range("a", 0..100));
    let last_seq = first.last().unwrap().0;
    c.close().await;

    // Written while disconnected.
    w.numbered("a", 100..150);
    // Make sure the daemon has read them before reconnecting.
    sleep_until_seq(&d, last_seq + 50).await;

    let mut c = Client::connect(&d, &format!("since={STREAM}:{last_seq}")).await;
    assert_eq!(c.hello["epoch"], epoch, "same daemon, same epoch");
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
    let mut c = Client::connect(&d, &format!("since={STREAM}:{mid}")).await;
    let got = c.expect_lines(STREAM, 90, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 80..170));
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

/// Waits until hello reports at least `seq` for the access stream.
async fn sleep_until_seq(d: &Daemon, seq: u64) {
    let deadline = std::time::Instant::now() + LINES_TIMEOUT;
    loop {
        let c = Client::connect(d, "backlog=0").await;
        let now = c.hello_seq(STREAM);
        c.close().await;
        if now >= seq {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "stream stuck at seq {now}, expected {seq}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn since_beyond_last_seq_starts_live() {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    append_lines(&log, &numbered_range("pre", 0..10));
    let d = Daemon::with_files(&[&log]);

    let mut c = Client::connect(&d, &format!("since={STREAM}:5000")).await;
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
    append_lines(&log, &numbered_range("a", 0..5));
    let got = c.expect_lines(STREAM, 5, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..5));
    assert_eq!(got[0].0, 11);
}

#[tokio::test]
async fn stream_parameter_selects_streams() {
    let dir = tempdir();
    let access = dir.path().join("access.log");
    let error = dir.path().join("error.log");
    let mut wa = Writer::open(&access);
    let mut we = Writer::open(&error);
    let d = Daemon::with_files(&[&access, &error]);

    let mut only_error = Client::connect(&d, "stream=error&backlog=0").await;
    let mut both = Client::connect(&d, "stream=access,error&backlog=0").await;
    wa.numbered("acc", 0..20);
    we.numbered("err", 0..20);
    let got = only_error.expect_lines("error", 20, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("err", 0..20));
    only_error.expect_no_lines("access", Duration::from_millis(500)).await;
    let ga = both.expect_lines("access", 20, LINES_TIMEOUT).await;
    let ge = both.expect_lines("error", 20, LINES_TIMEOUT).await;
    assert_exact(&ga, &numbered_range("acc", 0..20));
    assert_exact(&ge, &numbered_range("err", 0..20));

    // An unknown stream id is refused before the upgrade.
    let res = tokio_tungstenite::connect_async(d.ws_url("stream=nope")).await;
    match res {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 400)
        }
        Err(e) => panic!("unknown stream: unexpected error {e}"),
        Ok(_) => panic!("unknown stream id was accepted"),
    }
}

#[tokio::test]
async fn client_messages_are_ignored() {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;
    c.send_text("hello server").await;
    c.send_text("{\"type\":\"whatever\"}").await;
    w.numbered("a", 0..10);
    let got = c.expect_lines(STREAM, 10, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..10));
}

#[tokio::test]
async fn since_older_than_history_reports_one_gap() {
    let dir = tempdir();
    let log = dir.path().join("web.log");
    std::fs::write(&log, "").unwrap();
    let toml = format!(
        "[[stream]]\nid = \"web\"\npath = \"{}\"\nformat = \"plain\"\nhistory_lines = 5\n",
        log.display()
    );
    let d = Daemon::with_config(dir.path(), &toml);
    let mut live = Client::connect_live(&d).await;
    // One line at a time, each read before the next is written, so that the
    // history holds single lines and keeps exactly the last 5.
    for i in 0..20 {
        append_lines(&log, &[numbered("a", i)]);
        live.expect_lines("web", 1, LINES_TIMEOUT).await;
    }

    // Lines 4..=15 left the history (it keeps 16..=20).
    let mut c = Client::connect(&d, "since=web:3").await;
    c.allow_gaps = true;
    let got = c.expect_lines("web", 5, LINES_TIMEOUT).await;
    assert_eq!(c.gaps.len(), 1, "gaps: {:?}; lines: {got:?}", c.gaps);
    assert_eq!(c.gaps[0]["stream"], "web");
    assert_eq!(c.gaps[0]["seq"], 4);
    assert_eq!(c.gaps[0]["count"], 12);
    assert_eq!(got[0].0, 16);
    assert_exact(&got, &numbered_range("a", 15..20));
    c.expect_no_lines("web", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn oversized_client_message_closes_with_1009() {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    std::fs::write(&log, "").unwrap();
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;
    c.send_text(&"x".repeat(70 * 1024)).await;
    let close = c.expect_close(FRAME_TIMEOUT).await;
    assert_eq!(
        close.as_ref().map(|f| u16::from(f.code)),
        Some(1009),
        "close frame: {close:?}"
    );
}

/// Opcodes of the complete server frames (unmasked) at the start of `buf`.
fn frame_opcodes(buf: &[u8]) -> Vec<u8> {
    let mut ops = Vec::new();
    let mut i = 0;
    while i + 2 <= buf.len() {
        let op = buf[i] & 0x0f;
        let (len, head) = match buf[i + 1] & 0x7f {
            126 if i + 4 <= buf.len() => (u16::from_be_bytes([buf[i + 2], buf[i + 3]]) as usize, 4),
            127 if i + 10 <= buf.len() => (u64::from_be_bytes(buf[i + 2..i + 10].try_into().unwrap()) as usize, 10),
            126 | 127 => break,
            n => (n as usize, 2),
        };
        if i + head + len > buf.len() {
            break;
        }
        ops.push(op);
        i += head + len;
    }
    ops
}

#[tokio::test]
async fn pings_keep_clients_and_silent_ones_are_closed() {
    use tokio::io::AsyncReadExt;

    let dir = tempdir();
    let log = dir.path().join("access.log");
    std::fs::write(&log, "").unwrap();
    let toml = format!(
        "ping_interval_secs = 1\n\n[[stream]]\nid = \"access\"\npath = \"{}\"\nformat = \"plain\"\n",
        log.display()
    );
    let d = Daemon::with_config(dir.path(), &toml);
    let mut c = Client::connect_live(&d).await;
    let mut silent = stalled_client(&d, "backlog=0").await;

    // The client that reads (and so answers pings) stays connected.
    c.expect_no_lines(STREAM, Duration::from_millis(5500)).await;
    assert!(c.pings >= 2, "{} pings in 5.5 s with ping_interval_secs = 1", c.pings);
    assert!(c.closed.is_none(), "answering client was closed: {:?}", c.closed);
    append_lines(&log, &numbered_range("a", 0..3));
    let got = c.expect_lines(STREAM, 3, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..3));

    // The one that never answers is gone: a close frame or the end of the
    // connection (three intervals, long passed).
    let mut buf = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mut chunk = [0u8; 4096];
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match tokio::time::timeout(left, silent.read(&mut chunk)).await {
            Err(_) => panic!("silent client not closed; frames received: {:?}", frame_opcodes(&buf)),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
        if frame_opcodes(&buf).contains(&0x8) {
            break;
        }
    }
    let ops = frame_opcodes(&buf);
    assert!(ops.contains(&0x9), "silent client got no ping: {ops:?}");
}
