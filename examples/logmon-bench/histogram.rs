//! Latencies of the steady section: a histogram in µs with log-linear
//! buckets, small enough for every client to keep its own and merge later.

/// Latencies in µs, log-linear buckets (64 per power of two: within 1.6 %).
pub struct Histogram {
    counts: Vec<u64>,
    pub max_us: u64,
    pub count: u64,
}

const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: vec![0; (2 * SUB + (64 - SUB_BITS as u64 - 1) * SUB) as usize],
            max_us: 0,
            count: 0,
        }
    }
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < 2 * SUB {
            return v as usize;
        }
        let e = 63 - v.leading_zeros();
        let m = (v >> (e - SUB_BITS)) & (SUB - 1);
        (2 * SUB + u64::from(e - SUB_BITS - 1) * SUB + m) as usize
    }

    /// The largest value that falls into bucket `i`.
    fn upper(i: usize) -> u64 {
        let i = i as u64;
        if i < 2 * SUB {
            return i;
        }
        let e = (i - 2 * SUB) / SUB + u64::from(SUB_BITS) + 1;
        let m = (i - 2 * SUB) % SUB;
        ((SUB + m + 1) << (e - u64::from(SUB_BITS))) - 1
    }

    pub fn record(&mut self, us: u64) {
        self.counts[Self::index(us)] += 1;
        self.max_us = self.max_us.max(us);
        self.count += 1;
    }

    pub fn merge(&mut self, o: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self.max_us = self.max_us.max(o.max_us);
        self.count += o.count;
    }

    /// The value below which `q` of `total` samples lie; `None` if that
    /// rank falls among samples that never arrived (`total > count`).
    pub fn quantile(&self, q: f64, total: u64) -> Option<u64> {
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Self::upper(i).min(self.max_us));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    #[test]
    fn histogram_buckets_cover_their_values() {
        for v in [0, 1, 127, 128, 129, 255, 256, 1000, 25_000, 1 << 40] {
            let i = Histogram::index(v);
            assert!(Histogram::upper(i) >= v, "{v}");
            assert!(i == 0 || Histogram::upper(i - 1) < v, "{v}");
        }
    }
}
