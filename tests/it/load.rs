//! Load: a stalled client next to a fast one, and many clients at once.

use std::time::{Duration, Instant};

use crate::harness::*;

const STREAM: &str = "access";

/// A ~500-byte line numbered `i`.
fn long_line(i: usize, pad: &str) -> String {
    format!("big {i:07} {pad}")
}

/// Lines written while a client is stalled.
const N: usize = 200_000;
/// Lines per write.
const BATCH: usize = 1_000;
/// The fast client is kept within this many lines of the writer (well
/// inside the default history of 10,000 lines / 4 MiB), so a gap could
/// only come from the daemon.
const MAX_LAG: usize = 3_000;
const RSS_BOUND_KIB: u64 = 100 * 1024;

/// Takes at least `min` more lines from `fast`, each the next long line.
async fn take_long_lines(fast: &mut Client, min: usize, received: &mut usize, pad: &str) {
    for (_, line) in fast.expect_at_least(STREAM, min, Duration::from_secs(60)).await {
        assert_eq!(line, long_line(*received, pad), "line {received}");
        *received += 1;
    }
}

/// Writes the `N` long lines in batches, with `fast` reading all of them and
/// never more than `MAX_LAG` behind; the daemon's highest VmRSS meanwhile.
async fn write_while_reading(fx: &Fixture, fast: &mut Client, pad: &str) -> u64 {
    let mut w = fx.dir.writer("access.log");
    let mut rss_max = fx.rss_kib();
    let mut received = 0usize;
    for b in 0..N / BATCH {
        let batch: Vec<String> = (b * BATCH..(b + 1) * BATCH).map(|i| long_line(i, pad)).collect();
        w.lines(&batch);
        let written = (b + 1) * BATCH;
        if received + MAX_LAG < written {
            take_long_lines(fast, written - MAX_LAG - received, &mut received, pad).await;
        }
        rss_max = rss_max.max(fx.rss_kib());
    }
    while received < N {
        take_long_lines(fast, 1, &mut received, pad).await;
        rss_max = rss_max.max(fx.rss_kib());
    }
    assert_eq!(received, N);
    rss_max
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_client_does_not_hurt_fast_client_or_memory() {
    let fx = Fixture::new(&[ACCESS]);
    let stalled = Stalled::connect(&fx, "backlog=0").await;
    beside_a_stalled_client(&fx, stalled).await;
}

/// A client that took permessage-deflate and never reads: its frames are
/// built compressed (and shared), and it is held to the same bounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_deflate_client_does_not_hurt_fast_client_or_memory() {
    let fx = Fixture::new(&[ACCESS]);
    let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    let stalled = Stalled::connect_with(&fx, "backlog=0", offer).await;
    beside_a_stalled_client(&fx, stalled).await;
}

/// `N` long lines to a fast client beside `stalled`: every line arrives,
/// the daemon's memory stays bounded, and it serves a new client after.
async fn beside_a_stalled_client(fx: &Fixture, stalled: Stalled) {
    let mut fast = Client::connect_live(fx).await;
    let pad: String = PAD.chars().cycle().take(480).collect();

    let started = Instant::now();
    let rss_start = fx.rss_kib();
    let rss_max = write_while_reading(fx, &mut fast, &pad).await.max(rss_start);
    let elapsed = started.elapsed();
    let rss_end = fx.rss_kib();
    println!(
        "{N} lines in {elapsed:?} with a stalled client: daemon VmRSS start {rss_start} KiB, max {rss_max} KiB, \
         end {rss_end} KiB (bound {RSS_BOUND_KIB} KiB)"
    );
    assert!(
        fast.expect_at_least(STREAM, 0, Duration::from_millis(1))
            .await
            .is_empty(),
        "extra lines after {N}"
    );
    fast.expect_no_lines(STREAM, Duration::from_millis(500)).await;
    assert!(
        rss_max < RSS_BOUND_KIB,
        "daemon VmRSS reached {rss_max} KiB (bound {RSS_BOUND_KIB} KiB)"
    );

    // The daemon still serves new clients, from the right place.
    let mut late = Client::connect(fx, "backlog=3").await;
    let got = late.expect_lines(STREAM, 3, LINES_TIMEOUT).await;
    let want: Vec<String> = (N - 3..N).map(|i| long_line(i, &pad)).collect();
    assert_exact(&got, &want);
    assert_eq!(got[2].0, late.hello_seq(STREAM));
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_clients_get_every_line_once() {
    const CLIENTS: usize = 500;
    const LINES: usize = 1_000;

    let fx = Fixture::new(&[ACCESS]);
    let mut w = fx.dir.writer("access.log");
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS / 50 {
        let batch = (0..50).map(|_| Client::connect_live(&fx));
        clients.extend(futures_util::future::join_all(batch).await);
    }
    assert_eq!(clients.len(), CLIENTS);

    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(n, mut c)| {
            tokio::spawn(async move {
                let got = c.expect_lines(STREAM, LINES, Duration::from_secs(60)).await;
                assert_exact(&got, &numbered_range("a", 0..LINES));
                c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
                n
            })
        })
        .collect();

    for b in 0..LINES / 100 {
        w.numbered("a", b * 100..(b + 1) * 100);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let mut failures = Vec::new();
    for (n, t) in futures_util::future::join_all(tasks).await.into_iter().enumerate() {
        if let Err(e) = t {
            failures.push(format!("client {n}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CLIENTS} clients failed; first: {:?}",
        failures.len(),
        failures.first()
    );
}

/// 64 MiB of empty lines appended at once (67 million lines) to a stream
/// whose lines are split and counted: the follower, the statistics' feed
/// behind it (every line copied with where it ends) and the history stay
/// within their bounds however dense the lines, and every line is numbered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_dense_burst_keeps_the_daemon_bounded() {
    let fx = Setup::new().stream_with(ACCESS, "format = \"nginx-combined\"").start();
    let n = 64u64 << 20;
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(fx.dir.path("access.log"))
        .unwrap();
    fx.reset_peak();
    std::io::Write::write_all(&mut log, &vec![b'\n'; n as usize]).unwrap();
    let started = Instant::now();
    loop {
        let body = get(&fx, "/healthz").await.body;
        let health: logmon::protocol::Health = serde_json::from_slice(&body).unwrap();
        if health.streams[0].seq >= n {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "seq {}",
            health.streams[0].seq
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let peak = fx.peak_mib();
    println!(
        "{n} empty lines numbered in {:?}: peak RSS {peak} MiB",
        started.elapsed()
    );
    assert!(peak < 64, "the daemon's peak RSS reached {peak} MiB");
}
