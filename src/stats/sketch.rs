//! The most frequent values of a field, in bounded memory: the space-saving
//! algorithm (Metwally et al.). It holds `CAPACITY` values; a new value
//! takes the place of the least counted one and inherits its count, so a
//! count is never below the true one, and is exact while there have been no
//! more distinct values than places.

use std::collections::HashMap;
use std::hash::BuildHasher;

use super::places::{Found, PLACES, Places};

/// Values held per sketch: as many as the index has places.
pub const CAPACITY: usize = PLACES;
/// Longer values are counted by their first this many bytes.
pub const MAX_VALUE: usize = 256;

#[derive(Default)]
pub struct Sketch {
    /// Hash of a value to its place. A value is known by its 64-bit hash
    /// alone: two values with the same hash (a chance of 2⁻⁶⁴ for any pair,
    /// the hasher's keys being random) would share a count.
    places: Places,
    values: Vec<Vec<u8>>,
    hashes: Vec<u64>,
    counts: Vec<u64>,
    /// Never above the smallest count; where to look for it next.
    least: u64,
    cursor: usize,
    hasher: foldhash::fast::RandomState,
}

impl Sketch {
    pub fn add(&mut self, value: &[u8]) {
        let value = &value[..value.len().min(MAX_VALUE)];
        let hash = self.hasher.hash_one(value);
        match self.places.find(hash, &self.hashes) {
            Found::Place(i) => self.counts[i] += 1,
            Found::Empty(slot) if self.values.len() < CAPACITY => {
                self.places.insert(slot, self.values.len());
                self.values.push(value.to_vec());
                self.hashes.push(hash);
                self.counts.push(1);
            }
            Found::Empty(_) => self.replace_least(hash, value),
        }
    }

    /// Puts `value`, whose `hash` is not held, in the place of a least counted one.
    fn replace_least(&mut self, hash: u64, value: &[u8]) {
        let i = self.least();
        self.places.remove(i, &self.hashes);
        // The removal may have moved the slots of the new hash's run.
        let Found::Empty(slot) = self.places.find(hash, &self.hashes) else {
            unreachable!("a hash looked for and not found is found after a removal");
        };
        self.places.insert(slot, i);
        self.hashes[i] = hash;
        self.values[i].clear();
        self.values[i].extend_from_slice(value);
        self.counts[i] += 1;
    }

    /// A place with the smallest count. Counts only grow, so `least` stays
    /// a lower bound: a place holding it is found by going on from the last
    /// one (each value new to a full sketch takes one), and only when none
    /// holds it any more is the smallest count looked for again.
    fn least(&mut self) -> usize {
        loop {
            let n = self.counts.len();
            // From the cursor to the end, then from the start: no division per place.
            let found = (self.cursor..n)
                .chain(0..self.cursor)
                .find(|&i| self.counts[i] == self.least);
            if let Some(i) = found {
                self.cursor = if i + 1 == n { 0 } else { i + 1 };
                return i;
            }
            self.least = self.counts.iter().copied().min().expect("the sketch is full");
        }
    }

    /// Every value held, with its count.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.values.iter().map(Vec::as_slice).zip(self.counts.iter().copied())
    }

    /// Bytes held: the values' buffers, the counts and the index.
    pub fn memory(&self) -> usize {
        let values: usize = self.values.iter().map(|v| v.capacity() + size_of::<Vec<u8>>()).sum();
        let index = self.places.memory();
        values + (self.counts.capacity() + self.hashes.capacity()) * 8 + index
    }

    pub fn clear(&mut self) {
        self.places.clear();
        self.values.clear();
        self.hashes.clear();
        self.counts.clear();
        (self.least, self.cursor) = (0, 0);
    }
}

/// The `n` most frequent values over several sketches, most frequent first
/// (ties by value, so that the order is stable).
pub fn top<'a>(sketches: impl Iterator<Item = &'a Sketch>, n: usize) -> Vec<(String, u64)> {
    let mut sums: HashMap<&[u8], u64, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(1024, Default::default());
    for s in sketches {
        for (v, c) in s.entries() {
            *sums.entry(v).or_default() += c;
        }
    }
    let mut all: Vec<_> = sums.into_iter().collect();
    let order = |a: &(&[u8], u64), b: &(&[u8], u64)| b.1.cmp(&a.1).then(a.0.cmp(b.0));
    if all.len() > n {
        all.select_nth_unstable_by(n, order);
        all.truncate(n);
    }
    all.sort_unstable_by(order);
    all.into_iter()
        .map(|(v, c)| (String::from_utf8_lossy(v).into_owned(), c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_while_there_are_places() {
        let mut s = Sketch::default();
        for i in 0..CAPACITY {
            for _ in 0..=i {
                s.add(format!("/p{i}").as_bytes());
            }
        }
        let t = top([&s].into_iter(), 3);
        assert_eq!(t, vec![("/p63".into(), 64), ("/p62".into(), 63), ("/p61".into(), 62)]);
    }

    #[test]
    fn heavy_hitters_survive_a_flood_of_distinct_values() {
        let mut s = Sketch::default();
        for i in 0..100_000u32 {
            s.add(format!("10.0.{}.{}", i / 256, i % 256).as_bytes());
            if i % 10 == 0 {
                s.add(b"203.0.113.7");
            }
        }
        let t = top([&s].into_iter(), 1);
        assert_eq!(t[0].0, "203.0.113.7");
        assert!(t[0].1 >= 10_000, "never below the true count: {}", t[0].1);
    }

    #[test]
    fn long_values_are_cut_and_sketches_merge() {
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        let long = vec![b'x'; 1000];
        a.add(&long);
        b.add(&long[..600]);
        b.add(b"y");
        let t = top([&a, &b].into_iter(), 10);
        assert_eq!(t, vec![("x".repeat(MAX_VALUE), 2), ("y".into(), 1)]);
    }

    proptest! {
        /// Space-saving's guarantees, against exact counts of a stream
        /// whose values recur at every rate: the counts add up to the
        /// values added, none is below its value's true count, and a value
        /// seen more often than once per place is held.
        #[test]
        fn counts_keep_the_space_saving_guarantees(
            stream in proptest::collection::vec((0u32..3, 0u32..400), 0..3000)
        ) {
            let mut s = Sketch::default();
            let mut exact: HashMap<Vec<u8>, u64> = HashMap::new();
            for (kind, n) in stream {
                // Kind 0 repeats a few values, 1 some more, 2 many.
                let v = format!("v{}", n % [4, 40, 400][kind as usize]).into_bytes();
                s.add(&v);
                *exact.entry(v).or_default() += 1;
            }
            let total: u64 = exact.values().sum();
            prop_assert_eq!(s.entries().map(|(_, c)| c).sum::<u64>(), total);
            let held: HashMap<&[u8], u64> = s.entries().collect();
            for (v, &n) in &exact {
                match held.get(v.as_slice()) {
                    Some(&c) => prop_assert!(c >= n, "{c} < {n}"),
                    None => prop_assert!(n * CAPACITY as u64 <= total, "{n} of {total} not held"),
                }
            }
            if exact.len() <= CAPACITY {
                prop_assert_eq!(held.len(), exact.len());
                prop_assert!(exact.iter().all(|(v, n)| held[v.as_slice()] == *n));
            }
        }
    }
}
