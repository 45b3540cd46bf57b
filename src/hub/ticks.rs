//! The statistics' seconds: each stream's statistics (`crate::stats`) end
//! a second just after each whole second, and the hub hands their `stats`
//! messages to its clients.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Hub;
use crate::civil;
use crate::shutdown::Shutdown;

/// Ends a second on every stream just after each whole second, and hands
/// the messages to the hub, until shutdown.
pub async fn tick_stats(hub: Arc<Hub>, shutdown: Shutdown) {
    loop {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let to_next = Duration::from_secs(1) - Duration::from_nanos(u64::from(now.subsec_nanos()));
        tokio::select! {
            _ = shutdown.requested() => return,
            _ = tokio::time::sleep(to_next + Duration::from_millis(2)) => {}
        }
        let now = civil::unix_now();
        let frames = hub
            .streams()
            .iter()
            .map(|s| (s.id.clone(), s.stats.tick(now)))
            .collect();
        hub.publish_stats(frames);
    }
}
