//! The statistics of lines recorded second by second, without a daemon.

use super::*;
use crate::layout::{COMBINED, Escape};
use crate::protocol::Message;

const VHOST: &str = "$host $remote_addr [$time_local] \"$request\" $status $body_bytes_sent $request_time $upstream_response_time \"$upstream_addr\" \"$http_user_agent\"";

fn vhost(host: &str, path: &str, status: u16, rt: &str, ut: &str) -> String {
    format!(
        "{host} 203.0.113.7 [30/Nov/2026:14:02:08 +0000] \"GET {path}?q=1 HTTP/1.1\" {status} 100 {rt} {ut} \"10.0.0.5:8080\" \"curl/8\""
    )
}

fn decode(text: &Utf8Bytes) -> StatsMessage {
    match Message::decode(text.as_str()).unwrap() {
        Message::Stats(s) => *s,
        other => panic!("not stats: {other:?}"),
    }
}

fn record(stats: &Stats, layout: &Layout, lines: &[String]) {
    let mut r = stats.recorder(layout);
    lines.iter().for_each(|l| r.line(l.as_bytes()));
}

#[test]
fn a_second_of_lines_becomes_a_point_with_its_percentiles_and_top_values() {
    let layout = Layout::text("nginx:vhost", VHOST, Escape::Default);
    let stats = Stats::new("site");
    let mut lines: Vec<String> = (1..=100)
        .map(|ms| vhost("a.example", "/api", 200, &format!("0.{ms:03}"), "-"))
        .collect();
    lines.push(vhost("b.example", "/missing", 404, "0.300", "0.100, 0.250"));
    lines.push("garbage".into());
    record(&stats, &layout, &lines);
    let msg = decode(&stats.tick(1_764_511_201));
    let p = &msg.seconds[0];
    assert_eq!(
        (p.t, p.n, p.bad, p.bytes, p.classes),
        (1_764_511_200, 101, 1, 10_100, [0, 100, 0, 1, 0])
    );
    // 101 request times: 1..=100 ms and 300 ms; nearest ranks 51, 96, 100.
    assert_eq!(p.rt, Some([0.051, 0.096, 0.1]));
    assert_eq!(p.ut, Some([0.35, 0.35, 0.35]));
    assert_eq!(msg.status, vec![(200, 100), (404, 1)]);
    assert_eq!(
        msg.top.path,
        vec![("/api".to_string(), 100), ("/missing".to_string(), 1)]
    );
    assert_eq!(msg.top.host[0], ("a.example".to_string(), 100));
    assert_eq!(msg.top.upstream, vec![("10.0.0.5:8080".to_string(), 101)]);
    assert_eq!(msg.latency.rt, p.rt);
}

#[test]
fn minutes_close_and_a_new_client_gets_every_point_kept() {
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let stats = Stats::new("access");
    let line = "10.0.0.1 - - [30/Nov/2026:14:02:06 +0000] \"GET / HTTP/1.1\" 500 5 \"-\" \"x\"".to_string();
    let start = 1_764_511_200; // a whole minute
    for t in start..start + 700 {
        record(&stats, &layout, std::slice::from_ref(&line));
        let msg = decode(&stats.tick(t + 1));
        assert_eq!(msg.seconds.len(), 1);
        let minute_ended = (t + 1) % 60 == 0;
        assert_eq!(msg.minutes.len(), usize::from(minute_ended), "at {t}");
        if minute_ended {
            assert_eq!((msg.minutes[0].t, msg.minutes[0].n), (t + 1 - 60, 60));
        }
    }
    let full = decode(&stats.full(start + 700));
    assert_eq!((full.seconds.len(), full.minutes.len()), (600, 11));
    assert_eq!(full.seconds[0].t, start + 100);
    // The window: the current minute (40 s) and the 9 before it.
    assert_eq!(full.status, vec![(500, 9 * 60 + 40)]);
    let totals = stats.totals();
    assert_eq!(totals.requests[400][0], 700);
}

#[test]
fn json_lines_give_the_same_values_by_key() {
    let layout = Layout::fieldless("json", Kind::Json);
    let stats = Stats::new("j");
    let lines = [
        r#"{"status":201,"request":"POST /x HTTP/1.1","body_bytes_sent":"7","request_time":0.002,"http_host":"h"}"#
            .to_string(),
        r#"["not", "an object"]"#.to_string(),
    ];
    record(&stats, &layout, &lines);
    let msg = decode(&stats.tick(100));
    let p = &msg.seconds[0];
    assert_eq!(
        (p.n, p.bad, p.bytes, p.classes[1], p.rt),
        (1, 1, 7, 1, Some([0.002; 3]))
    );
    assert_eq!(msg.top.path, vec![("/x".to_string(), 1)]);
    assert_eq!(msg.top.host, vec![("h".to_string(), 1)]);
    assert_eq!(stats.totals().requests[101][2], 1, "POST 201");
}

#[test]
fn memory_stays_bounded_under_distinct_values() {
    let layout = Layout::text("nginx:vhost", VHOST, Escape::Default);
    let stats = Stats::new("site");
    for i in 0..50_000 {
        let line = vhost(&format!("h{i}.example"), &format!("/p/{i}"), 200, "0.001", "0.001");
        record(&stats, &layout, &[line]);
    }
    let msg = decode(&stats.tick(100));
    assert_eq!(msg.top.path.len(), 10);
    let inner = stats.lock();
    assert!(
        inner.window.held_values() <= 5 * sketch::CAPACITY,
        "{}",
        inner.window.held_values()
    );
}
