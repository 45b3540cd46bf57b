//! The wire protocol, version 1: the one place where its messages are defined.
//!
//! Every server message is a JSON object with a `type`, one per WebSocket
//! text frame (see `docs/protocol.md`). Each is a typed value here:
//! [`Message`] serializes them for the server and deserializes them for the
//! tests, the benchmark and the fuzzers, so that no other module writes or
//! reads the JSON by hand.
//!
//! `lines` messages are the hot path and are not built through serde: a
//! [`LinesBuilder`] writes them directly into a [`Frame`], once per frame for
//! every client. Its output is tested to be exactly what serde writes for the
//! same [`Lines`] value, so the two cannot drift apart.
//!
//! What a client asks for (the query string of `/ws`) is a [`Query`].

mod frame;
pub mod history;
mod json;
mod query;
pub mod report;
mod stats;

use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Utf8Bytes;

pub use frame::{Frame, LinesBuilder, line_text, truncation_marker};
pub use query::{DEFAULT_BACKLOG, Query};
pub use stats::{Latency, Point, Stats, Top, TopError};

/// The protocol version sent in `hello`.
pub const VERSION: u32 = 1;

/// One server message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Message {
    Hello(Hello),
    Lines(Lines),
    Gap(Gap),
    Event(Event),
    Stats(Box<Stats>),
    /// A type this version does not know; clients ignore it.
    #[serde(other)]
    Unknown,
}

/// One client message. Anything else a client sends is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ClientMessage {
    /// `stats` messages from now on, or no more (as `stats=0` at connect).
    Stats { on: bool },
}

impl ClientMessage {
    /// The message in `text`, if it is one this version knows.
    pub fn parse(text: &str) -> Option<ClientMessage> {
        serde_json::from_str(text).ok()
    }
}

/// First message of a connection, and again whenever what it says changes:
/// the set of streams, a stream's layout or format, a stream's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub version: u32,
    /// Identifies the daemon run that numbered the lines.
    pub epoch: String,
    /// The streams this connection receives.
    pub streams: Vec<StreamInfo>,
}

/// One stream as `hello` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub id: String,
    pub path: String,
    /// The format's name: `nginx-combined`, `nginx:main`, `json`, ...
    pub format: String,
    /// The number of the stream's newest line (0 before the first).
    pub seq: u64,
    pub layout: LayoutInfo,
    /// What is at the stream's path now (absent from older daemons: `following`).
    #[serde(default)]
    pub state: StreamState,
    /// Why the stream is in its state: for `unreadable`, the error
    /// (`not a regular file (a FIFO)`, `Permission denied (os error 13)`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state_detail: String,
    /// Where `format` came from (absent from older daemons: `config`).
    #[serde(default)]
    pub format_source: FormatSource,
    /// Why the format named could not be used (only with `fallback`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub format_reason: String,
}

/// What is at a stream's path, as its follower last saw it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamState {
    /// A file is at the path and read as it grows.
    #[default]
    Following,
    /// Nothing is at the path (yet); a file that appears is read from its start.
    Missing,
    /// Something is at the path that cannot be read; `state_detail` says why.
    Unreadable,
}

/// Where a stream's format came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormatSource {
    /// The stream's `format` (or `log_format`) in logmon's configuration.
    #[default]
    Config,
    /// None named: nginx's `access_log` for the stream's file.
    Nginx,
    /// None named and none in nginx's configuration: a guess from the file's name.
    Guess,
    /// The format named could not be used: the lines are shown as `plain`,
    /// and `format_reason` says why.
    Fallback,
}

/// How a stream's lines split into fields (docs/protocol.md, "Layouts").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutInfo {
    /// `text`, `json`, `error` or `plain`.
    pub kind: String,
    /// nginx's `escape=` of a `text` layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escape: Option<String>,
    /// The literal texts around the fields (`text` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldInfo>,
}

/// One field: its nginx variable's name and its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

impl FieldInfo {
    pub fn new(name: &str, ty: &str) -> FieldInfo {
        FieldInfo {
            name: name.to_string(),
            ty: ty.to_string(),
        }
    }
}

/// Lines numbered `seq`, `seq + 1`, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lines {
    pub stream: String,
    pub seq: u64,
    pub lines: Vec<String>,
}

/// Lines `seq .. seq + count` that this client will not get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub stream: String,
    pub seq: u64,
    pub count: u64,
}

/// Something happened to the file behind a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub stream: String,
    pub event: EventKind,
    /// Human-readable; names the path.
    pub detail: String,
}

/// What an `event` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A new file took the path, or the file was renamed away.
    Rotated,
    /// The file shrank below the read position; reading restarts at 0.
    Truncated,
    /// A reopen was asked for (SIGHUP).
    Reopened,
    /// The path does not exist.
    Missing,
    /// The path exists again (or became readable) and is read from its start.
    Created,
    /// Something is at the path that cannot be read (permissions, a
    /// directory, a FIFO, ...); the detail says why. Following resumes by
    /// itself once the path is a readable file.
    Unreadable,
    /// Lines could not be read: a file rotated while logmon was stopped is
    /// gone or compressed; the detail names it.
    Lost,
    /// Bytes that are not log text were skipped (NUL bytes that a writer
    /// left after a truncation); the detail says how many.
    Skipped,
}

/// The body of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `ok`: the daemon answers only while it serves.
    pub status: String,
    pub epoch: String,
    pub streams: Vec<StreamHealth>,
}

/// One stream in `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamHealth {
    pub id: String,
    /// The newest line's number.
    pub seq: u64,
    /// Clients reading this stream now.
    pub clients: usize,
}

impl Message {
    /// The message as the text of one WebSocket frame.
    pub fn encode(&self) -> Utf8Bytes {
        Utf8Bytes::from(serde_json::to_string(self).expect("messages always serialize"))
    }

    /// Reads one message; types this version does not know become `Unknown`.
    pub fn decode(text: &str) -> serde_json::Result<Message> {
        serde_json::from_str(text)
    }
}

/// The encoded `gap` message for lines `seq .. seq + count` of `stream`.
pub fn gap(stream: &str, seq: u64, count: u64) -> Utf8Bytes {
    let stream = stream.to_string();
    Message::Gap(Gap { stream, seq, count }).encode()
}

#[cfg(test)]
mod tests;
