//! The index of `.gz` files (`gzindex.rs`, `gzread.rs`) against the text
//! the files were made from: reading from any access point gives the
//! text from there on, single and multi-member files alike, points fall at
//! any bit of a byte, the index keeps to its bounds, and pages read through
//! it are the pages read without it.

use std::collections::BTreeMap;
use std::io::{Cursor as Bytes, Read};
use std::sync::Arc;

use super::gzindex::{Index, Key, Point};
use super::gzread::GzText;
use super::gzwrite::{Header, member};
use super::read::{self, Budget};
use super::reader::Reader;
use crate::history::page_back;
use crate::layout::{COMBINED, Escape, Layout};

/// Line `n` of a test file: its time is `n` (or none, every 7th line),
/// then up to 600 bytes of hexadecimal noise (which keeps deflate blocks short).
fn line(n: u64) -> String {
    let time = if n % 7 == 3 { "-".to_string() } else { n.to_string() };
    let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let noise: String = (0..n * 7919 % 38)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("{x:016x}")
        })
        .collect();
    format!("{n:08} {time} {noise}\n")
}

fn text(lines: u64) -> Vec<u8> {
    (0..lines).flat_map(|n| line(n).into_bytes()).collect()
}

/// The time `line` gives.
fn time(line: &[u8]) -> Option<f64> {
    std::str::from_utf8(line).ok()?.split(' ').nth(1)?.parse().ok()
}

fn gzip(text: &[u8], level: u32) -> Vec<u8> {
    super::gzwrite::gzip(text, level as u8)
}

/// `text` as gzip members cut at `cuts` (anywhere, not at lines), the
/// second with a name, a comment and an extra field in its header, the
/// third with a header CRC.
fn members(text: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(text.len());
    let mut out = Vec::new();
    for (k, w) in bounds.windows(2).enumerate() {
        let part = &text[w[0]..w[1]];
        if k == 1 {
            let h = Header {
                name: Some("x.log"),
                comment: Some("c"),
                extra: Some(&[1, 2, 3]),
            };
            out.extend(member(part, 6, &h));
        } else if k == 2 {
            let mut gz = gzip(part, 9);
            gz[3] |= 2;
            gz.splice(10..10, [0xab, 0xcd]);
            out.extend(gz);
        } else {
            out.extend(gzip(part, 1 + k as u32 % 9));
        }
    }
    out
}

fn key(size: usize) -> Key {
    Key {
        dev: 1,
        ino: size as u64,
        head: (0, 0),
        size: size as u64,
        layout: 0,
    }
}

/// The text of `gz` read from the point at or before `offset`: its origin, and the text.
fn read_from(gz: &[u8], index: &Index, offset: u64) -> ((u64, bool), Vec<u8>) {
    let mut text = GzText::open(Bytes::new(gz), index, key(gz.len()), offset, time).unwrap();
    let origin = text.origin();
    let mut got = Vec::new();
    text.read_to_end(&mut got).unwrap();
    (origin, got)
}

/// The index's points of `gz`, found by asking at every 256 bytes of its text.
fn points(gz: &[u8], index: &Index, len: usize) -> BTreeMap<u64, Arc<Point>> {
    let k = key(gz.len());
    let mut found = BTreeMap::new();
    for offset in (0..len as u64).step_by(256) {
        if let Some(p) = index.at_or_before(&k, offset) {
            found.insert(p.out, p);
        }
    }
    found
}

/// Builds the index of `gz` by one read, then reads from every point.
fn check_every_point(gz: &[u8], text: &[u8]) -> BTreeMap<u64, Arc<Point>> {
    let index = Index::new(1 << 30, 16 << 10, 10_000);
    assert_eq!(
        read_from(gz, &index, u64::MAX),
        ((0, true), text.to_vec()),
        "the first read"
    );
    let found = points(gz, &index, text.len());
    assert!(found.len() > 20, "{} points", found.len());
    for (&out, p) in &found {
        let line_start = text[out as usize - 1] == b'\n';
        assert_eq!(p.line_start, line_start);
        let (origin, got) = read_from(gz, &index, out + 100);
        assert_eq!(origin, (out, line_start));
        assert!(got == text[out as usize..], "from the point at {out}");
    }
    found
}

#[test]
fn reading_from_any_point_of_one_member_gives_the_text_from_there() {
    let text = text(4000);
    let found = check_every_point(&gzip(&text, 6), &text);
    let bits: std::collections::BTreeSet<u8> = found.values().map(|p| p.bits).collect();
    assert!(bits.len() >= 5, "points at bits {bits:?} of a byte");
    let full = |p: &Point| p.window.len() as u64 == p.out.min(super::gzindex::WINDOW as u64);
    assert!(found.values().all(|p| !p.member && full(p)));
}

