//! Counting beside reading: a report's lines are read (and decompressed)
//! by the search's walk on one thread and counted on another, so a report
//! uses two cores where it would wait on one. The reader hands over
//! batches of lines (`BATCH` bytes with their ends, `batch.rs`); at most `BATCHES`
//! wait, so a slow count slows the reading and the memory between them is
//! bounded (about 1 MiB). Without a thread to spare (the unit's `TasksMax`),
//! the lines are counted where they are read.

use std::sync::Arc;
use std::sync::mpsc;

use super::Counter;
use crate::batch::Batch;
use crate::layout::Layout;
use crate::terms::{Scratch, Terms};

/// Bytes of lines handed over at once, and batches waiting at most.
const BATCH: usize = 256 << 10;
const BATCHES: usize = 4;

/// Runs `read`, which gives each line it reads to its argument, and counts
/// those lines that pass `terms`: `read`'s result and the counts.
pub fn counted<R>(layout: Arc<Layout>, terms: &Terms, read: impl FnOnce(&mut dyn FnMut(&[u8])) -> R) -> (R, Counter) {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Batch>(BATCHES);
        let theirs = layout.clone();
        let counting = std::thread::Builder::new()
            .name("report".into())
            .spawn_scoped(scope, move || count(theirs, terms, rx));
        let Ok(counting) = counting else {
            let (mut counter, mut scratch) = (Counter::new(layout), Scratch::default());
            let r = read(&mut |line| counter.pass(terms, line, &mut scratch));
            return (r, counter);
        };
        let mut batch = Batch::with_capacity(BATCH);
        let r = read(&mut |line| {
            batch.push(line);
            if batch.size() >= BATCH {
                // The counting thread ends only when this side hangs up.
                let _ = tx.send(batch.take());
            }
        });
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        drop(tx);
        (r, counting.join().expect("counting a line does not panic"))
    })
}

fn count(layout: Arc<Layout>, terms: &Terms, rx: mpsc::Receiver<Batch>) -> Counter {
    let (mut counter, mut scratch) = (Counter::new(layout), Scratch::default());
    for batch in rx {
        batch.lines().for_each(|line| counter.pass(terms, line, &mut scratch));
    }
    counter
}

impl Counter {
    /// Counts `line` if it passes `terms`.
    fn pass(&mut self, terms: &Terms, line: &[u8], scratch: &mut Scratch) {
        if terms.is_empty() || terms.test(&self.layout, line, scratch) {
            self.line(line);
        }
    }
}
