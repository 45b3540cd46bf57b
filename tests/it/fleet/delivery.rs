//! Delivery (docs/fleet.md): three agents, each
//! a logmon with its own file and state, and two viewers. Every line
//! reaches each viewer exactly once, in order and with the agent's
//! numbers, through `kill -9` of an agent, of a viewer and of
//! `nats-server` (its store on disk), with NATS unreachable while a file
//! is written and rotated; a client resumes with `since=` on the other
//! viewer with no duplicate; each viewer's `/metrics` counts every line.
//! And NATS away for a minute while a file is written and rotated twice:
//! the agent keeps following, and publishes the minute's lines from the
//! three files they are in once NATS is back.

use std::time::Duration;

use logmon::protocol::EventKind;

use nix::sys::signal::Signal;

use super::*;

const HOSTS: [&str; 3] = ["web-1", "web-2", "web-3"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_reaches_every_viewer_exactly_once_through_crashes_and_outages() {
    let Some(mut nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let mut hosts: Vec<Host> = HOSTS.iter().map(|h| Host::new(h, &servers)).collect();
    let mut agents: Vec<Daemon> = hosts.iter().map(Host::start).collect();
    let (dir_a, dir_b) = (TestDir::new(), TestDir::new());
    let mut viewer_a = viewer(&dir_a, &servers);
    let viewer_b = viewer(&dir_b, &servers);
    for host in &mut hosts {
        host.write(300);
    }
    wait_all(&viewer_a, &hosts).await;
    wait_all(&viewer_b, &hosts).await;

    // A client reads part of web-1 on one viewer and resumes on the other.
    let id = hosts[0].id();
    let mut first = Client::connect(&viewer_a, &format!("stream={id}&backlog=100000&stats=0")).await;
    let part = first.expect_lines(&id, 120, LINES_TIMEOUT).await;
    let mut resumed = Client::connect(&viewer_b, &format!("stream={id}&since={id}:120&stats=0")).await;
    assert_eq!(
        first.hello.epoch, resumed.hello.epoch,
        "every viewer has the same epoch"
    );
    let rest = resumed.expect_lines(&id, 180, LINES_TIMEOUT).await;
    assert_exact(&[part, rest].concat(), &hosts[0].written);

    // kill -9 of an agent; its lines written meanwhile are published after its restart.
    agents[0].signal(Signal::SIGKILL);
    agents[0].wait_exit(FRAME_TIMEOUT);
    hosts[0].write(200);
    agents[0] = hosts[0].start();
    hosts[0].write(50);
    wait_all(&viewer_b, &hosts).await;

    // kill -9 of a viewer: the new one reads everything again from JetStream.
    viewer_a.signal(Signal::SIGKILL);
    viewer_a.wait_exit(FRAME_TIMEOUT);
    viewer_a = viewer(&dir_a, &servers);

    // kill -9 of nats-server; NATS is unreachable while the files are written and rotated.
    nats.kill();
    for host in &mut hosts {
        host.write(200);
    }
    hosts[1].rotate();
    hosts[1].write(150);
    tokio::time::sleep(Duration::from_secs(2)).await;
    hosts[2].write(100);
    nats.restart();
    for host in &mut hosts {
        host.write(25);
    }
    wait_all(&viewer_a, &hosts).await;
    wait_all(&viewer_b, &hosts).await;
    assert_viewer_has_all(&viewer_a, &hosts).await;
    assert_viewer_has_all(&viewer_b, &hosts).await;
    // Whether an agent takes its lines of the outage from memory (publishes
    // held by the client and sent on reconnection) or from disk (after a
    // publish timed out) depends on when its publishes fail; exactly once
    // holds either way (above). Together the agents read from disk; the
    // minute-long outage below proves it of one agent.
    let mut from_disk = Vec::new();
    for agent in &agents {
        from_disk.push(lines_from_disk(agent).await);
    }
    let total: u64 = from_disk.iter().sum();
    assert!(total >= 100, "the agents published {from_disk:?} lines from disk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_away_for_a_minute_while_the_file_is_written_and_rotated_twice() {
    let Some(mut nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let mut host = Host::new("web-1", &servers);
    let agent = host.start();
    let dir = TestDir::new();
    let view = viewer(&dir, &servers);
    host.write(100);
    wait_all(&view, std::slice::from_ref(&host)).await;

    nats.kill();
    for second in 1..=60 {
        host.write(20);
        if second % 20 == 0 && second < 60 {
            // access.log.1 becomes access.log.2, as logrotate shifts them.
            let (one, two) = (host.dir.path("access.log.1"), host.dir.path("access.log.2"));
            if one.exists() {
                std::fs::rename(one, two).unwrap();
            }
            host.rotate();
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    nats.restart();
    host.write(10);
    wait_all(&view, std::slice::from_ref(&host)).await;
    assert_viewer_has_all(&view, std::slice::from_ref(&host)).await;
    // A minute is far past a publish's timeout: most of the 1,200 lines
    // written meanwhile were read back from the three files.
    let from_disk = lines_from_disk(&agent).await;
    assert!(from_disk >= 600, "the agent published {from_disk} lines from disk");
}

/// An agent's count of lines it published from disk (its `/metrics`).
async fn lines_from_disk(agent: &Daemon) -> u64 {
    let body = String::from_utf8(get(agent, "/metrics").await.body).unwrap();
    let n = body
        .lines()
        .find_map(|l| l.strip_prefix("logmon_lines_from_disk_total{stream=\"access\"} "));
    n.and_then(|n| n.parse().ok()).expect("lines from disk in /metrics")
}

/// An agent's streams number their lines from 1 in the same epoch: each
/// message's de-duplication id names its subject, so the first messages
/// of two streams are not taken for each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stream_of_an_agent_arrives_whole() {
    let Some(nats) = Nats::start(None) else { return };
    let servers = format!("servers = [\"{}\"]\n", nats.url());
    let mut host = Host::new("web-1", &servers);
    let config = host.dir.path("logmon.toml");
    let errors = host.dir.path("error.log");
    std::fs::write(&errors, "").unwrap();
    let second = format!("[[stream]]\nid = \"error\"\npath = {errors:?}\nformat = \"plain\"\n\n[fleet]");
    let text = std::fs::read_to_string(&config).unwrap().replace("[fleet]", &second);
    std::fs::write(&config, text).unwrap();
    let _agent = host.start();
    let dir = TestDir::new();
    let view = viewer(&dir, &servers);
    let error_lines: Vec<String> = (0..100).map(|i| format!("web-1 error {i:06}")).collect();
    for round in 0..5 {
        host.write(20);
        host.dir.append("error.log", &error_lines[round * 20..round * 20 + 20]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_all(&view, std::slice::from_ref(&host)).await;
    assert_viewer_has_all(&view, std::slice::from_ref(&host)).await;
    let mut client = Client::connect(&view, "stream=web-1/error&backlog=100000&stats=0").await;
    let got = client.expect_lines("web-1/error", 100, LINES_TIMEOUT).await;
    assert_exact(&got, &error_lines);
}

/// An agent's events come to the viewer's clients between the lines they
/// sat between: a rotation, the file missing, and the file back; and the
/// viewer's `/metrics` counts the rotation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_s_events_reach_the_viewer_s_clients() {
    let Some(nats) = Nats::start(None) else { return };
    let OneHost {
        mut host,
        view,
        agent: _agent,
        ..
    } = OneHost::start(&nats);
    host.write(10);
    wait_all(&view, std::slice::from_ref(&host)).await;
    let id = host.id();
    let mut client = Client::connect(&view, &format!("stream={id}&backlog=100&stats=0")).await;
    let first = client.expect_lines(&id, 10, LINES_TIMEOUT).await;
    host.rotate();
    let rotated = client.wait_event(&id, EventKind::Rotated, LINES_TIMEOUT).await;
    assert!(
        rotated.is_some_and(|e| e.detail.contains("access.log")),
        "{:?}",
        client.events
    );
    host.write(10);
    let second = client.expect_lines(&id, 10, LINES_TIMEOUT).await;
    assert_exact(&[first, second].concat(), &host.written);
    std::fs::remove_file(host.dir.path("access.log")).unwrap();
    assert!(
        client
            .wait_event(&id, EventKind::Missing, LINES_TIMEOUT)
            .await
            .is_some()
    );
    std::fs::write(host.dir.path("access.log"), "").unwrap();
    assert!(
        client
            .wait_event(&id, EventKind::Created, LINES_TIMEOUT)
            .await
            .is_some()
    );
    host.write(5);
    let third = client.expect_lines(&id, 5, LINES_TIMEOUT).await;
    assert_eq!(third[0].0, 21, "numbers go on after the events");
    let metric = format!("logmon_rotations_total{{stream=\"{id}\"}} 1");
    let body = String::from_utf8(get(&view, "/metrics").await.body).unwrap();
    assert!(body.lines().any(|l| l == metric), "no {metric:?}");
}

/// An agent reloaded with another format for its stream: the viewer's
/// stream takes the new layout with the next message, and its clients get
/// a new `hello` that says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_s_new_format_reaches_the_viewer() {
    let Some(nats) = Nats::start(None) else { return };
    let OneHost {
        mut host, agent, view, ..
    } = OneHost::start(&nats);
    host.write(5);
    wait_all(&view, std::slice::from_ref(&host)).await;
    let id = host.id();
    let mut client = Client::connect(&view, &format!("stream={id}&backlog=0&stats=0")).await;
    assert_eq!(client.info(&id).layout.kind, "plain");
    let config = host.dir.path("logmon.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("format = \"plain\"", "format = \"nginx-combined\""),
    )
    .unwrap();
    agent.signal(Signal::SIGHUP);
    // A line every 100 ms: those the agent reads after its reload carry the new layout.
    let file = host.dir.path("access.log");
    let writer = tokio::spawn(async move {
        loop {
            let line = combined_at(unix_now(), "/after-reload") + "\n";
            let mut f = std::fs::OpenOptions::new().append(true).open(&file).unwrap();
            std::io::Write::write_all(&mut f, line.as_bytes()).unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    while client.info(&id).layout.kind != "text" {
        client.wait_hello(LINES_TIMEOUT).await;
    }
    writer.abort();
    assert_eq!(client.info(&id).format, "nginx-combined");
}
