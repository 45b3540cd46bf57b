//! Unit tests of the history ring, cursors and back-pressure.

use super::*;
use crate::config::{Format, History};
use crate::protocol::{EventKind, LinesBuilder, Message};
use std::time::Duration;

fn hub(lines: usize, bytes: usize) -> Hub {
    let c = StreamConfig {
        id: "s".into(),
        path: "/s.log".into(),
        format: Format::Plain,
        history: History { lines, bytes },
    };
    Hub::new(&[c])
}

async fn publish(s: &Stream, from: u64, n: u64) {
    let mut b = LinesBuilder::default();
    for i in from..from + n {
        b.push(format!("l{i}").as_bytes(), 0);
    }
    s.publish_lines(&mut b).await;
}

/// Decodes messages into (type, seq, lines or count).
fn decode(msgs: &[Utf8Bytes]) -> Vec<(String, u64, Vec<String>)> {
    msgs.iter()
        .map(|m| match Message::decode(m.as_str()).unwrap() {
            Message::Lines(l) => ("lines".into(), l.seq, l.lines),
            Message::Gap(g) => ("gap".into(), g.seq, vec![g.count.to_string()]),
            Message::Event(e) => ("event".into(), 0, vec![e.detail]),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn seqs_are_contiguous_and_backlog_is_exact() {
    let h = hub(100, 1 << 20);
    let s = h.streams()[0].clone();
    publish(&s, 1, 3).await;
    publish(&s, 4, 3).await;
    assert_eq!(s.last_seq(), 6);
    let (_c, last, first) = Cursor::new(s.clone(), Start::Backlog(4));
    assert_eq!(last, 6);
    let d = decode(&first);
    assert_eq!(d, vec![("lines".into(), 3, vec!["l3".into()])]);
    let (mut c, _, first) = Cursor::new(s.clone(), Start::Backlog(0));
    assert!(first.is_empty());
    let mut out = Vec::new();
    assert_eq!(c.poll(&mut out, 1 << 20), Ok(0));
    publish(&s, 7, 1).await;
    c.poll(&mut out, 1 << 20).unwrap();
    assert_eq!(decode(&out), vec![("lines".into(), 7, vec!["l7".into()])]);
}

#[tokio::test]
async fn since_resumes_exactly_and_reports_lost_lines() {
    let h = hub(4, 1 << 20);
    let s = h.streams()[0].clone();
    for i in 0..5 {
        publish(&s, 1 + 2 * i, 2).await;
    }
    // The ring holds lines 7..=10 (two frames).
    let (mut c, _, first) = Cursor::new(s.clone(), Start::Since(7));
    let mut out = first;
    c.poll(&mut out, 1 << 20).unwrap();
    assert_eq!(
        decode(&out),
        vec![
            ("lines".into(), 8, vec!["l8".into()]),
            ("lines".into(), 9, vec!["l9".into(), "l10".into()])
        ]
    );
    // Lines 3..=6 are older than the ring: for the session to read from disk,
    // or, where they are gone, to tell as a gap.
    let (mut c, _, first) = Cursor::new(s.clone(), Start::Since(2));
    assert!(first.is_empty());
    let mut out = Vec::new();
    assert_eq!(
        c.poll(&mut out, 1 << 20),
        Err(Behind {
            from: 3,
            to: 7,
            after: None
        })
    );
    c.skip(7, &mut out);
    c.poll(&mut out, 1 << 20).unwrap();
    let d = decode(&out);
    assert_eq!((d[0].0.as_str(), d[0].1, d[0].2[0].as_str()), ("gap", 3, "4"));
    assert_eq!(d[1].1, 7);
    let (_c, _, first) = Cursor::new(s.clone(), Start::Since(99));
    assert!(first.is_empty());
}

#[tokio::test]
async fn slow_reader_falls_behind_and_continues_exactly_once() {
    let h = hub(4, 1 << 20);
    let s = h.streams()[0].clone();
    let (mut slow, _, _) = Cursor::new(s.clone(), Start::Backlog(0));
    let (mut fast, _, _) = Cursor::new(s.clone(), Start::Backlog(0));
    let mut sink = Vec::new();
    publish(&s, 1, 2).await;
    fast.poll(&mut sink, 1 << 20).unwrap();
    // The slow reader stands at line 1 and stops counting as live.
    tokio::time::sleep(readers::LIVE_WINDOW * 2).await;
    for i in 1..5 {
        publish(&s, 1 + 2 * i, 2).await;
        fast.poll(&mut sink, 1 << 20).unwrap();
    }
    let mut out = Vec::new();
    assert_eq!(
        slow.poll(&mut out, 1 << 20),
        Err(Behind {
            from: 1,
            to: 7,
            after: None
        })
    );
    // Its session sent lines 1..=4 from disk; 5 and 6 come next, after line 4's place.
    let place = |offset| crate::archive::Cursor {
        dev: 1,
        ino: 2,
        head_len: 0,
        head: 0,
        offset,
    };
    slow.took(5, place(30));
    let after = Some(place(30));
    assert_eq!(slow.poll(&mut out, 1 << 20), Err(Behind { from: 5, to: 7, after }));
    slow.took(7, place(50));
    slow.poll(&mut out, 1 << 20).unwrap();
    let d = decode(&out);
    assert_eq!(
        d.iter().map(|d| (d.0.as_str(), d.1)).collect::<Vec<_>>(),
        [("lines", 7), ("lines", 9)]
    );
    assert_eq!(s.counters.from_disk.load(Ordering::Relaxed), 6);
}

#[tokio::test]
async fn publisher_waits_for_the_fastest_reader() {
    let h = hub(4, 1 << 20);
    let s = h.streams()[0].clone();
    let (mut c, _, _) = Cursor::new(s.clone(), Start::Backlog(0));
    publish(&s, 1, 2).await;
    publish(&s, 3, 2).await;
    // The ring is full and the reader took nothing: the next publish waits.
    let blocked = tokio::time::timeout(readers::LIVE_WINDOW / 5, publish(&s, 5, 2)).await;
    assert!(blocked.is_err(), "publish must wait for the reader");
    let mut out = Vec::new();
    c.poll(&mut out, 1 << 20).unwrap();
    tokio::time::timeout(Duration::from_secs(5), publish(&s, 5, 2))
        .await
        .expect("room after the reader took its frames");
    drop(c);
    // Without readers nothing waits.
    for i in 0..10 {
        publish(&s, 7 + i, 1).await;
    }
    assert_eq!(s.last_seq(), 16);
}

#[tokio::test]
async fn events_are_ordered_with_lines() {
    let h = hub(100, 1 << 20);
    let s = h.streams()[0].clone();
    publish(&s, 1, 1).await;
    s.publish_event(EventKind::Rotated, "x").await;
    publish(&s, 2, 1).await;
    let (_c, _, first) = Cursor::new(s.clone(), Start::Since(1));
    assert!(first.is_empty());
    let (mut c, _, _) = Cursor::new(s.clone(), Start::Since(1));
    let mut out = Vec::new();
    c.poll(&mut out, 1 << 20).unwrap();
    let types: Vec<_> = decode(&out).into_iter().map(|d| d.0).collect();
    assert_eq!(types, ["event", "lines"]);
}

#[tokio::test]
async fn history_is_bounded_in_bytes() {
    let h = hub(1_000_000, 64 << 10);
    let s = h.streams()[0].clone();
    for i in 0..1000 {
        publish(&s, 1 + i * 10, 10).await;
    }
    let ring = s.ring();
    let (_, bytes) = ring.held();
    assert!(bytes <= 64 << 10, "{bytes}");
    assert_eq!(ring.next_seq, 10_001);
}

#[tokio::test]
async fn a_stream_added_again_continues_its_seq() {
    let h = hub(100, 1 << 20);
    let s = h.streams()[0].clone();
    publish(&s, 1, 5).await;
    let v = h.version();
    assert!(h.remove("s").is_some());
    assert!(h.stream("s").is_none());
    let c = StreamConfig {
        id: "s".into(),
        path: "/other.log".into(),
        format: Format::Plain,
        history: History {
            lines: 10,
            bytes: 1 << 20,
        },
    };
    let again = h.prepare(&c);
    h.insert(again.clone());
    assert_eq!(again.last_seq(), 5);
    publish(&again, 6, 1).await;
    assert_eq!(again.last_seq(), 6);
    let replaced = h.prepare(&c);
    h.insert(replaced.clone());
    assert_eq!(replaced.last_seq(), 6);
    assert_eq!(h.streams().len(), 1);
    assert!(h.version() > v);
}

#[tokio::test]
async fn a_reader_that_stops_polling_stops_holding_the_publisher_back() {
    let h = hub(4, 1 << 20);
    let s = h.streams()[0].clone();
    let (_stuck, _, _) = Cursor::new(s.clone(), Start::Backlog(0));
    publish(&s, 1, 2).await;
    publish(&s, 3, 2).await;
    let t = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), publish(&s, 5, 2))
        .await
        .expect("the stuck reader stops counting");
    let waited = t.elapsed();
    assert!(
        waited >= readers::LIVE_WINDOW / 2,
        "waited only {waited:?} for a reader that was live"
    );
    assert_eq!(s.last_seq(), 6);
}

#[tokio::test]
async fn since_the_largest_number_neither_overflows_nor_replays() {
    let h = hub(100, 1 << 20);
    let s = h.streams()[0].clone();
    publish(&s, 1, 3).await;
    let (mut c, last, first) = Cursor::new(s.clone(), Start::Since(u64::MAX));
    assert_eq!((last, first.len()), (3, 0));
    publish(&s, 4, 1).await;
    let mut out = Vec::new();
    c.poll(&mut out, 1 << 20).unwrap();
    assert!(out.is_empty(), "the client said it has every line");
}

#[tokio::test]
async fn since_past_the_newest_line_skips_what_is_read_again() {
    // After a restart the daemon reads again lines a client already has.
    let h = hub(100, 1 << 20);
    let s = h.streams()[0].clone();
    publish(&s, 1, 2).await;
    let (mut c, _, first) = Cursor::new(s.clone(), Start::Since(4));
    assert!(first.is_empty());
    publish(&s, 3, 3).await;
    s.publish_event(EventKind::Rotated, "x").await;
    publish(&s, 6, 2).await;
    let mut out = Vec::new();
    c.poll(&mut out, 1 << 20).unwrap();
    let d = decode(&out);
    assert_eq!(d[0], ("lines".into(), 5, vec!["l5".into()]));
    assert_eq!(d[1].0, "event");
    assert_eq!(d[2], ("lines".into(), 6, vec!["l6".into(), "l7".into()]));
}

#[tokio::test]
async fn a_new_page_sees_the_events_of_a_stream_without_lines() {
    let h = hub(100, 1 << 20);
    let s = h.streams()[0].clone();
    s.publish_event(EventKind::Unreadable, "cannot open /s.log: not a regular file (a FIFO)")
        .await;
    let (_c, _, first) = Cursor::new(s.clone(), Start::Backlog(10));
    assert_eq!(decode(&first), vec![]);
    let (mut c, _, _) = Cursor::new(s.clone(), Start::Backlog(10));
    let mut out = Vec::new();
    c.poll(&mut out, 1 << 20).unwrap();
    assert_eq!(decode(&out)[0].0, "event");
    let (mut live, _, _) = Cursor::new(s.clone(), Start::Backlog(0));
    let mut none = Vec::new();
    live.poll(&mut none, 1 << 20).unwrap();
    assert!(none.is_empty());
    publish(&s, 1, 1).await;
    live.poll(&mut none, 1 << 20).unwrap();
    assert_eq!(decode(&none), vec![("lines".into(), 1, vec!["l1".into()])]);
}

#[tokio::test]
async fn a_continued_hub_keeps_its_epoch_and_numbers() {
    let c = StreamConfig {
        id: "s".into(),
        path: "/s.log".into(),
        format: Format::Plain,
        history: History {
            lines: 10,
            bytes: 1 << 20,
        },
    };
    let h = Hub::continuing(&[c], "e-1".into(), &HashMap::from([("s".to_string(), 42)]));
    let s = h.streams()[0].clone();
    assert_eq!((h.epoch.as_str(), s.next_seq()), ("e-1", 42));
    s.start_at(40);
    publish(&s, 40, 2).await;
    assert_eq!(s.last_seq(), 41);
}

#[test]
fn a_change_of_state_or_format_is_a_new_version_and_hello_tells_it() {
    use crate::layout::NginxFormats;
    use crate::protocol::{FormatSource, StreamState};
    let c = StreamConfig {
        id: "s".into(),
        path: "/s.log".into(),
        format: Format::Nginx("main".into()),
        history: History {
            lines: 10,
            bytes: 1 << 20,
        },
    };
    let h = Hub::new(std::slice::from_ref(&c));
    let s = h.streams()[0].clone();
    let v = h.version();
    s.set_status(PathStatus::new(StreamState::Unreadable, "not a regular file (a FIFO)"));
    assert_eq!(h.version(), v + 1);
    s.set_status(PathStatus::new(StreamState::Unreadable, "not a regular file (a FIFO)"));
    assert_eq!(h.version(), v + 1, "the same state again is no change");
    let info = s.info(7);
    assert_eq!((info.seq, info.state), (7, StreamState::Unreadable));
    assert_eq!(info.state_detail, "not a regular file (a FIFO)");
    assert_eq!(
        (info.format.as_str(), info.format_source),
        ("plain", FormatSource::Fallback)
    );
    assert_eq!(info.format_reason, "nginx's configuration has no log_format \"main\"");

    let mut nginx = NginxFormats::builtin();
    nginx
        .formats
        .insert("main".into(), ("$status".into(), layout::Escape::Default));
    assert!(h.set_layouts(std::slice::from_ref(&c), nginx.clone()).is_empty());
    assert_eq!(h.version(), v + 2);
    let info = s.info(7);
    assert_eq!(
        (info.format.as_str(), info.format_source),
        ("nginx:main", FormatSource::Config)
    );
    assert_eq!(info.format_reason, "");
    h.set_layouts(std::slice::from_ref(&c), nginx);
    assert_eq!(h.version(), v + 2, "the same format again is no change");
}

#[tokio::test]
async fn a_fed_stream_skips_lines_it_has_and_tells_a_jump_as_a_gap() {
    let h = hub(100, 1 << 20);
    let s = h.streams()[0].clone();
    let (mut c, _, _) = Cursor::new(s.clone(), Start::Backlog(0));
    assert_eq!(s.publish_at(1, &["a", "b", "c"]).await, 0);
    // A redelivery: lines 2 and 3 are there already, 4 is new.
    assert_eq!(s.publish_at(2, &["b", "c", "d"]).await, 2);
    assert_eq!(s.publish_at(1, &["a"]).await, 1);
    // Lines 5 to 7 never come.
    assert_eq!(s.publish_at(8, &["h"]).await, 0);
    assert_eq!(s.last_seq(), 8);
    let mut out = Vec::new();
    c.poll(&mut out, 1 << 20).unwrap();
    let lines = |seq, l: &[&str]| ("lines".to_string(), seq, l.iter().map(|s| s.to_string()).collect());
    let want = vec![
        lines(1, &["a", "b", "c"]),
        lines(4, &["d"]),
        ("gap".into(), 5, vec!["3".into()]),
        lines(8, &["h"]),
    ];
    assert_eq!(decode(&out), want);
}
