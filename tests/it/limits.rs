//! Kernel limits on inotify: a tiny event queue overflows during bursts and
//! rotations and loses nothing; exhausted instances or watches, at start-up
//! or at a reload, give an error that names the limit and how to raise it.
//!
//! These tests change system-wide sysctls (and restore them), which every
//! other daemon on the machine would feel, so they are ignored in the
//! parallel run and run alone, as root:
//! `cargo test --test it limits -- --ignored --test-threads=1`
//! (tests/run-all.sh does).

use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::harness::*;

/// A sysctl under /proc/sys/fs/inotify set for the test's duration, restored on drop.
struct Sysctl {
    path: String,
    old: String,
}

impl Sysctl {
    /// None (the test is skipped) when the sysctl cannot be written: not root, or a container.
    fn set(name: &str, value: u64) -> Option<Sysctl> {
        let path = format!("/proc/sys/fs/inotify/{name}");
        let old = std::fs::read_to_string(&path).ok()?;
        if let Err(e) = std::fs::write(&path, value.to_string()) {
            eprintln!("skipped: cannot write {path}: {e}");
            return None;
        }
        Some(Sysctl { path, old })
    }
}

impl Drop for Sysctl {
    fn drop(&mut self) {
        std::fs::write(&self.path, self.old.trim()).expect("restore the sysctl");
    }
}

/// An inotify instance of the test itself, watching `dir` if given: it uses
/// up what a limit of one allows.
fn hold_inotify(dir: Option<&std::path::Path>) -> OwnedFd {
    // SAFETY: plain syscalls; the descriptor is owned by the returned value.
    let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC) };
    assert!(fd >= 0, "inotify_init1: {}", std::io::Error::last_os_error());
    if let Some(dir) = dir {
        let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: fd is a live inotify descriptor and c a NUL-terminated path.
        let wd = unsafe { libc::inotify_add_watch(fd, c.as_ptr(), libc::IN_MODIFY) };
        assert!(wd >= 0, "inotify_add_watch: {}", std::io::Error::last_os_error());
    }
    // SAFETY: fd was just opened and is owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

#[tokio::test]
#[ignore = "changes fs.inotify.max_queued_events: run alone with --ignored"]
async fn a_tiny_event_queue_overflows_and_loses_no_line() {
    let (fx, mut c) = {
        let Some(_small) = Sysctl::set("max_queued_events", 16) else {
            return;
        };
        // The queue size is taken when the daemon creates its inotify instance.
        Fixture::live(&[ACCESS]).await
    };
    const TAGS: [&str; 4] = ["r0", "r1", "r2", "r3"];
    let mut files = Vec::new();
    // While the daemon is stopped, files come, are written and are rotated
    // away amid events with distinct names (not merged): its queue of 16
    // overflows, and none of these files is ever seen at the path.
    fx.stop();
    for (round, tag) in TAGS.into_iter().enumerate() {
        let mut w = fx.dir.writer("access.log");
        w.numbered_each(tag, 0..500);
        for i in 0..100 {
            std::fs::write(fx.dir.path(&format!("noise-{round}-{i}")), "").unwrap();
        }
        w.rotate_to(&fx.dir.path(&format!("access.log.{round}")));
        w.numbered_each(tag, 500..600);
        files.push((tag, 600));
    }
    fx.dir.append("access.log", &numbered_range("end", 0..1));
    files.push(("end", 1));
    fx.signal(Signal::SIGCONT);
    let total = files.iter().map(|(_, n)| n).sum();
    let got = c.expect_lines("access", total, LINES_TIMEOUT).await;
    assert_per_file_order(&got, &files);
    assert!(
        fx.output().contains("inotify queue overflowed"),
        "no overflow happened:\n{}",
        fx.output()
    );
}

/// Runs the daemon to its exit with `sysctl` at 1; what it printed (None if skipped).
fn start_with_one(sysctl: &str) -> Option<String> {
    let _one = Sysctl::set(sysctl, 1)?;
    let setup = Setup::new().streams(&[ACCESS]);
    let config = setup.write_config();
    let mut args = base_args();
    args.extend(["--config", config.to_str().unwrap()]);
    let (status, out) = run_to_exit(&args, Duration::from_secs(20));
    assert_eq!(status.code(), Some(1), "{out}");
    Some(out)
}

#[test]
#[ignore = "changes fs.inotify.max_user_instances: run alone with --ignored"]
fn no_inotify_instance_left_at_start_up_is_a_clear_error() {
    let _held = hold_inotify(None);
    let Some(out) = start_with_one("max_user_instances") else {
        return;
    };
    assert!(out.contains("fs.inotify.max_user_instances (1) is reached"), "{out}");
    assert!(out.contains("sysctl fs.inotify.max_user_instances="), "{out}");
}

#[test]
#[ignore = "changes fs.inotify.max_user_watches: run alone with --ignored"]
fn no_inotify_watch_left_at_start_up_is_a_clear_error() {
    let dir = TestDir::new();
    let _held = hold_inotify(Some(dir.root()));
    let Some(out) = start_with_one("max_user_watches") else {
        return;
    };
    assert!(out.contains("fs.inotify.max_user_watches (1) is reached"), "{out}");
    assert!(out.contains("sysctl fs.inotify.max_user_watches="), "{out}");
}

#[tokio::test]
#[ignore = "changes fs.inotify.max_user_instances: run alone with --ignored"]
async fn no_inotify_instance_left_at_a_reload_is_a_clear_error_and_the_rest_goes_on() {
    let (mut fx, mut c) = Fixture::live(&[ACCESS]).await;
    let in_use = count_inotify_instances();
    let Some(_full) = Sysctl::set("max_user_instances", in_use) else {
        return;
    };
    fx.add_stream(("more", "more.log"));
    fx.signal(Signal::SIGHUP);
    let deadline = std::time::Instant::now() + FRAME_TIMEOUT;
    while !fx.output().contains("fs.inotify.max_user_instances") {
        assert!(std::time::Instant::now() < deadline, "no clear error:\n{}", fx.output());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fx.dir.append("access.log", &numbered_range("a", 0..5));
    assert_exact(
        &c.expect_lines("access", 5, LINES_TIMEOUT).await,
        &numbered_range("a", 0..5),
    );
}

/// The inotify instances open on this machine now (every process's).
fn count_inotify_instances() -> u64 {
    let mut n = 0;
    for proc in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(fds) = std::fs::read_dir(proc.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let target = std::fs::read_link(fd.path()).unwrap_or_default();
            n += u64::from(target.to_string_lossy() == "anon_inode:inotify");
        }
    }
    n
}