#[test]
fn reading_from_any_point_of_many_members_gives_the_text_from_there() {
    let text = text(4000);
    let n = text.len();
    // A block ends every BLOCK bytes of a member's text and the index wants
    // a point every 16 KiB: a member that starts 20,000 bytes after a
    // block's end is where the next point falls.
    let a = 1 + 5 * super::gzwrite::BLOCK + 20_000;
    let cuts = [1, a, a + 1, n * 3 / 7, n * 3 / 5, n - 5];
    let found = check_every_point(&members(&text, &cuts), &text);
    assert!(found.values().any(|p| p.member), "points at members' starts");
    assert!(
        found
            .values()
            .any(|p| !p.member && p.window.len() < super::gzindex::WINDOW)
    );
}

#[test]
fn each_point_knows_the_time_of_the_first_timed_line_after_it() {
    let text = text(4000);
    let gz = gzip(&text, 6);
    let index = Index::new(1 << 30, 16 << 10, 10_000);
    read_from(&gz, &index, u64::MAX);
    let found = points(&gz, &index, text.len());
    let k = key(gz.len());
    let first_time_after = |out: usize| {
        let start = out + text[out..].iter().position(|&b| b == b'\n').unwrap() + 1;
        let start = if text[out - 1] == b'\n' { out } else { start };
        text[start..].split(|&b| b == b'\n').find_map(time).unwrap()
    };
    let times: Vec<(u64, f64)> = found.keys().map(|&o| (o, first_time_after(o as usize))).collect();
    for t in [0.0, 1.0, 500.5, 1000.0, 2222.0, 3999.0, 5000.0] {
        let want = times.iter().rev().find(|(_, when)| *when < t).map(|(o, _)| *o);
        assert_eq!(index.before_time(&k, t), want, "at {t}");
    }
}

