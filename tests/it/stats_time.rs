//! The statistics count each line in its own second: lines written with a
//! time 30 seconds past (a buffered nginx flushing late) appear in that
//! second of the next `stats` message, marked late; lines from before the
//! window count when read, marked old; `/metrics` counts every line once.

use std::time::Duration;

use crate::harness::*;

const STATS_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn lines_written_30_seconds_late_count_in_their_own_second() {
    let fx = Setup::new()
        .stream_with(("access", "access.log"), "format = \"nginx-combined\"")
        .start();
    let mut c = Client::connect(&fx, "backlog=0").await;
    c.wait_stats("access", STATS_TIMEOUT, |_| true)
        .await
        .expect("a first stats message");
    let past = unix_now() - 30;
    let day_before = past - 86_400;
    let lines = [
        combined_at(past, "/flushed"),
        combined_at(past, "/flushed"),
        combined_at(past, "/flushed"),
        combined_at(day_before, "/old"),
        combined_at(day_before, "/old"),
    ];
    fx.dir.append("access.log", &lines);
    c.expect_lines("access", lines.len(), STATS_TIMEOUT).await;

    let own = |s: &logmon::protocol::Stats| s.seconds.iter().find(|p| p.t == past).cloned();
    let msg = c
        .wait_stats("access", STATS_TIMEOUT, |s| own(s).is_some_and(|p| p.n == 3))
        .await
        .expect("a stats message with the lines' own second");
    let p = own(&msg).expect("the second");
    assert_eq!((p.n, p.late, p.old, p.classes[1]), (3, 3, 0, 3), "{p:?}");
    assert!(msg.top.path.contains(&("/flushed".to_string(), 3)), "{:?}", msg.top);
    assert_eq!(msg.top_error.path.iter().sum::<u64>(), 0, "exact");

    let old = |s: &logmon::protocol::Stats| s.seconds.iter().map(|p| p.old).sum::<u64>();
    let read = match old(&msg) {
        0 => c.wait_stats("access", STATS_TIMEOUT, |s| old(s) > 0).await,
        _ => Some(msg),
    };
    let read = read.expect("the old lines counted when read");
    let p = read
        .seconds
        .iter()
        .find(|p| p.old > 0)
        .expect("a second with old lines");
    assert!(p.t > past && p.n >= 2 && p.old == 2, "{p:?}");

    let body = String::from_utf8(get(&fx, "/metrics").await.body).unwrap();
    let want = r#"nginx_http_requests_total{stream="access",status="200",method="GET"} 5"#;
    assert!(body.lines().any(|l| l == want), "no {want:?} in:\n{body}");
}
