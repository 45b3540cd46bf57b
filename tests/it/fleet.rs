//! A fleet on a real `nats-server -js` (docs/fleet.md): three agents, each
//! a logmon with its own file and state, and two viewers. Every line
//! reaches each viewer exactly once, in order and with the agent's
//! numbers, through `kill -9` of an agent, of a viewer and of
//! `nats-server` (its store on disk), with NATS unreachable while a file
//! is written and rotated; a client resumes with `since=` on the other
//! viewer with no duplicate; each viewer's `/metrics` counts every line.
//!
//! Skipped, saying so, only when `nats-server` is not installed
//! (tests/run-all.sh installs it).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::harness::*;

const HOSTS: [&str; 3] = ["web-1", "web-2", "web-3"];
/// Debian's `nats-server`, in /usr/sbin (not on every user's PATH).
const NATS_SERVER: &str = "/usr/sbin/nats-server";

/// A `nats-server -js` on a free port of loopback, its store in a directory that outlives it.
struct Nats {
    port: u16,
    store: TestDir,
    process: Option<Process>,
}

impl Nats {
    /// Starts it, or `None` when `nats-server` is not installed.
    fn start() -> Option<Nats> {
        if Command::new(NATS_SERVER).arg("--version").output().is_err() {
            eprintln!("SKIPPED: {NATS_SERVER} is not installed (tests/run-all.sh installs Debian's)");
            return None;
        }
        let mut nats = Nats {
            port: free_port(),
            store: TestDir::new(),
            process: None,
        };
        nats.restart();
        Some(nats)
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts it again on the same port and store, and waits until it accepts connections.
    fn restart(&mut self) {
        let mut cmd = Command::new(NATS_SERVER);
        let port = self.port.to_string();
        cmd.args(["-js", "-a", "127.0.0.1", "-p", &port, "-sd"])
            .arg(self.store.root());
        self.process = Some(Process::spawn(cmd));
        let deadline = Instant::now() + FRAME_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server does not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.signal(Signal::SIGKILL);
            p.wait_exit(FRAME_TIMEOUT);
        }
    }
}

/// One host: its file `access.log`, its state file and its configuration.
/// Its ring holds 50 lines: what it publishes after an outage comes from
/// the files on disk, rotated ones too.
struct Host {
    name: &'static str,
    dir: TestDir,
    /// Every line written so far, in order.
    written: Vec<String>,
}

impl Host {
    fn new(name: &'static str, nats: &Nats) -> Host {
        let dir = TestDir::new();
        let (file, state) = (dir.path("access.log"), dir.path("state"));
        std::fs::write(&file, "").unwrap();
        let config = format!(
            "state_file = {state:?}\nhistory_lines = 50\n[[stream]]\nid = \"access\"\npath = {file:?}\n\
             format = \"plain\"\n\n\
             [fleet]\nrole = \"agent\"\nservers = [\"{}\"]\nhost = \"{name}\"\n",
            nats.url()
        );
        std::fs::write(dir.path("logmon.toml"), config).unwrap();
        Host {
            name,
            dir,
            written: Vec::new(),
        }
    }

    fn start(&self) -> Daemon {
        Daemon::start(&["--config", self.dir.path("logmon.toml").to_str().unwrap()], &[])
    }

    fn write(&mut self, n: usize) {
        let from = self.written.len();
        let lines: Vec<String> = (from..from + n).map(|i| format!("{} line {i:06}", self.name)).collect();
        self.dir.append("access.log", &lines);
        self.written.extend(lines);
    }

    /// Renames `access.log` to `access.log.1`, as logrotate does; the next lines go to a new file.
    fn rotate(&self) {
        std::fs::rename(self.dir.path("access.log"), self.dir.path("access.log.1")).unwrap();
        std::fs::write(self.dir.path("access.log"), "").unwrap();
    }

    fn id(&self) -> String {
        format!("{}/access", self.name)
    }
}

fn viewer(nats: &Nats, dir: &TestDir) -> Daemon {
    let config: PathBuf = dir.path("viewer.toml");
    let text = format!("[fleet]\nrole = \"viewer\"\nservers = [\"{}\"]\n", nats.url());
    std::fs::write(&config, text).unwrap();
    Daemon::start(&["--config", config.to_str().unwrap()], &[])
}

/// Every line of every host, read afresh from `viewer`: each exactly once,
/// in the order written, numbered from 1; and `/metrics` counts them all.
async fn assert_viewer_has_all(viewer: &Daemon, hosts: &[Host]) {
    for host in hosts {
        let id = host.id();
        let query = format!("stream={id}&backlog=100000&stats=0");
        let mut client = Client::connect(viewer, &query).await;
        let got = client.expect_lines(&id, host.written.len(), LINES_TIMEOUT).await;
        assert_eq!(got.first().map(|l| l.0), Some(1), "{id} starts at line 1");
        assert_exact(&got, &host.written);
        client.expect_no_lines(&id, Duration::from_millis(300)).await;
        let metric = format!("logmon_lines_read_total{{stream=\"{id}\"}} {}", host.written.len());
        let deadline = Instant::now() + FRAME_TIMEOUT;
        loop {
            let body = String::from_utf8(get(viewer, "/metrics").await.body).unwrap();
            if body.lines().any(|l| l == metric) {
                break;
            }
            assert!(Instant::now() < deadline, "no {metric:?} in:\n{body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Waits until `viewer` serves every line written so far.
async fn wait_all(viewer: &Daemon, hosts: &[Host]) {
    for host in hosts {
        let id = host.id();
        let deadline = Instant::now() + LINES_TIMEOUT;
        loop {
            let client = Client::connect(viewer, "backlog=0&stats=0").await;
            let have = client.hello.streams.iter().find(|s| s.id == id).map_or(0, |s| s.seq);
            if have >= host.written.len() as u64 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{id}: {have} of {} lines",
                host.written.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_reaches_every_viewer_exactly_once_through_crashes_and_outages() {
    let Some(mut nats) = Nats::start() else { return };
    let mut hosts: Vec<Host> = HOSTS.iter().map(|h| Host::new(h, &nats)).collect();
    let mut agents: Vec<Daemon> = hosts.iter().map(Host::start).collect();
    let (dir_a, dir_b) = (TestDir::new(), TestDir::new());
    let mut viewer_a = viewer(&nats, &dir_a);
    let viewer_b = viewer(&nats, &dir_b);
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
    viewer_a = viewer(&nats, &dir_a);

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
    for agent in &agents {
        let body = String::from_utf8(get(agent, "/metrics").await.body).unwrap();
        let from_disk = body
            .lines()
            .find_map(|l| l.strip_prefix("logmon_lines_from_disk_total{stream=\"access\"} "));
        let from_disk: u64 = from_disk
            .and_then(|n| n.parse().ok())
            .expect("lines from disk in /metrics");
        assert!(from_disk >= 100, "the agent published {from_disk} lines from disk");
    }
}
