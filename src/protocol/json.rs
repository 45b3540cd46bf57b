//! JSON string literals written by hand for the hot path (`lines` messages).
//!
//! Runs of bytes that need no escape are found sixteen at a time with SSE2
//! on x86_64 (three compares and a mask per block, the last bytes from a
//! padded copy), eight at a time elsewhere, and copied whole; log lines
//! rarely need escapes, and an escape is written where its byte stopped
//! the run, with no call and no check of the vector's length per run. The output is byte for byte what `serde_json` writes for the
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
///
/// Sixteen bytes at a time are loaded, checked and stored whole at the
/// end of `out` (in its spare capacity), and the length written so far,
/// `n`, moved past those that are plain; the last bytes are loaded from a
/// copy padded with plain bytes. An escape is written in place of the
/// byte that stopped the run. `out`'s length is set once, at the end.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn push<const ASCII: bool>(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    use std::arch::x86_64::_mm_storeu_si128;
    let start = out.len();
    // Room: at every step, `out`'s capacity is at least `n` + the bytes
    // left + 17 (the closing quote, and a block stored whole past the
    // end); plain bytes move `n` as they move `i`, and each escape makes
    // room for itself first.
    out.reserve(bytes.len() + 18);
    let mut n = start;
    // SAFETY: within the room reserved above.
    unsafe { out.as_mut_ptr().add(n).write(b'"') };
    n += 1;
    let mut i = 0;
    while i < bytes.len() {
        let left = (bytes.len() - i).min(16);
        let (v, mask) = if left == 16 {
            // SAFETY: the 16 bytes at `i` are inside `bytes`.
            unsafe { block::<ASCII>(bytes, i) }
        } else {
            let mut pad = [b'x'; 16];
            pad[..left].copy_from_slice(&bytes[i..]);
            // SAFETY: `pad` holds 16 bytes; its padding never stops a run.
            unsafe { block::<ASCII>(&pad, 0) }
        };
        // SAFETY: 16 bytes of spare capacity at `n` (the room above).
        unsafe { _mm_storeu_si128(out.as_mut_ptr().add(n).cast(), v) };
        if mask == 0 {
            (n, i) = (n + left, i + left);
            continue;
        }
        let plain = mask.trailing_zeros() as usize;
        (n, i) = (n + plain, i + plain);
        let b = bytes[i];
        if ASCII && (b == 0 || b >= 0x80) {
            out.truncate(start);
            return false;
        }
        // SAFETY: the first `n` bytes are written; then room for the escape.
        unsafe { out.set_len(n) };
        out.reserve(6 + bytes.len() - i + 17);
        let (escape, len) = escape(b);
        // SAFETY: within the room just reserved.
        unsafe { std::ptr::copy_nonoverlapping(escape.as_ptr(), out.as_mut_ptr().add(n), 6) };
        (n, i) = (n + len, i + 1);
    }
    // SAFETY: within the room; the first `n` bytes and the quote are written.
    unsafe {
        out.as_mut_ptr().add(n).write(b'"');
        out.set_len(n + 1);
    }
    true
}

#[cfg(not(target_arch = "x86_64"))]
fn push<const ASCII: bool>(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let len = out.len();
    out.push(b'"');
    let mut start = 0;
    loop {
        let i = next_special_swar::<ASCII>(bytes, start);
        out.extend_from_slice(&bytes[start..i]);
        let Some(&b) = bytes.get(i) else { break };
        if ASCII && (b == 0 || b >= 0x80) {
            out.truncate(len);
            return false;
        }
        let (escape, n) = escape(b);
        out.extend_from_slice(&escape[..n]);
        start = i + 1;
    }
    out.push(b'"');
    true
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
#[cfg(any(test, not(target_arch = "x86_64")))]
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

/// The same, eight bytes at a time in a `u64` (where there is no SSE2).
#[cfg(any(test, not(target_arch = "x86_64")))]
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
#[cfg(any(test, not(target_arch = "x86_64")))]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
    below_space || has_zero(w ^ (ONES * b'"' as u64)) || has_zero(w ^ (ONES * b'\\' as u64))
}

/// The escape of `b` as JSON writes it, and its length (2 or 6).
#[inline(always)]
fn escape(b: u8) -> ([u8; 6], usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => {
            return (
                [b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]],
                6,
            );
        }
    };
    ([b'\\', short, 0, 0, 0, 0], 2)
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
