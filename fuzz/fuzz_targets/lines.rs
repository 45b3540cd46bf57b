//! The line splitter: any chunking of the input gives the lines of one read,
//! no line holds a newline or exceeds the cap, and nothing panics.
//!
//! Input: one byte for the cap, one for the number of cuts, then the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logmon::LineSplitter;

fn split(input: &[u8], cuts: &[usize], max: usize) -> Vec<(Vec<u8>, usize)> {
    let mut s = LineSplitter::new(max);
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        s.feed(&input[start..cut], &mut |l, d| out.push((l.to_vec(), d)));
        start = cut;
    }
    s.flush(&mut |l, d| out.push((l.to_vec(), d)));
    out
}

fuzz_target!(|data: &[u8]| {
    let [cap, ncuts, input @ ..] = data else { return };
    let max = usize::from(*cap).max(1);
    // Cut points spread over the input, derived from its own bytes.
    let mut cuts: Vec<usize> = (0..usize::from(*ncuts % 16))
        .map(|i| input.get(i).map_or(0, |&b| usize::from(b) * 7 + i * 13) % (input.len() + 1))
        .collect();
    cuts.sort_unstable();
    let whole = split(input, &[], max);
    assert_eq!(whole, split(input, &cuts, max));
    let one_by_one: Vec<usize> = (1..input.len()).collect();
    assert_eq!(whole, split(input, &one_by_one, max));
    for (line, _) in &whole {
        assert!(line.len() <= max && !line.contains(&b'\n'));
    }
});
