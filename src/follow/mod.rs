//! One follower per stream: watches, reads and survives every kind of rotation.
//!
//! Any inotify event (or a reopen request, or a drain timer) leads to one
//! `reconcile`: read every open file to its end, then make the state match
//! the disk: a new file at the path is opened from its start, the old one is
//! kept and drained until its writers are gone, a shrunk file is re-read
//! from 0, a missing one is waited for. Because `reconcile` checks
//! everything, a lost event (IN_Q_OVERFLOW) loses no line.

mod lines;
mod notify;
mod output;
mod source;

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use inotify::EventMask;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::hub::Stream;
use crate::protocol::EventKind;
use crate::shutdown::Shutdown;
use crate::systemd::Pulse;
use notify::{Event, Renames, Watcher};
use output::Output;
use source::FileId;
use source::Source;

/// Logs with the stream's id and path as structured fields (STREAM=, PATH= in the journal).
macro_rules! note {
    ($f:expr, $level:ident, $($arg:tt)+) => {
        log::$level!(stream = $f.out.stream_id(), path = $f.path_text.as_str(); $($arg)+)
    };
}

/// After a writer closed a rotated file, it is closed once this long passes without writes.
const GRACE: Duration = Duration::from_secs(1);
/// A rotated file is closed after this long without writes, even if no writer closed it.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
/// At most this many rotated files are kept open at once.
const MAX_DRAINING: usize = 16;
/// After lines were read, wait this long so that a burst of writes makes one frame.
const BATCH_DELAY: Duration = Duration::from_millis(2);

pub struct Follower {
    path: PathBuf,
    path_text: String,
    base: OsString,
    max_line: usize,
    watcher: Watcher,
    dir_watch: Option<(inotify::WatchDescriptor, PathBuf)>,
    current: Option<Source>,
    draining: Vec<Source>,
    renames: Renames,
    /// Files recently closed, so that a rename never makes them read twice.
    finished: VecDeque<FileId>,
    missing: bool,
    reopen: bool,
    last_error: Option<String>,
    out: Output,
}

impl Follower {
    /// Starts following: watches set, the file opened at its end, history filled from its tail.
    pub async fn start(stream: Arc<Stream>, max_line: usize, history_bytes: usize) -> io::Result<Follower> {
        let path = stream.path.clone();
        let base = path.file_name().unwrap_or_default().to_os_string();
        let mut f = Follower {
            path_text: path.display().to_string(),
            path,
            base,
            max_line,
            watcher: Watcher::new()?,
            dir_watch: None,
            current: None,
            draining: Vec::new(),
            renames: Renames::default(),
            finished: VecDeque::new(),
            missing: false,
            reopen: false,
            last_error: None,
            out: Output::new(stream),
        };
        f.ensure_dir_watch();
        match Source::open(&f.path, None, max_line) {
            Ok(src) => f.fill_history(src, history_bytes).await,
            Err(e) if e.kind() == io::ErrorKind::NotFound => f.report_missing().await,
            Err(e) => f.cannot_open(&e),
        }
        f.reconcile().await;
        Ok(f)
    }

    async fn fill_history(&mut self, mut src: Source, history_bytes: usize) {
        match src.tail(history_bytes as u64) {
            Ok(tail) => self.out.feed(&mut src.splitter, &tail).await,
            Err(e) => self.report_error(format!("cannot read {}: {e}", self.path.display())),
        }
        self.out.flush().await;
        self.watch_file(&mut src);
        note!(
            self,
            info,
            "following {} from offset {}",
            self.path.display(),
            src.pos.offset
        );
        self.current = Some(src);
    }

    /// Follows until `stop`; a change of `reopen` reopens every file; answers the watchdog's probes.
    pub async fn run(mut self, mut reopen: watch::Receiver<u64>, stop: Shutdown, mut pulse: Pulse) {
        while let Some(()) = self.wait(&mut reopen, &stop, &mut pulse).await {
            let reconcile = self.reconcile();
            tokio::pin!(reconcile);
            loop {
                tokio::select! {
                    _ = stop.requested() => return pulse.retire(),
                    _ = &mut reconcile => break,
                    _ = pulse.probed() => pulse.answer().await,
                }
            }
        }
        pulse.retire();
    }

