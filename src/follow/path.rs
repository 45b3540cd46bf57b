//! What the followed path holds, and how the follower keeps up with it.
//!
//! The path is in one of three states: a file is followed, nothing is there,
//! or something is there that cannot be opened. Every reconcile looks at the
//! path once ([`AtPath`]) and moves between the states with the events that
//! clients see: `rotated`, `created`, `missing`, `reopened`. What the path
//! holds is recorded in the stream (`hub/status.rs`) before the event that
//! says so is published, so that `hello` tells it to every client, whatever
//! its backlog.

use std::io;
use std::os::unix::fs::MetadataExt;

use super::Follower;
use super::source::{FileId, Source, check_regular};
use crate::hub::PathStatus;
use crate::protocol::{EventKind, StreamState};

/// What the followed path holds, as the follower last saw it.
pub(super) enum PathState {
    /// A file at the path is open and read as it grows.
    Following(Source),
    /// Nothing is at the path; a file that appears is read from its start.
    Missing,
    /// Something is at the path that cannot be opened (yet), for the reason
    /// in `Follower::blocked`: its permissions may still change, which the
    /// directory watch sees.
    Unreadable,
}

/// Why a path cannot be opened, as the event says it without the error's
/// number: `Permission denied`, `not a regular file (a FIFO)`.
fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    let number = e.raw_os_error().map(|code| format!(" (os error {code})"));
    match number.and_then(|n| text.strip_suffix(&n).map(str::to_string)) {
        Some(bare) => bare,
        None => text,
    }
}

/// What is at the path now, compared with the file being followed.
enum AtPath {
    Same,
    Gone,
    New(Source),
    Blocked(io::Error),
}

impl Follower {
    /// What the stream's clients are told of the path: unreadable while it
    /// cannot be opened (even while a file that left it is still followed),
    /// else whether a file is followed.
    fn status(&self) -> PathStatus {
        match (&self.blocked, &self.state) {
            (Some(why), _) => PathStatus::new(StreamState::Unreadable, why),
            (None, PathState::Following(_)) => PathStatus::new(StreamState::Following, ""),
            // Unreadable is always blocked.
            (None, PathState::Missing | PathState::Unreadable) => PathStatus::new(StreamState::Missing, ""),
        }
    }

    /// Records in the stream what the path holds (a change is told to
    /// clients by a new `hello`).
    fn tell(&self) {
        self.out.stream().set_status(self.status());
    }

    /// Takes `state` (a file, or nothing) as what the path holds, and
    /// records it in the stream; returns the state before.
    pub(super) fn enter(&mut self, state: PathState) -> PathState {
        self.blocked = None;
        let old = std::mem::replace(&mut self.state, state);
        self.tell();
        old
    }

    /// The followed file is at the path: it can be opened again.
    fn reachable(&mut self) {
        if self.blocked.take().is_some() {
            self.tell();
        }
    }

    /// SIGHUP: open the path again; the same file continues at the same offset.
    pub(super) async fn reopen_current(&mut self) {
        let detail = format!("{} reopened", self.path.display());
        self.out.event(EventKind::Reopened, &detail).await;
        self.last_error = None;
        let PathState::Following(cur) = &mut self.state else {
            return;
        };
        match Source::open(&self.path, Some(cur.pos.offset), self.max_line) {
            Ok(fresh) if fresh.pos.id == cur.pos.id => cur.file = fresh.file,
            Ok(_) | Err(_) => {} // replaced or gone: check_path handles it
        }
        note!(self.tag(), info, "{}: reopened", self.path.display());
    }

    /// Brings the state in line with whatever the path names now.
    pub(super) async fn check_path(&mut self) {
        // A path that changes again while it is checked is checked again, a few times.
        for _ in 0..8 {
            match self.look() {
                AtPath::Same => return self.reachable(),
                AtPath::Gone => return self.path_missing().await,
                AtPath::Blocked(e) => return self.cannot_open(&e).await,
                AtPath::New(src) => self.follow_new(src).await,
            }
        }
    }

    fn look(&self) -> AtPath {
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return AtPath::Gone,
            Err(e) => return AtPath::Blocked(e),
        };
        if matches!(&self.state, PathState::Following(s) if s.pos.id == FileId::of(&meta)) {
            return AtPath::Same;
        }
        if let Err(e) = check_regular(&meta) {
            return AtPath::Blocked(e);
        }
        match Source::open(&self.path, Some(0), self.max_line) {
            Ok(src) => AtPath::New(src),
            Err(e) if e.kind() == io::ErrorKind::NotFound => AtPath::Gone,
            Err(e) => AtPath::Blocked(e),
        }
    }

    /// A new file at the path: announce it, then read it from its start.
    async fn follow_new(&mut self, mut src: Source) {
        let p = self.path.display().to_string();
        self.last_error = None;
        self.watch_file(&mut src);
        match self.enter(PathState::Following(src)) {
            PathState::Following(old) => {
                note!(
                    self.tag(),
                    info,
                    "{p}: rotated; following the new file and draining the old one"
                );
                self.out
                    .event(EventKind::Rotated, &format!("{p} replaced by a new file"))
                    .await;
                self.retire(old).await;
            }
            PathState::Missing | PathState::Unreadable => {
                note!(self.tag(), info, "{p}: created; following it from its start");
                self.out.event(EventKind::Created, &format!("{p} appeared")).await;
            }
        }
        if let PathState::Following(src) = &mut self.state {
            self.out.drain(src).await;
        }
    }

    async fn path_missing(&mut self) {
        match self.enter(PathState::Missing) {
            PathState::Following(old) => self.lost_current(old).await,
            PathState::Missing => {}
            PathState::Unreadable => self.report_missing().await,
        }
    }

    /// The followed file left the path: renamed away by a rotation, or deleted.
    async fn lost_current(&mut self, old: Source) {
        let renamed = old.file.metadata().is_ok_and(|m| m.nlink() > 0);
        self.retire(old).await;
        let p = self.path.display().to_string();
        if renamed {
            note!(
                self.tag(),
                info,
                "{p}: rotated (renamed away); draining the old file, waiting for a new one"
            );
            let detail = format!("{p} was renamed away; waiting for a new file");
            return self.out.event(EventKind::Rotated, &detail).await;
        }
        note!(self.tag(), info, "{p}: removed; draining the old file");
        self.report_missing().await;
    }

    pub(super) async fn report_missing(&mut self) {
        self.enter(PathState::Missing);
        note!(
            self.tag(),
            info,
            "{}: does not exist; waiting for it",
            self.path.display()
        );
        let detail = format!("{} does not exist", self.path.display());
        self.out.event(EventKind::Missing, &detail).await;
    }

    /// Something at the path cannot be opened: the stream is unreadable. A
    /// file being followed stays followed until a new one can be read (a
    /// writer may still append to it). Each distinct reason is logged, and
    /// told to clients in an event, once.
    pub(super) async fn cannot_open(&mut self, e: &io::Error) {
        if matches!(self.state, PathState::Missing) {
            self.state = PathState::Unreadable;
        }
        self.blocked = Some(reason(e));
        self.tell();
        let msg = format!("cannot open {}: {e}", self.path.display());
        if self.last_error.as_ref() == Some(&msg) {
            return;
        }
        if e.kind() == io::ErrorKind::PermissionDenied {
            note!(self.tag(), warn, "{msg}; waiting for its permissions to change");
        } else {
            note!(self.tag(), error, "{msg}; waiting for a readable file");
        }
        self.last_error = Some(msg.clone());
        self.out.event(EventKind::Unreadable, &msg).await;
    }
}
