//! A stream's numbers over time, by each line's own time: the second being
//! counted, the seconds that ended (the last 10 minutes of them), the
//! window's minutes (the current one and the 9 before it, with their
//! status counts and sketches) and the points of the last hour's minutes.
//!
//! Where a line counts ([`Window::place`]): a line whose time falls in a
//! second that has ended and whose minute is still in the window arrived
//! late; it counts in that second and that minute, both are marked changed,
//! and the next tick sends their points again. Every other line counts in
//! the second being counted: one of that second or after it (a clock a
//! little ahead, or a line read in the moment before its second begins
//! here), one without a time (or a bad line), and one older than the
//! window, which the point's `old` also counts. The counts since start
//! ([`Totals`]) count every line once, wherever it was placed.

use std::collections::{BTreeSet, VecDeque};

use super::sums::{Line, Minute, STATUSES, Second, Sums};
use super::top::{self, Listed};
use super::totals::Totals;
use crate::protocol::{Latency, Point};

/// Points kept per second, and per minute.
pub const SECONDS: usize = 600;
pub const MINUTES: usize = 60;
/// Minutes that `status`, `latency` and `top` cover: the current one and those before it.
pub const WINDOW_MINUTES: usize = 10;
/// Entries in each top list.
const TOP: usize = 10;

/// Where a line counts.
enum Place {
    /// The second being counted; `old` if its own time is before the window.
    Open { old: bool },
    /// A second that has ended, in a minute of the window.
    Late(u64),
}

pub struct Window {
    /// The second being counted (unix seconds).
    open: u64,
    second: Sums,
    /// Seconds that ended, oldest first, none older than `SECONDS` before
    /// `open`; a second no line fell in may be missing.
    seconds: VecDeque<Second>,
    /// The current minute, and the window's minutes before it, oldest first
    /// (`past[i]` starts `60 * (WINDOW_MINUTES - 1 - i)` seconds before it).
    minute: Minute,
    past: VecDeque<Minute>,
    /// Points of the minutes that ended, oldest first (the last `MINUTES`).
    pub minutes: VecDeque<Point>,
    /// Ended seconds and minutes changed by late lines since the last tick.
    changed_seconds: BTreeSet<u64>,
    changed_minutes: BTreeSet<u64>,
    /// Whether the window's minutes changed since [`Window::take_changed`].
    changed: bool,
    pub totals: Totals,
}

impl Window {
    /// A window whose second being counted is `now`, its minutes before empty.
    pub fn new(now: u64) -> Window {
        let minute = now / 60 * 60;
        let past = (1..WINDOW_MINUTES as u64).rev();
        Window {
            open: now,
            second: Sums::default(),
            seconds: VecDeque::new(),
            minute: Minute::new(minute),
            past: past.map(|k| Minute::new(minute.saturating_sub(60 * k))).collect(),
            minutes: VecDeque::new(),
            changed_seconds: BTreeSet::new(),
            changed_minutes: BTreeSet::new(),
            changed: true,
            totals: Totals::default(),
        }
    }

    /// Where a line whose own time is `t` (unix seconds, if it has one) counts.
    fn place(&self, t: Option<u64>) -> Place {
        match t {
            Some(t) if t < self.open && t >= self.past[0].t => Place::Late(t),
            Some(t) => Place::Open {
                old: t < self.past[0].t,
            },
            None => Place::Open { old: false },
        }
    }

    /// Counts a line that does not fit its layout (it has no time).
    pub fn bad(&mut self) {
        self.second.counts.bad += 1;
        self.totals.bad += 1;
    }

    /// Counts `n` lines of a layout without values (an error log, plain text).
    pub fn count(&mut self, n: u64) {
        self.second.counts.n += n;
        self.totals.fieldless += n;
    }

    /// Counts a line whose own time is `t`, with its top values (path,
    /// host, address, user agent, upstream) and its method.
    pub fn add(&mut self, l: &Line, t: Option<u64>, found: [Option<&[u8]>; 5], method: Option<&[u8]>) {
        self.changed = true;
        match self.place(t) {
            Place::Open { old } => {
                self.second.line(l);
                self.second.counts.old += u64::from(old);
                self.minute.values(l, found);
            }
            Place::Late(t) => {
                self.second_at(t).late(l);
                let minute = self.minute_of(t);
                minute.sums.line(l);
                minute.sums.counts.late += 1;
                minute.values(l, found);
                self.changed_seconds.insert(t);
                if t / 60 * 60 != self.minute.t {
                    self.changed_minutes.insert(t / 60 * 60);
                }
            }
        }
        self.totals.add(l.status, method, l.bytes, l.rt, l.ut);
    }

    /// The ended second `t` (kept, or made), in the window.
    fn second_at(&mut self, t: u64) -> &mut Second {
        let i = self.seconds.partition_point(|s| s.t < t);
        if self.seconds.get(i).is_none_or(|s| s.t != t) {
            self.seconds.insert(i, Second::empty(t));
        }
        &mut self.seconds[i]
    }

