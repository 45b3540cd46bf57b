//! Follower tests that drive `handle_events` and `reconcile` directly.

use super::*;
use crate::config::{Format, History, StreamConfig};
use crate::hub::{Cursor, Hub, Start};
use crate::protocol::{EventKind, Message};
use crate::state::StreamMark;
use std::collections::HashMap;
use tokio_tungstenite::tungstenite::Utf8Bytes;

fn hub_for(path: &Path) -> Hub {
    Hub::new(&[StreamConfig {
        id: "s".into(),
        path: path.to_path_buf(),
        format: Format::Plain,
        history: History {
            lines: 1000,
            bytes: 1 << 20,
        },
    }])
}

/// Lines up to 1 KiB, a history of 1 MiB, and `resume` if given.
fn settings(resume: Option<StreamMark>) -> Settings {
    Settings {
        max_line: 1024,
        history_bytes: 1 << 20,
        resume,
        marks: Arc::default(),
    }
}

/// Every message in the ring for `c`; lines older than the ring are a gap.
fn take_all(c: &mut Cursor, msgs: &mut Vec<Utf8Bytes>) {
    while let Err(behind) = c.poll(msgs, usize::MAX) {
        c.skip(behind.to, msgs);
    }
}

/// Every line published so far, in seq order.
fn published(stream: &Arc<Stream>) -> Vec<String> {
    let (mut c, _, first) = Cursor::new(stream.clone(), Start::Since(0));
    let mut msgs = first;
    take_all(&mut c, &mut msgs);
    msgs.iter()
        .filter_map(|m| match Message::decode(m.as_str()).unwrap() {
            Message::Lines(l) => Some(l.lines),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A reader that sees every event from now on (a reader that joins later
/// sees only the events after the oldest line still in memory).
fn listen(stream: &Arc<Stream>) -> Cursor {
    Cursor::new(stream.clone(), Start::Since(0)).0
}

/// The events `reader` got since it last looked, in order.
fn events(reader: &mut Cursor) -> Vec<(EventKind, String)> {
    let mut msgs = Vec::new();
    take_all(reader, &mut msgs);
    msgs.iter()
        .filter_map(|m| match Message::decode(m.as_str()).unwrap() {
            Message::Event(e) => Some((e.event, e.detail)),
            _ => None,
        })
        .collect()
}

/// A follower of `app.log` in a temp dir, which starts with `initial`.
async fn follower_on(initial: &str) -> (tempfile::TempDir, PathBuf, Arc<Stream>, Follower) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, initial).unwrap();
    let stream = hub_for(&path).streams()[0].clone();
    let f = Follower::start(stream.clone(), settings(None)).await.unwrap();
    (dir, path, stream, f)
}

#[tokio::test]
async fn a_queue_overflow_loses_no_line() {
    let (dir, path, stream, mut f) = follower_on("old\n").await;
    assert_eq!(published(&stream), ["old"]);

    // A rotation and writes to both files, whose events are all "lost".
    std::fs::write(&path, "old\na1\n").unwrap();
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    std::fs::write(&path, "b1\nb2\n").unwrap();
    let overflow = Event {
        wd: f.dir_watch.as_ref().unwrap().0.clone(),
        mask: EventMask::Q_OVERFLOW,
        cookie: 0,
        name: None,
    };
    assert!(f.handle_events(&[overflow]));
    f.reconcile(Wake::Overflow).await;
    assert_eq!(published(&stream), ["old", "a1", "b1", "b2"]);
}

#[tokio::test]
async fn a_file_created_and_renamed_away_unseen_is_still_read() {
    let (dir, path, stream, mut f) = follower_on("").await;

    // Two rotations before the follower looks: the middle file never sits at the path when it does.
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    std::fs::write(&path, "m1\nm2\n").unwrap();
    std::fs::rename(&path, dir.path().join("app.log.2")).unwrap();
    std::fs::write(&path, "n1\n").unwrap();
    let events = tokio::time::timeout(Duration::from_secs(5), f.watcher.next_batch())
        .await
        .unwrap()
        .unwrap();
    f.handle_events(&events);
    f.reconcile(Wake::Changed).await;
    let mut got = published(&stream);
    got.sort();
    assert_eq!(got, ["m1", "m2", "n1"]);
}

#[tokio::test]
async fn a_truncation_ends_the_partial_line_instead_of_gluing_it_to_the_next() {
    let (_dir, path, stream, mut f) = follower_on("a\n").await;
    std::fs::write(&path, "a\nbefore-trunc-partial").unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(published(&stream), ["a"]);

    // copytruncate, then the writer goes on in the emptied file.
    std::fs::write(&path, "").unwrap();
    f.reconcile(Wake::Changed).await;
    std::fs::write(&path, "x\n").unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(published(&stream), ["a", "before-trunc-partial", "x"]);
}

#[tokio::test]
async fn a_writer_that_kept_its_offset_after_a_truncation_leaves_no_nul_in_lines() {
    use std::os::unix::fs::FileExt;
    let (_dir, path, stream, mut f) = follower_on("a\nb\n").await;
    let mut reader = listen(&stream);
    // copytruncate, seen by the follower before the writer writes again...
    std::fs::write(&path, "").unwrap();
    f.reconcile(Wake::Changed).await;
    // ...which writes at its old offset (no O_APPEND), and then far beyond it.
    let w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    w.write_all_at(b"c\n", 4).unwrap();
    f.reconcile(Wake::Changed).await;
    w.write_all_at(b"d\n", 64 << 20).unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(published(&stream), ["a", "b", "c", "d"]);
    let skipped: Vec<_> = events(&mut reader)
        .into_iter()
        .filter(|e| e.0 == EventKind::Skipped)
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped[0].1.contains("skipped 4 NUL bytes"), "{skipped:?}");
}

/// Runs `Follower::start` on its own thread: a start that blocks fails the test instead of hanging it.
fn start_within(stream: Arc<Stream>, limit: Duration) -> Option<Follower> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let f = rt.block_on(Follower::start(stream, settings(None))).unwrap();
        let _ = tx.send(f);
    });
    rx.recv_timeout(limit).ok()
}

