//! History beyond memory: a stream's lines read back from its files on disk
//! (`GET <base>/history`, docs/protocol.md "History and search").
//!
//! The file is the archive (`crate::archive`, which knows a stream's files,
//! reads them within a budget and decodes `.gz` files through a shared
//! index of access points): a page is read from those files on demand,
//! with nothing copied and nothing kept between requests. Where a page
//! starts is one of
//!
//! - a *cursor* (`archive/cursor.rs`): a line's place by file identity and
//!   offset, given out with every line of a page, opaque to clients;
//! - `seq:S`, a line number a client holds from the WebSocket: the hub
//!   knows where numbered lines start in the files (`hub/places.rs`), so
//!   paging back from the oldest line in memory goes on on disk with no
//!   gap and no overlap (while line S is still in a file logmon can find);
//! - a time (`at=`): bisection by the stream's time field (`archive/seek.rs`).
//!
//! Here: the query, where it starts, and the page assembled from the lines
//! read (`page.rs`: texts, times, cursors and line numbers). Every request
//! may read at most `BUDGET` bytes within `MAX_TIME`; the work runs on
//! tokio's blocking threads (`http/history.rs`), never on a follower's task.

mod page;

use std::io;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

pub use page::page_back;

use crate::archive::read::{Budget, Spent};
use crate::archive::reader::{self, Reader};
use crate::archive::{Cursor, files, time};
use crate::hub::Stream;
use crate::protocol::history::Page;

/// Bytes one request may read (decompressed bytes, for `.gz` files).
pub const BUDGET: u64 = 512 << 20;
/// Lines in a page unless `limit=` says otherwise, and the most it may say.
pub const DEFAULT_LIMIT: usize = 200;
pub const MAX_LIMIT: usize = 5000;

/// Where a page starts: a line's place given by a cursor or by its number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Place {
    Cursor(Cursor),
    Seq(u64),
}

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ask {
    /// The lines before a place (older).
    Before(Place),
    /// The lines after a place (newer).
    After(Place),
    /// The line at a place and those after it (a live client behind the ring).
    From(Place),
    /// The line at a place, with lines before and after it.
    Around(Place),
    /// The first line at or after a time, with lines before and after it.
    At(f64),
}

/// A checked `/history` query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub stream: String,
    pub ask: Ask,
    pub limit: usize,
}

/// Why a request (a page, a search) gets no answer, with the reason the
/// client is told. What that is in HTTP is `http/`'s business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The request itself is wrong: a parameter, a cursor, a pattern.
    Invalid(String),
    /// It would take more than its budget of bytes or time, or its client left.
    Exhausted(String),
    /// The files could not be read.
    Failed(String),
}

impl Refused {
    pub fn reason(&self) -> &str {
        match self {
            Refused::Invalid(r) | Refused::Exhausted(r) | Refused::Failed(r) => r,
        }
    }
}

pub(crate) fn bad(reason: impl Into<String>) -> Refused {
    Refused::Invalid(reason.into())
}

impl Query {
    /// Reads the query string of `/history`, or says what is wrong with it.
    pub fn parse(query: &str) -> Result<Query, Refused> {
        let parts = Parts::parse(query)?;
        let ask = parse_ask(&parts.key, &parts.value)?;
        Ok(Query {
            stream: parts.stream,
            ask,
            limit: parts.limit,
        })
    }
}

/// A `/history` query's parts, checked but for what its place means: the
/// stream, which of `before`, `after`, `around` and `at` is asked (`key`)
/// with its `value`, and the limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Parts {
    pub stream: String,
    pub key: String,
    pub value: String,
    pub limit: usize,
}

impl Parts {
    pub fn parse(query: &str) -> Result<Parts, Refused> {
        let (mut stream, mut ask, mut limit) = (None, None, None);
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "stream" => &mut stream,
                "limit" => &mut limit,
                "before" | "after" | "around" | "at" => &mut ask,
                other => return Err(bad(format!("unknown parameter {other:?}"))),
            };
            if slot.replace((key.to_string(), value.to_string())).is_some() {
                return Err(bad(
                    "give one of before, after, around and at, each once, with one stream",
                ));
            }
        }
        let stream = stream.ok_or_else(|| bad("stream= is missing"))?.1;
        let (key, value) = ask.ok_or_else(|| bad("give one of before=, after=, around= or at="))?;
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some((_, l)) => l
                .parse()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| bad(format!("limit= is a number of lines from 1 to {MAX_LIMIT}")))?,
        };
        Ok(Parts {
            stream,
            key,
            value,
            limit,
        })
    }
}