    /// The window's minute that holds second `t`.
    fn minute_of(&mut self, t: u64) -> &mut Minute {
        let m = t / 60 * 60;
        if m == self.minute.t {
            return &mut self.minute;
        }
        let i = ((m - self.past[0].t) / 60) as usize;
        &mut self.past[i]
    }

    /// Ends the second being counted if `now` is after it, and starts `now`.
    /// The seconds and minutes to send: those that late lines changed since
    /// the last tick, and the second and minute that ended, oldest first.
    pub fn tick(&mut self, now: u64) -> (Vec<Point>, Vec<Point>) {
        let (mut ended_second, mut ended_minute) = (None, None);
        if now > self.open {
            self.minute.sums.merge(&self.second);
            let second = self.second.end(self.open);
            ended_second = Some(second.point());
            self.seconds.push_back(second);
            while self.seconds.front().is_some_and(|s| s.t + (SECONDS as u64) < now) {
                self.seconds.pop_front();
            }
            self.open = now;
            ended_minute = self.next_minutes(now / 60 * 60);
        }
        let changed = std::mem::take(&mut self.changed_seconds);
        let mut seconds: Vec<Point> = changed.into_iter().filter_map(|t| self.second_point(t)).collect();
        seconds.extend(ended_second);
        let changed = std::mem::take(&mut self.changed_minutes);
        let mut minutes: Vec<Point> = changed
            .into_iter()
            .filter_map(|t| self.past.iter().find(|m| m.t == t))
            .map(|m| m.sums.point(m.t))
            .collect();
        minutes.extend(ended_minute);
        minutes.iter().for_each(|p| upsert(&mut self.minutes, p.clone()));
        (seconds, minutes)
    }

    fn second_point(&self, t: u64) -> Option<Point> {
        let i = self.seconds.partition_point(|s| s.t < t);
        self.seconds.get(i).filter(|s| s.t == t).map(Second::point)
    }

    /// Moves the current minute on to `t` if it starts later: the minutes
    /// between come and go empty. The point of the minute that ended.
    fn next_minutes(&mut self, t: u64) -> Option<Point> {
        if t <= self.minute.t {
            return None;
        }
        self.changed = true;
        let point = self.minute.sums.point(self.minute.t);
        let steps = ((t - self.minute.t) / 60).min(WINDOW_MINUTES as u64);
        for k in (0..steps).rev() {
            let mut fresh = self.past.pop_front().expect("the window has past minutes");
            fresh.clear(t.saturating_sub(60 * k));
            let done = std::mem::replace(&mut self.minute, fresh);
            self.past.push_back(done);
        }
        // After a long gap the past minutes have been cleared along the way.
        for (i, m) in self.past.iter_mut().enumerate() {
            let want = t.saturating_sub(60 * (WINDOW_MINUTES - 1 - i) as u64);
            if m.t != want {
                m.clear(want);
            }
        }
        Some(point)
    }

    /// Whether lines were added or a minute left the window since the last
    /// call: if not, the window's status counts, percentiles and top lists
    /// are those of the last call.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Every ended second kept, oldest first.
    pub fn seconds(&self) -> Vec<Point> {
        self.seconds.iter().map(Second::point).collect()
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
        let (rt, ut) = sums.percentiles();
        Latency { rt, ut }
    }

    /// The most frequent values over the window, for path, host, address,
    /// user agent and upstream, with their errors.
    pub fn top(&self) -> [Vec<Listed>; 5] {
        std::array::from_fn(|i| top::top(self.in_window().map(|m| &m.top[i]), TOP))
    }

    /// Bytes held, counted from the buffers' capacities.
    pub fn memory(&self) -> usize {
        let seconds: usize = self.seconds.iter().map(Second::memory).sum();
        let seconds = seconds + (self.seconds.capacity() - self.seconds.len()) * size_of::<Second>();
        let minutes = self.minutes.capacity() * size_of::<Point>();
        let window: usize = self.in_window().map(Minute::memory).sum();
        size_of::<Window>() + self.second.memory() + seconds + minutes + window + self.totals.memory()
    }

    /// The values held by the sketches of the current minute.
    #[cfg(test)]
    pub fn held_values(&self) -> usize {
        self.minute.top.iter().map(|s| s.entries().count()).sum()
    }
}

/// Puts `p` among `points` (by `t`, the last `MINUTES`), replacing one with its `t`.
fn upsert(points: &mut VecDeque<Point>, p: Point) {
    let i = points.partition_point(|q| q.t < p.t);
    match points.get_mut(i) {
        Some(q) if q.t == p.t => *q = p,
        _ => points.insert(i, p),
    }
    while points.len() > MINUTES {
        points.pop_front();
    }
}
