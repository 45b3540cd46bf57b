//! The HTTP server (hyper 1): the UI, `/ws`, `/healthz`, limits and security headers.

mod assets;
mod session;
mod ws;

use std::convert::Infallible;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::hub::Hub;
use crate::listen::{Conn, Listener};
use crate::systemd::{Liveness, Pulse};

/// Largest request head accepted (request line and headers).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// A client has this long to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// After shutdown is asked, connections have this long to close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What every request handler needs.
pub struct State {
    pub hub: Arc<Hub>,
    settings: RwLock<Arc<Settings>>,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    /// WebSocket clients connected now.
    pub clients: AtomicUsize,
}

/// The settings a reload may change.
pub struct Settings {
    pub allowed_origins: Vec<String>,
    pub ping_interval: Duration,
}

impl Settings {
    pub fn from_config(c: &Config) -> Settings {
        Settings {
            allowed_origins: c.allowed_origins.clone(),
            ping_interval: Duration::from_secs(c.ping_interval_secs),
        }
    }
}

impl State {
    pub fn new(hub: Arc<Hub>, settings: Settings, shutdown: CancellationToken) -> State {
        State {
            hub,
            settings: RwLock::new(Arc::new(settings)),
            shutdown,
            tasks: TaskTracker::new(),
            clients: AtomicUsize::new(0),
        }
    }

    pub fn settings(&self) -> Arc<Settings> {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(settings);
    }
}

/// Accepts on every listener until shutdown, then waits for connections to close.
pub async fn serve(listeners: Vec<Listener>, state: Arc<State>, max_clients: usize, liveness: Arc<Liveness>) {
    let permits = Arc::new(Semaphore::new(max_clients));
    let loops: Vec<_> = listeners
        .into_iter()
        .map(|l| {
            let pulse = liveness.register("accept");
            tokio::spawn(accept_loop(l, state.clone(), permits.clone(), pulse))
        })
        .collect();
    for l in loops {
        let _ = l.await;
    }
    state.tasks.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, state.tasks.wait()).await.is_err() {
        log::warn!("some connections did not close within {SHUTDOWN_GRACE:?}");
    }
}

async fn accept_loop(listener: Listener, state: Arc<State>, permits: Arc<Semaphore>, mut pulse: Pulse) {
    loop {
        let accepted = tokio::select! {
            _ = state.shutdown.cancelled() => return pulse.retire(),
            _ = pulse.probed() => {
                pulse.answer().await;
                continue;
            }
            r = listener.accept() => r,
        };
        let (io, peer) = match accepted {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors or similar: wait a little rather than spin.
                log::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            log::warn!("connection from {peer} refused: max_clients reached");
            continue;
        };
        let state2 = state.clone();
        state.tasks.spawn(async move {
            serve_conn(io, peer, state2).await;
            drop(permit);
        });
    }
}

async fn serve_conn(io: Box<dyn Conn>, peer: String, state: Arc<State>) {
    let (st, who) = (state.clone(), peer.clone());
    let svc = service_fn(move |req| {
        let (st, who) = (st.clone(), who.clone());
        async move { Ok::<_, Infallible>(route(req, &who, &st)) }
    });
    let conn = http1::Builder::new()
        .max_buf_size(MAX_HEAD_BYTES)
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .serve_connection(TokioIo::new(io), svc)
        .with_upgrades();
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = state.shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        log::debug!("connection from {peer}: {e}");
    }
}

type Resp = Response<Full<Bytes>>;

fn route(req: Request<Incoming>, peer: &str, state: &Arc<State>) -> Resp {
    let mut resp = if req.method() != Method::GET && req.method() != Method::HEAD {
        plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD are served\n")
    } else {
        match req.uri().path() {
            "/ws" => ws::upgrade(req, peer, state),
            "/healthz" => healthz(&state.hub),
            path => match assets::find(path) {
                Some(asset) => assets::respond(&req, asset),
                None => plain(StatusCode::NOT_FOUND, "not found\n"),
            },
        }
    };
    security_headers(resp.headers_mut());
    resp
}

/// A short text response.
fn plain(status: StatusCode, text: &'static str) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

fn healthz(hub: &Hub) -> Resp {
    let streams: Vec<_> = hub
        .streams()
        .iter()
        .map(|s| serde_json::json!({"id": s.id, "seq": s.last_seq(), "clients": s.readers()}))
        .collect();
    let body = serde_json::json!({"status": "ok", "epoch": hub.epoch, "streams": streams});
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// The content security policy of the UI: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn security_headers(h: &mut hyper::HeaderMap) {
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
}
