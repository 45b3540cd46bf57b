//! The servers under test, started as real processes: logmon's release
//! binary, frontail 4.9.2 installed from npm into the target directory,
//! and Debian's `nats-server` for the fleet.

use std::fs;
use std::io::{self, BufRead, BufReader};
use std::net::TcpListener;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::procfs::{self, Usage};

/// How long a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a server may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// The frontail version compared against (pinned in `examples/logmon-bench/package.json`).
pub const FRONTAIL_VERSION: &str = "4.9.2";
/// The id of the one stream logmon is configured with.
pub const STREAM: &str = "access";
/// Debian's `nats-server` (in /usr/sbin, not on every user's PATH).
pub const NATS_SERVER: &str = "/usr/sbin/nats-server";

/// A running server process, stopped (SIGTERM, then SIGKILL) on drop.
pub struct Server {
    child: Child,
    pub port: u16,
    /// Count the CPU of child processes too (frontail's `tail -F`).
    with_children: bool,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn usage(&self) -> Usage {
        let pid = self.pid();
        let u = if self.with_children {
            procfs::usage_with_children(pid)
        } else {
            procfs::usage(pid)
        };
        u.unwrap_or_default()
    }

    /// SIGKILL, as a crash: the process has no chance to flush or say goodbye.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(self.pid() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts logmon on `log` with its default history, its lines in `format`
/// (`nginx-combined`: parsed and counted; `plain`: neither); waits for `listening on`.
pub fn start_logmon(bin: &Path, dir: &Path, log: &Path, format: &str) -> io::Result<Server> {
    let config = dir.join("logmon.toml");
    fs::write(&config, logmon_config(log, format))?;
    start_logmon_with(bin, &config, "logmon")
}

/// The configuration of [`start_logmon`]: the one stream [`STREAM`] of `log` in `format`.
pub fn logmon_config(log: &Path, format: &str) -> String {
    format!(
        "log_level = \"info\"\n[[stream]]\nid = {STREAM:?}\npath = {:?}\nformat = {format:?}\n",
        log.display().to_string()
    )
}

/// Starts logmon with the configuration file `config` on a free loopback
/// port; waits for `listening on`. Its warnings are passed on as `name`'s.
pub fn start_logmon_with(bin: &Path, config: &Path, name: &str) -> io::Result<Server> {
    let mut cmd = Command::new(bin);
    cmd.args(["--listen", "127.0.0.1:0", "--config"]).arg(config);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // The daemon refuses root unless told; the benchmark measures, it does not deploy.
        cmd.arg("--allow-root");
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", bin.display())))?;
    let (tx, rx) = mpsc::channel();
    drain_stderr(child.stderr.take().expect("piped"), name.to_string(), tx);
    let port = match rx.recv_timeout(START_TIMEOUT) {
        Ok(port) => port,
        Err(_) => {
            let _ = child.kill();
            let status = child.wait()?;
            return Err(io::Error::other(format!("{name} did not start listening ({status})")));
        }
    };
    Ok(Server {
        child,
        port,
        with_children: false,
    })
}

/// Reads the daemon's log until it closes: reports the port of `listening on
/// http://127.0.0.1:PORT/` and passes warnings and errors on as `name`'s.
fn drain_stderr(pipe: impl io::Read + Send + 'static, name: String, tx: mpsc::Sender<u16>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(port) = listening_port(&line) {
                let _ = tx.send(port);
            } else if line.contains("WARN") || line.contains("ERROR") || !line.starts_with('[') {
                eprintln!("{name}: {line}");
            }
        }
    });
}

fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("listening on http://").nth(1)?;
    let hostport = rest.split('/').next()?;
    hostport.rsplit_once(':')?.1.parse().ok()
}

/// Installs frontail into `<target>/bench-frontail` with `npm ci` (once) and
/// returns its entry script.
pub fn install_frontail(target_dir: &Path, lock_dir: &Path) -> io::Result<PathBuf> {
    let dir = target_dir.join("bench-frontail");
    let script = dir.join("node_modules/frontail/bin/frontail");
    let installed = dir.join("node_modules/frontail/package.json");
    let lock = fs::read(lock_dir.join("package-lock.json"))?;
    let up_to_date = fs::read(dir.join("package-lock.json")).is_ok_and(|l| l == lock)
        && fs::read_to_string(&installed).is_ok_and(|p| p.contains(&format!("\"version\": \"{FRONTAIL_VERSION}\"")));
    if up_to_date {
        return Ok(script);
    }
    fs::create_dir_all(&dir)?;
    fs::copy(lock_dir.join("package.json"), dir.join("package.json"))?;
    fs::write(dir.join("package-lock.json"), &lock)?;
    eprintln!("installing frontail {FRONTAIL_VERSION} into {} (npm ci)", dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        // Keep stdout for the table.
        .stdout(io::stderr().as_fd().try_clone_to_owned()?)
        .status()?;
    if !status.success() {
        return Err(io::Error::other(format!("npm ci failed ({status})")));
    }
    Ok(script)
}

/// Starts frontail on `log` (a free loopback port, usage stats off) and
/// waits until it answers HTTP.
pub async fn start_frontail(script: &Path, log: &Path) -> io::Result<Server> {
    let port = free_port()?;
    let child = Command::new("node")
        .arg(script)
        .args(["--disable-usage-stats", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let server = Server {
        child,
        port,
        with_children: true,
    };
    wait_listening(server, "frontail").await
}

/// Whether Debian's `nats-server` is installed.
pub fn nats_installed() -> bool {
    Command::new(NATS_SERVER).arg("--version").output().is_ok()
}

/// Starts `nats-server -js` on loopback's `port`, JetStream's file store
/// in `store` (the same port and store start it again after a crash), and
/// waits until it accepts connections.
pub async fn start_nats(store: &Path, port: u16) -> io::Result<Server> {
    let child = Command::new(NATS_SERVER)
        .args(["-js", "-sd"])
        .arg(store)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("{NATS_SERVER}: {e}")))?;
    let server = Server {
        child,
        port,
        with_children: false,
    };
    wait_listening(server, "nats-server").await
}

/// Returns `server` once its port accepts connections.
async fn wait_listening(server: Server, name: &str) -> io::Result<Server> {
    let deadline = Instant::now() + START_TIMEOUT;
    while TcpStream::connect(("127.0.0.1", server.port)).await.is_err() {
        if Instant::now() > deadline {
            return Err(io::Error::other(format!("{name} did not start listening")));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(server)
}

/// The socket.io namespace frontail's page joins (`io.connect('/NSP', ...)`).
pub async fn frontail_namespace(port: u16) -> io::Result<String> {
    let page = http_get(port, "/").await?;
    let nsp = page
        .split("io.connect('")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| io::Error::other("no socket.io namespace in frontail's page"))?;
    Ok(nsp.to_string())
}

/// A port of loopback that nothing listens on now.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A bare HTTP/1.1 GET on loopback; returns the body.
pub async fn http_get(port: u16, path: &str) -> io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).await?;
    let text = String::from_utf8_lossy(&resp);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok(body.to_string())
}

/// The value of the first sample named `name` in a `/metrics` body (0 if none).
pub fn sample(metrics: &str, name: &str) -> u64 {
    let line = metrics.lines().find(|l| l.starts_with(name) && !l.starts_with('#'));
    line.and_then(|l| l.rsplit(' ').next()?.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_listening_port() {
        let line = "[2026-11-24T11:00:00Z INFO  logmon] listening on http://127.0.0.1:43121/";
        assert_eq!(super::listening_port(line), Some(43121));
    }
}
