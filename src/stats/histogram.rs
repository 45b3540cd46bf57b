//! A fixed-size histogram of durations in milliseconds: one bucket per
//! millisecond below 256 ms, then 128 buckets per power of two, so that a
//! bucket is never wider than 1/128 of its smallest value, up to 2³² ms.
//! Percentiles are nearest-rank, reported as the smallest value of the
//! bucket holding the sample. A second that has ended keeps a [`Compact`]
//! copy: only the buckets that hold samples, which a line that arrives late
//! still adds to.

/// Buckets below this are one millisecond wide.
const EXACT: u64 = 256;
/// Buckets per power of two above `EXACT`.
const SUB: u64 = 128;
const BUCKETS: usize = (EXACT + (32 - 8) * SUB) as usize;

#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u32]>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
        }
    }
}

impl Histogram {
    pub fn add(&mut self, ms: u64) {
        let b = bucket(ms);
        self.counts[b] = self.counts[b].saturating_add(1);
        self.total += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        if other.total == 0 {
            return;
        }
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a = a.saturating_add(*b);
        }
        self.total += other.total;
    }

    /// Bytes held by the buckets.
    pub fn memory(&self) -> usize {
        self.counts.len() * size_of::<u32>()
    }

    pub fn clear(&mut self) {
        if self.total > 0 {
            self.counts.fill(0);
            self.total = 0;
        }
    }

    /// The 50th, 95th and 99th percentiles in seconds; `None` when empty.
    pub fn percentiles(&self) -> Option<[f64; 3]> {
        (self.total > 0).then(|| [50, 95, 99].map(|p| self.percentile(p) as f64 / 1000.0))
    }

    /// The nearest-rank `p`th percentile in milliseconds (as its bucket's smallest value).
    pub fn percentile(&self, p: u64) -> u64 {
        nearest_rank(self.total, p, self.counts.iter().copied().enumerate())
    }
}

/// The buckets of a histogram that hold samples, lowest first.
#[derive(Clone, Default)]
pub struct Compact {
    buckets: Vec<(u16, u32)>,
    total: u64,
}

impl Compact {
    pub fn of(h: &Histogram) -> Compact {
        let held = h.counts.iter().enumerate().filter(|(_, c)| **c > 0);
        Compact {
            buckets: held.map(|(b, &c)| (b as u16, c)).collect(),
            total: h.total,
        }
    }

    pub fn add(&mut self, ms: u64) {
        let b = bucket(ms) as u16;
        match self.buckets.binary_search_by_key(&b, |x| x.0) {
            Ok(i) => self.buckets[i].1 = self.buckets[i].1.saturating_add(1),
            Err(i) => self.buckets.insert(i, (b, 1)),
        }
        self.total += 1;
    }

    /// As [`Histogram::percentiles`].
    pub fn percentiles(&self) -> Option<[f64; 3]> {
        let held = || self.buckets.iter().map(|&(b, c)| (usize::from(b), c));
        (self.total > 0).then(|| [50, 95, 99].map(|p| nearest_rank(self.total, p, held()) as f64 / 1000.0))
    }

    /// Bytes held by the buckets.
    pub fn memory(&self) -> usize {
        self.buckets.capacity() * size_of::<(u16, u32)>()
    }
}

/// The nearest-rank `p`th percentile of `total` samples counted by bucket
/// (lowest first), as its bucket's smallest value.
fn nearest_rank(total: u64, p: u64, buckets: impl Iterator<Item = (usize, u32)>) -> u64 {
    let rank = (total * p).div_ceil(100).max(1);
    let mut seen = 0;
    for (b, c) in buckets {
        seen += u64::from(c);
        if seen >= rank {
            return lowest(b);
        }
    }
    lowest(BUCKETS - 1)
}

fn bucket(ms: u64) -> usize {
    if ms < EXACT {
        return ms as usize;
    }
    let ms = ms.min(u64::from(u32::MAX));
    let e = u64::from(63 - ms.leading_zeros());
    (EXACT + (e - 8) * SUB + ((ms >> (e - 7)) & (SUB - 1))) as usize
}

/// The smallest value of bucket `b`.
fn lowest(b: usize) -> u64 {
    let b = b as u64;
    if b < EXACT {
        return b;
    }
    let (e, sub) = ((b - EXACT) / SUB + 8, (b - EXACT) % SUB);
    (SUB + sub) << (e - 7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn below_256_ms_every_millisecond_has_its_bucket() {
        for ms in 0..EXACT {
            assert_eq!(lowest(bucket(ms)), ms);
        }
        assert_eq!(
            (lowest(bucket(256)), lowest(bucket(257)), lowest(bucket(258))),
            (256, 256, 258)
        );
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut h = Histogram::default();
        assert_eq!(h.percentiles(), None);
        for ms in 1..=100 {
            h.add(ms);
        }
        assert_eq!([h.percentile(50), h.percentile(95), h.percentile(99)], [50, 95, 99]);
        h.add(100_000);
        // 101 samples: ranks 51, 96, 100.
        assert_eq!([h.percentile(50), h.percentile(95), h.percentile(99)], [51, 96, 100]);
        assert_eq!(h.percentile(100), lowest(bucket(100_000)));
    }

    proptest! {
        /// A compact copy, and samples added to it, give the percentiles
        /// of the histogram that had every sample.
        #[test]
        fn a_compact_histogram_agrees_with_the_full_one(
            first in proptest::collection::vec(0u64..100_000, 0..200),
            late in proptest::collection::vec(0u64..100_000, 0..50),
        ) {
            let mut h = Histogram::default();
            first.iter().for_each(|&ms| h.add(ms));
            let mut c = Compact::of(&h);
            late.iter().for_each(|&ms| { h.add(ms); c.add(ms) });
            prop_assert_eq!(c.percentiles(), h.percentiles());
        }

        #[test]
        fn a_bucket_is_never_wider_than_1_128_of_its_values(ms in 0u64..(1 << 33)) {
            let low = lowest(bucket(ms));
            let ms = ms.min(u64::from(u32::MAX));
            prop_assert!(low <= ms);
            prop_assert!((ms - low) * 128 <= low.max(1) || ms < EXACT && low == ms);
        }
    }
}
