//! systemd integration: socket activation, sd_notify, watchdog, reload on SIGHUP,
//! privilege drop, --check-config. Each test runs the real binary.

mod common;

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use nix::sys::signal::Signal;
use tokio_tungstenite::client_async;

/// A notify socket like systemd's: records every datagram the daemon sends.
struct NotifySocket {
    sock: UnixDatagram,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    seen: Vec<(Instant, String)>,
}

impl NotifySocket {
    fn new() -> NotifySocket {
        let dir = tempdir();
        let path = dir.path().join("notify.sock");
        let sock = UnixDatagram::bind(&path).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        NotifySocket {
            sock,
            _dir: dir,
            path,
            seen: Vec::new(),
        }
    }

    /// Collects messages for `dur`.
    fn collect(&mut self, dur: Duration) {
        let end = Instant::now() + dur;
        let mut buf = [0u8; 4096];
        while Instant::now() < end {
            if let Ok(n) = self.sock.recv(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                self.seen.push((Instant::now(), text));
            }
        }
    }

    /// Waits until a message contains `what`; returns that message.
    fn wait_for(&mut self, what: &str, timeout: Duration) -> String {
        let end = Instant::now() + timeout;
        let mut checked = 0;
        loop {
            if let Some((_, m)) = self.seen[checked..].iter().find(|(_, m)| m.contains(what)) {
                return m.clone();
            }
            checked = self.seen.len();
            assert!(
                Instant::now() < end,
                "no {what:?} within {timeout:?}; got {:?}",
                self.messages()
            );
            self.collect(Duration::from_millis(100));
        }
    }

    fn messages(&self) -> Vec<&str> {
        self.seen.iter().map(|(_, m)| m.as_str()).collect()
    }

    fn count_since(&self, what: &str, since: Instant) -> usize {
        self.seen
            .iter()
            .filter(|(t, m)| *t >= since && m.contains(what))
            .count()
    }
}

/// Starts the daemon on `file` with extra environment variables.
fn daemon_with_env(file: &Path, env: &[(&str, &OsString)]) -> Daemon {
    let mut args = base_args();
    args.extend(["--config".into(), "/dev/null".into(), file.into()]);
    Daemon::spawn_env(args, env)
}

/// A daemon on a one-line file, with a notify socket and a 1 s watchdog, plus `env`.
fn watched_daemon(env: &[(&str, &OsString)]) -> (Daemon, NotifySocket, tempfile::TempDir) {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    append_lines(&log, &["a"]);
    let n = NotifySocket::new();
    let path: OsString = n.path.clone().into();
    let usec: OsString = "1000000".into();
    let mut all = vec![("NOTIFY_SOCKET", &path), ("WATCHDOG_USEC", &usec)];
    all.extend_from_slice(env);
    (daemon_with_env(&log, &all), n, dir)
}

#[test]
fn notify_ready_status_reload_stopping_and_watchdog_cadence() {
    let (d, mut n, _dir) = watched_daemon(&[]);
    let ready = n.wait_for("READY=1", Duration::from_secs(10));
    assert!(ready.contains("STATUS=1 streams, 0 clients"), "{ready}");

    let start = Instant::now();
    n.collect(Duration::from_secs(3));
    let pings = n.count_since("WATCHDOG=1", start);
    println!("watchdog pings in 3 s with WATCHDOG_USEC=1s: {pings}");
    assert!(
        (4..=8).contains(&pings),
        "expected a ping every 0.5 s, got {pings} in 3 s"
    );

    d.signal(Signal::SIGHUP);
    let reloading = n.wait_for("RELOADING=1", Duration::from_secs(10));
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    let at = n.seen.iter().position(|(_, m)| m.contains("RELOADING=1")).unwrap();
    n.collect(Duration::from_millis(500));
    assert!(
        n.seen[at + 1..].iter().any(|(_, m)| m.contains("READY=1")),
        "{:?}",
        n.messages()
    );

    d.signal(Signal::SIGTERM);
    n.wait_for("STOPPING=1", Duration::from_secs(10));
}

