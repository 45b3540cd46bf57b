//! Answers streamed as newline-delimited JSON while a blocking thread
//! works (`/search`, `/report`): the thread writes items into a
//! [`Channel`], which gathers them into chunks for the response's body
//! ([`Ndjson`]).
//!
//! - a chunk is sent when it is large or when the thread flushes (its
//!   progress, at most every 100 ms), so what is found reaches the client
//!   within about 100 ms;
//! - the channel holds at most `CHUNKS_IN_FLIGHT` chunks, so a slow client
//!   slows the thread rather than filling memory, and one that stops
//!   reading for longer than the thread's time budget is given up on;
//! - when the client goes away hyper drops the body, the channel closes,
//!   and the thread's next flush says so (`Break`); shutdown does the same,
//!   also while a chunk waits for room.

use std::convert::Infallible;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::Either;
use hyper::body::{Body, Bytes, Frame};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::Resp;
use super::history::no_store;
use crate::search::Sink;
use crate::shutdown::Shutdown;

/// Chunks waiting for the client at most.
const CHUNKS_IN_FLIGHT: usize = 8;
/// A chunk is sent once it holds this many bytes.
const CHUNK_BYTES: usize = 64 << 10;

/// A `200` whose body is what the channel's other end sends.
pub fn streamed(rx: mpsc::Receiver<Bytes>) -> Resp {
    let mut resp = Response::new(Either::Right(Ndjson { rx }));
    *resp.status_mut() = StatusCode::OK;
    let ndjson = HeaderValue::from_static("application/x-ndjson");
    resp.headers_mut().insert(CONTENT_TYPE, ndjson);
    no_store(resp)
}

/// The body of a search's or a report's answer: the chunks its thread sends, until it ends.
pub struct Ndjson {
    rx: mpsc::Receiver<Bytes>,
}

impl Body for Ndjson {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

/// The working thread's end of the channel: NDJSON lines gathered into chunks.
pub struct Channel {
    tx: mpsc::Sender<Bytes>,
    buf: Vec<u8>,
    runtime: Handle,
    shutdown: Shutdown,
    /// How long a chunk may wait for room before the client is given up on.
    patience: Duration,
    started: Instant,
}

impl Channel {
    /// A channel to a streamed body; the thread gives up on a client that
    /// takes no chunk for `patience`. Made on the runtime, used off it.
    pub fn new(shutdown: Shutdown, patience: Duration) -> (Channel, mpsc::Receiver<Bytes>) {
        let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
        let runtime = Handle::current();
        let channel = Channel {
            tx,
            buf: Vec::with_capacity(CHUNK_BYTES),
            runtime,
            shutdown,
            patience,
            started: Instant::now(),
        };
        (channel, rx)
    }
}

impl<T: Serialize> Sink<T> for Channel {
    fn send(&mut self, item: &T) -> ControlFlow<()> {
        serde_json::to_writer(&mut self.buf, item).expect("answer items always serialize");
        self.buf.push(b'\n');
        if self.buf.len() >= CHUNK_BYTES {
            return self.send_chunk();
        }
        ControlFlow::Continue(())
    }

    fn flush(&mut self) -> ControlFlow<()> {
        self.send_chunk()
    }
}

impl Channel {
    /// Sends what was written: `Break` if the client is gone or the daemon stops.
    fn send_chunk(&mut self) -> ControlFlow<()> {
        if self.shutdown.is_requested() || self.tx.is_closed() {
            return ControlFlow::Break(());
        }
        if self.buf.is_empty() {
            return ControlFlow::Continue(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES)));
        let wait = self
            .patience
            .saturating_sub(self.started.elapsed())
            .max(Duration::from_secs(1));
        let sent = self.runtime.block_on(async {
            tokio::select! {
                sent = tokio::time::timeout(wait, self.tx.send(chunk)) => matches!(sent, Ok(Ok(()))),
                _ = self.shutdown.requested() => false,
            }
        });
        match sent {
            true => ControlFlow::Continue(()),
            false => ControlFlow::Break(()),
        }
    }
}
