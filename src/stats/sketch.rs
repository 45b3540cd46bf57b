//! The most frequent values of a field, in bounded memory: the space-saving
//! algorithm (Metwally et al.). It holds `CAPACITY` values; a new value
//! takes the place of the least counted one and inherits its count, so a
//! count is never below the true one, and is exact while there have been no
//! more distinct values than places.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// Values held per sketch.
pub const CAPACITY: usize = 64;
/// Longer values are counted by their first this many bytes.
pub const MAX_VALUE: usize = 256;

#[derive(Default)]
pub struct Sketch {
    /// Hash of a value to its place. A value is known by its 64-bit hash
    /// alone: two values with the same hash (a chance of 2⁻⁶⁴ for any pair,
    /// the hasher's keys being random) would share a count.
    places: HashMap<u64, u8, BuildHasherDefault<Hashed>>,
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
        if let Some(&i) = self.places.get(&hash) {
            self.counts[i as usize] += 1;
            return;
        }
        if self.values.len() < CAPACITY {
            self.places.insert(hash, self.values.len() as u8);
            self.values.push(value.to_vec());
            self.hashes.push(hash);
            self.counts.push(1);
            return;
        }
        self.replace_least(hash, value);
    }

    fn replace_least(&mut self, hash: u64, value: &[u8]) {
        let i = self.least();
        self.places.remove(&self.hashes[i]);
        self.places.insert(hash, i as u8);
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
            let found = (0..n)
                .map(|k| (self.cursor + k) % n)
                .find(|&i| self.counts[i] == self.least);
            if let Some(i) = found {
                self.cursor = (i + 1) % n;
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
        let index = self.places.capacity() * (size_of::<(u64, u8)>() + 1);
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

/// The places' keys are hashes already: they are used as they are.
#[derive(Default)]
struct Hashed(u64);

impl Hasher for Hashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |h, &b| h.rotate_left(8) ^ u64::from(b));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
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
}
