//! Process behaviour: graceful shutdown on SIGTERM/SIGINT, no CPU use while
//! idle, and the demo mode.

use std::time::Duration;

use nix::sys::signal::Signal;

use crate::harness::*;

async fn graceful(sig: Signal) {
    let (mut fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");
    w.numbered("a", 0..10);
    c.expect_lines("access", 10, LINES_TIMEOUT).await;

    fx.signal(sig);
    let close = c.expect_close(FRAME_TIMEOUT).await;
    let code = close.as_ref().map(|f| u16::from(f.code));
    assert_eq!(code, Some(1001), "close frame after {sig}: {close:?}");
    let status = fx.wait_exit(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "exit status after {sig}: {status}");
}

#[tokio::test]
async fn sigterm_closes_websockets_with_1001_and_exits_0() {
    graceful(Signal::SIGTERM).await;
}

#[tokio::test]
async fn sigint_closes_websockets_with_1001_and_exits_0() {
    graceful(Signal::SIGINT).await;
}

#[tokio::test]
async fn idle_daemon_uses_no_cpu() {
    let setup = Setup::new().streams(&[ACCESS, ERROR]);
    setup.dir.append("access.log", &numbered_range("a", 0..100));
    let fx = setup.start();
    let mut c = Client::connect(&fx, "").await;
    c.expect_lines("access", 100, LINES_TIMEOUT).await;

    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = fx.cpu_ticks();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = fx.cpu_ticks();
    let delta = after - before;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let ms = delta * 1000 / hz;
    println!("idle CPU over 5 s: {delta} clock ticks = {ms} ms (utime+stime, bound 50 ms)");
    assert!(
        ms < 50,
        "idle daemon used {ms} ms of CPU in 5 s ({delta} ticks at {hz} Hz; bound: 50 ms)"
    );
    // Still alive and working afterwards.
    fx.dir.append("access.log", &numbered_range("b", 0..3));
    let got = c.expect_lines("access", 3, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("b", 0..3));
}

#[tokio::test]
async fn demo_mode_streams_synthetic_nginx_traffic_and_cleans_up() {
    let mut d = Daemon::start(&["--config", "/dev/null", "--demo"], &[]);
    let mut c = Client::connect(&d, "backlog=5").await;
    assert_eq!(c.stream_ids(), ["access", "error"]);
    let dir = c.hello.streams[0].path.trim_end_matches("/access.log").to_string();
    // A virtual host first, request and upstream times last.
    let fields = &c.hello.streams[0].layout.fields;
    assert_eq!((fields[0].name.as_str(), fields.len()), ("host", 11), "{fields:?}");
    // The seeded history, then live lines as the writer goes on.
    let got = c.expect_at_least("access", 6, LINES_TIMEOUT).await;
    for (_, line) in &got {
        assert!(line.contains(" 203.0.113.") && line.contains(" HTTP/1.1\" "), "{line}");
        assert_eq!(line.matches('"').count(), 6, "not a demo line: {line}");
    }
    // Every line fits the layout: the statistics count none as bad.
    let stats = c
        .wait_stats("access", Duration::from_secs(10), |s| s.seconds.iter().any(|p| p.n > 0))
        .await;
    let stats = stats.expect("stats with requests");
    assert!(stats.seconds.iter().all(|p| p.bad == 0), "{:?}", stats.seconds);
    assert!(stats.latency.rt.is_some(), "request times counted");
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(15)).code(), Some(0));
    assert!(
        !std::path::Path::new(&dir).exists(),
        "the demo directory {dir} is removed on exit"
    );
}
