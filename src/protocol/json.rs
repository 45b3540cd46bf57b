//! JSON string literals written by hand for the hot path (`lines` messages).
//!
//! Runs of bytes that need no escape are found sixteen at a time with SSE2
//! on x86_64 (three compares and a mask per block), eight at a time
//! elsewhere and for the rest, and copied whole; log lines rarely need
//! escapes. The output is byte for byte what `serde_json` writes for the
//! same string.

/// Appends `s` as a JSON string literal.
pub fn push_string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    loop {
        let i = next_special(bytes, start);
        out.extend_from_slice(&bytes[start..i]);
        let Some(&b) = bytes.get(i) else { break };
        push_escape(out, b);
        start = i + 1;
    }
    out.push(b'"');
}

/// The index of the first byte at or after `i` that needs an escape (`"`,
/// `\` or a control character), or the end.
#[cfg(target_arch = "x86_64")]
fn next_special(bytes: &[u8], mut i: usize) -> usize {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    while i + 16 <= bytes.len() {
        // SAFETY: SSE2 is part of every x86_64 CPU, and the unaligned load
        // reads the 16 bytes at `i`, which the loop's bound keeps in `bytes`.
        let mask = unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().add(i).cast());
            let ctl = _mm_set1_epi8(0x1f);
            // max(v, 0x1f) == 0x1f: v is at most 0x1f, unsigned.
            let low = _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl);
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let slash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, slash)))
        };
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    next_special_swar(bytes, i)
}

#[cfg(not(target_arch = "x86_64"))]
fn next_special(bytes: &[u8], i: usize) -> usize {
    next_special_swar(bytes, i)
}

/// The same, eight bytes at a time in a `u64`.
fn next_special_swar(bytes: &[u8], mut i: usize) -> usize {
    while let Some(word) = bytes.get(i..i + 8) {
        if needs_escape(u64::from_le_bytes(word.try_into().expect("eight bytes"))) {
            break;
        }
        i += 8;
    }
    i + bytes[i..]
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
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
                        assert_eq!(next_special(&v, from), want, "{b:#x} at {pos} of {len}, from {from}");
                        assert_eq!(next_special_swar(&v, from), want);
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
