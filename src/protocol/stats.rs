//! The `stats` message: a stream's numbers, once a second (docs/protocol.md).

use serde::{Deserialize, Serialize};

/// A stream's statistics: new points, and the totals of the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub stream: String,
    /// Unix seconds when this was sent.
    pub now: u64,
    /// Seconds that `status`, `latency` and `top` cover.
    pub window: u64,
    pub seconds: Vec<Point>,
    pub minutes: Vec<Point>,
    /// Counts by status, lowest status first.
    pub status: Vec<(u16, u64)>,
    pub latency: Latency,
    pub top: Top,
    /// For each count in `top`, the most it may be over the true count.
    #[serde(default)]
    pub top_error: TopError,
}

/// One second or one minute of a stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Unix seconds at the point's start.
    pub t: u64,
    /// Lines that fit the layout (requests, for an access log).
    pub n: u64,
    /// Lines that did not.
    pub bad: u64,
    /// Response bytes.
    pub bytes: u64,
    /// Statuses 1xx, 2xx, 3xx, 4xx, 5xx.
    pub classes: [u64; 5],
    /// 50th, 95th and 99th percentiles of the request time, in seconds.
    pub rt: Option<[f64; 3]>,
    /// The same of the upstream response time.
    pub ut: Option<[f64; 3]>,
    /// Of `n` and `bad`, the lines that arrived after the point had ended.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub late: u64,
    /// Of `n`, the lines counted when read, their own time being before the window.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub old: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Percentiles over the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub rt: Option<[f64; 3]>,
    pub ut: Option<[f64; 3]>,
}

/// The most frequent values of some fields over the window, most frequent first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Top {
    pub path: Vec<(String, u64)>,
    pub host: Vec<(String, u64)>,
    pub addr: Vec<(String, u64)>,
    pub ua: Vec<(String, u64)>,
    pub upstream: Vec<(String, u64)>,
}

/// The errors of [`Top`]'s counts, list by list and entry by entry: the
/// true count is at most the count and at least the count less its error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TopError {
    pub path: Vec<u64>,
    pub host: Vec<u64>,
    pub addr: Vec<u64>,
    pub ua: Vec<u64>,
    pub upstream: Vec<u64>,
}
