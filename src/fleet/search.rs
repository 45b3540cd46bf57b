//! Search across hosts: a viewer's `/search` of `HOST/STREAM` is the
//! search the agent of that host runs on its own files, with its own
//! bounds, its NDJSON pulled chunk by chunk over request-reply on the
//! history's subject (`logmon.history.HOST`, so the accounts that allow
//! the history allow this too).
//!
//! - `open` (the query as the agent knows it) starts the search, or gives
//!   its refusal with its status; the agent keeps the search's chunks
//!   under a number;
//! - `next` (that number) gives the next chunk, at most `PIECE` bytes (a
//!   NATS message), an empty one while the search has found nothing new
//!   for `NEXT_WAIT`, or the end;
//! - `close` ends it.
//!
//! The viewer asks for a chunk only once its client took the last one, so
//! a slow client slows the search on the agent as it would at home. A
//! search not asked for `IDLE` is dropped by the agent, which stops it as
//! a client leaving does. A host that does not answer within the
//! history's `ASK_TIMEOUT` ends the answer with a `done` line that says
//! so, with the matches and progress relayed until then.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::{HeaderMap, Message, Request};
use hyper::StatusCode;
use hyper::body::Bytes;
use tokio::sync::mpsc;

use super::history::{ASK_TIMEOUT, Asker, STATUS, local_query};
use super::link::Link;
use super::names::{self, header};
use crate::http::{State, search};
use crate::protocol::history::SearchItem;
use crate::shutdown::Shutdown;

/// The header that makes a history request a search's: `open`, `next` or `close`.
const ASK: &str = "Logmon-Search";
/// The header with a search's number on the agent.
const NUMBER: &str = "Logmon-Search-Number";
/// The header that says the search has ended.
const END: &str = "Logmon-Search-End";
/// The most bytes of a chunk sent in one message.
const PIECE: usize = 512 << 10;
/// How long an agent waits for the next chunk before it answers with none.
const NEXT_WAIT: Duration = Duration::from_secs(4);
/// A search not asked for this long is dropped.
const IDLE: Duration = Duration::from_secs(30);

/// True when `request` is a search's.
pub fn is_search(request: &Message) -> bool {
    request.headers.as_ref().is_some_and(|h| header(h, ASK).is_some())
}

/// A search under way on an agent: its chunks, what is left of the last one.
struct Running {
    rx: mpsc::Receiver<Bytes>,
    left: Bytes,
    asked: Instant,
}

/// An agent's searches for viewers, by number.
#[derive(Default)]
pub struct Searches {
    running: Mutex<HashMap<u64, Running>>,
    numbered: AtomicU64,
}

impl Searches {
    /// Answers a search's `request` on a task of its own.
    pub fn serve(self: &Arc<Self>, link: Arc<Link>, state: Arc<State>, shutdown: Shutdown, request: Message) {
        let searches = self.clone();
        tokio::spawn(async move {
            let Some(reply) = request.reply.clone() else { return };
            let (headers, body) = searches.answer(&request, &state, &shutdown).await;
            if let Err(e) = link.client.publish_with_headers(reply, headers, body).await {
                log::debug!("fleet: a search's answer was not sent: {e}");
            }
        });
    }

    async fn answer(&self, request: &Message, state: &Arc<State>, shutdown: &Shutdown) -> (HeaderMap, Bytes) {
        let headers = request.headers.clone().unwrap_or_default();
        let number = header(&headers, NUMBER).and_then(|n| n.parse().ok());
        match (header(&headers, ASK), number) {
            (Some("open"), _) => {
                self.open(&String::from_utf8_lossy(&request.payload), state, shutdown)
                    .await
            }
            (Some("next"), Some(n)) => self.next(n).await,
            (Some("close"), Some(n)) => {
                self.running.lock().expect("searches").remove(&n);
                (status(StatusCode::OK), Bytes::new())
            }
            _ => (
                status(StatusCode::BAD_REQUEST),
                Bytes::from_static(b"a search request without its number"),
            ),
        }
    }

