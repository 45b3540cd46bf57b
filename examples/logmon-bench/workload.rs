//! The workload: realistic nginx "combined" lines that carry their write time,
//! and the two ways of writing them (a burst, and a steady rate).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::procfs;

/// Marks the write time inside each line: `ts=` and then [`TS_DIGITS`] digits.
pub const TS_MARK: &[u8] = b"ts=";
/// Digits of the embedded write time (nanoseconds, zero padded).
pub const TS_DIGITS: usize = 16;

/// Bytes written by one `write` call during a burst.
const BURST_CHUNK: usize = 1 << 20;
/// The steady writer wakes up this often and writes the lines that are due.
const STEADY_TICK: Duration = Duration::from_micros(500);

static CLOCK: OnceLock<Instant> = OnceLock::new();

/// Nanoseconds since the benchmark started: the clock shared by writers and clients.
pub fn now_ns() -> u64 {
    CLOCK.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

const METHODS: [&str; 4] = ["GET", "GET", "GET", "POST"];
const PATHS: [&str; 8] = [
    "/",
    "/api/v1/orders",
    "/api/v1/cart/items",
    "/static/js/app.3f9c2e.min.js",
    "/images/products/large/blue-shirt.webp",
    "/search",
    "/account/settings",
    "/favicon.ico",
];
const STATUSES: [u16; 8] = [200, 200, 200, 200, 304, 301, 404, 502];
const REFERERS: [&str; 4] = [
    "-",
    "https://shop.example.com/",
    "https://shop.example.com/cart",
    "https://www.search.example/?q=shirts",
];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "curl/8.5.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36",
];

/// Makes nginx "combined" lines of about 200 bytes, varied by a small PRNG.
pub struct LineGen {
    state: u64,
}

impl LineGen {
    pub fn new(seed: u64) -> LineGen {
        LineGen { state: seed | 1 }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Appends one line (with its `\n`) that says it was written at `ts_ns`.
    pub fn push(&mut self, out: &mut Vec<u8>, ts_ns: u64) {
        let r = self.next();
        let pick = |shift: u32, len: usize| ((r >> shift) as usize) % len;
        let ip = [
            10 + (r & 0x7f),
            (r >> 7) & 0xff,
            (r >> 15) & 0xff,
            1 + ((r >> 23) & 0xfd),
        ];
        let secs = (ts_ns / 1_000_000_000) % 60;
        let size = 150 + (r >> 40) % 40_000;
        writeln!(
            out,
            "{}.{}.{}.{} - - [24/Nov/2026:11:02:{secs:02} +0000] \"{} {}?id={}&{}{ts_ns:0w$} HTTP/1.1\" {} {size} \"{}\" \"{}\"",
            ip[0],
            ip[1],
            ip[2],
            ip[3],
            METHODS[pick(31, METHODS.len())],
            PATHS[pick(34, PATHS.len())],
            (r >> 20) % 1_000_000,
            std::str::from_utf8(TS_MARK).expect("ASCII"),
            STATUSES[pick(37, STATUSES.len())],
            REFERERS[pick(50, REFERERS.len())],
            AGENTS[pick(53, AGENTS.len())],
            w = TS_DIGITS,
        )
        .expect("writing to a Vec cannot fail");
    }
}

/// `n` lines, all stamped with the time they were made.
pub fn burst_data(n: u64) -> Vec<u8> {
    let mut maker = LineGen::new(0x5eed);
    let mut out = Vec::with_capacity(n as usize * 210);
    let ts = now_ns();
    for _ in 0..n {
        maker.push(&mut out, ts);
    }
    out
}

pub fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).create(true).open(path)
}

/// What a writer did, and the CPU time its thread used for it.
pub struct Written {
    pub lines: u64,
    pub cpu: Duration,
}

/// Appends `data` as fast as the kernel takes it, in large writes.
pub fn append_burst(path: &Path, data: &[u8]) -> io::Result<Written> {
    let cpu = procfs::thread_cpu();
    let mut file = open_append(path)?;
    for chunk in data.chunks(BURST_CHUNK) {
        file.write_all(chunk)?;
    }
    Ok(Written {
        lines: memchr::memchr_iter(b'\n', data).count() as u64,
        cpu: procfs::thread_cpu() - cpu,
    })
}

/// Writes `rate` lines a second for `secs` seconds, one `write` per line as
/// nginx does, each stamped just before its write.
pub fn write_steady(path: &Path, rate: u64, secs: f64) -> io::Result<Written> {
    let cpu = procfs::thread_cpu();
    let mut file = open_append(path)?;
    let mut maker = LineGen::new(0x57ead);
    let total = (rate as f64 * secs) as u64;
    let start = Instant::now();
    let mut line = Vec::with_capacity(256);
    let mut written = 0;
    while written < total {
        let due = ((start.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
        while written < due {
            line.clear();
            maker.push(&mut line, now_ns());
            file.write_all(&line)?;
            written += 1;
        }
        std::thread::sleep(STEADY_TICK);
    }
    Ok(Written {
        lines: written,
        cpu: procfs::thread_cpu() - cpu,
    })
}

/// Reads `path` from the page cache with a 128 KiB buffer and counts its lines.
pub fn count_lines(path: &Path) -> io::Result<u64> {
    use std::io::Read;
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 128 * 1024];
    let mut lines = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
}
