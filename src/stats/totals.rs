//! Counts since the daemon started, for `/metrics`: requests by status and
//! method, response bytes, and Prometheus histograms of the request and
//! upstream times. Every label takes a bounded set of values.

/// The methods counted by name; any other is `other`.
pub const METHODS: [&str; 8] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"];
/// Upper bounds of the duration histograms' buckets, in milliseconds (`le`; `+Inf` follows).
pub const BOUNDS_MS: [u64; 11] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/// Statuses 100..=599 by number, and one more for lines without a valid status.
pub const STATUS_SLOTS: usize = 501;

/// Counts of one duration: per bucket (not cumulative), the sum and the count.
#[derive(Clone, Default)]
pub struct Durations {
    pub buckets: [u64; BOUNDS_MS.len() + 1],
    pub sum_ms: u64,
    pub count: u64,
}

impl Durations {
    fn add(&mut self, ms: u64) {
        let i = BOUNDS_MS.iter().position(|&b| ms <= b).unwrap_or(BOUNDS_MS.len());
        self.buckets[i] += 1;
        self.sum_ms = self.sum_ms.saturating_add(ms);
        self.count += 1;
    }
}

#[derive(Clone)]
pub struct Totals {
    /// Lines that did not fit the layout.
    pub bad: u64,
    /// Lines of a layout without fields (an error log, plain text).
    pub fieldless: u64,
    /// Requests by status slot (`status - 100`, or 500 for none) and method.
    pub requests: Vec<[u64; METHODS.len()]>,
    pub bytes: u64,
    pub rt: Durations,
    pub ut: Durations,
}

impl Default for Totals {
    fn default() -> Totals {
        Totals {
            bad: 0,
            fieldless: 0,
            requests: vec![[0; METHODS.len()]; STATUS_SLOTS],
            bytes: 0,
            rt: Durations::default(),
            ut: Durations::default(),
        }
    }
}

impl Totals {
    pub fn add(
        &mut self,
        status: Option<u16>,
        method: Option<&[u8]>,
        bytes: Option<u64>,
        rt: Option<u64>,
        ut: Option<u64>,
    ) {
        let slot = status.map_or(STATUS_SLOTS - 1, |s| usize::from(s - 100));
        self.requests[slot][method_index(method)] += 1;
        self.bytes += bytes.unwrap_or(0);
        rt.inspect(|&ms| self.rt.add(ms));
        ut.inspect(|&ms| self.ut.add(ms));
    }

    pub fn memory(&self) -> usize {
        size_of::<Totals>() + self.requests.capacity() * size_of::<[u64; METHODS.len()]>()
    }

    /// Every line that fit, counted once.
    pub fn lines(&self) -> u64 {
        self.requests.iter().flatten().sum()
    }
}

fn method_index(m: Option<&[u8]>) -> usize {
    let other = METHODS.len() - 1;
    m.and_then(|m| METHODS[..other].iter().position(|k| k.as_bytes() == m))
        .unwrap_or(other)
}

/// The label of a status slot: the status, or `other`.
pub fn status_label(slot: usize) -> String {
    if slot < STATUS_SLOTS - 1 {
        (slot + 100).to_string()
    } else {
        "other".to_string()
    }
}