#[tokio::test]
async fn a_fifo_at_the_path_never_blocks_and_is_followed_once_it_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let stream = hub_for(&path).streams()[0].clone();
    let mut reader = listen(&stream);
    let started = start_within(stream.clone(), Duration::from_secs(5));
    if started.is_none() {
        // Let the stuck open return, so the test ends.
        let _ = std::fs::OpenOptions::new().write(true).open(&path);
    }
    let mut f = started.expect("start-up blocked on a FIFO");
    let ev = events(&mut reader);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].0, EventKind::Unreadable);
    assert!(ev[0].1.contains("not a regular file (a FIFO)"), "{ev:?}");

    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, "ok\n").unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(published(&stream), ["ok"]);
    assert_eq!(events(&mut reader).last().unwrap().0, EventKind::Created);
}

#[tokio::test]
async fn bad_paths_are_reported_once_each_and_following_resumes() {
    let (dir, path, stream, mut f) = follower_on("").await;
    let mut reader = listen(&stream);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    f.reconcile(Wake::Changed).await;
    f.reconcile(Wake::Changed).await;
    std::fs::remove_dir(&path).unwrap();
    std::os::unix::fs::symlink(&path, &path).unwrap();
    f.reconcile(Wake::Changed).await;
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/null", &path).unwrap();
    f.reconcile(Wake::Changed).await;
    std::fs::remove_file(&path).unwrap();
    std::fs::write(dir.path().join("new"), "back\n").unwrap();
    std::fs::rename(dir.path().join("new"), &path).unwrap();
    f.reconcile(Wake::Changed).await;
    let unreadable: Vec<_> = events(&mut reader)
        .into_iter()
        .filter(|e| e.0 == EventKind::Unreadable)
        .map(|e| e.1)
        .collect();
    assert_eq!(unreadable.len(), 3, "{unreadable:?}");
    assert!(unreadable[0].contains("a directory"), "{unreadable:?}");
    assert!(unreadable[1].contains("symbolic links"), "{unreadable:?}");
    assert!(unreadable[2].contains("a character device"), "{unreadable:?}");
    assert_eq!(published(&stream), ["back"]);
}

