//! A search of every host at once: a viewer's `/search?stream=*/access`
//! is every host's search of its own files, merged newest first by time,
//! each match naming its host's stream; it equals `grep` over all hosts'
//! files, in time order. A host that cannot answer is named in the `done`
//! line while the others' matches still come; a refusal of every host is
//! the answer's status.

use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::search_bounds::{running, stalled_request, wait_running};

/// Lines per host (`timed_hosts`: every time is unique across hosts, so
/// the merged order is the times' order).
const LINES: u64 = 600;

fn items(body: &[u8]) -> Vec<Value> {
    let text = String::from_utf8_lossy(body);
    text.lines().map(|l| serde_json::from_str(l).expect(l)).collect()
}

fn of_type<'a>(items: &'a [Value], kind: &str) -> Vec<&'a Value> {
    items.iter().filter(|i| i["type"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_of_every_host_is_grep_over_their_files_by_time() {
    let Some(nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let names = ["web-1", "web-2", "web-3"];
    let (t0, hosts, mut agents) = timed_hosts(&servers, LINES, |k, i| format!("/{}/{}/{i}", names[k], tag(i)));
    let dir = TestDir::new();
    let view = viewer(&dir, &servers);
    wait_all(&view, &hosts).await;

    // grep over every host's files, newest first.
    let mut want: Vec<(u64, String, String)> = (hosts.iter().enumerate())
        .flat_map(|(k, h)| {
            let hit = h.written.iter().enumerate().filter(|(_, l)| l.contains("/hit/"));
            hit.map(move |(i, l)| (t0 + 3 * i as u64 + k as u64, h.id(), l.clone()))
        })
        .collect();
    want.sort_by_key(|w| std::cmp::Reverse(w.0));

    let answer = get(&view, "/search?stream=*/access&q=/hit/&limit=100000").await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let got = items(&answer.body);
    let matches = of_type(&got, "match");
    let seen: Vec<(u64, String, String)> = (matches.iter())
        .map(|m| {
            (
                m["time"].as_u64().unwrap(),
                m["stream"].as_str().unwrap().into(),
                m["text"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(seen.len(), want.len());
    assert_eq!(seen, want, "every host's matches, newest first");
    let done = got.last().unwrap();
    assert_eq!(done["type"], "done", "{done}");
    assert_eq!(
        (done["matches"].as_u64(), done["truncated"].as_bool()),
        (Some(want.len() as u64), Some(false))
    );
    let last_progress = of_type(&got, "progress").pop().expect("a progress line");
    let per_host = last_progress["hosts"].as_array().expect("each host's progress");
    assert_eq!(per_host.len(), 3, "{last_progress}");
    assert!(
        per_host.iter().all(|h| h["done"] == true && h["scanned"] == h["total"]),
        "{last_progress}"
    );

    // A match opens in context on its own host's stream.
    let m = matches[7];
    let around = format!(
        "/history?stream={}&around={}&limit=1",
        m["stream"].as_str().unwrap(),
        m["cursor"].as_str().unwrap()
    );
    let page: Value = serde_json::from_slice(&get(&view, &around).await.body).unwrap();
    assert_eq!(
        page["lines"][page["index"].as_u64().unwrap() as usize]["text"],
        m["text"]
    );

    // The limit: the newest 10, and the answer says more were left.
    let ten = items(&get(&view, "/search?stream=*/access&q=/hit/&limit=10").await.body);
    let texts: Vec<&str> = of_type(&ten, "match")
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    let newest: Vec<&str> = want[..10].iter().map(|w| w.2.as_str()).collect();
    assert_eq!(texts, newest);
    assert_eq!(ten.last().unwrap()["truncated"], true);

    // The export has each match's stream.
    let csv = get(&view, "/search?stream=*/access&q=/hit/&limit=100000&format=csv").await;
    let csv = String::from_utf8(csv.body).unwrap();
    assert!(csv.starts_with("time,stream,cursor,text\r\n"), "{}", &csv[..100]);
    assert_eq!(csv.lines().count(), want.len() + 1);
    assert!(
        csv.lines().nth(1).unwrap().contains("\"web-3/access\""),
        "the newest line is web-3's"
    );

    // Refused by every host: their refusal; no such stream anywhere: 400.
    let bad = get(&view, "/search?stream=*/access&q=(&regex=1").await;
    assert_eq!(bad.status, 400, "{}", String::from_utf8_lossy(&bad.body));
    assert!(String::from_utf8_lossy(&bad.body).starts_with("web-1: "));
    assert_eq!(get(&view, "/search?stream=*/nope&q=x").await.status, 400);

    // A host whose agent is gone: named, and the others' matches come.
    drop(agents.remove(1));
    let answer = get(&view, "/search?stream=*/access&q=/hit/&limit=100000").await;
    let got = items(&answer.body);
    let others: Vec<&(u64, String, String)> = want.iter().filter(|w| w.1 != "web-2/access").collect();
    assert_eq!(of_type(&got, "match").len(), others.len());
    let done = got.last().unwrap();
    assert_eq!(done["truncated"], true);
    let failed = done["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{done}");
    assert!(
        failed[0]
            .as_str()
            .unwrap()
            .starts_with("web-2: host web-2 did not answer"),
        "{done}"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(running(&view).await, 0, "the viewer's place is given back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_of_every_host_holds_one_place_and_bounded_memory_and_its_client_leaving_stops_every_host() {
    let Some(nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let hosts = [Host::new("web-1", &servers), Host::new("web-2", &servers)];
    let agents: Vec<Daemon> = hosts.iter().map(Host::start).collect();
    let dir = TestDir::new();
    let config = dir.path("viewer.toml");
    std::fs::write(
        &config,
        format!("max_searches = 1\n[fleet]\nrole = \"viewer\"\n{servers}"),
    )
    .unwrap();
    let view = Daemon::start(&["--config", config.to_str().unwrap()], &[]);
    // 200,000 matching lines a host: megabytes of answer, more than the sockets, the relays and the merge hold.
    for host in &hosts {
        let lines: Vec<String> = (0..200_000)
            .map(|i| format!("{} line {i:06} {}", host.name, "x".repeat(60)))
            .collect();
        host.dir.append("access.log", &lines);
    }
    wait_all(&view, &[]).await;
    let deadline = Instant::now() + LINES_TIMEOUT;
    while !String::from_utf8(get(&view, "/healthz").await.body)
        .unwrap()
        .contains("web-2/access")
    {
        assert!(Instant::now() < deadline, "the viewer never served web-2/access");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The peak from here on: what the stalled search holds.
    view.reset_peak();
    let rest = view.rss_kib() >> 10;
    let stalled = stalled_request(&view, "stream=*/access&q=line&limit=100000").await;
    for agent in &agents {
        wait_running(agent, 1, Duration::from_secs(10)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let peak = view.peak_mib();
    eprintln!("a stalled search of 2 hosts with 200,000 matches each: viewer {rest} MiB at rest, peak {peak} MiB");
    assert!(
        peak <= rest + 16,
        "peak {peak} MiB, {rest} MiB at rest: about 2 MiB a host"
    );
    assert_eq!(running(&view).await, 1, "one place on the viewer");
    let busy = get(&view, "/search?stream=*/access&q=x").await;
    assert_eq!(busy.status, 429, "{}", String::from_utf8_lossy(&busy.body));
    drop(stalled);
    for agent in &agents {
        wait_running(agent, 0, Duration::from_secs(10)).await;
    }
    wait_running(&view, 0, Duration::from_secs(10)).await;
}

/// Every third line is a hit.
fn tag(i: u64) -> &'static str {
    if i % 3 == 0 { "hit" } else { "miss" }
}
