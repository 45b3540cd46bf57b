//! Lines handed from the thread that reads them to the one that counts
//! them (a follower to the statistics, a report's reader to its count):
//! their text one after the other, and where each ends. The reader knows
//! where its lines end, so the counting side never looks for them again:
//! a search for line endings byte by byte cost more than splitting the
//! line into its fields.

/// Lines, in order.
#[derive(Debug, Default)]
pub struct Batch {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl Batch {
    /// An empty batch with room for `bytes` of text.
    pub fn with_capacity(bytes: usize) -> Batch {
        Batch {
            text: Vec::with_capacity(bytes),
            ends: Vec::new(),
        }
    }

    pub fn push(&mut self, line: &[u8]) {
        self.text.extend_from_slice(line);
        self.ends.push(self.text.len());
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held: the text, and where each line ends. A batch of empty
    /// lines holds no text but is not free, so one handed over at a size
    /// stays bounded however dense its lines.
    pub fn size(&self) -> usize {
        self.text.len() + self.ends.len() * size_of::<usize>()
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// The lines held, leaving an empty batch with the same room.
    pub fn take(&mut self) -> Batch {
        let room = Batch {
            text: Vec::with_capacity(self.text.capacity()),
            ends: Vec::with_capacity(self.ends.capacity()),
        };
        std::mem::replace(self, room)
    }

    /// Each line, in order.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(start, &end)| &self.text[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_back_each_line_even_an_empty_one() {
        let mut b = Batch::default();
        for line in ["a", "", "bc\r"] {
            b.push(line.as_bytes());
        }
        let lines: Vec<&[u8]> = b.lines().collect();
        assert_eq!(lines, [&b"a"[..], b"", b"bc\r"]);
        assert_eq!((b.lines().count(), b.size()), (3, 4 + 3 * 8));
        let taken = b.take();
        assert!(b.is_empty() && b.text.capacity() >= 4);
        assert_eq!(taken.lines().count(), 3);
    }
}
