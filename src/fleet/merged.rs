//! A search of every host at once: a viewer's `/search?stream=*/STREAM`
//! opens the search of `HOST/STREAM` on the agent of every host that has
//! the stream (`search.rs`, each with its own bounds and its own place on
//! its agent), and merges their answers into one, newest first by time.
//!
//! Each host's answer comes newest first, so the next line of the merged
//! answer is the newest of the hosts' next matches: a host's matches wait
//! in [`Merge`] until every host still searching has one too (or has
//! ended). Only a host with no match waiting is read from, so a host that
//! finds many matches waits for the others with at most one piece (512 KiB)
//! parsed and its relay's two in its channel: about 2 MiB a host, whatever
//! the files. A match names its host's stream (`"stream":"web-1/access"`,
//! whose `/history` takes its cursor); progress lines carry every host's own
//! (`hosts`) besides the sums; the last `done` sums the hosts' and names,
//! in `failed`, a host that refused or fell silent, and each file a host
//! could not read (`web-1: access.log.4.gz: …`). At `limit` matches the
//! merged answer ends and the hosts' searches are closed.
//!
//! The merged search holds one of the viewer's `max_searches` places until
//! it ends.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use futures_util::future::{join_all, select_all};
use hyper::StatusCode;
use hyper::body::Bytes;
use tokio::sync::mpsc;

use super::history::{Asker, Refusal, of_host};
use super::search::Items;
use crate::http::{Presence, State};
use crate::protocol::history::{HostProgress, SearchItem};

/// Progress lines are written at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Chunks of the merged answer waiting for the client at most.
const CHUNKS_IN_FLIGHT: usize = 2;

impl Asker {
    /// The search of every host's `stream` (the `*/STREAM` of `query`,
    /// whose other parameters each host gets as they are), merged by
    /// time; or a refusal: no such stream, no place, or every host refused.
    pub async fn search_all(
        &self,
        query: &str,
        stream: &str,
        limit: usize,
        state: &State,
        place: Presence,
    ) -> Result<mpsc::Receiver<Bytes>, Refusal> {
        let hosts = hosts_of(state, stream);
        if hosts.is_empty() {
            return Err((StatusCode::BAD_REQUEST, format!("no host has a stream {stream:?}")));
        }
        let queries: Vec<String> = hosts.iter().map(|host| host_query(query, host, stream)).collect();
        let asked = queries.iter().map(|q| self.search(q));
        let opened: Vec<_> = join_all(asked).await.into_iter().map(Option::unwrap).collect();
        if let Some(refusal) = every_host_refused(&hosts, &opened) {
            return Err(refusal);
        }
        let mut merge = Merge::new(limit as u64);
        let mut channels = Vec::new();
        for (host, opened) in hosts.iter().zip(opened) {
            let i = merge.add(host, stream);
            match opened {
                Ok(rx) => channels.push(Some(rx)),
                Err((_, why)) => {
                    merge.fail(i, &why);
                    channels.push(None);
                }
            }
        }
        let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
        tokio::spawn(drive(merge, channels, tx, place));
        Ok(rx)
    }
}

/// The hosts whose `HOST/STREAM` the viewer serves, by name.
pub(super) fn hosts_of(state: &State, stream: &str) -> Vec<String> {
    let mut hosts: Vec<String> = (state.hub.streams().iter())
        .filter_map(|s| {
            s.id.split_once('/')
                .filter(|(_, id)| *id == stream)
                .map(|(h, _)| h.to_string())
        })
        .collect();
    hosts.sort();
    hosts
}

/// `query` with `stream=HOST/STREAM` for `host`.
fn host_query(query: &str, host: &str, stream: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "stream" => out.append_pair("stream", &format!("{host}/{stream}")),
            _ => out.append_pair(&key, &value),
        };
    }
    out.finish()
}

/// The refusal to answer with when no host opened its search: the first
/// host's, naming it.
fn every_host_refused(hosts: &[String], opened: &[Result<mpsc::Receiver<Bytes>, Refusal>]) -> Option<Refusal> {
    if opened.iter().any(Result::is_ok) {
        return None;
    }
    let (host, Err((status, why))) = hosts.iter().zip(opened).next()? else {
        return None;
    };
    Some((*status, format!("{host}: {why}")))
}

/// Reads the hosts' answers into `merge` and hands the merged one to `tx`,
/// until it ends or the client leaves (then the hosts' searches close as
/// their channels drop).
async fn drive(
    mut merge: Merge,
    mut channels: Vec<Option<mpsc::Receiver<Bytes>>>,
    tx: mpsc::Sender<Bytes>,
    _place: Presence,
) {
    loop {
        let finished = merge.emit_ready(Instant::now());
        let out = std::mem::take(&mut merge.out);
        if !out.is_empty() && tx.send(Bytes::from(out)).await.is_err() {
            return;
        }
        if finished {
            return;
        }
        let waits = (channels.iter_mut().enumerate())
            .filter(|(i, _)| merge.needs(*i))
            .filter_map(|(i, rx)| rx.as_mut().map(|rx| Box::pin(async move { (i, rx.recv().await) })));
        let ((i, piece), _, _) = select_all(waits).await;
        match piece {
            Some(piece) => merge.feed(i, &piece),
            None => {
                channels[i] = None;
                merge.ended(i);
            }
        }
    }
}

/// One host's answer as it comes.
struct Source {
    host: String,
    /// Its stream, as the viewer serves it (`web-1/access`).
    stream: String,
    /// Its answer's lines as they come.
    items: Items,
    /// Matches read and not yet merged: (text, cursor, time).
    matches: VecDeque<(String, String, Option<f64>)>,
    scanned: u64,
    total: u64,
    /// Its `done`, once it ended.
    done: Option<Ended>,
}

