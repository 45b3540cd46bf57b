//! One follower per stream: watches, reads and survives every kind of rotation.
//!
//! Any inotify event (or a reopen request, or a drain timer) leads to one
//! `reconcile`: read every open file to its end, then make the state match
//! the disk: a new file at the path is opened from its start, the old one is
//! kept and drained until its writers are gone (`rotated`), a shrunk file is
//! re-read from 0 (`source`), a missing one is waited for. Because
//! `reconcile` checks everything, a lost event (IN_Q_OVERFLOW) loses no line.
//!
//! What the path holds is one `PathState` (module `path`); checking the path
//! is one match on what is there now.

/// Logs with the stream's id and path as structured fields (STREAM=, PATH= in the journal).
macro_rules! note {
    ($tag:expr, $level:ident, $($arg:tt)+) => {{
        let tag: &$crate::follow::Tag = $tag;
        log::$level!(stream = tag.stream.as_str(), path = tag.path.as_str(); $($arg)+)
    }};
}

mod lines;
mod mark;
mod notify;
mod output;
mod path;
mod rotated;
mod source;

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use inotify::EventMask;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::hub::Stream;
use crate::shutdown::Shutdown;
use crate::state::{Marks, StreamMark};
use crate::systemd::Pulse;
pub use lines::LineSplitter;
use notify::{Event, Renames, Watcher};
use output::Output;
use path::PathState;
use rotated::Rotated;
use source::Source;

/// Timestamps are coarse: a file changed this long before a look may not have been seen.
const LOOK_MARGIN: Duration = Duration::from_secs(1);
/// After lines were read, wait this long so that a burst of writes makes one frame.
const BATCH_DELAY: Duration = Duration::from_millis(2);

/// The stream and path every log line of a follower carries.
pub struct Tag {
    pub stream: String,
    pub path: String,
}

/// Why the follower woke up.
#[derive(PartialEq, Eq)]
enum Wake {
    Changed,
    Reopen,
    /// Events were lost (IN_Q_OVERFLOW): look at the directory as well.
    Overflow,
}

pub struct Follower {
    path: PathBuf,
    base: OsString,
    max_line: usize,
    watcher: Watcher,
    dir_watch: Option<(inotify::WatchDescriptor, PathBuf)>,
    state: PathState,
    /// Why the path cannot be opened, while it cannot (`path.rs`).
    blocked: Option<String>,
    rotated: Rotated,
    renames: Renames,
    /// When the last reconcile began: after lost events, files renamed since
    /// then may have been at the path.
    last_look: SystemTime,
    /// The last error logged, so that a lasting problem is logged once.
    last_error: Option<String>,
    out: Output,
    /// Where every follower stands, for the state file.
    marks: Arc<Marks>,
}

/// What a follower needs besides its stream.
pub struct Settings {
    /// Longer lines are cut.
    pub max_line: usize,
    /// How much of the file's tail fills the history at start.
    pub history_bytes: usize,
    /// Where the last run stood in this stream, from the state file.
    pub resume: Option<StreamMark>,
    pub marks: Arc<Marks>,
}

impl Follower {
    /// Starts following: watches set, then either the saved files read on
    /// from the mark, or the file opened at its end with the history from its tail.
    pub async fn start(stream: Arc<Stream>, settings: Settings) -> io::Result<Follower> {
        let Settings {
            max_line,
            history_bytes,
            resume,
            marks,
        } = settings;
        let path = stream.path.clone();
        let base = path.file_name().unwrap_or_default().to_os_string();
        let mut f = Follower {
            path,
            base,
            max_line,
            watcher: Watcher::new()?,
            dir_watch: None,
            state: PathState::Missing,
            blocked: None,
            rotated: Rotated::default(),
            renames: Renames::default(),
            last_look: SystemTime::now(),
            last_error: None,
            out: Output::new(stream)?,
            marks,
        };
        if let Err(e) = f.ensure_dir_watch() {
            // Without its watches a follower would stall silently: at start a limit is fatal.
            if notify::is_limit(&e) {
                return Err(e);
            }
            f.report_error(format!("cannot watch the directory of {}: {e}", f.path.display()));
        }
        if let Some(mark) = resume {
            f.resume(mark, history_bytes).await;
        } else {
            match Source::open(&f.path, None, max_line) {
                Ok(src) => f.fill_history(src, history_bytes).await,
                Err(e) if e.kind() == io::ErrorKind::NotFound => f.report_missing().await,
                Err(e) => f.cannot_open(&e).await,
            }
        }
        f.reconcile(Wake::Changed).await;
        Ok(f)
    }

    async fn fill_history(&mut self, mut src: Source, history_bytes: usize) {
        match src.tail(history_bytes as u64) {
            Ok(tail) => self.out.feed(&mut src, &tail).await,
            Err(e) => self.report_error(format!("cannot read {}: {e}", self.path.display())),
        }
        self.out.flush().await;
        self.watch_file(&mut src);
        let offset = src.pos.offset;
        note!(
            self.tag(),
            info,
            "following {} from offset {offset}",
            self.path.display()
        );
        self.enter(PathState::Following(src));
    }

    fn tag(&self) -> &Tag {
        self.out.tag()
    }

