//! A fleet on a real `nats-server -js` (docs/fleet.md): what every fleet
//! test needs (the server, hosts with their files and agents, viewers,
//! and reading what a viewer serves); `delivery.rs` checks that every line
//! arrives exactly once through crashes and outages, `history.rs` a
//! viewer's `/history` of a host, `merged.rs` a search of every host at
//! once, `accounts.rs` the example server
//! configuration's accounts and TLS, `hosts.rs` hosts whose clocks
//! disagree with the viewer's and a host that is retired.
//!
//! Each test is skipped, saying so, only when `nats-server` is not
//! installed (tests/run-all.sh installs Debian's).

mod accounts;
mod delivery;
mod history;
mod hosts;
mod merged;
mod pages;

use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::harness::*;

/// Debian's `nats-server`, in /usr/sbin (not on every user's PATH).
const NATS_SERVER: &str = "/usr/sbin/nats-server";

/// A `nats-server -js` on a free port of loopback, its store in a
/// directory that outlives it (or where its configuration says).
pub struct Nats {
    pub port: u16,
    pub store: TestDir,
    /// The configuration file, if any.
    config: Option<std::path::PathBuf>,
    process: Option<Process>,
}

impl Nats {
    /// Starts it with `config` (a file, else none), or `None` when `nats-server` is not installed.
    pub fn start(config: Option<&Path>) -> Option<Nats> {
        if Command::new(NATS_SERVER).arg("--version").output().is_err() {
            eprintln!("SKIPPED: {NATS_SERVER} is not installed (tests/run-all.sh installs Debian's)");
            return None;
        }
        let mut nats = Nats {
            port: free_port(),
            store: TestDir::new(),
            config: config.map(Path::to_path_buf),
            process: None,
        };
        nats.restart();
        Some(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts it again on the same port and store, and waits until it accepts connections.
    pub fn restart(&mut self) {
        let mut cmd = Command::new(NATS_SERVER);
        match &self.config {
            // Which names JetStream's store itself.
            Some(config) => cmd.arg("-c").arg(config),
            None => cmd.args(["-js", "-sd"]).arg(self.store.root()),
        };
        cmd.args(["-a", "127.0.0.1", "-p", &self.port.to_string()]);
        self.process = Some(Process::spawn(cmd));
        let deadline = Instant::now() + FRAME_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server does not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.signal(Signal::SIGKILL);
            p.wait_exit(FRAME_TIMEOUT);
        }
    }
}

/// One host: its file `access.log`, its state file and its agent's configuration.
/// Its ring holds 50 lines: what it publishes after an outage comes from
/// the files on disk, rotated ones too.
pub struct Host {
    pub name: &'static str,
    pub dir: TestDir,
    /// Every line written so far, in order.
    pub written: Vec<String>,
}

impl Host {
    /// A host of plain lines whose agent has `fleet`, the `[fleet]` section's keys besides `role` and `host`.
    pub fn new(name: &'static str, fleet: &str) -> Host {
        Host::with_format(name, fleet, "plain")
    }

    /// A host whose stream has the built-in `format`.
    pub fn with_format(name: &'static str, fleet: &str, format: &str) -> Host {
        let dir = TestDir::new();
        let (file, state) = (dir.path("access.log"), dir.path("state"));
        std::fs::write(&file, "").unwrap();
        let config = format!(
            "state_file = {state:?}\nhistory_lines = 50\n[[stream]]\nid = \"access\"\npath = {file:?}\n\
             format = \"{format}\"\n\n[fleet]\nrole = \"agent\"\nhost = \"{name}\"\n{fleet}"
        );
        std::fs::write(dir.path("logmon.toml"), config).unwrap();
        Host {
            name,
            dir,
            written: Vec::new(),
        }
    }

    /// Starts its agent.
    pub fn start(&self) -> Daemon {
        self.start_with(&[])
    }

    /// Starts its agent with `env` besides the harness's.
    pub fn start_with(&self, env: &[(&str, &str)]) -> Daemon {
        Daemon::start(&["--config", self.dir.path("logmon.toml").to_str().unwrap()], env)
    }

    /// Appends `n` numbered plain lines.
    pub fn write(&mut self, n: usize) {
        let from = self.written.len();
        self.append((from..from + n).map(|i| format!("{} line {i:06}", self.name)).collect());
    }

    /// Appends `lines`.
    pub fn append(&mut self, lines: Vec<String>) {
        self.dir.append("access.log", &lines);
        self.written.extend(lines);
    }

    /// Renames `access.log` to `access.log.1`, as logrotate does; the next lines go to a new file.
    pub fn rotate(&self) {
        std::fs::rename(self.dir.path("access.log"), self.dir.path("access.log.1")).unwrap();
        std::fs::write(self.dir.path("access.log"), "").unwrap();
    }

    /// Its stream's id on a viewer.
    pub fn id(&self) -> String {
        format!("{}/access", self.name)
    }
}

/// One host, `web-1`, with its agent, and a viewer (its directory kept), on `nats`.
pub struct OneHost {
    /// The `[fleet]` keys that name the server.
    pub servers: String,
    pub host: Host,
    pub agent: Daemon,
    pub dir: TestDir,
    pub view: Daemon,
}

impl OneHost {
    pub fn start(nats: &Nats) -> OneHost {
        let servers = format!("servers = [\"{}\"]\n", nats.url());
        let host = Host::new("web-1", &servers);
        let agent = host.start();
        let dir = TestDir::new();
        let view = viewer(&dir, &servers);
        OneHost {
            servers,
            host,
            agent,
            dir,
            view,
        }
    }
}

/// Starts a viewer in `dir` whose `[fleet]` section has `fleet` besides its role.
pub fn viewer(dir: &TestDir, fleet: &str) -> Daemon {
    let config = dir.path("viewer.toml");
    std::fs::write(&config, format!("[fleet]\nrole = \"viewer\"\n{fleet}")).unwrap();
    Daemon::start(&["--config", config.to_str().unwrap()], &[])
}

/// Every line of every host, read afresh from `viewer`: each exactly once,
/// in the order written, numbered from 1; and `/metrics` counts them all.
pub async fn assert_viewer_has_all(viewer: &Daemon, hosts: &[Host]) {
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
pub async fn wait_all(viewer: &Daemon, hosts: &[Host]) {
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
