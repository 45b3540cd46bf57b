//! Raw inotify on tokio: watches on files and directories, events read in batches.
//!
//! Also tracks renames inside the watched directory, so that a file that was
//! created at the followed path and renamed away before it could be opened
//! (rapid rotations) is still found under its new name.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};
use tokio::io::unix::AsyncFd;

/// One inotify event, owned.
pub struct Event {
    pub wd: WatchDescriptor,
    pub mask: EventMask,
    pub cookie: u32,
    pub name: Option<OsString>,
}

pub struct Watcher {
    fd: AsyncFd<Inotify>,
    buf: Vec<u8>,
}

const FILE_MASK: WatchMask = WatchMask::MODIFY
    .union(WatchMask::ATTRIB)
    .union(WatchMask::CLOSE_WRITE)
    .union(WatchMask::MOVE_SELF)
    .union(WatchMask::DELETE_SELF);

const DIR_MASK: WatchMask = WatchMask::CREATE
    .union(WatchMask::MOVED_TO)
    .union(WatchMask::MOVED_FROM)
    .union(WatchMask::DELETE)
    .union(WatchMask::ATTRIB)
    .union(WatchMask::DELETE_SELF)
    .union(WatchMask::MOVE_SELF)
    .union(WatchMask::ONLYDIR);

impl Watcher {
    pub fn new() -> io::Result<Watcher> {
        let inotify = Inotify::init().map_err(|e| explain_limit(e, "instances"))?;
        // SAFETY: an `Inotify` owns its descriptor and never changes or closes it while alive.
        let fd = unsafe { AsyncFd::register(inotify) }?;
        Ok(Watcher {
            fd,
            buf: vec![0; 64 * 1024],
        })
    }

    /// Watches the inode behind an open file (not whatever its path names now).
    pub fn add_file(&self, file: &std::fs::File, path: &Path) -> io::Result<WatchDescriptor> {
        let by_fd = format!("/proc/self/fd/{}", file.as_raw_fd());
        let mut watches = self.fd.get_ref().watches();
        watches
            .add(&by_fd, FILE_MASK)
            .or_else(|_| watches.add(path, FILE_MASK))
            .map_err(|e| explain_limit(e, "watches"))
    }

    pub fn add_dir(&self, dir: &Path) -> io::Result<WatchDescriptor> {
        let added = self.fd.get_ref().watches().add(dir, DIR_MASK);
        added.map_err(|e| explain_limit(e, "watches"))
    }

    /// Removes a watch; one already gone (its file deleted) is fine.
    pub fn remove(&self, wd: WatchDescriptor) {
        let _ = self.fd.get_ref().watches().remove(wd);
    }

    /// Waits for events and returns every event queued now.
    pub async fn next_batch(&mut self) -> io::Result<Vec<Event>> {
        let mut events = Vec::new();
        loop {
            let mut guard = self.fd.readable_mut().await?;
            let buf = &mut self.buf;
            match guard.try_io(|fd| read_into(fd.get_mut(), buf, &mut events)) {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => return Err(e),
                Err(_would_block) if events.is_empty() => continue,
                Err(_would_block) => return Ok(events),
            }
        }
    }
}

/// Names the kernel limit behind an inotify error (EMFILE for instances,
/// ENOSPC for watches) and how to raise it; other errors pass unchanged.
fn explain_limit(e: io::Error, what: &str) -> io::Error {
    let hit = match what {
        "instances" => e.raw_os_error() == Some(libc::EMFILE),
        _ => e.raw_os_error() == Some(libc::ENOSPC),
    };
    if !hit {
        return e;
    }
    let key = format!("max_user_{what}");
    let now = std::fs::read_to_string(format!("/proc/sys/fs/inotify/{key}"));
    let now = now.as_deref().map_or("?", str::trim);
    let msg = format!(
        "the inotify limit fs.inotify.{key} ({now}) is reached; raise it, e.g. \
         `sysctl fs.inotify.{key}=<more>` (persist it in /etc/sysctl.d/)"
    );
    io::Error::new(e.kind(), LimitReached(msg))
}

