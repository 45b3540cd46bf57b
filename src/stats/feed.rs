//! Lines on their way to the statistics: the follower copies each line it
//! publishes into a [`Feed`] (a stream without fields only counts them),
//! and hands the batch over after each read; one
//! counting thread, shared by every stream, splits and counts them. So a
//! follower reads at its own pace on one core while the counting runs on
//! another, and a burst waits for the counting only when several batches
//! are waiting. One thread, not one per stream: the unit's `TasksMax`
//! bounds the threads, not the streams.

use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;

use super::Stats;
use crate::batch::Batch;
use crate::layout::Layout;

/// What the counting thread needs of a stream: its layout now and its
/// statistics (the hub's stream is one; the statistics know no hub).
pub trait Counted: Send + Sync + 'static {
    fn layout(&self) -> Arc<Layout>;
    fn stats(&self) -> &Stats;
}

/// Batches waiting for the counting thread before a follower waits.
const WAITING: usize = 8;

/// A stream's lines.
type Lines = (Arc<dyn Counted>, Batch);

/// The counting thread's queue, made with the thread when the first feed starts.
static COUNTING: OnceLock<mpsc::Sender<Lines>> = OnceLock::new();

/// The follower's end: the lines read since the last hand-over.
pub struct Feed {
    stream: Arc<dyn Counted>,
    lines: Batch,
    count: u64,
    /// Whether the stream's layout has fields: if not, lines are only
    /// counted and never copied. Read again at each hand-over, so a reload
    /// that gives the stream fields takes effect from the next batch.
    split: bool,
    tx: mpsc::Sender<Lines>,
}

impl Feed {
    /// A feed of `stream`'s lines to the counting thread (started by the first feed).
    pub fn start(stream: Arc<dyn Counted>) -> std::io::Result<Feed> {
        let tx = match COUNTING.get() {
            Some(tx) => tx.clone(),
            None => {
                let (tx, rx) = mpsc::channel(WAITING);
                std::thread::Builder::new()
                    .name("stats".into())
                    .spawn(move || count(rx))?;
                COUNTING.get_or_init(|| tx).clone()
            }
        };
        Ok(Feed {
            split: stream.layout().has_fields(),
            stream,
            lines: Batch::default(),
            count: 0,
            tx,
        })
    }

    /// Adds one line (without its line ending).
    pub fn push(&mut self, line: &[u8]) {
        self.count += 1;
        if self.split {
            self.lines.push(line);
        }
    }

    /// Hands the lines added so far to the counting thread; lines without
    /// fields are only counted, at once.
    pub async fn send(&mut self) {
        if self.count == 0 {
            return;
        }
        let count = std::mem::take(&mut self.count);
        let was_split = std::mem::replace(&mut self.split, self.stream.layout().has_fields());
        if !was_split || !self.split {
            self.lines.clear();
            return self.stream.stats().count(count);
        }
        let batch = self.lines.take();
        // The thread lives as long as the process: a failed send cannot happen.
        let _ = self.tx.send((self.stream.clone(), batch)).await;
    }
}

/// Counts each batch's lines, with its stream's layout at the time.
fn count(mut rx: mpsc::Receiver<Lines>) {
    while let Some((stream, batch)) = rx.blocking_recv() {
        let layout = stream.layout();
        let mut recorder = stream.stats().recorder(&layout);
        batch.lines().for_each(|line| recorder.line(line));
    }
}
