//! Plain HTTP: the UI, the health check, static path confinement, the
//! Origin check on the WebSocket upgrade, and serving on a unix socket.

use logmon::protocol::{Health, StreamHealth};

use crate::harness::*;

#[tokio::test]
async fn ui_and_healthz() {
    let fx = Fixture::new(&[ACCESS]);
    let ui = get(&fx, "/").await;
    assert_eq!(ui.status, 200, "GET /");
    let html = String::from_utf8_lossy(&ui.body).to_ascii_lowercase();
    assert!(html.contains("<html"), "GET / is not HTML: {html:.200}");

    let healthz = get(&fx, "/healthz").await;
    assert_eq!(healthz.status, 200, "GET /healthz");
    let health: Health = serde_json::from_slice(&healthz.body)
        .unwrap_or_else(|e| panic!("GET /healthz: {e}: {}", String::from_utf8_lossy(&healthz.body)));
    let c = Client::connect(&fx, "backlog=0").await;
    assert_eq!(health.status, "ok");
    assert_eq!(health.epoch, c.hello.epoch, "healthz and hello name the same run");
    let access = StreamHealth {
        id: "access".to_string(),
        seq: 0,
        clients: 0,
    };
    assert_eq!(health.streams, [access]);
}

#[tokio::test]
async fn path_traversal_is_404() {
    let fx = Fixture::new(&[ACCESS]);
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
        let resp = get(&fx, path).await;
        let (status, text) = (resp.status, String::from_utf8_lossy(&resp.body));
        assert_eq!(status, 404, "GET {path} answered {status}: {text:.200}");
        assert!(
            !text.contains("root:") && !text.contains("[package]"),
            "GET {path} leaked a file: {text:.200}"
        );
    }
}

#[tokio::test]
async fn foreign_origin_is_refused_403() {
    let fx = Fixture::new(&[ACCESS]);
    assert_eq!(upgrade_status(&fx, "backlog=0", Some("http://evil.example")).await, 403);
    assert_eq!(upgrade_status(&fx, "backlog=0", Some("https://example.com")).await, 403);
    // A near miss: same host, another port.
    assert_eq!(upgrade_status(&fx, "backlog=0", Some("http://127.0.0.1:1")).await, 403);
}

#[tokio::test]
async fn origin_scheme_and_a_second_origin_are_refused() {
    let fx = Fixture::new(&[ACCESS]);
    let own = format!("http://{}", fx.addr);
    // An https page is not this http listener's, even on the same host and port.
    assert_eq!(
        upgrade_status(&fx, "backlog=0", Some(&format!("https://{}", fx.addr))).await,
        403
    );
    // Behind a proxy that says the client used https, the https page is its own.
    let proxied = [
        ("Origin", format!("https://{}", fx.addr)),
        ("X-Forwarded-Proto", "https".into()),
    ];
    let proxied: Vec<(&str, &str)> = proxied.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(handshake(&fx, "backlog=0", &proxied).await.status, 101);
    // A browser sends one Origin: two are refused, whichever comes first.
    let two = format!("{own}\r\nOrigin: http://evil.example");
    assert_eq!(handshake(&fx, "backlog=0", &[("Origin", &two)]).await.status, 403);
    let two = format!("http://evil.example\r\nOrigin: {own}");
    assert_eq!(handshake(&fx, "backlog=0", &[("Origin", &two)]).await.status, 403);
    assert_eq!(handshake(&fx, "backlog=0", &[("Origin", &own)]).await.status, 101);
}

#[tokio::test]
async fn another_websocket_version_is_426_and_an_unknown_since_400() {
    let fx = Fixture::new(&[ACCESS]);
    let r = handshake(&fx, "backlog=0", &[("Sec-WebSocket-Version", "8")]).await;
    assert_eq!(r.status, 426, "{}", r.head);
    assert!(
        r.head.to_ascii_lowercase().contains("sec-websocket-version: 13"),
        "{}",
        r.head
    );
    assert_eq!(
        handshake(&fx, "backlog=0", &[("Sec-WebSocket-Version", "")])
            .await
            .status,
        426
    );
    assert_eq!(handshake(&fx, "backlog=0", &[("Upgrade", "")]).await.status, 400);
    let r = handshake(&fx, "backlog=0&since=nosuch:5", &[]).await;
    assert_eq!(r.status, 400);
    assert!(String::from_utf8_lossy(&r.body).contains("unknown stream \"nosuch\""));
    assert_eq!(upgrade_status(&fx, "backlog=0&since=access:0", None).await, 101);
}

#[tokio::test]
async fn matching_or_absent_origin_is_accepted() {
    let fx = Fixture::new(&[ACCESS]);
    let own = format!("http://{}", fx.addr);
    assert_eq!(upgrade_status(&fx, "backlog=0", Some(&own)).await, 101);
    assert_eq!(upgrade_status(&fx, "backlog=0", None).await, 101);
}

#[tokio::test]
async fn allowed_origins_from_config() {
    let fx = Setup::new()
        .top("allowed_origins = [\"https://example.com\"]")
        .stream_with(ACCESS, "format = \"nginx-combined\"")
        .start();
    assert_eq!(upgrade_status(&fx, "backlog=0", Some("https://example.com")).await, 101);
    assert_eq!(upgrade_status(&fx, "backlog=0", Some("http://evil.example")).await, 403);
}

#[tokio::test]
async fn unix_socket_listener() {
    let setup = Setup::new().streams(&[ACCESS]);
    let sock = setup.dir.path("logmon.sock");
    let fx = setup.start_with(&["--listen", &format!("unix:{}", sock.display())], &[]);

    // Plain HTTP over the socket.
    let stream = tokio::net::UnixStream::connect(&sock)
        .await
        .expect("connect unix socket");
    let resp = get_over(stream, "localhost", "/healthz").await;
    assert!(
        resp.head.starts_with("HTTP/1.1 200"),
        "healthz over unix socket: {:.200}",
        resp.head
    );

    // The WebSocket protocol over the socket.
    let mut c = Client::connect_unix(&sock, "backlog=0").await;
    c.expect_live_from_hello();
    fx.dir.append("access.log", &["over unix"]);
    let got = c.expect_lines("access", 1, LINES_TIMEOUT).await;
    assert_exact(&got, &["over unix"]);
}
