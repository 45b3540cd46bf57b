//! The walk through a search's files: the engine's hooks, which keep a
//! line by its time and the field terms, send each match with its cursor,
//! report progress, and stop at the limit, a budget or a client gone.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Instant;

use super::{Bounds, Keep, PROGRESS_EVERY, SLACK, SearchQuery, Sink};
use crate::archive::gzindex::Key;
use crate::archive::source::Prefix;
use crate::archive::{HistoryFile, time};
use crate::layout::Layout;
use crate::protocol::history::SearchItem;
use crate::protocol::line_text;
use crate::search::{self, Compression, GzIndex, Hooks, Matcher, Options, Verdict};

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
pub(super) struct Walk<'a, 'k, S: Sink> {
    sink: &'a mut S,
    layout: Arc<Layout>,
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
    pub(super) failed: Vec<String>,
}

impl<'a, 'k, S: Sink> Walk<'a, 'k, S> {
    pub(super) fn new(
        sink: &'a mut S,
        layout: Arc<Layout>,
        keep: &'a mut Keep<'k>,
        q: &SearchQuery,
        bounds: Bounds,
        total: u64,
    ) -> Walk<'a, 'k, S> {
        Walk {
            sink,
            layout,
            keep,
            from: q.from,
            to: q.to,
            limit: q.limit as u64,
            matches: 0,
            base: 0,
            total,
            bounds,
            started: Instant::now(),
            reported: None,
            file: None,
            end: None,
            failed: Vec::new(),
        }
    }

    /// Searches one file; `Break` when the walk is over.
    pub(super) fn scan(&mut self, f: &HistoryFile, src: Prefix, m: &Matcher) -> ControlFlow<()> {
        let o = Options {
            max_line: self.bounds.max_line,
            // One more than is left, so that a search that stops at its limit knows it did.
            limit: (self.limit - self.matches + 1) as usize,
            ..Options::default()
        };
        self.file = Some(f.clone());
        let compression = if f.gz { Compression::Gzip } else { Compression::Plain };
        let end = src.end;
        let scanned = search::newest_first(&src, compression, m, &o, self);
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
    pub(super) fn done(&mut self) {
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
        let Some(t) = time::of_line(&self.layout, line) else {
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
        if (self.keep)(&self.layout, line) {
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
            text: line_text(line, 0).into_owned(),
            cursor: cursor.encode(),
            time: time::of_line(&self.layout, line),
            stream: None,
        };
        match self.sink.send(&item) {
            ControlFlow::Break(()) => self.stop(End::Gone),
            ControlFlow::Continue(()) => ControlFlow::Continue(()),
        }
    }

    fn gz_index(&self) -> Option<GzIndex> {
        let f = self.file.as_ref()?;
        let layout = self.layout.clone();
        Some(GzIndex {
            key: Key::of(f, &layout),
            time: Box::new(move |line| time::of_line(&layout, line)),
        })
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
            hosts: Vec::new(),
        };
        if self.sink.send(&item).is_break() || self.sink.flush().is_break() {
            return self.stop(End::Gone);
        }
        ControlFlow::Continue(())
    }
}
