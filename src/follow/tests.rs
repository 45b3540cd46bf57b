//! Follower tests that drive `handle_events` and `reconcile` directly.

use super::*;
use crate::config::{Format, History, StreamConfig};
use crate::hub::{Cursor, Hub, Start};
use crate::protocol::Message;

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
    f.handle_events(&[overflow]);
    f.reconcile(Wake::Changed).await;
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