/// How a host's search ended.
#[derive(Default)]
struct Ended {
    truncated: bool,
    budget: Option<String>,
    failed: Vec<String>,
}

/// The merge of the hosts' answers, and the merged answer's NDJSON not yet sent (`out`).
pub(super) struct Merge {
    sources: Vec<Source>,
    limit: u64,
    matches: u64,
    out: Vec<u8>,
    /// A host's progress changed since the last progress line.
    moved: bool,
    reported: Option<Instant>,
}

impl Merge {
    pub(super) fn new(limit: u64) -> Merge {
        Merge {
            sources: Vec::new(),
            limit,
            matches: 0,
            out: Vec::new(),
            moved: false,
            reported: None,
        }
    }

    /// Adds a host's answer; its index.
    pub(super) fn add(&mut self, host: &str, stream: &str) -> usize {
        self.sources.push(Source {
            host: host.to_string(),
            stream: format!("{host}/{stream}"),
            items: Items::default(),
            matches: VecDeque::new(),
            scanned: 0,
            total: 0,
            done: None,
        });
        self.sources.len() - 1
    }

    /// Host `i`'s search did not open, or its answer broke off: `why`.
    pub(super) fn fail(&mut self, i: usize, why: &str) {
        let failed = vec![format!("{}: {why}", self.sources[i].host)];
        self.sources[i].done = Some(Ended {
            truncated: true,
            failed,
            ..Ended::default()
        });
        self.moved = true;
    }

    /// True when the merge waits for host `i`: it still searches and has no match waiting.
    pub(super) fn needs(&self, i: usize) -> bool {
        let s = &self.sources[i];
        s.done.is_none() && s.matches.is_empty()
    }

    /// A piece of host `i`'s NDJSON answer.
    pub(super) fn feed(&mut self, i: usize, piece: &[u8]) {
        for item in self.sources[i].items.add(piece) {
            self.take(i, item);
        }
    }

    fn take(&mut self, i: usize, item: SearchItem) {
        let s = &mut self.sources[i];
        match item {
            SearchItem::Match { text, cursor, time, .. } => s.matches.push_back((text, cursor, time)),
            SearchItem::Progress { scanned, total, .. } => {
                (s.scanned, s.total) = (scanned, total);
                self.moved = true;
            }
            SearchItem::Done {
                scanned,
                total,
                truncated,
                budget,
                failed,
                ..
            } => {
                (s.scanned, s.total) = (scanned.max(s.scanned), total.max(s.total));
                let failed = failed.into_iter().map(|f| of_host(&s.host, f)).collect();
                s.done = Some(Ended {
                    truncated,
                    budget,
                    failed,
                });
                self.moved = true;
            }
        }
    }

    /// Host `i`'s answer has no more pieces.
    pub(super) fn ended(&mut self, i: usize) {
        if self.sources[i].done.is_none() {
            self.fail(i, "its answer ended without its end");
        }
    }

    /// Writes to `out` every line that can be written now: the matches no
    /// host can still precede, progress, and the end. True once ended.
    pub(super) fn emit_ready(&mut self, now: Instant) -> bool {
        let ended = loop {
            if self.matches == self.limit {
                break true;
            }
            if (0..self.sources.len()).any(|i| self.needs(i)) {
                break false;
            }
            let Some(i) = self.newest() else { break true };
            let (text, cursor, time) = self.sources[i].matches.pop_front().expect("a match waits");
            let stream = Some(self.sources[i].stream.clone());
            self.write(&SearchItem::Match {
                text,
                cursor,
                time,
                stream,
            });
            self.matches += 1;
        };
        if ended || (self.moved && self.reported.is_none_or(|at| now - at >= PROGRESS_EVERY)) {
            self.progress(now);
        }
        if ended {
            self.done();
        }
        ended
    }

    /// The host whose next match is the newest (a match without a time first).
    fn newest(&self) -> Option<usize> {
        let key = |t: Option<f64>| t.unwrap_or(f64::INFINITY);
        let waiting = self
            .sources
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.matches.front()?.2)));
        waiting
            .reduce(|a, b| if key(b.1) > key(a.1) { b } else { a })
            .map(|(i, _)| i)
    }

    fn progress(&mut self, now: Instant) {
        let hosts = (self.sources.iter())
            .map(|s| HostProgress {
                host: s.host.clone(),
                scanned: s.scanned,
                total: s.total,
                done: s.done.is_some(),
            })
            .collect();
        let (scanned, total) = self.sums();
        self.write(&SearchItem::Progress { scanned, total, hosts });
        (self.moved, self.reported) = (false, Some(now));
    }

    fn sums(&self) -> (u64, u64) {
        let scanned = self.sources.iter().map(|s| s.scanned).sum();
        (scanned, self.sources.iter().map(|s| s.total).sum())
    }

    fn done(&mut self) {
        let ends = self.sources.iter().filter_map(|s| s.done.as_ref());
        let truncated =
            self.matches == self.limit && self.sources.iter().any(|s| !s.matches.is_empty() || s.done.is_none());
        let truncated = truncated || ends.clone().any(|e| e.truncated);
        let budget = ends.clone().find_map(|e| e.budget.clone());
        let failed = ends.flat_map(|e| e.failed.iter().cloned()).collect();
        let (scanned, total) = self.sums();
        self.write(&SearchItem::Done {
            matches: self.matches,
            scanned,
            total,
            truncated,
            budget,
            failed,
        });
    }

    fn write(&mut self, item: &SearchItem) {
        serde_json::to_writer(&mut self.out, item).expect("a search's line is JSON");
        self.out.push(b'\n');
    }
}

#[cfg(test)]
#[path = "merged_tests.rs"]
mod tests;
