//! Reading a stream's files: the lines before or from a place, across its
//! files (older ones after the first, newer ones after the last), within a
//! budget of bytes read and of bytes kept (a page's bound).
//!
//! A plain file is read backwards from the place in blocks (`read.rs`). A
//! `.gz` file is read forwards only (`gzread.rs`), from the last access
//! point of the process's index at or before the place (`gzindex.rs`), or
//! from its start while the index has none there. The first page that
//! reads a file through (about 600 MB of text a second on one core) leaves
//! points in it, 1 MiB of text apart or further in a large file (at most
//! 60 a file: 4 to 5 MiB apart in 200 MB), and a later page decompresses
//! about that much (5 ms instead of 200 in the middle of 200 MB). The lines before a place are those from the point before it
//! to the place, then from the point before that, until there are enough.
//! The cost is the request's, bounded by its budget.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::files::{self, HistoryFile};
use super::gzindex::{self, Key};
use super::gzread::GzText;
use super::read::{self, Budget, Line, Spent};
use super::time;
use crate::layout::Layout;

/// A line and the index of its file.
pub type Found = (usize, Line);

/// Bytes of JSON a page holds at most (it then stops early, and its
/// `before` or `after` cursor says there is more): a page of 5000 lines of
/// control bytes would otherwise be gigabytes.
pub const PAGE_BYTES: usize = 8 << 20;

/// What a line costs a page, at most: its bytes as JSON writes them (a
/// control byte as `\u00XX`, an invalid byte as U+FFFD) and its cursor.
pub fn weight(l: &Line) -> usize {
    let controls = l.bytes.iter().filter(|&&b| b < 0x20).count();
    let high = l.bytes.iter().filter(|&&b| b >= 0x80).count();
    l.bytes.len() + 5 * controls + 2 * high + 96
}

/// The newest lines of those pushed: at most `n`, and at most `room`
/// bytes by [`weight`] but for the newest line, which is always kept.
struct Newest {
    lines: VecDeque<Line>,
    n: usize,
    room: usize,
    used: usize,
}

impl Newest {
    fn new(n: usize, room: usize) -> Newest {
        Newest {
            lines: VecDeque::new(),
            n,
            room,
            used: 0,
        }
    }

    /// True when no older line would be kept.
    fn full(&self) -> bool {
        self.lines.len() >= self.n || self.used >= self.room
    }

    /// Puts `older`'s lines, which come before these, in front.
    fn prepend(&mut self, older: Newest) {
        self.used += older.used;
        older.lines.into_iter().rev().for_each(|l| self.lines.push_front(l));
    }

    fn push(&mut self, l: Line) {
        self.used += weight(&l);
        self.lines.push_back(l);
        while self.lines.len() > self.n || (self.used > self.room && self.lines.len() > 1) {
            let old = self.lines.pop_front().expect("more than one line");
            self.used -= weight(&old);
        }
    }
}

/// One request's view of a stream's files.
pub struct Reader<'a> {
    /// The stream's history files, newest first.
    pub files: Vec<HistoryFile>,
    pub layout: &'a Layout,
    /// Bytes kept of a line.
    pub cap: usize,
    pub budget: Budget,
    /// The newest line read by the follower: file and offset, if known.
    pub live: Option<(usize, u64)>,
    /// Where numbered lines are in these files (`hub/places.rs`).
    pub places: Vec<Numbered>,
    /// Bytes (by [`weight`]) the page may still take.
    pub room: usize,
    /// Files that could not be read to their end, with why.
    pub failed: Vec<String>,
}

/// Lines `seq` .. `seq + count` start at `offset` of file `file`, one after the other.
#[derive(Debug, Clone, Copy)]
pub struct Numbered {
    pub file: usize,
    pub offset: u64,
    pub seq: u64,
    pub count: u64,
}

