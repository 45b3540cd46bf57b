//! Watching a running daemon through /proc for a soak test: its resident
//! memory (VmRSS) and open descriptors over time, and every deleted file it
//! holds open, matched by inode against the writer's `FileLog` to tell how
//! long after its writer closed it and it was deleted it was still held.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::os::unix::fs::MetadataExt;

use super::loggen::FileLog;

/// How often descriptors are scanned for deleted files.
const SCAN_EVERY: Duration = Duration::from_millis(250);

/// One point of the curves.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Since the watch began.
    pub at: Duration,
    pub rss_kib: u64,
    pub fds: usize,
    /// The most descriptors seen by any scan since the previous sample.
    pub fds_max: usize,
}

/// A deleted file the daemon was seen holding.
#[derive(Debug, Clone)]
pub struct Hold {
    pub target: String,
    pub ino: u64,
    /// When it was last seen held, since the watch began.
    pub last_seen: Duration,
    /// How long after it was both closed by its writer and deleted it was
    /// still seen held (zero if it was never seen held after that).
    pub past_release: Duration,
    /// False for a deleted file the writer did not make.
    pub known: bool,
}

/// What the watch saw.
#[derive(Debug, Default)]
pub struct WatchReport {
    pub samples: Vec<Sample>,
    /// Every deleted file seen held, by inode.
    pub holds: Vec<Hold>,
}

/// Watches process `pid` until `stop`: a sample every `every`, descriptors scanned every 250 ms.
pub fn spawn_watch(pid: i32, every: Duration, files: FileLog, stop: Arc<AtomicBool>) -> JoinHandle<WatchReport> {
    std::thread::Builder::new()
        .name("soak-watch".into())
        .spawn(move || watch(pid, every, &files, &stop))
        .expect("spawn the watch")
}

fn watch(pid: i32, every: Duration, files: &FileLog, stop: &AtomicBool) -> WatchReport {
    let start = Instant::now();
    let mut holds: HashMap<u64, Hold> = HashMap::new();
    let mut samples = Vec::new();
    let (mut next_sample, mut fds_max) = (start, 0);
    loop {
        let fds = scan(pid, start, files, &mut holds);
        fds_max = fds_max.max(fds);
        let stopping = stop.load(Ordering::Relaxed);
        if Instant::now() >= next_sample || stopping {
            let rss_kib = rss_kib(pid);
            let at = start.elapsed();
            samples.push(Sample {
                at,
                rss_kib,
                fds,
                fds_max,
            });
            (next_sample, fds_max) = (next_sample + every, 0);
        }
        if stopping {
            break;
        }
        std::thread::sleep(SCAN_EVERY);
    }
    let mut holds: Vec<Hold> = holds.into_values().collect();
    holds.sort_by_key(|h| h.last_seen);
    WatchReport { samples, holds }
}

/// Counts the descriptors of `pid` and notes the deleted files among them.
fn scan(pid: i32, start: Instant, files: &FileLog, holds: &mut HashMap<u64, Hold>) -> usize {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    let mut fds = 0;
    for entry in dir.flatten() {
        fds += 1;
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let target = target.to_string_lossy().into_owned();
        if !target.ends_with(" (deleted)") {
            continue;
        }
        // The link's target is gone, but stat through /proc still reaches the inode.
        let Ok(ino) = std::fs::metadata(entry.path()).map(|m| m.ino()) else {
            continue;
        };
        let now = Instant::now();
        let life = files.life(ino);
        let released = life.and_then(|l| l.released());
        let past = released.map_or(Duration::ZERO, |r| now.saturating_duration_since(r));
        let hold = holds.entry(ino).or_insert_with(|| Hold {
            target: target.clone(),
            ino,
            last_seen: Duration::ZERO,
            past_release: Duration::ZERO,
            known: life.is_some(),
        });
        hold.last_seen = now - start;
        hold.past_release = hold.past_release.max(past);
    }
    fds
}

/// The number of descriptors `pid` holds open.
pub fn fd_count(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// VmRSS of `pid` in KiB (0 once it is gone).
pub fn rss_kib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:"));
    line.and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// The deleted files `pid` holds now.
pub fn deleted_now(pid: i32) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .map(|t| t.to_string_lossy().into_owned())
        .filter(|t| t.ends_with(" (deleted)"))
        .collect()
}
