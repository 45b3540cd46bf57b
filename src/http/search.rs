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

use http_body_util::{BodyExt, Either};
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
    let respond = move |rx| match format {
        Some(format) => export::download(rx, format, &name),
        None => streamed(rx),
    };
    let asked = match (state.fleet.get(), query.stream.strip_prefix("*/")) {
        (Some(fleet), Some(stream)) => match place(state) {
            Ok(place) => Some(fleet.search_all(&rest, stream, query.limit, state, place).await),
            Err(resp) => return *resp,
        },
        (Some(fleet), None) => fleet.search(&rest).await,
        (None, _) => None,
    };
    match asked {
        Some(Ok(rx)) => respond(rx),
        Some(Err((status, reason))) => refusal(status, &reason),
        None => search_local(query, state, shutdown, respond).await,
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
    let mut got = None;
    let keep = |rx| {
        got = Some(rx);
        refusal(StatusCode::OK, "")
    };
    let resp = search_local(query, state, shutdown, keep).await;
    match got {
        Some(rx) => Ok(rx),
        None => Err((resp.status(), text_of(resp).await)),
    }
}

/// Searches a local stream, whose chunks `respond` makes the answer of.
async fn search_local(
    query: SearchQuery,
    state: &Arc<State>,
    shutdown: &Shutdown,
    respond: impl FnOnce(mpsc::Receiver<Bytes>) -> Resp,
) -> Resp {
    let stream = query.stream.clone();
    let compiled = move || compile(&query).map(|c| (query, c));
    let search =
        |(query, (matcher, terms)): (SearchQuery, (Matcher, Terms)), stream: &Stream, bounds, sink: &mut Channel| {
            let mut scratch = Scratch::default();
            let mut keep = |layout: &Layout, line: &[u8]| terms.test(layout, line, &mut scratch);
            search::run(stream, &query, &matcher, &mut keep, bounds, sink);
        };
    answer(state, shutdown, &stream, compiled, search, respond).await
}

/// The text of a refusal's body.
async fn text_of(resp: Resp) -> String {
    let bytes = match resp.into_body() {
        Either::Left(full) => full.collect().await.map(|c| c.to_bytes()).unwrap_or_default(),
        Either::Right(_) => Bytes::new(),
    };
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Answers a request for `stream` that reads its files (a search, a
/// report) with NDJSON streamed as it works: a place among `max_searches`
/// and the bounds are taken (refusals are plain statuses), then on a
/// blocking thread `prepare` compiles what the request asks (its refusal
/// is still a plain status) and `work` writes the answer, which `respond`
/// makes the response of (`streamed`, or a download).
pub(super) async fn answer<T>(
    state: &State,
    shutdown: &Shutdown,
    stream: &str,
    prepare: impl FnOnce() -> Result<T, Refused> + Send + 'static,
    work: impl FnOnce(T, &Stream, Bounds, &mut Channel) + Send + 'static,
    respond: impl FnOnce(mpsc::Receiver<Bytes>) -> Resp,
) -> Resp {
    let (stream, running, bounds) = match admit(state, stream) {
        Ok(admitted) => admitted,
        Err(resp) => return *resp,
    };
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
        Ok(Ok(())) => respond(rx),
        Ok(Err(r)) => refused(r),
        Err(_) => refusal(StatusCode::INTERNAL_SERVER_ERROR, "the request failed to start"),
    }
}

/// The stream, a place among `max_searches` (reports take one too) and
/// the bounds of one search; or the refusal (400, 403, 429).
fn admit(state: &State, stream: &str) -> Result<(Arc<Stream>, Presence, Bounds), Box<Resp>> {
    let Some(stream) = state.hub.stream(stream) else {
        return Err(Box::new(refusal(
            StatusCode::BAD_REQUEST,
            &format!("no stream {stream:?}"),
        )));
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
fn place(state: &State) -> Result<Presence, Box<Resp>> {
    let limits = state.settings().search;
    if limits.max_searches == 0 {
        let off = "searching is turned off (max_searches = 0)";
        return Err(Box::new(refusal(StatusCode::FORBIDDEN, off)));
    }
    let Some(running) = state.searches.try_enter(limits.max_searches) else {
        let busy = format!("{} searches run already; try again shortly", limits.max_searches);
        let mut resp = refusal(StatusCode::TOO_MANY_REQUESTS, &busy);
        resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return Err(Box::new(resp));
    };
    Ok(running)
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
