//! The most frequent values of a field, in bounded memory: the space-saving
//! algorithm (Metwally et al.). It holds `CAPACITY` values; a new value
//! takes the place of the least counted one and inherits its count, so a
//! count is never below the true one, and is over it by at most the count
//! inherited (the value's `error`). While there have been no more distinct
//! values than places, every count is exact (every error 0); once full, a
//! value not held has been seen at most [`Sketch::floor`] times.

use std::hash::{BuildHasher, Hasher};

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
    /// The count each value inherited when it took its place.
    errors: Vec<u64>,
    /// Whether a value has taken another's place (some value is not held).
    replaced: bool,
    /// Never above the smallest count; where to look for it next.
    least: u64,
    cursor: usize,
    hasher: foldhash::fast::RandomState,
}

impl Sketch {
    pub fn add(&mut self, value: &[u8]) {
        let value = &value[..value.len().min(MAX_VALUE)];
        // The bytes alone: a value's length need not be hashed too, as
        // `hash_one` of a slice would (values are not concatenated).
        let mut hasher = self.hasher.build_hasher();
        hasher.write(value);
        let hash = hasher.finish();
        match self.places.find(hash, &self.hashes) {
            Found::Place(i) => self.counts[i] += 1,
            Found::Empty(slot) if self.values.len() < CAPACITY => {
                self.values.push(value.to_vec());
                self.hashes.push(hash);
                self.counts.push(1);
                self.errors.push(0);
                self.places.insert(slot, self.values.len() - 1, &self.hashes);
            }
            Found::Empty(_) => self.replace_least(hash, value),
        }
    }

    /// Puts `value`, whose `hash` is not held, in the place of a least counted one.
    fn replace_least(&mut self, hash: u64, value: &[u8]) {
        let i = self.least();
        self.places.remove(i, &self.hashes);
        self.hashes[i] = hash;
        // The removal may have moved the slots of the new hash's run.
        let Found::Empty(slot) = self.places.find(hash, &self.hashes) else {
            unreachable!("a hash looked for and not found is found after a removal");
        };
        self.places.insert(slot, i, &self.hashes);
        self.values[i].clear();
        self.values[i].extend_from_slice(value);
        self.errors[i] = self.counts[i];
        self.counts[i] += 1;
        self.replaced = true;
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

    /// The most a value not held has been seen: the smallest count once a
    /// value has taken another's place, 0 before (every value seen is held).
    pub fn floor(&self) -> u64 {
        match self.replaced {
            false => 0,
            true => self.counts.iter().copied().min().unwrap_or(0),
        }
    }

    /// Values held.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Every value held, with its count and its error.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], u64, u64)> {
        let counted = self.counts.iter().zip(&self.errors);
        self.values
            .iter()
            .map(Vec::as_slice)
            .zip(counted)
            .map(|(v, (&c, &e))| (v, c, e))
    }

    /// Bytes held: the values' buffers, the counts and the index.
    pub fn memory(&self) -> usize {
        let values: usize = self.values.iter().map(|v| v.capacity()).sum();
        let numbers = self.hashes.capacity() + self.counts.capacity() + self.errors.capacity();
        let places = self.values.capacity() * size_of::<Vec<u8>>() + numbers * size_of::<u64>();
        values + places + self.places.memory()
    }

    pub fn clear(&mut self) {
        self.places.clear();
        self.values.clear();
        self.hashes.clear();
        self.counts.clear();
        self.errors.clear();
        (self.least, self.cursor, self.replaced) = (0, 0, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn held(s: &Sketch) -> HashMap<Vec<u8>, (u64, u64)> {
        s.entries().map(|(v, c, e)| (v.to_vec(), (c, e))).collect()
    }

    #[test]
    fn exact_while_there_are_places() {
        let mut s = Sketch::default();
        for i in 0..CAPACITY {
            for _ in 0..=i % 3 {
                s.add(format!("/p{i}").as_bytes());
            }
        }
        let h = held(&s);
        assert_eq!((h.len(), s.floor()), (CAPACITY, 0));
        assert!((0..CAPACITY).all(|i| h[format!("/p{i}").as_bytes()] == (1 + i as u64 % 3, 0)));
        s.add(b"new");
        assert_eq!(
            (held(&s)[&b"new"[..]], s.floor()),
            ((2, 1), 1),
            "took a place counted once"
        );
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
        let (c, e) = held(&s)[&b"203.0.113.7"[..]];
        assert!(c >= 10_000 && c - e <= 10_000, "{c} over by at most {e}");
    }

    #[test]
    fn long_values_are_cut() {
        let mut s = Sketch::default();
        s.add(&[b'x'; 1000]);
        s.add(&[b'x'; 600]);
        assert_eq!(held(&s)[&[b'x'; MAX_VALUE][..]], (2, 0));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Space-saving's guarantees, against exact counts of a stream
        /// whose values recur at every rate: the counts add up to the
        /// values added, each is over its value's true count by at most
        /// its error, and a value not held was seen at most `floor` times.
        #[test]
        fn counts_keep_the_space_saving_guarantees(
            stream in proptest::collection::vec((0u32..3, 0u32..6000), 0..12_000)
        ) {
            let mut s = Sketch::default();
            let mut exact: HashMap<Vec<u8>, u64> = HashMap::new();
            for (kind, n) in stream {
                // Kind 0 repeats a few values, 1 some more, 2 many.
                let v = format!("v{}", n % [4, 400, 6000][kind as usize]).into_bytes();
                s.add(&v);
                *exact.entry(v).or_default() += 1;
            }
            let total: u64 = exact.values().sum();
            prop_assert_eq!(s.entries().map(|(_, c, _)| c).sum::<u64>(), total);
            let held = held(&s);
            for (v, &n) in &exact {
                match held.get(v) {
                    Some(&(c, e)) => prop_assert!(c >= n && c - e <= n, "{n} not in {c}-{e}..={c}"),
                    None => prop_assert!(n <= s.floor(), "{n} not held, floor {}", s.floor()),
                }
            }
            if exact.len() <= CAPACITY {
                prop_assert_eq!(held.len(), exact.len());
                prop_assert!(exact.iter().all(|(v, n)| held[v] == (*n, 0)));
            }
        }
    }
}