pub(crate) fn parse_ask(key: &str, value: &str) -> Result<Ask, Refused> {
    if key == "at" {
        return parse_time(value).map(Ask::At).ok_or_else(|| {
            bad("at= is seconds since 1970 (1764511323.5) or a date (2026-11-30T14:02:03Z, 2026-11-30T15:02:03+01:00)")
        });
    }
    let place = match value.strip_prefix("seq:") {
        Some(n) => Place::Seq(n.parse().map_err(|_| bad(format!("{key}=seq:N needs a line number")))?),
        None => Place::Cursor(Cursor::decode(value).map_err(|why| bad(format!("{key}=: {why}")))?),
    };
    Ok(match key {
        "before" => Ask::Before(place),
        "after" => Ask::After(place),
        _ => Ask::Around(place),
    })
}

pub(crate) fn parse_time(value: &str) -> Option<f64> {
    let number = value.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !value.is_empty();
    let secs = if number {
        value.parse().ok()
    } else {
        time::iso8601(value)
    };
    secs.filter(|s: &f64| s.is_finite())
}

/// How long reading one page may take.
pub const MAX_TIME: Duration = Duration::from_secs(5);

/// The page `query` asks for from `stream`'s files, of at most `room` bytes
/// (by `reader::weight`; blocking: run it off the runtime). It stops,
/// refused, when `cancel` is set (its client left).
pub fn answer(
    stream: &Stream,
    query: &Query,
    cap: usize,
    room: usize,
    cancel: Arc<AtomicBool>,
) -> Result<Page, Refused> {
    let layout = stream.layout();
    let budget = Budget::new(BUDGET).until(Instant::now() + MAX_TIME, cancel);
    let mut reader = Reader::new(&stream.path, &layout, cap, budget);
    reader.room = room;
    reader.places = numbered(&reader.files, stream);
    reader.live = live_end(&mut reader, stream);
    let result = build(&mut reader, stream, query);
    result.map_err(|e| match e {
        Failure::Refused(r) => r,
        Failure::Io(e) => match Spent::of(&e) {
            Some(Spent::Bytes) => Refused::Exhausted(format!(
                "this page would read more than {} MiB of the files",
                BUDGET >> 20
            )),
            Some(Spent::Time) => Refused::Exhausted(format!(
                "this page would take more than {} s to read",
                MAX_TIME.as_secs()
            )),
            Some(Spent::Cancelled) => Refused::Exhausted("the request was given up".into()),
            None => Refused::Failed(format!("cannot read the files of stream {}: {e}", stream.id)),
        },
    })
}

enum Failure {
    Refused(Refused),
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Io(e)
    }
}

fn build(r: &mut Reader, stream: &Stream, q: &Query) -> Result<Page, Failure> {
    if r.files.is_empty() {
        return Ok(r.page(&q.stream, Vec::new(), None));
    }
    let place = match q.ask {
        Ask::At(t) => match r.first_at(t)? {
            Some(place) => place,
            // Later than every line: the newest lines.
            None => {
                let found = r.before(0, u64::MAX, q.limit)?;
                return Ok(r.page(&q.stream, found, None));
            }
        },
        Ask::Before(p) | Ask::After(p) | Ask::From(p) | Ask::Around(p) => resolve(r, stream, p)?,
    };
    let (i, offset) = place;
    match q.ask {
        Ask::Before(_) => {
            let found = r.before(i, offset, q.limit)?;
            Ok(r.page(&q.stream, found, None))
        }
        Ask::After(_) => {
            let mut found = r.from(i, offset, q.limit + 1)?;
            if found.first().is_some_and(|(j, l)| (*j, l.offset) == place) {
                found.remove(0);
            }
            found.truncate(q.limit);
            Ok(r.page(&q.stream, found, None))
        }
        Ask::From(_) => {
            let found = r.from(i, offset, q.limit)?;
            Ok(r.page(&q.stream, found, None))
        }
        Ask::Around(_) | Ask::At(_) => {
            // Half the page's bytes for each side: the line itself is always in it.
            let room = r.room;
            r.room = room / 2;
            let mut found = r.before(i, offset, q.limit / 2)?;
            let index = found.len();
            r.room += room - room / 2;
            found.extend(r.from(i, offset, q.limit - index)?);
            let index = (found.len() > index).then_some(index);
            Ok(r.page(&q.stream, found, index))
        }
    }
}