    /// Waits for something to do; `None` when it is time to stop.
    async fn wait(&mut self, reopen: &mut watch::Receiver<u64>, stop: &Shutdown, pulse: &mut Pulse) -> Option<()> {
        if self.out.published_since_wait() {
            tokio::time::sleep(BATCH_DELAY).await;
        }
        let deadline = self.drain_deadline();
        loop {
            tokio::select! {
                _ = stop.requested() => return None,
                _ = pulse.probed() => pulse.answer().await,
                r = self.watcher.next_batch() => {
                    match r {
                        Ok(events) => self.handle_events(&events),
                        Err(e) => {
                            note!(self, error, "{}: reading inotify events failed: {e}", self.path.display());
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    return Some(());
                }
                r = reopen.changed() => {
                    r.ok()?;
                    self.reopen = true;
                    return Some(());
                }
                _ = sleep_until(deadline), if deadline.is_some() => return Some(()),
            }
        }
    }

    fn handle_events(&mut self, events: &[Event]) {
        let dir_wd = self.dir_watch.as_ref().map(|(wd, _)| wd.clone());
        for e in events {
            if e.mask.contains(EventMask::Q_OVERFLOW) {
                note!(
                    self,
                    warn,
                    "{}: inotify queue overflowed; re-checking everything",
                    self.path.display()
                );
                self.renames.clear();
            } else if Some(&e.wd) == dir_wd.as_ref() {
                self.dir_event(e);
            } else if e.mask.contains(EventMask::CLOSE_WRITE) {
                let all = self.current.iter_mut().chain(self.draining.iter_mut());
                all.filter(|s| s.wd.as_ref() == Some(&e.wd))
                    .for_each(|s| s.writer_closed = true);
            }
        }
        self.renames.end_batch();
    }

    fn dir_event(&mut self, e: &Event) {
        let gone = EventMask::IGNORED | EventMask::DELETE_SELF | EventMask::MOVE_SELF;
        if e.mask.intersects(gone) {
            if let Some((wd, _)) = self.dir_watch.take() {
                self.watcher.remove(wd);
            }
        } else if self.watching_parent() {
            self.renames.observe(e, &self.base);
        }
    }

    fn watching_parent(&self) -> bool {
        self.dir_watch.as_ref().map(|(_, d)| d.as_path()) == self.path.parent()
    }

    /// Reads everything new and brings the open files in line with the disk.
    async fn reconcile(&mut self) {
        self.ensure_dir_watch();
        for i in 0..self.draining.len() {
            self.out.drain(&mut self.draining[i], &self.path).await;
        }
        if let Some(src) = self.current.as_mut() {
            self.out.drain(src, &self.path).await;
        }
        if std::mem::take(&mut self.reopen) {
            self.reopen_current().await;
        }
        self.check_path().await;
        self.adopt_candidates().await;
        self.close_finished().await;
        self.out.flush().await;
    }

    /// Watches the file's directory, or its nearest existing ancestor while it is missing.
    fn ensure_dir_watch(&mut self) {
        let Some(want) = self
            .path
            .ancestors()
            .skip(1)
            .find(|d| d.is_dir())
            .map(Path::to_path_buf)
        else {
            return;
        };
        if self.dir_watch.as_ref().is_some_and(|(_, d)| *d == want) {
            return;
        }
        if let Some((wd, _)) = self.dir_watch.take() {
            self.watcher.remove(wd);
        }
        match self.watcher.add_dir(&want) {
            Ok(wd) => self.dir_watch = Some((wd, want)),
            Err(e) => self.report_error(format!("cannot watch {}: {e}", want.display())),
        }
    }

    /// SIGHUP: open the path again; the same file continues at the same offset.
    async fn reopen_current(&mut self) {
        self.out
            .event(EventKind::Reopened, &format!("{} reopened", self.path.display()))
            .await;
        self.last_error = None;
        let Some(cur) = self.current.as_mut() else { return };
        match Source::open(&self.path, Some(cur.pos.offset), self.max_line) {
            Ok(fresh) if fresh.pos.id == cur.pos.id => cur.file = fresh.file,
            Ok(_) | Err(_) => {} // replaced or gone: check_path handles it
        }
        note!(self, info, "{}: reopened", self.path.display());
    }

    /// Opens whatever file the path names now, if it is not the one we read.
    async fn check_path(&mut self) {
        for _ in 0..8 {
            let meta = match std::fs::metadata(&self.path) {
                Ok(m) => m,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return self.path_missing().await,
                Err(e) => return self.report_error(format!("cannot stat {}: {e}", self.path.display())),
            };
            if self.current.as_ref().map(|s| s.pos.id) == Some(FileId::of(&meta)) {
                return;
            }
            let mut src = match Source::open(&self.path, Some(0), self.max_line) {
                Ok(src) => src,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return self.cannot_open(&e),
            };
            self.announce_new_file().await;
            self.watch_file(&mut src);
            self.out.drain(&mut src, &self.path).await;
            self.current = Some(src);
        }
    }

    async fn announce_new_file(&mut self) {
        let p = self.path.display().to_string();
        if let Some(old) = self.current.take() {
            note!(
                self,
                info,
                "{p}: rotated; following the new file and draining the old one"
            );
            self.out
                .event(EventKind::Rotated, &format!("{p} replaced by a new file"))
                .await;
            self.retire(old).await;
        } else if std::mem::take(&mut self.missing) {
            note!(self, info, "{p}: created; following it from its start");
            self.out.event(EventKind::Created, &format!("{p} appeared")).await;
        }
        self.last_error = None;
    }

    async fn path_missing(&mut self) {
        if let Some(old) = self.current.take() {
            // Still linked somewhere: renamed away by a rotation, not deleted.
            let renamed = old.file.metadata().is_ok_and(|m| m.nlink() > 0);
            self.retire(old).await;
            if renamed {
                let p = self.path.display().to_string();
                note!(
                    self,
                    info,
                    "{p}: rotated (renamed away); draining the old file, waiting for a new one"
                );
                self.missing = true;
                let detail = format!("{p} was renamed away; waiting for a new file");
                return self.out.event(EventKind::Rotated, &detail).await;
            }
            note!(self, info, "{}: removed; draining the old file", self.path.display());
        }
        if !self.missing {
            self.report_missing().await;
        }
    }

    async fn report_missing(&mut self) {
        self.missing = true;
        note!(self, info, "{}: does not exist; waiting for it", self.path.display());
        self.out
            .event(EventKind::Missing, &format!("{} does not exist", self.path.display()))
            .await;
    }

    /// A file that cannot be opened is waited for: its mode or owner may
    /// still change (logrotate's `create` sets them just after creating it),
    /// which the directory watch sees.
    fn cannot_open(&mut self, e: &io::Error) {
        let msg = format!("cannot open {}: {e}", self.path.display());
        if e.kind() == io::ErrorKind::PermissionDenied {
            if self.last_error.as_ref() != Some(&msg) {
                note!(self, warn, "{msg}; waiting for its permissions to change");
                self.last_error = Some(msg);
            }
            return;
        }
        self.report_error(msg);
    }

    /// Logs an error once, until the situation changes.
    fn report_error(&mut self, msg: String) {
        if self.last_error.as_ref() != Some(&msg) {
            note!(self, error, "{msg}");
            self.last_error = Some(msg);
        }
    }

    fn watch_file(&mut self, src: &mut Source) {
        match self.watcher.add_file(&src.file, &self.path) {
            Ok(wd) => src.wd = Some(wd),
            Err(e) => self.report_error(format!("cannot watch {}: {e}", self.path.display())),
        }
    }

    /// Keeps reading a file that left the path, until its writers are gone.
    async fn retire(&mut self, old: Source) {
        self.draining.push(old);
        if self.draining.len() > MAX_DRAINING {
            let oldest = self.draining.remove(0);
            self.close(oldest).await;
        }
    }

    /// Files created at the path and renamed away before we opened them.
    async fn adopt_candidates(&mut self) {
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
            note!(
                self,
                info,
                "{}: reading {} that was rotated before it was opened",
                self.path.display(),
                path.display()
            );
            self.watch_file(&mut src);
            self.out.drain(&mut src, &self.path).await;
            self.retire(src).await;
        }
    }

    fn known(&self, id: FileId) -> bool {
        let open = self.current.iter().chain(self.draining.iter());
        open.map(|s| s.pos.id)
            .chain(self.finished.iter().copied())
            .any(|i| i == id)
    }

    /// Closes rotated files whose writers are gone.
    async fn close_finished(&mut self) {
        let now = std::time::Instant::now();
        let (done, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.draining)
            .into_iter()
            .partition(|s| now.duration_since(s.last_data) >= idle_limit(s));
        self.draining = keep;
        for src in done {
            self.close(src).await;
        }
    }

    async fn close(&mut self, mut src: Source) {
        self.out.drain(&mut src, &self.path).await;
        self.out.finish_line(&mut src.splitter);
        if let Some(wd) = src.wd.take() {
            self.watcher.remove(wd);
        }
        note!(
            self,
            debug,
            "{}: closed a rotated file at offset {}",
            self.path.display(),
            src.pos.offset
        );
        self.finished.push_back(src.pos.id);
        if self.finished.len() > 64 {
            self.finished.pop_front();
        }
    }

    fn drain_deadline(&self) -> Option<Instant> {
        let now = std::time::Instant::now();
        self.draining
            .iter()
            .map(|s| (s.last_data + idle_limit(s)).saturating_duration_since(now))
            .min()
            .map(|d| Instant::now() + d + Duration::from_millis(10))
    }
}

fn idle_limit(s: &Source) -> Duration {
    if s.writer_closed { GRACE } else { DRAIN_TIMEOUT }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
