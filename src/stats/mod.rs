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
mod sums;
#[cfg(test)]
mod tests;
mod top;
mod totals;
pub(crate) mod values;
mod when;
mod window;

use std::ops::Range;
use std::sync::{Mutex, MutexGuard};

use tokio_tungstenite::tungstenite::Utf8Bytes;

pub use feed::{Counted, Feed};
use sums::Line;
use top::Listed;
pub use totals::{BOUNDS_MS, Durations, METHODS, STATUS_SLOTS, Totals, status_label};
use values::Values;
use when::When;
use window::{WINDOW_MINUTES, Window};

use crate::layout::{Kind, Layout, Role, json};
use crate::protocol::{Latency, Message, Point, Stats as StatsMessage, Top, TopError};

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
    top_error: TopError,
}

impl Stats {
    /// Statistics whose first second being counted is the clock's now.
    pub fn new(stream: &str) -> Stats {
        Stats::at(stream, crate::civil::unix_now())
    }

    /// Statistics whose first second being counted is `now` (unix seconds).
    pub fn at(stream: &str, now: u64) -> Stats {
        let inner = Inner {
            window: Window::new(now),
            status: Vec::new(),
            latency: Latency::default(),
            top: Top::default(),
            top_error: TopError::default(),
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
            when: When::of(layout),
            spans: Vec::with_capacity(layout.fields.len()),
            pairs: Vec::new(),
        }
    }

    /// Counts `n` lines of a layout without fields.
    pub fn count(&self, n: u64) {
        self.lock().window.count(n);
    }

    /// Ends the second being counted and starts `now` (unix seconds); the
    /// message that tells the second that ended and the points that late
    /// lines changed.
    pub fn tick(&self, now: u64) -> Utf8Bytes {
        let mut inner = self.lock();
        let (seconds, minutes) = inner.window.tick(now);
        if inner.window.take_changed() {
            inner.status = inner.window.status();
            inner.latency = inner.window.latency();
            (inner.top, inner.top_error) = top_lists(inner.window.top());
        }
        self.message(&inner, now, seconds, minutes)
    }

    /// Every point kept, with the window's totals: a new client's first message.
    pub fn full(&self, now: u64) -> Utf8Bytes {
        let inner = self.lock();
        let minutes = inner.window.minutes.iter().cloned().collect();
        self.message(&inner, now, inner.window.seconds(), minutes)
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
            top_error: inner.top_error.clone(),
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

/// The window's top lists as the message gives them: values with counts,
/// and apart the errors, list by list.
fn top_lists(lists: [Vec<Listed>; 5]) -> (Top, TopError) {
    let counts = |l: &[Listed]| l.iter().map(|x| (x.value.clone(), x.count)).collect();
    let errors = |l: &[Listed]| l.iter().map(|x| x.error).collect();
    let [path, host, addr, ua, upstream] = &lists;
    let top = Top {
        path: counts(path),
        host: counts(host),
        addr: counts(addr),
        ua: counts(ua),
        upstream: counts(upstream),
    };
    let error = TopError {
        path: errors(path),
        host: errors(host),
        addr: errors(addr),
        ua: errors(ua),
        upstream: errors(upstream),
    };
    (top, error)
}

/// Records the lines of one chunk while holding the stream's statistics.
pub struct Recorder<'a> {
    inner: MutexGuard<'a, Inner>,
    layout: &'a Layout,
    when: When,
    spans: Vec<Range<usize>>,
    pairs: Vec<(String, String)>,
}

impl Recorder<'_> {
    pub fn line(&mut self, line: &[u8]) {
        let w = &mut self.inner.window;
        match self.layout.kind {
            Kind::Text if self.layout.split(line, &mut self.spans) => {
                let t = self.when.text(line, &self.spans);
                add(w, &Values::of_fields(&self.layout.roles, line, &self.spans), t)
            }
            Kind::Json if json::pairs(line, &mut self.pairs) => {
                let texts = values::json_texts_of(&self.pairs);
                add(w, &Values::of_json(&texts), When::json(&self.pairs))
            }
            Kind::Text | Kind::Json => w.bad(),
            Kind::Error | Kind::Plain => w.count(1),
        }
    }
}

/// Counts a line's values in the window, at its own time `t`.
fn add(w: &mut Window, v: &Values, t: Option<u64>) {
    let line = Line {
        status: v.get(Role::Status).and_then(values::status),
        bytes: v.get(Role::Bytes).and_then(values::number),
        rt: v.get(Role::RequestTime).and_then(values::millis),
        ut: v.get(Role::UpstreamTime).and_then(values::sum_millis),
    };
    let (method, path) = v.method_and_path();
    let found = [
        path,
        v.get(Role::Host),
        v.addr(),
        v.get(Role::Ua),
        v.get(Role::Upstream),
    ];
    w.add(&line, t, found, method);
}
