//! Searching a stream's history (`GET <base>/search`, docs/protocol.md
//! "History and search"): the query, the files it covers, and the walk
//! through them that feeds the client's answer.
//!
//! The engine (`crate::search`) searches one file, newest line first. Here
//! a search becomes a walk over the stream's history files, newest first:
//!
//! - **The plan** lists the files and how much of each to read. With `to=`,
//!   files whose first line is later are left out, and a plain file is read
//!   only up to its first line after `to` (found by bisection, `seek.rs`).
//!   With `from=`, the walk ends after the first file that begins before it.
//! - **The walk** ([`Walk`], the engine's `Hooks`) keeps a line when its
//!   time is inside the bounds and the caller's field terms say yes, sends
//!   each match with its cursor and time, reports progress at most every
//!   [`PROGRESS_EVERY`], and stops at the limit, at the byte or time budget,
//!   or when the client is gone (the [`Sink`] says so).
//!
//! nginx writes a line when its request ends, and a worker's buffered lines
//! (`access_log ... buffer= flush=`) reach the file late, so times in a file
//! are only nearly in order. Bounds are applied exactly to each line, but a
//! file or the rest of a file is passed over only when it is more than
//! [`SLACK`] outside them.

use std::io;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use super::files::{self, HistoryFile};
use super::page::Reader;
use super::read::Budget;
use super::{BUDGET, Refused, bad, parse_time, time};
use crate::hub::Stream;
use crate::layout::Layout;
use crate::protocol::history::SearchItem;
use crate::search::{self, Compression, Hooks, Matcher, Options, Source, Verdict};

/// Matches sent unless `limit=` says otherwise, and the most it may say.
pub const DEFAULT_LIMIT: usize = 1000;
pub const MAX_LIMIT: usize = 100_000;
/// Progress is reported at most this often.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// How far out of time order a line may be written, in seconds.
pub const SLACK: f64 = 300.0;

/// A checked `/search` query.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    pub stream: String,
    /// The text (or regex) a line must contain; empty: every line.
    pub q: String,
    pub regex: bool,
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// The UI's field terms (`crate::terms`), empty for none.
    pub filter: String,
    pub limit: usize,
}

impl SearchQuery {
    /// Reads the query string of `/search`, or says what is wrong with it.
    pub fn parse(query: &str) -> Result<SearchQuery, Refused> {
        let mut q = SearchQuery {
            stream: String::new(),
            q: String::new(),
            regex: false,
            from: None,
            to: None,
            filter: String::new(),
            limit: DEFAULT_LIMIT,
        };
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if seen.contains(&key.to_string()) {
                return Err(bad(format!("{key}= is given twice")));
            }
            seen.push(key.to_string());
            q.set(&key, value.into_owned())?;
        }
        if !seen.iter().any(|k| k == "stream") {
            return Err(bad("stream= is missing"));
        }
        if !seen.iter().any(|k| k == "q") {
            return Err(bad(
                "q= is missing (the text to find; it may be empty with filter=, from= or to=)",
            ));
        }
        let everything = q.q.is_empty() && q.filter.trim().is_empty() && q.from.is_none() && q.to.is_none();
        if everything {
            return Err(bad("q= is empty: give text to find, or filter=, from= or to="));
        }
        Ok(q)
    }

    fn set(&mut self, key: &str, value: String) -> Result<(), Refused> {
        let time = |v: &str| {
            parse_time(v).ok_or_else(|| bad(format!("{key}= is seconds since 1970 or a date (2026-11-30T14:02:03Z)")))
        };
        match key {
            "stream" => self.stream = value,
            "q" => self.q = value,
            "filter" => self.filter = value,
            "regex" => {
                self.regex = match value.as_str() {
                    "1" | "true" => true,
                    "0" | "false" | "" => false,
                    _ => return Err(bad("regex= is 1 or 0")),
                }
            }
            "from" => self.from = Some(time(&value)?),
            "to" => self.to = Some(time(&value)?),
            "limit" => {
                self.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| bad(format!("limit= is a number of matches from 1 to {MAX_LIMIT}")))?
            }
            other => return Err(bad(format!("unknown parameter {other:?}"))),
        }
        Ok(())
    }
}