#[tokio::test]
async fn the_stream_records_what_is_at_the_path_and_why_it_cannot_be_read() {
    use crate::hub::PathStatus;
    use crate::protocol::StreamState::*;
    let (dir, path, stream, mut f) = follower_on("").await;
    assert_eq!(stream.status(), PathStatus::new(Following, ""));
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(stream.status(), PathStatus::new(Missing, ""));
    std::fs::create_dir(&path).unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(
        stream.status(),
        PathStatus::new(Unreadable, "not a regular file (a directory)")
    );
    std::fs::remove_dir(&path).unwrap();
    std::os::unix::fs::symlink(&path, &path).unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(
        stream.status(),
        PathStatus::new(Unreadable, "Too many levels of symbolic links")
    );
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, "back\n").unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(stream.status(), PathStatus::new(Following, ""));
    assert_eq!(published(&stream), ["back"]);
}

#[tokio::test]
async fn a_followed_file_replaced_by_a_directory_in_one_go_is_unreadable_until_a_file_is_back() {
    use crate::hub::PathStatus;
    use crate::protocol::StreamState::*;
    let (dir, path, stream, mut f) = follower_on("a\n").await;
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(
        stream.status(),
        PathStatus::new(Unreadable, "not a regular file (a directory)")
    );
    std::fs::remove_dir(&path).unwrap();
    std::fs::write(dir.path().join("new"), "b\n").unwrap();
    std::fs::rename(dir.path().join("new"), &path).unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(stream.status(), PathStatus::new(Following, ""));
    assert_eq!(published(&stream), ["a", "b"]);
}

#[tokio::test]
async fn a_follower_that_starts_without_its_file_records_it_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let stream = hub_for(&path).streams()[0].clone();
    let _f = Follower::start(stream.clone(), settings(None)).await.unwrap();
    let status = stream.status();
    assert_eq!(
        (status.state, status.detail.as_str()),
        (crate::protocol::StreamState::Missing, "")
    );
}

#[tokio::test]
async fn a_file_that_came_and_went_while_events_were_lost_is_still_read() {
    let (dir, path, stream, mut f) = follower_on("old\n").await;
    // Rotated twice while the queue overflowed: the middle file was never opened.
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    std::fs::write(&path, "m1\nm2\n").unwrap();
    std::fs::rename(&path, dir.path().join("app.log.2")).unwrap();
    std::fs::write(&path, "n1\n").unwrap();
    f.reconcile(Wake::Overflow).await;
    let mut got = published(&stream);
    got.sort();
    assert_eq!(got, ["m1", "m2", "n1", "old"]);
}

#[tokio::test]
async fn a_copytruncate_s_copy_found_after_lost_events_is_read_from_where_reading_stopped() {
    let first: Vec<String> = (0..100).map(|i| format!("line {i:04} of the first content")).collect();
    let (dir, path, stream, mut f) = follower_on(&(first.join("\n") + "\n")).await;
    assert_eq!(published(&stream), first);
    // Written after the last read, copied, truncated, written again: and
    // every event of it lost.
    std::fs::write(&path, first.join("\n") + "\nlate\n").unwrap();
    std::fs::copy(&path, dir.path().join("app.log.1")).unwrap();
    std::fs::write(&path, "after\n").unwrap();
    f.reconcile(Wake::Overflow).await;
    let mut got = published(&stream);
    got.sort();
    let mut want: Vec<String> = first.iter().cloned().chain(["after".into(), "late".into()]).collect();
    want.sort();
    assert_eq!(got, want, "each line once");
}

#[test]
fn recent_rotations_are_the_file_s_renamed_siblings_only() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "app.log",
        "app.log.1",
        "app.log-20261130",
        "app.log.2.gz",
        "other.log.1",
        "app.lo",
    ] {
        std::fs::write(dir.path().join(name), "x\n").unwrap();
    }
    let base = std::ffi::OsStr::new("app.log");
    let now = SystemTime::now();
    let mut got = rotated::rotation_names(dir.path(), base, now - Duration::from_secs(10));
    got.sort();
    assert_eq!(got, ["app.log-20261130", "app.log.1"]);
    let later = rotated::rotation_names(dir.path(), base, now + Duration::from_secs(10));
    assert!(later.is_empty(), "{later:?}");
}

