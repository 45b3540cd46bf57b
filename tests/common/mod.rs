//! Shared harness for the integration tests: spawns the `logmon` binary,
//! talks to it over WebSocket and raw HTTP, and writes numbered log lines.
//!
//! Every helper is bounded in time so that a hang fails the test instead of
//! blocking the whole suite.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_logmon");

/// How long the daemon may take to start listening.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound for "these lines must arrive".
pub const LINES_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound for a single expected frame or event.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------
// Daemon
// ---------------------------------------------------------------------------

/// A running `logmon` process. Killed (SIGKILL) and reaped on drop.
pub struct Daemon {
    child: Child,
    /// The HTTP/WebSocket address parsed from the `listening on` line.
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    exited: Option<ExitStatus>,
}

/// Drains one output pipe of the daemon line by line into `log`, and reports
/// the address of the first `listening on http://...` line on `tx`.
fn drain_output<R: Read + Send + 'static>(pipe: R, log: Arc<Mutex<Vec<String>>>, tx: mpsc::Sender<SocketAddr>) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf).trim_end().to_string();
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
            }
        }
    });
}

/// Extracts `HOST:PORT` from a line containing `listening on http://HOST:PORT/`.
pub fn parse_listening(line: &str) -> Option<SocketAddr> {
    let idx = line.find("listening on http://")?;
    let rest = &line[idx + "listening on http://".len()..];
    let end = rest.find('/').unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// Clears the environment variables that would change how the daemon runs
/// (log level, systemd notification, watchdog, socket activation).
pub fn isolated(mut cmd: Command) -> Command {
    for var in [
        "RUST_LOG",
        "NOTIFY_SOCKET",
        "WATCHDOG_USEC",
        "WATCHDOG_PID",
        "LISTEN_FDS",
        "LISTEN_PID",
        "LISTEN_FDNAMES",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Arguments every test run gets: an ephemeral port on loopback, and
/// `--allow-root` when the tests run as root (containers, CI).
pub fn base_args() -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["--listen".into(), "127.0.0.1:0".into()];
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        args.push("--allow-root".into());
    }
    args
}

impl Daemon {
    /// Spawns `logmon --listen 127.0.0.1:0 ARGS...` and waits until it
    /// listens.
    pub fn start<I, S>(args: I) -> Daemon
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut full = base_args();
        full.extend(args.into_iter().map(Into::into));
        Self::spawn_raw(full)
    }

    /// Follows the given files (stream ids come from the file names), with
    /// an empty configuration so that no system-wide one is read.
    pub fn with_files(files: &[&Path]) -> Daemon {
        let mut args: Vec<OsString> = vec!["--config".into(), "/dev/null".into()];
        args.extend(files.iter().map(|p| p.as_os_str().to_owned()));
        Self::start(args)
    }

    /// Writes `toml` to `dir/logmon.toml` and starts with `--config` on it.
    pub fn with_config(dir: &Path, toml: &str) -> Daemon {
        let cfg = dir.join("logmon.toml");
        std::fs::write(&cfg, toml).expect("write config");
        Self::start([OsString::from("--config"), cfg.into_os_string()])
    }

    /// Spawns the binary with exactly `args` and waits for the listening line.
    pub fn spawn_raw(args: Vec<OsString>) -> Daemon {
        Self::spawn_env(args, &[])
    }

    /// Like `spawn_raw`, with extra environment variables.
    pub fn spawn_env(args: Vec<OsString>, env: &[(&str, &OsString)]) -> Daemon {
        let (mut child, log, rx) = spawn_logged(&args, env);

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(addr) => {
                    return Daemon {
                        child,
                        addr,
                        log,
                        exited: None,
                    };
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {}
            }
            if let Ok(Some(status)) = child.try_wait() {
                // Give the drain threads a moment to collect the last output.
                std::thread::sleep(Duration::from_millis(200));
                let out = log.lock().unwrap().join("\n");
                panic!("logmon {args:?} exited with {status} before listening; output:\n{out}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let out = log.lock().unwrap().join("\n");
                panic!("logmon {args:?} did not print `listening on http://` within {START_TIMEOUT:?}; output:\n{out}");
            }
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// `ws://ADDR/ws?QUERY` (no `?` when the query is empty).
    pub fn ws_url(&self, query: &str) -> String {
        if query.is_empty() {
            format!("ws://{}/ws", self.addr)
        } else {
            format!("ws://{}/ws?{}", self.addr, query)
        }
    }

    pub fn signal(&self, sig: Signal) {
        kill(Pid::from_raw(self.pid()), sig).expect("send signal to logmon");
    }

    /// Everything the daemon printed so far (stderr and stdout).
    pub fn output(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits for the process to exit, panicking after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        if let Some(s) = self.exited {
            return s;
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.exited = Some(status);
                return status;
            }
            if Instant::now() > deadline {
                panic!("logmon did not exit within {timeout:?}; output:\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.exited.is_none() && matches!(self.child.try_wait(), Ok(None))
    }

    /// Resident set size in KiB (VmRSS of /proc/PID/status).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("read /proc/PID/status");
        status
            .lines()
            .find_map(|l| {
                let rest = l.strip_prefix("VmRSS:")?;
                rest.split_whitespace().next()?.parse().ok()
            })
            .expect("VmRSS in /proc/PID/status")
    }

    /// The files the process holds open (targets of /proc/PID/fd links).
    pub fn open_files(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{}/fd", self.pid())) else {
            return Vec::new();
        };
        dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    /// Waits until the process holds no file whose path contains `needle`
    /// (e.g. a rotated file it should have let go); fails after `timeout`.
    pub fn wait_released(&self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let held: Vec<String> = self.open_files().into_iter().filter(|f| f.contains(needle)).collect();
            if held.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "logmon still holds {held:?} after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// utime + stime of the whole process, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).expect("read /proc/PID/stat");
        // The command name is in parentheses and may contain spaces: the
        // fields after the last ')' start with field 3 (state).
        let after = &stat[stat.rfind(')').expect("comm in stat") + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // utime is field 14 and stime field 15 (1-based) => 11 and 12 here.
        let utime: u64 = fields[11].parse().expect("utime");
        let stime: u64 = fields[12].parse().expect("stime");
        utime + stime
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            let log = self.log.lock().unwrap();
            let start = log.len().saturating_sub(200);
            eprintln!(
                "---- logmon output (last {} lines) ----\n{}\n---- end of logmon output ----",
                log.len() - start,
                log[start..].join("\n")
            );
        }
    }
}

/// Spawns the binary with its output drained into a log; the channel gets the listening address.
fn spawn_logged(
    args: &[OsString],
    env: &[(&str, &OsString)],
) -> (Child, Arc<Mutex<Vec<String>>>, mpsc::Receiver<SocketAddr>) {
    let mut child = isolated(Command::new(BIN))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {BIN}: {e}"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    drain_output(child.stderr.take().unwrap(), log.clone(), tx.clone());
    drain_output(child.stdout.take().unwrap(), log.clone(), tx);
    (child, log, rx)
}

/// Runs the binary with `args` until it exits (killing it after `timeout`)
/// and returns its status and combined output.
pub fn run_to_exit(args: &[OsString], timeout: Duration) -> (ExitStatus, String) {
    let (mut child, log, _rx) = spawn_logged(args, &[]);
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let out = log.lock().unwrap().join("\n");
            panic!("logmon {args:?} still running after {timeout:?}; output:\n{out}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The pipes close when the process exits; let the drain threads finish.
    std::thread::sleep(Duration::from_millis(200));
    let out = log.lock().unwrap().join("\n");
    (status, out)
}

// ---------------------------------------------------------------------------
// WebSocket client
// ---------------------------------------------------------------------------

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client that sorts incoming frames by stream and checks, for
/// every `lines` frame, that its `seq` continues the previous one exactly.
pub struct Client {
    ws: Ws,
    /// The `hello` frame.
    pub hello: Value,
    pending: HashMap<String, VecDeque<(u64, String)>>,
    next_seq: HashMap<String, u64>,
    /// Every `event` frame received so far, in order.
    pub events: Vec<Value>,
    /// Every frame of an unknown type.
    pub other: Vec<Value>,
    /// Set once the server closed the connection (with its close frame, if any).
    pub closed: Option<Option<CloseFrame>>,
    /// When false (the default) a `gap` frame fails the test at once.
    pub allow_gaps: bool,
    /// Every `gap` frame received (only with `allow_gaps`).
    pub gaps: Vec<Value>,
    /// Number of WebSocket pings received (answered automatically).
    pub pings: usize,
    /// Further `hello` frames received after the first.
    pub hellos: usize,
}

impl Client {
    /// Connects to `/ws?QUERY` and reads the `hello` frame.
    pub async fn connect(d: &Daemon, query: &str) -> Client {
        Self::connect_url(&d.ws_url(query)).await
    }

    /// Connects with `backlog=0` and expects
    /// the first live line of every stream to be hello's `seq` + 1.
    pub async fn connect_live(d: &Daemon) -> Client {
        let mut c = Self::connect(d, "backlog=0").await;
        c.expect_live_from_hello();
        c
    }

    pub async fn connect_url(url: &str) -> Client {
        let (ws, _resp) = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(url))
            .await
            .unwrap_or_else(|_| panic!("connect to {url} timed out"))
            .unwrap_or_else(|e| panic!("connect to {url} failed: {e}"));
        Self::from_ws(ws).await
    }

    /// Wraps an established WebSocket and reads its `hello` frame.
    pub async fn from_ws(ws: Ws) -> Client {
        let mut c = Client {
            ws,
            hello: Value::Null,
            hellos: 0,
            pending: HashMap::new(),
            next_seq: HashMap::new(),
            events: Vec::new(),
            other: Vec::new(),
            closed: None,
            allow_gaps: false,
            gaps: Vec::new(),
            pings: 0,
        };
        let deadline = Instant::now() + FRAME_TIMEOUT;
        let first = c.next_json(deadline).await.expect("no hello frame within timeout");
        assert_eq!(first["type"], "hello", "first frame is not hello: {first}");
        assert_eq!(first["version"], 1, "hello version: {first}");
        c.hello = first;
        c
    }

    /// After a `backlog=0` connect: the next line of each stream must be the
    /// one after hello's `seq`.
    pub fn expect_live_from_hello(&mut self) {
        for s in self.hello["streams"].as_array().expect("hello.streams") {
            let id = s["id"].as_str().expect("stream id").to_string();
            let seq = s["seq"].as_u64().expect("stream seq");
            self.next_seq.insert(id, seq + 1);
        }
    }

    /// hello's `seq` for `stream`.
    pub fn hello_seq(&self, stream: &str) -> u64 {
        self.hello["streams"]
            .as_array()
            .expect("hello.streams")
            .iter()
            .find(|s| s["id"] == stream)
            .unwrap_or_else(|| panic!("stream {stream} not in hello {}", self.hello))["seq"]
            .as_u64()
            .expect("seq")
    }

    /// Ids of the streams announced by hello.
    pub fn stream_ids(&self) -> Vec<String> {
        self.hello["streams"]
            .as_array()
            .expect("hello.streams")
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Reads the next JSON text frame, or None at the deadline / on close.
    async fn next_json(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            if self.closed.is_some() {
                return None;
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            let msg = match tokio::time::timeout(deadline - now, self.ws.next()).await {
                Err(_) => return None,
                Ok(None) => {
                    self.closed = Some(None);
                    return None;
                }
                Ok(Some(Err(e))) => {
                    // A reset after close, or a protocol error: treat as closed.
                    eprintln!("websocket read error: {e}");
                    self.closed = Some(None);
                    return None;
                }
                Ok(Some(Ok(m))) => m,
            };
            match msg {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(t.as_str())
                        .unwrap_or_else(|e| panic!("frame is not JSON ({e}): {}", t.as_str()));
                    return Some(v);
                }
                Message::Binary(b) => panic!("unexpected binary frame of {} bytes", b.len()),
                Message::Close(cf) => {
                    self.closed = Some(cf);
                    return None;
                }
                Message::Ping(_) => self.pings += 1,
                Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// Waits for a further `hello` frame (sent after the streams changed).
    pub async fn wait_hello(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let before = self.hellos;
        while self.hellos == before {
            assert!(self.pump(deadline).await, "no new hello within {timeout:?}");
        }
    }

    /// Reads one frame and files it. Returns false on timeout or close.
    async fn pump(&mut self, deadline: Instant) -> bool {
        let Some(v) = self.next_json(deadline).await else {
            return false;
        };
        match v["type"].as_str() {
            Some("lines") => {
                let stream = v["stream"].as_str().expect("lines.stream").to_string();
                let seq = v["seq"].as_u64().expect("lines.seq");
                let lines = v["lines"].as_array().expect("lines.lines");
                if let Some(&want) = self.next_seq.get(&stream) {
                    assert_eq!(
                        seq,
                        want,
                        "stream {stream}: lines frame starts at seq {seq}, expected {want} \
                         (first line: {:?})",
                        lines.first()
                    );
                }
                let q = self.pending.entry(stream.clone()).or_default();
                for (i, l) in lines.iter().enumerate() {
                    let text = l.as_str().expect("line is a string").to_string();
                    q.push_back((seq + i as u64, text));
                }
                self.next_seq.insert(stream, seq + lines.len() as u64);
            }
            Some("gap") if self.allow_gaps => {
                let stream = v["stream"].as_str().expect("gap.stream").to_string();
                let seq = v["seq"].as_u64().expect("gap.seq");
                let count = v["count"].as_u64().expect("gap.count");
                if let Some(&want) = self.next_seq.get(&stream) {
                    assert_eq!(seq, want, "stream {stream}: gap starts at {seq}, expected {want}");
                }
                self.next_seq.insert(stream, seq + count);
                self.gaps.push(v);
            }
            Some("gap") => panic!("unexpected gap frame: {v}"),
            Some("event") => self.events.push(v),
            // A new hello comes only when the streams change (a reload).
            Some("hello") => {
                assert_eq!(v["epoch"], self.hello["epoch"], "a new hello keeps the epoch");
                self.hello = v;
                self.hellos += 1;
            }
            _ => self.other.push(v),
        }
        true
    }

    /// Waits for exactly the next `n` lines of `stream` and returns them as
    /// (seq, text). Fails on a gap frame, on a seq jump, or at the timeout.
    pub async fn expect_lines(&mut self, stream: &str, n: usize, timeout: Duration) -> Vec<(u64, String)> {
        let deadline = Instant::now() + timeout;
        loop {
            let have = self.pending.get(stream).map_or(0, |q| q.len());
            if have >= n {
                let q = self.pending.get_mut(stream).unwrap();
                return q.drain(..n).collect();
            }
            if !self.pump(deadline).await {
                let q = self.pending.get(stream).cloned().unwrap_or_default();
                let last: Vec<_> = q.iter().rev().take(3).rev().collect();
                panic!(
                    "stream {stream}: expected {n} lines within {timeout:?}, got {} \
                     (closed: {:?}); last received: {last:?}; events: {:?}",
                    q.len(),
                    self.closed,
                    self.events
                );
            }
        }
    }

    /// Waits until at least `min` lines of `stream` are waiting, then takes
    /// all of them.
    pub async fn expect_at_least(&mut self, stream: &str, min: usize, timeout: Duration) -> Vec<(u64, String)> {
        let deadline = Instant::now() + timeout;
        while self.pending_len(stream) < min {
            if !self.pump(deadline).await {
                panic!(
                    "stream {stream}: expected at least {min} lines within {timeout:?}, got {} \
                     (closed: {:?})",
                    self.pending_len(stream),
                    self.closed
                );
            }
        }
        self.pending
            .get_mut(stream)
            .map(|q| q.drain(..).collect())
            .unwrap_or_default()
    }

    /// Like `expect_lines` with the default timeout, returning only the text.
    pub async fn lines(&mut self, stream: &str, n: usize) -> Vec<String> {
        self.expect_lines(stream, n, LINES_TIMEOUT)
            .await
            .into_iter()
            .map(|(_, l)| l)
            .collect()
    }

    /// Reads frames for `dur` and fails if any line of `stream` arrives
    /// (or is already waiting).
    pub async fn expect_no_lines(&mut self, stream: &str, dur: Duration) {
        let deadline = Instant::now() + dur;
        while self.pump(deadline).await {}
        if let Some(q) = self.pending.get(stream) {
            assert!(
                q.is_empty(),
                "stream {stream}: {} unexpected extra lines, first: {:?}",
                q.len(),
                q.front()
            );
        }
    }

    /// Number of lines of `stream` received but not yet taken.
    pub fn pending_len(&self, stream: &str) -> usize {
        self.pending.get(stream).map_or(0, |q| q.len())
    }

    /// Reads whatever arrives within `dur` and takes every pending line of `stream`.
    pub async fn drain_lines(&mut self, stream: &str, dur: Duration) -> Vec<(u64, String)> {
        let deadline = Instant::now() + dur;
        while self.pump(deadline).await {}
        self.pending
            .get_mut(stream)
            .map(|q| q.drain(..).collect())
            .unwrap_or_default()
    }

    /// Waits for an event frame of `stream` with `event == kind` (also
    /// looking at events already received). None at the timeout.
    pub async fn wait_event(&mut self, stream: &str, kind: &str, timeout: Duration) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        let mut seen = 0;
        loop {
            if let Some(e) = self.events[seen..]
                .iter()
                .find(|e| e["stream"] == stream && e["event"] == kind)
            {
                return Some(e.clone());
            }
            seen = self.events.len();
            if !self.pump(deadline).await {
                return None;
            }
        }
    }

    /// Event kinds received so far for `stream`.
    pub fn event_kinds(&self, stream: &str) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["stream"] == stream)
            .map(|e| e["event"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// Reads until the server closes the connection; returns its close frame.
    pub async fn expect_close(&mut self, timeout: Duration) -> Option<CloseFrame> {
        let deadline = Instant::now() + timeout;
        while self.closed.is_none() {
            if !self.pump(deadline).await && self.closed.is_none() {
                panic!("connection not closed within {timeout:?}");
            }
        }
        self.closed.clone().unwrap()
    }

    /// Sends a text message to the server.
    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_string())).await.expect("send text");
    }

    /// Closes the connection from the client side.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.ws.close(None)).await;
    }
}

/// Tries a WebSocket upgrade with an `Origin` header. Returns the HTTP status
/// of a refused upgrade, or 101 when the upgrade succeeded (and hello arrived).
pub async fn ws_status_with_origin(d: &Daemon, origin: Option<&str>) -> u16 {
    let mut req = d.ws_url("backlog=0").into_client_request().expect("request");
    if let Some(o) = origin {
        req.headers_mut()
            .insert("Origin", HeaderValue::from_str(o).expect("origin header"));
    }
    let res = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(req))
        .await
        .expect("upgrade timed out");
    match res {
        Ok((ws, resp)) => {
            let c = Client::from_ws(ws).await;
            c.close().await;
            resp.status().as_u16()
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("unexpected upgrade error: {e}"),
    }
}

// ---------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------

/// Sends `GET path` as-is over a raw TCP connection (no client-side path
/// normalisation) and returns (status, body).
pub async fn raw_get(d: &Daemon, path: &str) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fut = async {
        let mut s = TcpStream::connect(d.addr).await.expect("connect");
        let req = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", d.addr);
        s.write_all(req.as_bytes()).await.expect("write request");
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.expect("read response");
        buf
    };
    let buf = tokio::time::timeout(FRAME_TIMEOUT, fut)
        .await
        .unwrap_or_else(|_| panic!("GET {path} timed out"));
    let head_end = memchr::memmem::find(&buf, b"\r\n\r\n")
        .unwrap_or_else(|| panic!("GET {path}: no header end in {:?}", String::from_utf8_lossy(&buf)));
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let status_line = head.lines().next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("GET {path}: bad status line {status_line:?}"));
    let mut body = buf[head_end + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = memchr::memmem::find(b, b"\r\n") {
        let size_str = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_str.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = (start + size).min(b.len());
        out.extend_from_slice(&b[start..end]);
        b = &b[(end + 2).min(b.len())..];
    }
    out
}

/// Opens a WebSocket by hand on a raw TCP connection (handshake only) and
/// returns the socket without ever reading from it again: a stalled client.
pub async fn stalled_client(d: &Daemon, query: &str) -> TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sock = connect_small_rcvbuf(d.addr).await;
    let mut s = sock;
    let req = format!(
        "GET /ws?{query} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        d.addr
    );
    s.write_all(req.as_bytes()).await.expect("write handshake");
    // Read the response head byte by byte so nothing past it is consumed.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    let deadline = Instant::now() + FRAME_TIMEOUT;
    while !head.ends_with(b"\r\n\r\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::time::timeout(left, s.read_exact(&mut byte))
            .await
            .expect("handshake response timed out")
            .expect("read handshake response");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(
        head.starts_with("HTTP/1.1 101"),
        "stalled client handshake refused: {head}"
    );
    s
}

/// A TCP connection with a small receive buffer so that a client that does
/// not read pushes back on the server quickly.
async fn connect_small_rcvbuf(addr: SocketAddr) -> TcpStream {
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    let _ = sock.set_recv_buffer_size(16 * 1024);
    sock.connect(addr).await.expect("connect stalled client")
}

// ---------------------------------------------------------------------------
// Writing log files
// ---------------------------------------------------------------------------

/// Padding that makes each numbered line ~100 bytes long.
pub const PAD: &str = "abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789-the-quick-brown-fox";

/// `TAG NNNNNN PAD`.
pub fn numbered(tag: &str, i: usize) -> String {
    format!("{tag} {i:06} {PAD}")
}

/// `numbered(tag, i)` for every i in `range`.
pub fn numbered_range(tag: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| numbered(tag, i)).collect()
}