    async fn open(&self, query: &str, state: &Arc<State>, shutdown: &Shutdown) -> (HeaderMap, Bytes) {
        self.running
            .lock()
            .expect("searches")
            .retain(|_, r| r.asked.elapsed() < IDLE);
        let rx = match search::chunks(query, state, shutdown).await {
            Ok(rx) => rx,
            Err((code, reason)) => return (status(code), Bytes::from(reason)),
        };
        let n = self.numbered.fetch_add(1, Ordering::Relaxed) + 1;
        let running = Running {
            rx,
            left: Bytes::new(),
            asked: Instant::now(),
        };
        self.running.lock().expect("searches").insert(n, running);
        let mut headers = status(StatusCode::OK);
        headers.insert(NUMBER, n.to_string().as_str());
        (headers, Bytes::new())
    }

    /// The next piece of search `n`'s answer: taken out while it is awaited, put back after.
    async fn next(&self, n: u64) -> (HeaderMap, Bytes) {
        let Some(mut r) = self.running.lock().expect("searches").remove(&n) else {
            let gone = "no such search: it ended, or was not asked for too long";
            return (status(StatusCode::NOT_FOUND), Bytes::from_static(gone.as_bytes()));
        };
        if r.left.is_empty() {
            match tokio::time::timeout(NEXT_WAIT, r.rx.recv()).await {
                Ok(Some(chunk)) => r.left = chunk,
                Ok(None) => {
                    let mut headers = status(StatusCode::OK);
                    headers.insert(END, "1");
                    return (headers, Bytes::new());
                }
                Err(_) => {}
            }
        }
        let piece = r.left.split_to(r.left.len().min(PIECE));
        r.asked = Instant::now();
        self.running.lock().expect("searches").insert(n, r);
        (status(StatusCode::OK), piece)
    }
}

fn status(code: StatusCode) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(STATUS, code.as_str());
    headers
}

impl Asker {
    /// The search the agent of the host that `query`'s stream (`HOST/STREAM`)
    /// names runs, as NDJSON chunks; or its refusal; `None` for a query
    /// that names no fleet stream.
    pub async fn search(&self, query: &str) -> Option<Result<mpsc::Receiver<Bytes>, (StatusCode, String)>> {
        let (host, local) = local_query(query)?;
        let subject = names::history_subject(&host);
        let opened = match self.ask(&subject, "open", None, local.into()).await {
            Ok(reply) => reply,
            Err(e) => {
                return Some(Err((
                    StatusCode::GATEWAY_TIMEOUT,
                    format!("host {host} did not answer: {e}"),
                )));
            }
        };
        let headers = opened.headers.clone().unwrap_or_default();
        let code = header(&headers, STATUS)
            .and_then(|s| s.parse().ok())
            .and_then(|s| StatusCode::from_u16(s).ok());
        let number = header(&headers, NUMBER).and_then(|n| n.parse::<u64>().ok());
        let (Some(StatusCode::OK), Some(number)) = (code, number) else {
            let code = code.unwrap_or(StatusCode::BAD_GATEWAY);
            return Some(Err((code, String::from_utf8_lossy(&opened.payload).into_owned())));
        };
        let (tx, rx) = mpsc::channel(2);
        let asker = self.clone();
        tokio::spawn(async move { asker.relay(&subject, &host, number, tx).await });
        Some(Ok(rx))
    }

    /// Asks for search `number`'s pieces and hands them to `tx` until the
    /// end, the client leaving (then the agent is told) or the host falling silent.
    async fn relay(&self, subject: &str, host: &str, number: u64, tx: mpsc::Sender<Bytes>) {
        let mut seen = Seen::default();
        loop {
            let reply = match self.ask(subject, "next", Some(number), Bytes::new()).await {
                Ok(reply) => reply,
                Err(e) => return drop(tx.send(seen.failure(host, &e)).await),
            };
            let headers = reply.headers.unwrap_or_default();
            if header(&headers, END).is_some() {
                return;
            }
            if header(&headers, STATUS) != Some(StatusCode::OK.as_str()) {
                let why = String::from_utf8_lossy(&reply.payload).into_owned();
                return drop(tx.send(seen.failure(host, &why)).await);
            }
            if reply.payload.is_empty() {
                continue;
            }
            seen.add(&reply.payload);
            if tx.send(reply.payload).await.is_err() {
                let _ = self.ask(subject, "close", Some(number), Bytes::new()).await;
                return;
            }
        }
    }

