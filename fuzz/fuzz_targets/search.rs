//! The search engine: newest first over a plain file read backwards in
//! blocks of any size gives what a naive line-by-line scan gives, and any
//! bytes read as a gzip file end in an error or in lines, never a panic.
//!
//! Input: one byte for the block size, one for the line cap, one for the
//! needle's length (its bytes are the content's first ones), then the content.
#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use logmon::parts::{Compression, Hooks, Matcher, SearchOptions, search_count, search_newest_first};

#[derive(Default)]
struct Collect(Vec<(u64, Vec<u8>)>);

impl Hooks for Collect {
    fn found(&mut self, offset: u64, line: &[u8]) -> ControlFlow<()> {
        self.0.push((offset, line.to_vec()));
        ControlFlow::Continue(())
    }
}

/// The matching lines (no `\r` before the `\n`, cut to `max`), newest first.
fn naive(content: &[u8], needle: &[u8], max: usize) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < content.len() {
        let end = memchr_end(content, start);
        let line = &content[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = &line[..line.len().min(max)];
        if text.windows(needle.len().max(1)).any(|w| w.starts_with(needle)) || needle.is_empty() {
            out.push((start as u64, text.to_vec()));
        }
        start = end + 1;
    }
    out.reverse();
    out
}

fn memchr_end(content: &[u8], start: usize) -> usize {
    content[start..].iter().position(|&b| b == b'\n').map_or(content.len(), |i| start + i)
}

fuzz_target!(|data: &[u8]| {
    let [block, cap, n, content @ ..] = data else { return };
    let needle = &content[..usize::from(*n % 5).min(content.len())];
    let o = SearchOptions {
        block: usize::from(*block).max(1),
        max_line: usize::from(*cap).max(1),
        limit: usize::MAX,
        ..SearchOptions::default()
    };
    let m = Matcher::literal(needle);
    let mut got = Collect::default();
    search_newest_first(content, Compression::Plain, &m, &o, &mut got).unwrap();
    let want = naive(content, needle, o.max_line);
    assert_eq!(got.0, want);
    assert_eq!(search_count(content, Compression::Plain, &m, &o).unwrap(), want.len() as u64);
    let _ = search_newest_first(content, Compression::Gzip, &m, &o, &mut Collect::default());
});
