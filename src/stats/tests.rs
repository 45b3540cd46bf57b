//! The statistics of lines recorded second by second, without a daemon.

use super::*;
use crate::civil::civil;
use crate::layout::{COMBINED, Escape};
use crate::protocol::Message;

/// A whole minute: 2026-11-30 14:00:00 UTC.
const MINUTE: u64 = 1_796_047_200;

const VHOST: &str = "$host $remote_addr [$time_local] \"$request\" $status $body_bytes_sent $request_time $upstream_response_time \"$upstream_addr\" \"$http_user_agent\"";

fn vhost(host: &str, path: &str, status: u16, rt: &str, ut: &str) -> String {
    format!(
        "{host} 203.0.113.7 [30/Nov/2026:14:02:08 +0000] \"GET {path}?q=1 HTTP/1.1\" {status} 100 {rt} {ut} \"10.0.0.5:8080\" \"curl/8\""
    )
}

/// `t` as `$time_local` writes it, in UTC.
fn local(t: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s) = civil(t as i64);
    format!("{d:02}/{}/{y}:{h:02}:{mi:02}:{s:02} +0000", MONTHS[mo as usize - 1])
}

/// A combined line of `path` from `addr` at `t`.
fn combined(addr: &str, t: u64, path: &str) -> String {
    format!("{addr} - - [{}] \"GET {path} HTTP/1.1\" 200 5 \"-\" \"x\"", local(t))
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
    let stats = Stats::at("site", 1_796_047_328);
    let mut lines: Vec<String> = (1..=100)
        .map(|ms| vhost("a.example", "/api", 200, &format!("0.{ms:03}"), "-"))
        .collect();
    lines.push(vhost("b.example", "/missing", 404, "0.300", "0.100, 0.250"));
    lines.push("garbage".into());
    record(&stats, &layout, &lines);
    let msg = decode(&stats.tick(1_796_047_329));
    let p = &msg.seconds[0];
    assert_eq!(
        (p.t, p.n, p.bad, p.bytes, p.classes),
        (1_796_047_328, 101, 1, 10_100, [0, 100, 0, 1, 0])
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
    let start = MINUTE;
    let stats = Stats::at("access", start);
    for t in start..start + 700 {
        let line = combined("10.0.0.1", t, "/").replace(" 200 ", " 500 ");
        record(&stats, &layout, &[line]);
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
    let stats = Stats::at("j", 99);
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
    let stats = Stats::at("site", 1_796_047_328);
    for i in 0..50_000 {
        let line = vhost(&format!("h{i}.example"), &format!("/p/{i}"), 200, "0.001", "0.001");
        record(&stats, &layout, &[line]);
    }
    let msg = decode(&stats.tick(1_796_047_329));
    assert_eq!(msg.top.path.len(), 10);
    let inner = stats.lock();
    assert!(
        inner.window.held_values() <= 5 * sketch::CAPACITY,
        "{}",
        inner.window.held_values()
    );
}

#[test]
fn late_lines_count_in_their_own_second_and_minute_and_the_next_tick_sends_them() {
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let stats = Stats::at("access", MINUTE + 30);
    (MINUTE + 31..=MINUTE + 130).for_each(|t| drop(stats.tick(t)));
    // Now the second being counted is MINUTE + 130, in the third minute.
    let late = [
        combined("10.0.0.1", MINUTE + 40, "/late"),
        combined("10.0.0.1", MINUTE + 40, "/late"),
        combined("10.0.0.2", MINUTE + 125, "/recent"),
        combined("10.0.0.3", MINUTE + 130, "/now"),
    ];
    record(&stats, &layout, &late);
    let msg = decode(&stats.tick(MINUTE + 131));
    let seconds: Vec<_> = msg.seconds.iter().map(|p| (p.t, p.n, p.late)).collect();
    assert_eq!(
        seconds,
        [(MINUTE + 40, 2, 2), (MINUTE + 125, 1, 1), (MINUTE + 130, 1, 0)]
    );
    // The first minute ended before; the second one is still being counted.
    let minutes: Vec<_> = msg.minutes.iter().map(|p| (p.t, p.n, p.late)).collect();
    assert_eq!(minutes, [(MINUTE, 2, 2)]);
    assert_eq!(msg.top.path[0], ("/late".to_string(), 2));
    assert_eq!(msg.status, vec![(200, 4)]);
    let next = decode(&stats.tick(MINUTE + 132));
    assert_eq!((next.seconds.len(), next.minutes.len()), (1, 0), "sent once");
    let full = decode(&stats.full(MINUTE + 132));
    let kept = |t: u64| full.seconds.iter().find(|p| p.t == t).map(|p| p.n);
    assert_eq!((kept(MINUTE + 40), kept(MINUTE + 125)), (Some(2), Some(1)));
    assert_eq!(
        full.minutes.iter().map(|p| (p.t, p.n)).collect::<Vec<_>>(),
        [(MINUTE, 2), (MINUTE + 60, 0)]
    );
    let minute = decode(&stats.tick(MINUTE + 180));
    assert_eq!(
        minute.minutes.iter().map(|p| (p.t, p.n, p.late)).collect::<Vec<_>>(),
        [(MINUTE + 120, 2, 1)]
    );
}

#[test]
fn lines_before_the_window_without_a_time_or_ahead_count_when_read() {
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let now = MINUTE + 3600;
    let stats = Stats::at("access", now);
    let lines = [
        // The window starts 9 minutes before the current minute.
        combined("10.0.0.1", MINUTE + 3600 - 540, "/edge"),
        combined("10.0.0.1", MINUTE + 3600 - 541, "/old"),
        combined("10.0.0.1", MINUTE + 3600 - 86_400, "/yesterday"),
        combined("10.0.0.1", MINUTE + 7200, "/ahead"),
        // Not a time: the line does not fit the format ($time_local's
        // grammar), so it is a bad line, counted when read.
        combined("10.0.0.1", MINUTE, "/x").replace(&local(MINUTE), "soon"),
    ];
    record(&stats, &layout, &lines);
    let msg = decode(&stats.tick(now + 1));
    let points: Vec<_> = msg.seconds.iter().map(|p| (p.t, p.n, p.bad, p.late, p.old)).collect();
    assert_eq!(points, [(now - 540, 1, 0, 1, 0), (now, 3, 1, 0, 2)]);
    assert_eq!(
        msg.minutes.iter().map(|p| (p.t, p.n)).collect::<Vec<_>>(),
        [(now - 540, 1)]
    );
    assert_eq!(msg.top.path.len(), 4, "every line that fits is in the window");
    let totals = stats.totals();
    assert_eq!((totals.lines(), totals.bad), (4, 1), "every line counted once");
}

/// `n` addresses drawn from a Zipf distribution of exponent `s` over
/// `distinct` addresses (a fixed seed): rank `k` is `addr(k)`.
fn zipf(n: usize, s: f64, distinct: usize) -> Vec<usize> {
    let mut cdf: Vec<f64> = (1..=distinct).map(|k| (k as f64).powf(-s)).collect();
    for i in 1..cdf.len() {
        cdf[i] += cdf[i - 1];
    }
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let u = (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
            cdf.partition_point(|&c| c < u * cdf[distinct - 1]).min(distinct - 1) + 1
        })
        .collect()
}

fn addr(k: usize) -> String {
    format!("10.0.{}.{}", k / 256, k % 256)
}

/// The issue's case: the true top 10 of 200,000 Zipf-distributed lines.
/// Spread over the window's minutes, each minute holds all its values and
/// the counts are exact; in one second, more addresses than a sketch has
/// places, each count is within its error and none of the true 10 is missed.
#[test]
fn the_true_top_10_of_200000_zipf_lines_is_listed_within_its_errors() {
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let ranks = zipf(200_000, 1.1, 5_000);
    let mut truth = vec![0u64; 5_001];
    ranks.iter().for_each(|&k| truth[k] += 1);
    let mut order: Vec<usize> = (1..=5_000).collect();
    order.sort_by_key(|&k| (std::cmp::Reverse(truth[k]), addr(k)));
    let distinct = order.iter().filter(|&&k| truth[k] > 0).count();
    assert!(distinct > sketch::CAPACITY, "{distinct} addresses");

    let now = MINUTE + 600;
    let spread = Stats::at("spread", now);
    let lines: Vec<String> = (ranks.iter().enumerate())
        .map(|(i, &k)| combined(&addr(k), MINUTE + 60 + (i as u64 * 540 / 200_000), "/"))
        .collect();
    record(&spread, &layout, &lines);
    let msg = decode(&spread.tick(now + 1));
    let want: Vec<_> = order[..10].iter().map(|&k| (addr(k), truth[k])).collect();
    assert_eq!(msg.top.addr, want);
    assert_eq!(msg.top_error.addr, [0; 10]);

    let burst = Stats::at("burst", now);
    let lines: Vec<String> = ranks.iter().map(|&k| combined(&addr(k), now, "/")).collect();
    record(&burst, &layout, &lines);
    let msg = decode(&burst.tick(now + 1));
    assert_eq!(msg.top_error.addr.len(), 10);
    for ((value, count), error) in msg.top.addr.iter().zip(&msg.top_error.addr) {
        let k = order.iter().find(|&&k| addr(k) == *value).expect("a drawn address");
        assert!(
            count - error <= truth[*k] && truth[*k] <= *count,
            "{value}: {} in {count}-{error}",
            truth[*k]
        );
    }
    let listed: Vec<&str> = msg.top.addr.iter().map(|x| x.0.as_str()).collect();
    assert!(
        order[..10].iter().all(|&k| listed.contains(&addr(k).as_str())),
        "{listed:?}"
    );
}
