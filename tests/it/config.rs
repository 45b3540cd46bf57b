//! The configuration file: errors name the key and the line and exit with
//! status 1 (at start and under `--check-config`); valid settings take
//! effect; files on the command line replace the configured streams.

use std::ffi::OsStr;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use crate::harness::*;

/// The last key of the access stream's table in these tests.
const COMBINED: &str = "format = \"nginx-combined\"";

/// Runs `logmon ARGS... --config CONFIG` to its exit.
fn run_on_config(args: &[&str], config: &Path) -> (ExitStatus, String) {
    let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    all.extend([OsStr::new("--config"), config.as_os_str()]);
    run_to_exit(&all, Duration::from_secs(15))
}

/// Starts logmon on the configuration of `setup` and expects it to fail at
/// once; its output.
fn refused(setup: Setup) -> String {
    let (status, out) = run_on_config(&base_args(), &setup.write_config());
    assert_eq!(
        status.code(),
        Some(1),
        "bad config: exit status {status}; output:\n{out}"
    );
    out
}

#[test]
fn unknown_key_names_key_and_line() {
    let setup = Setup::new()
        .top("max_clients = 10")
        .top("log_level = \"info\"")
        .top("bogus = 1")
        .stream_with(ACCESS, COMBINED);
    let out = refused(setup);
    assert!(out.contains("bogus"), "error does not name the key:\n{out}");
    assert!(out.contains("line 3"), "error does not name line 3:\n{out}");
}

#[test]
fn bad_value_names_key_and_line() {
    let setup = Setup::new()
        .top("# limits")
        .top("max_line_bytes = \"x\"")
        .stream_with(ACCESS, COMBINED);
    let out = refused(setup);
    assert!(out.contains("max_line_bytes"), "error does not name the key:\n{out}");
    assert!(out.contains("line 2"), "error does not name line 2:\n{out}");
}

#[test]
fn unknown_key_in_stream_table_names_key_and_line() {
    let out = refused(Setup::new().stream_with(ACCESS, &format!("{COMBINED}\ncolour = \"red\"")));
    assert!(out.contains("colour"), "error does not name the key:\n{out}");
    assert!(out.contains("line 5"), "error does not name line 5:\n{out}");
}

#[test]
fn bad_format_is_an_error() {
    let out = refused(Setup::new().stream_with(ACCESS, "format = \"apache\""));
    assert!(out.contains("format"), "error does not name the key:\n{out}");
    assert!(out.contains("line 4"), "error does not name line 4:\n{out}");
}

#[test]
fn check_config_exits_0_or_1_with_the_reason() {
    let good = Setup::new().streams(&[("a", "/var/log/a.log")]);
    let (status, out) = run_on_config(&["--check-config"], &good.write_config());
    assert_eq!(status.code(), Some(0), "{out}");
    assert!(out.contains("valid (1 streams)"), "{out}");
    let bad = good.dir.path("bad.toml");
    std::fs::write(&bad, "[[stream]]\nid = \"a\"\npath = \"relative.log\"\n").unwrap();
    let (status, out) = run_on_config(&["--check-config"], &bad);
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("line 3") && out.contains("path"), "{out}");
}

#[tokio::test]
async fn configured_streams_and_limits_apply() {
    let setup = Setup::new()
        .top("max_line_bytes = 100")
        .top("log_level = \"info\"")
        .stream_with(("web", "access.log"), &format!("{COMBINED}\nhistory_lines = 5"))
        .stream_with(("errors", "error.log"), "format = \"nginx-error\"");
    setup.dir.append("access.log", &numbered_range("pre", 0..20));
    let fx = setup.start();
    let mut c = Client::connect(&fx, "backlog=100").await;
    let streams = &c.hello.streams;
    assert_eq!(streams.len(), 2, "hello: {:?}", c.hello);
    let id_format = |i: usize| (streams[i].id.as_str(), streams[i].format.as_str());
    assert_eq!(id_format(0), ("web", "nginx-combined"));
    assert_eq!(id_format(1), ("errors", "nginx-error"));
    assert_eq!(streams[0].layout.kind, "text");

    // history_lines = 5: a backlog of 100 gives the last 5.
    let got = c.expect_lines("web", 5, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("pre", 15..20));
    c.expect_no_lines("web", Duration::from_millis(500)).await;

    // max_line_bytes = 100.
    let long = "y".repeat(250);
    fx.dir.append("error.log", &[long.as_str(), "short"]);
    let got = c.expect_lines("errors", 2, LINES_TIMEOUT).await;
    assert_eq!(got[0].1, format!("{} … [150 bytes truncated]", "y".repeat(100)));
    assert_eq!(got[1].1, "short");
}

#[tokio::test]
async fn files_on_the_command_line_replace_configured_streams() {
    let setup = Setup::new().stream_with(ACCESS, COMBINED);
    let app = setup.dir.path("app.log");
    std::fs::write(&app, "").unwrap();
    let fx = setup.start_with(&[&app], &[]);
    let mut c = Client::connect_live(&fx).await;
    assert_eq!(c.stream_ids(), ["app"]);
    // And the file named on the command line is followed.
    fx.dir.append("app.log", &["from the command line"]);
    let got = c.expect_lines("app", 1, LINES_TIMEOUT).await;
    assert_exact(&got, &["from the command line"]);
}
