//! A follower's place in the state file: taken after every reconcile, and
//! taken up again at the next start.
//!
//! The mark of a file is its identity and the offset where its next line
//! starts (an unfinished line is read again). Starting from a mark, the
//! saved files are found again by identity (at the path, or renamed beside
//! it; a copy left by copytruncate counts), read on from their offsets with
//! the numbers that follow, and the history is refilled from the file with
//! the numbers it had. A file that cannot be found says so in a `lost` event.

use super::source::{FileId, Source};
use super::{Follower, PathState, rotated};
use crate::protocol::EventKind;
use crate::state::{FileMark, StreamMark};

/// A fingerprint shorter than this proves nothing about a copy.
const MIN_HEAD_FOR_COPIES: u64 = 64;

impl Follower {
    /// Where this follower stands now, for the state file.
    pub(super) fn mark(&self) -> StreamMark {
        let current = match &self.state {
            PathState::Following(src) => Some(src),
            _ => None,
        };
        let files = self.rotated.iter().chain(current).filter_map(|src| {
            let offset = src.pos.offset.saturating_sub(src.splitter.pending_bytes());
            let head = src.head().ok()?;
            Some(FileMark::new(src.pos.id.dev, src.pos.id.ino, head, offset))
        });
        let stream = self.out.stream();
        StreamMark {
            id: stream.id.clone(),
            path: stream.path.display().to_string(),
            next_seq: stream.next_seq(),
            files: files.collect(),
        }
    }

    /// Starts from a saved mark: numbering, history, then the saved files read on.
    pub(super) async fn resume(&mut self, mark: StreamMark, history_bytes: usize) {
        let (mut open, mut lost) = (Vec::new(), Vec::new());
        for file in &mark.files {
            match self.find(file) {
                Some(src) => open.push(src),
                None => lost.push(*file),
            }
        }
        match open.as_mut_slice() {
            [only] if lost.is_empty() => self.refill_history(only, mark.next_seq, history_bytes).await,
            _ => self.out.stream().start_at(mark.next_seq),
        }
        let p = self.path.display().to_string();
        note!(
            self.tag(),
            info,
            "{p}: resuming at line {} from {} saved file(s)",
            mark.next_seq,
            open.len()
        );
        for file in lost {
            self.lost_while_stopped(&file).await;
        }
        for mut src in open {
            self.watch_file(&mut src);
            self.out.drain(&mut src).await;
            if self.at_path(src.pos.id) {
                self.enter(PathState::Following(src));
            } else {
                self.retire(src).await;
            }
        }
    }

    /// The saved file, opened at its offset: at the path or renamed beside
    /// it; else a copy of it (copytruncate while logmon was stopped).
    fn find(&self, file: &FileMark) -> Option<Source> {
        let dir = self.path.parent()?;
        let mut paths = vec![self.path.clone()];
        let siblings = rotated::rotation_names(dir, &self.base, std::time::UNIX_EPOCH);
        paths.extend(siblings.into_iter().map(|name| dir.join(name)));
        let mut opened: Vec<Source> = paths
            .iter()
            .filter_map(|p| Source::open(p, Some(file.offset), self.max_line).ok())
            .filter(|src| src.file.metadata().is_ok_and(|m| m.len() >= file.offset))
            .collect();
        let exact = opened.iter().position(|src| file.is(&src.file));
        let copy = || {
            let usable = file.head_len >= MIN_HEAD_FOR_COPIES;
            opened.iter().position(|src| usable && file.same_head(&src.file))
        };
        let i = exact.or_else(copy)?;
        Some(opened.swap_remove(i))
    }

    fn at_path(&self, id: FileId) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|m| FileId::of(&m) == id)
    }

    /// The history from the lines before the saved offset, numbered as they
    /// were: the last of them is the line before `next_seq`.
    async fn refill_history(&mut self, src: &mut Source, next_seq: u64, history_bytes: usize) {
        let tail = match src.tail(history_bytes as u64) {
            Ok(tail) => tail,
            Err(e) => {
                self.report_error(format!("cannot read {}: {e}", self.path.display()));
                Vec::new()
            }
        };
        let lines = memchr::memchr_iter(b'\n', &tail).count() as u64;
        self.out.stream().start_at(next_seq.saturating_sub(lines));
        self.out.feed(src, &tail).await;
        self.out.flush().await;
    }

    async fn lost_while_stopped(&mut self, file: &FileMark) {
        let detail = format!(
            "{}: the file read before the restart (inode {}, offset {}) is gone or compressed; \
             the lines written to it after that cannot be shown",
            self.path.display(),
            file.ino,
            file.offset
        );
        note!(self.tag(), warn, "{detail}");
        self.out.event(EventKind::Lost, &detail).await;
    }
}