#[test]
fn cut_short_corrupt_and_empty_files() {
    let text = text(300);
    let gz = gzip(&text, 6);
    let index = Index::new(1 << 30, 16 << 10, 10_000);
    let read = |bytes: &[u8]| {
        let mut got = Vec::new();
        let mut r = GzText::open(Bytes::new(bytes), &index, key(bytes.len()), 0, time).unwrap();
        r.read_to_end(&mut got).map(|_| got)
    };
    let cut = read(&gz[..gz.len() / 2]).unwrap_err();
    assert_eq!(cut.kind(), std::io::ErrorKind::UnexpectedEof);
    assert_eq!(
        read(&gz[..gz.len() - 3]).unwrap_err().kind(),
        std::io::ErrorKind::UnexpectedEof
    );
    let mut bad = gz.clone();
    bad[10] |= 0b110; // the first block's type: 3, which is none
    assert_eq!(read(&bad).unwrap_err().kind(), std::io::ErrorKind::InvalidData);
    let mut garbage = gz.clone();
    garbage.extend(b"not gzip");
    assert_eq!(read(&garbage).unwrap_err().kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(read(b"").unwrap(), b"");
}

fn fake_point(out: u64) -> Point {
    Point {
        out,
        input: out / 4,
        member: false,
        bits: 3,
        bit_buf: 5,
        window: vec![b'x'; super::gzindex::WINDOW].into(),
        line_start: false,
    }
}

#[test]
fn the_index_is_bounded() {
    let one = 32 * 1024 + 200;
    let index = Index::new(5 * 8 * one, 100, 8);
    let file = |n: u64| Key { ino: n, ..key(0) };
    for out in (1..=100).map(|k| k * 100) {
        index.add(&file(1), fake_point(out));
    }
    assert!(index.points() <= 8, "{} points a file at most", index.points());
    let kept = index.at_or_before(&file(1), u64::MAX).unwrap().out;
    assert!(
        index.due(&file(1)) - kept >= 1600,
        "the span doubled as points were dropped"
    );
    assert_eq!(
        index.add(&file(1), fake_point(kept + 1)),
        (false, index.due(&file(1))),
        "not due"
    );
    for n in 2..=6 {
        for out in 1..=8 {
            index.add(&file(n), fake_point(out * 100_000));
        }
    }
    assert!(index.memory() <= 5 * 8 * one, "{} bytes", index.memory());
    assert!(
        index.at_or_before(&file(1), u64::MAX).is_none(),
        "the least recently used is dropped"
    );
    assert!(index.at_or_before(&file(6), u64::MAX).is_some());
    let other = Key {
        head: (5, 5),
        ..file(6)
    };
    assert!(index.at_or_before(&other, u64::MAX).is_none());
    assert!(
        index.at_or_before(&file(6), u64::MAX).is_none(),
        "another identity drops the inode's points"
    );
    index.set_capacity(0);
    assert_eq!((index.memory(), index.points()), (0, 0));
    assert_eq!(index.add(&file(7), fake_point(100)), (false, u64::MAX));
    assert_eq!(index.due(&file(7)), u64::MAX);
}

#[test]
fn two_files_with_all_their_points_fit_in_the_daemons_index() {
    use super::gzindex::{CAPACITY, FILE_POINTS};
    let index = Index::new(CAPACITY, 100, FILE_POINTS);
    for ino in [1, 2] {
        for out in 1..=FILE_POINTS as u64 {
            index.add(&Key { ino, ..key(0) }, fake_point(out * 100));
        }
    }
    assert_eq!(index.points(), 2 * FILE_POINTS);
    assert!(index.memory() <= CAPACITY);
}

/// Line `n` of the page-level tests: nginx's combined format, `n` seconds after 2026-11-30T00:00:00Z.
fn nginx_line(n: u64) -> String {
    let (h, m, s) = (n / 3600 % 24, n / 60 % 60, n % 60);
    let path = "p".repeat((n % 97) as usize);
    format!("10.0.0.1 - - [30/Nov/2026:{h:02}:{m:02}:{s:02} +0000] \"GET /{path} HTTP/1.1\" 200 5 \"-\" \"t/{n}\"\n")
}

const BASE: f64 = 1_795_996_800.0; // 2026-11-30T00:00:00Z

/// Pages of `limit` lines back from the newest line of the log at `path` to its oldest.
fn page_by_page(path: &std::path::Path, layout: &Layout, limit: usize) -> Vec<Vec<String>> {
    let (mut pages, mut before) = (Vec::new(), None);
    loop {
        let p = page_back(path, layout, before.as_deref(), limit).unwrap();
        pages.push(p.lines.iter().map(|l| l.text.clone()).collect::<Vec<_>>());
        match p.before {
            Some(cursor) => before = Some(cursor),
            None => return pages,
        }
    }
}

#[test]
fn paging_back_through_a_large_gz_file_with_the_index_gives_the_pages_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (50_000, 50_100);
    let rotated: Vec<u8> = (0..old).flat_map(|n| nginx_line(n).into_bytes()).collect();
    std::fs::write(dir.path().join("access.log.1.gz"), gzip(&rotated, 6)).unwrap();
    let current: String = (old..new).map(nginx_line).collect();
    std::fs::write(dir.path().join("access.log"), current).unwrap();
    let path = dir.path().join("access.log");
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let shared = &super::gzindex::SHARED;
    let capacity = shared.set_capacity(0);
    let without = page_by_page(&path, &layout, 1000);
    shared.set_capacity(capacity);
    let with = page_by_page(&path, &layout, 1000);
    assert!(with == without, "the same pages");
    let all: Vec<String> = with.into_iter().rev().flatten().collect();
    let want: Vec<String> = (0..new).map(|n| nginx_line(n).trim_end().to_string()).collect();
    assert!(all == want, "every line once, in order");
    assert!(shared.points() >= 4, "{} points", shared.points());
    deep_reads_take_a_few_mib(&path, &layout, &rotated);
}

/// Through the index, pages and `at=` deep in the file read 3 MiB at most.
fn deep_reads_take_a_few_mib(path: &std::path::Path, layout: &Layout, rotated: &[u8]) {
    let mut r = Reader::new(path, layout, 64 << 10, Budget::new(3 << 20));
    let mut scanned = Vec::new();
    read::scan(rotated, 0, 64 << 10, &mut Budget::new(u64::MAX), |l| {
        scanned.push(l);
        true
    })
    .unwrap();
    let k = scanned.len() / 2;
    let offset = scanned[k].offset;
    let before: Vec<_> = r.before(1, offset, 300).unwrap().into_iter().map(|(_, l)| l).collect();
    let after: Vec<_> = r.from(1, offset, 300).unwrap().into_iter().map(|(_, l)| l).collect();
    assert!(before == scanned[k - 300..k] && after == scanned[k..k + 300]);
    for n in [20_000, 31_234, 49_999] {
        r.budget = Budget::new(3 << 20);
        let (i, at) = r.first_at(BASE + n as f64).unwrap().unwrap();
        assert_eq!((i, at), (1, scanned[n].offset), "at= line {n}");
    }
}
