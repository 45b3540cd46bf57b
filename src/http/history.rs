//! `GET <base>/history`: a page of a stream's lines read from its files
//! (docs/protocol.md, "History and search").
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
use crate::history::{self, Query, Refused};

/// Pages read at once; further requests wait.
pub const AT_ONCE: usize = 2;

/// The turns of history requests.
pub fn turns() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(AT_ONCE))
}

/// Answers `/history?query`.
pub async fn respond(query: Option<&str>, state: &State) -> Resp {
    let query = match Query::parse(query.unwrap_or("")) {
        Ok(q) => q,
        Err(r) => return refused(r),
    };
    let Some(stream) = state.hub.stream(&query.stream) else {
        return refusal(StatusCode::BAD_REQUEST, &format!("no stream {:?}", query.stream));
    };
    let cap = state.settings().max_line;
    let Ok(turn) = state.history_turns.clone().acquire_owned().await else {
        return refusal(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    };
    // Dropped with this future when the client goes away: the reading stops.
    let gone = Gone::default();
    let cancel = gone.0.clone();
    let read = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        history::answer(&stream, &query, cap, cancel).map(|page| serde_json::to_vec(&page))
    });
    let answer = read.await;
    drop(gone);
    match answer {
        Ok(Ok(Ok(json))) => no_store(super::body(StatusCode::OK, "application/json", json)),
        Ok(Ok(Err(e))) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot write the page: {e}"),
        ),
        Ok(Err(r)) => refused(r),
        Err(e) => refusal(StatusCode::INTERNAL_SERVER_ERROR, &format!("reading failed: {e}")),
    }
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
    let status = match r {
        Refused::Invalid(_) => StatusCode::BAD_REQUEST,
        Refused::Exhausted(_) => StatusCode::SERVICE_UNAVAILABLE,
        Refused::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    refusal(status, r.reason())
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