    /// Follows until `stop`; a change of `reopen` reopens every file; answers the watchdog's probes.
    /// Returns true if it stopped between reconciles, so that its mark
    /// holds everything it published.
    pub async fn run(mut self, mut reopen: watch::Receiver<u64>, stop: Shutdown, mut pulse: Pulse) -> bool {
        while let Some(wake) = self.wait(&mut reopen, &stop, &mut pulse).await {
            let reconcile = self.reconcile(wake);
            tokio::pin!(reconcile);
            loop {
                tokio::select! {
                    _ = stop.requested() => {
                        pulse.retire();
                        return false;
                    }
                    _ = &mut reconcile => break,
                    _ = pulse.probed() => pulse.answer().await,
                }
            }
        }
        pulse.retire();
        true
    }

    /// Waits for something to do; `None` when it is time to stop.
    async fn wait(&mut self, reopen: &mut watch::Receiver<u64>, stop: &Shutdown, pulse: &mut Pulse) -> Option<Wake> {
        if self.out.published_since_wait() {
            tokio::time::sleep(BATCH_DELAY).await;
        }
        let deadline = self.rotated.deadline();
        loop {
            tokio::select! {
                _ = stop.requested() => return None,
                _ = pulse.probed() => pulse.answer().await,
                r = self.watcher.next_batch() => {
                    match r {
                        Ok(events) if self.handle_events(&events) => return Some(Wake::Overflow),
                        Ok(_) => {}
                        Err(e) => {
                            note!(self.tag(), error, "{}: reading inotify events failed: {e}", self.path.display());
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    return Some(Wake::Changed);
                }
                r = reopen.changed() => {
                    r.ok()?;
                    return Some(Wake::Reopen);
                }
                _ = sleep_until(deadline), if deadline.is_some() => return Some(Wake::Changed),
            }
        }
    }

    /// Takes in a batch of events; true if some were lost.
    fn handle_events(&mut self, events: &[Event]) -> bool {
        let dir_wd = self.dir_watch.as_ref().map(|(wd, _)| wd.clone());
        let mut overflow = false;
        for e in events {
            if e.mask.contains(EventMask::Q_OVERFLOW) {
                overflow = true;
                note!(
                    self.tag(),
                    warn,
                    "{}: inotify queue overflowed; re-checking everything",
                    self.path.display()
                );
                self.renames.clear();
            } else if Some(&e.wd) == dir_wd.as_ref() {
                self.dir_event(e);
            } else if e.mask.contains(EventMask::CLOSE_WRITE) {
                self.open_files_mut()
                    .filter(|s| s.wd.as_ref() == Some(&e.wd))
                    .for_each(|s| s.writer_closed = true);
            }
        }
        self.renames.end_batch();
        overflow
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

    /// Every open file: the rotated ones, oldest first, then the current one.
    fn open_files_mut(&mut self) -> impl Iterator<Item = &mut Source> {
        let current = match &mut self.state {
            PathState::Following(src) => Some(src),
            _ => None,
        };
        self.rotated.iter_mut().chain(current)
    }

    /// Reads everything new and brings the open files in line with the disk.
    async fn reconcile(&mut self, wake: Wake) {
        if let Err(e) = self.ensure_dir_watch() {
            self.report_error(format!("cannot watch the directory of {}: {e}", self.path.display()));
        }
        let (out, rotated) = (&mut self.out, &mut self.rotated);
        for src in rotated.iter_mut() {
            out.drain(src).await;
        }
        if let PathState::Following(src) = &mut self.state {
            self.out.drain(src).await;
        }
        let since = std::mem::replace(&mut self.last_look, SystemTime::now());
        if wake == Wake::Reopen {
            self.reopen_current().await;
        }
        if wake == Wake::Overflow
            && let Some(dir) = self.path.parent()
        {
            // Files that left the path unseen while events were lost.
            let names = rotated::rotation_names(dir, &self.base, since - LOOK_MARGIN);
            self.renames.candidates.extend(names);
        }
        self.check_path().await;
        self.adopt_candidates().await;
        self.close_finished().await;
        self.out.flush().await;
        self.marks.set(self.mark());
    }

    /// Watches the file's directory, or its nearest existing ancestor while it is missing.
    fn ensure_dir_watch(&mut self) -> io::Result<()> {
        let Some(want) = self
            .path
            .ancestors()
            .skip(1)
            .find(|d| d.is_dir())
            .map(Path::to_path_buf)
        else {
            return Ok(());
        };
        if self.dir_watch.as_ref().is_some_and(|(_, d)| *d == want) {
            return Ok(());
        }
        if let Some((wd, _)) = self.dir_watch.take() {
            self.watcher.remove(wd);
        }
        self.dir_watch = Some((self.watcher.add_dir(&want)?, want));
        Ok(())
    }

    /// Logs an error once, until the situation changes.
    fn report_error(&mut self, msg: String) {
        if self.last_error.as_ref() != Some(&msg) {
            note!(self.tag(), error, "{msg}");
            self.last_error = Some(msg);
        }
    }

    fn watch_file(&mut self, src: &mut Source) {
        match self.watcher.add_file(&src.file, &self.path) {
            Ok(wd) => src.wd = Some(wd),
            Err(e) => self.report_error(format!("cannot watch {}: {e}", self.path.display())),
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
