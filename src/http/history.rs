//! `GET <base>/history`: a page of a stream's lines read from its files
//! (docs/protocol.md, "History and search"); a fleet host's stream on a
//! viewer is asked of its agent (`fleet/history.rs`).
//!
//! The query is checked first (400 with a one-line `text/plain` reason),
//! then the page is read and written as JSON on tokio's blocking threads,
//! at most `AT_ONCE` requests at a time (others wait their turn), so that
//! reading files and writing pages never runs on the followers' or the
//! connections' tasks. A page's reading stops when its client goes away
//! (hyper drops the request's future), within `history::MAX_TIME`, and
//! within its byte budgets (`history::BUDGET` read, `PAGE_BYTES` sent).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hyper::StatusCode;
use hyper::header::{CACHE_CONTROL, HeaderValue};
use tokio::sync::Semaphore;

use super::{Resp, State};
use crate::archive::reader::PAGE_BYTES;
use crate::history::{self, Parts, Query, Refused};
use crate::hub::Stream;
use crate::protocol::history::Page;

/// Pages read at once; further requests wait.
pub const AT_ONCE: usize = 2;

/// The turns of history requests.
pub fn turns() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(AT_ONCE))
}

/// Answers `/history?query`: a page of a local stream, of a fleet host's
/// stream (`HOST/STREAM`), asked of its agent, or of every host's
/// (`*/STREAM`), merged by time in a turn of its own.
pub async fn respond(query: Option<&str>, state: &State) -> Resp {
    let query = query.unwrap_or("");
    let asked = match state.fleet.get() {
        Some(fleet) => match Parts::parse(query) {
            Ok(parts) if parts.stream.starts_with("*/") => {
                let Ok(_turn) = state.history_turns.acquire().await else {
                    return refusal(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
                };
                Some(fleet.history_all(&parts, state).await)
            }
            _ => fleet.history(query).await,
        },
        None => None,
    };
    let answer = match asked {
        Some(answer) => answer,
        None => page(query, state, PAGE_BYTES).await,
    };
    match answer {
        Ok(json) => no_store(super::body(StatusCode::OK, "application/json", json)),
        Err((status, reason)) => refusal(status, &reason),
    }
}

/// The page of a local stream `query` asks for, of at most `room` bytes,
/// as JSON; or the status of a refusal and its reason.
pub async fn page(query: &str, state: &State, room: usize) -> Result<Vec<u8>, (StatusCode, String)> {
    let query = Query::parse(query).map_err(status_of)?;
    let Some(stream) = state.hub.stream(&query.stream) else {
        return Err((StatusCode::BAD_REQUEST, format!("no stream {:?}", query.stream)));
    };
    match read_page(state, stream, query, room, |page| serde_json::to_vec(&page)).await {
        Ok(Ok(json)) => Ok(json),
        Ok(Err(e)) => Err((StatusCode::INTERNAL_SERVER_ERROR, format!("cannot write the page: {e}"))),
        Err(r) => Err(status_of(r)),
    }
}

/// Reads the page `query` asks for, of at most `room` bytes, in its turn
/// and on a blocking thread, where `then` makes of it what is sent. The
/// reading stops when this future is dropped (its client went away).
pub(super) async fn read_page<T: Send + 'static>(
    state: &State,
    stream: Arc<Stream>,
    query: Query,
    room: usize,
    then: impl FnOnce(Page) -> T + Send + 'static,
) -> Result<T, Refused> {
    let cap = state.settings().max_line;
    let Ok(turn) = state.history_turns.clone().acquire_owned().await else {
        return Err(Refused::Exhausted("shutting down".into()));
    };
    let gone = Gone::default();
    let cancel = gone.0.clone();
    let read = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        history::answer(&stream, &query, cap, room, cancel).map(then)
    });
    let answer = read.await;
    drop(gone);
    answer.unwrap_or_else(|e| Err(Refused::Failed(format!("reading failed: {e}"))))
}

/// Set when dropped: tells a page's reading that nobody waits for it.
#[derive(Default)]
struct Gone(Arc<AtomicBool>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A refusal by the history or the search, as HTTP.
pub(super) fn refused(r: Refused) -> Resp {
    let (status, reason) = status_of(r);
    refusal(status, &reason)
}

/// The status of a refusal, and its reason.
pub(super) fn status_of(r: Refused) -> (StatusCode, String) {
    let status = match r {
        Refused::Invalid(_) => StatusCode::BAD_REQUEST,
        Refused::Exhausted(_) => StatusCode::SERVICE_UNAVAILABLE,
        Refused::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, r.reason().to_string())
}

/// `status` with `reason` as its one line of text.
pub(super) fn refusal(status: StatusCode, reason: &str) -> Resp {
    let line = reason.replace(['\r', '\n'], " ") + "\n";
    no_store(super::body(status, "text/plain; charset=utf-8", line))
}

/// Pages change as files grow and rotate: never cached.
pub(super) fn no_store(mut resp: Resp) -> Resp {
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
