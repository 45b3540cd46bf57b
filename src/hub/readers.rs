//! Who reads a stream and how far they got, so that the follower waits for
//! readers that keep up and never for one that reads slowly or stopped.
//!
//! A reader is live while it polls for frames at least every `LIVE_WINDOW`.
//! One whose send waits longer (its socket full: a slow peer, a stuck one)
//! stops counting after that window, so the follower waits for it at most
//! that long; it reads what it missed from disk later, and nobody waits
//! for it. A reader behind the ring stands at `u64::MAX`: it needs nothing
//! in the ring.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How long a reader may go without polling before it no longer holds the follower back.
pub const LIVE_WINDOW: Duration = Duration::from_millis(50);

pub struct Readers {
    slots: Mutex<Vec<Arc<Slot>>>,
    start: Instant,
    progress: Notify,
}

/// One reader's position: the next frame it will take, and when it last polled.
pub struct Slot {
    next_fno: AtomicU64,
    polled_ms: AtomicU64,
}

impl Readers {
    pub fn new() -> Readers {
        Readers {
            slots: Mutex::new(Vec::new()),
            start: Instant::now(),
            progress: Notify::new(),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Vec<Arc<Slot>>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    pub fn add(&self, next_fno: u64) -> Arc<Slot> {
        let slot = Arc::new(Slot {
            next_fno: AtomicU64::new(next_fno),
            polled_ms: AtomicU64::new(self.now_ms()),
        });
        self.slots().push(slot.clone());
        self.progress.notify_one();
        slot
    }

    pub fn remove(&self, slot: &Arc<Slot>) {
        self.slots().retain(|s| !Arc::ptr_eq(s, slot));
        self.progress.notify_one();
    }

    pub fn len(&self) -> usize {
        self.slots().len()
    }

    /// A reader polled and now stands at `next_fno`.
    pub fn polled(&self, slot: &Slot, next_fno: u64) {
        slot.next_fno.store(next_fno, Ordering::Release);
        slot.polled_ms.store(self.now_ms(), Ordering::Release);
        self.progress.notify_one();
    }

    /// The lowest frame number a live reader still needs, if any reader is live.
    pub fn slowest_live(&self) -> Option<u64> {
        let cutoff = self.now_ms().saturating_sub(LIVE_WINDOW.as_millis() as u64);
        self.slots()
            .iter()
            .filter(|s| s.polled_ms.load(Ordering::Acquire) >= cutoff)
            .map(|s| s.next_fno.load(Ordering::Acquire))
            .min()
    }

    /// Waits until a reader moves on, or until one may have stopped counting as live.
    pub async fn changed(&self) {
        let _ = tokio::time::timeout(LIVE_WINDOW / 4, self.progress.notified()).await;
    }
}
