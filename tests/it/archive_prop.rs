//! `/history` paging and `/search` against a naive reading of the same
//! files, over random rotations: plain and gzip files of one or more
//! members, line-dense ones, and damaged ones (cut short, garbage after
//! the data, plain text named `.gz`). The naive reader is zlib (through
//! Python: every member, the complete lines it decodes before any damage;
//! `zcat` writes its output 32 KiB at a time and leaves out the last part
//! of a file cut short) and `str::lines`.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::archive::{gzip, live_lines, page_all_by};
use crate::harness::*;

/// How a rotated file is written.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Plain,
    /// gzip, in this many members.
    Gz(usize),
    /// gzip cut at this fraction (per mille) of its length.
    Cut(u32),
    /// gzip with bytes that are not gzip after it.
    Garbage,
    /// text named `.gz`.
    TextAsGz,
}

/// One rotated file: how it is written, its lines, and whether they are dense (short).
#[derive(Debug, Clone)]
struct Rotated {
    kind: Kind,
    lines: usize,
    dense: bool,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        2 => Just(Kind::Plain),
        4 => (1usize..4).prop_map(Kind::Gz),
        2 => (100u32..900).prop_map(Kind::Cut),
        1 => Just(Kind::Garbage),
        1 => Just(Kind::TextAsGz),
    ]
}

fn rotated() -> impl Strategy<Value = Rotated> {
    (kind(), 0usize..3000, any::<bool>()).prop_map(|(kind, lines, dense)| Rotated { kind, lines, dense })
}

/// Line `i` of file `f`: dense files have lines of a byte or none.
fn line(f: usize, i: usize, dense: bool) -> String {
    match dense {
        true if i % 3 == 0 => String::new(),
        true => format!("{}", i % 10),
        false => format!("file{f} line{i:05} k{} {}", i % 7, "x".repeat(i * 37 % 300)),
    }
}

/// The bytes of rotated file `f` and its name.
fn write(fx: &Fixture, f: usize, r: &Rotated) -> String {
    let text: String = (0..r.lines).map(|i| line(f, i, r.dense) + "\n").collect();
    let n = f + 1;
    let (name, bytes) = match r.kind {
        // Only the newest rotation stays plain (logrotate's delaycompress).
        Kind::Plain if n == 1 => (format!("access.log.{n}"), text.into_bytes()),
        Kind::Plain | Kind::Gz(_) => {
            let members = if let Kind::Gz(m) = r.kind { m } else { 1 };
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let per = lines.len().div_ceil(members).max(1);
            let gz = lines.chunks(per).flat_map(|c| gzip(c.concat().as_bytes())).collect();
            (format!("access.log.{n}.gz"), gz)
        }
        Kind::Cut(permille) => {
            let gz = gzip(text.as_bytes());
            let cut = gz.len() * permille as usize / 1000;
            (format!("access.log.{n}.gz"), gz[..cut].to_vec())
        }
        Kind::Garbage => {
            let gz = [gzip(text.as_bytes()), vec![0x1f, 0x8b, 8, 0, 1, 2, 3], vec![0x55; 100]].concat();
            (format!("access.log.{n}.gz"), gz)
        }
        Kind::TextAsGz => (format!("access.log.{n}.gz"), text.into_bytes()),
    };
    std::fs::write(fx.dir.path(&name), bytes).unwrap();
    name
}

/// Decodes a gzip file's members with zlib up to the end or the damage.
const ZLIB: &str = "
import sys, zlib
data, out = open(sys.argv[1], 'rb').read(), b''
try:
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out += d.decompress(data)
        if not d.eof:
            break
        data = d.unused_data
except zlib.error:
    pass
sys.stdout.buffer.write(out)
";

/// The lines a naive reader finds in `name`, oldest first.
fn naive(fx: &Fixture, name: &str) -> Vec<String> {
    let path = fx.dir.path(name);
    let text = match name.ends_with(".gz") {
        true => {
            let out = std::process::Command::new("python3")
                .args(["-c", ZLIB])
                .arg(&path)
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap()
        }
        false => std::fs::read_to_string(path).unwrap(),
    };
    // Complete lines only: a damaged file's last line is cut by the damage.
    let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
    complete.lines().map(str::to_string).collect()
}

async fn check(files: Vec<Rotated>, current: usize, limit: usize) -> Result<(), TestCaseError> {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let mut want = Vec::new();
    for (f, r) in files.iter().enumerate().rev() {
        let name = write(&fx, f, r);
        want.extend(naive(&fx, &name));
    }
    let now: Vec<String> = (0..current)
        .map(|i| line(99, i, false))
        .chain([numbered("now", 0)])
        .collect();
    let seqs = live_lines(&fx, &mut c, &now).await;
    want.extend(now[..current].iter().cloned());
    let (pages, failed) = page_all_by(&fx, *seqs.last().unwrap(), limit).await;
    prop_assert_eq!(pages.len(), want.len(), "failed: {:?}", failed);
    prop_assert!(pages == want, "the pages differ from the naive reading");
    let a = super::search::search(&fx, "stream=access&q=k3%20&limit=100000").await;
    let mut found = a.texts;
    found.reverse();
    let matching: Vec<String> = want.into_iter().filter(|l| l.contains("k3 ")).collect();
    prop_assert_eq!(found.len(), matching.len());
    prop_assert!(found == matching, "the search differs from the naive reading");
    Ok(())
}

#[test]
fn paging_and_search_read_what_a_naive_reader_reads() {
    let cases = std::env::var("LOGMON_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    let strategy = (proptest::collection::vec(rotated(), 0..5), 0usize..300, 1usize..700);
    let rt = tokio::runtime::Runtime::new().unwrap();
    runner
        .run(&strategy, |(files, current, limit)| {
            rt.block_on(check(files, current, limit))
        })
        .unwrap();
}
