//! The HTTP server (hyper 1): the UI, `/ws`, `/healthz`, limits and security headers.

mod assets;
pub(crate) mod catchup;
mod conns;
mod deflate;
mod export;
pub(crate) mod history;
pub(crate) mod inflate;
mod ndjson;
mod report;
pub(crate) mod search;
mod session;
mod subs;
mod ws;

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use http_body_util::{Either, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;

use conns::{Conns, Place, Tracked};

use crate::config::{Config, SearchLimits};
use crate::hub::Hub;
use crate::listen::{Conn, Listener};
use crate::logging::Reports;
use crate::protocol::{Health, StreamHealth};
use crate::shutdown::Shutdown;
use crate::systemd::{Liveness, Pulse};

/// Largest request head accepted (request line and headers).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// A client has this long to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A refusal or failure that repeats is logged at most this often.
const REPORT_EVERY: Duration = Duration::from_secs(60);
/// After shutdown is asked, connections have this long to close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What every request handler needs.
pub struct State {
    pub hub: Arc<Hub>,
    settings: RwLock<Arc<Settings>>,
    /// WebSocket clients connected now.
    pub clients: Gauge,
    /// Searches running now (`search.rs`).
    pub searches: Gauge,
    /// Repeated trouble from clients, logged once in a while.
    pub reports: Reports,
    /// Configuration reloads so far.
    pub reloads: AtomicU64,
    /// Turns of `/history` requests (`history.rs`).
    history_turns: Arc<Semaphore>,
    /// A fleet's viewer asks agents for their history (`fleet/history.rs`).
    pub fleet: OnceLock<crate::fleet::Asker>,
    /// Frames compressed for the clients that took permessage-deflate.
    deflated: deflate::Cache,
}

/// How many of something are there now: WebSocket clients, searches.
#[derive(Default)]
pub struct Gauge(Arc<AtomicUsize>);

/// One presence: counted while it lives.
pub struct Presence(Arc<AtomicUsize>);

impl Gauge {
    /// Counts one until the returned guard is dropped.
    pub fn enter(&self) -> Presence {
        self.0.fetch_add(1, Ordering::Relaxed);
        Presence(self.0.clone())
    }

    /// Counts one if fewer than `max` are there.
    pub fn try_enter(&self, max: usize) -> Option<Presence> {
        let up = |n: usize| (n < max).then_some(n + 1);
        self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, up).ok()?;
        Some(Presence(self.0.clone()))
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The settings a reload may change.
pub struct Settings {
    pub allowed_origins: Vec<String>,
    pub ping_interval: Duration,
    /// Bytes kept of a line read from history.
    pub max_line: usize,
    pub search: SearchLimits,
}

impl Settings {
    pub fn from_config(c: &Config) -> Settings {
        Settings {
            allowed_origins: c.allowed_origins.clone(),
            ping_interval: Duration::from_secs(c.ping_interval_secs),
            max_line: c.max_line_bytes,
            search: c.search,
        }
    }
}

impl State {
    pub fn new(hub: Arc<Hub>, settings: Settings) -> State {
        State {
            hub,
            settings: RwLock::new(Arc::new(settings)),
            clients: Gauge::default(),
            searches: Gauge::default(),
            reports: Reports::new(REPORT_EVERY),
            reloads: AtomicU64::new(0),
            history_turns: history::turns(),
            fleet: OnceLock::new(),
            deflated: deflate::Cache::default(),
        }
    }

    pub fn settings(&self) -> Arc<Settings> {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(settings);
    }
}

/// What the accept loops hand to each connection.
#[derive(Clone)]
struct Server {
    state: Arc<State>,
    shutdown: Shutdown,
    conns: Arc<Conns>,
}

/// Accepts on every listener until `shutdown`, then waits for connections to close.
pub async fn serve(
    listeners: Vec<Listener>,
    state: Arc<State>,
    shutdown: Shutdown,
    max_clients: usize,
    liveness: Arc<Liveness>,
) {
    let fds = conns::raise_fd_limit();
    let conns = Arc::new(Conns::new(max_clients, fds));
    if conns.capacity() < max_clients + conns::HTTP_SPARE {
        let n = conns.capacity();
        log::warn!(
            "only {n} connections fit in {fds} file descriptors (LimitNOFILE): max_clients = {max_clients} cannot be met"
        );
    }
    let server = Server { state, shutdown, conns };
    let loops: Vec<_> = listeners
        .into_iter()
        .map(|l| tokio::spawn(accept_loop(l, server.clone(), liveness.register("accept"))))
        .collect();
    for l in loops {
        let _ = l.await;
    }
    if !server.shutdown.wait(SHUTDOWN_GRACE).await {
        log::warn!("some connections did not close within {SHUTDOWN_GRACE:?}");
    }
}

async fn accept_loop(listener: Listener, server: Server, mut pulse: Pulse) {
    loop {
        let accepted = tokio::select! {
            _ = server.shutdown.requested() => return pulse.retire(),
            _ = pulse.probed() => {
                pulse.answer().await;
                continue;
            }
            r = listener.accept() => r,
        };
        let (io, peer) = match accepted {
            Ok(c) => c,
            Err(e) => {
                let reports = &server.state.reports;
                reports.report("accept", log::Level::Warn, || format!("accept failed: {e}"));
                // Out of descriptors: close an idle connection, or wait a little rather than spin.
                let out_of_fds = matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
                let pause = if out_of_fds && server.conns.shed_idlest() {
                    1
                } else {
                    100
                };
                tokio::time::sleep(Duration::from_millis(pause)).await;
                continue;
            }
        };
        let Some(place) = server.conns.place().await else {
            let reports = &server.state.reports;
            let refused = || format!("connection from {peer} refused: max_clients reached, and none is idle");
            reports.report("max_clients", log::Level::Warn, refused);
            continue;
        };
        let conn = server.clone();
        server.shutdown.spawn(conn.serve_conn(io, peer, place));
    }
}

impl Server {
    async fn serve_conn(self, io: Box<dyn Conn>, peer: String, place: Place) {
        let (shutdown, state) = (self.shutdown.clone(), self.state.clone());
        let (who, activity, own) = (peer.clone(), place.activity.clone(), place.clone());
        let io = Tracked::new(io, activity.clone());
        let svc = service_fn(move |req| {
            let (server, who, place) = (self.clone(), who.clone(), place.clone());
            async move {
                let _busy = place.activity.request();
                Ok::<_, Infallible>(server.route(req, &who, &place).await)
            }
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
            _ = activity.shed() => Ok(()),
            _ = shutdown.requested() => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        own.close();
        match result {
            Err(e) if e.is_parse() || e.is_parse_too_large() || e.is_timeout() => {
                let bad = || format!("bad request from {peer}: {e}");
                state.reports.report("bad request", log::Level::Info, bad);
            }
            Err(e) => log::debug!("connection from {peer}: {e}"),
            Ok(()) => {}
        }
    }

    async fn route(&self, req: Request<Incoming>, peer: &str, place: &Place) -> Resp {
        let mut resp = if req.method() != Method::GET && req.method() != Method::HEAD {
            plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD are served\n")
        } else {
            match req.uri().path() {
                "/ws" => ws::upgrade(req, peer, &self.state, &self.shutdown, place),
                "/healthz" => healthz(&self.state.hub),
                "/history" => history::respond(req.uri().query(), &self.state).await,
                "/search" => search::respond(req.uri().query(), &self.state, &self.shutdown).await,
                "/report" => report::respond(req.uri().query(), &self.state, &self.shutdown).await,
                "/metrics" => metrics(&self.state),
                path => match assets::find(path) {
                    Some(asset) => assets::respond(&req, asset),
                    None => plain(StatusCode::NOT_FOUND, "not found\n"),
                },
            }
        };
        security_headers(resp.headers_mut());
        resp
    }
}

/// A response: a whole body, or one streamed as it is made (`/search`).
type Resp = Response<Either<Full<Bytes>, ndjson::Ndjson>>;

/// A short text response.
fn plain(status: StatusCode, text: &'static str) -> Resp {
    body(status, "text/plain; charset=utf-8", Bytes::from_static(text.as_bytes()))
}

/// A response with a body of `content_type`.
fn body(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    let mut resp = Response::new(Either::Left(Full::new(body.into())));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn healthz(hub: &Hub) -> Resp {
    let streams = hub
        .streams()
        .iter()
        .map(|s| StreamHealth {
            id: s.id.clone(),
            seq: s.last_seq(),
            clients: s.readers(),
        })
        .collect();
    let health = Health {
        status: "ok".into(),
        epoch: hub.epoch.clone(),
        streams,
    };
    let json = serde_json::to_vec(&health).expect("health always serializes");
    body(StatusCode::OK, "application/json", json)
}

fn metrics(state: &State) -> Resp {
    let global = crate::metrics::Global {
        clients: state.clients.count(),
        reloads: state.reloads.load(Ordering::Relaxed),
        searches: state.searches.count(),
    };
    let text = crate::metrics::render(&state.hub, &global);
    body(StatusCode::OK, "text/plain; version=0.0.4; charset=utf-8", text)
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
