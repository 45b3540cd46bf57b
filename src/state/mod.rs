//! The state file: where each stream stood, so that a restart continues.
//!
//! A line's number is a function of its position: the state pairs, per
//! stream, the files being read (identity and the offset of the next line)
//! with the number of the next line. A restart reads on from those offsets
//! and numbers the lines as the last run did, so a client that resumes with
//! `since=` sees no loss and no duplicate, even after `kill -9` (lines read
//! after the last checkpoint are read again, with the same numbers). The
//! epoch is kept whenever the state can be continued.
//!
//! A file is named by (device, inode) and a fingerprint of its first bytes,
//! because inodes are reused. The state is JSON, written atomically (write,
//! fsync, rename) about once a second while lines flow and at shutdown;
//! nothing wakes an idle daemon. A state that cannot be used (corrupt,
//! foreign, from another version, unreadable) is reported once and ignored.

mod marks;

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use marks::{Marks, save_while_running};

use crate::config::StreamConfig;

/// The version of the state's layout; another version is ignored.
const VERSION: u32 = 1;
/// Bytes at the start of a file that make its fingerprint.
pub const HEAD_BYTES: u64 = 1024;

/// Everything the state file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub version: u32,
    /// The epoch the numbers belong to.
    pub epoch: String,
    /// True when written at a clean shutdown, after every follower stopped.
    pub clean: bool,
    pub streams: Vec<StreamMark>,
}

/// Where one stream stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamMark {
    pub id: String,
    pub path: String,
    /// The number the next line gets.
    pub next_seq: u64,
    /// The files being read: rotated ones (oldest first), then the one at the path.
    pub files: Vec<FileMark>,
}

/// One file being read, and where its next line starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMark {
    pub dev: u64,
    pub ino: u64,
    /// How many of its first bytes the fingerprint covers.
    pub head_len: u64,
    /// FNV-1a of those bytes.
    pub head: u64,
    pub offset: u64,
}

/// A fingerprint of a file's first bytes: how many it covers, and their FNV-1a.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub len: u64,
    pub hash: u64,
}

impl Head {
    /// The fingerprint of `file` as it is now.
    pub fn of(file: &File) -> io::Result<Head> {
        let len = file.metadata()?.len().min(HEAD_BYTES);
        Ok(Head {
            len,
            hash: fingerprint(file, len)?,
        })
    }

    /// True once it covers all the bytes it ever will: only a truncation changes it then.
    pub fn is_final(&self) -> bool {
        self.len == HEAD_BYTES
    }
}

impl FileMark {
    /// The mark of the file (`dev`, `ino`) whose head is `head`, with its next line at `offset`.
    pub fn new(dev: u64, ino: u64, head: Head, offset: u64) -> FileMark {
        FileMark {
            dev,
            ino,
            head_len: head.len,
            head: head.hash,
            offset,
        }
    }

    /// True if `file` starts with the bytes this mark's fingerprint covers.
    pub fn same_head(&self, file: &File) -> bool {
        fingerprint(file, self.head_len).is_ok_and(|h| h == self.head)
    }

    /// True if `file` is this very file: same inode, same head.
    pub fn is(&self, file: &File) -> bool {
        let same_inode = file
            .metadata()
            .is_ok_and(|m| m.dev() == self.dev && m.ino() == self.ino);
        same_inode && self.same_head(file)
    }
}

/// FNV-1a of the first `len` bytes of `file` (an error if it is shorter).
fn fingerprint(file: &File, len: u64) -> io::Result<u64> {
    let mut buf = vec![0; len as usize];
    file.read_exact_at(&mut buf, 0)?;
    Ok(buf.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }))
}

/// Where the state lives: the configured file, else `$STATE_DIRECTORY/state`
/// when systemd gives a state directory, else nowhere.
pub fn location(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = configured {
        return Some(path.to_path_buf());
    }
    let dirs = std::env::var_os("STATE_DIRECTORY")?;
    let first = std::env::split_paths(&dirs).next()?;
    Some(first.join("state"))
}

/// The state of the last run, if it can be continued with `streams`;
/// anything else is logged once and ignored.
pub fn load(path: &Path, streams: &[StreamConfig]) -> Option<Saved> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            log::info!("no state in {} yet: a new epoch", path.display());
            return None;
        }
        Err(e) => return ignored(path, &format!("cannot read it: {e}")),
    };
    let saved: Saved = match serde_json::from_str(&text) {
        Ok(s) => s,
        Err(e) => return ignored(path, &format!("it is not a state file ({e})")),
    };
    match check(&saved, streams) {
        Ok(()) => Some(saved),
        Err(why) => ignored(path, &why),
    }
}

fn ignored(path: &Path, why: &str) -> Option<Saved> {
    log::warn!("state {} ignored, {why}: a new epoch", path.display());
    None
}

/// Why a state cannot be continued with these streams, if it cannot.
fn check(saved: &Saved, streams: &[StreamConfig]) -> Result<(), String> {
    if saved.version != VERSION {
        return Err(format!(
            "its version is {} (this logmon writes {VERSION})",
            saved.version
        ));
    }
    let mut theirs: Vec<_> = saved.streams.iter().map(|s| (s.id.as_str(), s.path.clone())).collect();
    let mut ours: Vec<_> = streams
        .iter()
        .map(|s| (s.id.as_str(), s.path.display().to_string()))
        .collect();
    theirs.sort();
    ours.sort();
    if theirs != ours {
        return Err("it is for other streams".to_string());
    }
    let crashed_in_rotation = !saved.clean && saved.streams.iter().any(|s| s.files.len() > 1);
    if crashed_in_rotation {
        // Lines of two files read after the last checkpoint could be numbered
        // in another order: rather than risk that, start afresh.
        return Err("the last run stopped abruptly while a rotated file was still read".to_string());
    }
    Ok(())
}

/// Writes `saved` to `path` atomically: a temporary file, fsync, rename, fsync of the directory.
pub fn save(path: &Path, saved: &Saved) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(&serde_json::to_vec(saved).expect("the state always serializes"))?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests;