/// The test hook exists in debug builds only.
#[cfg(debug_assertions)]
#[test]
fn watchdog_pings_stop_when_a_component_hangs() {
    for component in ["follower access", "accept"] {
        let hang: OsString = component.into();
        let (d, mut n, _dir) = watched_daemon(&[("LOGMON_TEST_HANG", &hang)]);
        n.wait_for("READY=1", Duration::from_secs(10));
        // The first check finds everyone alive; the hang starts at the first probe.
        n.collect(Duration::from_secs(1));
        let start = Instant::now();
        n.collect(Duration::from_secs(3));
        let pings = n.count_since("WATCHDOG=1", start);
        println!("{component} hangs: {pings} watchdog pings in 3 s");
        assert_eq!(pings, 0, "pings must stop while {component} hangs");
        assert!(d.output().contains("withholding the watchdog ping"), "{}", d.output());
    }
}

/// A free TCP port on loopback (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs logmon under systemd-socket-activate; returns the child with stderr lines on a channel.
fn socket_activate(listen: &[String], extra: &[&str], file: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut cmd = Command::new("systemd-socket-activate");
    for l in listen {
        cmd.arg("-l").arg(l);
    }
    cmd.args(extra)
        .arg(BIN)
        .args(base_args().iter().skip(2))
        .arg("--config")
        .arg("/dev/null");
    // A configured address that must stay unbound: activation wins.
    let mut child = cmd
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("systemd-socket-activate runs");
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

#[tokio::test]
async fn socket_activation_serves_tcp_and_unix_and_binds_nothing() {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    append_lines(&log, &["before"]);
    let port = free_port();
    let sock = dir.path().join("logmon.sock");
    let listen = [format!("127.0.0.1:{port}"), sock.display().to_string()];
    let (mut child, rx) = socket_activate(&listen, &["--fdname=web:local"], &log);
    std::thread::sleep(Duration::from_millis(500));

    // The first connection starts logmon with both sockets.
    let mut tcp = Client::connect_url(&format!("ws://127.0.0.1:{port}/ws?backlog=1")).await;
    let got = tcp.expect_lines("access", 1, LINES_TIMEOUT).await;
    assert_eq!(got[0].1, "before");
    let stream = tokio::net::UnixStream::connect(&sock).await.unwrap();
    let (mut unix, _) = client_async("ws://localhost/ws?backlog=0", stream).await.unwrap();
    let hello = next_text(&mut unix).await;
    assert!(hello.contains("\"type\":\"hello\""), "{hello}");
    append_lines(&log, &["after"]);
    assert_eq!(tcp.expect_lines("access", 1, LINES_TIMEOUT).await[0].1, "after");
    let frame = next_text(&mut unix).await;
    assert!(frame.contains("\"lines\":[\"after\"]"), "{frame}");

    let logs: Vec<String> = rx.try_iter().collect();
    assert!(
        logs.iter().any(|l| l.contains("using 2 sockets passed by systemd")),
        "{logs:?}"
    );
    // logmon bound nothing itself: the default address is not listening.
    assert!(std::net::TcpStream::connect("127.0.0.1:5051").is_err() || logs.iter().all(|l| !l.contains("5051")));
    assert!(
        logs.iter().all(|l| !l.contains("listening on http://127.0.0.1:5051")),
        "{logs:?}"
    );
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    assert!(child.wait().unwrap().success());
}

/// The next text message of a raw WebSocket.
async fn next_text<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use futures_util::StreamExt;
    loop {
        let msg = tokio::time::timeout(FRAME_TIMEOUT, ws.next())
            .await
            .expect("a frame in time");
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg.expect("open").expect("no error") {
            return t.to_string();
        }
    }
}

#[test]
fn a_datagram_socket_is_refused_clearly() {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    append_lines(&log, &["x"]);
    let port = free_port();
    let (mut child, rx) = socket_activate(&[format!("127.0.0.1:{port}")], &["--datagram"], &log);
    std::thread::sleep(Duration::from_millis(500));
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(b"wake up", ("127.0.0.1", port)).unwrap();
    let status = wait_child(&mut child, Duration::from_secs(20));
    let logs: Vec<String> = rx.try_iter().collect();
    assert_eq!(status.code(), Some(1), "{logs:?}");
    assert!(
        logs.iter().any(|l| l.contains("not a listening stream socket")),
        "{logs:?}"
    );
}

