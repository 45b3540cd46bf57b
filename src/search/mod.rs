//! Searching a stream's files on disk for lines, newest first: the one
//! home of search (`GET /search`, docs/protocol.md "History and search";
//! `http/search.rs` only turns it into HTTP).
//!
//! Two layers. A search over a stream ([`run`], `run.rs`) parses its query
//! (`query.rs`), plans which of the stream's files to read (the archive,
//! `crate::archive`) and walks them newest first (`walk.rs`), sending what
//! it finds to a [`Sink`]. Below it, the engine searches one file: given one file, a [`Matcher`] (a literal or a bounded regex)
//! and [`Hooks`] (the caller's own line filter, where each match goes, and
//! progress), it reports the file's matching lines from the last one back
//! to the first, each with the byte offset of its start in the file's
//! uncompressed content (what a cursor names). The caller walks a stream's
//! files newest first and stops when it has enough.
//!
//! How a file is read depends on whether it is compressed:
//!
//! - **Plain files** ([`backward`]) are read backwards in large blocks with
//!   `pread`, so the newest lines come first without reading the rest.
//!   Each block is searched as a whole (one SIMD pass, see
//!   [`matcher::scan_lines`]); a line cut by the block's start is carried
//!   over to the next (older) block, so no line is lost or seen twice.
//! - **gzip files** ([`gzip`], multi-member too) can only be decompressed
//!   forwards. The newest `limit` matches are kept as they come (older ones
//!   fall out) with their text up to a budget, then emitted in reverse;
//!   matches whose text did not fit are read again by further passes.
//!
//! Memory is bounded whatever the file size: a block (default 1 MiB) and one
//! carried line for plain files, plus at most 4 bytes per line of a block
//! for the block's matches; for gzip files a chunk, the text budget
//! (default 4 MiB) and about 24 bytes per kept match (at most `limit`).
//!
//! A line's text is what the follower would send: no `\n`, no `\r` before
//! it, at most `max_line` bytes (the daemon's `max_line_bytes`); a match
//! must lie inside that text. [`count`] counts matching lines without
//! ordering them (what `grep -F -c` does), for the benchmark.

pub mod backward;
pub mod gzip;
pub mod matcher;
mod query;
mod run;
mod walk;

#[cfg(test)]
mod tests;

use std::io;
use std::ops::ControlFlow;
use std::path::Path;

pub use crate::archive::blocks::Step;
pub use crate::archive::source::Source;
pub use matcher::{Matcher, PatternError, REGEX_SIZE_LIMIT};
pub use query::SearchQuery;
pub use run::{Bounds, DEFAULT_LIMIT, Keep, MAX_LIMIT, PROGRESS_EVERY, SLACK, Sink, run};

/// What the caller's filter says of a line that contains the pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The line is a match.
    Match,
    /// Not this line.
    Skip,
    /// Not this line nor any older one (it is older than the search's
    /// `from` time, say): the file's scan ends here.
    SkipOlder,
}

/// The caller's side of a scan.
pub trait Hooks {
    /// Decides on a line that contains the pattern (field terms, time
    /// bounds); every such line is a match unless this says otherwise.
    fn filter(&mut self, _line: &[u8]) -> Verdict {
        Verdict::Match
    }
    /// A match: the offset of the line's start in the uncompressed content,
    /// and its text. `Break` ends the scan.
    fn found(&mut self, offset: u64, line: &[u8]) -> ControlFlow<()>;
    /// Bytes of the file (as stored: compressed bytes for gzip) scanned so
    /// far; called once per block or chunk and between the windows of one
    /// (`matcher::WINDOW`), the caller throttles. `Break`
    /// ends the scan (a budget spent, the client gone); a gzip file's
    /// matches kept so far are then dropped, not emitted, since newer lines
    /// of the file were not read.
    fn progress(&mut self, _scanned: u64) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
    /// For a gzip file: the key under which the decoder adds the access
    /// points it passes to the daemon's index (which `/history` pages and
    /// `at=` start from), and how it reads a line's time for them.
    fn gz_index(&self) -> Option<GzIndex> {
        None
    }
}

/// A line's time, for the access points a decoder adds to the index.
pub type LineTime = Box<dyn Fn(&[u8]) -> Option<f64>>;

/// A gzip file's place in the daemon's index of access points.
pub struct GzIndex {
    pub key: crate::archive::gzindex::Key,
    pub time: LineTime,
}

/// How a file is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
}

impl Compression {
    /// By the file's name, as logrotate names rotations: `.gz` or plain.
    pub fn of(path: &Path) -> Compression {
        match path.extension() {
            Some(e) if e == "gz" => Compression::Gzip,
            _ => Compression::Plain,
        }
    }
}

/// Sizes that bound a scan.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Bytes read at once: a plain file's block, a gzip file's chunk of
    /// decompressed bytes.
    pub block: usize,
    /// A line's text is cut to this many bytes.
    pub max_line: usize,
    /// Bytes of lines searched in one call of the matcher
    /// ([`matcher::WINDOW`]); the hooks may stop the scan between two.
    pub window: usize,
    /// Matches emitted at most (the scan then stops).
    pub limit: usize,
    /// Bytes of line text a gzip scan keeps before it re-reads instead.
    pub text_budget: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            block: 1 << 20,
            max_line: 64 << 10,
            window: matcher::WINDOW,
            limit: 100_000,
            text_budget: 4 << 20,
        }
    }
}

/// How a scan ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Matches emitted.
    pub matches: u64,
    /// Bytes of the file scanned (as stored).
    pub scanned: u64,
    /// The hooks, a `SkipOlder` or the limit ended the scan early.
    pub stopped: bool,
}

/// Emits `src`'s matching lines, newest first. A gzip file whose data is
/// damaged has its matches before the damage emitted, then the error.
pub fn newest_first<S: Source + ?Sized>(
    src: &S,
    compression: Compression,
    m: &Matcher,
    o: &Options,
    hooks: &mut impl Hooks,
) -> io::Result<Summary> {
    match compression {
        Compression::Plain => backward::scan(src, m, o, hooks),
        Compression::Gzip => gzip::scan(src, m, o, hooks),
    }
}

/// Counts `src`'s matching lines (no filter, no order, no limit).
pub fn count<S: Source + ?Sized>(src: &S, compression: Compression, m: &Matcher, o: &Options) -> io::Result<u64> {
    match compression {
        Compression::Plain => backward::count(src, m, o),
        Compression::Gzip => gzip::count(src, m, o),
    }
}