/// A log writer: an O_APPEND file descriptor, like nginx's.
pub struct Writer {
    pub file: File,
    pub path: PathBuf,
}

impl Writer {
    /// Opens (creating if needed) `path` with O_APPEND.
    pub fn open(path: &Path) -> Writer {
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o644)
            .open(path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        Writer {
            file,
            path: path.to_owned(),
        }
    }

    /// Appends raw bytes in one write.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.file.write_all(bytes).expect("write log");
    }

    /// Appends each line followed by `\n`, in one write.
    pub fn lines<S: AsRef<str>>(&mut self, lines: &[S]) {
        let mut buf = Vec::new();
        for l in lines {
            buf.extend_from_slice(l.as_ref().as_bytes());
            buf.push(b'\n');
        }
        self.raw(&buf);
    }

    /// Appends the numbered lines `range` of `tag`, one write per line.
    pub fn numbered_each(&mut self, tag: &str, range: std::ops::Range<usize>) {
        for i in range {
            let l = numbered(tag, i);
            self.raw(format!("{l}\n").as_bytes());
        }
    }

    /// Appends the numbered lines `range` of `tag` in one write.
    pub fn numbered(&mut self, tag: &str, range: std::ops::Range<usize>) {
        self.lines(&numbered_range(tag, range));
    }
}

