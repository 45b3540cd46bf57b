//! `GET <base>/report`: the numbers of a range of a stream's lines, read
//! from its files (`crate::report`), streamed as newline-delimited JSON:
//! progress while the files are read, then the report (docs/protocol.md,
//! "Reports"). Refusals are plain statuses with a reason, as for
//! `/search`, whose places (`max_searches`) and bounds a report shares.

use std::sync::Arc;

use hyper::StatusCode;
use tokio::sync::oneshot;

use super::history::{refusal, refused};
use super::ndjson::{Channel, streamed};
use super::search::admit;
use super::{Resp, State};
use crate::history::Refused;
use crate::report::{self, ReportQuery};
use crate::shutdown::Shutdown;
use crate::terms::Terms;

/// Answers `/report?query`.
pub async fn respond(query: Option<&str>, state: &Arc<State>, shutdown: &Shutdown) -> Resp {
    let query = match ReportQuery::parse(query.unwrap_or("")) {
        Ok(q) => q,
        Err(r) => return refused(r),
    };
    let (stream, running, bounds) = match admit(state, &query.stream) {
        Ok(admitted) => admitted,
        Err(resp) => return *resp,
    };
    let (ready, compiled) = oneshot::channel();
    let (mut out, rx) = Channel::new(shutdown.clone(), bounds.max_time);
    tokio::task::spawn_blocking(move || {
        let _running = running;
        let terms = match Terms::parse(&query.filter) {
            Ok(t) => t,
            Err(e) => return drop(ready.send(Err(Refused::Invalid(format!("filter=: {e}"))))),
        };
        if ready.send(Ok(())).is_ok() {
            report::run(&stream, &query, &terms, bounds, &mut out);
        }
    });
    match compiled.await {
        Ok(Ok(())) => streamed(rx),
        Ok(Err(r)) => refused(r),
        Err(_) => refusal(StatusCode::INTERNAL_SERVER_ERROR, "the report failed to start"),
    }
}
