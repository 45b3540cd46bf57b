//! One open log file: its identity, read position and unfinished line.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::Instant;

use std::cell::OnceCell;

use super::lines::LineSplitter;
use crate::state::Head;

/// A file's identity: (device, inode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    pub fn of(meta: &std::fs::Metadata) -> FileId {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// Where a follower stands in a file; a plain value that can be saved and restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub id: FileId,
    pub offset: u64,
}

/// What a read found.
pub enum Read {
    /// New bytes (the slice of the caller's buffer).
    Data(usize),
    /// Nothing new.
    Eof,
    /// The file shrank below our offset: reading restarts at 0.
    Truncated,
    /// A hole (never written bytes, read as NULs) was skipped: this many bytes.
    Hole(u64),
}

pub struct Source {
    pub file: File,
    pub pos: Position,
    pub splitter: LineSplitter,
    /// When bytes were last read from it.
    pub last_data: Instant,
    /// A writer closed the file since it was opened (IN_CLOSE_WRITE).
    pub writer_closed: bool,
    /// The inotify watch on this file's inode.
    pub wd: Option<inotify::WatchDescriptor>,
    /// The fingerprint of its head, kept once final (only a truncation changes it).
    head: OnceCell<Head>,
    /// What it held before it was truncated (copytruncate), the last few
    /// times: that content's head and how far it was read. A copy of it
    /// found later is read from there on, not again (`rotated.rs`).
    pub truncated: Vec<(Head, u64)>,
}

/// Truncated contents remembered per file.
const TRUNCATIONS: usize = 4;

impl Source {
    /// Opens `path` read-only and positions at `offset`, or at the end when `None`.
    /// Never blocks (a FIFO opens at once and is refused, as is anything but a regular file).
    pub fn open(path: &Path, offset: Option<u64>, max_line: usize) -> io::Result<Source> {
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)?;
        let meta = file.metadata()?;
        check_regular(&meta)?;
        let pos = Position {
            id: FileId::of(&meta),
            offset: offset.unwrap_or(meta.len()),
        };
        Ok(Source {
            file,
            pos,
            splitter: LineSplitter::new(max_line),
            last_data: Instant::now(),
            writer_closed: false,
            wd: None,
            head: OnceCell::new(),
            truncated: Vec::new(),
        })
    }

    /// The fingerprint of the file's head, read from the file until it is final.
    pub fn head(&self) -> io::Result<Head> {
        if let Some(head) = self.head.get() {
            return Ok(*head);
        }
        let head = Head::of(&self.file)?;
        if head.is_final() {
            let _ = self.head.set(head);
        }
        Ok(head)
    }

    /// Bytes of the file after the current offset.
    pub fn remaining(&self) -> u64 {
        let len = self.file.metadata().map_or(0, |m| m.len());
        len.saturating_sub(self.pos.offset)
    }

    /// Reads the next bytes at the current offset into `buf`.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<Read> {
        let n = self.file.read_at(buf, self.pos.offset)?;
        if n > 0 && buf[0] == 0 {
            if let Some(skip) = self.hole_at_offset() {
                self.pos.offset += skip;
                return Ok(Read::Hole(skip));
            }
        }
        if n > 0 {
            self.pos.offset += n as u64;
            self.last_data = Instant::now();
            return Ok(Read::Data(n));
        }
        if self.file.metadata()?.len() < self.pos.offset {
            if let Some(&head) = self.head.get() {
                self.truncated.push((head, self.pos.offset));
                let over = self.truncated.len().saturating_sub(TRUNCATIONS);
                self.truncated.drain(..over);
            }
            self.pos.offset = 0;
            self.last_data = Instant::now();
            self.head = OnceCell::new();
            return Ok(Read::Truncated);
        }
        Ok(Read::Eof)
    }

    /// The length of the hole at the offset, if the file system knows of one
    /// (a writer that kept its offset after a truncation leaves one).
    fn hole_at_offset(&self) -> Option<u64> {
        use nix::unistd::{Whence, lseek};
        let offset = i64::try_from(self.pos.offset).ok()?;
        let data = lseek(&self.file, offset, Whence::SeekData).ok()?;
        u64::try_from(data - offset).ok().filter(|&skip| skip > 0)
    }

    /// At most the last `max_bytes` before the current offset, starting at a line start.
    pub fn tail(&self, max_bytes: u64) -> io::Result<Vec<u8>> {
        // One byte more, so that a line starting exactly at the cut is kept.
        let start = self.pos.offset.saturating_sub(max_bytes + 1);
        let mut buf = vec![0; (self.pos.offset - start) as usize];
        let mut done = 0;
        while done < buf.len() {
            let n = self.file.read_at(&mut buf[done..], start + done as u64)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        buf.truncate(done);
        if start > 0 {
            let first_line = memchr::memchr(b'\n', &buf).map_or(buf.len(), |i| i + 1);
            buf.drain(..first_line);
        }
        Ok(buf)
    }
}

/// Refuses anything but a regular file, naming what it is.
pub fn check_regular(meta: &std::fs::Metadata) -> io::Result<()> {
    let t = meta.file_type();
    let what = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    let msg = format!("not a regular file ({what})");
    Err(io::Error::new(io::ErrorKind::InvalidInput, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_is_kept_once_final_and_read_again_after_a_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        std::fs::write(&path, "short\n").unwrap();
        let mut src = Source::open(&path, Some(0), 1024).unwrap();
        let small = src.head().unwrap();
        assert!(!small.is_final());
        std::fs::write(&path, vec![b'a'; 2048]).unwrap();
        let full = src.head().unwrap();
        assert!(full.is_final() && full != small);
        let mut buf = vec![0; 4096];
        assert!(matches!(src.read(&mut buf).unwrap(), Read::Data(2048)));
        std::fs::write(&path, "new\n").unwrap();
        assert!(matches!(src.read(&mut buf).unwrap(), Read::Truncated));
        assert_eq!(src.head().unwrap(), Head::of(&src.file).unwrap());
        assert!(!src.head().unwrap().is_final());
    }
}
