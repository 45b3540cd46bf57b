//! The fleet's names on NATS (docs/fleet.md): the subject of each host's
//! stream, the viewer's epoch, and the headers a message of lines carries.

use async_nats::HeaderMap;

/// Every subject of the fleet's lines starts with this.
const PREFIX: &str = "logmon.lines";

/// JetStream's de-duplication header: `SUBJECT:EPOCH:SEQ`.
pub const MSG_ID: &str = "Nats-Msg-Id";
pub const EPOCH: &str = "Logmon-Epoch";
/// The number of the message's first line, and how many lines it holds.
pub const SEQ: &str = "Logmon-Seq";
pub const COUNT: &str = "Logmon-Count";
/// An event's kind, on a message that is an `event` frame (with `Logmon-Count: 0`).
pub const EVENT: &str = "Logmon-Event";
/// The stream's layout (`Layout::format`), its nginx pattern for text
/// layouts, and its escaping: so a viewer splits lines as the agent does.
pub const FORMAT: &str = "Logmon-Format";
pub const PATTERN: &str = "Logmon-Pattern";
pub const ESCAPE: &str = "Logmon-Escape";
/// The followed file on the agent's host.
pub const PATH: &str = "Logmon-Path";

/// `logmon.lines.HOST.STREAM`; a `.` in a stream id (a subject's token
/// separator) is written `%2E`, which no id holds.
pub fn subject(host: &str, stream: &str) -> String {
    format!("{PREFIX}.{host}.{}", stream.replace('.', "%2E"))
}

/// Every host's every stream.
pub fn every_subject() -> String {
    format!("{PREFIX}.>")
}

/// The host and stream id a subject names.
pub fn parse_subject(subject: &str) -> Option<(&str, String)> {
    let rest = subject.strip_prefix(PREFIX)?.strip_prefix('.')?;
    let (host, stream) = rest.split_once('.')?;
    let valid = !host.is_empty() && !stream.is_empty() && !stream.contains('.');
    valid.then(|| (host, stream.replace("%2E", ".")))
}

/// Where `host`'s agent answers history requests: `logmon.history.HOST`.
pub fn history_subject(host: &str) -> String {
    format!("logmon.history.{host}")
}

/// The prefix of `host`'s inboxes, where replies to it come: `_INBOX_HOST`.
pub fn inbox_prefix(host: &str) -> String {
    format!("_INBOX_{host}")
}

/// The id of a host's stream on a viewer: `web-1/access`.
pub fn fleet_id(host: &str, stream: &str) -> String {
    format!("{host}/{stream}")
}

/// A viewer's epoch: the same on every viewer of the JetStream stream
/// `name` and across their restarts, so that `since=` resumes on any.
pub fn viewer_epoch(name: &str) -> String {
    format!("fleet-{name}")
}

/// Where a message's lines are in the agent's numbering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub epoch: String,
    pub seq: u64,
    pub count: u64,
}

impl Position {
    /// The number after the message's last line.
    pub fn end(&self) -> u64 {
        self.seq + self.count
    }

    /// Writes the position and the de-duplication id of a message on
    /// `subject`. The id names the subject: JetStream's duplicate window is
    /// the whole stream's, where every stream of an agent numbers from 1 in
    /// the same epoch (and cloned hosts may share an epoch).
    pub fn write(&self, subject: &str, headers: &mut HeaderMap) {
        headers.insert(MSG_ID, format!("{subject}:{}:{}", self.epoch, self.seq).as_str());
        headers.insert(EPOCH, self.epoch.as_str());
        headers.insert(SEQ, self.seq.to_string().as_str());
        headers.insert(COUNT, self.count.to_string().as_str());
    }

    /// Reads it back; `None` if a header is missing or bad.
    pub fn read(headers: &HeaderMap) -> Option<Position> {
        let number = |name| header(headers, name)?.parse::<u64>().ok();
        Some(Position {
            epoch: header(headers, EPOCH)?.to_string(),
            seq: number(SEQ).filter(|&s| s > 0)?,
            count: number(COUNT)?,
        })
    }
}

/// Makes a message an event's, placed before line `position.seq`: its
/// kind in `Logmon-Event`, and a de-duplication id of its own (events of
/// different kinds may come before the same line).
pub fn mark_event(subject: &str, position: &Position, kind: &str, headers: &mut HeaderMap) {
    let id = format!("{subject}:{}:{}:{kind}", position.epoch, position.seq);
    headers.insert(MSG_ID, id.as_str());
    headers.insert(EVENT, kind);
}

/// A header's value.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_host_and_stream() {
        assert_eq!(subject("web-1", "access"), "logmon.lines.web-1.access");
        assert_eq!(subject("web-1", "a.b"), "logmon.lines.web-1.a%2Eb");
        assert_eq!(parse_subject("logmon.lines.web-1.a%2Eb"), Some(("web-1", "a.b".into())));
        assert_eq!(parse_subject("logmon.lines.web-1"), None);
        assert_eq!(parse_subject("logmon.lines.web-1.a.b"), None);
        assert_eq!(parse_subject("other.web-1.a"), None);
    }

    #[test]
    fn positions_round_trip_through_headers() {
        let p = Position {
            epoch: "18b-4242".into(),
            seq: 1042,
            count: 7,
        };
        let mut h = HeaderMap::new();
        p.write("logmon.lines.web-1.access", &mut h);
        assert_eq!(header(&h, MSG_ID), Some("logmon.lines.web-1.access:18b-4242:1042"));
        assert_eq!(Position::read(&h), Some(p.clone()));
        assert_eq!(p.end(), 1049);
        h.insert(SEQ, "x");
        assert_eq!(Position::read(&h), None);
    }
}
