//! Finding one byte in the short distances a split looks across: the next
//! literal is usually a few to a hundred bytes on. A general `memchr`
//! call pays for its dispatch and its set-up for long haystacks on every
//! call; here sixteen bytes are compared at a time with SSE2 (part of
//! every x86_64 CPU), inline, and the tail byte by byte.

/// The first index of `b` in `hay`.
#[inline(always)]
pub fn find(hay: &[u8], b: u8) -> Option<usize> {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
        while i + 16 <= hay.len() {
            // SAFETY: SSE2 is part of every x86_64 CPU, and the unaligned
            // load reads the 16 bytes at `i`, which the loop's bound keeps in `hay`.
            let mask = unsafe {
                let v = _mm_loadu_si128(hay.as_ptr().add(i).cast());
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)))
            };
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    hay[i..].iter().position(|&c| c == b).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_occurrence_at_every_place_and_length() {
        for len in 0..70 {
            for at in 0..=len {
                let mut hay = vec![b'x'; len];
                if at < len {
                    hay[at] = b'"';
                    if at + 17 < len {
                        hay[at + 17] = b'"';
                    }
                }
                let want = hay.iter().position(|&c| c == b'"');
                assert_eq!(find(&hay, b'"'), want, "{at} of {len}");
            }
        }
    }
}
