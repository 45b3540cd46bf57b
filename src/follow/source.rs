//! One open log file: its identity, read position and unfinished line.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::time::Instant;

use super::lines::LineSplitter;

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
}

impl Source {
    /// Opens `path` read-only and positions at `offset`, or at the end when `None`.
    pub fn open(path: &Path, offset: Option<u64>, max_line: usize) -> io::Result<Source> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::other(format!("{} is not a regular file", path.display())));
        }
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
        })
    }

    /// Reads the next bytes at the current offset into `buf`.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<Read> {
        let n = self.file.read_at(buf, self.pos.offset)?;
        if n > 0 {
            self.pos.offset += n as u64;
            self.last_data = Instant::now();
            return Ok(Read::Data(n));
        }
        if self.file.metadata()?.len() < self.pos.offset {
            self.pos.offset = 0;
            self.last_data = Instant::now();
            return Ok(Read::Truncated);
        }
        Ok(Read::Eof)
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
