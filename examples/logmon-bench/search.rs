//! The search section, in process: logmon's search engine (`src/search/`)
//! against GNU grep on the same files, warm in the page cache.
//!
//! A log of `--search-mib` MiB (default 1024) of nginx combined lines from
//! [`LineGen`] and its `gzip -k -6` copy are made once and kept in
//! `<target>/bench-search/` (making the gzip takes half a minute, once).
//! Each needle is counted by `grep -F -c` (and `zgrep -F -c` on the gzip
//! file), with `LC_ALL=C`, and by the engine's counting mode; each is run
//! once to warm the cache and its best of three is kept, and the counts
//! must agree. Then the engine's newest-first mode, which emits every
//! match's line in order (gzip: the newest 1,000, the API's default limit,
//! and the newest 100,000, its maximum, which needs passes of re-reading).
//! Memory: the peak RSS growth of this process during the engine's runs,
//! from VmHWM after resetting it (`/proc/self/clear_refs`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use logmon::parts::{Compression, Hooks, Matcher, SearchOptions, search_count, search_newest_first};

use crate::procfs;
use crate::workload::LineGen;

/// About 3% of the lines: POST (1 in 4) to /search (1 in 8).
pub const NEEDLE_SOME: &str = "\"POST /search?";
/// In no line.
pub const NEEDLE_NONE: &str = "/wp-login.php";

/// One needle on one file: grep's count and time, the engine's.
pub struct Count {
    pub needle: &'static str,
    pub grep: u64,
    pub grep_secs: f64,
    pub logmon: u64,
    pub logmon_secs: f64,
}

/// A newest-first run: seconds, matches emitted, peak RSS growth.
pub struct Newest {
    pub limit: usize,
    pub secs: f64,
    pub matches: u64,
    pub extra_kib: u64,
}

pub struct Search {
    pub bytes: u64,
    pub lines: u64,
    pub gz_bytes: u64,
    pub plain: Vec<Count>,
    pub gz: Count,
    pub plain_newest: Newest,
    pub gz_newest: Vec<Newest>,
    pub count_extra_kib: u64,
}

pub fn run(mib: u64) -> io::Result<Search> {
    let (log, lines) = make_log(mib)?;
    let gz = make_gz(&log)?;
    let gz_name = gz.to_string_lossy();
    let mut count_extra_kib = 0;
    let mut plain = Vec::new();
    for needle in [NEEDLE_SOME, NEEDLE_NONE] {
        let (c, kib) = count(&log, needle)?;
        count_extra_kib = count_extra_kib.max(kib);
        plain.push(c);
    }
    eprintln!("search: gzip, zgrep and logmon ({gz_name})");
    let (gz_count, kib) = count(&gz, NEEDLE_SOME)?;
    count_extra_kib = count_extra_kib.max(kib);
    let plain_newest = newest(&log, u32::MAX as usize, 3)?;
    let gz_newest = vec![newest(&gz, 1_000, 3)?, newest(&gz, 100_000, 1)?];
    Ok(Search {
        bytes: std::fs::metadata(&log)?.len(),
        lines,
        gz_bytes: std::fs::metadata(&gz)?.len(),
        plain,
        gz: gz_count,
        plain_newest,
        gz_newest,
        count_extra_kib,
    })
}

/// `<target>/bench-search/`, beside the benchmark's other cached files.
fn cache_dir() -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let target = exe
        .ancestors()
        .nth(3)
        .ok_or_else(|| io::Error::other("cannot tell the target directory"))?;
    let dir = target.join("bench-search");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The log of `mib` MiB, made unless it is there; and its line count.
