//! A sketch's index from a value's hash to its place: an open-addressing
//! table of at least twice as many slots as places, probed linearly from
//! the slot the hash's top bits name. A slot holds a place (plus one; zero
//! is empty) and the hashes are the sketch's own, so a slot is two bytes.
//! The table starts small and doubles as places are taken, so a sketch of
//! few values holds little. It does for a sketch what a general hash map
//! did, with less work per line: a new value is looked for once and put in
//! the empty slot found (the map looked, then probed again to insert), and
//! a removal shifts the run after it back rather than leaving a tombstone.

/// Places indexed at most.
pub const PLACES: usize = 4096;
/// Slots of a new table.
const FIRST_SLOTS: usize = 64;

pub struct Places {
    slots: Vec<u16>,
    /// Places indexed now.
    len: usize,
}

impl Default for Places {
    fn default() -> Places {
        Places {
            slots: vec![0; FIRST_SLOTS],
            len: 0,
        }
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
        let mask = self.mask();
        let mut slot = self.home(hash);
        loop {
            match self.slots[slot] {
                0 => return Found::Empty(slot),
                p if hashes[usize::from(p - 1)] == hash => return Found::Place(usize::from(p - 1)),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Puts `place` in `slot`, the empty slot that [`Places::find`] returned
    /// for `hashes[place]`. When that fills half the table, the table
    /// doubles and every place is put again (`hashes` holds them all).
    pub fn insert(&mut self, slot: usize, place: usize, hashes: &[u64]) {
        debug_assert!(self.slots[slot] == 0 && place < PLACES);
        self.slots[slot] = place as u16 + 1;
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.grow(hashes);
        }
    }

    fn grow(&mut self, hashes: &[u64]) {
        let doubled = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        for p in old.into_iter().filter(|&p| p > 0) {
            let Found::Empty(slot) = self.find(hashes[usize::from(p - 1)], hashes) else {
                unreachable!("a place is indexed once");
            };
            self.slots[slot] = p;
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The slot where a hash's run starts: its top bits.
    fn home(&self, hash: u64) -> usize {
        (hash >> (64 - self.slots.len().trailing_zeros())) as usize
    }

    /// Takes out `place`, whose hash is `hashes[place]`. The slots after it
    /// up to the next empty one move back into the hole when their own run
    /// starts at or before it, so that every place stays reachable from its
    /// home without probing past an empty slot.
    pub fn remove(&mut self, place: usize, hashes: &[u64]) {
        let mask = self.mask();
        let mut hole = self.home(hashes[place]);
        while usize::from(self.slots[hole]) != place + 1 {
            hole = (hole + 1) & mask;
        }
        let mut slot = (hole + 1) & mask;
        while let p @ 1.. = self.slots[slot] {
            let from_home = slot.wrapping_sub(self.home(hashes[usize::from(p - 1)])) & mask;
            if from_home >= slot.wrapping_sub(hole) & mask {
                self.slots[hole] = p;
                hole = slot;
            }
            slot = (slot + 1) & mask;
        }
        self.slots[hole] = 0;
        self.len -= 1;
    }

    /// Forgets every place; the table keeps its size.
    pub fn clear(&mut self) {
        self.slots.fill(0);
        self.len = 0;
    }

    /// Bytes held.
    pub fn memory(&self) -> usize {
        self.slots.capacity() * size_of::<u16>()
    }
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
            self.hashes[place] = hash;
            match self.places.find(hash, &self.hashes) {
                Found::Empty(slot) => self.places.insert(slot, place, &self.hashes),
                Found::Place(p) => panic!("{hash:x} found at {p} before its insert"),
            }
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

    /// The top 8 bits of a hash pick one of this many homes.
    const SLOTS: usize = 256;

    proptest! {
        /// Hashes crowded into a few homes (the top 8 bits drawn from 0..4,
        /// or from the last four) make long runs that wrap around the
        /// table's end, and removals from their middle, as the table grows.
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
        (0..PLACES).for_each(|p| t.put(p, (p as u64).wrapping_mul(0x0123_4567_89ab_cdef)));
        t.check(&[]);
        t.places.clear();
        for p in 0..PLACES {
            assert!(matches!(t.places.find(t.hashes[p], &t.hashes), Found::Empty(_)));
        }
    }
}
