//! Where a stream's numbered lines are in its files: the bridge from a `seq`
//! that a client holds to a position on disk, for paging back from the
//! oldest line in memory (`/history?before=seq:S`).
//!
//! The follower records a *place* whenever the next line's position cannot
//! be derived from the last place: when it starts reading another file,
//! after a truncation or a hole, and at least every `SPACING` bytes of one
//! file. A place says "line `seq` starts at `offset` in the file `mark`
//! names"; every later line up to the next place follows in the same file,
//! one newline further on each. So line `S` is found by reading `S - seq`
//! newlines on from the place before it: at most `SPACING` bytes.
//!
//! Cost: at most `CAPACITY` places (about 50 bytes each) per stream, taken
//! only at those discontinuities, so following pays one comparison per read.
//! The oldest places are dropped first; a `seq` older than the oldest place
//! is no longer mappable.

use std::collections::VecDeque;

use crate::state::FileMark;

/// A place is recorded at least every this many bytes of one file.
pub const SPACING: u64 = 1 << 20;
/// Places kept per stream.
const CAPACITY: usize = 1024;

/// Line `seq` starts at `mark.offset` in the file that `mark` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub seq: u64,
    pub mark: FileMark,
}

/// A stream's places, oldest first, in increasing `seq`.
#[derive(Debug, Default)]
pub struct Places {
    places: VecDeque<Place>,
}

impl Places {
    /// Records a place; one for the same `seq` replaces the last one (no line came between).
    pub fn push(&mut self, place: Place) {
        if let Some(last) = self.places.back_mut() {
            if last.seq == place.seq {
                *last = place;
                return;
            }
            if last.seq > place.seq {
                // A stream that starts its numbering again (refilled history): start afresh.
                self.places.clear();
            }
        }
        self.places.push_back(place);
        if self.places.len() > CAPACITY {
            self.places.pop_front();
        }
    }

    /// Every place with the number of lines it covers (up to the next place, or to `next_seq`).
    pub fn all(&self, next_seq: u64) -> Vec<(Place, u64)> {
        let ends = self.places.iter().skip(1).map(|p| p.seq).chain([next_seq]);
        self.places
            .iter()
            .zip(ends)
            .map(|(p, end)| (*p, end.saturating_sub(p.seq)))
            .collect()
    }

    /// The place at or before line `seq`, and how many lines on from it
    /// `seq` is; `None` if `seq` is older than every place or not below `next_seq`.
    pub fn locate(&self, seq: u64, next_seq: u64) -> Option<(Place, u64)> {
        if seq >= next_seq {
            return None;
        }
        let i = self.places.partition_point(|p| p.seq <= seq).checked_sub(1)?;
        let place = self.places[i];
        Some((place, seq - place.seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(seq: u64, ino: u64, offset: u64) -> Place {
        let head = crate::state::Head { len: 0, hash: 0 };
        Place {
            seq,
            mark: FileMark::new(1, ino, head, offset),
        }
    }

    #[test]
    fn a_seq_maps_to_the_place_before_it() {
        let mut p = Places::default();
        p.push(place(10, 1, 0));
        p.push(place(20, 2, 0));
        p.push(place(25, 1, 500));
        assert_eq!(p.locate(9, 30), None, "older than every place");
        assert_eq!(p.locate(10, 30), Some((place(10, 1, 0), 0)));
        assert_eq!(p.locate(19, 30), Some((place(10, 1, 0), 9)));
        assert_eq!(p.locate(24, 30), Some((place(20, 2, 0), 4)));
        assert_eq!(p.locate(29, 30), Some((place(25, 1, 500), 4)));
        assert_eq!(p.locate(30, 30), None, "not read yet");
        let counts: Vec<u64> = p.all(30).iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [10, 5, 5]);
    }

    #[test]
    fn same_seq_replaces_and_capacity_bounds() {
        let mut p = Places::default();
        p.push(place(1, 1, 0));
        p.push(place(1, 2, 7));
        assert_eq!(p.locate(1, 2), Some((place(1, 2, 7), 0)));
        for i in 2..(CAPACITY as u64 + 10) {
            p.push(place(i, 1, i));
        }
        assert_eq!(p.places.len(), CAPACITY);
        assert_eq!(p.locate(5, u64::MAX), None, "dropped");
        p.push(place(1, 3, 0));
        assert_eq!(p.places.len(), 1, "numbering started again");
    }
}
