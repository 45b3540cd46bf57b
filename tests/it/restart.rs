//! Restarts lose nothing: with a state file, a restarted daemon (even after
//! `kill -9`) keeps its epoch and numbers every line as before, so a client
//! that resumes with `since=` gets every line exactly once; lines written
//! while it was stopped, also across a rotation, come after the start; a
//! reused inode is not taken for the old file; a state file that cannot be
//! used is reported and ignored, never fatal.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use logmon::protocol::Message;
use nix::sys::signal::Signal;

use crate::harness::*;

/// A stream `access` and a state file in one directory; the daemon is started and stopped at will.
struct Restartable {
    setup: Setup,
    config: PathBuf,
    state: PathBuf,
}

impl Restartable {
    fn new() -> Restartable {
        let setup = Setup::new().streams(&[ACCESS]);
        let config = setup.write_config();
        let state = setup.dir.path("state");
        Restartable { setup, config, state }
    }

    fn start(&self) -> Daemon {
        let args = [
            "--config",
            self.config.to_str().unwrap(),
            "--state-file",
            self.state.to_str().unwrap(),
        ];
        Daemon::start(&args, &[])
    }
}

/// Reads `url` until the connection ends or `until` lines came or `limit`
/// passed: the epoch and every (seq, line).
async fn read_all(url: String, until: usize, limit: Duration) -> (String, Vec<Line>) {
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect("connect");
    let (mut epoch, mut got) = (String::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + limit;
    while got.len() < until {
        let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, ws.next()).await else {
            break;
        };
        let text = match frame {
            tokio_tungstenite::tungstenite::Message::Text(text) => text,
            tokio_tungstenite::tungstenite::Message::Close(_) => break,
            _ => continue,
        };
        match Message::decode(text.as_str()).expect("a protocol message") {
            Message::Hello(h) => epoch = h.epoch,
            Message::Lines(l) => got.extend((l.seq..).zip(l.lines)),
            Message::Gap(g) => panic!("a resuming client got a gap: {g:?}"),
            _ => {}
        }
    }
    (epoch, got)
}

/// Connects with `backlog=0`, then runs `write`, then reads `n` lines.
async fn live_lines(d: &Daemon, n: usize, write: impl FnOnce()) -> (String, Vec<Line>) {
    let reader = tokio::spawn(read_all(d.ws_url("backlog=0"), n, LINES_TIMEOUT));
    tokio::time::sleep(Duration::from_millis(300)).await;
    write();
    reader.await.unwrap()
}

/// `since=access:SEQ` after the last line in `got`, or `backlog=0`.
fn resume_query(got: &[Line]) -> String {
    got.last()
        .map_or("backlog=0".into(), |(seq, _)| format!("since=access:{seq}"))
}

/// Appends numbered lines of `tag` at about `per_sec` until `stop`; the count written.
fn steady_writer(w: Writer, tag: &'static str, per_sec: u64, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    let mut w = w;
    std::thread::spawn(move || {
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            w.numbered(tag, n..n + per_sec as usize / 100);
            n += per_sec as usize / 100;
            std::thread::sleep(Duration::from_millis(10));
        }
        n
    })
}

#[tokio::test]
async fn kill_9_at_random_moments_under_load_loses_and_repeats_nothing() {
    let r = Restartable::new();
    let stop = Arc::new(AtomicBool::new(false));
    let mut seed = std::process::id() as u64 ^ Instant::now().elapsed().as_nanos() as u64 | 1;
    println!("seed {seed}");
    let (mut got, mut epochs) = (Vec::new(), Vec::new());
    let mut writer = None;
    for round in 0..20 {
        let mut d = r.start();
        let reader = tokio::spawn(read_all(
            d.ws_url(&resume_query(&got)),
            usize::MAX,
            Duration::from_secs(30),
        ));
        if round == 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            writer = Some(steady_writer(r.setup.dir.writer("access.log"), "k", 2000, stop.clone()));
        }
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        tokio::time::sleep(Duration::from_millis(200 + (seed >> 33) % 1300)).await;
        d.signal(Signal::SIGKILL);
        d.wait_exit(Duration::from_secs(10));
        let (epoch, lines) = reader.await.unwrap();
        epochs.push(epoch);
        got.extend(lines);
    }
    stop.store(true, Ordering::Relaxed);
    let total = writer.unwrap().join().unwrap();
    let d = r.start();
    let (epoch, rest) = read_all(d.ws_url(&resume_query(&got)), total - got.len(), LINES_TIMEOUT).await;
    epochs.push(epoch);
    got.extend(rest);
    println!(
        "20 kills: {total} lines written, {} received; epochs seen: {}",
        got.len(),
        epochs.len()
    );
    assert!(epochs.iter().all(|e| *e == epochs[0]), "the epoch changed: {epochs:?}");
    assert_exact(&got, &numbered_range("k", 0..total));
}

