//! A stream's numbers over time: the second being counted, the minute it
//! belongs to, the minutes of the window before it, and the points of the
//! last hour (per second for 10 minutes, per minute beyond).

use std::collections::VecDeque;

use super::histogram::Histogram;
use super::sketch::{self, Sketch};
use super::totals::Totals;
use super::values::{self, Values};
use crate::layout::Role;
use crate::protocol::{Latency, Point, Top};

/// Points kept per second, and per minute.
pub const SECONDS: usize = 600;
pub const MINUTES: usize = 60;
/// Minutes that `status`, `latency` and `top` cover: the current one and those before it.
pub const WINDOW_MINUTES: usize = 10;
/// Entries in each top list.
const TOP: usize = 10;
/// Statuses are counted one by one from 100 to 599.
const STATUSES: usize = 500;

/// The sums of a second or a minute.
#[derive(Clone, Default)]
struct Sums {
    n: u64,
    bad: u64,
    bytes: u64,
    classes: [u64; 5],
    rt: Histogram,
    ut: Histogram,
}

impl Sums {
    fn merge(&mut self, o: &Sums) {
        self.n += o.n;
        self.bad += o.bad;
        self.bytes += o.bytes;
        for (a, b) in self.classes.iter_mut().zip(o.classes) {
            *a += b;
        }
        self.rt.merge(&o.rt);
        self.ut.merge(&o.ut);
    }

    fn memory(&self) -> usize {
        self.rt.memory() + self.ut.memory()
    }

    fn point(&self, t: u64) -> Point {
        Point {
            t,
            n: self.n,
            bad: self.bad,
            bytes: self.bytes,
            classes: self.classes,
            rt: self.rt.percentiles(),
            ut: self.ut.percentiles(),
        }
    }

    fn clear(&mut self) {
        (self.n, self.bad, self.bytes, self.classes) = (0, 0, 0, [0; 5]);
        self.rt.clear();
        self.ut.clear();
    }
}

/// What a minute keeps for the window's totals.
#[derive(Default)]
struct Minute {
    t: u64,
    sums: Sums,
    status: Vec<u64>,
    /// Path, host, address, user agent, upstream.
    top: [Sketch; 5],
}

impl Minute {
    fn memory(&self) -> usize {
        let sketches: usize = self.top.iter().map(Sketch::memory).sum();
        size_of::<Minute>() + self.sums.memory() + self.status.capacity() * 8 + sketches
    }

    fn clear(&mut self, t: u64) {
        self.t = t;
        self.sums.clear();
        self.status.clear();
        self.status.resize(STATUSES, 0);
        self.top.iter_mut().for_each(Sketch::clear);
    }
}

pub struct Window {
    second: Sums,
    minute: Minute,
    /// The minutes before the current one in the window, oldest first.
    past: VecDeque<Minute>,
    pub seconds: VecDeque<Point>,
    pub minutes: VecDeque<Point>,
    pub totals: Totals,
}

impl Window {
    /// A window whose first minute starts at the first tick.
    pub fn new() -> Window {
        let mut minute = Minute::default();
        minute.clear(0);
        Window {
            second: Sums::default(),
            minute,
            past: VecDeque::new(),
            seconds: VecDeque::new(),
            minutes: VecDeque::new(),
            totals: Totals::default(),
        }
    }

    /// Counts a line that does not fit its layout.
    pub fn bad(&mut self) {
        self.second.bad += 1;
        self.totals.bad += 1;
    }

    /// Counts `n` lines of a layout without values (an error log, plain text).
    pub fn count(&mut self, n: u64) {
        self.second.n += n;
        self.totals.fieldless += n;
    }

