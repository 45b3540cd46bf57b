//! A report's counts over time, in at most `MAX_POINTS` equal steps. The
//! step starts at one second and doubles whenever the lines counted would
//! span more steps than that, merging neighbours, so the series fits any
//! range, from a minute to years, in bounded memory, without knowing the
//! range beforehand.

use std::collections::BTreeMap;

use crate::protocol::report::{Series as SeriesMessage, SeriesPoint};

/// Steps a series has at most.
pub const MAX_POINTS: u64 = 2048;

pub struct Series {
    step: u64,
    /// Points by their start divided by `step`.
    points: BTreeMap<u64, SeriesPoint>,
}

impl Default for Series {
    fn default() -> Series {
        Series {
            step: 1,
            points: BTreeMap::new(),
        }
    }
}

impl Series {
    /// The point of time `t` (unix seconds), made wider first if needed.
    pub fn at(&mut self, t: u64) -> &mut SeriesPoint {
        while self.span_with(t / self.step) > MAX_POINTS {
            self.widen();
        }
        self.points.entry(t / self.step).or_default()
    }

    fn span_with(&self, k: u64) -> u64 {
        let lo = self.points.first_key_value().map_or(k, |(&a, _)| a.min(k));
        let hi = self.points.last_key_value().map_or(k, |(&b, _)| b.max(k));
        hi - lo + 1
    }

    fn widen(&mut self) {
        self.step *= 2;
        let old = std::mem::take(&mut self.points);
        for (k, p) in old {
            let into = self.points.entry(k / 2).or_default();
            into.n += p.n;
            into.bad += p.bad;
            into.bytes += p.bytes;
            for (a, b) in into.classes.iter_mut().zip(p.classes) {
                *a += b;
            }
        }
    }

    /// Every step from the first counted to the last, empty ones too.
    pub fn message(&self) -> SeriesMessage {
        let (Some((&lo, _)), Some((&hi, _))) = (self.points.first_key_value(), self.points.last_key_value()) else {
            return SeriesMessage {
                start: 0,
                step: self.step,
                points: Vec::new(),
            };
        };
        let points = (lo..=hi)
            .map(|k| self.points.get(&k).copied().unwrap_or_default())
            .collect();
        SeriesMessage {
            start: lo * self.step,
            step: self.step,
            points,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_doubles_to_keep_the_span_bounded_and_nothing_is_lost() {
        let mut s = Series::default();
        s.at(1_000).n += 1;
        s.at(1_001).n += 1;
        assert_eq!(s.message().step, 1);
        assert_eq!(s.message().points.len(), 2);
        // A line a day later: the step grows until the day fits.
        s.at(1_000 + 86_400).n += 1;
        let m = s.message();
        assert!(m.points.len() as u64 <= MAX_POINTS && m.step >= 86_400 / MAX_POINTS);
        assert_eq!(m.points.iter().map(|p| p.n).sum::<u64>(), 3);
        assert!(m.start <= 1_000 && m.start + m.step * m.points.len() as u64 > 1_000 + 86_400);
        // Even a hostile time far off stays bounded.
        s.at(u64::MAX / 2).n += 1;
        assert!(s.message().points.len() as u64 <= MAX_POINTS);
        assert_eq!(s.message().points.iter().map(|p| p.n).sum::<u64>(), 4);
    }
}
