//! The open HTTP connections: each one's place, what it is doing, a write
//! timeout, and which one to close when places or descriptors run out.
//!
//! Every connection holds a place among [`Conns::capacity`]: `max_clients`
//! plus [`HTTP_SPARE`] for plain requests, so that `/healthz` and the UI
//! are still served when `max_clients` WebSocket clients are in (those are
//! counted apart, `ws.rs`), and never more than the descriptors allow: the
//! soft `RLIMIT_NOFILE` is raised to the hard one at start, and
//! [`RESERVED_FDS`] of it are kept for log files, history and search.
//!
//! A connection that has no request in flight, is not a WebSocket and has
//! moved no byte for [`IDLE`] is idle. When a new connection finds no
//! place, or `accept` finds no descriptor, the idlest connection is closed
//! to make room (one that never sent a request first): a flood of idle
//! connections can only push out its own kind, never a client at work.
//!
//! [`Tracked`] wraps a connection's socket: it notes each byte moved, and
//! fails a write that makes no progress for [`WRITE_TIMEOUT`] (a client
//! that stops reading a page or a search), except on a WebSocket, whose
//! session has its own limit (`session.rs`).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use nix::sys::resource::{Resource, getrlimit, setrlimit};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

/// Places for plain HTTP connections beyond `max_clients`.
pub const HTTP_SPARE: usize = 32;
/// Descriptors kept for everything but connections.
pub const RESERVED_FDS: u64 = 64;
/// A write that moves no byte for this long fails.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(20);
/// A connection that moved no byte for this long may be closed for another.
const IDLE: Duration = Duration::from_millis(500);
/// How long a new connection waits for the place of one closed for it.
const PLACE_WAIT: Duration = Duration::from_millis(200);

/// The open connections and their places.
pub struct Conns {
    places: Arc<Semaphore>,
    capacity: usize,
    /// WebSocket sessions now, and at most.
    sessions: AtomicUsize,
    max_sessions: usize,
    open: Mutex<HashMap<u64, Arc<Activity>>>,
    next: AtomicU64,
    start: Instant,
}

impl Conns {
    /// Places for `max_clients` WebSocket clients and [`HTTP_SPARE`] more,
    /// as far as `fds` descriptors allow.
    pub fn new(max_clients: usize, fds: u64) -> Conns {
        let capacity = (max_clients + HTTP_SPARE).min(fds.saturating_sub(RESERVED_FDS).max(1) as usize);
        Conns {
            places: Arc::new(Semaphore::new(capacity)),
            capacity,
            sessions: AtomicUsize::new(0),
            max_sessions: max_clients,
            open: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// A place for a new connection: a free one, else one made by closing
    /// the idlest connection. `None` when every connection is at work.
    pub async fn place(self: &Arc<Self>) -> Option<Place> {
        let permit = match self.places.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) if self.shed_idlest() => {
                let wait = tokio::time::timeout(PLACE_WAIT, self.places.clone().acquire_owned());
                wait.await.ok()?.ok()?
            }
            Err(_) => return None,
        };
        let activity = Arc::new(Activity {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            last: AtomicU64::new(self.now()),
            busy: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            upgraded: AtomicBool::new(false),
            shed: Notify::new(),
            start: self.start,
        });
        self.lock().insert(activity.id, activity.clone());
        Some(Place {
            permit: Arc::new(Mutex::new(Some(permit))),
            activity,
            conns: self.clone(),
        })
    }

    /// Tells the idlest connection to close; false if none is idle.
    pub fn shed_idlest(&self) -> bool {
        let now = self.now();
        let idle = IDLE.as_millis() as u64;
        let open = self.lock();
        let idlest = open.values().filter(|a| a.is_idle(now, idle)).min_by_key(|a| {
            (
                a.requests.load(Ordering::Relaxed) > 0,
                a.last.load(Ordering::Relaxed),
                a.id,
            )
        });
        match idlest {
            Some(a) => {
                a.shed.notify_one();
                true
            }
            None => false,
        }
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Activity>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Raises the soft descriptor limit to the hard one; the limit now.
pub fn raise_fd_limit() -> u64 {
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return u64::MAX;
    };
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return hard;
    }
    soft
}

/// What one connection is doing.
pub struct Activity {
    id: u64,
    /// Milliseconds from `start` to the last byte moved.
    last: AtomicU64,
    /// Requests being answered now, and answered so far.
    busy: AtomicUsize,
    requests: AtomicU64,
    upgraded: AtomicBool,
    /// Notified when the connection is to close for another.
    shed: Notify,
    start: Instant,
}

impl Activity {
    fn is_idle(&self, now: u64, idle: u64) -> bool {
        let quiet = now.saturating_sub(self.last.load(Ordering::Relaxed));
        !self.upgraded.load(Ordering::Relaxed) && self.busy.load(Ordering::Relaxed) == 0 && quiet >= idle
    }

