//! History of every host at once: a viewer's `/history?stream=*/STREAM`
//! asks the agent of every host that has the stream for its page
//! (`history.rs`, each with its own bounds) and merges them into one page,
//! by time across hosts and in file order within each host.
//!
//! A merged page's place is a set of *gaps*, one per host, each just
//! before or just after a line of that host's stream (`gaps.rs`); a
//! page's `before` and `after` are such sets, and a client may write its
//! own (`before=web-1:-seq:S1,web-2:-seq:S2` pages back from the oldest
//! live line of each host). A host missing from a page's `before` has no
//! older line on disk; `after` is `null` once every host's newest line
//! read is in the page.
//!
//! Each host's page holds the `limit` lines nearest its gap (a gap's line
//! itself, when it must be in the page, is read with `around=`). They are
//! merged outwards from the place asked, newest first going back and
//! oldest first going forward, and the merge stops where a host's page
//! ends before its file does: its next line, not in the page, could come
//! first. So a page may be shorter than `limit`, never out of order
//! within a host, and the gaps it gives continue each host exactly where
//! its lines in the page end: no line twice, none skipped.
//!
//! A host that does not answer is named in `failed` and keeps its gap, to
//! be asked again by the next page; a host that refuses its gap (rotated
//! away) is named and dropped from the gaps. The viewer reads one merged
//! page at a time per turn of `/history` (`http/history.rs`); each host's
//! page is at most 512 KiB and the merged one at most the page size.

use futures_util::future::join_all;
use hyper::StatusCode;

use super::gaps::{Gap, encode_gaps, parse_gaps};
use super::history::{Asker, Refusal, of_host};
use super::merged::hosts_of;
use crate::archive::reader::PAGE_BYTES;
use crate::history::{Ask, MAX_LIMIT, Parts, Refused, bad, parse_ask};
use crate::http::State;
use crate::protocol::history::{Page, PageLine};

/// What a merged page asks: the lines before the gaps, after them, or around a time.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Toward {
    Back(Vec<Gap>),
    Forward(Vec<Gap>),
    At(f64),
}

/// What one host is asked for.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum HostAsk {
    Back(Gap),
    Forward(Gap),
    At(f64),
}

impl HostAsk {
    /// The host's `/history` query for its stream `id`, `limit` lines.
    fn query(&self, id: &str, limit: usize) -> String {
        let twice = (2 * limit).min(MAX_LIMIT);
        let (key, value, limit) = match self {
            HostAsk::Back(g) if !g.after => ("before", g.place.clone(), limit),
            HostAsk::Forward(g) if g.after => ("after", g.place.clone(), limit),
            // The gap's own line is in the page: the lines around it.
            HostAsk::Back(g) | HostAsk::Forward(g) => ("around", g.place.clone(), twice),
            HostAsk::At(t) => ("at", t.to_string(), limit),
        };
        form_urlencoded::Serializer::new(String::new())
            .append_pair("stream", id)
            .append_pair(key, &value)
            .append_pair("limit", &limit.to_string())
            .finish()
    }

    fn gap(&self) -> Option<&Gap> {
        match self {
            HostAsk::Back(g) | HostAsk::Forward(g) => Some(g),
            HostAsk::At(_) => None,
        }
    }
}

/// One host's page, cut to the lines on the asked side of its gap.
#[derive(Debug)]
pub(super) struct Part {
    host: String,
    /// The host's stream as the viewer serves it (`web-1/access`).
    stream: String,
    lines: Vec<PageLine>,
    /// `lines[0]` is the oldest line on disk.
    back_done: bool,
    /// The last of `lines` is the newest line read.
    forward_end: bool,
    /// The gap asked, if any.
    asked: Option<Gap>,
    /// The lines taken into the merged page: `lo..hi`, which starts empty
    /// where the place asked falls in `lines`.
    lo: usize,
    hi: usize,
    /// The files the host could not read (`HOST: name: why`).
    failed: Vec<String>,
}

impl Part {
    /// Host `host`'s `page` for `ask`, or why it cannot be used.
    pub(super) fn new(host: &str, stream: &str, ask: &HostAsk, mut page: Page) -> Result<Part, String> {
        let whole = page.lines.len();
        let failed = page.failed.iter().map(|f| format!("{host}: {f}")).collect();
        let index = || page.index.ok_or("its page around the gap lacks the gap's line");
        let (split, back_done, forward_end) = match ask {
            HostAsk::Back(g) if !g.after => (whole, page.before.is_none(), false),
            HostAsk::Back(_) => {
                let i = index()?;
                page.lines.truncate(i + 1);
                (i + 1, page.before.is_none(), i + 1 == whole && page.after.is_none())
            }
            HostAsk::Forward(g) if g.after => (0, false, page.after.is_none()),
            HostAsk::Forward(_) => {
                let i = index()?;
                page.lines.drain(..i);
                (0, i == 0 && page.before.is_none(), page.after.is_none())
            }
            HostAsk::At(_) => (page.index.unwrap_or(whole), page.before.is_none(), page.after.is_none()),
        };
        Ok(Part {
            host: host.to_string(),
            stream: format!("{host}/{stream}"),
            lines: page.lines,
            back_done,
            forward_end,
            asked: ask.gap().cloned(),
            lo: split,
            hi: split,
            failed,
        })
    }

