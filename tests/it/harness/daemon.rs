//! Starting the `logmon` binary (`env!("CARGO_BIN_EXE_logmon")`) and
//! watching it: its output line by line, the address it listens on, its
//! exit. A process is killed and reaped when the test drops it.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_logmon");

/// How long the daemon may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Environment variables that change how logmon runs (log level, systemd
/// notification, watchdog, socket activation): removed unless a test sets them.
const ISOLATED_VARS: [&str; 7] = [
    "RUST_LOG",
    "NOTIFY_SOCKET",
    "WATCHDOG_USEC",
    "WATCHDOG_PID",
    "LISTEN_FDS",
    "LISTEN_PID",
    "LISTEN_FDNAMES",
];

/// The output of a process, one entry per line, stdout and stderr merged.
type Log = Arc<Mutex<Vec<String>>>;

/// A child process whose output is kept. Killed and reaped on drop; when
/// the test is failing, its last output is printed.
pub struct Process {
    child: Child,
    what: String,
    log: Log,
    drains: Vec<JoinHandle<()>>,
    listening: mpsc::Receiver<SocketAddr>,
    exited: Option<ExitStatus>,
}

impl Process {
    /// Spawns `cmd` with piped output and without the variables of `ISOLATED_VARS`
    /// it does not set itself.
    pub fn spawn(mut cmd: Command) -> Process {
        for var in ISOLATED_VARS {
            if !cmd.get_envs().any(|(k, _)| k == var) {
                cmd.env_remove(var);
            }
        }
        let what = format!("{cmd:?}");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {what}: {e}"));
        let log = Log::default();
        let (tx, listening) = mpsc::channel();
        let drains = vec![
            drain(child.stderr.take().unwrap(), log.clone(), tx.clone()),
            drain(child.stdout.take().unwrap(), log.clone(), tx),
        ];
        Process {
            child,
            what,
            log,
            drains,
            listening,
            exited: None,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, sig: Signal) {
        kill(Pid::from_raw(self.pid()), sig).expect("send signal to logmon");
    }

    /// Stops the process (SIGSTOP) and waits until every one of its
    /// threads is stopped: the signal is only queued when `kill` returns.
    pub fn stop(&self) {
        self.signal(Signal::SIGSTOP);
        let tasks = format!("/proc/{}/task", self.pid());
        let stopped = || {
            std::fs::read_dir(&tasks).unwrap().flatten().all(|t| {
                let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
                // The state follows the command's closing parenthesis.
                stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('T'))
            })
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !stopped() {
            assert!(Instant::now() < deadline, "logmon did not stop");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Everything the process printed so far (stderr and stdout).
    pub fn output(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits for the process to exit, panicking after `timeout`; then lets
    /// the output it printed last arrive.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        while self.exited.is_none() {
            self.exited = self.child.try_wait().expect("try_wait");
            if self.exited.is_none() {
                assert!(
                    Instant::now() < deadline,
                    "{} did not exit within {timeout:?}; output:\n{}",
                    self.what,
                    self.output()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let settled = Instant::now() + Duration::from_secs(2);
        while !self.drains.iter().all(JoinHandle::is_finished) && Instant::now() < settled {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.exited.unwrap()
    }

    /// Waits for the first `listening on http://ADDR/` line; fails if the
    /// process exits first or stays silent for `START_TIMEOUT`.
    fn wait_listening(&mut self) -> SocketAddr {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(addr) = self.listening.recv_timeout(Duration::from_millis(100)) {
                return addr;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.wait_exit(Duration::ZERO);
                panic!(
                    "{} exited with {status} before listening; output:\n{}",
                    self.what,
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} did not print `listening on http://` within {START_TIMEOUT:?}; output:\n{}",
                self.what,
                self.output()
            );
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            let log = self.log.lock().unwrap();
            let start = log.len().saturating_sub(200);
            eprintln!(
                "---- output of {} (last {} lines) ----\n{}\n---- end of output ----",
                self.what,
                log.len() - start,
                log[start..].join("\n")
            );
        }
    }
}

/// Reads one output pipe line by line into `log`, and sends the address of
/// every `listening on http://...` line on `tx`.
fn drain<R: Read + Send + 'static>(pipe: R, log: Log, tx: mpsc::Sender<SocketAddr>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        while matches!(reader.read_until(b'\n', &mut buf), Ok(n) if n > 0) {
            let line = String::from_utf8_lossy(&buf).trim_end().to_string();
            buf.clear();
            if let Some(addr) = parse_listening(&line) {
                let _ = tx.send(addr);
            }
            let mut log = log.lock().unwrap();
            // Keep memory bounded even if the daemon is chatty.
            if log.len() > 20_000 {
                log.drain(..10_000);
            }
            log.push(line);
        }
    })
}

/// Extracts `HOST:PORT` from a line containing `listening on http://HOST:PORT/`.
fn parse_listening(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find("listening on http://")? + "listening on http://".len()..];
    let end = rest.find('/').unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// `logmon ARGS...` with `env`.
fn logmon<S: AsRef<OsStr>>(args: &[S], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).envs(env.iter().copied());
    cmd
}

/// `--allow-root` when the tests run as root (containers, CI), else nothing.
pub fn root_args() -> &'static [&'static str] {
    if nix::unistd::Uid::effective().is_root() {
        &["--allow-root"]
    } else {
        &[]
    }
}

/// Arguments every test daemon gets: an ephemeral port on loopback, and
/// `root_args()`.
pub fn base_args() -> Vec<&'static str> {
    let mut args = vec!["--listen", "127.0.0.1:0"];
    args.extend(root_args());
    args
}

/// Runs logmon with exactly `args` until it exits (failing after `timeout`);
/// its exit status and output.
pub fn run_to_exit<S: AsRef<OsStr>>(args: &[S], timeout: Duration) -> (ExitStatus, String) {
    let mut process = Process::spawn(logmon(args, &[]));
    let status = process.wait_exit(timeout);
    (status, process.output())
}

/// A running logmon that listens on `addr`; the `Process` methods (signals,
/// output, /proc readings) apply to it.
pub struct Daemon {
    process: Process,
    /// The HTTP/WebSocket address of its `listening on` line.
    pub addr: SocketAddr,
}

impl Daemon {
    /// Starts `logmon` with `base_args()`, then `args`, and waits until it listens.
    pub fn start<S: AsRef<OsStr>>(args: &[S], env: &[(&str, &str)]) -> Daemon {
        let mut all: Vec<&OsStr> = base_args().into_iter().map(OsStr::new).collect();
        all.extend(args.iter().map(AsRef::as_ref));
        Self::spawn(&all, env)
    }

    /// Starts `logmon` with exactly `args` and waits until it listens.
    pub fn spawn<S: AsRef<OsStr>>(args: &[S], env: &[(&str, &str)]) -> Daemon {
        let mut process = Process::spawn(logmon(args, env));
        let addr = process.wait_listening();
        Daemon { process, addr }
    }

    /// `ws://ADDR/ws?QUERY` (no `?` when the query is empty).
    pub fn ws_url(&self, query: &str) -> String {
        match query {
            "" => format!("ws://{}/ws", self.addr),
            _ => format!("ws://{}/ws?{query}", self.addr),
        }
    }
}

impl Deref for Daemon {
    type Target = Process;

    fn deref(&self) -> &Process {
        &self.process
    }
}

impl DerefMut for Daemon {
    fn deref_mut(&mut self) -> &mut Process {
        &mut self.process
    }
}
