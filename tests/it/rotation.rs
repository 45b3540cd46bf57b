//! Following a file through every common rotation style, a missing file or
//! directory, and reopens (SIGHUP): each test writes numbered lines and
//! checks that every line arrives exactly once, in order per file, with
//! contiguous `seq` and no `gap` frame (the `Client` fails on a gap or a seq
//! jump).

use std::fs::{self, OpenOptions};
use std::time::Duration;

use logmon::protocol::EventKind;
use nix::sys::signal::Signal;
use tokio::time::sleep;

use crate::harness::*;

const STREAM: &str = "access";

#[tokio::test]
async fn rename_create_while_writer_keeps_appending_to_old_file() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut old = fx.dir.writer("access.log");
    old.numbered("old", 0..200);
    let mut got = c.expect_lines(STREAM, 200, LINES_TIMEOUT).await;

    // logrotate's default: rename, then the new file appears, while the
    // writer still holds the old descriptor and goes on appending to it.
    let mut new = old.rotate_to(&fx.dir.path("access.log.1"));
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
    fx.wait_released("access.log.1", Duration::from_secs(10));
    new.numbered("new", 400..450);
    got.extend(c.expect_lines(STREAM, 50, LINES_TIMEOUT).await);
    assert_per_file_order(&got, &[("old", 500), ("new", 450)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn rename_create_with_large_unread_tail() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut old = fx.dir.writer("access.log");

    // Megabytes still unread in the old file when it is renamed and the new
    // one starts filling up.
    old.numbered("old", 0..30_000);
    let mut new = old.rotate_to(&fx.dir.path("access.log.1"));
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
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");
    w.numbered("a", 0..500);
    let mut got = c.expect_lines(STREAM, 500, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..500));

    // logrotate copytruncate: copy, then truncate in place while the writer
    // keeps its O_APPEND descriptor (its next write lands at offset 0).
    let log = fx.dir.path("access.log");
    fs::copy(&log, fx.dir.path("access.log.1")).unwrap();
    OpenOptions::new().write(true).open(&log).unwrap().set_len(0).unwrap();
    let ev = c.wait_event(STREAM, EventKind::Truncated, FRAME_TIMEOUT).await;
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
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let log = fx.dir.path("access.log");

    // Delete right after writing, before the lines are necessarily read,
    // and recreate at once.
    fx.dir.writer("access.log").numbered("old", 0..300);
    fs::remove_file(&log).unwrap();
    fx.dir.writer("access.log").numbered("mid", 0..300);
    let mut got = c.expect_lines(STREAM, 600, LINES_TIMEOUT).await;
    assert_per_file_order(&got, &[("old", 300), ("mid", 300)]);

    // Delete again and leave the path missing for a while.
    fs::remove_file(&log).unwrap();
    sleep(Duration::from_millis(1000)).await;
    let mut w = fx.dir.writer("access.log");
    w.numbered("new", 0..300);
    got.extend(c.expect_lines(STREAM, 300, LINES_TIMEOUT).await);
    assert_per_file_order(&got, &[("old", 300), ("mid", 300), ("new", 300)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn atomic_replace() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    fx.dir.writer("access.log").numbered("old", 0..300);
    // A new file, written elsewhere, is renamed over the old one.
    let tmp = fx.dir.path("access.log.tmp");
    let mut content = numbered_range("new", 0..100).join("\n");
    content.push('\n');
    fs::write(&tmp, content).unwrap();
    fs::rename(&tmp, fx.dir.path("access.log")).unwrap();
    fx.dir.append("access.log", &numbered_range("new", 100..300));

    let got = c.expect_lines(STREAM, 600, LINES_TIMEOUT).await;
    assert_per_file_order(&got, &[("old", 300), ("new", 300)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn file_missing_at_start() {
    let fx = Setup::new().streams(&[ACCESS]).files_absent().start();
    let mut c = Client::connect_live(&fx).await;
    assert_eq!(c.hello_seq(STREAM), 0);

    sleep(Duration::from_millis(500)).await;
    let mut w = fx.dir.writer("access.log");
    w.numbered("a", 0..300);
    let got = c.expect_lines(STREAM, 300, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..300));
    assert_eq!(got[0].0, 1, "first line of the stream has seq 1");
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn directory_missing_at_start() {
    let fx = Setup::new()
        .streams(&[("access", "nginx/access.log")])
        .files_absent()
        .start();
    let mut c = Client::connect_live(&fx).await;

    sleep(Duration::from_millis(500)).await;
    fs::create_dir(fx.dir.path("nginx")).unwrap();
    sleep(Duration::from_millis(300)).await;
    let mut w = fx.dir.writer("nginx/access.log");
    w.numbered("a", 0..300);
    let got = c.expect_lines(STREAM, 300, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..300));
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn twenty_rapid_rotations() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");
    let tags: Vec<String> = (0..=20).map(|n| format!("g{n:02}")).collect();
    for (n, tag) in tags.iter().take(20).enumerate() {
        w.numbered(tag, 0..50);
        w = w.rotate_to(&fx.dir.path(&format!("access.log.{}", n + 1)));
    }
    w.numbered(&tags[20], 0..50);

    let got = c.expect_lines(STREAM, 21 * 50, Duration::from_secs(60)).await;
    let files: Vec<(&str, usize)> = tags.iter().map(|t| (t.as_str(), 50)).collect();
    assert_per_file_order(&got, &files);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn sighup_while_writing() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");

    // About 2 s of steady writing; three SIGHUPs land in the middle of it.
    let writer = std::thread::spawn(move || {
        for b in 0..40 {
            w.numbered_each("a", b * 50..(b + 1) * 50);
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    for _ in 0..3 {
        sleep(Duration::from_millis(500)).await;
        fx.signal(Signal::SIGHUP);
    }
    writer.join().unwrap();

    let got = c.expect_lines(STREAM, 2000, LINES_TIMEOUT).await;
    assert_exact(&got, &numbered_range("a", 0..2000));
    let ev = c.wait_event(STREAM, EventKind::Reopened, FRAME_TIMEOUT).await;
    assert!(ev.is_some(), "no `reopened` event after SIGHUP; events: {:?}", c.events);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn sighup_while_file_missing() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    fx.dir.writer("access.log").numbered("old", 0..100);
    let mut got = c.expect_lines(STREAM, 100, LINES_TIMEOUT).await;
    fs::remove_file(fx.dir.path("access.log")).unwrap();
    sleep(Duration::from_millis(300)).await;
    fx.signal(Signal::SIGHUP);
    sleep(Duration::from_millis(500)).await;

    let mut w = fx.dir.writer("access.log");
    w.numbered("new", 0..100);
    got.extend(c.expect_lines(STREAM, 100, LINES_TIMEOUT).await);
    assert_per_file_order(&got, &[("old", 100), ("new", 100)]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}
