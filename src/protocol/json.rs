//! JSON string literals written by hand for the hot path (`lines` messages).
//!
//! Runs of bytes that need no escape are found sixteen at a time with SSE2
//! on x86_64 (three compares and a mask per block), eight at a time
//! elsewhere and for the rest, and copied whole; log lines rarely need
//! escapes. The output is byte for byte what `serde_json` writes for the
//! same string. A raw line that is ASCII without NUL, as most log lines
//! are, is written in the same single pass ([`push_ascii`]): its bytes'
//! high bits are part of the scan, so it needs no UTF-8 check of its own.

/// Appends `s` as a JSON string literal.
pub fn push_string(out: &mut Vec<u8>, s: &str) {
    let written = push::<false>(out, s.as_bytes());
    debug_assert!(written, "any string can be written");
}

/// Appends `line` as a JSON string literal if it is ASCII without NUL
/// bytes; else leaves `out` as it was and returns false.
pub fn push_ascii(out: &mut Vec<u8>, line: &[u8]) -> bool {
    push::<true>(out, line)
}

/// Appends `bytes` as a JSON string literal; with `ASCII`, only if they
/// are ASCII without NUL (else `out` is left as it was, and false).
#[inline(always)]
fn push<const ASCII: bool>(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let len = out.len();
    out.push(b'"');
    let mut start = 0;
    loop {
        let i = copy_plain::<ASCII>(out, bytes, start);
        let Some(&b) = bytes.get(i) else { break };
        if ASCII && (b == 0 || b >= 0x80) {
            out.truncate(len);
            return false;
        }
        push_escape(out, b);
        start = i + 1;
    }
    out.push(b'"');
    true
}

/// Copies the bytes from `i` up to the first that [`stops`] (or the end)
/// to `out`; returns that byte's index. Sixteen bytes at a time are
/// loaded, checked and stored whole at `out`'s end, and its length then
/// moved past those that are plain: no call to copy each short run
/// between two quotes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn copy_plain<const ASCII: bool>(out: &mut Vec<u8>, bytes: &[u8], mut i: usize) -> usize {
    use std::arch::x86_64::_mm_storeu_si128;
    out.reserve(bytes.len() - i + 16);
    while i + 16 <= bytes.len() {
        // SAFETY: the load reads the 16 bytes at `i`, inside `bytes` by
        // the loop's bound; the store writes 16 bytes of `out`'s spare
        // capacity, of which there are at least 16 + what is left of
        // `bytes` past `i` (reserved above, and `out` grows by less than
        // `i` moves); the length then covers only bytes just written.
        let mask = unsafe {
            let (v, mask) = block::<ASCII>(bytes, i);
            _mm_storeu_si128(out.as_mut_ptr().add(out.len()).cast(), v);
            let plain = if mask == 0 { 16 } else { mask.trailing_zeros() as usize };
            out.set_len(out.len() + plain);
            mask
        };
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    let end = next_special_swar::<ASCII>(bytes, i);
    out.extend_from_slice(&bytes[i..end]);
    end
}

#[cfg(not(target_arch = "x86_64"))]
fn copy_plain<const ASCII: bool>(out: &mut Vec<u8>, bytes: &[u8], i: usize) -> usize {
    let end = next_special_swar::<ASCII>(bytes, i);
    out.extend_from_slice(&bytes[i..end]);
    end
}

/// The 16 bytes at `i`, and the mask of those that [`stops`].
///
/// # Safety
/// `i + 16 <= bytes.len()`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn block<const ASCII: bool>(bytes: &[u8], i: usize) -> (std::arch::x86_64::__m128i, u32) {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of every x86_64 CPU; the caller keeps the 16
    // bytes at `i` inside `bytes`.
    unsafe {
        let v = _mm_loadu_si128(bytes.as_ptr().add(i).cast());
        let ctl = _mm_set1_epi8(0x1f);
        // max(v, 0x1f) == 0x1f: v is at most 0x1f, unsigned.
        let low = _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl);
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let slash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // The high bits of `v` itself are its bytes from 0x80.
        let high = if ASCII { _mm_movemask_epi8(v) } else { 0 };
        let mask = _mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, slash))) | high;
        (v, mask as u32)
    }
}

/// Whether `b` needs an escape (`"`, `\` or a control character) or, with
/// `ASCII`, is not ASCII.
#[inline(always)]
fn stops<const ASCII: bool>(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\' || (ASCII && b >= 0x80)
}

