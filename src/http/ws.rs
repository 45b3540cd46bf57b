//! The `/ws` upgrade: header checks, the Origin policy and protocol v1's query parameters.

use std::sync::Arc;

use http_body_util::Either;
use hyper::header::{
    CONNECTION, HOST, HeaderMap, HeaderValue, ORIGIN, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS,
    SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::inflate::Inflating;
use super::{Place, Resp, State, deflate, plain, session};
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
    let key = match handshake_key(req.headers()) {
        Handshake::Key(key) => key,
        Handshake::NotUpgrade => return plain(StatusCode::BAD_REQUEST, "a WebSocket upgrade is expected here\n"),
        Handshake::Version => return version_required(),
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
    // The session keeps the connection's place among max_clients until it ends.
    let Some(place) = place.take() else {
        let refused = || format!("WebSocket client {peer} refused: max_clients reached");
        state.reports.report("max_clients", log::Level::Warn, refused);
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "max_clients WebSocket clients are connected\n",
        );
    };
    let compress = deflate::offered(req.headers());
    let on_upgrade = hyper::upgrade::on(&mut req);
    let (st, peer, sd) = (state.clone(), peer.to_string(), shutdown.clone());
    shutdown.spawn(async move {
        let _place = place;
        match on_upgrade.await {
            Ok(upgraded) => {
                // A small read buffer: clients send little, and the buffer is zeroed on every read.
                let config = WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .max_message_size(Some(MAX_CLIENT_MESSAGE))
                    .max_frame_size(Some(MAX_CLIENT_MESSAGE));
                let (read, write) = tokio::io::split(TokioIo::new(upgraded));
                let io = tokio::io::join(Inflating::new(read, compress, MAX_CLIENT_MESSAGE), write);
                let ws = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
                session::run(ws, wanted, compress, &peer, &st, &sd).await;
            }
            Err(e) => log::debug!("WebSocket upgrade failed: {e}"),
        }
    });
    switching_protocols(&key, compress)
}

/// The 101 answer to a WebSocket handshake with `key`, taking
/// permessage-deflate if `compress`.
fn switching_protocols(key: &str, compress: bool) -> Resp {
    let mut resp = Response::new(Either::Left(Default::default()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    let accept = derive_accept_key(key.as_bytes());
    h.insert(SEC_WEBSOCKET_ACCEPT, accept.parse().expect("base64 is a valid header"));
    if compress {
        h.insert(SEC_WEBSOCKET_EXTENSIONS, HeaderValue::from_static(deflate::ACCEPTED));
    }
    resp
}

fn plain_owned(status: StatusCode, text: String) -> Resp {
    super::body(status, "text/plain; charset=utf-8", text)
}

/// What a request's headers make of it as a WebSocket handshake.
#[derive(Debug, PartialEq, Eq)]
enum Handshake {
    /// A well-formed version 13 upgrade, with the client's key.
    Key(String),
    /// An upgrade to another version of the protocol: 426 (RFC 6455, 4.2.2).
    Version,
    NotUpgrade,
}

fn handshake_key(h: &HeaderMap) -> Handshake {
    let has = |name, token: &str| {
        h.get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    let key = h.get(SEC_WEBSOCKET_KEY).and_then(|v| v.to_str().ok());
    let (Some(key), true, true) = (key, has(UPGRADE, "websocket"), has(CONNECTION, "upgrade")) else {
        return Handshake::NotUpgrade;
    };
    let versions = h.get_all(SEC_WEBSOCKET_VERSION);
    if versions.iter().count() != 1 || versions.iter().any(|v| v != "13") {
        return Handshake::Version;
    }
    Handshake::Key(key.to_string())
}

/// 426, naming the one version logmon speaks.
fn version_required() -> Resp {
    let mut resp = plain(
        StatusCode::UPGRADE_REQUIRED,
        "only WebSocket version 13 is spoken here\n",
    );
    resp.headers_mut()
        .insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
    resp
}

/// No Origin (not a browser), an Origin naming the page the request came
/// from (the scheme the request was made with, `X-Forwarded-Proto` behind
/// a proxy, else `http`, and the `Host`, default ports made explicit), or
/// an allowed one. Two Origin headers are refused: a browser sends one.
pub fn origin_allowed(h: &HeaderMap, allowed: &[String]) -> bool {
    let mut origins = h.get_all(ORIGIN).iter();
    let (origin, None) = (origins.next(), origins.next()) else {
        return false;
    };
    let Some(origin) = origin else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    let origin = origin.to_ascii_lowercase();
    if allowed.contains(&origin) {
        return true;
    }
    let scheme = forwarded_proto(h).unwrap_or("http").to_ascii_lowercase();
    let host = h.get(HOST).and_then(|v| v.to_str().ok());
    match (site(&origin), host.and_then(|host| site(&format!("{scheme}://{host}")))) {
        (Some(o), Some(page)) => o == page,
        _ => false,
    }
}

/// The scheme a proxy says the client used: the last `X-Forwarded-Proto`.
fn forwarded_proto(h: &HeaderMap) -> Option<&str> {
    let last = h.get_all("x-forwarded-proto").iter().next_back()?;
    last.to_str().ok()?.rsplit(',').next().map(str::trim)
}

/// An `http` or `https` origin as (scheme, host, port), in lower case with
/// its default port made explicit; `None` for anything else (a path, `null`).
fn site(origin: &str) -> Option<(String, String, u16)> {
    let (scheme, authority) = origin.split_once("://")?;
    let default = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse().ok()?),
        _ => (authority, default),
    };
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase(), port))
}

