//! What `hello` says of a stream besides its lines: what is at its path, as
//! its follower last saw it, and where its format came from. The follower
//! records the state here as it changes; every client learns it from its
//! first `hello`, and from a new `hello` when it changes.

use std::sync::MutexGuard;

use super::Stream;
use crate::protocol::{StreamInfo, StreamState};

/// What is at a stream's path, and why it cannot be read when it cannot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathStatus {
    pub state: StreamState,
    /// Why the path cannot be read (`Unreadable`); empty otherwise.
    pub detail: String,
}

impl PathStatus {
    pub fn new(state: StreamState, detail: &str) -> PathStatus {
        PathStatus {
            state,
            detail: detail.to_string(),
        }
    }
}

impl Stream {
    fn status_lock(&self) -> MutexGuard<'_, PathStatus> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the follower last saw at the path.
    pub fn status(&self) -> PathStatus {
        self.status_lock().clone()
    }

    /// Records what the follower sees at the path; a change is told to
    /// clients by a new `hello`.
    pub fn set_status(&self, new: PathStatus) {
        let mut status = self.status_lock();
        if *status != new {
            *status = new;
            drop(status);
            self.signal.changed();
        }
    }

    /// The stream as `hello` describes it, `seq` being its newest line.
    pub fn info(&self, seq: u64) -> StreamInfo {
        let format = self.format();
        let PathStatus { state, detail } = self.status();
        StreamInfo {
            id: self.id.clone(),
            path: self.path.display().to_string(),
            format: format.layout.format.clone(),
            seq,
            layout: format.layout.info(),
            state,
            state_detail: detail,
            format_source: format.source,
            format_reason: format.fallback.clone().unwrap_or_default(),
        }
    }
}