/// Every line published so far with its number.
fn numbered(stream: &Arc<Stream>) -> Vec<(u64, String)> {
    let (mut c, _, first) = Cursor::new(stream.clone(), Start::Since(0));
    let mut msgs = first;
    take_all(&mut c, &mut msgs);
    msgs.iter()
        .filter_map(|m| match Message::decode(m.as_str()).unwrap() {
            Message::Lines(l) => Some((l.seq..).zip(l.lines).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A follower of `path` started again from `mark`, in a hub that continues its numbering.
async fn restarted(path: &Path, mark: StreamMark) -> (Arc<Stream>, Follower) {
    let next = HashMap::from([("s".to_string(), mark.next_seq)]);
    let config = hub_for(path).streams()[0].clone();
    let hub = Hub::continuing(&[stream_config(&config)], "e".into(), &next);
    let stream = hub.streams()[0].clone();
    let f = Follower::start(stream.clone(), settings(Some(mark))).await.unwrap();
    (stream, f)
}

fn stream_config(s: &Stream) -> StreamConfig {
    StreamConfig {
        id: s.id.clone(),
        path: s.path.clone(),
        format: Format::Plain,
        history: History {
            lines: 1000,
            bytes: 1 << 20,
        },
    }
}

fn lines(from: u64, texts: &[&str]) -> Vec<(u64, String)> {
    (from..).zip(texts.iter().map(|t| t.to_string())).collect()
}

#[tokio::test]
async fn a_restart_numbers_the_lines_as_before_and_reads_what_came_meanwhile() {
    let (_dir, path, stream, mut f) = follower_on("a\nb\n").await;
    std::fs::write(&path, "a\nb\nc\npart").unwrap();
    f.reconcile(Wake::Changed).await;
    assert_eq!(numbered(&stream), lines(1, &["a", "b", "c"]));
    let mark = f.mark();
    assert_eq!((mark.next_seq, mark.files.len(), mark.files[0].offset), (4, 1, 6));
    drop(f);
    std::fs::write(&path, "a\nb\nc\npartial line\nd\n").unwrap();
    let (stream, _f) = restarted(&path, mark).await;
    assert_eq!(numbered(&stream), lines(1, &["a", "b", "c", "partial line", "d"]));
}

#[tokio::test]
async fn a_rotation_while_stopped_reads_the_old_file_s_rest_then_the_new_file() {
    let (dir, path, _stream, mut f) = follower_on("a\n").await;
    let mark = f.mark();
    f.reconcile(Wake::Changed).await;
    drop(f);
    std::fs::write(&path, "a\nb\n").unwrap();
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    std::fs::write(&path, "c\n").unwrap();
    let (stream, _f) = restarted(&path, mark).await;
    assert_eq!(numbered(&stream), lines(1, &["a", "b", "c"]));
}

#[tokio::test]
async fn a_copytruncate_while_stopped_reads_the_copy_s_rest() {
    let head = "x".repeat(100);
    let (dir, path, _stream, f) = follower_on(&format!("{head}\n")).await;
    let mark = f.mark();
    drop(f);
    std::fs::write(dir.path().join("app.log.1"), format!("{head}\nb\n")).unwrap();
    std::fs::write(&path, "c\n").unwrap();
    let (stream, _f) = restarted(&path, mark).await;
    assert_eq!(numbered(&stream), lines(1, &[head.as_str(), "b", "c"]));
}

#[tokio::test]
async fn a_file_gone_while_stopped_is_told_and_the_new_one_read_from_its_start() {
    let (_dir, path, _stream, f) = follower_on("a\n").await;
    let mark = f.mark();
    drop(f);
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, "new\n").unwrap();
    let next = HashMap::from([("s".to_string(), mark.next_seq)]);
    let hub = Hub::continuing(&[stream_config(&_stream)], "e".into(), &next);
    let stream = hub.streams()[0].clone();
    let mut reader = listen(&stream);
    let _f = Follower::start(stream.clone(), settings(Some(mark))).await.unwrap();
    assert_eq!(numbered(&stream), lines(2, &["new"]));
    let kinds: Vec<_> = events(&mut reader).into_iter().map(|e| e.0).collect();
    assert!(kinds.contains(&EventKind::Lost), "{kinds:?}");
}

#[tokio::test]
async fn a_reused_inode_is_read_as_a_new_file() {
    let (_dir, path, _stream, f) = follower_on("old content one\n").await;
    let mark = f.mark();
    drop(f);
    // The same inode now holds another file (what inode reuse looks like).
    std::fs::write(&path, "new content, a longer file\n").unwrap();
    let (stream, _f) = restarted(&path, mark).await;
    assert_eq!(numbered(&stream), lines(2, &["new content, a longer file"]));
}
