//! The bytes of a `.gz` file as `gzread.rs` decodes them: read from the
//! file a block at a time from any offset, and the header that starts each
//! gzip member (RFC 1952: magic, method, flags, time, then the optional
//! extra field, name, comment and header CRC, which are skipped).

use std::io::{self, Read, Seek, SeekFrom};

/// Compressed bytes read from the file at a time.
const INPUT: usize = 64 * 1024;

/// The error of a file that ends inside a member.
pub fn cut_short() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the .gz file is cut short")
}

/// Reads a member's header; false at the end of the file.
pub fn header<R: Read + Seek>(input: &mut Input<R>) -> io::Result<bool> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let not_gzip = || io::Error::new(io::ErrorKind::InvalidData, "not a gzip header");
    for (k, magic) in [0x1f, 0x8b, 8].into_iter().enumerate() {
        match input.byte()? {
            Some(b) if b == magic => {}
            Some(_) => return Err(not_gzip()),
            None if k == 0 => return Ok(false),
            None => return Err(cut_short()),
        }
    }
    let byte = |input: &mut Input<R>| input.byte()?.ok_or_else(cut_short);
    // FLG, MTIME (4 bytes), XFL, OS.
    let mut fixed = [0; 7];
    for b in &mut fixed {
        *b = byte(input)?;
    }
    let flags = fixed[0];
    if flags & 0xe0 != 0 {
        return Err(not_gzip());
    }
    if flags & FEXTRA != 0 {
        let len = u16::from_le_bytes([byte(input)?, byte(input)?]);
        if !input.skip(usize::from(len))? {
            return Err(cut_short());
        }
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            while byte(input)? != 0 {}
        }
    }
    if flags & FHCRC != 0 {
        byte(input)?;
        byte(input)?;
    }
    Ok(true)
}

/// The compressed bytes, read from the file a block at a time.
pub struct Input<R> {
    file: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    /// The file offset of `buf[0]`.
    offset: u64,
}

impl<R: Read + Seek> Input<R> {
    pub fn at(mut file: R, offset: u64) -> io::Result<Self> {
        file.seek(SeekFrom::Start(offset))?;
        let buf = vec![0; INPUT].into_boxed_slice();
        Ok(Input {
            file,
            buf,
            pos: 0,
            len: 0,
            offset,
        })
    }

    /// The file offset of the next byte.
    pub fn here(&self) -> u64 {
        self.offset + self.pos as u64
    }

    /// The bytes not yet taken, read from the file when none are left; none at its end.
    pub fn bytes(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.len {
            self.offset += self.len as u64;
            (self.pos, self.len) = (0, 0);
            self.len = loop {
                match self.file.read(&mut self.buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other?,
                }
            };
        }
        Ok(&self.buf[self.pos..self.len])
    }

    pub fn take(&mut self, n: usize) {
        self.pos += n;
    }

    pub fn byte(&mut self) -> io::Result<Option<u8>> {
        let b = self.bytes()?.first().copied();
        self.pos += usize::from(b.is_some());
        Ok(b)
    }

    /// Skips `n` bytes; false if the file ends first.
    pub fn skip(&mut self, mut n: usize) -> io::Result<bool> {
        while n > 0 {
            let k = self.bytes()?.len().min(n);
            if k == 0 {
                return Ok(false);
            }
            self.take(k);
            n -= k;
        }
        Ok(true)
    }
}
