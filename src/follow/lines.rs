//! Splitting a byte stream into lines, across reads of any size.
//!
//! Lines end at `\n`; a `\r` before it is removed. An unterminated tail is
//! kept until its newline arrives. A line longer than the cap keeps its
//! first `max` bytes and counts the rest, so memory stays bounded however
//! long a line is.

use memchr::memchr;

pub struct LineSplitter {
    max: usize,
    pending: Vec<u8>,
    /// Bytes of the pending line left out because of the cap.
    dropped: usize,
    /// The last byte of the pending line, even if it was left out.
    last: Option<u8>,
}

impl LineSplitter {
    pub fn new(max: usize) -> LineSplitter {
        LineSplitter {
            max,
            pending: Vec::new(),
            dropped: 0,
            last: None,
        }
    }

    /// Bytes of the unfinished line taken in so far (kept or cut).
    pub fn pending_bytes(&self) -> u64 {
        (self.pending.len() + self.dropped) as u64
    }

    /// True while part of a line waits for its end.
    pub fn has_partial(&self) -> bool {
        self.last.is_some()
    }

    /// Feeds bytes; calls `emit(line, dropped)` for each complete line.
    pub fn feed(&mut self, mut data: &[u8], emit: &mut impl FnMut(&[u8], usize)) {
        while let Some(i) = memchr(b'\n', data) {
            let (line, rest) = (&data[..i], &data[i + 1..]);
            if self.has_partial() {
                self.append(line);
                self.flush(emit);
            } else {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let keep = line.len().min(self.max);
                emit(&line[..keep], line.len() - keep);
            }
            data = rest;
        }
        self.append(data);
    }

    /// Emits the pending partial line, if any, as a line of its own.
    pub fn flush(&mut self, emit: &mut impl FnMut(&[u8], usize)) {
        if !self.has_partial() {
            return;
        }
        if self.last == Some(b'\r') {
            if self.dropped > 0 {
                self.dropped -= 1;
            } else {
                self.pending.pop();
            }
        }
        emit(&self.pending, self.dropped);
        self.pending.clear();
        self.dropped = 0;
        self.last = None;
    }

    fn append(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else { return };
        let room = self.max - self.pending.len();
        let keep = bytes.len().min(room);
        self.pending.extend_from_slice(&bytes[..keep]);
        self.dropped += bytes.len() - keep;
        self.last = Some(last);
    }
}

/// Removes every NUL byte from `buf` in place; returns the length left.
/// Costs one `memchr` when there is none, which is always but for holes.
pub fn strip_nuls(buf: &mut [u8]) -> usize {
    let Some(first) = memchr(0, buf) else {
        return buf.len();
    };
    let mut kept = first;
    for r in first..buf.len() {
        if buf[r] != 0 {
            buf[kept] = buf[r];
            kept += 1;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds `input` in pieces of `step` bytes; returns (line, dropped) pairs and the splitter.
    fn split(input: &[u8], step: usize, max: usize) -> (Vec<(Vec<u8>, usize)>, LineSplitter) {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        for chunk in input.chunks(step) {
            s.feed(chunk, &mut |l, d| out.push((l.to_vec(), d)));
        }
        (out, s)
    }

    fn lines(out: &[(Vec<u8>, usize)]) -> Vec<String> {
        out.iter()
            .map(|(l, _)| String::from_utf8_lossy(l).into_owned())
            .collect()
    }

    #[test]
    fn every_chunk_size_gives_the_same_lines() {
        let input = "a\r\nbé€😀c\n\r\n\nlast\r\nx".as_bytes();
        for step in 1..=input.len() {
            let (out, s) = split(input, step, 1024);
            assert_eq!(lines(&out), ["a", "bé€😀c", "", "", "last"], "step {step}");
            assert!(s.has_partial(), "`x` waits for its newline");
        }
    }

    #[test]
    fn multibyte_characters_split_across_reads_survive() {
        let input = "ü€😀\n".as_bytes();
        for step in 1..4 {
            let (out, _) = split(input, step, 1024);
            assert_eq!(std::str::from_utf8(&out[0].0).unwrap(), "ü€😀");
        }
    }

    #[test]
    fn cr_split_from_its_lf_is_still_removed() {
        let (out, _) = split(b"abc\r", 100, 1024);
        assert!(out.is_empty());
        let mut s = LineSplitter::new(1024);
        let mut got = Vec::new();
        s.feed(b"abc\r", &mut |l, d| got.push((l.to_vec(), d)));
        s.feed(b"\n", &mut |l, d| got.push((l.to_vec(), d)));
        assert_eq!(got, vec![(b"abc".to_vec(), 0)]);
    }

    #[test]
    fn long_lines_are_capped_and_counted() {
        let mut input = vec![b'x'; 10_000];
        input.extend_from_slice(b"\r\nshort\n");
        for step in [1, 7, 4096, 20_000] {
            let (out, _) = split(&input, step, 100);
            assert_eq!(out.len(), 2, "step {step}");
            assert_eq!((out[0].0.len(), out[0].1), (100, 9_900), "step {step}");
            assert_eq!(out[1], (b"short".to_vec(), 0));
        }
    }

    #[test]
    fn flush_emits_the_partial_line() {
        let mut s = LineSplitter::new(10);
        let mut got = Vec::new();
        s.feed(b"done\npart", &mut |l, d| got.push((l.to_vec(), d)));
        s.flush(&mut |l, d| got.push((l.to_vec(), d)));
        s.flush(&mut |l, d| got.push((l.to_vec(), d)));
        assert_eq!(got, vec![(b"done".to_vec(), 0), (b"part".to_vec(), 0)]);
        assert!(!s.has_partial());
    }

    #[test]
    fn nul_bytes_are_removed_and_nothing_else() {
        let mut b = *b"\0\0ab\0c\n\0";
        let n = strip_nuls(&mut b);
        assert_eq!(&b[..n], b"abc\n");
        let mut plain = *b"no nul here\n";
        assert_eq!(strip_nuls(&mut plain), plain.len());
    }

    /// Bytes where newlines and carriage returns are common.
    fn log_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'x'), any::<u8>()];
        proptest::collection::vec(byte, 0..600)
    }

    /// Feeds `input` cut at `cuts`, then flushes: every (line, dropped) emitted.
    fn split_at(input: &[u8], cuts: &[usize], max: usize) -> Vec<(Vec<u8>, usize)> {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain([input.len()].iter()) {
            s.feed(&input[start..cut], &mut |l, d| out.push((l.to_vec(), d)));
            start = cut;
        }
        s.flush(&mut |l, d| out.push((l.to_vec(), d)));
        out
    }

    proptest! {
        #[test]
        fn any_chunking_gives_the_lines_of_one_read(
            input in log_bytes(),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
            max in 1usize..40,
        ) {
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
            cuts.sort_unstable();
            let whole = split_at(&input, &[], max);
            prop_assert_eq!(&whole, &split_at(&input, &cuts, max));
            for (line, _) in &whole {
                prop_assert!(line.len() <= max && !line.contains(&b'\n'));
            }
            let newlines = input.iter().filter(|&&b| b == b'\n').count();
            let tail = usize::from(input.last().is_some_and(|&b| b != b'\n'));
            prop_assert_eq!(whole.len(), newlines + tail);
        }

        #[test]
        fn stripping_nuls_keeps_every_other_byte_in_order(input in log_bytes()) {
            let mut buf = input.clone();
            let n = strip_nuls(&mut buf);
            let want: Vec<u8> = input.into_iter().filter(|&b| b != 0).collect();
            prop_assert_eq!(&buf[..n], &want[..]);
        }
    }
}