fn wait_child(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let end = Instant::now() + timeout;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("child did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn write_config(path: &Path, streams: &[(&str, &Path)]) {
    let mut text = String::new();
    for (id, file) in streams {
        text.push_str(&format!("[[stream]]\nid = \"{id}\"\npath = \"{}\"\n\n", file.display()));
    }
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn reload_adds_a_stream_and_keeps_clients() {
    let dir = tempdir();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    append_lines(&a, &["a0"]);
    append_lines(&b, &["b0"]);
    let config = dir.path().join("logmon.toml");
    write_config(&config, &[("a", &a)]);
    let mut args = base_args();
    args.extend(["--config".into(), config.clone().into()]);
    let d = Daemon::spawn_raw(args);
    let mut c = Client::connect(&d, "backlog=0").await;
    assert_eq!(c.stream_ids(), ["a"]);

    write_config(&config, &[("a", &a), ("b", &b)]);
    d.signal(Signal::SIGHUP);
    c.wait_hello(FRAME_TIMEOUT).await;
    assert_eq!(c.stream_ids(), ["a", "b"]);
    append_lines(&a, &["a1"]);
    append_lines(&b, &["b1"]);
    assert_eq!(c.expect_lines("a", 1, LINES_TIMEOUT).await[0].1, "a1");
    assert_eq!(c.expect_lines("b", 1, LINES_TIMEOUT).await[0].1, "b1");

    // A broken configuration is refused; the running one goes on.
    std::fs::write(&config, "bogus = 1\n").unwrap();
    d.signal(Signal::SIGHUP);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(d.output().contains("reload refused"), "{}", d.output());
    append_lines(&a, &["a2"]);
    append_lines(&b, &["b2"]);
    assert_eq!(c.expect_lines("a", 1, LINES_TIMEOUT).await[0].1, "a2");
    assert_eq!(c.expect_lines("b", 1, LINES_TIMEOUT).await[0].1, "b2");
}

/// `/proc/PID/status` fields by name.
fn proc_status(pid: i32) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.to_string(), v.trim().to_string())))
        .collect()
}

fn assert_no_privileges(pid: i32) -> std::collections::HashMap<String, String> {
    let st = proc_status(pid);
    for key in ["CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"] {
        assert_eq!(st[key], "0000000000000000", "{key}");
    }
    assert_eq!(st["NoNewPrivs"], "1");
    st
}

#[test]
fn root_drops_every_capability_and_switches_user() {
    if !nix::unistd::Uid::effective().is_root() {
        println!("skipped: needs root");
        return;
    }
    let dir = tempdir();
    let log = dir.path().join("access.log");
    append_lines(&log, &["x"]);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();

    let d = Daemon::with_files(&[&log]);
    let st = assert_no_privileges(d.pid());
    assert!(st["Uid"].starts_with("0\t"), "--allow-root keeps uid 0: {}", st["Uid"]);

    let config = dir.path().join("logmon.toml");
    std::fs::write(
        &config,
        format!(
            "user = \"nobody\"\n[[stream]]\nid = \"a\"\npath = \"{}\"\n",
            log.display()
        ),
    )
    .unwrap();
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let d = Daemon::spawn_raw(vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--config".into(),
        config.into(),
    ]);
    let st = assert_no_privileges(d.pid());
    let uid = nobody.uid.to_string();
    assert_eq!(st["Uid"].split_whitespace().collect::<Vec<_>>(), [uid.as_str(); 4]);
    let gid = nobody.gid.to_string();
    assert_eq!(st["Gid"].split_whitespace().collect::<Vec<_>>(), [gid.as_str(); 4]);
}

#[test]
fn root_without_user_or_allow_root_is_refused() {
    if !nix::unistd::Uid::effective().is_root() {
        println!("skipped: needs root");
        return;
    }
    let args: Vec<OsString> = vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--config".into(),
        "/dev/null".into(),
    ];
    let (status, out) = run_to_exit(&args, Duration::from_secs(20));
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("refusing to run as root"), "{out}");
}

#[test]
fn check_config_exits_0_or_1_with_the_reason() {
    let dir = tempdir();
    let good = dir.path().join("good.toml");
    write_config(&good, &[("a", Path::new("/var/log/a.log"))]);
    let (status, out) = run_to_exit(
        &["--check-config".into(), "--config".into(), good.into()],
        Duration::from_secs(20),
    );
    assert_eq!(status.code(), Some(0), "{out}");
    assert!(out.contains("valid (1 streams)"), "{out}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[stream]]\nid = \"a\"\npath = \"relative.log\"\n").unwrap();
    let (status, out) = run_to_exit(
        &["--check-config".into(), "--config".into(), bad.into()],
        Duration::from_secs(20),
    );
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("line 3") && out.contains("path"), "{out}");
}
