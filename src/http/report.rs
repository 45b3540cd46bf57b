//! `GET <base>/report`: the numbers of a range of a stream's lines, read
//! from its files (`crate::report`), streamed as newline-delimited JSON:
//! progress while the files are read, then the report (docs/protocol.md,
//! "Reports"). Refusals are plain statuses with a reason, as for
//! `/search`, whose places (`max_searches`) and bounds a report shares.

use std::sync::Arc;

use super::history::refused;
use super::ndjson::{Channel, streamed};
use super::search::answer;
use super::{Resp, State};
use crate::history::Refused;
use crate::hub::Stream;
use crate::report::{self, ReportQuery};
use crate::shutdown::Shutdown;
use crate::terms::Terms;

/// Answers `/report?query`.
pub async fn respond(query: Option<&str>, state: &Arc<State>, shutdown: &Shutdown) -> Resp {
    let query = match ReportQuery::parse(query.unwrap_or("")) {
        Ok(q) => q,
        Err(r) => return refused(r),
    };
    let stream = query.stream.clone();
    let compiled = move || match Terms::parse(&query.filter) {
        Ok(terms) => Ok((query, terms)),
        Err(e) => Err(Refused::Invalid(format!("filter=: {e}"))),
    };
    let count = |(query, terms): (ReportQuery, Terms), stream: &Stream, bounds, out: &mut Channel| {
        report::run(stream, &query, &terms, bounds, out);
    };
    match answer(state, shutdown, &stream, compiled, count).await {
        Ok(rx) => streamed(rx),
        Err(r) => r.into_resp(),
    }
}