#[tokio::test]
async fn lines_written_while_stopped_also_across_a_rotation_arrive_once() {
    let r = Restartable::new();
    let mut d = r.start();
    let write = || r.setup.dir.append("access.log", &numbered_range("a", 0..300));
    let (epoch, mut got) = live_lines(&d, 300, write).await;
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(15)).code(), Some(0));
    // While stopped: more lines, a rotation (the old file lives on as .1), more lines.
    r.setup.dir.append("access.log", &numbered_range("a", 300..800));
    std::fs::rename(r.setup.dir.path("access.log"), r.setup.dir.path("access.log.1")).unwrap();
    r.setup.dir.append("access.log", &numbered_range("b", 0..500));
    let d = r.start();
    let (again, rest) = read_all(d.ws_url(&resume_query(&got)), 1000, LINES_TIMEOUT).await;
    assert_eq!(again, epoch, "the epoch is kept");
    got.extend(rest);
    assert_per_file_order(&got, &[("a", 800), ("b", 500)]);
    assert!(d.output().contains("resuming at line 301"), "{}", d.output());
}

#[tokio::test]
async fn a_reused_inode_is_read_as_a_new_file() {
    let r = Restartable::new();
    let mut d = r.start();
    let write = || r.setup.dir.append("access.log", &numbered_range("a", 0..50));
    let (_, mut got) = live_lines(&d, 50, write).await;
    d.signal(Signal::SIGTERM);
    d.wait_exit(Duration::from_secs(15));
    // The same inode, other content, longer than the saved offset.
    let path = r.setup.dir.path("access.log");
    std::fs::write(&path, numbered_range("n", 0..80).join("\n") + "\n").unwrap();
    let d = r.start();
    let (_, rest) = read_all(d.ws_url(&resume_query(&got)), 80, LINES_TIMEOUT).await;
    got.extend(rest);
    assert_per_file_order(&got, &[("a", 50), ("n", 80)]);
}

/// Starts on a state file holding `bad` (or made by `make`); the daemon
/// starts, says why it ignores the state, and serves a new epoch.
async fn ignores_bad_state(make: impl FnOnce(&std::path::Path), why: &str) {
    let r = Restartable::new();
    make(&r.state);
    let d = r.start();
    let write = || r.setup.dir.append("access.log", &numbered_range("a", 0..3));
    let (_, got) = live_lines(&d, 3, write).await;
    assert_exact(&got, &numbered_range("a", 0..3));
    let out = d.output();
    assert!(out.contains("ignored") && out.contains(why), "{out}");
    assert_eq!(out.matches("ignored").count(), 1, "{out}");
}

#[tokio::test]
async fn corrupt_truncated_foreign_old_and_unreadable_states_are_ignored() {
    ignores_bad_state(|p| std::fs::write(p, b"\x00\x01 not json").unwrap(), "not a state file").await;
    ignores_bad_state(
        |p| std::fs::write(p, br#"{"version":1,"epoch":"x","clean":tr"#).unwrap(),
        "not a state file",
    )
    .await;
    let foreign =
        r#"{"version":1,"epoch":"x","clean":true,"streams":[{"id":"other","path":"/o.log","next_seq":5,"files":[]}]}"#;
    ignores_bad_state(|p| std::fs::write(p, foreign).unwrap(), "other streams").await;
    ignores_bad_state(
        |p| std::fs::write(p, r#"{"version":0,"epoch":"x","clean":true,"streams":[]}"#).unwrap(),
        "version",
    )
    .await;
    ignores_bad_state(|p| std::fs::create_dir(p).unwrap(), "cannot read").await;
}
