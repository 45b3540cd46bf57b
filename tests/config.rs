//! The configuration file: errors name the key and line and exit with
//! status 1; valid settings take effect.

mod common;

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use common::*;

/// Runs logmon with `toml` as its config and expects it to fail at once.
fn run_bad_config(dir: &Path, toml: &str) -> String {
    let cfg = dir.join("logmon.toml");
    std::fs::write(&cfg, toml).unwrap();
    let mut args = base_args();
    args.extend([OsString::from("--config"), cfg.into_os_string()]);
    let (status, out) = run_to_exit(&args, Duration::from_secs(15));
    assert_eq!(
        status.code(),
        Some(1),
        "bad config: exit status {status}; output:\n{out}"
    );
    out
}

fn stream_table(dir: &Path) -> String {
    let log = dir.join("access.log");
    std::fs::write(&log, "").unwrap();
    format!(
        "[[stream]]\nid = \"access\"\npath = \"{}\"\nformat = \"nginx-combined\"\n",
        log.display()
    )
}

#[test]
fn unknown_key_names_key_and_line() {
    let dir = tempdir();
    let toml = format!(
        "max_clients = 10\nlog_level = \"info\"\nbogus = 1\n\n{}",
        stream_table(dir.path())
    );
    let out = run_bad_config(dir.path(), &toml);
    assert!(out.contains("bogus"), "error does not name the key:\n{out}");
    assert!(out.contains("line 3"), "error does not name line 3:\n{out}");
}

#[test]
fn bad_value_names_key_and_line() {
    let dir = tempdir();
    let toml = format!("# limits\nmax_line_bytes = \"x\"\n\n{}", stream_table(dir.path()));
    let out = run_bad_config(dir.path(), &toml);
    assert!(out.contains("max_line_bytes"), "error does not name the key:\n{out}");
    assert!(out.contains("line 2"), "error does not name line 2:\n{out}");
}

#[test]
fn unknown_key_in_stream_table_names_key_and_line() {
    let dir = tempdir();
    let toml = format!("{}colour = \"red\"\n", stream_table(dir.path()));
    let out = run_bad_config(dir.path(), &toml);
    assert!(out.contains("colour"), "error does not name the key:\n{out}");
    assert!(out.contains("line 5"), "error does not name line 5:\n{out}");
}

#[test]
fn bad_format_is_an_error() {
    let dir = tempdir();
    let toml = stream_table(dir.path()).replace("nginx-combined", "apache");
    let out = run_bad_config(dir.path(), &toml);
    assert!(out.contains("format"), "error does not name the key:\n{out}");
    assert!(out.contains("line 4"), "error does not name line 4:\n{out}");
}

#[tokio::test]
async fn configured_streams_and_limits_apply() {
    let dir = tempdir();
    let access = dir.path().join("access.log");
    let error = dir.path().join("error.log");
    append_lines(&access, &numbered_range("pre", 0..20));
    std::fs::write(&error, "").unwrap();
    let toml = format!(
        "max_line_bytes = 100\nlog_level = \"info\"\n\n\
         [[stream]]\nid = \"web\"\npath = \"{}\"\nformat = \"nginx-combined\"\nhistory_lines = 5\n\n\
         [[stream]]\nid = \"errors\"\npath = \"{}\"\nformat = \"nginx-error\"\n",
        access.display(),
        error.display()
    );
    let d = Daemon::with_config(dir.path(), &toml);
    let mut c = Client::connect(&d, "backlog=100").await;
    let streams = c.hello["streams"].as_array().unwrap().clone();
    assert_eq!(streams.len(), 2, "hello: {}", c.hello);
    assert_eq!(streams[0]["id"], "web");
    assert_eq!(streams[0]["format"], "nginx-combined");
    assert_eq!(streams[1]["id"], "errors");
    assert_eq!(streams[1]["format"], "nginx-error");

    // history_lines = 5: a backlog of 100 gives the last 5.
    let got = c.expect_lines("web", 5, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("pre", 15..20));
    c.expect_no_lines("web", Duration::from_millis(500)).await;

    // max_line_bytes = 100.
    let long = "y".repeat(250);
    append_lines(&error, &[long.as_str(), "short"]);
    let got = c.expect_lines("errors", 2, LINES_TIMEOUT).await;
    assert_eq!(got[0].1, format!("{} … [150 bytes truncated]", "y".repeat(100)));
    assert_eq!(got[1].1, "short");
}

#[tokio::test]
async fn files_on_the_command_line_replace_configured_streams() {
    let dir = tempdir();
    let app = dir.path().join("app.log");
    std::fs::write(&app, "").unwrap();
    let cfg = dir.path().join("logmon.toml");
    std::fs::write(&cfg, stream_table(dir.path())).unwrap();
    let d = Daemon::start([OsString::from("--config"), cfg.into_os_string(), app.into_os_string()]);
    let c = Client::connect(&d, "backlog=0").await;
    assert_eq!(c.stream_ids(), ["app"]);
}
