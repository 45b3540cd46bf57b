//! What a client asks for when it opens `/ws`: the query parameters of protocol v1.
//!
//! Parsing needs no hub and no socket, so it is tested (and fuzzed) on its
//! own; whether the named streams exist is checked by the caller.

use std::collections::HashMap;

/// Lines sent from the history when the client does not say `backlog`.
pub const DEFAULT_BACKLOG: u64 = 100;

/// A client's subscription, as its query string states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The streams asked for; `None` means all, including streams added later.
    pub streams: Option<Vec<String>>,
    /// How many lines of history to send first.
    pub backlog: u64,
    /// Per stream, the last seq the client already has.
    pub since: HashMap<String, u64>,
    /// Whether `stats` messages are sent (`stats=0` turns them off).
    pub stats: bool,
}

impl Query {
    /// Parses `stream=`, `backlog=`, `since=` and `stats=`; other parameters are ignored.
    /// The error is a one-line reason for a `400 Bad Request`.
    pub fn parse(query: &str) -> Result<Query, String> {
        let mut streams: Vec<String> = Vec::new();
        let mut backlog = DEFAULT_BACKLOG;
        let mut since = HashMap::new();
        let mut stats = true;
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "stream" => streams.extend(v.split(',').filter(|s| !s.is_empty()).map(str::to_string)),
                "backlog" => backlog = v.parse().map_err(|_| format!("backlog={v}: not a number\n"))?,
                "since" => {
                    let (id, seq) = parse_since(&v)?;
                    since.insert(id, seq);
                }
                "stats" => stats = v != "0",
                _ => {}
            }
        }
        let streams = (!streams.is_empty()).then_some(streams);
        Ok(Query {
            streams,
            backlog,
            since,
            stats,
        })
    }

    /// True if the client reads stream `id`.
    pub fn wants(&self, id: &str) -> bool {
        self.streams.as_ref().is_none_or(|ids| ids.iter().any(|i| i == id))
    }
}

fn parse_since(v: &str) -> Result<(String, u64), String> {
    let bad = || format!("since={v}: expected STREAM:SEQ\n");
    let (id, seq) = v.rsplit_once(':').ok_or_else(bad)?;
    Ok((id.to_string(), seq.parse().map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn since_parses() {
        assert_eq!(parse_since("access:42"), Ok(("access".into(), 42)));
        assert_eq!(parse_since("a:b:7"), Ok(("a:b".into(), 7)));
        assert!(parse_since("access").is_err());
        assert!(parse_since("access:x").is_err());
    }

    #[test]
    fn streams_backlog_and_since() {
        let q = Query::parse("stream=a,b&stream=c&backlog=5&since=a%3A9&x=1").unwrap();
        assert_eq!(q.streams, Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!((q.backlog, q.since.get("a"), q.stats), (5, Some(&9), true));
        assert!(!Query::parse("stats=0").unwrap().stats);
        assert!(q.wants("b") && !q.wants("d"));
        let all = Query::parse("").unwrap();
        assert_eq!((all.streams, all.backlog), (None, DEFAULT_BACKLOG));
        assert!(Query::parse("backlog=-1").is_err());
        assert!(Query::parse("backlog=99999999999999999999999").is_err());
    }

    proptest! {
        #[test]
        fn any_text_parses_or_is_refused_without_panic(q in ".{0,200}") {
            let _ = Query::parse(&q);
        }

        #[test]
        fn a_written_query_reads_back(
            streams in proptest::collection::vec("[a-z0-9_.-]{1,8}", 0..4),
            backlog in any::<u64>(),
            since in proptest::collection::hash_map("[a-z:]{1,8}", any::<u64>(), 0..4),
        ) {
            let mut w = form_urlencoded::Serializer::new(String::new());
            w.append_pair("stream", &streams.join(","));
            w.append_pair("backlog", &backlog.to_string());
            for (id, seq) in &since {
                w.append_pair("since", &format!("{id}:{seq}"));
            }
            let q = Query::parse(&w.finish()).unwrap();
            prop_assert_eq!(q.streams, (!streams.is_empty()).then_some(streams));
            prop_assert_eq!((q.backlog, q.since), (backlog, since));
        }
    }
}
