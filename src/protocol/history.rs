//! The bodies of `/history` and `/search` (docs/protocol.md, "History and
//! search"): pages of lines read from the files on disk, with cursors.

use serde::{Deserialize, Serialize};

/// A page of `/history`: consecutive lines of one stream, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub stream: String,
    pub lines: Vec<PageLine>,
    /// For `before=`: the older lines; `null` when the first line is the oldest on disk.
    pub before: Option<String>,
    /// For `after=`: the newer lines; `null` when the last line is the newest on disk.
    pub after: Option<String>,
    /// The index in `lines` of the line asked for (`at=`, `around=`), else `null`.
    pub focus: Option<usize>,
}

/// One line read from disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageLine {
    /// The line's place: `before=`, `after=` or `around=` it.
    pub cursor: String,
    /// The name of the file it is in (`access.log.2.gz`).
    pub file: String,
    /// Its time (seconds since 1970) by the stream's layout, `null` if it has none.
    pub t: Option<f64>,
    pub text: String,
}

/// A page of `/search`: matching lines, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    pub stream: String,
    pub items: Vec<SearchItem>,
    /// For `before=`: where the search goes on; `null` once the oldest line was searched.
    pub next: Option<String>,
    /// Bytes searched for this page.
    pub scanned: u64,
}

/// One matching line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchItem {
    pub cursor: String,
    pub file: String,
    pub t: Option<f64>,
    pub text: String,
}

/// Why a request was refused (`400`, `404`, `503`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub error: String,
}
