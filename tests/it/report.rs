//! `GET /report` against GoAccess (Debian's `goaccess`, installed by
//! tests/run-all.sh) on the same files: four days' worth of varied nginx
//! `combined` lines, rotated by the real `logrotate` (`compress`,
//! `delaycompress`), so the report reads the current file, a plain
//! rotation and two `.gz` ones. Every number GoAccess and logmon both give
//! is compared: totals, failed lines, unique visitors, each status code,
//! bandwidth, and the whole of the requests, static files, 404s, hosts and
//! referring sites panels. They must be equal: docs/protocol.md ("Reports")
//! says where the two define a number differently, and none of those
//! differences is in these lines.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use logmon::protocol::report::{Panel, Report, ReportItem};
use serde_json::Value;

/// The most items a report lists per panel (`top=`'s maximum).
const MAX_TOP: usize = 1000;

use crate::harness::*;

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Small numbers far more often than large ones (about Zipf's law).
    fn skewed(&mut self, n: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as u64 % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

const AGENTS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "curl/8.5.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "-",
];
const STATUSES: [&str; 16] = [
    "200", "200", "200", "200", "200", "200", "304", "301", "404", "404", "444", "499", "500", "503", "403", "201",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Line `i` of `n`, spread over four days from 2026-12-01 00:00 UTC; one in 500 is not a log line.
fn line(rng: &mut Rng, i: u64, n: u64) -> String {
    if rng.below(500) == 0 {
        return format!("garbage line {i} with no fields");
    }
    let t = 1_796_083_200 + i * 4 * 86_400 / n;
    let (y, m, d, h, mi, s) = logmon::parts::civil((t) as i64);
    let time = format!("{d:02}/{}/{y}:{h:02}:{mi:02}:{s:02} +0000", MONTHS[m as usize - 1]);
    let addr = match rng.skewed(300) {
        k if k % 7 == 3 => format!("2001:db8::{k:x}"),
        k => format!("10.{}.{}.{}", k / 250, k % 250, 1 + k % 3),
    };
    let k = rng.skewed(400);
    let path = match rng.below(10) {
        0 => "/".to_string(),
        1 => format!("/static/{k}.css"),
        2 => format!("/img/{k}.PNG"),
        3 => format!("/a%20b/{k}"),
        4 => format!("/search?q={k}"),
        5 => format!("/static/{k}.js?v=2"),
        _ => format!("/p/{k}"),
    };
    let method = ["GET", "GET", "GET", "POST", "HEAD"][rng.below(5) as usize];
    let protocol = ["HTTP/1.1", "HTTP/1.1", "HTTP/2.0", "HTTP/1.0"][rng.below(4) as usize];
    let request = match rng.below(200) {
        0 => "-".to_string(),
        _ => format!("{method} {path} {protocol}"),
    };
    let status = rng.pick(&STATUSES);
    let bytes = if status == "444" { 0 } else { rng.below(50_000) };
    let referer = match rng.below(10) {
        0..=5 => "-".to_string(),
        6 => "https://www.google.com/".to_string(),
        7 => "android-app://com.google.android.gm/".to_string(),
        _ => format!("https://site{}.example/page?x={k}", rng.skewed(40)),
    };
    let agent = rng.pick(&AGENTS);
    format!("{addr} - - [{time}] \"{request}\" {status} {bytes} \"{referer}\" \"{agent}\"")
}

/// The report's answer: progress lines, then one report.
pub async fn report(fx: &Fixture, query: &str) -> (Vec<(u64, u64)>, Report) {
    let resp = get(fx, &format!("/report?{query}")).await;
    let body = String::from_utf8(resp.body).unwrap();
    assert_eq!(resp.status, 200, "{query}: {body}");
    let mut progress = Vec::new();
    let mut report = None;
    for l in body.lines() {
        assert!(report.is_none(), "a line after the report: {l}");
        match serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")) {
            ReportItem::Progress { scanned, total } => progress.push((scanned, total)),
            ReportItem::Report(r) => report = Some(*r),
        }
    }
    (progress, report.expect("a report line"))
}

/// GoAccess's JSON report of the files, oldest first, read as one log.
fn goaccess(fx: &Fixture, files: &[&str]) -> Value {
    let paths: Vec<_> = files.iter().map(|f| fx.dir.path(f)).collect();
    let mut zcat = Command::new("zcat")
        .arg("-f")
        .args(&paths)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = fx.dir.path("goaccess.json");
    let status = Command::new("goaccess")
        .args([
            "-",
            "--log-format=COMBINED",
            "--no-progress",
            "--max-items=100000",
            "-o",
        ])
        .arg(&out)
        .stdin(zcat.stdout.take().unwrap())
        .stderr(Stdio::null())
        .status()
        .expect("goaccess is not installed: apt-get install goaccess (tests/run-all.sh installs it)");
    assert!(zcat.wait().unwrap().success());
    assert!(status.success());
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

/// A GoAccess panel as (key, hits, bytes), keyed as logmon's items are.
fn their_panel(ga: &Value, name: &str) -> BTreeMap<String, (u64, u64)> {
    let items = ga[name]["data"].as_array().unwrap_or_else(|| panic!("no panel {name}"));
    items
        .iter()
        .map(|i| {
            let data = i["data"].as_str().unwrap().to_string();
            let key = match (i["method"].as_str(), i["protocol"].as_str()) {
                (Some("---"), _) | (None, _) => data,
                (Some(m), Some(p)) => format!("{m} {data} {p}"),
                (Some(m), None) => format!("{m} {data}"),
            };
            let count = |f: &str| i[f]["count"].as_u64().unwrap();
            (key, (count("hits"), count("bytes")))
        })
        .collect()
}

fn our_panel(p: &Panel) -> BTreeMap<String, (u64, u64)> {
    assert_eq!(p.untracked, 0, "every value is counted");
    p.items
        .iter()
        .map(|i| {
            let key = match i.method.is_empty() {
                true => i.value.clone(),
                false => format!("{} {} {}", i.method, i.value, i.protocol),
            };
            (key, (i.hits, i.bytes))
        })
        .collect()
}

/// `ours` is the top of `theirs` (all of it when it holds fewer than
/// `MAX_TOP` items): each of our items has their hits and bytes, and no
/// item of theirs is left out that has more hits than our least.
fn same_top(ours: &BTreeMap<String, (u64, u64)>, theirs: &BTreeMap<String, (u64, u64)>) {
    for (key, counts) in ours {
        assert_eq!(Some(counts), theirs.get(key), "{key}");
    }
    let least = ours.values().map(|c| c.0).min().unwrap_or(0);
    let missing: Vec<_> = theirs
        .iter()
        .filter(|(k, c)| !ours.contains_key(*k) && c.0 > least)
        .collect();
    assert!(missing.is_empty(), "left out: {missing:?}");
    if ours.len() < MAX_TOP {
        assert_eq!(ours.len(), theirs.len());
    }
}

#[tokio::test]
async fn a_report_of_rotated_and_compressed_files_equals_goaccess() {
    let fx = Fixture::new(&[ACCESS]);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let n = 40_000;
    let lines: Vec<String> = (0..n).map(|i| line(&mut rng, i, n)).collect();
    for part in lines.chunks(10_000) {
        fx.dir.append("access.log", part);
        logrotate(&fx.dir, "    compress\n    delaycompress");
    }
    let files = ["access.log.4.gz", "access.log.3.gz", "access.log.2.gz", "access.log.1"];
    for f in files {
        assert!(fx.dir.path(f).exists(), "{f}");
    }
    let (progress, r) = report(&fx, &format!("stream=access&top={MAX_TOP}")).await;
    assert!(!progress.is_empty(), "progress is reported");
    assert!(!r.truncated && r.failed.is_empty(), "{:?} {:?}", r.budget, r.failed);
    assert_eq!(r.scanned, r.total);
    let ga = goaccess(&fx, &files);
    let general = &ga["general"];
    let number = |k: &str| general[k].as_u64().unwrap();
    assert_eq!(r.requests, n);
    assert_eq!(
        (r.requests, r.valid, r.bad),
        (
            number("total_requests"),
            number("valid_requests"),
            number("failed_requests")
        )
    );
    assert_eq!((r.visitors, r.visitors_exact), (number("unique_visitors"), true));
    assert_eq!(r.bytes, number("bandwidth"));
    let mut codes = BTreeMap::new();
    for class in ga["status_codes"]["data"].as_array().unwrap() {
        for code in class["items"].as_array().unwrap() {
            let text = code["data"].as_str().unwrap();
            let status: u16 = text[..3].parse().unwrap();
            codes.insert(status, code["hits"]["count"].as_u64().unwrap());
        }
    }
    assert_eq!(r.status.iter().copied().collect::<BTreeMap<_, _>>(), codes);
    for (ours, theirs) in [
        (&r.panels.requests, "requests"),
        (&r.panels.statics, "static_requests"),
        (&r.panels.not_found, "not_found"),
        (&r.panels.hosts, "hosts"),
        (&r.panels.referring_sites, "referring_sites"),
    ] {
        let (ours, theirs) = (our_panel(ours), their_panel(&ga, theirs));
        assert!(ours.len() > 3, "{ours:?}");
        same_top(&ours, &theirs);
    }
}

#[tokio::test]
async fn a_range_and_a_filter_count_only_their_lines() {
    let fx = Fixture::new(&[ACCESS]);
    let mut rng = Rng(7);
    let n = 4_000;
    let lines: Vec<String> = (0..n).map(|i| line(&mut rng, i, n)).collect();
    fx.dir.append("access.log", &lines[..2000]);
    logrotate(&fx.dir, "    compress");
    fx.dir.append("access.log", &lines[2000..]);
    // The second day, 2026-12-02, by each line's own time.
    let (from, to) = (1_796_083_200 + 86_400, 1_796_083_200 + 2 * 86_400);
    let (_, r) = report(
        &fx,
        &format!("stream=access&from={from}&to={}&filter=status%3A404&top=1000", to - 1),
    )
    .await;
    let want = lines
        .iter()
        .filter(|l| l.contains("] \"") && l.contains("/Dec/2026:") && l.contains(" 404 "))
        .filter(|l| l.contains("02/Dec/2026"))
        .count() as u64;
    assert!(want > 50, "{want}");
    assert_eq!((r.requests, r.valid, r.status.clone()), (want, want, vec![(404, want)]));
    assert_eq!(r.panels.not_found.items.iter().map(|i| i.hits).sum::<u64>(), want);
    let (first, last) = (r.first.unwrap(), r.last.unwrap());
    assert!(first >= from as f64 && last < to as f64, "{first} {last}");
    assert!(r.series.points.iter().map(|p| p.n).sum::<u64>() == want);
}

#[tokio::test]
async fn bad_reports_are_refused_with_a_reason() {
    let fx = Fixture::new(&[ACCESS]);
    for (query, status, why) in [
        ("stream=nope", 400, "no stream"),
        ("stream=access&filter=rt%3Eabc", 400, "filter="),
        ("stream=access&top=0", 400, "top="),
        ("stream=access&bogus=1", 400, "unknown parameter"),
    ] {
        let resp = get(&fx, &format!("/report?{query}")).await;
        let body = String::from_utf8(resp.body).unwrap();
        assert_eq!(resp.status, status, "{query}: {body}");
        assert!(body.contains(why), "{query}: {body}");
    }
}
