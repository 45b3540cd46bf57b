//! The most frequent values of a field, in bounded memory: the space-saving
//! algorithm (Metwally et al.). It holds `CAPACITY` values; a new value
//! takes the place of the least counted one and inherits its count, so a
//! count is never below the true one, and is exact while there have been no
//! more distinct values than places.

use std::collections::HashMap;
use std::hash::BuildHasher;

/// Values held per sketch.
pub const CAPACITY: usize = 64;
/// Longer values are counted by their first this many bytes.
pub const MAX_VALUE: usize = 256;

#[derive(Default)]
pub struct Sketch {
    /// Hash of a value to its place. Values whose hashes collide are rare
    /// and harmless: the second is not counted.
    places: HashMap<u64, u8>,
    values: Vec<Vec<u8>>,
    counts: Vec<u64>,
    hasher: foldhash::fast::RandomState,
}

impl Sketch {
    pub fn add(&mut self, value: &[u8]) {
        let value = &value[..value.len().min(MAX_VALUE)];
        let hash = self.hasher.hash_one(value);
        if let Some(&i) = self.places.get(&hash) {
            if self.values[i as usize] == value {
                self.counts[i as usize] += 1;
            }
            return;
        }
        if self.values.len() < CAPACITY {
            self.places.insert(hash, self.values.len() as u8);
            self.values.push(value.to_vec());
            self.counts.push(1);
            return;
        }
        self.replace_least(hash, value);
    }

    fn replace_least(&mut self, hash: u64, value: &[u8]) {
        let (i, _) = self
            .counts
            .iter()
            .enumerate()
            .min_by_key(|(_, c)| **c)
            .expect("the sketch is full");
        let old = self.hasher.hash_one(&self.values[i][..]);
        self.places.remove(&old);
        self.places.insert(hash, i as u8);
        self.values[i].clear();
        self.values[i].extend_from_slice(value);
        self.counts[i] += 1;
    }

    /// Every value held, with its count.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.values.iter().map(Vec::as_slice).zip(self.counts.iter().copied())
    }

    pub fn clear(&mut self) {
        self.places.clear();
        self.values.clear();
        self.counts.clear();
    }
}

/// The `n` most frequent values over several sketches, most frequent first
/// (ties by value, so that the order is stable).
pub fn top<'a>(sketches: impl Iterator<Item = &'a Sketch>, n: usize) -> Vec<(String, u64)> {
    let mut sums: HashMap<&[u8], u64> = HashMap::new();
    for s in sketches {
        for (v, c) in s.entries() {
            *sums.entry(v).or_default() += c;
        }
    }
    let mut all: Vec<_> = sums.into_iter().collect();
    all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    all.truncate(n);
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
