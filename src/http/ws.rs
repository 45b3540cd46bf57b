//! The `/ws` upgrade: header checks, the Origin policy and protocol v1's query parameters.

use std::sync::Arc;

use http_body_util::Either;
use hyper::header::{
    CONNECTION, HOST, HeaderMap, HeaderValue, ORIGIN, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE,
};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::{Place, Resp, State, plain, session};
use crate::hub::Hub;
use crate::protocol::Query;
use crate::shutdown::Shutdown;

/// Largest message a client may send.
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// Checks the request and answers 101, then runs the session on the upgraded connection.
pub fn upgrade(
    mut req: Request<hyper::body::Incoming>,
    peer: &str,
    state: &Arc<State>,
    shutdown: &Shutdown,
    place: &Place,
) -> Resp {
    let Some(key) = handshake_key(req.headers()) else {
        return plain(StatusCode::BAD_REQUEST, "a WebSocket upgrade is expected here\n");
    };
    if !origin_allowed(req.headers(), &state.settings().allowed_origins) {
        let origin = req.headers().get(ORIGIN).map(|v| String::from_utf8_lossy(v.as_bytes()));
        let origin: String = origin.unwrap_or_default().chars().take(200).collect();
        let refused = || format!("refused a WebSocket upgrade from the foreign origin {origin:?}");
        state.reports.report("foreign origin", log::Level::Info, refused);
        return plain(StatusCode::FORBIDDEN, "cross-origin WebSocket refused\n");
    }
    let wanted = match query(req.uri().query().unwrap_or(""), &state.hub) {
        Ok(s) => s,
        Err(msg) => return plain_owned(StatusCode::BAD_REQUEST, msg),
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    let (st, peer, sd) = (state.clone(), peer.to_string(), shutdown.clone());
    // The session keeps the connection's place among max_clients until it ends.
    let place = place.take();
    shutdown.spawn(async move {
        let _place = place;
        match on_upgrade.await {
            Ok(upgraded) => {
                // A small read buffer: clients send little, and the buffer is zeroed on every read.
                let config = WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .max_message_size(Some(MAX_CLIENT_MESSAGE))
                    .max_frame_size(Some(MAX_CLIENT_MESSAGE));
                let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
                session::run(ws, wanted, &peer, &st, &sd).await;
            }
            Err(e) => log::debug!("WebSocket upgrade failed: {e}"),
        }
    });
    switching_protocols(&key)
}

/// The 101 answer to a WebSocket handshake with `key`.
fn switching_protocols(key: &str) -> Resp {
    let mut resp = Response::new(Either::Left(Default::default()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    let accept = derive_accept_key(key.as_bytes());
    h.insert(SEC_WEBSOCKET_ACCEPT, accept.parse().expect("base64 is a valid header"));
    resp
}

fn plain_owned(status: StatusCode, text: String) -> Resp {
    super::body(status, "text/plain; charset=utf-8", text)
}

/// The client's key, if this is a well-formed WebSocket (version 13) upgrade.
fn handshake_key(h: &HeaderMap) -> Option<String> {
    let has = |name, token: &str| {
        h.get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    let version_ok = h.get("sec-websocket-version").is_some_and(|v| v == "13");
    if !has(UPGRADE, "websocket") || !has(CONNECTION, "upgrade") || !version_ok {
        return None;
    }
    h.get(SEC_WEBSOCKET_KEY)?.to_str().ok().map(str::to_string)
}

/// No Origin (not a browser), an Origin naming the Host, or an allowed one.
pub fn origin_allowed(h: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = h.get(ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    let origin = origin.to_ascii_lowercase();
    if allowed.contains(&origin) {
        return true;
    }
    let authority = origin.split_once("://").map(|(_, a)| a);
    let host = h.get(HOST).and_then(|v| v.to_str().ok());
    match (authority, host) {
        (Some(a), Some(host)) => a.eq_ignore_ascii_case(host),
        _ => false,
    }
}

/// The client's query, with every stream it names known to the hub.
fn query(query: &str, hub: &Hub) -> Result<Query, String> {
    let q = Query::parse(query)?;
    if let Some(unknown) = q.streams.iter().flatten().find(|id| hub.stream(id).is_none()) {
        return Err(format!("unknown stream {unknown:?}\n"));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_policy() {
        let allowed = vec!["https://ops.example.com".to_string()];
        assert!(origin_allowed(&headers(&[("host", "127.0.0.1:5051")]), &allowed));
        assert!(origin_allowed(
            &headers(&[("host", "127.0.0.1:5051"), ("origin", "http://127.0.0.1:5051")]),
            &allowed
        ));
        assert!(origin_allowed(
            &headers(&[("host", "Logs.Example.com"), ("origin", "https://logs.example.com")]),
            &allowed
        ));
        assert!(origin_allowed(
            &headers(&[("host", "x"), ("origin", "https://OPS.example.com")]),
            &allowed
        ));
        assert!(!origin_allowed(
            &headers(&[("host", "127.0.0.1:5051"), ("origin", "http://evil.example")]),
            &allowed
        ));
        assert!(!origin_allowed(
            &headers(&[("host", "127.0.0.1:5051"), ("origin", "null")]),
            &allowed
        ));
        assert!(!origin_allowed(
            &headers(&[("origin", "http://127.0.0.1:5051")]),
            &allowed
        ));
    }

    #[test]
    fn handshake_needs_all_headers() {
        let good = [
            ("upgrade", "websocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        assert!(handshake_key(&headers(&good)).is_some());
        assert!(handshake_key(&headers(&good[1..])).is_none());
        assert!(handshake_key(&headers(&[good[0], good[1], ("sec-websocket-version", "8"), good[3]])).is_none());
    }
}
