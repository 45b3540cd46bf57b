//! Lines on their way to the statistics: the follower copies each line it
//! publishes into a [`Feed`], and hands the batch over with each frame; a
//! thread of the stream's own splits and counts them. So the follower reads
//! at its own pace on one core while the counting runs on another, and a
//! burst waits for the counting only when several batches are waiting.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::hub::Stream;

/// Batches waiting for the counting thread before the follower waits.
const WAITING: usize = 4;

/// The follower's end: the lines read since the last hand-over.
pub struct Feed {
    stream: Arc<Stream>,
    lines: Vec<u8>,
    count: u64,
    tx: mpsc::Sender<Vec<u8>>,
}

impl Feed {
    /// Starts the thread that counts the lines of `stream`; it ends when the feed is dropped.
    pub fn start(stream: Arc<Stream>) -> std::io::Result<Feed> {
        let (tx, rx) = mpsc::channel(WAITING);
        let counted = stream.clone();
        std::thread::Builder::new()
            .name(format!("stats {}", stream.id))
            .spawn(move || count(&counted, rx))?;
        Ok(Feed {
            stream,
            lines: Vec::new(),
            count: 0,
            tx,
        })
    }

    /// Adds one line (without its line ending).
    pub fn push(&mut self, line: &[u8]) {
        self.lines.extend_from_slice(line);
        self.lines.push(b'\n');
        self.count += 1;
    }

    /// Hands the lines added so far to the counting thread; lines without
    /// fields are only counted, at once.
    pub async fn send(&mut self) {
        if self.count == 0 {
            return;
        }
        let count = std::mem::take(&mut self.count);
        if !self.stream.layout().has_fields() {
            self.lines.clear();
            return self.stream.stats.count(count);
        }
        let capacity = self.lines.capacity();
        let batch = std::mem::replace(&mut self.lines, Vec::with_capacity(capacity));
        // The thread ends only after the feed: a failed send cannot happen.
        let _ = self.tx.send(batch).await;
    }
}

/// Counts each batch's lines, with the stream's layout at the time.
fn count(stream: &Stream, mut rx: mpsc::Receiver<Vec<u8>>) {
    while let Some(batch) = rx.blocking_recv() {
        let layout = stream.layout();
        let mut recorder = stream.stats.recorder(&layout);
        for line in batch.strip_suffix(b"\n").unwrap_or(&batch).split(|&b| b == b'\n') {
            recorder.line(line);
        }
    }
}