/// How much one search may do.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Bytes of the files (as stored) it may scan.
    pub max_bytes: u64,
    pub max_time: Duration,
    /// Bytes kept of a line (`max_line_bytes`).
    pub max_line: usize,
}

/// Where a search's answer goes, in order. `Break`: nobody listens any more.
pub trait Sink {
    fn send(&mut self, item: &SearchItem) -> ControlFlow<()>;
    /// What was sent should reach the client now.
    fn flush(&mut self) -> ControlFlow<()>;
}

/// A line's field terms: true to keep a line that contains `q`.
pub type Keep<'k> = dyn FnMut(&Layout, &[u8]) -> bool + 'k;

/// Runs the search `q` for `m` over `stream`'s files, sending what it finds
/// to `sink` and a last `done` (unless the sink broke off). Blocking.
pub fn run(stream: &Stream, q: &SearchQuery, m: &Matcher, keep: &mut Keep<'_>, bounds: Bounds, sink: &mut impl Sink) {
    let layout = stream.layout();
    let mut reader = Reader {
        files: files::list(&stream.path),
        layout: &layout,
        cap: bounds.max_line,
        budget: Budget::new(BUDGET),
        live: None,
        places: Vec::new(),
    };
    let parts = plan(&mut reader, q);
    let mut walk = Walk {
        sink,
        layout: &layout,
        keep,
        from: q.from,
        to: q.to,
        limit: q.limit as u64,
        matches: 0,
        base: 0,
        total: parts.iter().map(|p| p.end).sum(),
        bounds,
        started: Instant::now(),
        reported: None,
        file: None,
        end: None,
        failed: Vec::new(),
    };
    for part in &parts {
        if walk.scan(&reader.files[part.file], part.end, m).is_break() {
            break;
        }
    }
    walk.done();
}

/// A file to search, read up to `end` (its size, or less for a plain file cut by `to=`).
struct Part {
    file: usize,
    end: u64,
}

/// The files a search reads, newest first.
fn plan(r: &mut Reader, q: &SearchQuery) -> Vec<Part> {
    let mut parts = Vec::new();
    for i in 0..r.files.len() {
        let end = r.files[i].size;
        let first = if q.from.is_some() || q.to.is_some() {
            r.first_time(i).ok().flatten()
        } else {
            None
        };
        let part = match q.to.map(|to| to + SLACK) {
            Some(late) if first.is_some_and(|t| t > late) => None,
            Some(late) if !r.files[i].gz => Some(r.first_in_file(i, late).ok().flatten().unwrap_or(end)),
            _ => Some(end),
        };
        if let Some(end) = part {
            parts.push(Part { file: i, end });
        }
        if q.from.is_some_and(|from| first.is_some_and(|t| t < from - SLACK)) {
            break;
        }
    }
    parts
}

/// Why a walk ended before its last file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// `limit` matches were sent and there is another.
    Limit,
    Bytes,
    Time,
    /// The lines left are older than `from`.
    Older,
    /// The sink broke off.
    Gone,
}

/// One search under way: the engine's hooks, file after file.
struct Walk<'a, 'k, S: Sink> {
    sink: &'a mut S,
    layout: &'a Layout,
    keep: &'a mut Keep<'k>,
    from: Option<f64>,
    to: Option<f64>,
    limit: u64,
    matches: u64,
    /// Bytes scanned in the files before this one.
    base: u64,
    total: u64,
    bounds: Bounds,
    started: Instant,
    /// When progress was last sent (the first report goes out at once).
    reported: Option<Instant>,
    /// The file being searched, for cursors.
    file: Option<HistoryFile>,
    end: Option<End>,
    /// Files that could not be read, with why.
    failed: Vec<String>,
}

