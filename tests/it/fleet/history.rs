//! History across hosts: a viewer's `/history` of `HOST/STREAM` is the
//! page the agent gives for its own stream, asked by request-reply; a
//! refusal comes back as it is, and a host that does not answer is
//! reported at once. A client whose `since=` is older than a viewer's
//! ring gets the lines it missed from the agent, with no gap. A viewer's
//! `/search` of a host's stream is the agent's own search (its matches,
//! its end, its refusals, its exports), relayed piece by piece; when its
//! client leaves, the agent's search stops.

use std::time::Duration;

use super::*;
use crate::search_bounds::{running, stalled_request, wait_running};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_s_history_is_the_agent_s_own() {
    let Some(nats) = Nats::start(None) else { return };
    let OneHost {
        servers,
        mut host,
        agent,
        dir,
        view,
    } = OneHost::start(&nats);
    host.write(300);
    wait_all(&view, std::slice::from_ref(&host)).await;
    for ask in ["before=seq:200&limit=50", "after=seq:250", "around=seq:10&limit=7"] {
        let local = get(&agent, &format!("/history?stream=access&{ask}")).await;
        let fleet = get(&view, &format!("/history?stream=web-1/access&{ask}")).await;
        assert_eq!(local.status, 200, "{}", String::from_utf8_lossy(&local.body));
        assert_eq!((fleet.status, fleet.body), (200, local.body), "{ask}");
    }
    let refused = get(&view, "/history?stream=web-1/nope&before=seq:10").await;
    assert_eq!(refused.status, 400);
    assert!(String::from_utf8_lossy(&refused.body).contains("no stream \"nope\""));
    let silent = get(&view, "/history?stream=web-9/access&before=seq:10").await;
    assert_eq!(silent.status, 504);
    assert!(String::from_utf8_lossy(&silent.body).contains("host web-9 did not answer"));

    // A viewer that keeps 50 lines in memory.
    let small = dir.path("small.toml");
    std::fs::write(
        &small,
        format!(
            "history_lines = 50
[fleet]
role = \"viewer\"\n{servers}"
        ),
    )
    .unwrap();
    let small = Daemon::start(&["--config", small.to_str().unwrap()], &[]);
    wait_all(&small, std::slice::from_ref(&host)).await;
    let mut client = Client::connect(&small, "stream=web-1/access&since=web-1/access:10&stats=0").await;
    let got = client.expect_lines("web-1/access", 290, LINES_TIMEOUT).await;
    assert_exact(&got, &host.written[10..]);
    assert_eq!(got[0].0, 11);
}

/// The lines of an NDJSON search answer, without its progress (which depends on timing).
fn found(body: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(body)
        .lines()
        .filter(|l| !l.starts_with("{\"type\":\"progress\""))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_s_search_is_the_agent_s_own() {
    let Some(nats) = Nats::start(None) else { return };
    let OneHost {
        mut host, agent, view, ..
    } = OneHost::start(&nats);
    host.write(3000);
    host.rotate();
    host.write(2000);
    wait_all(&view, std::slice::from_ref(&host)).await;
    for ask in [
        "q=line%200012",
        "q=line&limit=4000",
        "q=00[0-9]7&regex=1",
        "q=nothing-like-it",
    ] {
        let local = get(&agent, &format!("/search?stream=access&{ask}")).await;
        let fleet = get(&view, &format!("/search?stream=web-1/access&{ask}")).await;
        assert_eq!(local.status, 200, "{}", String::from_utf8_lossy(&local.body));
        assert_eq!(fleet.status, 200, "{}", String::from_utf8_lossy(&fleet.body));
        let (local, fleet) = (found(&local.body), found(&fleet.body));
        assert!(
            local.last().is_some_and(|l| l.starts_with("{\"type\":\"done\"")),
            "{ask}: {local:?}"
        );
        assert_eq!(fleet, local, "{ask}");
    }
    let csv = "/search?stream=web-1/access&q=line%2000001&format=csv";
    let (local, fleet) = (get(&agent, &csv.replace("web-1/", "")).await, get(&view, csv).await);
    assert_eq!((fleet.status, &fleet.body), (200, &local.body), "the export");
    let refused = get(&view, "/search?stream=web-1/access&q=(&regex=1").await;
    assert_eq!(refused.status, 400, "{}", String::from_utf8_lossy(&refused.body));
    let silent = get(&view, "/search?stream=web-9/access&q=x").await;
    assert_eq!(silent.status, 504);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_s_search_whose_client_leaves_stops_on_the_agent() {
    let Some(nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let host = Host::new("web-1", &servers);
    let config = host.dir.path("logmon.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("max_searches = 1\n{text}")).unwrap();
    let agent = host.start();
    let dir = TestDir::new();
    let view = viewer(&dir, &servers);
    // 200,000 matching lines: megabytes of answer, more than the sockets and the relay hold.
    let lines: Vec<String> = (0..200_000)
        .map(|i| format!("web-1 line {i:06} {}", "x".repeat(60)))
        .collect();
    host.dir.append("access.log", &lines);
    let stalled = stalled_request(&view, "stream=web-1/access&q=line&limit=100000").await;
    wait_running(&agent, 1, Duration::from_secs(10)).await;
    let busy = get(&view, "/search?stream=web-1/access&q=x").await;
    assert_eq!(
        busy.status,
        429,
        "the agent's place is held: {}",
        String::from_utf8_lossy(&busy.body)
    );
    drop(stalled);
    wait_running(&agent, 0, Duration::from_secs(10)).await;
    assert_eq!(running(&view).await, 0);
}
