//! nginx's formats and the numbers from them: a stream gets the layout of
//! the `log_format` that nginx's configuration gives its file (found through
//! an `include`), `stats` messages count every line, `/metrics` agrees with
//! them, and a reload of nginx's configuration changes the layout.

use std::time::Duration;

use crate::harness::*;

const VHOST: &str = r#"'$host $remote_addr [$time_local] "$request" '
                 '$status $body_bytes_sent $request_time $upstream_response_time';"#;
const MAIN: &str = r#"'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent';"#;
const STATS_TIMEOUT: Duration = Duration::from_secs(10);

/// An nginx configuration in the test directory that logs `site.log` in
/// the format `format` (defined in an included file as `vhost`).
fn nginx_setup(format: &str) -> Setup {
    let setup = Setup::new();
    let site = setup.dir.path("site.log");
    let conf = setup.dir.path("nginx.conf");
    std::fs::create_dir_all(setup.dir.path("conf.d")).unwrap();
    write_nginx(&setup.dir, format);
    let main = format!(
        "events {{}}\nhttp {{\n  include conf.d/*.conf;\n  server {{\n    access_log {} vhost buffer=32k;\n  }}\n}}\n",
        site.display()
    );
    std::fs::write(&conf, main).unwrap();
    setup
        .top(&format!("nginx_config = \"{}\"", conf.display()))
        .streams(&[("site", "site.log")])
}

fn write_nginx(dir: &TestDir, format: &str) {
    let text = format!("# formats\nlog_format vhost {format}\n");
    std::fs::write(dir.path("conf.d/formats.conf"), text).unwrap();
}

fn vhost_line(i: usize) -> String {
    let status = [200, 200, 404, 502][i % 4];
    format!(
        "shop.example.com 203.0.113.{} [30/Nov/2026:14:02:08 +0000] \"GET /p{}?id={i} HTTP/1.1\" {status} {i} 0.{:03} -",
        i % 3,
        i % 5,
        i % 300
    )
}

#[tokio::test]
async fn a_stream_gets_its_format_from_nginx_and_every_line_is_counted() {
    let fx = nginx_setup(VHOST).start();
    let mut c = Client::connect(&fx, "backlog=0").await;
    let s = &c.hello.streams[0];
    assert_eq!(s.format, "nginx:vhost", "{s:?}");
    let names: Vec<_> = s.layout.fields.iter().map(|f| f.name.as_str()).collect();
    let want = [
        "host",
        "remote_addr",
        "time_local",
        "request",
        "status",
        "body_bytes_sent",
        "request_time",
        "upstream_response_time",
    ];
    assert_eq!(names, want);

    let lines: Vec<String> = (0..400)
        .map(vhost_line)
        .chain(["not a vhost line".to_string()])
        .collect();
    fx.dir.append("site.log", &lines);
    c.expect_lines("site", lines.len(), LINES_TIMEOUT).await;
    let stats = c.wait_stats("site", STATS_TIMEOUT, |s| {
        s.status.iter().map(|x| x.1).sum::<u64>() == 400
    });
    let stats = stats.await.expect("stats counting all 400 requests");
    assert_eq!(stats.status, vec![(200, 200), (404, 100), (502, 100)]);
    let top: Vec<_> = stats.top.path.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    assert_eq!(top, [("/p0", 80), ("/p1", 80), ("/p2", 80), ("/p3", 80), ("/p4", 80)]);
    assert_eq!(stats.latency.ut, None, "no upstream time in any line");

    let metrics = get(&fx, "/metrics").await;
    assert_eq!(metrics.status, 200);
    let body = String::from_utf8(metrics.body).unwrap();
    for want in [
        r#"nginx_http_requests_total{stream="site",status="404",method="GET"} 100"#,
        r#"logmon_parse_failures_total{stream="site"} 1"#,
        r#"logmon_lines_read_total{stream="site"} 401"#,
        r#"nginx_http_request_duration_seconds_count{stream="site"} 400"#,
        "logmon_clients 1",
    ] {
        assert!(body.lines().any(|l| l == want), "no {want:?} in:\n{body}");
    }
}

