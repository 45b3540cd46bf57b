//! History across hosts: a viewer's `/history` of `HOST/STREAM` is the
//! page the agent gives for its own stream, asked by request-reply; a
//! refusal comes back as it is, and a host that does not answer is
//! reported at once. A client whose `since=` is older than a viewer's
//! ring gets the lines it missed from the agent, with no gap.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_s_history_is_the_agent_s_own() {
    let Some(nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let mut host = Host::new("web-1", &servers);
    let agent = host.start();
    let dir = TestDir::new();
    let view = viewer(&dir, &servers);
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