    /// The gap the next older page starts from; `None` when the oldest line is in.
    fn back_gap(&self) -> Option<Gap> {
        let (lines, host) = (&self.lines, &self.host);
        match (self.lo, lines.last()) {
            (0, _) if self.back_done => None,
            (lo, _) if lo < lines.len() => Some(Gap::before(host, &lines[lo])),
            (_, Some(last)) => Some(Gap::after(host, last)),
            (_, None) => self.asked.clone(),
        }
    }

    /// The gap the next newer page starts from.
    fn forward_gap(&self) -> Option<Gap> {
        match (self.hi, self.lines.first()) {
            (0, Some(first)) => Some(Gap::before(&self.host, first)),
            (0, None) => self.asked.clone(),
            (hi, _) => Some(Gap::after(&self.host, &self.lines[hi - 1])),
        }
    }

    /// Its newest line read is in the merged page.
    fn at_end(&self) -> bool {
        self.hi == self.lines.len() && self.forward_end
    }
}

/// A line's time for ordering: a line without one goes with the line the merge took last.
fn key(line: &PageLine, without: f64) -> f64 {
    line.time.unwrap_or(without)
}

/// A line's share of the merged page's bytes.
fn weight(line: &PageLine, stream: &str) -> usize {
    line.text.len() + line.cursor.len() + stream.len() + 64
}

/// Takes up to `back` lines before the places asked and then lines after
/// them, `total` in all, within `room` bytes: (part, line) in page order,
/// and how many of them are before the places.
pub(super) fn merge(parts: &mut [Part], back: usize, total: usize, room: usize) -> (Vec<(usize, usize)>, usize) {
    let mut spent = 0;
    let mut older = Vec::new();
    while older.len() < back && spent < room && !parts.iter().any(|p| p.lo == 0 && !p.back_done) {
        let next = (parts.iter().enumerate())
            .filter(|(_, p)| p.lo > 0)
            .max_by(|(_, a), (_, b)| {
                key(&a.lines[a.lo - 1], f64::INFINITY).total_cmp(&key(&b.lines[b.lo - 1], f64::INFINITY))
            });
        let Some((i, _)) = next else { break };
        let p = &mut parts[i];
        p.lo -= 1;
        spent += weight(&p.lines[p.lo], &p.stream);
        older.push((i, p.lo));
    }
    let forward = total - older.len();
    let mut taken: Vec<(usize, usize)> = older.iter().rev().copied().collect();
    let newer = |p: &Part| p.hi == p.lines.len() && !p.forward_end;
    while taken.len() - older.len() < forward && spent < room && !parts.iter().any(newer) {
        let next = (parts.iter().enumerate())
            .filter(|(_, p)| p.hi < p.lines.len())
            .min_by(|(_, a), (_, b)| {
                key(&a.lines[a.hi], f64::NEG_INFINITY).total_cmp(&key(&b.lines[b.hi], f64::NEG_INFINITY))
            });
        let Some((i, _)) = next else { break };
        let p = &mut parts[i];
        spent += weight(&p.lines[p.hi], &p.stream);
        taken.push((i, p.hi));
        p.hi += 1;
    }
    (taken, older.len())
}