#[tokio::test]
async fn a_reload_reads_nginx_again_and_clients_get_the_new_layout() {
    let fx = nginx_setup(VHOST).start();
    let mut c = Client::connect(&fx, "backlog=0").await;
    assert_eq!(c.hello.streams[0].layout.fields.len(), 8);
    write_nginx(&fx.dir, MAIN);
    fx.signal(nix::sys::signal::Signal::SIGHUP);
    c.wait_hello(Duration::from_secs(10)).await;
    let names: Vec<_> = c.hello.streams[0]
        .layout
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect();
    assert_eq!(names[0], "remote_addr");
    assert_eq!(names.len(), 6);
    let metrics = String::from_utf8(get(&fx, "/metrics").await.body).unwrap();
    assert!(metrics.lines().any(|l| l == "logmon_reloads_total 1"), "{metrics}");
}

#[tokio::test]
async fn a_missing_nginx_format_is_reported_and_the_stream_goes_on_as_plain_text() {
    let fx = Setup::new()
        .top("nginx_config = \"/nonexistent/nginx.conf\"")
        .stream_with(("site", "site.log"), "format = \"nginx:nowhere\"")
        .stream_with(("own", "own.log"), "log_format = '$status $request_time'")
        .start();
    let mut c = Client::connect(&fx, "backlog=0").await;
    let formats: Vec<_> = c.hello.streams.iter().map(|s| s.format.as_str()).collect();
    assert_eq!(formats, ["plain", "custom"]);
    fx.dir.append("site.log", &["still followed"]);
    fx.dir.append("own.log", &["503 0.250", "200 0.001"]);
    c.expect_lines("site", 1, LINES_TIMEOUT).await;
    let stats = c
        .wait_stats("own", STATS_TIMEOUT, |s| s.status.len() == 2)
        .await
        .expect("stats of own");
    assert_eq!(stats.latency.rt, Some([0.001, 0.25, 0.25]));
    let out = fx.output();
    assert!(
        out.contains("nginx's configuration has no log_format \"nowhere\""),
        "{out}"
    );
}

#[tokio::test]
async fn stats_can_be_turned_off_and_come_once_a_second() {
    let fx = Fixture::new(&[ACCESS]);
    let mut quiet = Client::connect(&fx, "backlog=0&stats=0").await;
    let mut c = Client::connect(&fx, "backlog=0").await;
    let first = c
        .wait_stats("access", STATS_TIMEOUT, |_| true)
        .await
        .expect("a first stats message");
    let second = c
        .wait_stats("access", STATS_TIMEOUT, |_| true)
        .await
        .expect("a second stats message");
    let third = c
        .wait_stats("access", STATS_TIMEOUT, |_| true)
        .await
        .expect("a third stats message");
    assert_eq!(second.seconds.len(), 1);
    assert_eq!(third.seconds[0].t, second.seconds[0].t + 1, "one point a second");
    assert!(first.seconds.len() <= 600);
    quiet.expect_no_lines("access", Duration::from_millis(1500)).await;
    assert!(
        quiet.stats.is_empty(),
        "stats=0 got {} stats messages",
        quiet.stats.len()
    );
}

#[tokio::test]
async fn a_client_turns_stats_on_and_off_by_message() {
    let fx = Fixture::new(&[ACCESS]);
    let mut c = Client::connect(&fx, "backlog=0&stats=0").await;
    c.send_text(r#"{"type":"stats","on":true}"#).await;
    let full = c.wait_stats("access", STATS_TIMEOUT, |_| true).await;
    assert!(full.is_some(), "no stats message after turning them on");
    c.wait_stats("access", STATS_TIMEOUT, |s| s.seconds.len() == 1)
        .await
        .expect("then one a second");
    c.send_text(r#"{"type":"stats","on":false}"#).await;
    // What was on its way may still come; after that, nothing.
    c.expect_no_lines("access", Duration::from_millis(300)).await;
    c.stats.clear();
    c.expect_no_lines("access", Duration::from_millis(2500)).await;
    assert!(
        c.stats.is_empty(),
        "{} stats messages after turning them off",
        c.stats.len()
    );
}
