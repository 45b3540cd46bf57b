//! What becomes of the bytes of a file: partial lines wait for their end,
//! huge lines are capped, invalid UTF-8 is replaced, line endings are
//! stripped, and two streams are numbered apart.

use std::time::Duration;

use crate::harness::*;

const STREAM: &str = "access";

#[tokio::test]
async fn partial_line_completed_later() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");

    w.raw(b"abc");
    // Nothing is sent for an unfinished line.
    c.expect_no_lines(STREAM, Duration::from_millis(1500)).await;
    w.raw(b"def\n");
    w.raw(b"ghi\n");
    let got = c.expect_lines(STREAM, 2, LINES_TIMEOUT).await;
    assert_exact(&got, &["abcdef", "ghi"]);
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn huge_line_is_capped() {
    const BIG: usize = 8 * 1024 * 1024;
    const MAX: usize = 64 * 1024;
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");

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
    assert_exact(&got[1..], &numbered_range("n", 0..10));
    c.expect_no_lines(STREAM, Duration::from_millis(500)).await;
}

/// True when `s` is non-empty and made only of U+FFFD.
fn all_replacement(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '\u{FFFD}')
}

#[tokio::test]
async fn invalid_utf8_is_replaced() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut w = fx.dir.writer("access.log");

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
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    fx.dir
        .writer("access.log")
        .raw(b"windows line\r\nunix line\n\r\nlast\r\n");
    let got = c.expect_lines(STREAM, 4, LINES_TIMEOUT).await;
    assert_exact(&got, &["windows line", "unix line", "", "last"]);
}

#[tokio::test]
async fn two_streams_at_once() {
    let (fx, mut c) = Fixture::live(&[ACCESS, ERROR]).await;
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
    let ta = spawn_writer(fx.dir.writer("access.log"), "acc");
    let te = spawn_writer(fx.dir.writer("error.log"), "err");
    ta.join().unwrap();
    te.join().unwrap();

    let ga = c.expect_lines("access", 1000, LINES_TIMEOUT).await;
    let ge = c.expect_lines("error", 1000, LINES_TIMEOUT).await;
    assert_exact(&ga, &numbered_range("acc", 0..1000));
    assert_exact(&ge, &numbered_range("err", 0..1000));
    c.expect_no_lines("access", Duration::from_millis(300)).await;
    c.expect_no_lines("error", Duration::from_millis(300)).await;
}