    /// Counts a line and its values.
    pub fn add(&mut self, v: &Values) {
        let s = &mut self.second;
        s.n += 1;
        let status = v.get(Role::Status).and_then(values::status);
        if let Some(st) = status {
            s.classes[usize::from(st / 100 - 1)] += 1;
            self.minute.status[usize::from(st - 100)] += 1;
        }
        let bytes = v.get(Role::Bytes).and_then(values::number);
        s.bytes += bytes.unwrap_or(0);
        let rt = v.get(Role::RequestTime).and_then(values::millis);
        let ut = v.get(Role::UpstreamTime).and_then(values::sum_millis);
        rt.inspect(|&ms| s.rt.add(ms));
        ut.inspect(|&ms| s.ut.add(ms));
        let (method, path) = v.method_and_path();
        let top = &mut self.minute.top;
        let found = [
            path,
            v.get(Role::Host),
            v.addr(),
            v.get(Role::Ua),
            v.get(Role::Upstream),
        ];
        for (sketch, value) in top.iter_mut().zip(found) {
            value.inspect(|x| sketch.add(x));
        }
        self.totals.add(status, method, bytes, rt, ut);
    }

    /// Ends the second before `now`: returns its point, and the minute's if `now` starts a new one.
    pub fn tick(&mut self, now: u64) -> (Point, Option<Point>) {
        let second = self.second.point(now.saturating_sub(1));
        self.minute.sums.merge(&self.second);
        self.second.clear();
        push(&mut self.seconds, second.clone(), SECONDS);
        let this_minute = now.saturating_sub(1) / 60 * 60;
        if self.minute.t == 0 {
            self.minute.t = this_minute;
        }
        let minute = (now / 60 * 60 != self.minute.t).then(|| self.next_minute(now / 60 * 60));
        (second, minute)
    }

    fn next_minute(&mut self, t: u64) -> Point {
        let point = self.minute.sums.point(self.minute.t);
        push(&mut self.minutes, point.clone(), MINUTES);
        let mut fresh = match self.past.len() + 1 >= WINDOW_MINUTES {
            true => self.past.pop_front().expect("the window has past minutes"),
            false => Minute::default(),
        };
        fresh.clear(t);
        let done = std::mem::replace(&mut self.minute, fresh);
        self.past.push_back(done);
        point
    }

    fn in_window(&self) -> impl Iterator<Item = &Minute> {
        self.past.iter().chain([&self.minute])
    }

    /// Counts by status over the window.
    pub fn status(&self) -> Vec<(u16, u64)> {
        let mut sums = [0u64; STATUSES];
        for m in self.in_window() {
            sums.iter_mut().zip(&m.status).for_each(|(a, b)| *a += b);
        }
        (100u16..).zip(sums).filter(|(_, n)| *n > 0).collect()
    }

    /// Percentiles over the window.
    pub fn latency(&self) -> Latency {
        let mut sums = Sums::default();
        self.in_window().for_each(|m| sums.merge(&m.sums));
        sums.merge(&self.second);
        Latency {
            rt: sums.rt.percentiles(),
            ut: sums.ut.percentiles(),
        }
    }

    /// Bytes held, counted from the buffers' capacities.
    pub fn memory(&self) -> usize {
        let points = (self.seconds.capacity() + self.minutes.capacity()) * size_of::<Point>();
        let minutes: usize = self.in_window().map(Minute::memory).sum();
        size_of::<Window>() + self.second.memory() + points + minutes + self.totals.memory()
    }

    /// The values held by the sketches of the current minute.
    #[cfg(test)]
    pub fn held_values(&self) -> usize {
        self.minute.top.iter().map(|s| s.entries().count()).sum()
    }

    /// The most frequent values over the window.
    pub fn top(&self) -> Top {
        let list = |i: usize| sketch::top(self.in_window().map(|m| &m.top[i]), TOP);
        Top {
            path: list(0),
            host: list(1),
            addr: list(2),
            ua: list(3),
            upstream: list(4),
        }
    }
}

fn push(points: &mut VecDeque<Point>, p: Point, cap: usize) {
    if points.len() == cap {
        points.pop_front();
    }
    points.push_back(p);
}
