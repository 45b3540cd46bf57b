//! A top list over several sketches (the window's minutes), with the bound
//! of each count. A minute's sketch gives a value held its count, over the
//! true one by at most its error; a value it does not hold was seen at most
//! its floor times that minute. So over the minutes a value's true count is
//! at most its counts plus the floors of the minutes that do not hold it
//! (the count listed), and at least that less its errors and those floors
//! (the error listed). The list is ranked by the count listed, so a value
//! not listed was seen at most as often as the last one listed says. While
//! no minute had more distinct values than a sketch has places, every
//! error is 0 and every count exact.

use std::collections::HashMap;

use super::sketch::Sketch;

/// A value listed: its count (never below the true one) and the most that
/// count is over the true one.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub value: String,
    pub count: u64,
    pub error: u64,
}

/// What the minutes say of a value: its counts, its errors, and the floors
/// of the minutes that hold it.
#[derive(Default)]
struct Sum {
    count: u64,
    error: u64,
    held_floors: u64,
}

/// The `n` values with the highest counts over `sketches`, highest first
/// (ties by value, so that the order is stable).
pub fn top<'a>(sketches: impl Iterator<Item = &'a Sketch>, n: usize) -> Vec<Listed> {
    let sketches: Vec<&Sketch> = sketches.collect();
    // Room for every value at once: no growing on the way.
    let held = sketches.iter().map(|s| s.len()).sum();
    let mut sums: HashMap<&[u8], Sum, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(held, Default::default());
    let mut floors = 0;
    for s in sketches {
        let floor = s.floor();
        floors += floor;
        for (v, c, e) in s.entries() {
            let sum = sums.entry(v).or_default();
            sum.count += c;
            sum.error += e;
            sum.held_floors += floor;
        }
    }
    let mut all: Vec<(&[u8], u64, u64)> = sums
        .into_iter()
        .map(|(v, s)| {
            let missed = floors - s.held_floors;
            (v, s.count + missed, s.error + missed)
        })
        .collect();
    let order = |a: &(&[u8], u64, u64), b: &(&[u8], u64, u64)| b.1.cmp(&a.1).then(a.0.cmp(b.0));
    if all.len() > n {
        all.select_nth_unstable_by(n, order);
        all.truncate(n);
    }
    all.sort_unstable_by(order);
    all.into_iter()
        .map(|(v, count, error)| Listed {
            value: String::from_utf8_lossy(v).into_owned(),
            count,
            error,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::sketch::CAPACITY;

    fn listed(value: &str, count: u64, error: u64) -> Listed {
        Listed {
            value: value.into(),
            count,
            error,
        }
    }

    #[test]
    fn sketches_merge_exactly_while_none_is_full() {
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        ["/a", "/a", "/b"].iter().for_each(|v| a.add(v.as_bytes()));
        ["/b", "/b", "/c"].iter().for_each(|v| b.add(v.as_bytes()));
        let t = top([&a, &b].into_iter(), 2);
        assert_eq!(t, vec![listed("/b", 3, 0), listed("/a", 2, 0)]);
    }

    #[test]
    fn a_full_minute_adds_its_floor_to_the_values_it_does_not_hold() {
        let (mut full, mut other) = (Sketch::default(), Sketch::default());
        for i in 0..CAPACITY {
            full.add(format!("v{i}").as_bytes());
            full.add(format!("v{i}").as_bytes());
        }
        full.add(b"late");
        (0..5).for_each(|_| other.add(b"elsewhere"));
        let t = top([&full, &other].into_iter(), CAPACITY + 2);
        let of = |v: &str| t.iter().find(|l| l.value == v).cloned();
        // `late` took a place counted twice; `elsewhere` may have been seen
        // twice in the full minute without being held.
        assert_eq!(of("late"), Some(listed("late", 3, 2)));
        assert_eq!(of("elsewhere"), Some(listed("elsewhere", 7, 2)));
    }
}
