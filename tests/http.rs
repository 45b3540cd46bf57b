//! Plain HTTP: the UI, health check, static path confinement and the
//! Origin check on the WebSocket upgrade.

mod common;

use common::*;

fn daemon() -> (tempfile::TempDir, Daemon) {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    std::fs::write(&log, "").unwrap();
    let d = Daemon::with_files(&[&log]);
    (dir, d)
}

#[tokio::test]
async fn ui_and_healthz() {
    let (_dir, d) = daemon();
    let (status, body) = raw_get(&d, "/").await;
    assert_eq!(status, 200, "GET /");
    let html = String::from_utf8_lossy(&body).to_ascii_lowercase();
    assert!(html.contains("<html"), "GET / is not HTML: {html:.200}");
    let (status, _) = raw_get(&d, "/healthz").await;
    assert_eq!(status, 200, "GET /healthz");
}

#[tokio::test]
async fn path_traversal_is_404() {
    let (_dir, d) = daemon();
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/..%2fCargo.toml",
        "/etc/passwd",
        "/Cargo.toml",
        "/src/main.rs",
        "/no-such-file.js",
    ] {
        let (status, body) = raw_get(&d, path).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, 404, "GET {path} answered {status}: {text:.200}");
        assert!(
            !text.contains("root:") && !text.contains("[package]"),
            "GET {path} leaked a file: {text:.200}"
        );
    }
}

#[tokio::test]
async fn foreign_origin_is_refused_403() {
    let (_dir, d) = daemon();
    assert_eq!(ws_status_with_origin(&d, Some("http://evil.example")).await, 403);
    assert_eq!(ws_status_with_origin(&d, Some("https://example.com")).await, 403);
    // A near miss: same host, another port.
    assert_eq!(ws_status_with_origin(&d, Some("http://127.0.0.1:1")).await, 403);
}

#[tokio::test]
async fn matching_or_absent_origin_is_accepted() {
    let (_dir, d) = daemon();
    let own = format!("http://{}", d.addr);
    assert_eq!(ws_status_with_origin(&d, Some(&own)).await, 101);
    assert_eq!(ws_status_with_origin(&d, None).await, 101);
}

#[tokio::test]
async fn allowed_origins_from_config() {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    std::fs::write(&log, "").unwrap();
    let toml = format!(
        "allowed_origins = [\"https://example.com\"]\n\n[[stream]]\nid = \"access\"\npath = \"{}\"\nformat = \"nginx-combined\"\n",
        log.display()
    );
    let d = Daemon::with_config(dir.path(), &toml);
    assert_eq!(ws_status_with_origin(&d, Some("https://example.com")).await, 101);
    assert_eq!(ws_status_with_origin(&d, Some("http://evil.example")).await, 403);
}

#[tokio::test]
async fn unix_socket_listener() {
    use futures_util::StreamExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::Message;

    let dir = tempdir();
    let log = dir.path().join("access.log");
    let sock = dir.path().join("logmon.sock");
    std::fs::write(&log, "").unwrap();
    let _d = Daemon::start([
        "--config".into(),
        "/dev/null".into(),
        "--listen".into(),
        format!("unix:{}", sock.display()).into(),
        log.clone().into_os_string(),
    ]);

    // Plain HTTP over the socket.
    let mut s = tokio::net::UnixStream::connect(&sock)
        .await
        .expect("connect unix socket");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut resp = Vec::new();
    tokio::time::timeout(FRAME_TIMEOUT, s.read_to_end(&mut resp))
        .await
        .expect("healthz over unix socket timed out")
        .unwrap();
    let resp = String::from_utf8_lossy(&resp);
    assert!(
        resp.starts_with("HTTP/1.1 200"),
        "healthz over unix socket: {resp:.200}"
    );

    // The WebSocket protocol over the socket.
    let s = tokio::net::UnixStream::connect(&sock).await.unwrap();
    let (mut ws, _) = tokio::time::timeout(
        FRAME_TIMEOUT,
        tokio_tungstenite::client_async("ws://localhost/ws?backlog=0", s),
    )
    .await
    .expect("upgrade over unix socket timed out")
    .expect("upgrade over unix socket");
    let mut texts = Vec::new();
    let mut wrote = false;
    let deadline = std::time::Instant::now() + LINES_TIMEOUT;
    while !texts.iter().any(|t: &String| t.contains("over unix")) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let msg = tokio::time::timeout(left, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no line over unix socket; frames: {texts:?}"))
            .expect("stream open")
            .expect("frame");
        if let Message::Text(t) = msg {
            texts.push(t.as_str().to_string());
        }
        if !wrote {
            assert!(texts[0].contains("\"hello\""), "first frame: {}", texts[0]);
            append_lines(&log, &["over unix"]);
            wrote = true;
        }
    }
}