/// Appends lines to `path` (opening and closing it).
pub fn append_lines<S: AsRef<str>>(path: &Path, lines: &[S]) {
    Writer::open(path).lines(lines);
}

// ---------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------

/// Asserts the seqs of `got` are contiguous.
pub fn assert_contiguous(got: &[(u64, String)]) {
    for w in got.windows(2) {
        assert_eq!(w[1].0, w[0].0 + 1, "seq jump between {:?} and {:?}", w[0], w[1]);
    }
}

/// Asserts `got` holds exactly `want`, in order, with contiguous seq.
pub fn assert_exact(got: &[(u64, String)], want: &[String]) {
    assert_contiguous(got);
    let texts: Vec<&str> = got.iter().map(|(_, l)| l.as_str()).collect();
    if texts.len() != want.len() || texts.iter().zip(want).any(|(a, b)| *a != b.as_str()) {
        let first_diff = texts
            .iter()
            .zip(want)
            .position(|(a, b)| *a != b.as_str())
            .unwrap_or(texts.len().min(want.len()));
        panic!(
            "lines differ: got {} lines, want {}; first difference at index {first_diff}: \
             got {:?}, want {:?}",
            texts.len(),
            want.len(),
            texts.get(first_diff),
            want.get(first_diff)
        );
    }
}

/// Asserts `got` (contiguous seq) is made of exactly the lines of each
/// `(tag, count)` file: every numbered line `TAG 0..count` exactly once, in
/// order within its tag; lines of different tags may interleave.
pub fn assert_per_file_order(got: &[(u64, String)], files: &[(&str, usize)]) {
    assert_contiguous(got);
    let total: usize = files.iter().map(|(_, n)| n).sum();
    let mut next: HashMap<&str, usize> = files.iter().map(|(t, _)| (*t, 0)).collect();
    for (seq, line) in got {
        let tag = line.split(' ').next().unwrap_or("");
        let Some(n) = next.get_mut(tag) else {
            panic!("seq {seq}: line of unknown origin {line:?}");
        };
        let want = numbered(tag, *n);
        assert_eq!(
            line, &want,
            "seq {seq}: file {tag:?} out of order or duplicated (expected its line {n})"
        );
        *n += 1;
    }
    for (tag, count) in files {
        assert_eq!(next[tag], *count, "file {tag:?}: got {} of {count} lines", next[tag]);
    }
    assert_eq!(got.len(), total);
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("logmon-test-")
        .tempdir()
        .expect("tempdir")
}
