//! `GET <base>/search`: a search of a stream's files on disk, its findings
//! streamed to the client as newline-delimited JSON while it runs
//! (docs/protocol.md, "History and search").
//!
//! The query is checked, the pattern and the field terms compiled, and a
//! place among `max_searches` taken before the answer starts, so that every
//! refusal is a plain status (400, 403, 429) with a reason. The search then
//! runs on one of tokio's blocking threads (`search::run`), never on a
//! follower's or a connection's task, and hands its NDJSON lines to the
//! response body through a small channel (`ndjson.rs`: chunks of at most
//! 64 KiB, a slow client slows the search, a client gone or shutdown stops
//! it at its next chunk or progress report, after every window of lines
//! searched). A client that takes no byte for 20 s loses its connection
//! (`conns.rs`) with the same effect. With `format=csv` or `format=ndjson`
//! the same search's lines are a download (`export.rs`).

use std::sync::Arc;
use std::time::Duration;

use hyper::StatusCode;
use hyper::body::Bytes;
use hyper::header::{HeaderValue, RETRY_AFTER};
use tokio::sync::{mpsc, oneshot};

use super::export::{self, take_format};
use super::history::{refusal, refused, status_of};
use super::ndjson::{Channel, streamed};
use super::{Presence, Resp, State};
use crate::history::Refused;
use crate::hub::Stream;
use crate::layout::Layout;
use crate::search::{self, Bounds, Matcher, SearchQuery};
use crate::shutdown::Shutdown;
use crate::terms::{Scratch, Terms};

/// Answers `/search?query`: a search of a local stream, or of a fleet
/// host's stream (`HOST/STREAM`), run by its agent (`fleet/search.rs`),
/// or of every host's (`*/STREAM`), merged by time (`fleet/merged.rs`).
pub async fn respond(query: Option<&str>, state: &Arc<State>, shutdown: &Shutdown) -> Resp {
    let parsed =
        take_format(query.unwrap_or("")).and_then(|(rest, format)| Ok((SearchQuery::parse(&rest)?, rest, format)));
    let (query, rest, format) = match parsed {
        Ok(q) => q,
        Err(r) => return refused(r),
    };
    let name = query.stream.clone();
    let asked = match (state.fleet.get(), query.stream.strip_prefix("*/")) {
        (Some(fleet), Some(stream)) => match place(state) {
            Ok(place) => Some(fleet.search_all(&rest, stream, query.limit, state, place).await),
            Err(r) => return r.into_resp(),
        },
        (Some(fleet), None) => fleet.search(&rest).await,
        (None, _) => None,
    };
    let answer = match asked {
        Some(asked) => asked.map_err(|(status, reason)| Refusal::new(status, reason)),
        None => search_local(query, state, shutdown).await,
    };
    match (answer, format) {
        (Ok(rx), Some(format)) => export::download(rx, format, &name),
        (Ok(rx), None) => streamed(rx),
        (Err(r), _) => r.into_resp(),
    }
}

/// A local stream's search as NDJSON chunks, for a fleet's agent to hand
/// to a viewer; or the refusal's status and reason.
pub async fn chunks(
    query: &str,
    state: &Arc<State>,
    shutdown: &Shutdown,
) -> Result<mpsc::Receiver<Bytes>, (StatusCode, String)> {
    let query = SearchQuery::parse(query).map_err(status_of)?;
    let answer = search_local(query, state, shutdown).await;
    answer.map_err(|r| (r.status, r.reason))
}

/// Searches a local stream: its NDJSON chunks, or the refusal.
async fn search_local(
    query: SearchQuery,
    state: &Arc<State>,
    shutdown: &Shutdown,
) -> Result<mpsc::Receiver<Bytes>, Refusal> {
    let stream = query.stream.clone();
    let compiled = move || compile(&query).map(|c| (query, c));
    let search =
        |(query, (matcher, terms)): (SearchQuery, (Matcher, Terms)), stream: &Stream, bounds, sink: &mut Channel| {
            let mut scratch = Scratch::default();
            let mut keep = |layout: &Layout, line: &[u8]| terms.test(layout, line, &mut scratch);
            search::run(stream, &query, &matcher, &mut keep, bounds, sink);
        };
    answer(state, shutdown, &stream, compiled, search).await
}

/// Why a request that reads files (a search, a report) did not start: a
/// status (400, 403, 429, 503) and a reason.
pub(super) struct Refusal {
    pub status: StatusCode,
    pub reason: String,
}

impl Refusal {
    fn new(status: StatusCode, reason: impl Into<String>) -> Refusal {
        let reason = reason.into();
        Refusal { status, reason }
    }

    /// The refusal as HTTP: the reason as text; a 429 says when to try again.
    pub(super) fn into_resp(self) -> Resp {
        let mut resp = refusal(self.status, &self.reason);
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

impl From<Refused> for Refusal {
    fn from(r: Refused) -> Refusal {
        let (status, reason) = status_of(r);
        Refusal { status, reason }
    }
}

/// Starts a request for `stream` that reads its files (a search, a
/// report), answered with NDJSON streamed as it works: a place among
/// `max_searches` and the bounds are taken, then on a blocking thread
/// `prepare` compiles what the request asks and `work` writes the answer
/// into the returned channel. Every refusal, `prepare`'s too, comes before
/// the answer starts.
pub(super) async fn answer<T>(
    state: &State,
    shutdown: &Shutdown,
    stream: &str,
    prepare: impl FnOnce() -> Result<T, Refused> + Send + 'static,
    work: impl FnOnce(T, &Stream, Bounds, &mut Channel) + Send + 'static,
) -> Result<mpsc::Receiver<Bytes>, Refusal> {
    let (stream, running, bounds) = admit(state, stream)?;
    let (ready, compiled) = oneshot::channel();
    let (mut sink, rx) = Channel::new(shutdown.clone(), bounds.max_time);
    tokio::task::spawn_blocking(move || {
        let _running = running;
        let prepared = match prepare() {
            Ok(p) => p,
            Err(r) => return drop(ready.send(Err(r))),
        };
        if ready.send(Ok(())).is_ok() {
            work(prepared, &stream, bounds, &mut sink);
        }
    });
    match compiled.await {
        Ok(Ok(())) => Ok(rx),
        Ok(Err(r)) => Err(r.into()),
        Err(_) => Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request failed to start",
        )),
    }
}

/// The stream, a place among `max_searches` (reports take one too) and
/// the bounds of one search; or the refusal (400, 403, 429).
fn admit(state: &State, stream: &str) -> Result<(Arc<Stream>, Presence, Bounds), Refusal> {
    let Some(stream) = state.hub.stream(stream) else {
        return Err(Refusal::new(StatusCode::BAD_REQUEST, format!("no stream {stream:?}")));
    };
    let running = place(state)?;
    let settings = state.settings();
    let bounds = Bounds {
        max_bytes: settings.search.max_bytes,
        max_time: Duration::from_secs(settings.search.max_secs),
        max_line: settings.max_line,
    };
    Ok((stream, running, bounds))
}

/// A place among `max_searches`; or the refusal (403, 429).
fn place(state: &State) -> Result<Presence, Refusal> {
    let limits = state.settings().search;
    if limits.max_searches == 0 {
        let off = "searching is turned off (max_searches = 0)";
        return Err(Refusal::new(StatusCode::FORBIDDEN, off));
    }
    let busy = || format!("{} searches run already; try again shortly", limits.max_searches);
    let running = state.searches.try_enter(limits.max_searches);
    running.ok_or_else(|| Refusal::new(StatusCode::TOO_MANY_REQUESTS, busy()))
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
