//! The bodies of `/history` and `/search` (docs/protocol.md, "History and
//! search"): pages of lines read from the files on disk, with cursors, and
//! the stream of a search's findings.

use serde::{Deserialize, Serialize};

/// A page of `/history`: consecutive lines of one stream, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub stream: String,
    pub lines: Vec<PageLine>,
    /// For `before=`: the older lines; `null` once the oldest line on disk was reached.
    pub before: Option<String>,
    /// For `after=`: the newer lines; `null` when the page reaches the newest line read so far.
    pub after: Option<String>,
    /// The position in `lines` of the line asked for (`at=`, `around=`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Files that could not be read to their end (`name: why`): a damaged
    /// `.gz` file's lines up to the damage are in the page, and the files
    /// beyond it are read as if it ended there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

/// One line read from disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageLine {
    pub text: String,
    /// The line's place, for `before=`, `after=` and `around=`.
    pub cursor: String,
    /// Its time (seconds since 1970) by the stream's layout, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "seconds")]
    pub time: Option<f64>,
    /// Its number, if the daemon numbered it and still knows where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// In a page of every host (`*/STREAM`): the host's stream the line is
    /// from (`web-1/access`), whose number `seq` is and whose `/history`
    /// takes `cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

/// One line of `/search`'s answer (newline-delimited JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SearchItem {
    /// A matching line.
    Match {
        text: String,
        cursor: String,
        #[serde(default, skip_serializing_if = "Option::is_none", with = "seconds")]
        time: Option<f64>,
        /// In a search of every host (`*/STREAM`): the host's stream the
        /// line is from (`web-1/access`), whose `/history` takes its cursor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream: Option<String>,
    },
    /// Bytes of the files scanned so far, of their total.
    Progress {
        scanned: u64,
        total: u64,
        /// In a search of every host: each host's own progress.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hosts: Vec<HostProgress>,
    },
    /// The end of the search.
    Done {
        matches: u64,
        scanned: u64,
        total: u64,
        truncated: bool,
        /// The budget that stopped it: `bytes` or `time`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        budget: Option<String>,
        /// Files that could not be read (`name: why`); the others were searched.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failed: Vec<String>,
    },
}

/// One host's progress in a search of every host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostProgress {
    pub host: String,
    pub scanned: u64,
    pub total: u64,
    /// Its search has ended (or the host failed: the last `done` says why).
    pub done: bool,
}

/// Seconds since 1970: whole seconds as an integer, others with their fraction.
/// Times in seconds since 1970, whole ones written as integers (as the
/// lines' times are); `/report`'s too.
pub(super) mod seconds {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) if t.fract() == 0.0 && t.abs() < 1e15 => s.serialize_i64(*t as i64),
            Some(t) => s.serialize_f64(*t),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<f64>::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_are_integers() {
        let line = |time| PageLine {
            text: "x".into(),
            cursor: "c".into(),
            time,
            seq: None,
            stream: None,
        };
        let json = |l| serde_json::to_string(&l).unwrap();
        assert_eq!(
            json(line(Some(1796047323.0))),
            r#"{"text":"x","cursor":"c","time":1796047323}"#
        );
        assert_eq!(
            json(line(Some(1796047323.5))),
            r#"{"text":"x","cursor":"c","time":1796047323.5}"#
        );
        assert_eq!(json(line(None)), r#"{"text":"x","cursor":"c"}"#);
    }
}
