//! A layout's literal, compiled once for the split (`layout/split.rs`):
//! found by its first byte sixteen at a time (`layout/byte.rs`) and
//! compared whole in one masked 64-bit load where the line has eight bytes
//! left at that place, as nginx's literals (` `, `" "`, ` [`) are short.
//! A longer literal, or one near the line's end, is compared byte by byte.

/// One literal of a text layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    bytes: Box<[u8]>,
    /// The literal's bytes as a little-endian word, and the mask of its
    /// bytes, if it has at most eight.
    word: Option<(u64, u64)>,
}

impl Literal {
    pub fn new(text: &str) -> Literal {
        let bytes: Box<[u8]> = text.as_bytes().into();
        let word = (bytes.len() <= 8).then(|| {
            let mut w = [0u8; 8];
            w[..bytes.len()].copy_from_slice(&bytes);
            let mask = u64::MAX.checked_shl(8 * bytes.len() as u32).map_or(u64::MAX, |m| !m);
            (u64::from_le_bytes(w), mask)
        });
        Literal { bytes, word }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether `line` has this literal at `at` (`at` ≤ `line.len()`).
    #[inline(always)]
    pub fn is_at(&self, line: &[u8], at: usize) -> bool {
        if let (Some((word, mask)), Some(eight)) = (self.word, line.get(at..at + 8)) {
            let eight: [u8; 8] = eight.try_into().expect("eight bytes");
            return u64::from_le_bytes(eight) & mask == word;
        }
        line.len() - at >= self.bytes.len() && same(&line[at..at + self.bytes.len()], &self.bytes)
    }

    /// The first place at or after `from` (≤ `line.len()`) where `line`
    /// has this literal; none for the empty literal.
    #[inline(always)]
    pub fn find(&self, line: &[u8], from: usize) -> Option<usize> {
        let first = *self.bytes.first()?;
        let mut from = from;
        while let Some(i) = super::byte::find(&line[from..], first) {
            let at = from + i;
            if self.is_at(line, at) {
                return Some(at);
            }
            from = at + 1;
        }
        None
    }
}

/// Byte by byte: a call to memcmp costs more than the few bytes of a literal.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A literal is found where a plain search finds it, whatever its
        /// length and wherever the line ends.
        #[test]
        fn finds_what_a_plain_search_finds(
            lit in proptest::collection::vec(prop_oneof![Just(b' '), Just(b'"'), Just(b'x')], 0..11),
            line in proptest::collection::vec(prop_oneof![Just(b' '), Just(b'"'), Just(b'x'), Just(b'y')], 0..60),
            from in 0usize..60,
        ) {
            let from = from.min(line.len());
            let text = String::from_utf8(lit.clone()).unwrap();
            let want = match lit.is_empty() {
                true => None,
                false => line[from..].windows(lit.len()).position(|w| w == lit).map(|i| from + i),
            };
            let literal = Literal::new(&text);
            prop_assert_eq!(literal.find(&line, from), want);
            for at in 0..=line.len() {
                prop_assert_eq!(literal.is_at(&line, at), line[at..].starts_with(&lit));
            }
        }
    }
}
