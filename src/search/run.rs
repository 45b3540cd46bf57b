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
use std::fs::File;
use std::ops::ControlFlow;
use std::time::Duration;

use super::walk::Walk;
use super::{Matcher, SearchQuery};
use crate::archive::HistoryFile;
use crate::archive::read::Budget;
use crate::archive::reader::Reader;
use crate::archive::source::Prefix;
use crate::hub::Stream;
use crate::layout::Layout;
use crate::protocol::history::SearchItem;

/// Matches sent unless `limit=` says otherwise, and the most it may say.
pub const DEFAULT_LIMIT: usize = 1000;
pub const MAX_LIMIT: usize = 100_000;
/// Progress is reported at most this often.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// How far out of time order a line may be written, in seconds.
pub const SLACK: f64 = 300.0;
/// Bytes the plan may read to find the files' times (a few probes a file);
/// past it, a file is searched whole.
const PLAN_BUDGET: u64 = 64 << 20;

/// How much one search may do.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Bytes of the files (as stored) it may scan.
    pub max_bytes: u64,
    pub max_time: Duration,
    /// Bytes kept of a line (`max_line_bytes`).
    pub max_line: usize,
}

/// Where a search's answer goes, in order (its items; a report's, which
/// rides on a search). `Break`: nobody listens any more.
pub trait Sink<T = SearchItem> {
    fn send(&mut self, item: &T) -> ControlFlow<()>;
    /// What was sent should reach the client now.
    fn flush(&mut self) -> ControlFlow<()>;
}

/// A line's field terms: true to keep a line that contains `q`.
pub type Keep<'k> = dyn FnMut(&Layout, &[u8]) -> bool + 'k;

/// Runs the search `q` for `m` over `stream`'s files, sending what it finds
/// to `sink` and a last `done` (unless the sink broke off). Blocking.
pub fn run(stream: &Stream, q: &SearchQuery, m: &Matcher, keep: &mut Keep<'_>, bounds: Bounds, sink: &mut impl Sink) {
    let layout = stream.layout();
    // The plan reads a few probes a file, within the search's own time.
    let deadline = std::time::Instant::now() + bounds.max_time;
    let budget = Budget::new(PLAN_BUDGET).until(deadline, Default::default());
    let mut reader = Reader::new(&stream.path, &layout, bounds.max_line, budget);
    let (mut opened, failed) = open(&reader.files);
    let parts: Vec<Part> = plan(&mut reader, q)
        .into_iter()
        .filter_map(|(i, end)| opened[i].take().map(|file| (i, file, end)))
        .map(|(i, file, end)| Part {
            file: i,
            src: Prefix { file, end },
        })
        .collect();
    let total = parts.iter().map(|p| p.src.end).sum();
    let mut walk = Walk::new(sink, layout.clone(), keep, q, bounds, total);
    walk.failed = failed;
    for part in parts {
        if walk.scan(&reader.files[part.file], part.src, m).is_break() {
            break;
        }
    }
    walk.done();
}

/// The listed files opened at once, before anything is read, so that a
/// rotation during the search renames them without harm; those that
/// cannot be opened are `None`, and said with why.
fn open(files: &[HistoryFile]) -> (Vec<Option<File>>, Vec<String>) {
    let mut failed = Vec::new();
    let opened = files
        .iter()
        .map(|f| f.open().map_err(|e| failed.push(format!("{}: {e}", f.name))).ok())
        .collect();
    (opened, failed)
}

/// A file to search (its index in the list), opened, read up to its size
/// or less for a plain file cut by `to=`.
struct Part {
    file: usize,
    src: Prefix,
}

/// The files a search reads, newest first, and how far: (index, end).
fn plan(r: &mut Reader, q: &SearchQuery) -> Vec<(usize, u64)> {
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
            parts.push((i, end));
        }
        if q.from.is_some_and(|from| first.is_some_and(|t| t < from - SLACK)) {
            break;
        }
    }
    parts
}
