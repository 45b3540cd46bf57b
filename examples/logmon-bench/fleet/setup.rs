//! The fleet's processes for one run, each with a directory of its own in
//! the run's directory: `nats-server -js` on a free loopback port (its file
//! store in `nats/`), one agent per host of [`HOSTS`] (`web-1/`: its log
//! file, its state file and its configuration, with `[fleet] role =
//! "agent"`), a logmon without `[fleet]` configured like an agent
//! otherwise (`plain/`), and the viewer (`viewer/`, `[fleet] role =
//! "viewer"`). Every logmon is the release binary on a free loopback port;
//! the streams are the benchmark's, `nginx-combined`.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::follower;
use crate::servers::{self, Server};
use crate::workload::{self, LineGen};

/// The hosts, one agent each.
pub const HOSTS: [&str; 3] = ["web-1", "web-2", "web-3"];
/// How long the fleet may take to carry a first line from each agent to the viewer.
const PRIME_TIMEOUT: Duration = Duration::from_secs(30);

/// The processes of one run, stopped on drop (nats-server last).
pub struct Fleet {
    /// In the order of [`HOSTS`].
    pub agents: Vec<Server>,
    /// The logmon without `[fleet]`.
    pub plain: Server,
    pub viewer: Server,
    /// The log files: each agent's in the order of [`HOSTS`], then the plain logmon's.
    pub logs: Vec<PathBuf>,
    pub nats: Server,
    /// JetStream's store, kept across a crash of nats-server.
    store: PathBuf,
}

impl Fleet {
    /// Starts every process in `dir`, nats-server first.
    pub async fn start(bin: &Path, dir: &Path) -> io::Result<Fleet> {
        let store = make_dir(dir, "nats")?;
        let nats = servers::start_nats(&store, servers::free_port()?).await?;
        let url = format!("nats://127.0.0.1:{}", nats.port);
        let mut agents = Vec::new();
        let mut logs = Vec::new();
        for host in HOSTS {
            let fleet = format!("[fleet]\nrole = \"agent\"\nhost = {host:?}\nservers = [{url:?}]\n");
            let (agent, log) = start_host(bin, &make_dir(dir, host)?, host, &fleet)?;
            agents.push(agent);
            logs.push(log);
        }
        let (plain, log) = start_host(bin, &make_dir(dir, "plain")?, "plain", "")?;
        logs.push(log);
        let viewer_dir = make_dir(dir, "viewer")?;
        let config = viewer_dir.join("logmon.toml");
        let viewer_toml = format!("log_level = \"info\"\n[fleet]\nrole = \"viewer\"\nservers = [{url:?}]\n");
        std::fs::write(&config, viewer_toml)?;
        let viewer = servers::start_logmon_with(bin, &config, "viewer")?;
        Ok(Fleet {
            agents,
            plain,
            viewer,
            logs,
            nats,
            store,
        })
    }

    /// Each host's stream, as the viewer serves it (`web-1/access`).
    pub fn streams() -> Vec<String> {
        HOSTS.iter().map(|h| format!("{h}/{}", servers::STREAM)).collect()
    }

    /// Writes one line into every file and waits until the viewer serves
    /// each host's stream: a viewer knows a host from its first message.
    pub async fn prime(&self) -> io::Result<()> {
        let mut line = Vec::new();
        LineGen::new(0x9e1e7).push(&mut line, workload::now_ns());
        for log in &self.logs {
            std::io::Write::write_all(&mut workload::open_append(log)?, &line)?;
        }
        for id in Fleet::streams() {
            follower::wait_for_seq(self.viewer.port, &id, 1, PRIME_TIMEOUT).await?;
        }
        Ok(())
    }

    /// Starts nats-server again on its port and store, after a crash.
    pub async fn restart_nats(&mut self) -> io::Result<()> {
        self.nats = servers::start_nats(&self.store, self.nats.port).await?;
        Ok(())
    }

    /// The processes whose CPU a run measures: the agents, the plain
    /// logmon, the viewer, and nats-server when `with_nats`.
    pub fn measured(&self, with_nats: bool) -> Vec<&Server> {
        let mut all: Vec<&Server> = self.agents.iter().collect();
        all.extend([&self.plain, &self.viewer]);
        if with_nats {
            all.push(&self.nats);
        }
        all
    }

    /// The lines each agent published from its files on disk (its `/metrics`), together.
    pub async fn lines_from_disk(&self) -> io::Result<u64> {
        let mut total = 0;
        for agent in &self.agents {
            let metrics = servers::http_get(agent.port, "/metrics").await?;
            total += servers::sample(&metrics, "logmon_lines_from_disk_total");
        }
        Ok(total)
    }
}

fn make_dir(dir: &Path, name: &str) -> io::Result<PathBuf> {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Starts logmon in `dir` on its empty `access.log`, its state in `state`,
/// with `fleet` (a `[fleet]` section, or nothing) after its stream.
fn start_host(bin: &Path, dir: &Path, name: &str, fleet: &str) -> io::Result<(Server, PathBuf)> {
    let log = dir.join("access.log");
    std::fs::write(&log, b"")?;
    let state = dir.join("state").display().to_string();
    let stream = servers::logmon_config(&log, "nginx-combined");
    let config = dir.join("logmon.toml");
    std::fs::write(&config, format!("state_file = {state:?}\n{stream}\n{fleet}"))?;
    Ok((servers::start_logmon_with(bin, &config, name)?, log))
}
