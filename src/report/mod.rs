//! Reports: the numbers of any range of a stream's lines, read from its
//! files on disk (the current file, its rotations, `.gz` ones too), in the
//! shape of the live statistics plus the panels an nginx operator knows
//! from GoAccess (`GET /report`, docs/protocol.md "Reports").
//!
//! A report rides on a search (`crate::search`): a search for every line
//! in the range, whose line filter counts each line that passes the field
//! terms ([`Counter`], `count.rs`) and keeps none. So a report has the
//! search's plan (files outside the range not read), its bounds (bytes,
//! time, `max_searches` places, the client leaving) and its progress, and
//! the range is applied by each line's own time. The lines are counted on
//! a second thread beside the reading (`pipe.rs`).
//!
//! What is counted, and how it compares with GoAccess:
//!
//! - requests: every line read; `valid` those that fit the layout, `bad`
//!   the others (GoAccess's failed requests). With a range, a line without
//!   a time cannot be placed in it and is left out;
//! - visitors: distinct (address, date as written, user agent) among
//!   requests not answered 4xx, as GoAccess counts them by default;
//! - the request panels (`request.rs`): static files by GoAccess's default
//!   extensions, 404s apart, the others by method, decoded URL and protocol;
//! - referring sites, operating systems and browsers (`agent.rs`: the
//!   `woothee` crate, whose names differ from GoAccess's own lists),
//!   virtual hosts, hours of the day, bandwidth by path;
//! - each top list is exact in bounded memory (`panel.rs`): a value first
//!   seen after a panel is full is not listed, and the panel says how many
//!   hits such values had, which bounds the error;
//! - the series (`series.rs`) cuts the range into at most 2048 steps.

mod agent;
mod count;
mod panel;
mod pipe;
mod request;
mod series;

use std::ops::ControlFlow;

pub use count::Counter;

use crate::history::{Refused, parse_time};
use crate::hub::Stream;
use crate::layout::Layout;
use crate::protocol::history::SearchItem;
use crate::protocol::report::ReportItem;
use crate::search::{self, Bounds, Matcher, SearchQuery, Sink};
use crate::terms::Terms;

/// Items of each top list unless `top=` says otherwise, and the most it may say.
pub const DEFAULT_TOP: usize = 10;
pub const MAX_TOP: usize = 1000;

/// What `/report` is asked.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportQuery {
    pub stream: String,
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// The UI's field terms (`crate::terms`), empty for every line.
    pub filter: String,
    pub top: usize,
}

impl ReportQuery {
    /// Reads the query string of `/report`, or says what is wrong with it.
    pub fn parse(query: &str) -> Result<ReportQuery, Refused> {
        let bad = |why: String| Refused::Invalid(why);
        let mut q = ReportQuery {
            stream: String::new(),
            from: None,
            to: None,
            filter: String::new(),
            top: DEFAULT_TOP,
        };
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if seen.iter().any(|k| *k == key) {
                return Err(bad(format!("{key}= is given twice")));
            }
            seen.push(key.to_string());
            let time = || parse_time(&value).ok_or_else(|| bad(format!("{key}= is seconds since 1970 or a date")));
            match &*key {
                "stream" => q.stream = value.into_owned(),
                "filter" => q.filter = value.into_owned(),
                "from" => q.from = Some(time()?),
                "to" => q.to = Some(time()?),
                "top" => {
                    let top = value.parse().ok().filter(|n| (1..=MAX_TOP).contains(n));
                    q.top = top.ok_or_else(|| bad(format!("top= is a number from 1 to {MAX_TOP}")))?;
                }
                other => return Err(bad(format!("unknown parameter {other:?}"))),
            }
        }
        if q.stream.is_empty() {
            return Err(bad("stream= is missing".into()));
        }
        Ok(q)
    }
}

/// Reports on `q`'s range of `stream`'s files: progress, then the report,
/// to `out` (nothing more once `out` breaks off). Blocking.
pub fn run(stream: &Stream, q: &ReportQuery, terms: &Terms, bounds: Bounds, out: &mut impl Sink<ReportItem>) {
    let every = SearchQuery {
        stream: q.stream.clone(),
        q: String::new(),
        regex: false,
        from: q.from,
        to: q.to,
        filter: String::new(),
        limit: 1,
    };
    let mut relay = Relay { out, done: None };
    let ((), counter) = pipe::counted(stream.layout(), terms, |each| {
        let mut keep = |_: &Layout, line: &[u8]| {
            each(line);
            false
        };
        search::run(stream, &every, &Matcher::literal(b""), &mut keep, bounds, &mut relay);
    });
    let Some(SearchItem::Done {
        scanned,
        total,
        truncated,
        budget,
        failed,
        ..
    }) = relay.done
    else {
        return;
    };
    let mut report = counter.report(q.top);
    (report.stream, report.from, report.to, report.filter) = (q.stream.clone(), q.from, q.to, q.filter.clone());
    (report.scanned, report.total, report.truncated) = (scanned, total, truncated);
    (report.budget, report.failed) = (budget, failed);
    if relay.out.send(&ReportItem::Report(Box::new(report))).is_continue() {
        let _ = relay.out.flush();
    }
}

/// The search's end of a report: its progress passed on, its end kept.
struct Relay<'a, O> {
    out: &'a mut O,
    done: Option<SearchItem>,
}

impl<O: Sink<ReportItem>> Sink for Relay<'_, O> {
    fn send(&mut self, item: &SearchItem) -> ControlFlow<()> {
        match item {
            SearchItem::Progress { scanned, total, .. } => self.out.send(&ReportItem::Progress {
                scanned: *scanned,
                total: *total,
            }),
            SearchItem::Done { .. } => {
                self.done = Some(item.clone());
                ControlFlow::Continue(())
            }
            SearchItem::Match { .. } => ControlFlow::Continue(()),
        }
    }

    fn flush(&mut self) -> ControlFlow<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests;
