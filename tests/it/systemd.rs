//! systemd integration: sd_notify and the watchdog, socket activation,
//! reload on SIGHUP, and the privilege drop. Each test runs the real binary.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::harness::*;

#[test]
fn notify_ready_status_reload_stopping_and_watchdog_cadence() {
    let (fx, mut n) = watched_daemon(&[]);
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

    fx.signal(Signal::SIGHUP);
    let reloading = n.wait_for("RELOADING=1", Duration::from_secs(10));
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    n.collect(Duration::from_millis(500));
    assert!(n.followed_by("RELOADING=1", "READY=1"), "{:?}", n.messages());

    fx.signal(Signal::SIGTERM);
    n.wait_for("STOPPING=1", Duration::from_secs(10));
}

/// The test hook exists in debug builds only.
#[cfg(debug_assertions)]
#[test]
fn watchdog_pings_stop_when_a_component_hangs() {
    for component in ["follower access", "accept"] {
        let (fx, mut n) = watched_daemon(&[("LOGMON_TEST_HANG", component)]);
        n.wait_for("READY=1", Duration::from_secs(10));
        // The first check finds everyone alive; the hang starts at the first probe.
        n.collect(Duration::from_secs(1));
        let start = Instant::now();
        n.collect(Duration::from_secs(3));
        let pings = n.count_since("WATCHDOG=1", start);
        println!("{component} hangs: {pings} watchdog pings in 3 s");
        assert_eq!(pings, 0, "pings must stop while {component} hangs");
        assert!(fx.output().contains("withholding the watchdog ping"), "{}", fx.output());
    }
}

#[tokio::test]
async fn socket_activation_serves_tcp_and_unix_and_binds_nothing() {
    let dir = TestDir::new();
    dir.append("access.log", &["before"]);
    let port = free_port();
    let sock = dir.path("logmon.sock");
    let listen = [format!("127.0.0.1:{port}"), sock.display().to_string()];
    let mut activated = socket_activate(&listen, &["--fdname=web:local"], &dir.path("access.log"));
    std::thread::sleep(Duration::from_millis(500));

    // The first connection starts logmon with both sockets.
    let mut tcp = Client::connect_url(&format!("ws://127.0.0.1:{port}/ws?backlog=1")).await;
    let got = tcp.expect_lines("access", 1, LINES_TIMEOUT).await;
    assert_eq!(got[0].1, "before");
    let mut unix = Client::connect_unix(&sock, "backlog=0").await;
    unix.expect_live_from_hello();
    dir.append("access.log", &["after"]);
    assert_eq!(tcp.expect_lines("access", 1, LINES_TIMEOUT).await[0].1, "after");
    assert_eq!(unix.expect_lines("access", 1, LINES_TIMEOUT).await[0].1, "after");

    let logs = activated.output();
    assert!(logs.contains("using 2 sockets passed by systemd"), "{logs}");
    // logmon bound nothing itself: the default address is not listening.
    assert!(std::net::TcpStream::connect("127.0.0.1:5051").is_err() || !logs.contains("5051"));
    assert!(!logs.contains("listening on http://127.0.0.1:5051"), "{logs}");
    activated.signal(Signal::SIGTERM);
    assert!(activated.wait_exit(Duration::from_secs(15)).success());
}

#[test]
fn a_datagram_socket_is_refused_clearly() {
    let dir = TestDir::new();
    dir.append("access.log", &["x"]);
    let port = free_port();
    let mut activated = socket_activate(&[format!("127.0.0.1:{port}")], &["--datagram"], &dir.path("access.log"));
    std::thread::sleep(Duration::from_millis(500));
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(b"wake up", ("127.0.0.1", port)).unwrap();
    let status = activated.wait_exit(Duration::from_secs(20));
    let logs = activated.output();
    assert_eq!(status.code(), Some(1), "{logs}");
    assert!(logs.contains("not a listening stream socket"), "{logs}");
}

#[tokio::test]
async fn reload_adds_a_stream_and_keeps_clients() {
    let setup = Setup::new().streams(&[("a", "a.log")]);
    setup.dir.append("a.log", &["a0"]);
    setup.dir.append("b.log", &["b0"]);
    let mut fx = setup.start();
    let mut c = Client::connect(&fx, "backlog=0").await;
    assert_eq!(c.stream_ids(), ["a"]);

    fx.add_stream(("b", "b.log"));
    fx.signal(Signal::SIGHUP);
    c.wait_hello(FRAME_TIMEOUT).await;
    assert_eq!(c.stream_ids(), ["a", "b"]);
    fx.dir.append("a.log", &["a1"]);
    fx.dir.append("b.log", &["b1"]);
    assert_eq!(c.expect_lines("a", 1, LINES_TIMEOUT).await[0].1, "a1");
    assert_eq!(c.expect_lines("b", 1, LINES_TIMEOUT).await[0].1, "b1");

    // A broken configuration is refused; the running one goes on.
    fx.overwrite_config("bogus = 1\n");
    fx.signal(Signal::SIGHUP);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(fx.output().contains("reload refused"), "{}", fx.output());
    fx.dir.append("a.log", &["a2"]);
    fx.dir.append("b.log", &["b2"]);
    assert_eq!(c.expect_lines("a", 1, LINES_TIMEOUT).await[0].1, "a2");
    assert_eq!(c.expect_lines("b", 1, LINES_TIMEOUT).await[0].1, "b2");
}

/// Asserts every capability set of a /proc/PID/status is empty and
/// `no_new_privs` is set.
fn assert_no_privileges(status: &HashMap<String, String>) {
    for key in ["CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"] {
        assert_eq!(status[key], "0000000000000000", "{key}");
    }
    assert_eq!(status["NoNewPrivs"], "1");
}

#[test]
fn root_drops_every_capability_and_switches_user() {
    if !nix::unistd::Uid::effective().is_root() {
        println!("skipped: needs root");
        return;
    }
    let fx = Fixture::new(&[ACCESS]);
    let st = fx.proc_status();
    assert_no_privileges(&st);
    assert!(st["Uid"].starts_with("0\t"), "--allow-root keeps uid 0: {}", st["Uid"]);

    // Without --allow-root, and a log `nobody` can read.
    let setup = Setup::new().top("user = \"nobody\"").streams(&[("a", "access.log")]);
    setup.dir.append("access.log", &["x"]);
    std::fs::set_permissions(setup.dir.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(setup.dir.path("access.log"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = setup.write_config();
    let args: [&OsStr; 4] = [
        "--listen".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--config".as_ref(),
        config.as_ref(),
    ];
    let d = Daemon::spawn(&args, &[]);
    let st = d.proc_status();
    assert_no_privileges(&st);
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
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
    let args = ["--listen", "127.0.0.1:0", "--config", "/dev/null"];
    let (status, out) = run_to_exit(&args, Duration::from_secs(20));
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("refusing to run as root"), "{out}");
}