/// The index of the first byte at or after `i` that [`stops`], or the end.
#[cfg(all(test, target_arch = "x86_64"))]
fn next_special<const ASCII: bool>(bytes: &[u8], mut i: usize) -> usize {
    while i + 16 <= bytes.len() {
        // SAFETY: the loop's bound keeps the 16 bytes at `i` in `bytes`.
        let (_, mask) = unsafe { block::<ASCII>(bytes, i) };
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    next_special_swar::<ASCII>(bytes, i)
}

#[cfg(all(test, not(target_arch = "x86_64")))]
fn next_special<const ASCII: bool>(bytes: &[u8], i: usize) -> usize {
    next_special_swar::<ASCII>(bytes, i)
}

/// The same, eight bytes at a time in a `u64`.
fn next_special_swar<const ASCII: bool>(bytes: &[u8], mut i: usize) -> usize {
    while let Some(word) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if needs_escape(w) || (ASCII && w & 0x8080_8080_8080_8080 != 0) {
            break;
        }
        i += 8;
    }
    i + bytes[i..]
        .iter()
        .position(|&b| stops::<ASCII>(b))
        .unwrap_or(bytes.len() - i)
}

/// True if any byte of `w` may be `"`, `\` or a control character (false positives are fine).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
    below_space || has_zero(w ^ (ONES * b'"' as u64)) || has_zero(w ^ (ONES * b'\\' as u64))
}

fn push_escape(out: &mut Vec<u8>, b: u8) {
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(s in any::<String>()) {
            let mut ours = Vec::new();
            push_string(&mut ours, &s);
            prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&s).unwrap());
        }

        /// Bytes that are mostly printable ASCII, now and then a quote, a
        /// control byte, NUL or a byte from 0x80: written as serde_json
        /// writes them when ASCII without NUL, else refused, untouched.
        #[test]
        fn an_ascii_line_is_written_in_one_pass_and_any_other_refused(
            line in proptest::collection::vec(prop_oneof![
                8 => 0x20u8..0x7f, 1 => Just(b'"'), 1 => Just(b'\\'), 1 => 0u8..0x20, 1 => 0x80u8..=0xff,
            ], 0..80)
        ) {
            let mut ours = b"[".to_vec();
            let written = push_ascii(&mut ours, &line);
            prop_assert_eq!(written, line.iter().all(|&b| b != 0 && b < 0x80));
            if written {
                let text = std::str::from_utf8(&line).unwrap();
                let want = serde_json::to_string(text).unwrap();
                prop_assert_eq!(&ours[1..], want.as_bytes());
            } else {
                prop_assert_eq!(ours, b"[".to_vec());
            }
        }
    }

    #[test]
    fn both_scans_find_the_same_byte() {
        for b in [0u8, 0x1f, 0x20, b'"', b'\\', 0x7f, 0x80, 0xff] {
            for len in [0, 1, 7, 8, 15, 16, 17, 40] {
                for pos in 0..=len {
                    let mut v = vec![b'x'; len];
                    if pos < len {
                        v[pos] = b;
                    }
                    for from in 0..=len {
                        let special = v[from..].iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\');
                        let want = special.map_or(len, |p| from + p);
                        assert_eq!(
                            next_special::<false>(&v, from),
                            want,
                            "{b:#x} at {pos} of {len}, from {from}"
                        );
                        assert_eq!(next_special_swar::<false>(&v, from), want);
                        let stop = v[from..]
                            .iter()
                            .position(|&c| c < 0x20 || c == b'"' || c == b'\\' || c >= 0x80);
                        let want = stop.map_or(len, |p| from + p);
                        assert_eq!(next_special::<true>(&v, from), want, "ASCII: {b:#x} at {pos} of {len}");
                        assert_eq!(next_special_swar::<true>(&v, from), want);
                    }
                }
            }
        }
    }

    #[test]
    fn strings_match_serde_json() {
        let mut samples: Vec<String> = vec![
            String::new(),
            "plain ascii line of more than eight bytes".into(),
            "\"quoted\" and \\back\\slash\\".into(),
            "ctl \u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f} \t\r\n end".into(),
            "ünïcödé € 😀 \u{2028}\u{2029}".into(),
        ];
        // Every escapable byte at every position of a 17-byte window.
        for b in [0u8, 0x1f, b'"', b'\\', b'\n'] {
            for pos in 0..17 {
                let mut v = vec![b'x'; 17];
                v[pos] = b;
                samples.push(String::from_utf8(v).unwrap());
            }
        }
        for s in samples {
            let mut ours = Vec::new();
            push_string(&mut ours, &s);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&s).unwrap(),
                "{s:?}"
            );
        }
    }
}
