//! Files that left the followed path but are still read until their writers are gone.
//!
//! After a rename rotation, a writer such as nginx keeps appending to the old
//! file until it reopens its logs, so the old file stays open and is read
//! with every reconcile. It is closed once its writer closed it
//! (IN_CLOSE_WRITE) and `GRACE` passed without writes, or after
//! `DRAIN_TIMEOUT` without writes in any case, so that no deleted file stays
//! held open. Closed files are remembered for a while, so that a later rename
//! event never makes one read twice.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use super::source::{FileId, Source};
use super::{Follower, PathState};

/// After a writer closed a rotated file, it is closed once this long passes without writes.
const GRACE: Duration = Duration::from_secs(1);
/// A rotated file is closed after this long without writes, even if no writer closed it.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
/// At most this many rotated files are kept open at once.
const MAX_OPEN: usize = 16;
/// How many closed files are remembered.
const REMEMBERED: usize = 64;

#[derive(Default)]
pub struct Rotated {
    open: Vec<Source>,
    finished: VecDeque<FileId>,
}

impl Rotated {
    /// The rotated files still open, oldest first.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Source> {
        self.open.iter_mut()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Source> {
        self.open.iter()
    }

    /// Keeps `src` open; returns the oldest file if too many are open, to be closed now.
    pub fn push(&mut self, src: Source) -> Option<Source> {
        self.open.push(src);
        (self.open.len() > MAX_OPEN).then(|| self.open.remove(0))
    }

    /// Takes out the files whose writers are gone.
    pub fn take_done(&mut self) -> Vec<Source> {
        let now = Instant::now();
        let (done, keep) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(|s| now.duration_since(s.last_data) >= idle_limit(s));
        self.open = keep;
        done
    }

    /// Remembers a closed file.
    pub fn closed(&mut self, id: FileId) {
        self.finished.push_back(id);
        if self.finished.len() > REMEMBERED {
            self.finished.pop_front();
        }
    }

    /// True if `id` is open here or was closed recently.
    pub fn knows(&self, id: FileId) -> bool {
        self.open.iter().any(|s| s.pos.id == id) || self.finished.contains(&id)
    }

    /// When the next open file may be done, if any is open.
    pub fn deadline(&self) -> Option<tokio::time::Instant> {
        let now = Instant::now();
        self.open
            .iter()
            .map(|s| (s.last_data + idle_limit(s)).saturating_duration_since(now))
            .min()
            .map(|d| tokio::time::Instant::now() + d + Duration::from_millis(10))
    }
}

fn idle_limit(s: &Source) -> Duration {
    if s.writer_closed { GRACE } else { DRAIN_TIMEOUT }
}

/// Names in `dir` that look like rotations of `base` (`base` and a suffix,
/// such as `access.log.1` or `access.log-20261130`, not compressed) and were
/// renamed or written since `since` (their ctime): after lost events, the
/// files that may have been at the path without being seen.
pub fn rotation_names(dir: &Path, base: &OsStr, since: SystemTime) -> Vec<OsString> {
    const COMPRESSED: [&str; 6] = [".gz", ".xz", ".zst", ".bz2", ".lz4", ".zip"];
    let since = since
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.file_name())
        .filter(|name| {
            let n = name.as_bytes();
            n.len() > base.len() && n.starts_with(base.as_bytes())
        })
        .filter(|name| !COMPRESSED.iter().any(|c| name.as_bytes().ends_with(c.as_bytes())))
        .filter(|name| std::fs::metadata(dir.join(name)).is_ok_and(|m| m.ctime() >= since))
        .collect()
}

/// The follower's side of rotated files: keeping, adopting and closing them.
impl Follower {
    /// Keeps reading a file that left the path, until its writers are gone.
    pub(super) async fn retire(&mut self, old: Source) {
        if let Some(oldest) = self.rotated.push(old) {
            self.close(oldest).await;
        }
    }

    /// Files created at the path and renamed away before we opened them.
    pub(super) async fn adopt_candidates(&mut self) {
        let Some(dir) = self.path.parent().map(Path::to_path_buf) else {
            return;
        };
        for name in std::mem::take(&mut self.renames.candidates) {
            let path = dir.join(&name);
            let Ok(mut src) = Source::open(&path, Some(0), self.max_line) else {
                continue;
            };
            if self.known(src.pos.id) {
                continue;
            }
            let (p, name) = (self.path.display(), path.display());
            match self.read_before(&src) {
                // copytruncate's copy of what was read, found after lost events.
                Some(offset) => {
                    note!(
                        self.tag(),
                        info,
                        "{p}: {name} is a copy of what was read; reading it from offset {offset}"
                    );
                    src.pos.offset = offset;
                }
                None => note!(
                    self.tag(),
                    info,
                    "{p}: reading {name} that was rotated before it was opened"
                ),
            }
            self.watch_file(&mut src);
            self.out.drain(&mut src).await;
            self.retire(src).await;
        }
    }

    /// How far the content of `src` was read, if it is a copy of what a
    /// followed file held before it was truncated (the same head).
    fn read_before(&self, src: &Source) -> Option<u64> {
        let head = src.head().ok().filter(|h| h.is_final())?;
        let current = match &self.state {
            PathState::Following(s) => Some(s),
            _ => None,
        };
        let size = src.file.metadata().ok()?.len();
        current
            .into_iter()
            .chain(self.rotated.iter())
            .flat_map(|s| &s.truncated)
            .find(|(h, read)| *h == head && *read <= size)
            .map(|&(_, read)| read)
    }

    pub(super) fn known(&self, id: FileId) -> bool {
        let current = matches!(&self.state, PathState::Following(s) if s.pos.id == id);
        current || self.rotated.knows(id)
    }

    /// Closes rotated files whose writers are gone.
    pub(super) async fn close_finished(&mut self) {
        for src in self.rotated.take_done() {
            self.close(src).await;
        }
    }

    async fn close(&mut self, mut src: Source) {
        self.out.drain(&mut src).await;
        self.out.finish_line(&mut src.splitter);
        if let Some(wd) = src.wd.take() {
            self.watcher.remove(wd);
        }
        let offset = src.pos.offset;
        note!(
            self.tag(),
            debug,
            "{}: closed a rotated file at offset {offset}",
            self.path.display()
        );
        self.rotated.closed(src.pos.id);
    }
}
