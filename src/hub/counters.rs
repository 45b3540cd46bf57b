//! A stream's own counters, kept by its follower and its readers and read
//! by `/metrics` (`metrics.rs`, which knows the hub; the hub knows nothing
//! of it).

use std::sync::atomic::{AtomicU64, Ordering};

/// A stream's own counters, kept by its follower and its readers.
#[derive(Default)]
pub struct StreamCounters {
    pub bytes_read: AtomicU64,
    pub rotations: AtomicU64,
    pub gaps: AtomicU64,
    /// Lines sent to clients from the files on disk, because they had
    /// fallen behind the ring.
    pub from_disk: AtomicU64,
    /// Bytes of the stream's file not read yet, as of the last read.
    pub lag: AtomicU64,
}

impl StreamCounters {
    pub fn gap(&self) {
        self.gaps.fetch_add(1, Ordering::Relaxed);
    }
}

/// The statistics' counting thread reads a stream's layout and statistics.
impl crate::stats::Counted for super::Stream {
    fn layout(&self) -> std::sync::Arc<crate::layout::Layout> {
        super::Stream::layout(self)
    }

    fn stats(&self) -> &crate::stats::Stats {
        &self.stats
    }
}