fn make_log(mib: u64) -> io::Result<(PathBuf, u64)> {
    let path = cache_dir()?.join(format!("access-{mib}MiB-v1.log"));
    if !path.exists() {
        eprintln!("search: making {} (once)", path.display());
        let tmp = path.with_extension("tmp");
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        let mut lines = LineGen::new(0x5ea4c4);
        let (mut line, mut written, mut ts) = (Vec::with_capacity(512), 0u64, 0u64);
        while written < mib << 20 {
            line.clear();
            ts += 1_000_003;
            lines.push(&mut line, ts);
            out.write_all(&line)?;
            written += line.len() as u64;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok((path.clone(), crate::workload::count_lines(&path)?))
}

/// `FILE.gz` made by `gzip -k -6` unless it is there.
fn make_gz(log: &Path) -> io::Result<PathBuf> {
    let gz = log.with_extension("log.gz");
    if !gz.exists() {
        eprintln!("search: gzip -k -6 {} (once)", log.display());
        let status = Command::new("gzip").args(["-k", "-6", "-f"]).arg(log).status()?;
        if !status.success() {
            return Err(io::Error::other(format!("gzip failed ({status})")));
        }
    }
    Ok(gz)
}

/// The best of three timed runs after one to warm the cache.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> io::Result<T>) -> io::Result<(T, f64)> {
    let mut best = (f()?, f64::INFINITY);
    for _ in 0..runs {
        let start = Instant::now();
        let v = f()?;
        let secs = start.elapsed().as_secs_f64();
        if secs < best.1 {
            best = (v, secs);
        }
    }
    Ok(best)
}

/// `grep -F -c` (`zgrep` for a `.gz` file) and the engine's count; the peak RSS growth of the latter.
fn count(path: &Path, needle: &'static str) -> io::Result<(Count, u64)> {
    let compression = Compression::of(path);
    let tool = if compression == Compression::Gzip {
        "zgrep"
    } else {
        "grep"
    };
    eprintln!("search: {tool} -F -c {needle:?} and logmon's count");
    let (grep, grep_secs) = best_of(3, || grep_count(tool, needle, path))?;
    let m = Matcher::literal(needle.as_bytes());
    let file = File::open(path)?;
    let o = SearchOptions::default();
    let before = reset_peak()?;
    let (logmon, logmon_secs) = best_of(3, || search_count(&file, compression, &m, &o))?;
    let extra = peak_growth(before)?;
    let c = Count {
        needle,
        grep,
        grep_secs,
        logmon,
        logmon_secs,
    };
    Ok((c, extra))
}

fn grep_count(tool: &str, needle: &str, path: &Path) -> io::Result<u64> {
    let out = Command::new(tool)
        .args(["-F", "-c", needle])
        .arg(path)
        .env("LC_ALL", "C")
        .output()?;
    // grep exits with 1 when nothing matched, and still prints 0.
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .map_err(|_| io::Error::other(format!("{tool} printed {text:?} ({})", out.status)))
}

/// Sums the emitted lines' lengths, so that they are looked at.
struct Emitted {
    matches: u64,
    bytes: u64,
}

impl Hooks for Emitted {
    fn found(&mut self, offset: u64, line: &[u8]) -> ControlFlow<()> {
        self.matches += 1;
        self.bytes += offset ^ line.len() as u64;
        ControlFlow::Continue(())
    }
}

/// The newest-first mode on the common needle, every match emitted up to `limit`.
fn newest(path: &Path, limit: usize, runs: usize) -> io::Result<Newest> {
    eprintln!("search: logmon newest first, up to {limit} matches, {}", path.display());
    let m = Matcher::literal(NEEDLE_SOME.as_bytes());
    let file = File::open(path)?;
    let o = SearchOptions {
        limit,
        ..SearchOptions::default()
    };
    let before = reset_peak()?;
    let once = || {
        let mut e = Emitted { matches: 0, bytes: 0 };
        search_newest_first(&file, Compression::of(path), &m, &o, &mut e)?;
        std::hint::black_box(e.bytes);
        io::Result::Ok(e.matches)
    };
    let start = Instant::now();
    let mut best = (once()?, start.elapsed().as_secs_f64());
    for _ in 1..runs {
        let start = Instant::now();
        let matches = once()?;
        best = (matches, best.1.min(start.elapsed().as_secs_f64()));
    }
    Ok(Newest {
        limit,
        secs: best.1,
        matches: best.0,
        extra_kib: peak_growth(before)?,
    })
}

/// Resets this process's VmHWM to its current RSS; returns that RSS (KiB).
fn reset_peak() -> io::Result<u64> {
    std::fs::write("/proc/self/clear_refs", "5")?;
    Ok(procfs::usage(std::process::id())?.rss_kib)
}

/// How far the peak RSS rose above `before` (KiB).
fn peak_growth(before: u64) -> io::Result<u64> {
    Ok(procfs::usage(std::process::id())?.peak_kib.saturating_sub(before))
}
