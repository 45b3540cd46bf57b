//! The engine against a naive line-by-line scan, in memory: plain and gzip,
//! tiny blocks, cut lines, CRLF, limits and filters.

use std::io::Write;
use std::ops::ControlFlow;

use proptest::prelude::*;

use super::*;

/// Collects what a scan emits, with an optional filter and a stop after `stop` matches.
#[derive(Default)]
struct Collect {
    found: Vec<(u64, Vec<u8>)>,
    stop: Option<usize>,
    skip_older_than: Option<u64>,
    progress: Vec<u64>,
    /// Ends the scan at the first progress report.
    break_on_progress: bool,
}

impl Hooks for Collect {
    fn filter(&mut self, line: &[u8]) -> Verdict {
        // Lines that start with a digit carry a "time"; smaller is older.
        match (self.skip_older_than, line.first()) {
            (Some(t), Some(d)) if d.is_ascii_digit() && u64::from(d - b'0') < t => Verdict::SkipOlder,
            _ => Verdict::Match,
        }
    }

    fn found(&mut self, offset: u64, line: &[u8]) -> ControlFlow<()> {
        self.found.push((offset, line.to_vec()));
        if self.stop.is_some_and(|n| self.found.len() >= n) {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn progress(&mut self, scanned: u64) -> ControlFlow<()> {
        self.progress.push(scanned);
        match self.break_on_progress {
            true => ControlFlow::Break(()),
            false => ControlFlow::Continue(()),
        }
    }
}

/// Every line of `content` with its offset and text (no `\r`, cut), newest first.
fn naive_lines(content: &[u8], max_line: usize) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < content.len() {
        let end = memchr::memchr(b'\n', &content[start..]).map_or(content.len(), |i| start + i);
        let line = &content[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        out.push((start as u64, line[..line.len().min(max_line)].to_vec()));
        start = end + 1;
    }
    out.reverse();
    out
}

fn naive(content: &[u8], needle: &[u8], max_line: usize) -> Vec<(u64, Vec<u8>)> {
    naive_lines(content, max_line)
        .into_iter()
        .filter(|(_, l)| memchr::memmem::find(l, needle).is_some())
        .collect()
}

fn gz(members: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        out.extend(crate::archive::gzwrite::gzip(m, 1));
    }
    out
}

fn opts(block: usize, max_line: usize) -> Options {
    Options {
        block,
        max_line,
        ..Options::default()
    }
}

fn run(src: &[u8], c: Compression, m: &Matcher, o: &Options) -> Vec<(u64, Vec<u8>)> {
    let mut hooks = Collect::default();
    newest_first(src, c, m, o, &mut hooks).unwrap();
    hooks.found
}

fn texts(found: &[(u64, Vec<u8>)]) -> Vec<String> {
    found
        .iter()
        .map(|(_, l)| String::from_utf8_lossy(l).into_owned())
        .collect()
}

const SAMPLE: &[u8] = b"one apple\r\ntwo\n\nthree apples\nfour\r\napple pie";

#[test]
fn plain_newest_first_with_offsets() {
    let m = Matcher::literal(b"apple");
    for block in [1, 2, 3, 7, 64, 1 << 20] {
        let got = run(SAMPLE, Compression::Plain, &m, &opts(block, 1000));
        assert_eq!(texts(&got), ["apple pie", "three apples", "one apple"], "block {block}");
        assert_eq!(got.iter().map(|f| f.0).collect::<Vec<_>>(), [35, 16, 0]);
    }
}

#[test]
fn gzip_multi_member_matches_plain() {
    let m = Matcher::literal(b"apple");
    let (a, b) = SAMPLE.split_at(20);
    let file = gz(&[a, b]);
    for block in [1, 5, 1 << 20] {
        let o = opts(block, 1000);
        assert_eq!(
            run(&file, Compression::Gzip, &m, &o),
            run(SAMPLE, Compression::Plain, &m, &o)
        );
        assert_eq!(count(&file[..], Compression::Gzip, &m, &o).unwrap(), 3);
    }
}

#[test]
fn a_break_from_progress_ends_the_scan() {
    let m = Matcher::literal(b"apple");
    let o = opts(16, 1000);
    let mut hooks = Collect {
        break_on_progress: true,
        ..Collect::default()
    };
    let sum = newest_first(SAMPLE, Compression::Plain, &m, &o, &mut hooks).unwrap();
    assert!(sum.stopped);
    assert_eq!(hooks.progress.len(), 1);
    assert_eq!(texts(&hooks.found), ["apple pie"], "the newest block's matches only");
    let mut hooks = Collect {
        break_on_progress: true,
        ..Collect::default()
    };
    let file = gz(&[SAMPLE]);
    let sum = newest_first(&file[..], Compression::Gzip, &m, &opts(8, 1000), &mut hooks).unwrap();
    assert!(sum.stopped);
    assert!(
        hooks.found.is_empty(),
        "a gzip file's older matches are not emitted alone"
    );
}

#[test]
fn bytes_without_a_line_end_still_report_progress_and_can_be_stopped() {
    let m = Matcher::literal(b"x");
    let flat = [b'a'; 100];
    let mut h = Collect::default();
    newest_first(&flat[..], Compression::Plain, &m, &opts(8, 10), &mut h).unwrap();
    assert_eq!(h.progress.len(), 13, "a block at a time: {:?}", h.progress);
    // A gzip bomb: 64 MiB of zeros in about 64 KiB. The first report stops it.
    let bomb = gz(&[&vec![0u8; 64 << 20]]);
    let mut h = Collect {
        break_on_progress: true,
        ..Collect::default()
    };
    let sum = newest_first(&bomb[..], Compression::Gzip, &m, &opts(1 << 20, 100), &mut h).unwrap();
    assert!(sum.stopped && h.progress.len() == 1, "{:?}", h.progress);
    assert!(sum.scanned < bomb.len() as u64, "{} of {}", sum.scanned, bomb.len());
}

#[test]
fn crlf_is_not_part_of_the_text_nor_matched() {
    let m = Matcher::literal(b"four\r");
    assert!(run(SAMPLE, Compression::Plain, &m, &opts(4, 100)).is_empty());
    let m = Matcher::regex("^four$").unwrap();
    assert_eq!(texts(&run(SAMPLE, Compression::Plain, &m, &opts(4, 100))), ["four"]);
    let m = Matcher::literal(b"");
    assert_eq!(count(SAMPLE, Compression::Plain, &m, &opts(3, 100)).unwrap(), 6);
}

#[test]
fn a_needle_across_lines_is_no_match() {
    let m = Matcher::literal(b"two\n");
    assert!(run(SAMPLE, Compression::Plain, &m, &opts(1 << 20, 100)).is_empty());
    let m = Matcher::regex(r"two\s+three").unwrap();
    assert!(run(SAMPLE, Compression::Plain, &m, &opts(1 << 20, 100)).is_empty());
}

#[test]
fn long_lines_are_cut_like_the_follower_cuts_them() {
    let content = b"xxxxxxxxxxneedle\nneedle and more\nshort\n";
    let m = Matcher::literal(b"needle");
    for block in [1, 4, 100] {
        let o = opts(block, 8);
        assert_eq!(texts(&run(content, Compression::Plain, &m, &o)), ["needle a"]);
        assert_eq!(texts(&run(&gz(&[content]), Compression::Gzip, &m, &o)), ["needle a"]);
    }
}

#[test]
fn regex_anchors_hold_per_line() {
    let m = Matcher::regex("^t").unwrap();
    assert_eq!(
        texts(&run(SAMPLE, Compression::Plain, &m, &opts(5, 100))),
        ["three apples", "two"]
    );
    let m = Matcher::regex(r"\Aapple").unwrap();
    assert_eq!(
        texts(&run(SAMPLE, Compression::Plain, &m, &opts(5, 100))),
        ["apple pie"]
    );
    let m = Matcher::regex(r"(?-m)s$").unwrap();
    assert_eq!(
        texts(&run(SAMPLE, Compression::Plain, &m, &opts(5, 100))),
        ["three apples"]
    );
}

#[test]
fn a_huge_regex_is_refused_with_a_reason() {
    let Err(e) = Matcher::regex(r"\w{1000}\w{1000}") else {
        panic!("a huge pattern was accepted")
    };
    assert!(matches!(e, PatternError::TooLarge), "{e}");
    assert!(e.to_string().contains("too large"));
    assert!(matches!(Matcher::regex("(unclosed"), Err(PatternError::Invalid(_))));
}

#[test]
fn callers_stop_limit_and_skip_older() {
    let content = b"1 a\n2 a\n3 a\n4 a\n5 a\n";
    let m = Matcher::literal(b"a");
    let gzipped = gz(&[content]);
    for (src, c) in [(&content[..], Compression::Plain), (&gzipped[..], Compression::Gzip)] {
        let mut h = Collect {
            stop: Some(2),
            ..Collect::default()
        };
        let sum = newest_first(src, c, &m, &opts(3, 100), &mut h).unwrap();
        assert_eq!((texts(&h.found), sum.stopped), (vec!["5 a".into(), "4 a".into()], true));
        let o = Options {
            limit: 3,
            ..opts(3, 100)
        };
        let mut h = Collect::default();
        assert_eq!(newest_first(src, c, &m, &o, &mut h).unwrap().matches, 3);
        let mut h = Collect {
            skip_older_than: Some(3),
            ..Collect::default()
        };
        let sum = newest_first(src, c, &m, &opts(3, 100), &mut h).unwrap();
        assert_eq!(
            (texts(&h.found), sum.stopped),
            (vec!["5 a".into(), "4 a".into(), "3 a".into()], true)
        );
    }
}

#[test]
fn gzip_over_the_text_budget_reads_again() {
    let content: Vec<u8> = (0..500)
        .flat_map(|i| format!("line {i} match\n").into_bytes())
        .collect();
    let m = Matcher::literal(b"match");
    let file = gz(&[&content]);
    let o = Options {
        text_budget: 100,
        ..opts(64, 1000)
    };
    assert_eq!(run(&file, Compression::Gzip, &m, &o), naive(&content, b"match", 1000));
}

#[test]
fn a_real_file_through_pread() {
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(SAMPLE).unwrap();
    let m = Matcher::literal(b"apple");
    let mut h = Collect::default();
    newest_first(&f, Compression::Plain, &m, &opts(4, 100), &mut h).unwrap();
    assert_eq!(h.found, naive(SAMPLE, b"apple", 100));
    assert_eq!(
        h.progress,
        (1..=11).map(|b| b * 4).collect::<Vec<_>>(),
        "after each block, a line in it or not"
    );
    assert_eq!(Compression::of("a.log.2.gz".as_ref()), Compression::Gzip);
    assert_eq!(Compression::of("a.log-20261130".as_ref()), Compression::Plain);
}

proptest! {
    #[test]
    fn engine_matches_a_naive_scan(
        content in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'\r'), Just(b'\n')], 0..200),
        needle in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'\r')], 0..4),
        block in 1usize..12,
        max_line in prop_oneof![1usize..6, Just(1000usize)],
        budget in prop_oneof![1usize..20, Just(1usize << 20)],
        split in 0usize..200,
        window in prop_oneof![1usize..8, Just(1usize << 16)],
    ) {
        let want = naive(&content, &needle, max_line);
        let m = Matcher::literal(&needle);
        let o = Options { text_budget: budget, window, ..opts(block, max_line) };
        prop_assert_eq!(&run(&content, Compression::Plain, &m, &o), &want);
        let (a, b) = content.split_at(split.min(content.len()));
        let file = gz(&[a, b]);
        prop_assert_eq!(&run(&file, Compression::Gzip, &m, &o), &want);
        prop_assert_eq!(count(&content[..], Compression::Plain, &m, &o).unwrap(), want.len() as u64);
        prop_assert_eq!(count(&file[..], Compression::Gzip, &m, &o).unwrap(), want.len() as u64);
    }

    #[test]
    fn regex_matches_a_naive_scan(
        content in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'\r'), Just(b'\n')], 0..120),
        pattern in prop_oneof![Just("^a"), Just("b$"), Just("a+b"), Just(r"\bab"), Just("^$"), Just(r"a\s*b"), Just("(?s)a.b")],
        block in 1usize..10,
        window in prop_oneof![1usize..8, Just(1usize << 16)],
    ) {
        let max_line = 1000;
        let re = regex::bytes::Regex::new(pattern).unwrap();
        let want: Vec<_> = naive_lines(&content, max_line).into_iter().filter(|(_, l)| re.is_match(l)).collect();
        let m = Matcher::regex(pattern).unwrap();
        let o = Options { window, ..opts(block, max_line) };
        prop_assert_eq!(&run(&content, Compression::Plain, &m, &o), &want);
        prop_assert_eq!(&run(&gz(&[&content]), Compression::Gzip, &m, &o), &want);
    }
}

#[test]
fn a_line_longer_than_a_window_is_tested_on_its_text_alone() {
    // Windows of 16 bytes, lines cut at 8: the long line is a window of its own.
    let mut content = b"short x\n".to_vec();
    content.extend(b"x long");
    content.extend(vec![b'.'; 100]);
    content.extend(b"x past the cut\nlast x\n");
    let o = Options {
        window: 16,
        ..opts(1 << 20, 8)
    };
    for m in [Matcher::literal(b"x"), Matcher::regex("x").unwrap()] {
        let got = run(&content, Compression::Plain, &m, &o);
        assert_eq!(texts(&got), ["last x", "x long..", "short x"]);
    }
    let m = Matcher::literal(b"past");
    assert!(run(&content, Compression::Plain, &m, &o).is_empty(), "past the cut");
    // Stopped between two windows of a block: none of the block's matches.
    let mut h = Collect {
        break_on_progress: true,
        ..Collect::default()
    };
    let sum = newest_first(&content[..], Compression::Plain, &Matcher::literal(b"x"), &o, &mut h).unwrap();
    assert!(sum.stopped && h.found.is_empty(), "{:?}", h.found);
}
