//! What a second or a minute adds up: the counts of its lines, and the
//! histograms of their durations. The second being counted and the minutes
//! of the window hold full histograms ([`Sums`]); a second that has ended
//! keeps compact ones ([`Second`]), which a line that arrives late still
//! adds to. A [`Minute`] also keeps its status counts and top-list sketches.

use super::histogram::{Compact, Histogram};
use super::sketch::Sketch;
use crate::protocol::Point;

/// Statuses are counted one by one from 100 to 599.
pub const STATUSES: usize = 500;

/// What the statistics take from one line that fit its layout.
#[derive(Clone, Copy, Default)]
pub struct Line {
    pub status: Option<u16>,
    pub bytes: Option<u64>,
    pub rt: Option<u64>,
    pub ut: Option<u64>,
}

/// The counts of a second or a minute.
#[derive(Clone, Copy, Default)]
pub struct Counts {
    pub n: u64,
    pub bad: u64,
    pub bytes: u64,
    pub classes: [u64; 5],
    /// Lines counted in their own second after it had ended.
    pub late: u64,
    /// Lines counted here when read, their own time being before the window.
    pub old: u64,
}

impl Counts {
    fn line(&mut self, l: &Line) {
        self.n += 1;
        if let Some(st) = l.status {
            self.classes[usize::from(st / 100 - 1)] += 1;
        }
        self.bytes += l.bytes.unwrap_or(0);
    }

    fn merge(&mut self, o: &Counts) {
        (self.n, self.bad, self.bytes) = (self.n + o.n, self.bad + o.bad, self.bytes + o.bytes);
        (self.late, self.old) = (self.late + o.late, self.old + o.old);
        for (a, b) in self.classes.iter_mut().zip(o.classes) {
            *a += b;
        }
    }

    fn point(&self, t: u64, rt: Option<[f64; 3]>, ut: Option<[f64; 3]>) -> Point {
        let c = *self;
        let (n, bad, bytes, classes, late, old) = (c.n, c.bad, c.bytes, c.classes, c.late, c.old);
        Point {
            t,
            n,
            bad,
            bytes,
            classes,
            rt,
            ut,
            late,
            old,
        }
    }
}

/// The counts and full histograms of the second being counted, or of a minute.
#[derive(Clone, Default)]
pub struct Sums {
    pub counts: Counts,
    rt: Histogram,
    ut: Histogram,
}

impl Sums {
    pub fn line(&mut self, l: &Line) {
        self.counts.line(l);
        l.rt.inspect(|&ms| self.rt.add(ms));
        l.ut.inspect(|&ms| self.ut.add(ms));
    }

    pub fn merge(&mut self, o: &Sums) {
        self.counts.merge(&o.counts);
        self.rt.merge(&o.rt);
        self.ut.merge(&o.ut);
    }

    pub fn memory(&self) -> usize {
        self.rt.memory() + self.ut.memory()
    }

    pub fn point(&self, t: u64) -> Point {
        self.counts.point(t, self.rt.percentiles(), self.ut.percentiles())
    }

    /// The percentiles of the request and upstream times.
    pub fn percentiles(&self) -> (Option<[f64; 3]>, Option<[f64; 3]>) {
        (self.rt.percentiles(), self.ut.percentiles())
    }

    /// Ends the second these sums hold, `t`: what it keeps. The sums are cleared.
    pub fn end(&mut self, t: u64) -> Second {
        let second = Second {
            t,
            counts: self.counts,
            rt: Compact::of(&self.rt),
            ut: Compact::of(&self.ut),
        };
        self.clear();
        second
    }

    fn clear(&mut self) {
        self.counts = Counts::default();
        self.rt.clear();
        self.ut.clear();
    }
}

/// A second that has ended.
#[derive(Clone, Default)]
pub struct Second {
    pub t: u64,
    pub counts: Counts,
    rt: Compact,
    ut: Compact,
}

impl Second {
    pub fn empty(t: u64) -> Second {
        Second { t, ..Second::default() }
    }

    /// Counts a line that arrived after the second ended.
    pub fn late(&mut self, l: &Line) {
        self.counts.line(l);
        self.counts.late += 1;
        l.rt.inspect(|&ms| self.rt.add(ms));
        l.ut.inspect(|&ms| self.ut.add(ms));
    }

    pub fn point(&self) -> Point {
        self.counts.point(self.t, self.rt.percentiles(), self.ut.percentiles())
    }

    pub fn memory(&self) -> usize {
        size_of::<Second>() + self.rt.memory() + self.ut.memory()
    }
}

/// What a minute keeps for the window's totals.
#[derive(Default)]
pub struct Minute {
    pub t: u64,
    pub sums: Sums,
    pub status: Vec<u64>,
    /// Path, host, address, user agent, upstream.
    pub top: [Sketch; 5],
}

impl Minute {
    /// An empty minute starting at `t`.
    pub fn new(t: u64) -> Minute {
        let mut m = Minute::default();
        m.clear(t);
        m
    }

    /// Counts a line's status and top values (its sums are the caller's).
    pub fn values(&mut self, l: &Line, found: [Option<&[u8]>; 5]) {
        if let Some(st) = l.status {
            self.status[usize::from(st - 100)] += 1;
        }
        for (sketch, value) in self.top.iter_mut().zip(found) {
            value.inspect(|x| sketch.add(x));
        }
    }

    pub fn memory(&self) -> usize {
        let sketches: usize = self.top.iter().map(Sketch::memory).sum();
        size_of::<Minute>() + self.sums.memory() + self.status.capacity() * 8 + sketches
    }

    /// Empties the minute for reuse as the one starting at `t`.
    pub fn clear(&mut self, t: u64) {
        self.t = t;
        self.sums.clear();
        self.status.clear();
        self.status.resize(STATUSES, 0);
        self.top.iter_mut().for_each(Sketch::clear);
    }
}
