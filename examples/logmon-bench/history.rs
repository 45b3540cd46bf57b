//! The history section, in process: paging back through a rotated `.gz`
//! file as `/history?before=` does, without and with the daemon's index of
//! access points into `.gz` files (`src/archive/gzindex.rs`).
//!
//! A log of `--history-mib` MiB (default 200) of nginx combined lines from
//! [`LineGen`], compressed by `gzip -6` as `access.log.1.gz` beside an
//! empty `access.log`, is made once in `<target>/bench-history/`, with the
//! offset of the line nearest the middle of its text. Pages of
//! [`LIMIT`] lines (the API's default) go back [`PAGES`] pages from that
//! line, each from the cursor the page before gave.
//!
//! Without the index (its capacity set to 0), each page decompresses the
//! file from its start to its place. With it: the first page from the
//! newest line reads the whole file and leaves the points (its time is
//! printed), then the same pages, best of three. The pages must be the
//! same; the index's memory and points are printed after.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use logmon::parts::{COMBINED, Escape, GZ_INDEX, HistoryCursor, Layout, history_page_back};

use crate::workload::LineGen;

/// Lines a page, as the API gives by default, and pages read.
pub const LIMIT: usize = 200;
pub const PAGES: usize = 20;

pub struct History {
    pub text_bytes: u64,
    pub gz_bytes: u64,
    /// Milliseconds a page without the index, and with it.
    pub without_ms: f64,
    pub with_ms: f64,
    /// Milliseconds of the first page, which read the whole file.
    pub first_ms: f64,
    pub same: bool,
    pub index_bytes: usize,
    pub points: usize,
}

pub fn run(mib: u64) -> io::Result<History> {
    let (dir, text_bytes, middle) = make_files(mib)?;
    let path = dir.join("access.log");
    let gz_bytes = std::fs::metadata(dir.join("access.log.1.gz"))?.len();
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let capacity = GZ_INDEX.set_capacity(0);
    eprintln!(
        "history: {PAGES} pages back from the middle of {}, without the index",
        path.display()
    );
    let newest = history_page_back(&path, &layout, None, LIMIT)?;
    let mut cursor = HistoryCursor::decode(&newest.lines[0].cursor).map_err(io::Error::other)?;
    cursor.offset = middle;
    let start = cursor.encode();
    let (without, without_secs) = pages(&path, &layout, &start)?;
    GZ_INDEX.set_capacity(capacity);
    eprintln!("history: the same pages with the index");
    let first = Instant::now();
    history_page_back(&path, &layout, None, LIMIT)?;
    let first_ms = first.elapsed().as_secs_f64() * 1e3;
    let mut best = (Vec::new(), f64::INFINITY);
    for _ in 0..3 {
        let (texts, secs) = pages(&path, &layout, &start)?;
        best = (texts, best.1.min(secs));
    }
    Ok(History {
        text_bytes,
        gz_bytes,
        without_ms: without_secs * 1e3 / PAGES as f64,
        with_ms: best.1 * 1e3 / PAGES as f64,
        first_ms,
        same: best.0 == without && without.len() == PAGES * LIMIT,
        index_bytes: GZ_INDEX.memory(),
        points: GZ_INDEX.points(),
    })
}

/// [`PAGES`] pages back from cursor `start`: their lines, and the seconds they took.
fn pages(path: &Path, layout: &Layout, start: &str) -> io::Result<(Vec<String>, f64)> {
    let (mut texts, mut before) = (Vec::new(), start.to_string());
    let clock = Instant::now();
    for _ in 0..PAGES {
        let page = history_page_back(path, layout, Some(&before), LIMIT)?;
        texts.extend(page.lines.into_iter().map(|l| l.text));
        before = page.before.ok_or_else(|| io::Error::other("the file ended"))?;
    }
    Ok((texts, clock.elapsed().as_secs_f64()))
}

/// `<target>/bench-history/MIB/`, with its files made unless there: the
/// directory, the text's size and the offset of the line nearest its middle.
fn make_files(mib: u64) -> io::Result<(PathBuf, u64, u64)> {
    let exe = std::env::current_exe()?;
    let target = exe
        .ancestors()
        .nth(3)
        .ok_or_else(|| io::Error::other("cannot tell the target directory"))?;
    let dir = target.join("bench-history").join(format!("{mib}MiB-v1"));
    let sizes = dir.join("sizes");
    if !sizes.exists() {
        std::fs::create_dir_all(&dir)?;
        eprintln!("history: making {} (once)", dir.join("access.log.1.gz").display());
        let (text, middle) = write_gz(&dir, mib << 20)?;
        File::create(dir.join("access.log"))?;
        std::fs::write(&sizes, format!("{text} {middle}\n"))?;
    }
    let text = std::fs::read_to_string(&sizes)?;
    let mut numbers = text.split_whitespace().map(|n| n.parse::<u64>().ok());
    match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(size), Some(middle)) => Ok((dir, size, middle)),
        _ => Err(io::Error::other(format!("{} is not two numbers", sizes.display()))),
    }
}

/// Writes `bytes` of lines through `gzip -6` to `access.log.1.gz`: the
/// text's size, and the offset of the first line past its middle.
fn write_gz(dir: &Path, bytes: u64) -> io::Result<(u64, u64)> {
    let tmp = dir.join("making.gz");
    let mut gzip = Command::new("gzip")
        .arg("-6")
        .stdin(Stdio::piped())
        .stdout(File::create(&tmp)?)
        .spawn()?;
    let mut input = io::BufWriter::with_capacity(1 << 20, gzip.stdin.take().expect("a pipe"));
    let (mut lines, mut line) = (LineGen::new(0x415_7041), Vec::with_capacity(512));
    let (mut written, mut middle, mut ts) = (0u64, None, 0u64);
    while written < bytes {
        if written >= bytes / 2 {
            middle.get_or_insert(written);
        }
        line.clear();
        ts += 1_000_000_000;
        lines.push(&mut line, ts);
        input.write_all(&line)?;
        written += line.len() as u64;
    }
    drop(input.into_inner().map_err(|e| e.into_error())?);
    let status = gzip.wait()?;
    if !status.success() {
        return Err(io::Error::other(format!("gzip failed ({status})")));
    }
    std::fs::rename(&tmp, dir.join("access.log.1.gz"))?;
    Ok((written, middle.unwrap_or(0)))
}
