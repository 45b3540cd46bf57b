//! One top list of a report, exact in bounded memory: each distinct value
//! is counted from its first line on, until the panel holds `MAX_VALUES`
//! values or `MAX_BYTES` of them. A value first seen after that is not
//! listed; its hits are added to `untracked`, so no value missing from the
//! list can have more hits than that, and a list whose `untracked` is 0 is
//! exact.

use std::collections::HashMap;

use crate::protocol::report::{Item, Panel as PanelMessage};

/// Distinct values a panel holds at most.
pub const MAX_VALUES: usize = 50_000;
/// Bytes of values a panel holds at most.
pub const MAX_BYTES: usize = 4 << 20;
/// A value is counted by its first this many bytes.
pub const MAX_VALUE: usize = 1024;

#[derive(Clone, Copy, Default)]
struct Tally {
    hits: u64,
    bytes: u64,
}

#[derive(Default)]
pub struct Panel {
    counts: HashMap<Box<[u8]>, Tally, foldhash::fast::RandomState>,
    held: usize,
    untracked: u64,
}

impl Panel {
    /// Counts one hit of `value` that sent `bytes`.
    pub fn add(&mut self, value: &[u8], bytes: u64) {
        let value = &value[..value.len().min(MAX_VALUE)];
        if let Some(t) = self.counts.get_mut(value) {
            t.hits += 1;
            t.bytes += bytes;
        } else if self.counts.len() < MAX_VALUES && self.held + value.len() <= MAX_BYTES {
            self.held += value.len();
            self.counts.insert(value.into(), Tally { hits: 1, bytes });
        } else {
            self.untracked += 1;
        }
    }

    /// Bytes held, about: the values and the table's entries.
    pub fn memory(&self) -> usize {
        self.held + self.counts.capacity() * (size_of::<(Box<[u8]>, Tally)>() + 1)
    }

    /// The `n` values with the most hits (ties by value), each made an item by `item`.
    pub fn top(&self, n: usize, item: impl Fn(&[u8]) -> Item) -> PanelMessage {
        let mut all: Vec<(&[u8], Tally)> = self.counts.iter().map(|(v, t)| (&**v, *t)).collect();
        let order = |a: &(&[u8], Tally), b: &(&[u8], Tally)| b.1.hits.cmp(&a.1.hits).then(a.0.cmp(b.0));
        if all.len() > n && n > 0 {
            all.select_nth_unstable_by(n - 1, order);
        }
        all.truncate(n);
        all.sort_unstable_by(order);
        let items = all
            .into_iter()
            .map(|(v, t)| Item {
                hits: t.hits,
                bytes: t.bytes,
                ..item(v)
            })
            .collect();
        PanelMessage {
            items,
            distinct: self.counts.len() as u64,
            untracked: self.untracked,
        }
    }
}

/// An item whose value is the text of the bytes.
pub fn text(v: &[u8]) -> Item {
    Item {
        value: String::from_utf8_lossy(v).into_owned(),
        ..Item::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_exact_and_ordered_by_hits_then_value() {
        let mut p = Panel::default();
        for (v, n) in [("b", 3), ("a", 3), ("c", 5), ("d", 1)] {
            (0..n).for_each(|_| p.add(v.as_bytes(), 10));
        }
        let top = p.top(3, text);
        let got: Vec<_> = top.items.iter().map(|i| (i.value.as_str(), i.hits, i.bytes)).collect();
        assert_eq!(got, [("c", 5, 50), ("a", 3, 30), ("b", 3, 30)]);
        assert_eq!((top.distinct, top.untracked), (4, 0));
        assert!(p.top(0, text).items.is_empty());
    }

    #[test]
    fn a_full_panel_counts_new_values_as_untracked() {
        let mut p = Panel::default();
        for i in 0..MAX_VALUES + 10 {
            p.add(format!("v{i}").as_bytes(), 1);
        }
        p.add(b"v0", 1);
        let top = p.top(1, text);
        assert_eq!((top.distinct, top.untracked), (MAX_VALUES as u64, 10));
        assert_eq!((top.items[0].value.as_str(), top.items[0].hits), ("v0", 2));
    }

    #[test]
    fn long_values_are_bounded_in_bytes() {
        let mut p = Panel::default();
        let long = vec![b'x'; 1 << 20];
        for i in 0..10_000u32 {
            let mut v = i.to_be_bytes().to_vec();
            v.extend_from_slice(&long[..4000]);
            p.add(&v, 0);
        }
        assert!(p.memory() < MAX_BYTES + (1 << 20), "{}", p.memory());
        assert!(p.top(1, text).untracked > 0);
        // A value is known by its first MAX_VALUE bytes.
        let mut q = Panel::default();
        q.add(&long, 0);
        q.add(&long[..MAX_VALUE], 0);
        assert_eq!(q.top(1, text).items[0].hits, 2);
    }
}
