//! The body of `/report` (docs/protocol.md, "Reports"): newline-delimited
//! JSON, progress while the files are read, then one report of every line
//! in the range that passes the filter.

use serde::{Deserialize, Serialize};

/// One line of `/report`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ReportItem {
    /// Bytes of the files read so far, of their total.
    Progress { scanned: u64, total: u64 },
    /// The numbers, once every file was read (or a budget was spent).
    Report(Box<Report>),
}

/// What a range of a stream's lines says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub stream: String,
    /// The range asked for (seconds since 1970), if any.
    #[serde(with = "super::history::seconds")]
    pub from: Option<f64>,
    #[serde(with = "super::history::seconds")]
    pub to: Option<f64>,
    pub filter: String,
    /// The times of the oldest and newest line counted.
    #[serde(with = "super::history::seconds")]
    pub first: Option<f64>,
    #[serde(with = "super::history::seconds")]
    pub last: Option<f64>,
    /// Lines counted: those that fit the layout (`valid`) and those that did not (`bad`).
    pub requests: u64,
    pub valid: u64,
    pub bad: u64,
    /// Distinct (address, date, user agent) among requests not answered 4xx.
    pub visitors: u64,
    /// False once more visitors were seen than a report holds: `visitors` is then a lower bound.
    pub visitors_exact: bool,
    /// Response bytes of the valid requests.
    pub bytes: u64,
    /// Counts by status, lowest first.
    pub status: Vec<(u16, u64)>,
    /// 50th, 95th and 99th percentiles of the request and upstream times, in seconds.
    pub rt: Option<[f64; 3]>,
    pub ut: Option<[f64; 3]>,
    /// Hits and bytes by hour of the day, as the lines write it (0 to 23).
    pub hours: Vec<Tally>,
    /// The range cut in equal steps: requests, bad lines, bytes and status classes in each.
    pub series: Series,
    pub panels: Panels,
    /// Bytes the counts held at the end, about (bounded whatever the files hold).
    pub memory: u64,
    /// Bytes of the files read, of those the range covers.
    pub scanned: u64,
    pub total: u64,
    /// True when a budget stopped the reading: the numbers cover the newest lines only.
    pub truncated: bool,
    /// The budget that stopped it: `bytes` or `time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    /// Files that could not be read (`name: why`); the others were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

/// Hits and response bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub hits: u64,
    pub bytes: u64,
}

/// Points `step` seconds apart from `start`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub start: u64,
    pub step: u64,
    pub points: Vec<SeriesPoint>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub n: u64,
    pub bad: u64,
    pub bytes: u64,
    /// Statuses 1xx, 2xx, 3xx, 4xx, 5xx.
    pub classes: [u64; 5],
}

/// The top lists, each most hits first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Panels {
    /// Requests for other than static files, not answered 404: by method, URL and protocol.
    pub requests: Panel,
    /// Requests for static files (by the URL's extension), not answered 404.
    #[serde(rename = "static")]
    pub statics: Panel,
    /// Requests answered 404.
    pub not_found: Panel,
    /// Client addresses.
    pub hosts: Panel,
    /// The host part of the referrer.
    pub referring_sites: Panel,
    pub os: Panel,
    pub browsers: Panel,
    /// `$host` (or `$http_host`, `$server_name`).
    pub vhosts: Panel,
    /// Paths without the query, with their response bytes: where the bandwidth goes.
    pub bandwidth: Panel,
}

/// One top list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    pub items: Vec<Item>,
    /// Distinct values counted exactly.
    pub distinct: u64,
    /// Hits of values that came after the panel was full: not in `items`,
    /// and no value missing from `items` has more hits than this.
    pub untracked: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub value: String,
    /// For the request panels: the request's method and protocol, part of what tells items apart.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub method: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    pub hits: u64,
    pub bytes: u64,
}