    async fn ask(&self, subject: &str, what: &str, number: Option<u64>, payload: Bytes) -> Result<Message, String> {
        let mut headers = HeaderMap::new();
        headers.insert(ASK, what);
        if let Some(n) = number {
            headers.insert(NUMBER, n.to_string().as_str());
        }
        let request = Request::new()
            .headers(headers)
            .payload(payload)
            .timeout(Some(ASK_TIMEOUT));
        let reply = self.client.send_request(subject.to_string(), request).await;
        reply.map_err(|e| e.to_string())
    }
}

/// The items of a search's NDJSON answer as its pieces come: a line cut
/// between two pieces is kept until it is whole.
#[derive(Default)]
pub(super) struct Items {
    /// The end of the last line not yet whole.
    partial: Vec<u8>,
}

impl Items {
    /// The items of the lines `piece` makes whole (a line that does not read is left out).
    pub(super) fn add(&mut self, piece: &[u8]) -> Vec<SearchItem> {
        self.partial.extend_from_slice(piece);
        let whole = self.partial.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let lines = self.partial[..whole].split(|&b| b == b'\n').filter(|l| !l.is_empty());
        let items = lines.filter_map(|l| serde_json::from_slice(l).ok()).collect();
        self.partial.drain(..whole);
        items
    }

    /// True when a line is cut at the end of the last piece.
    fn cut(&self) -> bool {
        !self.partial.is_empty()
    }
}

/// What a viewer relayed of a search: its matches and its last progress,
/// for the `done` line it writes when the host falls silent.
#[derive(Default)]
struct Seen {
    items: Items,
    matches: u64,
    scanned: u64,
    total: u64,
}

impl Seen {
    fn add(&mut self, piece: &[u8]) {
        for item in self.items.add(piece) {
            match item {
                SearchItem::Match { .. } => self.matches += 1,
                SearchItem::Progress { scanned, total, .. } => (self.scanned, self.total) = (scanned, total),
                SearchItem::Done { .. } => {}
            }
        }
    }

    /// The line that ends an answer the host stopped giving.
    fn failure(&self, host: &str, why: &str) -> Bytes {
        let done = SearchItem::Done {
            matches: self.matches,
            scanned: self.scanned,
            total: self.total,
            truncated: true,
            budget: None,
            failed: vec![format!("host {host} did not answer: {why}")],
        };
        let mut line = serde_json::to_vec(&done).expect("a done line is JSON");
        let lead = if self.items.cut() { &b"\n"[..] } else { b"" };
        line.splice(0..0, lead.iter().copied());
        line.push(b'\n');
        Bytes::from(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_host_s_done_line_counts_whole_lines_relayed() {
        let mut seen = Seen::default();
        seen.add(b"{\"type\":\"match\",\"text\":\"a\",\"cursor\":\"c1\"}\n{\"type\":\"progress\",\"scanned\":10,\"total\":40}\n{\"type\":\"ma");
        seen.add(b"tch\",\"text\":\"b\",\"cursor\":\"c2\"}\n{\"type\":\"match\"");
        assert_eq!((seen.matches, seen.scanned, seen.total), (2, 10, 40));
        let done = seen.failure("web-1", "timed out");
        let text = String::from_utf8(done.to_vec()).unwrap();
        assert!(
            text.starts_with('\n'),
            "a line of its own after the partial one: {text:?}"
        );
        let item: SearchItem = serde_json::from_str(text.trim()).unwrap();
        let SearchItem::Done {
            matches,
            truncated,
            failed,
            ..
        } = item
        else {
            panic!("{text}")
        };
        assert_eq!((matches, truncated), (2, true));
        assert_eq!(failed, ["host web-1 did not answer: timed out"]);
    }
}
