//! Faults an administrator meets: a client under sustained load, the demo
//! as root with a user to switch to, paths that are not readable files, a
//! client's numbers at their limits. Each test here failed before its fix.

use std::time::{Duration, Instant};

use logmon::protocol::EventKind;

use crate::harness::*;

/// Reads `url` (at `addr`) at about `bytes_per_sec` until `lines` lines
/// came, then `linger` longer; the lines counted, and the close frame if the
/// server closed.
async fn slow_reader(
    url: &str,
    addr: std::net::SocketAddr,
    lines: usize,
    bytes_per_sec: usize,
    linger: Duration,
) -> (usize, Option<String>) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as Frame;
    // A small receive buffer: what waits in the kernel stays well under the
    // stall limit at this pace, so only the handling of pongs is tested.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(128 * 1024).expect("SO_RCVBUF");
    let stream = socket.connect(addr).await.expect("connect");
    let (mut ws, _) = tokio_tungstenite::client_async(url, stream).await.expect("handshake");
    let (mut got, mut until) = (0, Instant::now() + Duration::from_secs(120));
    while let Ok(Some(frame)) = tokio::time::timeout_at(until.into(), ws.next()).await {
        match frame {
            Ok(Frame::Text(t)) => {
                if let Ok(logmon::protocol::Message::Lines(l)) = logmon::protocol::Message::decode(t.as_str()) {
                    got += l.lines.len();
                }
                tokio::time::sleep(Duration::from_secs_f64(t.len() as f64 / bytes_per_sec as f64)).await;
            }
            Ok(Frame::Close(c)) => return (got, Some(format!("{c:?}"))),
            Err(e) => return (got, Some(format!("read failed: {e}"))),
            Ok(_) => {}
        }
        if got >= lines && until > Instant::now() + linger {
            until = Instant::now() + linger;
        }
    }
    (got, None)
}