/// The merged page of `parts` for `toward`, `limit` lines; the hosts that
/// failed are named in `failed` and keep their gaps (`kept`).
pub(super) fn page(
    id: &str,
    toward: &Toward,
    limit: usize,
    mut parts: Vec<Part>,
    kept: Vec<Gap>,
    mut failed: Vec<String>,
) -> Page {
    let (taken, older) = match toward {
        Toward::Back(_) => merge(&mut parts, limit, limit, PAGE_BYTES),
        Toward::Forward(_) => merge(&mut parts, 0, limit, PAGE_BYTES),
        Toward::At(_) => merge(&mut parts, limit / 2, limit, PAGE_BYTES),
    };
    let before: Vec<Gap> = parts
        .iter()
        .filter_map(Part::back_gap)
        .chain(kept.iter().cloned())
        .collect();
    let after: Vec<Gap> = parts.iter().filter_map(Part::forward_gap).chain(kept).collect();
    let at_end = parts.iter().all(Part::at_end);
    let index = (matches!(toward, Toward::At(_)) && taken.len() > older).then_some(older);
    failed.extend(parts.iter_mut().flat_map(|p| std::mem::take(&mut p.failed)));
    let mut pools: Vec<Vec<Option<PageLine>>> = (parts.iter_mut())
        .map(|p| std::mem::take(&mut p.lines).into_iter().map(Some).collect())
        .collect();
    let lines = (taken.into_iter())
        .filter_map(|(i, j)| {
            let mut line = pools[i][j].take()?;
            line.stream = Some(parts[i].stream.clone());
            Some(line)
        })
        .collect();
    Page {
        stream: id.to_string(),
        lines,
        before: encode_gaps(&before),
        after: if at_end { None } else { encode_gaps(&after) },
        index,
        failed,
    }
}

/// What `parts` asks of every host's stream: `at=`, or `before=`/`after=` a merged place.
fn toward(parts: &Parts, hosts: &[String]) -> Result<Toward, Refused> {
    match parts.key.as_str() {
        "before" => Ok(Toward::Back(parse_gaps(&parts.value, hosts)?)),
        "after" => Ok(Toward::Forward(parse_gaps(&parts.value, hosts)?)),
        "around" => Err(bad(format!(
            "around= takes one host's stream (HOST/STREAM); use at= on {}",
            parts.stream
        ))),
        key => match parse_ask(key, &parts.value)? {
            Ask::At(t) => Ok(Toward::At(t)),
            other => Err(bad(format!("{other:?} is not asked of every host"))),
        },
    }
}

impl Asker {
    /// The page of every host's stream that `parts` asks for
    /// (`stream=*/STREAM`), as JSON; or a refusal: a bad query, no such
    /// stream, or every host refused.
    pub async fn history_all(&self, parts: &Parts, state: &State) -> Result<Vec<u8>, Refusal> {
        let stream = parts.stream.strip_prefix("*/").unwrap_or(&parts.stream);
        let hosts = hosts_of(state, stream);
        if hosts.is_empty() {
            return Err((StatusCode::BAD_REQUEST, format!("no host has a stream {stream:?}")));
        }
        let toward = toward(parts, &hosts).map_err(|r| (StatusCode::BAD_REQUEST, r.reason().to_string()))?;
        let asks: Vec<(String, HostAsk)> = match &toward {
            Toward::Back(gaps) => gaps
                .iter()
                .map(|g| (g.host.clone(), HostAsk::Back(g.clone())))
                .collect(),
            Toward::Forward(gaps) => gaps
                .iter()
                .map(|g| (g.host.clone(), HostAsk::Forward(g.clone())))
                .collect(),
            Toward::At(t) => hosts.iter().map(|h| (h.clone(), HostAsk::At(*t))).collect(),
        };
        let pages = asks
            .iter()
            .map(|(host, ask)| self.host_page(host, stream, ask, parts.limit));
        let answers = join_all(pages).await;
        let (mut got, mut kept, mut failed, mut first) = (Vec::new(), Vec::new(), Vec::new(), None);
        for ((host, ask), answer) in asks.into_iter().zip(answers) {
            let (status, why) = match answer {
                Ok(part) => {
                    got.push(part);
                    continue;
                }
                Err(refusal) => refusal,
            };
            let why = of_host(&host, why);
            if status != StatusCode::BAD_REQUEST {
                kept.extend(ask.gap().cloned());
            }
            first.get_or_insert((status, why.clone()));
            failed.push(why);
        }
        if let (true, Some(refusal)) = (got.is_empty(), first) {
            return Err(refusal);
        }
        let page = page(&parts.stream, &toward, parts.limit, got, kept, failed);
        serde_json::to_vec(&page)
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot write the page: {e}")))
    }

    /// Host `host`'s page of its `stream` for `ask`, `limit` lines.
    async fn host_page(&self, host: &str, stream: &str, ask: &HostAsk, limit: usize) -> Result<Part, Refusal> {
        let query = ask.query(&format!("{host}/{stream}"), limit);
        let answer = self.history(&query).await;
        let json = answer.unwrap_or_else(|| Err((StatusCode::BAD_REQUEST, "not a host's stream".into())))?;
        let gateway = |why: String| (StatusCode::BAD_GATEWAY, why);
        let page: Page = serde_json::from_slice(&json).map_err(|e| gateway(format!("its page: {e}")))?;
        Part::new(host, stream, ask, page).map_err(gateway)
    }
}

#[cfg(test)]
#[path = "pages_tests.rs"]
mod tests;
