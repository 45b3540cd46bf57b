//! Slow readers: the follower never waits for them. A reader that falls
//! behind the ring (it reads slowly, or resumes with an old `since=`) gets
//! the lines it missed from the files on disk, in order and exactly once,
//! and a `gap` only for lines no longer on disk; a fast reader beside it
//! keeps its pace.
//!
//! The fast reader here has every line once (the client checks that
//! numbers are contiguous); the slow one must have the very same lines with
//! the very same numbers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::*;

/// A ~100-byte line numbered `i`.
fn line(i: usize) -> String {
    format!("slow {i:07} {}", "x".repeat(86))
}

/// Lines written, in batches of `BATCH` every `PAUSE`: 40,000 lines/s.
const N: usize = 120_000;
const BATCH: usize = 400;
const PAUSE: Duration = Duration::from_millis(10);
/// The ring holds this many lines: the slow reader falls far behind it.
const RING: usize = 1_000;

/// `/ws?query` over a socket with a 16 KiB receive buffer.
async fn small_buffer_client(fx: &Fixture, query: &str) -> Client<tokio::net::TcpStream> {
    let tcp = connect_small_rcvbuf(fx.addr).await;
    let (ws, _) = tokio_tungstenite::client_async(fx.ws_url(query), tcp)
        .await
        .expect("upgrade");
    Client::from_ws(ws).await
}

/// The `/metrics` sample of `name` for stream `web`.
async fn metric(fx: &Fixture, name: &str) -> u64 {
    let body = String::from_utf8(get(fx, "/metrics").await.body).unwrap();
    let prefix = format!("{name}{{stream=\"web\"}} ");
    let line = body.lines().find_map(|l| l.strip_prefix(&prefix));
    line.unwrap_or_else(|| panic!("no {prefix} in /metrics"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_catches_up_from_disk_and_never_slows_a_fast_one() {
    let fx = Setup::new()
        .stream_with(
            ("web", "web.log"),
            &format!("format = \"plain\"\nhistory_lines = {RING}"),
        )
        .start();
    let mut fast = Client::connect(&fx, "backlog=0").await;
    let mut slow = small_buffer_client(&fx, "backlog=0").await;
    // The slow reader takes one message every 100 ms while the lines are written.
    let slow_task = tokio::spawn(async move {
        let mut got = Vec::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3) {
            got.extend(slow.expect_at_least("web", 1, Duration::from_secs(30)).await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (slow, got)
    });
    let mut w = fx.dir.writer("web.log");
    let rotated = fx.dir.path("web.log.1");
    let writes = Arc::new(Mutex::new(Vec::new()));
    let times = writes.clone();
    let writer = std::thread::spawn(move || {
        for b in 0..N / BATCH {
            if b == N / BATCH / 2 {
                // Half way, a rotation: the slow reader's lines come from two files.
                w = w.rotate_to(&rotated);
            }
            let text: String = (b * BATCH..(b + 1) * BATCH).map(|i| line(i) + "\n").collect();
            times.lock().unwrap().push(Instant::now());
            w.raw(text.as_bytes());
            std::thread::sleep(PAUSE);
        }
    });
    // The fast reader's latency: from a batch's write to its last line's arrival.
    let mut latency = Vec::new();
    let mut fast_got = Vec::new();
    while fast_got.len() < N {
        let got = fast.expect_at_least("web", 1, Duration::from_secs(30)).await;
        for (_, text) in &got {
            let i: usize = text[5..12].parse().unwrap();
            if i % BATCH == BATCH - 1 {
                latency.push(writes.lock().unwrap()[i / BATCH].elapsed());
            }
        }
        fast_got.extend(got);
    }
    writer.join().unwrap();
    latency.sort();
    let p99 = latency[latency.len() * 99 / 100];
    let mut texts: Vec<&str> = fast_got.iter().map(|l| l.1.as_str()).collect();
    texts.sort_unstable();
    assert!(
        texts
            .iter()
            .copied()
            .eq((0..N).map(line).collect::<Vec<_>>().iter().map(|s| s.as_str()))
    );

    // The slow reader, read fast now, has the same lines, numbered the same.
    let (mut slow, mut got) = slow_task.await.unwrap();
    let behind = N - got.len();
    got.extend(slow.expect_lines("web", behind, Duration::from_secs(60)).await);
    assert!(got == fast_got, "the slow reader's lines differ from the fast one's");
    assert!(slow.gaps.is_empty(), "gaps: {:?}", slow.gaps);
    let from_disk = metric(&fx, "logmon_lines_from_disk_total").await;
    println!(
        "fast reader's latency: p50 {:?}, p99 {p99:?}, max {:?}; slow reader: {behind} lines \
         behind when it began to read fast, {from_disk} lines from disk",
        latency[latency.len() / 2],
        latency.last().unwrap()
    );
    assert!(from_disk > 0, "the slow reader never fell behind the ring");
    // Held back by the slow reader, the fast one waited for it: 0.5 to 1 s.
    assert!(
        p99 < Duration::from_millis(400),
        "the fast reader was held back: p99 {p99:?}"
    );
}

/// A daemon whose ring keeps 5 lines, after 20 lines `a 0`..`a 19`
/// written one at a time, each read by the returned live client before the
/// next is written (so that the ring holds single lines: exactly the last 5).
async fn ring_of_five() -> (Fixture, Client) {
    let fx = Setup::new()
        .stream_with(("web", "web.log"), "format = \"plain\"\nhistory_lines = 5")
        .start();
    let mut live = Client::connect_live(&fx).await;
    for i in 0..20 {
        fx.dir.append("web.log", &[numbered("a", i)]);
        live.expect_lines("web", 1, LINES_TIMEOUT).await;
    }
    (fx, live)
}

#[tokio::test]
async fn since_older_than_the_ring_is_read_from_disk() {
    let (fx, _live) = ring_of_five().await;
    // Lines 4..=15 left the ring (it keeps 16..=20), but not the file.
    let mut c = Client::connect(&fx, "since=web:3").await;
    let got = c.expect_lines("web", 17, LINES_TIMEOUT).await;
    assert_eq!(got[0].0, 4);
    assert_exact(&got, &numbered_range("a", 3..20));
    c.expect_no_lines("web", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn lines_no_longer_on_disk_are_one_gap() {
    let (fx, mut live) = ring_of_five().await;
    // The file is replaced by one that holds none of them.
    std::fs::remove_file(fx.dir.path("web.log")).unwrap();
    fx.dir.append("web.log", &[numbered("b", 0)]);
    live.expect_lines("web", 1, LINES_TIMEOUT).await;

    let mut c = Client::connect(&fx, "since=web:3").await;
    c.allow_gaps = true;
    let mut got = Vec::new();
    while got.last().is_none_or(|l: &Line| l.1 != numbered("b", 0)) {
        got.extend(c.expect_at_least("web", 1, LINES_TIMEOUT).await);
    }
    assert_contiguous(&got);
    let gap = &c.gaps[..];
    assert_eq!(gap.len(), 1, "gaps: {gap:?}, lines: {got:?}");
    assert_eq!(gap[0].seq, 4);
    assert_eq!(got[0].0, 4 + gap[0].count, "the lines go on after the gap");
}
