//! A stream's files on disk: the one place that knows them. `/history`
//! pages (`crate::history`) and searches (`crate::search`) sit on top.
//!
//! nginx's logs keep days of lines in the current file and its rotations
//! (`access.log.1`, `access.log.2.gz`, dated names). This module owns
//!
//! - which files belong to a stream, newest first, and their identity
//!   (`files.rs`): device, inode and the first bytes, so that a place in a
//!   file survives its renames; rotation names are never followed if they
//!   are links;
//! - a line's place in them, opaque to clients (`cursor.rs`);
//! - reading them with bounded memory and a budget of bytes and time:
//!   backwards in blocks (`blocks.rs`, the one backward reader, which
//!   search reads plain files with too), forwards in chunks (`forward.rs`,
//!   the one forward reader, which search reads `.gz` files with too), a
//!   page's lines (`read.rs`), and across
//!   files (`reader.rs`: the lines before or from a place, files that fail
//!   mid-read reported and read up to the damage);
//! - `.gz` files: one decoder (`gzread.rs`, miniz_oxide) and a bounded
//!   index of access points into them (`gzindex.rs`), shared by pages,
//!   `at=` and search, so a deep page decompresses megabytes, not the file;
//! - a line's time by the stream's layout (`time.rs`) and bisection by it
//!   (`seek.rs`).
//!
//! A line's text is made by the one rule the live follower uses too
//! (`protocol::line_text`).

pub(crate) mod blocks;
pub(crate) mod cursor;
pub(crate) mod files;
pub(crate) mod forward;
pub(crate) mod gzindex;
pub(crate) mod gzread;
#[cfg(test)]
pub(crate) mod gzwrite;
pub(crate) mod read;
pub(crate) mod reader;
pub(crate) mod seek;
pub(crate) mod source;
pub(crate) mod time;

#[cfg(test)]
mod gztests;

pub use cursor::Cursor;
pub use files::HistoryFile;
pub use gzindex::SHARED as GZ_INDEX;