/// The stream's places in the listed files.
fn numbered(files: &[files::HistoryFile], stream: &Stream) -> Vec<reader::Numbered> {
    let mut known: Vec<(crate::state::FileMark, Option<usize>)> = Vec::new();
    let mut numbered = Vec::new();
    for (p, count) in stream.places() {
        let key = crate::state::FileMark { offset: 0, ..p.mark };
        let file = match known.iter().find(|(k, _)| *k == key) {
            Some((_, file)) => *file,
            None => {
                let m = p.mark;
                let file = files.iter().position(|f| f.is(m.dev, m.ino, m.head_len, m.head));
                known.push((key, file));
                file
            }
        };
        if let Some(file) = file {
            numbered.push(reader::Numbered {
                file,
                offset: p.mark.offset,
                seq: p.seq,
                count,
            });
        }
    }
    numbered
}

/// The file and offset of the newest line the follower read, if known.
fn live_end(r: &mut Reader, stream: &Stream) -> Option<(usize, u64)> {
    let (p, k) = stream.locate(stream.last_seq())?;
    let place = r.places.iter().rev().find(|n| n.seq == p.seq)?;
    let (file, offset) = (place.file, place.offset);
    Some((file, r.lines_on(file, offset, k).ok()??))
}

/// The file and offset of a place, checked.
fn resolve(r: &mut Reader, stream: &Stream, place: Place) -> Result<(usize, u64), Failure> {
    match place {
        Place::Cursor(c) => {
            let i = r
                .files
                .iter()
                .position(|f| f.is(c.dev, c.ino, u64::from(c.head_len), c.head))
                .ok_or_else(|| {
                    refuse("the cursor names no file of this stream (rotated away, compressed or deleted)")
                })?;
            check_line_start(r, i, c.offset)?;
            Ok((i, c.offset))
        }
        Place::Seq(seq) => {
            let gone = || {
                refuse(format!(
                    "line {seq} is not in a file logmon can find now; page by time (at=)"
                ))
            };
            let (p, k) = stream.locate(seq).ok_or_else(gone)?;
            let m = p.mark;
            let i = r
                .files
                .iter()
                .position(|f| f.is(m.dev, m.ino, m.head_len, m.head))
                .ok_or_else(gone)?;
            let offset = r.lines_on(i, m.offset, k)?.ok_or_else(gone)?;
            Ok((i, offset))
        }
    }
}

fn refuse(reason: impl Into<String>) -> Failure {
    Failure::Refused(bad(reason))
}

/// A cursor's offset must be where a line starts: after a `\n` in a plain
/// file, or the start of a line read in a `.gz` file.
fn check_line_start(r: &mut Reader, i: usize, offset: u64) -> Result<(), Failure> {
    let f = &r.files[i];
    if offset == 0 {
        return Ok(());
    }
    if f.gz {
        let mut starts = false;
        r.visit(i, offset, |l| {
            starts = l.offset == offset;
            false
        })?;
        return starts
            .then_some(())
            .ok_or_else(|| refuse("the cursor's offset is not where a line starts"));
    }
    let mut byte = [0];
    let file = f.open()?;
    let ok = offset <= file.metadata()?.len()
        && std::os::unix::fs::FileExt::read_exact_at(&file, &mut byte, offset - 1).is_ok()
        && byte[0] == b'\n';
    if ok {
        Ok(())
    } else {
        Err(refuse("the cursor's offset is not where a line starts"))
    }
}

#[cfg(test)]
mod tests;