impl<'a> Reader<'a> {
    /// A reader of the history files at `path` (the stream's path), read
    /// with `layout`, lines kept to `cap` bytes, reading within `budget`.
    pub fn new(path: &Path, layout: &'a Layout, cap: usize, budget: Budget) -> Reader<'a> {
        Reader {
            files: files::list(path),
            layout,
            cap,
            budget,
            live: None,
            places: Vec::new(),
            room: PAGE_BYTES,
            failed: Vec::new(),
        }
    }

    /// The file's text from `offset` on, or (`.gz`) from a line start before it; and that start.
    pub fn text_from(&mut self, i: usize, offset: u64) -> io::Result<(Box<dyn Read + 'a>, u64)> {
        if self.files[i].gz {
            let (text, start, _) = self.gz_text(i, offset)?;
            return Ok((Box::new(text), start));
        }
        let mut file: File = self.files[i].open()?;
        file.seek(SeekFrom::Start(offset))?;
        Ok((Box::new(file), offset))
    }

    /// The text of `.gz` file `i` from the first line that starts at or
    /// after the access point at or before `offset`; where that line and the point are.
    fn gz_text(&mut self, i: usize, offset: u64) -> io::Result<(impl Read + use<'a>, u64, u64)> {
        let (f, layout) = (&self.files[i], self.layout);
        let time = move |line: &[u8]| time::of_line(layout, line);
        let mut text = GzText::open(f.open()?, &gzindex::SHARED, self.gz_key(i), offset, time)?;
        let (origin, line_start) = text.origin();
        let start = match line_start {
            true => origin,
            false => origin + read::skip_line(&mut text, &mut self.budget)?,
        };
        Ok((text, start, origin))
    }

    /// File `i` in the index of `.gz` files.
    pub(super) fn gz_key(&self, i: usize) -> Key {
        Key::of(&self.files[i], self.layout)
    }

    /// Visits the lines of file `i` from the line at or after `offset` (a line start).
    /// A damaged file's lines are visited up to the damage (see [`Reader::tolerate`]).
    pub fn visit(&mut self, i: usize, offset: u64, mut visit: impl FnMut(Line) -> bool) -> io::Result<()> {
        let read = match self.text_from(i, offset) {
            Ok((text, start)) => read::scan(text, start, self.cap, &mut self.budget, |l| {
                l.offset < offset || visit(l)
            }),
            Err(e) => Err(e),
        };
        self.tolerate(i, read)
    }

    /// An error reading file `i` that is not a spent budget is the file's
    /// own (a damaged `.gz` file, one cut short, one that went away): it
    /// is noted for the page, and the file is taken to end there.
    pub fn tolerate(&mut self, i: usize, read: io::Result<()>) -> io::Result<()> {
        match read {
            Err(e) if Spent::of(&e).is_none() => {
                let name = &self.files[i].name;
                if !self.failed.iter().any(|f| f.starts_with(&format!("{name}: "))) {
                    log::warn!("history: cannot read {} to its end: {e}", self.files[i].path.display());
                    self.failed.push(format!("{name}: {e}"));
                }
                Ok(())
            }
            other => other,
        }
    }

    /// At most `n` lines of file `i` that start before `offset`.
    fn file_before(&mut self, i: usize, offset: u64, n: usize) -> io::Result<Vec<Line>> {
        let mut newest = Newest::new(n, self.room);
        let read = match self.files[i].gz {
            true => self.gz_before(i, offset, &mut newest),
            false => self.plain_before(i, offset, &mut newest),
        };
        self.tolerate(i, read)?;
        self.room = self.room.saturating_sub(newest.used);
        Ok(newest.lines.into())
    }

    /// The lines of plain file `i` that start before `offset`, into `newest`.
    fn plain_before(&mut self, i: usize, offset: u64, newest: &mut Newest) -> io::Result<()> {
        let mut file = self.files[i].open()?;
        let end = offset.min(file.metadata()?.len());
        let Some(start) = read::start_of_last(&file, end, newest.n, &mut self.budget)? else {
            return Ok(());
        };
        file.seek(SeekFrom::Start(start))?;
        read::scan(file.take(end - start), start, self.cap, &mut self.budget, |l| {
            newest.push(l);
            true
        })
    }

    /// The lines of `.gz` file `i` that start before `offset`, into
    /// `newest`: those from the access point before it, then (while
    /// `newest` has room) those from the point before that, ...
    fn gz_before(&mut self, i: usize, offset: u64, newest: &mut Newest) -> io::Result<()> {
        let (mut until, mut at) = (offset, offset);
        loop {
            let (text, start, origin) = self.gz_text(i, at)?;
            let mut part = Newest::new(newest.n - newest.lines.len(), newest.room.saturating_sub(newest.used));
            let read = read::scan(text, start, self.cap, &mut self.budget, |l| {
                if l.offset >= until {
                    return false;
                }
                part.push(l);
                true
            });
            newest.prepend(part);
            read?;
            if origin == 0 || newest.full() {
                return Ok(());
            }
            (until, at) = (start, origin - 1);
        }
    }

    /// At most `n` lines of file `i` from the line at `offset` on, up to the newest line read.
    fn file_from(&mut self, i: usize, offset: u64, n: usize) -> io::Result<Vec<Line>> {
        let until = self.live.filter(|(f, _)| *f == i).map_or(u64::MAX, |(_, o)| o);
        let (mut lines, mut room) = (Vec::new(), self.room);
        if n > 0 && room > 0 {
            self.visit(i, offset, |l| {
                if l.offset > until {
                    return false;
                }
                room = room.saturating_sub(weight(&l));
                lines.push(l);
                lines.len() < n && room > 0
            })?;
        }
        self.room = room;
        Ok(lines)
    }

    /// At most `n` lines before `offset` of file `i`, then of older files; oldest first.
    pub fn before(&mut self, mut i: usize, mut offset: u64, n: usize) -> io::Result<Vec<Found>> {
        let mut found: Vec<Found> = Vec::new();
        loop {
            let chunk = self.file_before(i, offset, n - found.len())?;
            found = chunk.into_iter().map(|l| (i, l)).chain(found).collect();
            if found.len() >= n || self.room == 0 || i + 1 >= self.files.len() {
                return Ok(found);
            }
            (i, offset) = (i + 1, u64::MAX);
        }
    }

    /// At most `n` lines from `offset` of file `i` on, then of newer files; oldest first.
    pub fn from(&mut self, mut i: usize, mut offset: u64, n: usize) -> io::Result<Vec<Found>> {
        let mut found: Vec<Found> = Vec::new();
        loop {
            let chunk = self.file_from(i, offset, n - found.len())?;
            found.extend(chunk.into_iter().map(|l| (i, l)));
            let at_live = self.live.is_some_and(|(f, _)| f == i);
            if found.len() >= n || self.room == 0 || i == 0 || at_live {
                return Ok(found);
            }
            (i, offset) = (i - 1, 0);
        }
    }
}
