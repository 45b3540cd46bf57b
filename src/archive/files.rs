//! A stream's history files: the file at its path and the rotations of it
//! beside it, newest first, each known by identity (device, inode and the
//! fingerprint of its head, as in the state file).
//!
//! Rotation names, with `access.log` the followed file's name:
//!
//! - numbered, logrotate's default: `access.log.1` (newest), `access.log.2`, ...;
//! - dated, logrotate's `dateext`: `access.log-20261130`, or any `-` and
//!   digits with `-`, `_` or `.` between (`dateformat -%Y-%m-%d.%H`), newest
//!   being the largest, since dates are written widest unit first;
//! - either one followed by `.gz` (`compress`), read by decompressing.
//!
//! The file at the path comes first; the rotations follow newest first by
//! their modification time (the time of their last line: logrotate keeps it
//! when it compresses), and by name where times are equal (dated files
//! before numbered ones). Other compressions (`.xz`, `.zst`, `.bz2`) are
//! not read.
//!
//! Only regular files are listed, and a rotation's name is never followed
//! to another file: a link `access.log.2 -> /etc/passwd` is passed over
//! (opened with `O_NOFOLLOW`). The stream's own path keeps the follower's
//! policy: it may be a link.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::cursor::Cursor;
use crate::state::{FileMark, Head};

/// Where a name stands among the rotations: lower sorts newer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Age {
    /// The followed file itself.
    Current,
    /// A dated rotation; the key is the date's digits, negated by sorting in reverse.
    Dated(std::cmp::Reverse<String>),
    /// A numbered rotation.
    Numbered(u64),
}

/// What a name in the directory is to the stream whose file is called `base`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub age: Age,
    pub gz: bool,
}

/// The rotation a name is, if it is one of `base`.
pub fn parse_name(base: &str, name: &str) -> Option<Rotation> {
    let rest = name.strip_prefix(base)?;
    let (rest, gz) = match rest.strip_suffix(".gz") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let age = if rest.is_empty() {
        Age::Current
    } else if let Some(n) = rest.strip_prefix('.').filter(|n| all_digits(n)) {
        Age::Numbered(n.parse().ok()?)
    } else if let Some(date) = rest.strip_prefix('-').filter(|d| is_date(d)) {
        Age::Dated(std::cmp::Reverse(date.to_string()))
    } else {
        return None;
    };
    (age != Age::Current || !gz).then_some(Rotation { age, gz })
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let seps = s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
    digits >= 6 && seps && s.as_bytes()[0].is_ascii_digit()
}

/// One history file as listed.
#[derive(Debug, Clone)]
pub struct HistoryFile {
    /// Its name in the directory, as pages show it.
    pub name: String,
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
    pub head: Head,
    /// Its size on disk (compressed, for `.gz`).
    pub size: u64,
    pub gz: bool,
    /// True for the stream's own path, which may be a link (the follower
    /// follows it too); a rotation's name is never followed.
    pub current: bool,
}

impl HistoryFile {
    /// A cursor at `offset` in this file.
    pub fn cursor(&self, offset: u64) -> Cursor {
        Cursor {
            dev: self.dev,
            ino: self.ino,
            head_len: self.head.len as u16,
            head: self.head.hash,
            offset,
        }
    }

    /// True if the cursor names this file: same inode, and its head starts with the cursor's.
    pub fn is(&self, dev: u64, ino: u64, head_len: u64, head: u64) -> bool {
        let mark = FileMark::new(
            dev,
            ino,
            Head {
                len: head_len,
                hash: head,
            },
            0,
        );
        self.dev == dev && self.ino == ino && self.open().is_ok_and(|f| mark.is(&f))
    }

    /// Opens the file, checking it is still the one listed.
    pub fn open(&self) -> io::Result<File> {
        let file = open(&self.path, self.current)?;
        let meta = file.metadata()?;
        if meta.dev() != self.dev || meta.ino() != self.ino {
            return Err(io::Error::other(format!("{} was replaced", self.name)));
        }
        Ok(file)
    }
}

/// The history files of the stream followed at `path`, newest first.
pub fn list(path: &Path) -> Vec<HistoryFile> {
    let (Some(dir), Some(base)) = (path.parent(), path.file_name().and_then(|b| b.to_str())) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(Rotation, i128, HistoryFile)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let rotation = parse_name(base, &name)?;
            let path = dir.join(&name);
            let file = describe(&path, name, &rotation).ok()?;
            let meta = file.1;
            let mtime = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
            Some((rotation, mtime, file.0))
        })
        .collect();
    found.sort_by_key(|(r, mtime, _)| (r.age != Age::Current, std::cmp::Reverse(*mtime), r.age.clone()));
    found.into_iter().map(|(_, _, f)| f).collect()
}

/// Opens a history file without blocking on a FIFO, and without following
/// a link unless it is the stream's own path.
fn open(path: &Path, current: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let nofollow = if current { 0 } else { libc::O_NOFOLLOW };
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | nofollow)
        .open(path)
}

/// The file listed under `name`, and its metadata; only regular files are.
fn describe(path: &Path, name: String, rotation: &Rotation) -> io::Result<(HistoryFile, std::fs::Metadata)> {
    let current = rotation.age == Age::Current;
    let file = open(path, current)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let listed = HistoryFile {
        name,
        path: path.to_path_buf(),
        dev: meta.dev(),
        ino: meta.ino(),
        head: Head::of(&file)?,
        size: meta.len(),
        gz: rotation.gz,
        current,
    };
    Ok((listed, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(name: &str) -> Option<Age> {
        parse_name("access.log", name).map(|r| r.age)
    }

    #[test]
    fn names_of_rotations() {
        assert_eq!(
            parse_name("access.log", "access.log"),
            Some(Rotation {
                age: Age::Current,
                gz: false
            })
        );
        assert_eq!(age("access.log.1"), Some(Age::Numbered(1)));
        assert_eq!(
            parse_name("access.log", "access.log.12.gz"),
            Some(Rotation {
                age: Age::Numbered(12),
                gz: true
            })
        );
        let dated = |d: &str| Some(Age::Dated(std::cmp::Reverse(d.to_string())));
        assert_eq!(age("access.log-20261130"), dated("20261130"));
        assert_eq!(age("access.log-2026-11-30.14.gz"), dated("2026-11-30.14"));
        for not in [
            "access.log.gz",
            "access.log.",
            "access.log.1a",
            "access.log.1.xz",
            "access.log-x",
            "access.log-2026",
            "access.log.bak",
            "error.log.1",
            "xaccess.log.1",
            "access.log..1",
            "access.log.99999999999999999999",
        ] {
            assert_eq!(parse_name("access.log", not), None, "{not}");
        }
    }

    #[test]
    fn newest_first() {
        let mut names = vec![
            "access.log.2.gz",
            "access.log-20261129.gz",
            "access.log.10.gz",
            "access.log",
            "access.log.1",
            "access.log-20261130",
        ];
        names.sort_by_key(|n| age(n).unwrap());
        assert_eq!(
            names,
            [
                "access.log",
                "access.log-20261130",
                "access.log-20261129.gz",
                "access.log.1",
                "access.log.2.gz",
                "access.log.10.gz",
            ]
        );
    }
}
