//! Where the archive's readers read from: anything that can be read at an
//! offset (a file, a file up to a size, bytes in memory).
//!
//! Files are read with `pread` (`FileExt::read_at`), which needs no seek
//! and no shared file position; tests read byte slices in memory through
//! the same trait. [`Reader`] turns a source into a `Read + Seek`, for the
//! gzip decoder.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

/// Bytes that can be read at any offset, of a known size.
pub trait Source {
    /// The size in bytes, taken once when a scan starts: lines appended
    /// during a search are not part of it.
    fn size(&self) -> io::Result<u64>;
    /// Reads into `buf` from `offset`; fewer bytes only at the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl Source for File {
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        FileExt::read_at(self, buf, offset)
    }
}

impl Source for [u8] {
    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = (offset as usize).min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// Fills `buf` from `offset`; a source that ends early (a file truncated
/// during the search) is an error.
pub fn read_exact_at<S: Source + ?Sized>(src: &S, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match src.read_at(buf, offset) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file shrank during the search",
                ));
            }
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A file read only up to `end`.
pub struct Prefix {
    pub file: File,
    pub end: u64,
}

impl Source for Prefix {
    fn size(&self) -> io::Result<u64> {
        Ok(self.file.size()?.min(self.end))
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let left = self.end.saturating_sub(offset).min(buf.len() as u64) as usize;
        FileExt::read_at(&self.file, &mut buf[..left], offset)
    }
}

/// A source read from a position, up to the size it had.
pub struct Reader<'a, S: ?Sized> {
    src: &'a S,
    pos: u64,
    size: u64,
}

impl<'a, S: Source + ?Sized> Reader<'a, S> {
    pub fn new(src: &'a S) -> io::Result<Reader<'a, S>> {
        Ok(Reader {
            src,
            pos: 0,
            size: src.size()?,
        })
    }
}

impl<S: Source + ?Sized> Read for Reader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = (self.size - self.pos).min(buf.len() as u64) as usize;
        let n = self.src.read_at(&mut buf[..left], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<S: Source + ?Sized> Seek for Reader<'_, S> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}