#[tokio::test]
async fn a_client_that_keeps_reading_through_a_long_burst_is_not_dropped_for_pings() {
    let fx = Setup::new().top("ping_interval_secs = 1").streams(&[ACCESS]).start();
    let (url, addr) = (fx.ws_url("backlog=0"), fx.addr);
    let reader = tokio::spawn(async move { slow_reader(&url, addr, 100_000, 2 << 20, Duration::from_secs(4)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // 10 MB at once: the server sends without a pause for about 5 s.
    fx.dir.writer("access.log").numbered("load", 0..100_000);
    let (got, closed) = reader.await.unwrap();
    assert_eq!(closed, None, "a reading client was closed\n{}", fx.output());
    assert_eq!(got, 100_000);
}

#[tokio::test]
async fn the_demo_as_root_with_a_user_to_switch_to_streams_live_traffic() {
    if !nix::unistd::Uid::effective().is_root() {
        return eprintln!("skipped: needs root to switch to a user");
    }
    let dir = TestDir::new();
    let config = dir.path("logmon.toml");
    std::fs::write(&config, "user = \"nobody\"\n").unwrap();
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
        "--demo",
    ];
    let d = Daemon::spawn(&args, &[]);
    let mut c = Client::connect(&d, "backlog=0").await;
    let live = c.expect_at_least("access", 3, LINES_TIMEOUT).await;
    assert!(live.iter().all(|(_, l)| l.contains(" HTTP/1.1\" ")), "{live:?}");
    assert!(!d.output().contains("demo writer stopped"), "{}", d.output());
}

#[tokio::test]
async fn since_the_largest_number_neither_overflows_nor_harms_others() {
    let (fx, mut first) = Fixture::live(&[ACCESS]).await;
    let mut c = Client::connect(&fx, &format!("since=access:{}", u64::MAX)).await;
    fx.dir.append("access.log", &numbered_range("b", 0..2));
    assert_exact(
        &first.expect_lines("access", 2, LINES_TIMEOUT).await,
        &numbered_range("b", 0..2),
    );
    // It said it has every line: it gets none, and stays connected.
    c.expect_no_lines("access", Duration::from_millis(500)).await;
    assert!(c.closed.is_none());
    assert_eq!(get(&fx, "/healthz").await.status, 200);
}

#[tokio::test]
async fn a_truncation_never_glues_the_partial_line_to_the_next() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");
    w.raw(b"first\nbefore-trunc-partial");
    c.expect_lines("access", 1, LINES_TIMEOUT).await;
    std::fs::OpenOptions::new()
        .write(true)
        .open(fx.dir.path("access.log"))
        .unwrap()
        .set_len(0)
        .unwrap();
    c.wait_event("access", EventKind::Truncated, FRAME_TIMEOUT)
        .await
        .expect("truncated event");
    w.raw(b"x\n");
    let got = c.expect_lines("access", 2, LINES_TIMEOUT).await;
    assert_exact(&got, &["before-trunc-partial", "x"]);
}

/// One stream on a regular file and one on `bad`, which `make_bad` creates.
async fn beside_a_bad_path(make_bad: impl FnOnce(&std::path::Path)) -> (Fixture, Client) {
    let setup = Setup::new().streams(&[ACCESS, ("bad", "bad.log")]).files_absent();
    setup.dir.append("access.log", &[] as &[&str]);
    make_bad(&setup.dir.path("bad.log"));
    let fx = setup.start();
    let c = Client::connect(&fx, "").await;
    (fx, c)
}

/// The bad path is reported to a new page and in the log, the other stream
/// goes on, and the bad one is followed once it is a readable file.
async fn reported_and_recovered(fx: Fixture, mut c: Client, reason: &str) {
    let event = c.wait_event("bad", EventKind::Unreadable, FRAME_TIMEOUT).await;
    let detail = event.expect("an unreadable event").detail;
    assert!(detail.contains(reason), "{detail}");
    assert!(fx.output().contains(reason), "{}", fx.output());
    fx.dir.append("access.log", &numbered_range("a", 0..2));
    c.expect_lines("access", 2, LINES_TIMEOUT).await;

    let path = fx.dir.path("bad.log");
    let _ = std::fs::remove_dir(&path).or_else(|_| std::fs::remove_file(&path));
    let staged = fx.dir.path("staged");
    std::fs::write(&staged, format!("{}\n", numbered("ok", 0))).unwrap();
    std::fs::rename(&staged, &path).unwrap();
    c.wait_event("bad", EventKind::Created, FRAME_TIMEOUT)
        .await
        .expect("created event");
    assert_exact(
        &c.expect_lines("bad", 1, LINES_TIMEOUT).await,
        &numbered_range("ok", 0..1),
    );
}

#[tokio::test]
async fn a_fifo_never_blocks_start_up_and_is_reported() {
    let (fx, c) = beside_a_bad_path(|p| {
        nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    })
    .await;
    assert_eq!(get(&fx, "/healthz").await.status, 200);
    reported_and_recovered(fx, c, "not a regular file (a FIFO)").await;
}

#[tokio::test]
async fn a_directory_at_the_path_is_reported() {
    let (fx, c) = beside_a_bad_path(|p| std::fs::create_dir(p).unwrap()).await;
    reported_and_recovered(fx, c, "not a regular file (a directory)").await;
}

#[tokio::test]
async fn a_character_device_at_the_path_is_reported() {
    let (fx, c) = beside_a_bad_path(|p| std::os::unix::fs::symlink("/dev/null", p).unwrap()).await;
    reported_and_recovered(fx, c, "not a regular file (a character device)").await;
}

#[tokio::test]
async fn a_symlink_loop_at_the_path_is_reported() {
    let (fx, c) = beside_a_bad_path(|p| std::os::unix::fs::symlink(p, p).unwrap()).await;
    reported_and_recovered(fx, c, "symbolic links").await;
}

#[tokio::test]
async fn a_file_without_read_permission_is_reported() {
    // Also as root: the daemon holds no capability, so mode 000 keeps it out.
    let (fx, c) = beside_a_bad_path(|p| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(p, "secret\n").unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o000)).unwrap();
    })
    .await;
    reported_and_recovered(fx, c, "Permission denied").await;
}

#[tokio::test]
async fn a_followed_file_replaced_by_a_directory_is_reported_and_followed_again() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    fx.dir.append("access.log", &numbered_range("a", 0..2));
    c.expect_lines("access", 2, LINES_TIMEOUT).await;
    let path = fx.dir.path("access.log");
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let event = c.wait_event("access", EventKind::Unreadable, FRAME_TIMEOUT).await;
    assert!(event.expect("unreadable").detail.contains("a directory"));
    std::fs::remove_dir(&path).unwrap();
    fx.dir.append("access.log", &numbered_range("b", 0..2));
    assert_exact(
        &c.expect_lines("access", 2, LINES_TIMEOUT).await,
        &numbered_range("b", 0..2),
    );
}
