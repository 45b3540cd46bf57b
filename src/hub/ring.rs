//! A stream's ring: its newest frames, bounded in lines and bytes, each
//! frame numbered (`fno`) so that a reader's place in it is one integer.
//!
//! Frames are pushed at the end and evicted from the front once the ring
//! holds more than its limits (always keeping the newest). Readers copy
//! frames out (`cursor.rs`); the follower asks [`Ring::has_room`] before a
//! push that would evict a frame a live reader has not taken yet.

use std::collections::VecDeque;

use crate::config::History;
use crate::protocol::Frame;

pub struct Ring {
    pub frames: VecDeque<Frame>,
    /// Frame number of `frames[0]`.
    pub base_fno: u64,
    pub next_seq: u64,
    lines: usize,
    bytes: usize,
    pub limits: History,
}

impl Ring {
    pub fn new(next_seq: u64, limits: History) -> Ring {
        Ring {
            frames: VecDeque::new(),
            base_fno: 0,
            next_seq,
            lines: 0,
            bytes: 0,
            limits,
        }
    }

    pub fn end_fno(&self) -> u64 {
        self.base_fno + self.frames.len() as u64
    }

    /// The seq of the oldest line still held (or the next one if none is).
    pub fn oldest_seq(&self) -> u64 {
        self.frames.front().map_or(self.next_seq, |f| f.first_seq)
    }

    /// Lines and bytes held.
    #[cfg(test)]
    pub fn held(&self) -> (usize, usize) {
        (self.lines, self.bytes)
    }

    /// Adds `frame` at the end, evicting the oldest frames over the limits.
    pub fn push(&mut self, frame: Frame) {
        self.lines += frame.count as usize;
        self.bytes += frame.text.len();
        self.frames.push_back(frame);
        while self.frames.len() > 1 && self.over(self.lines, self.bytes) {
            let old = self.frames.pop_front().expect("ring is not empty");
            self.lines -= old.count as usize;
            self.bytes -= old.text.len();
            self.base_fno += 1;
        }
    }

    /// Whether `lines` and `bytes` more fit without evicting frame `needed`
    /// (the first one a live reader has not taken) or a newer one.
    pub fn has_room(&self, lines: usize, bytes: usize, needed: u64) -> bool {
        let (mut lines, mut bytes) = (self.lines + lines, self.bytes + bytes);
        for (fno, f) in (self.base_fno..).zip(self.frames.iter()) {
            if !self.over(lines, bytes) {
                return true;
            }
            if fno >= needed {
                return false;
            }
            lines -= f.count as usize;
            bytes -= f.text.len();
        }
        true
    }

    fn over(&self, lines: usize, bytes: usize) -> bool {
        lines > self.limits.lines || bytes > self.limits.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::LinesBuilder;

    fn frame(first_seq: u64, lines: usize) -> Frame {
        let mut b = LinesBuilder::default();
        for i in 0..lines {
            b.push(format!("line {i}").as_bytes(), 0);
        }
        b.finish("s", first_seq)
    }

    #[test]
    fn evicts_the_oldest_and_keeps_the_newest() {
        let mut ring = Ring::new(
            1,
            History {
                lines: 10,
                bytes: 1 << 20,
            },
        );
        for k in 0..5 {
            ring.push(frame(1 + k * 4, 4));
        }
        assert_eq!((ring.base_fno, ring.end_fno(), ring.held().0), (3, 5, 8));
        assert_eq!(ring.oldest_seq(), 13);
        ring.push(frame(21, 50));
        assert_eq!(
            (ring.frames.len(), ring.held().0),
            (1, 50),
            "one frame over the limit is kept"
        );
    }

    #[test]
    fn room_stops_at_the_frame_a_reader_needs() {
        let mut ring = Ring::new(
            1,
            History {
                lines: 8,
                bytes: 1 << 20,
            },
        );
        ring.push(frame(1, 4));
        ring.push(frame(5, 4));
        assert!(ring.has_room(4, 0, 1), "frame 0 was taken: it may go");
        assert!(!ring.has_room(4, 0, 0), "frame 0 is needed");
        assert!(!ring.has_room(8, 0, 1), "both would go, frame 1 is needed");
        assert!(ring.has_room(0, 0, 0), "nothing to add");
    }
}
