//! The state file: saved and loaded back, and every state that cannot be continued refused.

use super::*;
use crate::config::{Format, History};

fn streams() -> Vec<StreamConfig> {
    let history = History {
        lines: 10,
        bytes: 1 << 20,
    };
    let make = |id: &str| StreamConfig {
        id: id.into(),
        path: format!("/var/log/{id}.log").into(),
        format: Format::Plain,
        history,
    };
    vec![make("a"), make("b")]
}

fn saved(clean: bool, files_per_stream: usize) -> Saved {
    let file = FileMark {
        dev: 1,
        ino: 2,
        head_len: 64,
        head: 3,
        offset: 100,
    };
    let mark = |id: &str| StreamMark {
        id: id.into(),
        path: format!("/var/log/{id}.log"),
        next_seq: 42,
        files: vec![file; files_per_stream],
    };
    Saved {
        version: VERSION,
        epoch: "e1".into(),
        clean,
        streams: vec![mark("b"), mark("a")],
    }
}

/// `text` written as a state file and loaded for `streams()`.
fn load_text(text: &[u8]) -> Option<Saved> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state");
    std::fs::write(&path, text).unwrap();
    load(&path, &streams())
}

#[test]
fn a_saved_state_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state");
    save(&path, &saved(false, 1)).unwrap();
    assert_eq!(load(&path, &streams()), Some(saved(false, 1)));
    assert!(!path.with_extension("tmp").exists());
}

#[test]
fn states_that_cannot_be_continued_are_ignored() {
    let good = serde_json::to_vec(&saved(true, 1)).unwrap();
    assert!(load_text(&good).is_some());
    assert_eq!(load_text(b"\x00garbage{"), None, "corrupt");
    assert_eq!(load_text(&good[..good.len() / 2]), None, "truncated");
    let mut other = saved(true, 1);
    other.streams.pop();
    assert_eq!(
        load_text(&serde_json::to_vec(&other).unwrap()),
        None,
        "foreign: other streams"
    );
    other = saved(true, 1);
    other.streams[0].path = "/elsewhere.log".into();
    assert_eq!(
        load_text(&serde_json::to_vec(&other).unwrap()),
        None,
        "foreign: another path"
    );
    other = saved(true, 1);
    other.version = VERSION + 1;
    assert_eq!(load_text(&serde_json::to_vec(&other).unwrap()), None, "another version");
    assert_eq!(load_text(br#"{"version":0,"epoch":"x"}"#), None, "an older layout");
}

#[test]
fn a_state_saved_abruptly_during_a_rotation_is_not_continued() {
    assert!(load_text(&serde_json::to_vec(&saved(true, 2)).unwrap()).is_some());
    assert_eq!(load_text(&serde_json::to_vec(&saved(false, 2)).unwrap()), None);
    assert!(load_text(&serde_json::to_vec(&saved(false, 1)).unwrap()).is_some());
}

#[test]
fn missing_and_unreadable_states_are_no_state() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(load(&dir.path().join("none"), &streams()), None);
    assert_eq!(load(dir.path(), &streams()), None, "a directory");
}

#[test]
fn a_reused_inode_is_not_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.log");
    std::fs::write(&path, "first file's first line\n").unwrap();
    let file = File::open(&path).unwrap();
    let meta = file.metadata().unwrap();
    let mark = FileMark::new(meta.dev(), meta.ino(), Head::of(&file).unwrap(), 24);
    assert!(mark.is(&File::open(&path).unwrap()));
    // Same inode, other content: what a reused inode looks like.
    std::fs::write(&path, "another file altogether!\n").unwrap();
    assert!(!mark.is(&File::open(&path).unwrap()));
    assert_eq!(mark.head_len, 24);
}

#[test]
fn the_configured_location_wins() {
    assert_eq!(location(Some(Path::new("/x/state"))), Some(PathBuf::from("/x/state")));
}