    fn touch(&self) {
        self.last
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Resolves when the connection is to close for another.
    pub async fn shed(&self) {
        self.shed.notified().await
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn request(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.touch();
        Busy(self.clone())
    }
}

/// A request in flight.
pub struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A connection's place: held while the connection is served, and handed
/// on to its WebSocket session when it upgrades, so that a WebSocket
/// client holds a place for as long as it stays.
#[derive(Clone)]
pub struct Place {
    permit: Arc<Mutex<Option<OwnedSemaphorePermit>>>,
    pub activity: Arc<Activity>,
    conns: Arc<Conns>,
}

impl Place {
    /// Takes the place away from the HTTP connection, for its WebSocket
    /// session: the connection is never idle again, nor timed on writes.
    /// `None` when `max_clients` sessions are in (or the place is gone).
    pub fn take(&self) -> Option<SessionPlace> {
        let conns = &self.conns;
        let room = |n: usize| (n < conns.max_sessions).then_some(n + 1);
        conns
            .sessions
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, room)
            .ok()?;
        let session = SessionPlace {
            permit: self.permit.lock().unwrap_or_else(|e| e.into_inner()).take(),
            conns: conns.clone(),
        };
        self.activity.upgraded.store(true, Ordering::Relaxed);
        session.permit.is_some().then_some(session)
    }

    /// Forgets the connection (when it ends).
    pub fn close(&self) {
        self.conns.lock().remove(&self.activity.id);
    }
}

/// A WebSocket session's place, counted among `max_clients` while it lives.
pub struct SessionPlace {
    permit: Option<OwnedSemaphorePermit>,
    conns: Arc<Conns>,
}

impl Drop for SessionPlace {
    fn drop(&mut self) {
        self.conns.sessions.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A connection's socket, noting each byte moved and timing writes.
pub struct Tracked<IO> {
    io: IO,
    activity: Arc<Activity>,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<IO> Tracked<IO> {
    pub fn new(io: IO, activity: Arc<Activity>) -> Tracked<IO> {
        Tracked {
            io,
            activity,
            stalled: None,
        }
    }

    /// After a write: progress resets the stall timer; a write not ready is
    /// checked against it.
    fn after_write(&mut self, cx: &mut Context<'_>, written: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if written.is_pending() {
            return self.check_stall(cx);
        }
        self.stalled = None;
        self.activity.touch();
        written
    }

    /// After a write that is not ready: an error once it has waited too long.
    fn check_stall(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.activity.upgraded.load(Ordering::Relaxed) {
            return Poll::Pending;
        }
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_TIMEOUT)));
        ready!(timer.as_mut().poll(cx));
        let why = format!("the client read nothing for {} s", WRITE_TIMEOUT.as_secs());
        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why)))
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Tracked<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Tracked<IO> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write(cx, buf);
        self.after_write(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.after_write(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_idlest_connection_that_never_asked_goes_first() {
        let conns = Arc::new(Conns::new(2, u64::MAX));
        assert_eq!(conns.capacity(), 2 + HTTP_SPARE);
        let places: Vec<Place> = futures_util::future::join_all((0..conns.capacity()).map(|_| conns.place()))
            .await
            .into_iter()
            .map(Option::unwrap)
            .collect();
        // Nobody is idle yet: no place.
        assert!(conns.place().await.is_none());
        let (worked, upgraded, busy) = (&places[0], &places[1], &places[2]);
        drop(worked.activity.request());
        let _session = upgraded.take().unwrap();
        let _busy = busy.activity.request();
        let back = |ms: u64| {
            for p in &places {
                p.activity.last.store(0, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(ms))
        };
        back(600).await;
        // The first idle one that never sent a request is told to go.
        assert!(conns.shed_idlest());
        let told = places
            .iter()
            .position(|p| futures_util::FutureExt::now_or_never(p.activity.shed()).is_some());
        assert_eq!(told, Some(3));
    }

    #[tokio::test]
    async fn websocket_sessions_are_at_most_max_clients() {
        let conns = Arc::new(Conns::new(2, u64::MAX));
        let (a, b, c) = (
            conns.place().await.unwrap(),
            conns.place().await.unwrap(),
            conns.place().await.unwrap(),
        );
        let (first, _second) = (a.take().unwrap(), b.take().unwrap());
        assert!(c.take().is_none(), "a third session with max_clients = 2");
        drop(first);
        assert!(c.take().is_some(), "a place left by a session is free again");
    }

    #[test]
    fn descriptors_bound_the_places() {
        assert_eq!(Conns::new(1024, 256).capacity(), 256 - RESERVED_FDS as usize);
        assert_eq!(Conns::new(10, 8192).capacity(), 10 + HTTP_SPARE);
    }
}
