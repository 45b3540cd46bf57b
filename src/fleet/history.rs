//! History across hosts: each agent answers `/history` for its own
//! streams by request-reply on `logmon.history.HOST` ([`answer`]), one
//! request at a time, each with the bounds of its own `/history` and a
//! page small enough for a NATS message; a viewer asks the agent of the
//! host a `HOST/STREAM` names ([`Asker`]), and a host that does not answer
//! within `ASK_TIMEOUT` is reported (504), not waited for. A browser
//! behind a fleet stream's ring on a viewer reads its pages the same way,
//! and a search's requests come on the same subject (`search.rs`).

use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, HeaderMap, Request};
use futures_util::StreamExt;
use hyper::StatusCode;

use super::link::Link;
use super::names::{self, header};
use super::search;
use crate::history::{Ask, Place, Query, Refused};
use crate::http::{State, history};
use crate::protocol::history::Page;
use crate::shutdown::Shutdown;

/// The most a page sent over NATS weighs (NATS refuses messages over 1 MiB by default).
const PAGE_BYTES: usize = 512 << 10;
/// How long a viewer waits for an agent's page (its reading stops within 5 s).
pub(super) const ASK_TIMEOUT: Duration = Duration::from_secs(10);
/// The reply's header with the HTTP status of the answer.
pub(super) const STATUS: &str = "Logmon-Status";

/// A refusal: its status and reason.
pub(super) type Refusal = (StatusCode, String);

/// A host's reason for an answer of every host, naming the host (`web-1:
/// access.log.4.gz: …`), unless it does already (`host web-2 did not
/// answer: …`).
pub(super) fn of_host(host: &str, why: String) -> String {
    if why.starts_with("host ") {
        why
    } else {
        format!("{host}: {why}")
    }
}

/// An agent's service: answers the history requests for its host until shutdown.
pub async fn answer(link: Arc<Link>, state: Arc<State>, shutdown: Shutdown) {
    let subject = names::history_subject(&link.config.host);
    let mut requests = match link.client.subscribe(subject.clone()).await {
        Ok(s) => s,
        Err(e) => return log::error!("fleet: cannot answer on {subject}: {e}"),
    };
    let searches = Arc::new(search::Searches::default());
    loop {
        let request = tokio::select! {
            _ = shutdown.requested() => return,
            request = requests.next() => request,
        };
        let Some(request) = request else { return };
        if search::is_search(&request) {
            searches.serve(link.clone(), state.clone(), shutdown.clone(), request);
            continue;
        }
        let Some(reply) = request.reply else { continue };
        let query = String::from_utf8_lossy(&request.payload);
        let (status, body) = match history::page(&query, &state, PAGE_BYTES).await {
            Ok(json) => (StatusCode::OK, json),
            Err((status, reason)) => (status, reason.into_bytes()),
        };
        let mut headers = HeaderMap::new();
        headers.insert(STATUS, status.as_str());
        if let Err(e) = link.client.publish_with_headers(reply, headers, body.into()).await {
            log::debug!("fleet: a history answer was not sent: {e}");
        }
    }
}

/// A viewer's way to ask agents for their history.
#[derive(Clone)]
pub struct Asker {
    pub(super) client: Client,
}

impl Asker {
    pub fn new(link: &Link) -> Asker {
        Asker {
            client: link.client.clone(),
        }
    }

    /// The page the agent of the host that `query`'s stream (`HOST/STREAM`)
    /// names gives, or why there is none; `None` for a query that names no
    /// fleet stream.
    pub async fn history(&self, query: &str) -> Option<Result<Vec<u8>, (StatusCode, String)>> {
        let (host, local) = local_query(query)?;
        let request = Request::new().payload(local.into()).timeout(Some(ASK_TIMEOUT));
        let subject = names::history_subject(&host);
        let silent = |e: String| (StatusCode::GATEWAY_TIMEOUT, format!("host {host} did not answer: {e}"));
        let reply = match self.client.send_request(subject, request).await {
            Ok(reply) => reply,
            Err(e) => return Some(Err(silent(e.to_string()))),
        };
        let headers = reply.headers.unwrap_or_default();
        let status = header(&headers, STATUS).and_then(|s| s.parse().ok());
        let status = status.and_then(|s| StatusCode::from_u16(s).ok());
        Some(match status {
            Some(StatusCode::OK) => Ok(reply.payload.to_vec()),
            Some(status) => Err((status, String::from_utf8_lossy(&reply.payload).into_owned())),
            None => Err(silent("an answer without its status".into())),
        })
    }
}

impl Asker {
    /// The page a client behind a fleet stream's ring reads next
    /// (`http/catchup.rs`), asked of the host's agent; `None` for a local
    /// stream.
    pub async fn page(&self, query: &Query) -> Option<Result<Page, Refused>> {
        if !query.stream.contains('/') {
            return None;
        }
        let (key, value) = match query.ask {
            Ask::From(Place::Seq(seq)) => ("after", format!("seq:{}", seq.saturating_sub(1))),
            Ask::After(Place::Cursor(c)) => ("after", c.encode()),
            other => return Some(Err(Refused::Invalid(format!("{other:?} is not asked of agents")))),
        };
        let text = form_urlencoded::Serializer::new(String::new())
            .append_pair("stream", &query.stream)
            .append_pair(key, &value)
            .append_pair("limit", &query.limit.to_string())
            .finish();
        let answer = self.history(&text).await?;
        Some(match answer {
            Ok(json) => serde_json::from_slice(&json).map_err(|e| Refused::Failed(format!("an agent's page: {e}"))),
            Err((_, reason)) => Err(Refused::Failed(reason)),
        })
    }
}

/// The host a query's `stream=HOST/STREAM` names, and the query with
/// `stream=STREAM` as the agent knows it; `None` for any other stream
/// (a local one, or `*/STREAM`: no host is named `*`).
pub(super) fn local_query(query: &str) -> Option<(String, String)> {
    let mut host = None;
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match (key.as_ref(), value.split_once('/')) {
            ("stream", Some((h, id))) if host.is_none() && crate::config::valid_host(h) => {
                host = Some(h.to_string());
                out.append_pair("stream", id);
            }
            _ => {
                out.append_pair(&key, &value);
            }
        }
    }
    Some((host?, out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_stream_names_its_host_and_its_agent_s_stream() {
        let (host, local) = local_query("stream=web-1%2Faccess&before=seq:10&limit=5").unwrap();
        assert_eq!(
            (host.as_str(), local.as_str()),
            ("web-1", "stream=access&before=seq%3A10&limit=5")
        );
        assert_eq!(local_query("stream=access&before=seq:10"), None);
        assert_eq!(local_query("stream=*%2Faccess&at=0&limit=0"), None);
    }
}
