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
