//! History of every host at once: a viewer's `/history?stream=*/access`
//! merges every host's pages by time. From a jump, paging back to the
//! oldest line and forward to the newest reads every line of every host's
//! files exactly once, in time order; a client's own place made of each
//! host's line number pages back as the viewer's does; a host that is gone
//! is named while the others' lines come.

use serde_json::Value;

use super::*;

/// Lines per host (`timed_hosts`: every time is unique across hosts, so
/// the merged order is the times' order).
const LINES: u64 = 400;

async fn page(view: &Daemon, query: &str) -> Value {
    let answer = get(view, &format!("/history?stream=*/access&{query}")).await;
    let body = String::from_utf8_lossy(&answer.body);
    assert_eq!(answer.status, 200, "{query}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// (time, stream, text) of a page's lines.
fn lines(page: &Value) -> Vec<(u64, String, String)> {
    (page["lines"].as_array().unwrap().iter())
        .map(|l| {
            let stream = l["stream"].as_str().expect("each line names its host's stream");
            (
                l["time"].as_u64().unwrap(),
                stream.into(),
                l["text"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn cursor(page: &Value, key: &str) -> Option<String> {
    page[key]
        .as_str()
        .map(|s| form_urlencoded::byte_serialize(s.as_bytes()).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_every_host_from_a_jump_reads_their_files_once_by_time() {
    let Some(nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let (t0, hosts, mut agents) = timed_hosts(&servers, LINES, |k, i| format!("/{k}/{i}"));
    let dir = TestDir::new();
    let view = viewer(&dir, &servers);
    wait_all(&view, &hosts).await;
    let mut want: Vec<(u64, String, String)> = (hosts.iter().enumerate())
        .flat_map(|(k, h)| {
            (h.written.iter().enumerate()).map(move |(i, l)| (t0 + 3 * i as u64 + k as u64, h.id(), l.clone()))
        })
        .collect();
    want.sort();

    // A jump lands on the first line at its time, of whichever host.
    let at = t0 + 3 * 150 + 1;
    let first = page(&view, &format!("at={at}&limit=100")).await;
    let index = first["index"].as_u64().unwrap() as usize;
    let got = lines(&first);
    assert_eq!(got.len(), 100);
    assert_eq!((got[index].0, got[index].1.as_str()), (at, "web-2/access"));
    let from = want.iter().position(|w| w.0 == at).unwrap();
    assert_eq!(got, want[from - index..from - index + 100]);

    // Back to the oldest line and forward to the newest: every line once, by time.
    let mut all = got;
    let mut before = cursor(&first, "before");
    while let Some(gaps) = before {
        let older = page(&view, &format!("before={gaps}&limit=70")).await;
        all.splice(0..0, lines(&older));
        before = cursor(&older, "before");
    }
    let mut after = cursor(&first, "after");
    while let Some(gaps) = after {
        let newer = page(&view, &format!("after={gaps}&limit=70")).await;
        assert!(newer["lines"].as_array().unwrap().len() <= 70);
        all.extend(lines(&newer));
        after = cursor(&newer, "after");
    }
    assert_eq!(all.len(), want.len());
    assert_eq!(all, want, "every host's every line, once, by time");

    // A place of the client's own: each host's line number, as the live view knows them.
    let seqs = &first["lines"].as_array().unwrap();
    let mut own = Vec::new();
    for host in &hosts {
        let oldest = seqs.iter().find(|l| l["stream"] == host.id().as_str()).unwrap();
        own.push(format!(
            "{}:-seq:{}",
            host.name,
            oldest["seq"].as_u64().expect("a numbered line")
        ));
    }
    let by_seq = page(&view, &format!("before={}&limit=70", own.join(","))).await;
    let by_cursor = page(&view, &format!("before={}&limit=70", cursor(&first, "before").unwrap())).await;
    assert_eq!(lines(&by_seq), lines(&by_cursor));

    // Bad places are refused, naming what is wrong.
    for (query, why) in [
        ("around=x", "at="),
        ("before=web-9:-seq:1", "no host"),
        ("before=web-1:seq:1", "HOST:-PLACE"),
        ("before=web-1:-0badcafe", "web-1: "),
        ("at=0&limit=0", "limit="),
    ] {
        let answer = get(&view, &format!("/history?stream=*/access&{query}")).await;
        let body = String::from_utf8_lossy(&answer.body);
        assert_eq!(answer.status, 400, "{query}: {body}");
        assert!(body.contains(why), "{query}: {body}");
    }
    assert_eq!(get(&view, "/history?stream=*/nope&at=0").await.status, 400);

    // A host whose agent is gone: named, and the others' lines come.
    drop(agents.remove(1));
    let without = page(&view, &format!("at={at}&limit=60")).await;
    let failed = without["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{without}");
    assert!(
        failed[0].as_str().unwrap().starts_with("host web-2 did not answer"),
        "{without}"
    );
    let got = lines(&without);
    assert_eq!(got.len(), 60);
    assert!(got.iter().all(|l| l.1 != "web-2/access"));
    let others: Vec<_> = want.iter().filter(|w| w.1 != "web-2/access").cloned().collect();
    let from = others.iter().position(|w| w.0 >= at).unwrap();
    assert_eq!(got, others[from - 30..from + 30]);
}

/// Many merged pages asked at once, of hosts whose lines are 6 KiB: each
/// answer is at most the hosts' pages (512 KiB each), and the viewer's
/// memory stays within a few pages, however many wait for their turn
/// (two merged pages at once on the viewer, one page at a time on each
/// agent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_merged_pages_at_once_stay_within_their_bounds() {
    let Some(nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let long = "x".repeat(6 << 10);
    let (t0, hosts, _agents) = timed_hosts(&servers, 1_000, |k, i| format!("/{k}/{i}/{long}"));
    let dir = TestDir::new();
    let view = viewer(&dir, &servers);
    wait_all(&view, &hosts).await;
    page(&view, "at=0&limit=10").await;
    // The peak from here on (what the lines' arrival took is not this test's).
    view.reset_peak();
    let rest = view.rss_kib() >> 10;

    let asks = (0..40u64).map(|n| {
        let query = format!("/history?stream=*/access&at={}&limit=5000", t0 + 70 * n);
        let view = &view;
        async move { get(view, &query).await }
    });
    let started = Instant::now();
    let answers = futures_util::future::join_all(asks).await;
    let took = started.elapsed();
    let peak = view.peak_mib();
    let largest = answers.iter().map(|a| a.body.len()).max().unwrap();
    eprintln!(
        "40 merged pages: {took:.1?}, the largest {} KiB; viewer {rest} MiB at rest, peak {peak} MiB",
        largest >> 10
    );
    for a in &answers {
        assert_eq!(
            a.status,
            200,
            "{}",
            String::from_utf8_lossy(&a.body[..a.body.len().min(200)])
        );
        let lines = serde_json::from_slice::<Value>(&a.body).unwrap()["lines"]
            .as_array()
            .unwrap()
            .len();
        assert!(
            (1..5000).contains(&lines),
            "{lines} lines: each host's page stops at its bytes"
        );
    }
    assert!(
        largest <= 3 * (600 << 10),
        "{largest} bytes: more than three hosts' pages"
    );
    assert!(peak <= rest + 32, "peak {peak} MiB, {rest} MiB at rest");
}
