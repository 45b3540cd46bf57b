//! Follower tests that drive `handle_events` and `reconcile` directly.

use super::*;
use crate::config::{Format, History, StreamConfig};
use crate::hub::{Cursor, Hub, Start};
use crate::protocol::{EventKind, Message};

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

/// Every line published so far, in seq order.
fn published(stream: &Arc<Stream>) -> Vec<String> {
    let (mut c, _, first) = Cursor::new(stream.clone(), Start::Since(0));
    let mut msgs = first;
    c.poll(&mut msgs, usize::MAX);
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
    reader.poll(&mut msgs, usize::MAX);
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
    let f = Follower::start(stream.clone(), 1024, 1 << 20).await.unwrap();
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
        let f = rt.block_on(Follower::start(stream, 1024, 1 << 20)).unwrap();
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
    let mut got = rotated::recent_rotations(dir.path(), base, now - Duration::from_secs(10));
    got.sort();
    assert_eq!(got, ["app.log-20261130", "app.log.1"]);
    let later = rotated::recent_rotations(dir.path(), base, now + Duration::from_secs(10));
    assert!(later.is_empty(), "{later:?}");
}
