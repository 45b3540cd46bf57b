//! Live statistics: numbers computed on the server, once, from every line
//! of a stream, and sent to clients as `stats` messages once a second.
//!
//! The follower copies each line it publishes into a [`Feed`]; a thread of
//! the stream's own records them ([`Stats::recorder`], one lock per batch):
//! the layout splits each line, and the values found by role (status,
//! request time, path, ...) go into the current second.
//! Once a second [`run`] ends that second on every stream ([`Stats::tick`]):
//! its point joins the last 10 minutes of seconds and the current minute;
//! a minute that ends joins the last hour of minutes. The status counts,
//! percentiles and top lists cover a window of minutes, each kept as a
//! fixed histogram and bounded sketches, so memory does not grow with the
//! traffic or the number of distinct values. A new client gets every point
//! at once ([`Stats::full`]), so its charts are full from the start.
//!
//! The counts since start ([`Totals`]) feed `/metrics`.

mod feed;
pub(crate) mod histogram;
mod places;
mod sketch;
#[cfg(test)]
mod tests;
mod totals;
pub(crate) mod values;
mod window;

use std::ops::Range;
use std::sync::{Mutex, MutexGuard};

use tokio_tungstenite::tungstenite::Utf8Bytes;

pub use feed::{Counted, Feed};
pub use totals::{BOUNDS_MS, Durations, METHODS, STATUS_SLOTS, Totals, status_label};
use values::{Fields, Values};
use window::{WINDOW_MINUTES, Window};

use crate::layout::{Kind, Layout};
use crate::protocol::{Latency, Message, Point, Stats as StatsMessage, Top};

/// A stream's statistics.
pub struct Stats {
    stream: String,
    inner: Mutex<Inner>,
}

struct Inner {
    window: Window,
    /// The window's totals as of the last tick.
    status: Vec<(u16, u64)>,
    latency: Latency,
    top: Top,
}

impl Stats {
    pub fn new(stream: &str) -> Stats {
        let inner = Inner {
            window: Window::new(),
            status: Vec::new(),
            latency: Latency::default(),
            top: Top::default(),
        };
        Stats {
            stream: stream.to_string(),
            inner: Mutex::new(inner),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records lines split by `layout` until the recorder is dropped.
    pub fn recorder<'a>(&'a self, layout: &'a Layout) -> Recorder<'a> {
        Recorder {
            inner: self.lock(),
            layout,
            fields: Fields::of(layout),
            spans: Vec::with_capacity(layout.fields.len()),
        }
    }

    /// Counts `n` lines of a layout without fields.
    pub fn count(&self, n: u64) {
        self.lock().window.count(n);
    }

    /// Ends the second before `now` (unix seconds); the message that tells it.
    pub fn tick(&self, now: u64) -> Utf8Bytes {
        let mut inner = self.lock();
        let (second, minute) = inner.window.tick(now);
        inner.status = inner.window.status();
        inner.latency = inner.window.latency();
        inner.top = inner.window.top();
        self.message(&inner, now, vec![second], minute.into_iter().collect())
    }

    /// Every point kept, with the window's totals: a new client's first message.
    pub fn full(&self, now: u64) -> Utf8Bytes {
        let inner = self.lock();
        let (seconds, minutes) = (&inner.window.seconds, &inner.window.minutes);
        self.message(
            &inner,
            now,
            seconds.iter().cloned().collect(),
            minutes.iter().cloned().collect(),
        )
    }

    fn message(&self, inner: &Inner, now: u64, seconds: Vec<Point>, minutes: Vec<Point>) -> Utf8Bytes {
        Message::Stats(Box::new(StatsMessage {
            stream: self.stream.clone(),
            now,
            window: (WINDOW_MINUTES * 60) as u64,
            seconds,
            minutes,
            status: inner.status.clone(),
            latency: inner.latency.clone(),
            top: inner.top.clone(),
        }))
        .encode()
    }

    /// Bytes of memory the statistics hold (their buffers' capacities).
    pub fn memory(&self) -> usize {
        std::mem::size_of::<Stats>() + self.lock().window.memory()
    }

    /// The counts since start.
    pub fn totals(&self) -> Totals {
        self.lock().window.totals.clone()
    }
}

/// Records the lines of one chunk while holding the stream's statistics.
pub struct Recorder<'a> {
    inner: MutexGuard<'a, Inner>,
    layout: &'a Layout,
    fields: Fields,
    spans: Vec<Range<usize>>,
}

impl Recorder<'_> {
    pub fn line(&mut self, line: &[u8]) {
        let w = &mut self.inner.window;
        match self.layout.kind {
            Kind::Text if self.layout.split(line, &mut self.spans) => {
                w.add(&Values::of_fields(&self.fields, line, &self.spans))
            }
            Kind::Json => match values::json_texts(line) {
                Some(texts) => w.add(&Values::of_json(&texts)),
                None => w.bad(),
            },
            Kind::Text => w.bad(),
            Kind::Error | Kind::Plain => w.count(1),
        }
    }
}
