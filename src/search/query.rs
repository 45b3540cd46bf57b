//! The query of `/search`, checked: every parameter known, once, in range.

use super::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::history::{Refused, bad, parse_time};

/// A checked `/search` query.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    pub stream: String,
    /// The text (or regex) a line must contain; empty: every line.
    pub q: String,
    pub regex: bool,
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// The UI's field terms (`crate::terms`), empty for none.
    pub filter: String,
    pub limit: usize,
}

impl SearchQuery {
    /// Reads the query string of `/search`, or says what is wrong with it.
    pub fn parse(query: &str) -> Result<SearchQuery, Refused> {
        let mut q = SearchQuery {
            stream: String::new(),
            q: String::new(),
            regex: false,
            from: None,
            to: None,
            filter: String::new(),
            limit: DEFAULT_LIMIT,
        };
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if seen.contains(&key.to_string()) {
                return Err(bad(format!("{key}= is given twice")));
            }
            seen.push(key.to_string());
            q.set(&key, value.into_owned())?;
        }
        if !seen.iter().any(|k| k == "stream") {
            return Err(bad("stream= is missing"));
        }
        if !seen.iter().any(|k| k == "q") {
            return Err(bad(
                "q= is missing (the text to find; it may be empty with filter=, from= or to=)",
            ));
        }
        Ok(q)
    }

    fn set(&mut self, key: &str, value: String) -> Result<(), Refused> {
        let time = |v: &str| {
            parse_time(v).ok_or_else(|| bad(format!("{key}= is seconds since 1970 or a date (2026-11-30T14:02:03Z)")))
        };
        match key {
            "stream" => self.stream = value,
            "q" => self.q = value,
            "filter" => self.filter = value,
            "regex" => {
                self.regex = match value.as_str() {
                    "1" | "true" => true,
                    "0" | "false" | "" => false,
                    _ => return Err(bad("regex= is 1 or 0")),
                }
            }
            "from" => self.from = Some(time(&value)?),
            "to" => self.to = Some(time(&value)?),
            "limit" => {
                self.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| bad(format!("limit= is a number of matches from 1 to {MAX_LIMIT}")))?
            }
            other => return Err(bad(format!("unknown parameter {other:?}"))),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_query_is_read() {
        let q = SearchQuery::parse(
            "stream=a&q=%20502%20&regex=1&from=1796047323&to=2026-11-30T15:00:00Z&filter=status%3A5xx&limit=7",
        )
        .unwrap();
        let want = SearchQuery {
            stream: "a".into(),
            q: " 502 ".into(),
            regex: true,
            from: Some(1_796_047_323.0),
            to: Some(1_796_050_800.0),
            filter: "status:5xx".into(),
            limit: 7,
        };
        assert_eq!(q, want);
        let q = SearchQuery::parse("stream=a&q=&filter=x").unwrap();
        assert_eq!((q.regex, q.limit, q.from), (false, DEFAULT_LIMIT, None));
    }

    #[test]
    fn bad_queries_say_why() {
        for (query, why) in [
            ("stream=a&q=x&regex=yes", "regex= is 1 or 0"),
            ("stream=a&q=x&to=later", "to= is seconds"),
            ("stream=a&q=x&limit=-1", "limit="),
            ("stream=a&q=x&stream=b", "stream= is given twice"),
        ] {
            let e = SearchQuery::parse(query).unwrap_err();
            assert!(matches!(e, Refused::Invalid(_)), "{query}: {e:?}");
            assert!(e.reason().contains(why), "{query}: {}", e.reason());
        }
    }
}
