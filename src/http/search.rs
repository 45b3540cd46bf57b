//! `GET <base>/search`: a search of a stream's files on disk, its findings
//! streamed to the client as newline-delimited JSON while it runs
//! (docs/protocol.md, "History and search").
//!
//! The query is checked, the pattern and the field terms compiled, and a
//! place among `max_searches` taken before the answer starts, so that every
//! refusal is a plain status (400, 403, 429) with a reason. The search then
//! runs on one of tokio's blocking threads (`history::search::run`), never
//! on a follower's or a connection's task, and hands its NDJSON lines to
//! the response body through a small channel ([`Ndjson`]):
//!
//! - lines are sent in chunks, when a chunk is large or when the search
//!   reports progress (at most every 100 ms), so a match reaches the client
//!   within about 100 ms of being found;
//! - the channel holds at most `CHUNKS_IN_FLIGHT` chunks, so a slow client
//!   slows the search rather than filling memory, and one that stops
//!   reading for longer than the search's time budget is given up on;
//! - when the client goes away hyper drops the body, the channel closes,
//!   and the search stops at its next chunk or progress report (after
//!   every window of lines searched); a client that takes no byte for 20 s
//!   loses its connection (`conns.rs`) with the same effect; shutdown stops
//!   it the same way, also while a chunk waits for room.

use std::convert::Infallible;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::Either;
use hyper::body::{Body, Bytes, Frame};
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

use super::history::{no_store, refusal, refused};
use super::{Resp, State};
use crate::history::Refused;
use crate::layout::Layout;
use crate::protocol::history::SearchItem;
use crate::search::Matcher;
use crate::search::{self, Bounds, SearchQuery, Sink};
use crate::shutdown::Shutdown;
use crate::terms::{Scratch, Terms};

/// Chunks waiting for the client at most.
const CHUNKS_IN_FLIGHT: usize = 8;
/// A chunk is sent once it holds this many bytes.
const CHUNK_BYTES: usize = 64 << 10;

/// Answers `/search?query`.
pub async fn respond(query: Option<&str>, state: &Arc<State>, shutdown: &Shutdown) -> Resp {
    let query = match SearchQuery::parse(query.unwrap_or("")) {
        Ok(q) => q,
        Err(r) => return refused(r),
    };
    let Some(stream) = state.hub.stream(&query.stream) else {
        return refusal(StatusCode::BAD_REQUEST, &format!("no stream {:?}", query.stream));
    };
    let settings = state.settings();
    let limits = settings.search;
    if limits.max_searches == 0 {
        return refusal(StatusCode::FORBIDDEN, "searching is turned off (max_searches = 0)");
    }
    let Some(running) = state.searches.try_enter(limits.max_searches) else {
        let busy = format!("{} searches run already; try again shortly", limits.max_searches);
        let mut resp = refusal(StatusCode::TOO_MANY_REQUESTS, &busy);
        resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return resp;
    };
    let bounds = Bounds {
        max_bytes: limits.max_bytes,
        max_time: Duration::from_secs(limits.max_secs),
        max_line: settings.max_line,
    };
    let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let (ready, compiled) = oneshot::channel();
    let sink = Channel::new(tx, Handle::current(), shutdown.clone(), bounds.max_time);
    tokio::task::spawn_blocking(move || {
        let _running = running;
        let (matcher, terms) = match compile(&query) {
            Ok(c) => c,
            Err(r) => return drop(ready.send(Err(r))),
        };
        if ready.send(Ok(())).is_ok() {
            let mut scratch = Scratch::default();
            let mut keep = |layout: &Layout, line: &[u8]| terms.test(layout, line, &mut scratch);
            let mut sink = sink;
            search::run(&stream, &query, &matcher, &mut keep, bounds, &mut sink);
        }
    });
    match compiled.await {
        Ok(Ok(())) => streamed(rx),
        Ok(Err(r)) => refused(r),
        Err(_) => refusal(StatusCode::INTERNAL_SERVER_ERROR, "the search failed to start"),
    }
}

/// The pattern and the field terms, or why they cannot be searched for.
fn compile(q: &SearchQuery) -> Result<(Matcher, Terms), Refused> {
    let matcher = match q.regex {
        true => Matcher::regex(&q.q).map_err(|e| Refused::Invalid(format!("q=: {e}")))?,
        false => Matcher::literal(q.q.as_bytes()),
    };
    let terms = Terms::parse(&q.filter).map_err(|e| Refused::Invalid(format!("filter=: {e}")))?;
    if q.q.is_empty() && terms.is_empty() && q.from.is_none() && q.to.is_none() {
        let why = "q= is empty: give text to find, or filter=, from= or to=";
        return Err(Refused::Invalid(why.into()));
    }
    Ok((matcher, terms))
}

fn streamed(rx: mpsc::Receiver<Bytes>) -> Resp {
    let mut resp = Response::new(Either::Right(Ndjson { rx }));
    *resp.status_mut() = StatusCode::OK;
    let ndjson = HeaderValue::from_static("application/x-ndjson");
    resp.headers_mut().insert(CONTENT_TYPE, ndjson);
    no_store(resp)
}

/// The body of a search's answer: the chunks its thread sends, until it ends.
pub struct Ndjson {
    rx: mpsc::Receiver<Bytes>,
}

impl Body for Ndjson {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

/// The search thread's end of the channel: NDJSON lines gathered into chunks.
struct Channel {
    tx: mpsc::Sender<Bytes>,
    buf: Vec<u8>,
    runtime: Handle,
    shutdown: Shutdown,
    /// How long a chunk may wait for room before the client is given up on.
    patience: Duration,
    started: Instant,
}

impl Channel {
    fn new(tx: mpsc::Sender<Bytes>, runtime: Handle, shutdown: Shutdown, patience: Duration) -> Channel {
        Channel {
            tx,
            buf: Vec::with_capacity(CHUNK_BYTES),
            runtime,
            shutdown,
            patience,
            started: Instant::now(),
        }
    }
}

impl Sink for Channel {
    fn send(&mut self, item: &SearchItem) -> ControlFlow<()> {
        serde_json::to_writer(&mut self.buf, item).expect("search items always serialize");
        self.buf.push(b'\n');
        if self.buf.len() >= CHUNK_BYTES {
            return self.flush();
        }
        ControlFlow::Continue(())
    }

    fn flush(&mut self) -> ControlFlow<()> {
        if self.shutdown.is_requested() || self.tx.is_closed() {
            return ControlFlow::Break(());
        }
        if self.buf.is_empty() {
            return ControlFlow::Continue(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES)));
        let wait = self
            .patience
            .saturating_sub(self.started.elapsed())
            .max(Duration::from_secs(1));
        let sent = self.runtime.block_on(async {
            tokio::select! {
                sent = tokio::time::timeout(wait, self.tx.send(chunk)) => matches!(sent, Ok(Ok(()))),
                _ = self.shutdown.requested() => false,
            }
        });
        match sent {
            true => ControlFlow::Continue(()),
            false => ControlFlow::Break(()),
        }
    }
}
