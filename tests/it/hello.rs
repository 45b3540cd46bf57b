//! What `hello` says of each stream besides its lines: the state of its
//! path (following, missing, unreadable and why) and where its format came
//! from (or why it fell back to plain text). A client that asks for no
//! backlog, and so sees none of the events, still knows both from its first
//! `hello`, and learns every change from a new one.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use logmon::protocol::{EventKind, FormatSource, StreamState};
use nix::sys::signal::Signal;

use crate::harness::*;

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_client_without_backlog_learns_from_its_first_hello_why_a_path_is_unreadable() {
    let setup = Setup::new()
        .streams(&[
            ACCESS,
            ("fifo", "fifo.log"),
            ("dir", "dir.log"),
            ("secret", "secret.log"),
        ])
        .files_absent();
    setup.dir.append("access.log", &[] as &[&str]);
    nix::unistd::mkfifo(
        &setup.dir.path("fifo.log"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    std::fs::create_dir(setup.dir.path("dir.log")).unwrap();
    // Also as root: the daemon holds no capability, so mode 000 keeps it out.
    let secret = setup.dir.path("secret.log");
    std::fs::write(&secret, "secret\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let fx = setup.start();

    let c = Client::connect(&fx, "backlog=0").await;
    let state = |id: &str| (c.info(id).state, c.info(id).state_detail.as_str());
    assert_eq!(state("access"), (StreamState::Following, ""));
    assert_eq!(state("fifo"), (StreamState::Unreadable, "not a regular file (a FIFO)"));
    assert_eq!(
        state("dir"),
        (StreamState::Unreadable, "not a regular file (a directory)")
    );
    assert_eq!(state("secret"), (StreamState::Unreadable, "Permission denied"));
    assert!(c.events.is_empty(), "backlog=0 sends no event: {:?}", c.events);
}

#[tokio::test]
async fn a_missing_file_is_missing_until_it_appears_then_a_new_hello_says_following() {
    let fx = Setup::new().streams(&[ACCESS]).files_absent().start();
    let mut c = Client::connect(&fx, "backlog=0").await;
    c.expect_live_from_hello();
    let info = c.info("access");
    assert_eq!((info.state, info.state_detail.as_str()), (StreamState::Missing, ""));

    fx.dir.append("access.log", &numbered_range("a", 0..2));
    let info = c.wait_state("access", StreamState::Following, HELLO_TIMEOUT).await;
    assert_eq!(info.state_detail, "");
    assert_exact(
        &c.expect_lines("access", 2, LINES_TIMEOUT).await,
        &numbered_range("a", 0..2),
    );
    let late = Client::connect(&fx, "backlog=0").await;
    assert_eq!(late.info("access").state, StreamState::Following);
}

#[tokio::test]
async fn a_client_connecting_after_the_event_sees_the_state_in_its_first_hello() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let path = fx.dir.path("access.log");
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    c.wait_event("access", EventKind::Unreadable, FRAME_TIMEOUT)
        .await
        .expect("an unreadable event");
    let info = c.wait_state("access", StreamState::Unreadable, HELLO_TIMEOUT).await;
    assert_eq!(info.state_detail, "not a regular file (a directory)");

    let late = Client::connect(&fx, "backlog=0").await;
    let info = late.info("access");
    assert_eq!(
        (info.state, info.state_detail.as_str()),
        (StreamState::Unreadable, "not a regular file (a directory)")
    );
    std::fs::remove_dir(&path).unwrap();
    fx.dir.append("access.log", &["back"]);
    c.wait_state("access", StreamState::Following, HELLO_TIMEOUT).await;
}

/// An nginx configuration in the test directory with one `log_format`, `vhost`.
fn with_nginx(setup: Setup, formats: &str) -> Setup {
    let conf = setup.dir.path("nginx.conf");
    std::fs::write(&conf, format!("events {{}}\nhttp {{\n{formats}}}\n")).unwrap();
    setup.top(&format!("nginx_config = \"{}\"", conf.display()))
}

const VHOST: &str = "  log_format vhost '$host $status';\n";

#[tokio::test]
async fn an_unknown_nginx_format_falls_back_to_plain_and_hello_says_why() {
    let setup = Setup::new()
        .stream_with(("main", "main.log"), "format = \"nginx:main\"")
        .stream_with(("vhost", "vhost.log"), "format = \"nginx:vhost\"")
        .streams(&[ACCESS]);
    let fx = with_nginx(setup, VHOST).start();
    let c = Client::connect(&fx, "backlog=0").await;
    let main = c.info("main");
    assert_eq!((main.format.as_str(), main.layout.kind.as_str()), ("plain", "plain"));
    assert_eq!(main.format_source, FormatSource::Fallback);
    assert_eq!(main.format_reason, "nginx's configuration has no log_format \"main\"");
    let vhost = c.info("vhost");
    assert_eq!(
        (vhost.format.as_str(), vhost.format_source, vhost.format_reason.as_str()),
        ("nginx:vhost", FormatSource::Config, "")
    );
    let access = c.info("access");
    assert_eq!(
        (access.format.as_str(), access.format_source),
        ("nginx-combined", FormatSource::Guess)
    );
}

#[tokio::test]
async fn without_nginx_configuration_the_reason_says_so_and_a_reload_that_finds_the_format_says_it_again() {
    let setup = Setup::new().stream_with(("main", "main.log"), "format = \"nginx:main\"");
    let conf = setup.dir.path("nginx.conf");
    let fx = setup.top(&format!("nginx_config = \"{}\"", conf.display())).start();
    let mut c = Client::connect(&fx, "backlog=0").await;
    let want = format!(
        "nginx's configuration has no log_format \"main\" (no nginx configuration at {})",
        conf.display()
    );
    assert_eq!(c.info("main").format_reason, want);

    std::fs::write(&conf, "http {\n  log_format main '$status';\n}\n").unwrap();
    fx.signal(Signal::SIGHUP);
    c.wait_hello(HELLO_TIMEOUT).await;
    let main = c.info("main");
    assert_eq!(
        (main.format.as_str(), main.format_source, main.format_reason.as_str()),
        ("nginx:main", FormatSource::Config, "")
    );
}