/// The client's query, with every stream it names known to the hub.
fn query(query: &str, hub: &Hub) -> Result<Query, String> {
    let q = Query::parse(query)?;
    if let Some(unknown) = q.streams.iter().flatten().find(|id| hub.stream(id).is_none()) {
        return Err(format!("unknown stream {unknown:?}\n"));
    }
    if let Some(unknown) = q.since.keys().find(|id| hub.stream(id).is_none()) {
        return Err(format!("since={unknown}:…: unknown stream {unknown:?}\n"));
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
        let ok = |pairs: &[(&'static str, &'static str)]| origin_allowed(&headers(pairs), &allowed);
        assert!(ok(&[("host", "127.0.0.1:5051")]));
        assert!(ok(&[("host", "127.0.0.1:5051"), ("origin", "http://127.0.0.1:5051")]));
        assert!(ok(&[("host", "x"), ("origin", "https://OPS.example.com")]));
        // Behind a proxy that terminates TLS and says so.
        let https = [("host", "Logs.Example.com"), ("x-forwarded-proto", "https")];
        assert!(ok(&[https[0], https[1], ("origin", "https://logs.example.com")]));
        assert!(ok(&[https[0], https[1], ("origin", "https://logs.example.com:443")]));
        assert!(!ok(&[https[0], https[1], ("origin", "http://logs.example.com")]));
        // The scheme counts: an https page is not the http listener's.
        assert!(!ok(&[("host", "127.0.0.1:5051"), ("origin", "https://127.0.0.1:5051")]));
        assert!(!ok(&[
            ("host", "logs.example.com"),
            ("origin", "https://logs.example.com")
        ]));
        assert!(ok(&[
            ("host", "logs.example.com:80"),
            ("origin", "http://logs.example.com")
        ]));
        assert!(!ok(&[("host", "127.0.0.1:5051"), ("origin", "ws://127.0.0.1:5051")]));
        assert!(!ok(&[("host", "127.0.0.1:5051"), ("origin", "http://127.0.0.1:5052")]));
        assert!(!ok(&[("host", "127.0.0.1:5051"), ("origin", "http://evil.example")]));
        assert!(!ok(&[("host", "127.0.0.1:5051"), ("origin", "null")]));
        assert!(!ok(&[("origin", "http://127.0.0.1:5051")]));
        // Only one Origin: a second one (of any value) is refused.
        let host = ("host", "127.0.0.1:5051");
        assert!(!ok(&[
            host,
            ("origin", "http://127.0.0.1:5051"),
            ("origin", "http://evil.example")
        ]));
        assert!(!ok(&[
            host,
            ("origin", "http://127.0.0.1:5051"),
            ("origin", "http://127.0.0.1:5051")
        ]));
    }

    #[test]
    fn handshake_needs_all_headers_and_version_13() {
        let good = [
            ("upgrade", "websocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        assert_eq!(handshake_key(&headers(&good)), Handshake::Key(good[3].1.to_string()));
        assert_eq!(handshake_key(&headers(&good[1..])), Handshake::NotUpgrade);
        let v8 = [good[0], good[1], ("sec-websocket-version", "8"), good[3]];
        assert_eq!(handshake_key(&headers(&v8)), Handshake::Version);
        assert_eq!(
            handshake_key(&headers(&[good[0], good[1], good[3]])),
            Handshake::Version
        );
    }
}
