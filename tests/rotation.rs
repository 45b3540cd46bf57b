//! Following files through every common rotation style: each test writes
//! numbered lines and checks that every line arrives exactly once, in order
//! per file, with contiguous `seq` and no `gap` frame (the `Client` fails on
//! a gap or a seq jump).

mod common;

use std::fs::{self, OpenOptions};
use std::path::PathBuf;
use std::time::Duration;

use common::*;
use nix::sys::signal::Signal;
use tokio::time::sleep;

const STREAM: &str = "access";

/// A temp dir with `access.log` in it (not created).
fn access_log() -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let log = dir.path().join("access.log");
    (dir, log)
}

#[tokio::test]
async fn rename_create_while_writer_keeps_appending_to_old_file() {
    let (dir, log) = access_log();
    let mut old = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    old.numbered("old", 0..200);
    let mut got = c.expect_lines(STREAM, 200, LINES_TIMEOUT).await;

    // logrotate's default: rename, then the new file appears, while the
    // writer still holds the old descriptor and goes on appending to it.
    fs::rename(&log, dir.path().join("access.log.1")).unwrap();
    let mut new = Writer::open(&log);
    for i in 0..10 {
        old.numbered("old", 200 + i * 20..200 + (i + 1) * 20);
        new.numbered("new", i * 20..(i + 1) * 20);
        sleep(Duration::from_millis(100)).await;
    }
    // A pause longer than the after-close grace period, without closing:
    // the old file must still be followed.
    sleep(Duration::from_millis(1500)).await;
    old.numbered("old", 400..500);
    drop(old); // the writer reopens: IN_CLOSE_WRITE on the old file
    new.numbered("new", 200..400);

    got.extend(c.expect_lines(STREAM, 300 + 400, LINES_TIMEOUT).await);
    assert_per_file_order(&got, &[("old", 500), ("new", 400)]);

    // The writer closed the old file: it is let go about 1 s later, and
    // the new one is still followed.
    sleep(Duration::from_millis(1000)).await;
    d.wait_released("access.log.1", Duration::from_secs(10));
    new.numbered("new", 400..450);
    got.extend(c.expect_lines(STREAM, 50, LINES_TIMEOUT).await);
    assert_per_file_order(&got, &[("old", 500), ("new", 450)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn rename_create_with_large_unread_tail() {
    let (dir, log) = access_log();
    let mut old = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    // Megabytes still unread in the old file when it is renamed and the new
    // one starts filling up.
    old.numbered("old", 0..30_000);
    fs::rename(&log, dir.path().join("access.log.1")).unwrap();
    let mut new = Writer::open(&log);
    new.numbered("new", 0..1_000);
    old.numbered("old", 30_000..30_100);
    drop(old);
    new.numbered("new", 1_000..2_000);

    let got = c.expect_lines(STREAM, 32_100, Duration::from_secs(60)).await;
    assert_per_file_order(&got, &[("old", 30_100), ("new", 2_000)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn copytruncate() {
    let (dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    w.numbered("a", 0..500);
    let mut got = c.expect_lines(STREAM, 500, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..500));

    // logrotate copytruncate: copy, then truncate in place while the writer
    // keeps its O_APPEND descriptor (its next write lands at offset 0).
    fs::copy(&log, dir.path().join("access.log.1")).unwrap();
    OpenOptions::new().write(true).open(&log).unwrap().set_len(0).unwrap();
    let ev = c.wait_event(STREAM, "truncated", FRAME_TIMEOUT).await;
    assert!(
        ev.is_some(),
        "no `truncated` event after copytruncate; events: {:?}",
        c.events
    );

    w.numbered("b", 0..100);
    got.extend(c.expect_lines(STREAM, 100, LINES_TIMEOUT).await);
    w.numbered("b", 100..500);
    got.extend(c.expect_lines(STREAM, 400, LINES_TIMEOUT).await);
    assert_per_file_order(&got, &[("a", 500), ("b", 500)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn delete_and_recreate() {
    let (_dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    // Delete right after writing, before the lines are necessarily read,
    // and recreate at once.
    w.numbered("old", 0..300);
    drop(w);
    fs::remove_file(&log).unwrap();
    let mut w = Writer::open(&log);
    w.numbered("mid", 0..300);
    drop(w);
    let mut got = c.expect_lines(STREAM, 600, LINES_TIMEOUT).await;
    assert_per_file_order(&got, &[("old", 300), ("mid", 300)]);

    // Delete again and leave the path missing for a while.
    fs::remove_file(&log).unwrap();
    sleep(Duration::from_millis(1000)).await;
    let mut w = Writer::open(&log);
    w.numbered("new", 0..300);
    got.extend(c.expect_lines(STREAM, 300, LINES_TIMEOUT).await);
    assert_per_file_order(&got, &[("old", 300), ("mid", 300), ("new", 300)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn atomic_replace() {
    let (dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    w.numbered("old", 0..300);
    drop(w);
    // A new file, written elsewhere, is renamed over the old one.
    let tmp = dir.path().join("access.log.tmp");
    let mut content = numbered_range("new", 0..100).join("\n");
    content.push('\n');
    fs::write(&tmp, content).unwrap();
    fs::rename(&tmp, &log).unwrap();
    append_lines(&log, &numbered_range("new", 100..300));

    let got = c.expect_lines(STREAM, 600, LINES_TIMEOUT).await;
    assert_per_file_order(&got, &[("old", 300), ("new", 300)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn file_missing_at_start() {
    let (_dir, log) = access_log();
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;
    assert_eq!(c.hello_seq(STREAM), 0);

    sleep(Duration::from_millis(500)).await;
    let mut w = Writer::open(&log);
    w.numbered("a", 0..300);
    let got = c.expect_lines(STREAM, 300, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..300));
    assert_eq!(got[0].0, 1, "first line of the stream has seq 1");
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn directory_missing_at_start() {
    let dir = tempdir();
    let sub = dir.path().join("nginx");
    let log = sub.join("access.log");
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    sleep(Duration::from_millis(500)).await;
    fs::create_dir(&sub).unwrap();
    sleep(Duration::from_millis(300)).await;
    let mut w = Writer::open(&log);
    w.numbered("a", 0..300);
    let got = c.expect_lines(STREAM, 300, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..300));
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn twenty_rapid_rotations() {
    let (dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    let tags: Vec<String> = (0..=20).map(|n| format!("g{n:02}")).collect();
    for (n, tag) in tags.iter().take(20).enumerate() {
        w.numbered(tag, 0..50);
        fs::rename(&log, dir.path().join(format!("access.log.{}", n + 1))).unwrap();
        let next = Writer::open(&log);
        drop(std::mem::replace(&mut w, next));
    }
    w.numbered(&tags[20], 0..50);

    let got = c.expect_lines(STREAM, 21 * 50, Duration::from_secs(60)).await;
    let files: Vec<(&str, usize)> = tags.iter().map(|t| (t.as_str(), 50)).collect();
    assert_per_file_order(&got, &files);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn sighup_while_writing() {
    let (_dir, log) = access_log();
    let w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    // About 2 s of steady writing; three SIGHUPs land in the middle of it.
    let writer = std::thread::spawn(move || {
        let mut w = w;
        for b in 0..40 {
            w.numbered_each("a", b * 50..(b + 1) * 50);
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    for _ in 0..3 {
        sleep(Duration::from_millis(500)).await;
        d.signal(Signal::SIGHUP);
    }
    writer.join().unwrap();

    let got = c.expect_lines(STREAM, 2000, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..2000));
    let ev = c.wait_event(STREAM, "reopened", FRAME_TIMEOUT).await;
    assert!(ev.is_some(), "no `reopened` event after SIGHUP; events: {:?}", c.events);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn partial_line_completed_later() {
    let (_dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    w.raw(b"abc");
    // Nothing is sent for an unfinished line.
    c.expect_no_lines(STREAM, Duration::from_millis(1500)).await;
    w.raw(b"def\n");
    w.raw(b"ghi\n");
    let got = c.expect_lines(STREAM, 2, LINES_TIMEOUT).await;
    assert_exact(&got, &["abcdef".to_string(), "ghi".to_string()]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn huge_line_is_capped() {
    const BIG: usize = 8 * 1024 * 1024;
    const MAX: usize = 64 * 1024;
    let (_dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    let pattern = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/";
    let mut big: Vec<u8> = pattern.iter().cycle().take(BIG).copied().collect();
    big.push(b'\n');
    w.raw(&big);
    w.numbered("n", 0..10);

    let got = c.expect_lines(STREAM, 11, Duration::from_secs(60)).await;
    assert_contiguous(&got);
    let want = format!(
        "{} … [{} bytes truncated]",
        std::str::from_utf8(&big[..MAX]).unwrap(),
        BIG - MAX
    );
    let first = &got[0].1;
    assert!(
        first == &want,
        "capped line: got {} bytes ending in {:?}, want {} bytes ending in {:?}",
        first.len(),
        &first[first.len().saturating_sub(40)..],
        want.len(),
        &want[want.len() - 40..]
    );
    let rest: Vec<(u64, String)> = got[1..].to_vec();
    assert_exact(&rest, &numbered_range("n", 0..10));
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

/// True when `s` is non-empty and made only of U+FFFD.
fn all_replacement(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '\u{FFFD}')
}

#[tokio::test]
async fn invalid_utf8_is_replaced() {
    let (_dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    w.raw(b"before \xff\xfe after\n");
    w.raw("café ✓ ok\n".as_bytes());
    w.raw(b"cut \xe2\x82\n");
    w.numbered("n", 0..5);

    let got = c.expect_lines(STREAM, 8, LINES_TIMEOUT).await;
    assert_contiguous(&got);
    let l0 = &got[0].1;
    let mid = l0
        .strip_prefix("before ")
        .and_then(|s| s.strip_suffix(" after"))
        .unwrap_or_else(|| panic!("line with invalid bytes mangled: {l0:?}"));
    assert!(all_replacement(mid), "invalid bytes not U+FFFD: {l0:?}");
    assert_eq!(got[1].1, "café ✓ ok");
    let l2 = &got[2].1;
    let tail = l2
        .strip_prefix("cut ")
        .unwrap_or_else(|| panic!("line with a cut sequence mangled: {l2:?}"));
    assert!(all_replacement(tail), "cut sequence not U+FFFD: {l2:?}");
    assert_exact(&got[3..], &numbered_range("n", 0..5));
}

#[tokio::test]
async fn crlf_endings_are_stripped() {
    let (_dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    w.raw(b"windows line\r\nunix line\n\r\nlast\r\n");
    let got = c.expect_lines(STREAM, 4, LINES_TIMEOUT).await;
    let want: Vec<String> = ["windows line", "unix line", "", "last"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_exact(&got, &want);
}

#[tokio::test]
async fn two_streams_at_once() {
    let dir = tempdir();
    let access = dir.path().join("access.log");
    let error = dir.path().join("error.log");
    let wa = Writer::open(&access);
    let we = Writer::open(&error);
    let d = Daemon::with_files(&[&access, &error]);
    let mut c = Client::connect_live(&d).await;
    let mut ids = c.stream_ids();
    ids.sort();
    assert_eq!(ids, ["access", "error"]);

    let spawn_writer = |mut w: Writer, tag: &'static str| {
        std::thread::spawn(move || {
            for b in 0..100 {
                w.numbered(tag, b * 10..(b + 1) * 10);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let ta = spawn_writer(wa, "acc");
    let te = spawn_writer(we, "err");
    ta.join().unwrap();
    te.join().unwrap();

    let ga = c.expect_lines("access", 1000, LINES_TIMEOUT).await;
    let ge = c.expect_lines("error", 1000, LINES_TIMEOUT).await;
    assert_exact(&ga, &numbered_range("acc", 0..1000));
    assert_exact(&ge, &numbered_range("err", 0..1000));
    c.expect_no_lines("access", Duration::from_millis(300)).await;
    c.expect_no_lines("error", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn sighup_while_file_missing() {
    let (_dir, log) = access_log();
    let mut w = Writer::open(&log);
    let d = Daemon::with_files(&[&log]);
    let mut c = Client::connect_live(&d).await;

    w.numbered("old", 0..100);
    drop(w);
    let mut got = c.expect_lines(STREAM, 100, LINES_TIMEOUT).await;
    fs::remove_file(&log).unwrap();
    sleep(Duration::from_millis(300)).await;
    d.signal(Signal::SIGHUP);
    sleep(Duration::from_millis(500)).await;

    let mut w = Writer::open(&log);
    w.numbered("new", 0..100);
    got.extend(c.expect_lines(STREAM, 100, LINES_TIMEOUT).await);
    assert_per_file_order(&got, &[("old", 100), ("new", 100)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}