impl<S: Sink> Walk<'_, '_, S> {
    /// Searches one file up to `end`; `Break` when the walk is over.
    fn scan(&mut self, f: &HistoryFile, end: u64, m: &Matcher) -> ControlFlow<()> {
        let o = Options {
            max_line: self.bounds.max_line,
            // One more than is left, so that a search that stops at its limit knows it did.
            limit: (self.limit - self.matches + 1) as usize,
            ..Options::default()
        };
        self.file = Some(f.clone());
        let scanned = f.open().and_then(|file| {
            let compression = if f.gz { Compression::Gzip } else { Compression::Plain };
            search::newest_first(&Prefix { file, end }, compression, m, &o, self)
        });
        match scanned {
            // A spent budget already counted what was scanned.
            Ok(_) if matches!(self.end, Some(End::Bytes | End::Time)) => {}
            Ok(sum) => self.base += sum.scanned,
            Err(e) => {
                log::warn!("search: cannot read {}: {e}", f.path.display());
                self.failed.push(format!("{}: {e}", f.name));
                self.base += end;
            }
        }
        match self.end {
            Some(_) => ControlFlow::Break(()),
            None => ControlFlow::Continue(()),
        }
    }

    /// Sends the last line, unless the client is gone.
    fn done(&mut self) {
        let budget = match self.end {
            Some(End::Gone) => return,
            Some(End::Bytes) => Some("bytes".to_string()),
            Some(End::Time) => Some("time".to_string()),
            _ => None,
        };
        let item = SearchItem::Done {
            matches: self.matches,
            scanned: self.base,
            total: self.total,
            truncated: matches!(self.end, Some(End::Limit | End::Bytes | End::Time)),
            budget,
            failed: std::mem::take(&mut self.failed),
        };
        let _ = self.sink.send(&item);
        let _ = self.sink.flush();
    }

    fn stop(&mut self, why: End) -> ControlFlow<()> {
        self.end = Some(why);
        ControlFlow::Break(())
    }

    /// Whether a line's time lets it in: `None` when it does.
    fn outside(&mut self, line: &[u8]) -> Option<Verdict> {
        if self.from.is_none() && self.to.is_none() {
            return None;
        }
        let Some(t) = time::of_line(self.layout, line) else {
            return Some(Verdict::Skip);
        };
        if self.to.is_some_and(|to| t > to) {
            return Some(Verdict::Skip);
        }
        match self.from {
            Some(from) if t < from - SLACK => {
                self.end = Some(End::Older);
                Some(Verdict::SkipOlder)
            }
            Some(from) if t < from => Some(Verdict::Skip),
            _ => None,
        }
    }
}

impl<S: Sink> Hooks for Walk<'_, '_, S> {
    fn filter(&mut self, line: &[u8]) -> Verdict {
        if let Some(v) = self.outside(line) {
            return v;
        }
        if (self.keep)(self.layout, line) {
            Verdict::Match
        } else {
            Verdict::Skip
        }
    }

    fn found(&mut self, offset: u64, line: &[u8]) -> ControlFlow<()> {
        if self.matches == self.limit {
            return self.stop(End::Limit);
        }
        self.matches += 1;
        let cursor = self.file.as_ref().expect("a file is being searched").cursor(offset);
        let item = SearchItem::Match {
            text: String::from_utf8_lossy(line).into_owned(),
            cursor: cursor.encode(),
            time: time::of_line(self.layout, line),
        };
        match self.sink.send(&item) {
            ControlFlow::Break(()) => self.stop(End::Gone),
            ControlFlow::Continue(()) => ControlFlow::Continue(()),
        }
    }

    fn progress(&mut self, scanned: u64) -> ControlFlow<()> {
        let at = self.base + scanned;
        if at > self.bounds.max_bytes {
            self.base = at;
            return self.stop(End::Bytes);
        }
        if self.started.elapsed() > self.bounds.max_time {
            self.base = at;
            return self.stop(End::Time);
        }
        if self.reported.is_some_and(|at| at.elapsed() < PROGRESS_EVERY) {
            return ControlFlow::Continue(());
        }
        self.reported = Some(Instant::now());
        let item = SearchItem::Progress {
            scanned: at,
            total: self.total,
        };
        if self.sink.send(&item).is_break() || self.sink.flush().is_break() {
            return self.stop(End::Gone);
        }
        ControlFlow::Continue(())
    }
}

/// A file read only up to `end`.
struct Prefix {
    file: std::fs::File,
    end: u64,
}

impl Source for Prefix {
    fn size(&self) -> io::Result<u64> {
        Ok(self.file.size()?.min(self.end))
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let left = self.end.saturating_sub(offset).min(buf.len() as u64) as usize;
        self.file.read_at(&mut buf[..left], offset)
    }
}
