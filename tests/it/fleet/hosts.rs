//! Hosts that disagree with the viewer: one whose clock is 5 minutes
//! ahead and one 5 minutes behind (the agent runs under libfaketime, and
//! its lines carry the host's time as its nginx would write them), and a
//! host that is retired (its agent stopped for good, its files gone).
//!
//! Whatever the clocks say, every line reaches the viewer exactly once, in
//! order; the viewer counts each line by its own time against its own
//! clock: the host behind has its lines late, in their own second; the one
//! ahead has them counted when read, never in a second still to come; and
//! `/metrics` counts every line. A retired host's lines stay served from
//! JetStream, after a viewer restart too; its history is answered at once
//! with "did not answer"; the other hosts go on.
//!
//! Skipped, saying so, when libfaketime is not installed
//! (tests/run-all.sh installs Debian's `faketime`).

use std::path::Path;
use std::time::{Duration, Instant};

use logmon::protocol::Stats;
use nix::sys::signal::Signal;

use super::*;

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
/// Seconds the two hosts' clocks are off.
const SKEW: u64 = 300;
const LINES: usize = 40;
const STATS_TIMEOUT: Duration = Duration::from_secs(30);
/// The hosts, by their place in the test's array.
const AHEAD: usize = 0;
const BEHIND: usize = 1;
const RETIRED: usize = 2;

/// The environment that moves a process's clock by `offset` seconds
/// (`+300`, `-300`), its monotonic clock left alone for its timers.
fn skewed(offset: &'static str) -> [(&'static str, &'static str); 3] {
    [
        ("LD_PRELOAD", LIBFAKETIME),
        ("FAKETIME", offset),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
    ]
}

/// `LINES` combined lines of unix second `t`, numbered in their paths.
fn lines_at(t: u64, tag: &str) -> Vec<String> {
    (0..LINES).map(|i| combined_at(t, &format!("/{tag}/{i}"))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clocks_minutes_apart_and_a_retired_host() {
    if !Path::new(LIBFAKETIME).exists() {
        eprintln!("SKIPPED: {LIBFAKETIME} is not installed (tests/run-all.sh installs Debian's faketime)");
        return;
    }
    let Some(nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let mut hosts = [
        Host::with_format("ahead", &servers, "nginx-combined"),
        Host::with_format("behind", &servers, "nginx-combined"),
        Host::new("retired", &servers),
    ];
    let _agents = [
        hosts[AHEAD].start_with(&skewed("+300")),
        hosts[BEHIND].start_with(&skewed("-300")),
    ];
    let mut retiring = hosts[RETIRED].start();
    let dir = TestDir::new();
    let mut view = viewer(&dir, &servers);
    let mut client = Client::connect(&view, "backlog=0").await;

    let now = unix_now();
    hosts[AHEAD].append(lines_at(now + SKEW, "ahead"));
    hosts[BEHIND].append(lines_at(now - SKEW, "behind"));
    hosts[RETIRED].write(100);
    wait_all(&view, &hosts).await;
    counted_by_their_own_time(&mut client, &hosts, now - SKEW).await;

    // The host is retired: its agent stops for good and its files go.
    retiring.signal(Signal::SIGTERM);
    retiring.wait_exit(FRAME_TIMEOUT);
    std::fs::remove_file(hosts[RETIRED].dir.path("access.log")).unwrap();
    let asked = Instant::now();
    let history = get(&view, "/history?stream=retired/access&before=seq:50").await;
    assert_eq!(history.status, 504, "{}", String::from_utf8_lossy(&history.body));
    assert!(String::from_utf8_lossy(&history.body).contains("host retired did not answer"));
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "answered in {:?}",
        asked.elapsed()
    );

    // The others go on, and a new viewer has every line, the retired host's too.
    hosts[AHEAD].append(lines_at(unix_now() + SKEW, "ahead-2"));
    hosts[BEHIND].append(lines_at(unix_now() - SKEW, "behind-2"));
    view.signal(Signal::SIGKILL);
    view.wait_exit(FRAME_TIMEOUT);
    view = viewer(&dir, &servers);
    wait_all(&view, &hosts).await;
    assert_viewer_has_all(&view, &hosts).await;
}

/// The stats of the host ahead count its lines in seconds that have come,
/// those of the host behind in the second they were written, late.
async fn counted_by_their_own_time(client: &mut Client, hosts: &[Host], past: u64) {
    let (ahead, behind) = (&hosts[AHEAD].id(), &hosts[BEHIND].id());
    let n = LINES as u64;
    let all_200 = |s: &Stats| s.status == [(200, n)];
    let got = client.wait_stats(ahead, STATS_TIMEOUT, all_200).await;
    let got = got.unwrap_or_else(|| panic!("{ahead}: {n} requests in the window"));
    let future: Vec<_> = got.seconds.iter().filter(|p| p.n > 0 && p.t > got.now).collect();
    assert!(future.is_empty(), "{ahead}: seconds still to come {future:?}");

    let own = |s: &Stats| s.seconds.iter().find(|p| p.t == past).cloned();
    let got = client
        .wait_stats(behind, STATS_TIMEOUT, |s| all_200(s) && own(s).is_some())
        .await;
    let p = own(&got.unwrap_or_else(|| panic!("{behind}: a point at {past}")));
    assert_eq!(
        p.map(|p| (p.n, p.late)),
        Some((n, n)),
        "{behind}: late, in their own second"
    );
}
