//! A sketch's index from a value's hash to its place: an open-addressing
//! table of four times as many slots as places, probed linearly from the
//! slot the hash's top bits name. A slot holds a place (plus one; zero is
//! empty) and the hashes are the sketch's own, so the table is 256 bytes.
//! It does for a sketch what a general hash map did, with less work per
//! line: a new value is looked for once and put in the empty slot found
//! (the map looked, then probed again to insert), and a removal shifts the
//! run after it back rather than leaving a tombstone.

/// Places indexed at most.
pub const PLACES: usize = 64;
/// Slots: four times the places, so that a run of probes stays short.
const SLOTS: usize = 4 * PLACES;
const MASK: usize = SLOTS - 1;

pub struct Places {
    slots: [u8; SLOTS],
}

impl Default for Places {
    fn default() -> Places {
        Places { slots: [0; SLOTS] }
    }
}

/// Where a hash was looked for: its place, or the empty slot that ends its run.
pub enum Found {
    Place(usize),
    Empty(usize),
}

impl Places {
    /// Looks for `hash`; `hashes[p]` is the hash of the value at place `p`.
    pub fn find(&self, hash: u64, hashes: &[u64]) -> Found {
        let mut slot = home(hash);
        loop {
            match self.slots[slot] {
                0 => return Found::Empty(slot),
                p if hashes[usize::from(p - 1)] == hash => return Found::Place(usize::from(p - 1)),
                _ => slot = (slot + 1) & MASK,
            }
        }
    }

    /// Puts `place` in `slot`, the empty slot that [`Places::find`] returned.
    pub fn insert(&mut self, slot: usize, place: usize) {
        debug_assert!(self.slots[slot] == 0 && place < PLACES);
        self.slots[slot] = place as u8 + 1;
    }

    /// Takes out `place`, whose hash is `hashes[place]`. The slots after it
    /// up to the next empty one move back into the hole when their own run
    /// starts at or before it, so that every place stays reachable from its
    /// home without probing past an empty slot.
    pub fn remove(&mut self, place: usize, hashes: &[u64]) {
        let mut hole = home(hashes[place]);
        while usize::from(self.slots[hole]) != place + 1 {
            hole = (hole + 1) & MASK;
        }
        let mut slot = (hole + 1) & MASK;
        while let p @ 1.. = self.slots[slot] {
            let from_home = slot.wrapping_sub(home(hashes[usize::from(p - 1)])) & MASK;
            if from_home >= slot.wrapping_sub(hole) & MASK {
                self.slots[hole] = p;
                hole = slot;
            }
            slot = (slot + 1) & MASK;
        }
        self.slots[hole] = 0;
    }

    pub fn clear(&mut self) {
        self.slots = [0; SLOTS];
    }

    /// Bytes held.
    pub fn memory(&self) -> usize {
        SLOTS
    }
}

/// The slot where a hash's run starts: its top bits.
fn home(hash: u64) -> usize {
    (hash >> (64 - SLOTS.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// Places kept in a model map alongside, under inserts and removals.
    struct Checked {
        places: Places,
        hashes: Vec<u64>,
        model: HashMap<u64, usize>,
    }

    impl Checked {
        fn new() -> Checked {
            Checked {
                places: Places::default(),
                hashes: vec![0; PLACES],
                model: HashMap::new(),
            }
        }

        /// Puts `hash` at `place` (removing the hash that was there, if any).
        fn put(&mut self, place: usize, hash: u64) {
            if self.model.contains_key(&hash) {
                return;
            }
            if let Some(old) = self.model.iter().find(|(_, p)| **p == place).map(|(h, _)| *h) {
                self.places.remove(place, &self.hashes);
                self.model.remove(&old);
            }
            match self.places.find(hash, &self.hashes) {
                Found::Empty(slot) => self.places.insert(slot, place),
                Found::Place(p) => panic!("{hash:x} found at {p} before its insert"),
            }
            self.hashes[place] = hash;
            self.model.insert(hash, place);
        }

        fn check(&self, absent: &[u64]) {
            for (&h, &p) in &self.model {
                assert!(matches!(self.places.find(h, &self.hashes), Found::Place(q) if q == p));
            }
            for h in absent.iter().filter(|h| !self.model.contains_key(h)) {
                assert!(matches!(self.places.find(*h, &self.hashes), Found::Empty(_)));
            }
        }
    }

    proptest! {
        /// Hashes crowded into a few homes (the top bits drawn from 0..4,
        /// or from the last four)
        /// make long runs that wrap around the table's end, and removals
        /// from their middle.
        #[test]
        fn every_hash_put_is_found_at_its_place_and_no_other(
            ops in proptest::collection::vec((0..PLACES, 0u64..4, 0u64..1000, any::<bool>()), 1..600)
        ) {
            let mut t = Checked::new();
            let mut seen = Vec::new();
            for (place, top, low, wrap) in ops {
                let top = if wrap { SLOTS as u64 - 1 - top } else { top };
                let top = top << (64 - SLOTS.trailing_zeros());
                let hash = top | low;
                t.put(place, hash);
                seen.push(hash);
            }
            t.check(&seen);
        }
    }

    #[test]
    fn cleared_finds_nothing() {
        let mut t = Checked::new();
        (0..PLACES).for_each(|p| t.put(p, p as u64 * 0x0123_4567_89ab_cdef));
        t.check(&[]);
        t.places.clear();
        for p in 0..PLACES {
            assert!(matches!(t.places.find(t.hashes[p], &t.hashes), Found::Empty(_)));
        }
    }
}
