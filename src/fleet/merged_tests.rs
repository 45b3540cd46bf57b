//! The merge of hosts' search answers, without NATS: pieces of NDJSON in,
//! the merged lines out.

use super::*;

fn m(text: &str, time: u64) -> String {
    format!("{{\"type\":\"match\",\"text\":\"{text}\",\"cursor\":\"c-{text}\",\"time\":{time}}}\n")
}

fn done(matches: u64, scanned: u64, extra: &str) -> String {
    format!(
        "{{\"type\":\"done\",\"matches\":{matches},\"scanned\":{scanned},\"total\":{scanned},\"truncated\":false{extra}}}\n"
    )
}

/// The items written so far, taken out of `merge.out`.
fn taken(merge: &mut Merge) -> Vec<SearchItem> {
    let out = std::mem::take(&mut merge.out);
    let text = String::from_utf8(out).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn texts(items: &[SearchItem]) -> Vec<String> {
    let text = |i: &SearchItem| match i {
        SearchItem::Match { text, stream, .. } => Some(format!("{}:{text}", stream.as_deref().unwrap())),
        _ => None,
    };
    items.iter().filter_map(text).collect()
}

fn two_hosts(limit: u64) -> Merge {
    let mut merge = Merge::new(limit);
    assert_eq!(merge.add("web-1", "access"), 0);
    assert_eq!(merge.add("web-2", "access"), 1);
    merge
}

#[test]
fn matches_are_merged_newest_first_and_wait_for_every_host() {
    let mut merge = two_hosts(100);
    let now = Instant::now();
    merge.feed(0, format!("{}{}", m("a9", 9), m("a5", 5)).as_bytes());
    assert!(!merge.emit_ready(now));
    assert_eq!(
        texts(&taken(&mut merge)),
        Vec::<String>::new(),
        "web-2 may have newer ones"
    );
    assert!(merge.needs(1) && !merge.needs(0));
    // A piece cut in the middle of a line.
    let piece = format!("{}{}", m("b7", 7), m("b6", 6));
    merge.feed(1, &piece.as_bytes()[..piece.len() - 10]);
    assert!(!merge.emit_ready(now));
    assert_eq!(texts(&taken(&mut merge)), ["web-1/access:a9", "web-2/access:b7"]);
    assert!(merge.needs(1), "b6 is not whole yet");
    merge.feed(1, &piece.as_bytes()[piece.len() - 10..]);
    assert!(!merge.emit_ready(now));
    assert_eq!(texts(&taken(&mut merge)), ["web-2/access:b6"]);
    assert!(merge.needs(1), "web-2's next may still be newer than a5");
    merge.feed(1, done(2, 300, "").as_bytes());
    merge.feed(0, format!("{}{}", m("a1", 1), done(3, 200, "")).as_bytes());
    assert!(merge.emit_ready(now));
    let items = taken(&mut merge);
    assert_eq!(texts(&items), ["web-1/access:a5", "web-1/access:a1"]);
    let n = items.len();
    let SearchItem::Progress { scanned, hosts, .. } = &items[n - 2] else {
        panic!("{items:?}")
    };
    assert_eq!(*scanned, 500);
    assert!(hosts.iter().all(|h| h.done), "{hosts:?}");
    assert_eq!(
        items[n - 1],
        SearchItem::Done {
            matches: 5,
            scanned: 500,
            total: 500,
            truncated: false,
            budget: None,
            failed: vec![],
        }
    );
}

#[test]
fn the_limit_ends_the_merged_answer() {
    let mut merge = two_hosts(3);
    merge.feed(0, format!("{}{}{}", m("a9", 9), m("a8", 8), m("a2", 2)).as_bytes());
    merge.feed(1, format!("{}{}", m("b7", 7), m("b1", 1)).as_bytes());
    assert!(merge.emit_ready(Instant::now()));
    let items = taken(&mut merge);
    assert_eq!(texts(&items), ["web-1/access:a9", "web-1/access:a8", "web-2/access:b7"]);
    let Some(SearchItem::Done { matches, truncated, .. }) = items.last() else {
        panic!("{items:?}")
    };
    assert_eq!((*matches, *truncated), (3, true));
}

#[test]
fn a_host_that_fails_is_named_and_the_others_go_on() {
    let mut merge = Merge::new(100);
    merge.add("web-1", "access");
    merge.add("web-2", "access");
    merge.add("web-3", "access");
    merge.fail(1, "host web-2 did not answer: timed out");
    let failed_file = ",\"failed\":[\"access.log.2.gz: corrupt deflate data\"]";
    merge.feed(0, format!("{}{}", m("a3", 3), done(1, 10, failed_file)).as_bytes());
    merge.feed(2, m("c4", 4).as_bytes());
    assert!(!merge.emit_ready(Instant::now()));
    merge.ended(2);
    assert!(merge.emit_ready(Instant::now()));
    let items = taken(&mut merge);
    assert_eq!(texts(&items), ["web-3/access:c4", "web-1/access:a3"]);
    let Some(SearchItem::Done { truncated, failed, .. }) = items.last() else {
        panic!("{items:?}")
    };
    assert!(*truncated);
    assert_eq!(
        failed,
        &[
            "web-1: access.log.2.gz: corrupt deflate data",
            "web-2: host web-2 did not answer: timed out",
            "web-3: its answer ended without its end",
        ]
    );
}

#[test]
fn progress_is_written_at_most_every_100_ms_with_every_host_s() {
    let mut merge = two_hosts(100);
    let t0 = Instant::now();
    merge.feed(0, b"{\"type\":\"progress\",\"scanned\":10,\"total\":100}\n");
    merge.emit_ready(t0);
    merge.feed(1, b"{\"type\":\"progress\",\"scanned\":5,\"total\":50}\n");
    merge.emit_ready(t0 + Duration::from_millis(50));
    let items = taken(&mut merge);
    assert_eq!(items.len(), 1, "{items:?}");
    merge.emit_ready(t0 + Duration::from_millis(100));
    let items = taken(&mut merge);
    let [SearchItem::Progress { scanned, total, hosts }] = &items[..] else {
        panic!("{items:?}")
    };
    assert_eq!((*scanned, *total), (15, 150));
    let each: Vec<_> = hosts
        .iter()
        .map(|h| (h.host.as_str(), h.scanned, h.total, h.done))
        .collect();
    assert_eq!(each, [("web-1", 10, 100, false), ("web-2", 5, 50, false)]);
}

#[test]
fn a_host_s_query_names_its_stream() {
    let q = host_query("stream=*%2Faccess&q=a+b&limit=5", "web-2", "access");
    assert_eq!(q, "stream=web-2%2Faccess&q=a+b&limit=5");
}