/// A kernel limit on inotify stopped a watch or an instance.
#[derive(Debug)]
struct LimitReached(String);

impl std::fmt::Display for LimitReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitReached {}

/// True if `e` is an inotify limit (see `explain_limit`).
pub fn is_limit(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LimitReached>())
}

fn read_into(inotify: &mut Inotify, buf: &mut [u8], out: &mut Vec<Event>) -> io::Result<()> {
    for e in inotify.read_events(buf)? {
        out.push(Event {
            wd: e.wd,
            mask: e.mask,
            cookie: e.cookie,
            name: e.name.map(OsStr::to_os_string),
        });
    }
    Ok(())
}

/// Names in the directory that hold files which were at the followed path.
#[derive(Default)]
pub struct Renames {
    moving: HashMap<u32, OsString>,
    pub candidates: Vec<OsString>,
}

impl Renames {
    /// Notes one directory event; `base` is the followed file's name.
    pub fn observe(&mut self, e: &Event, base: &OsStr) {
        let Some(name) = &e.name else { return };
        let tracked = name == base || self.candidates.contains(name);
        if e.mask.contains(EventMask::MOVED_FROM) && tracked {
            self.candidates.retain(|c| c != name);
            self.moving.insert(e.cookie, name.clone());
        } else if e.mask.contains(EventMask::MOVED_TO) {
            self.candidates.retain(|c| c != name);
            if self.moving.remove(&e.cookie).is_some() && name != base {
                self.candidates.push(name.clone());
            }
        } else if e.mask.contains(EventMask::DELETE) {
            self.candidates.retain(|c| c != name);
        }
    }

    /// Forgets renames whose other half never came (moved out of the directory).
    pub fn end_batch(&mut self) {
        self.moving.clear();
    }

    pub fn clear(&mut self) {
        self.moving.clear();
        self.candidates.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(mask: EventMask, cookie: u32, name: &str, wd: WatchDescriptor) -> Event {
        Event {
            wd,
            mask,
            cookie,
            name: Some(name.into()),
        }
    }

    #[tokio::test]
    async fn rename_chains_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let w = Watcher::new().unwrap();
        let wd = w.add_dir(dir.path()).unwrap();
        let base = OsStr::new("access.log");
        let mut r = Renames::default();
        r.observe(&ev(EventMask::MOVED_FROM, 1, "access.log", wd.clone()), base);
        r.observe(&ev(EventMask::MOVED_TO, 1, "access.log.1", wd.clone()), base);
        assert_eq!(r.candidates, ["access.log.1"]);
        r.observe(&ev(EventMask::MOVED_FROM, 2, "access.log.1", wd.clone()), base);
        r.observe(&ev(EventMask::MOVED_TO, 2, "access.log.2", wd.clone()), base);
        r.observe(&ev(EventMask::MOVED_FROM, 3, "other", wd.clone()), base);
        r.observe(&ev(EventMask::MOVED_TO, 3, "other.1", wd.clone()), base);
        assert_eq!(r.candidates, ["access.log.2"]);
        r.observe(&ev(EventMask::DELETE, 0, "access.log.2", wd), base);
        assert!(r.candidates.is_empty());
    }

    #[tokio::test]
    async fn events_arrive_in_a_batch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        std::fs::write(&path, b"x\n").unwrap();
        let mut w = Watcher::new().unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let fwd = w.add_file(&file, &path).unwrap();
        w.add_dir(dir.path()).unwrap();
        std::fs::rename(&path, dir.path().join("f.log.1")).unwrap();
        std::fs::write(&path, b"y\n").unwrap();
        let batch = tokio::time::timeout(std::time::Duration::from_secs(5), w.next_batch())
            .await
            .unwrap()
            .unwrap();
        assert!(
            batch
                .iter()
                .any(|e| e.wd == fwd && e.mask.contains(EventMask::MOVE_SELF))
        );
        assert!(batch.iter().any(|e| e.mask.contains(EventMask::CREATE)));
    }
}
