//! Where every follower stands now, and the task that saves it.
//!
//! Followers set their stream's mark after each reconcile (all they read is
//! published by then, but for an unfinished line). The saver wakes only when
//! a mark moved, waits a second so that a busy stream costs one write a
//! second, and writes the state off the runtime's threads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use super::{Saved, StreamMark, VERSION, save};
use crate::shutdown::Shutdown;

/// How often the state is written at most while lines flow.
const SAVE_EVERY: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Marks {
    streams: Mutex<HashMap<String, StreamMark>>,
    moved: Notify,
}

impl Marks {
    fn streams(&self) -> MutexGuard<'_, HashMap<String, StreamMark>> {
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A stream's new mark; wakes the saver if it moved.
    pub fn set(&self, mark: StreamMark) {
        let mut streams = self.streams();
        if streams.get(&mark.id) != Some(&mark) {
            streams.insert(mark.id.clone(), mark);
            drop(streams);
            self.moved.notify_one();
        }
    }

    /// A stream that is no longer followed.
    pub fn remove(&self, id: &str) {
        self.streams().remove(id);
    }

    /// The state to write now.
    pub fn saved(&self, epoch: &str, clean: bool) -> Saved {
        let mut streams: Vec<StreamMark> = self.streams().values().cloned().collect();
        streams.sort_by(|a, b| a.id.cmp(&b.id));
        Saved {
            version: VERSION,
            epoch: epoch.to_string(),
            clean,
            streams,
        }
    }
}

/// Saves the marks about once a second while they move, until `shutdown`;
/// the daemon writes the last state itself, once the followers stopped.
pub async fn save_while_running(path: PathBuf, epoch: String, marks: Arc<Marks>, shutdown: Shutdown) {
    let mut last_error = None;
    loop {
        tokio::select! {
            _ = marks.moved.notified() => {}
            _ = shutdown.requested() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(SAVE_EVERY) => {}
            _ = shutdown.requested() => return,
        }
        let saved = marks.saved(&epoch, false);
        let p = path.clone();
        let result = tokio::task::spawn_blocking(move || save(&p, &saved)).await;
        let error = match result {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        if error.is_some() && error != last_error {
            log::error!(
                "cannot save the state to {}: {}",
                path.display(),
                error.as_deref().unwrap_or("")
            );
        }
        last_error = error;
    }
}
