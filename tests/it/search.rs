//! `GET /search` against files rotated by the real `logrotate`: the matches
//! equal what `grep -F` / `zgrep -F` (and `-E` for a regex) print for the
//! same files, newest file first and each file's lines from its end; field
//! terms, time bounds, the limit, cursors that open a match in context, a
//! damaged file reported while the others are searched, and progress.
//! Refusals and bounds are in `search_bounds.rs`.

use std::process::Command;
use std::time::Duration;

use logmon::protocol::history::{Page, SearchItem};

use crate::harness::*;

/// The time of line 0; line `n` is `n` seconds later.
const BASE: i64 = 1_796_047_323; // 2026-11-30T14:02:03Z

/// Line `n` in nginx's combined format, varied in address, method, path, status and agent.
pub fn line(n: usize) -> String {
    let secs = (BASE + n as i64).rem_euclid(86_400);
    let (h, mi, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let method = if n % 5 == 0 { "POST" } else { "GET" };
    let status = [200, 200, 301, 404, 500, 503][n % 6];
    let ua = [
        "curl/8.5.0",
        "Mozilla/5.0 (compatible; Examplebot/2.1)",
        "Go-http-client/1.1",
    ][n % 3];
    format!(
        "10.0.{}.{} - - [30/Nov/2026:{h:02}:{mi:02}:{s:02} +0000] \"{method} /api/{}/item{n:05} HTTP/1.1\" {status} {} \"-\" \"{ua}\"",
        n % 7,
        n % 250,
        n % 13,
        100 + n % 900
    )
}

/// What a search answered.
#[derive(Default)]
pub struct Answer {
    pub texts: Vec<String>,
    cursors: Vec<String>,
    times: Vec<Option<f64>>,
    progress: Vec<(u64, u64)>,
    pub done: Option<SearchItem>,
}

impl Answer {
    fn truncated(&self) -> bool {
        matches!(self.done, Some(SearchItem::Done { truncated: true, .. }))
    }
}

/// `GET /search?query`, which must be a 200 NDJSON answer ending with `done`.
pub async fn search(fx: &Fixture, query: &str) -> Answer {
    let resp = get(fx, &format!("/search?{query}")).await;
    let body = String::from_utf8(resp.body).unwrap();
    assert_eq!(resp.status, 200, "{query}: {body}");
    assert!(
        resp.head
            .to_ascii_lowercase()
            .contains("content-type: application/x-ndjson")
    );
    let mut a = Answer::default();
    for l in body.lines() {
        assert!(a.done.is_none(), "{query}: a line after done: {l}");
        match serde_json::from_str(l).unwrap_or_else(|e| panic!("{query}: {e}: {l}")) {
            SearchItem::Match { text, cursor, time, .. } => {
                a.texts.push(text);
                a.cursors.push(cursor);
                a.times.push(time);
            }
            SearchItem::Progress { scanned, total, .. } => a.progress.push((scanned, total)),
            done @ SearchItem::Done { .. } => a.done = Some(done),
        }
    }
    assert!(a.done.is_some(), "{query}: no done line");
    a
}

/// `GET /search?query`, which must be refused with `status`; the reason.
pub async fn refused(fx: &Fixture, query: &str, status: u16) -> String {
    let resp = get(fx, &format!("/search?{query}")).await;
    let reason = String::from_utf8(resp.body).unwrap();
    assert_eq!(resp.status, status, "{query}: {reason}");
    reason
}

/// What grep prints for `pattern` in `files` (grep `-F` or `-E`, zgrep for
/// `.gz`), each file's lines from its last: the order a search answers in.
fn grep_newest_first(fx: &Fixture, files: &[&str], flag: &str, pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let tool = if f.ends_with(".gz") { "zgrep" } else { "grep" };
        let got = Command::new(tool)
            .args([flag, "--", pattern])
            .arg(fx.dir.path(f))
            .output()
            .unwrap();
        assert!(got.status.code().is_some_and(|c| c <= 1), "{tool}: {got:?}");
        let text = String::from_utf8(got.stdout).unwrap();
        out.extend(text.lines().rev().map(str::to_string));
    }
    out
}

/// access.log, then three rotations by logrotate (`compress`, `delaycompress`): 1200 lines.
async fn rotated() -> Fixture {
    rotated_with("    compress\n    delaycompress", Duration::ZERO).await
}

/// 1200 lines written to access.log, rotated by logrotate with `options` after each 300.
async fn rotated_with(options: &str, pause: Duration) -> Fixture {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    for (from, to) in [(0, 300), (300, 600), (600, 900), (900, 1200)] {
        let lines: Vec<String> = (from..to).map(line).collect();
        fx.dir.append("access.log", &lines);
        c.expect_lines("access", to - from, Duration::from_secs(20)).await;
        if to < 1200 {
            logrotate(&fx.dir, options);
            tokio::time::sleep(pause).await;
        }
    }
    fx
}

const FILES: [&str; 4] = ["access.log", "access.log.1", "access.log.2.gz", "access.log.3.gz"];

/// Asserts two lists of lines are equal, showing only where they differ.
fn same(got: &[String], want: &[String], what: &str) {
    let at = got.iter().zip(want).position(|(g, w)| g != w);
    assert!(
        at.is_none() && got.len() == want.len(),
        "{what}: {} lines, {} wanted; first difference at {at:?}: {:?} / {:?}",
        got.len(),
        want.len(),
        at.map(|i| &got[i]),
        at.map(|i| &want[i]),
    );
}

fn q(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn search_equals_grep_over_logrotate_files() {
    let fx = rotated().await;
    equals_grep(&fx, &FILES).await;
}

#[tokio::test]
async fn search_equals_grep_over_dated_rotations() {
    let fx = rotated_with(
        "    compress\n    dateext\n    dateformat -%Y%m%d%H%M%S",
        Duration::from_millis(1100),
    )
    .await;
    let mut dated: Vec<String> = std::fs::read_dir(fx.dir.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("access.log-") && n.ends_with(".gz"))
        .collect();
    dated.sort_by(|a, b| b.cmp(a));
    assert_eq!(dated.len(), 3, "{dated:?}");
    let files: Vec<&str> = std::iter::once("access.log")
        .chain(dated.iter().map(String::as_str))
        .collect();
    equals_grep(&fx, &files).await;
}

/// Literal and regex searches give what grep gives over `files`, newest first.
async fn equals_grep(fx: &Fixture, files: &[&str]) {
    let size = |f: &&str| std::fs::metadata(fx.dir.path(f)).unwrap().len();
    let total: u64 = files.iter().map(size).sum();
    for needle in [
        "/api/3/",
        "Examplebot",
        "\" 503 ",
        "item00042",
        "10.0.6.249 ",
        "nowhere",
    ] {
        let a = search(fx, &format!("stream=access&q={}", q(needle))).await;
        let want = grep_newest_first(fx, files, "-F", needle);
        same(&a.texts, &want, &format!("q={needle:?}"));
        let want_done = SearchItem::Done {
            matches: want.len() as u64,
            scanned: total,
            total,
            truncated: false,
            budget: None,
            failed: Vec::new(),
        };
        assert_eq!(a.done.unwrap(), want_done, "q={needle:?}");
        assert!(
            a.progress.iter().all(|&(s, t)| s <= t && t == total),
            "{:?}",
            a.progress
        );
    }
    for pattern in [
        "/api/(3|7)/item0[0-9]+1 ",
        "^10\\.0\\.2\\.1[0-9] ",
        "(500|503) [0-9]+ \"-\" \"Mozilla",
    ] {
        let a = search(fx, &format!("stream=access&regex=1&q={}", q(pattern))).await;
        let want = grep_newest_first(fx, files, "-E", pattern);
        same(&a.texts, &want, &format!("regex {pattern:?}"));
        assert!(!a.texts.is_empty(), "regex {pattern:?} finds lines");
    }
}

#[tokio::test]
async fn time_bounds_limit_and_context() {
    let fx = rotated().await;
    let (from, to) = (BASE + 250, BASE + 700);
    let a = search(&fx, &format!("stream=access&q=POST&from={from}&to={to}")).await;
    let want: Vec<String> = (250..=700).rev().filter(|n| n % 5 == 0).map(line).collect();
    assert_eq!(a.texts, want, "from= and to= across three files");
    assert_eq!(a.times.first().copied().flatten(), Some((BASE + 700) as f64));
    let a = search(&fx, &format!("stream=access&q=&from={}", BASE + 1190)).await;
    assert_eq!(
        a.texts,
        (1190..1200).rev().map(line).collect::<Vec<_>>(),
        "an empty q= with from="
    );
    let Some(SearchItem::Done { total, .. }) = a.done else {
        unreachable!()
    };
    let size = |f: &str| std::fs::metadata(fx.dir.path(f)).unwrap().len();
    assert_eq!(
        total,
        size("access.log") + size("access.log.1"),
        "older files are not read"
    );

    let a = search(&fx, "stream=access&q=GET&limit=25").await;
    assert_eq!(a.texts, grep_newest_first(&fx, &FILES, "-F", "GET")[..25]);
    assert!(a.truncated(), "the limit stopped it");
    let exact = grep_newest_first(&fx, &FILES, "-F", "item0004").len();
    let a = search(&fx, &format!("stream=access&q=item0004&limit={exact}")).await;
    assert_eq!(
        (a.texts.len(), a.truncated()),
        (exact, false),
        "exactly the limit is not truncated"
    );

    // A match opens in its context (/history?around=), also in a .gz file.
    let a = search(&fx, "stream=access&q=item0&limit=5000").await;
    for k in [0, 5, 400, 700, 1100] {
        let resp = get(&fx, &format!("/history?stream=access&limit=9&around={}", a.cursors[k])).await;
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
        let p: Page = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(p.lines[p.index.unwrap()].text, a.texts[k]);
    }
}

/// Lines `0..1200` newest first, those that `keep`.
fn newest_where(keep: impl Fn(usize) -> bool) -> Vec<String> {
    (0..1200).rev().filter(|&n| keep(n)).map(line).collect()
}

#[tokio::test]
async fn field_terms_filter_the_matches() {
    let fx = rotated().await;
    fn status(n: usize) -> u16 {
        [200, 200, 301, 404, 500, 503][n % 6]
    }
    type Keep = Box<dyn Fn(usize) -> bool>;
    let cases: [(&str, &str, Keep); 4] = [
        (
            "",
            "status:5xx path:/api/3/*",
            Box::new(|n| status(n) >= 500 && n % 13 == 3),
        ),
        (
            "Examplebot",
            "!method:POST status:500",
            Box::new(|n| n % 3 == 1 && n % 5 != 0 && status(n) == 500),
        ),
        (
            "item",
            "addr:10.0.4.* bytes>=950 !ua:curl",
            Box::new(|n| n % 7 == 4 && 100 + n % 900 >= 950 && n % 3 != 0),
        ),
        (
            "GET",
            "status:3xx item0099",
            Box::new(|n| status(n) == 301 && n % 5 != 0 && n / 10 == 99),
        ),
    ];
    for (needle, filter, keep) in cases {
        let a = search(
            &fx,
            &format!("stream=access&q={}&filter={}&limit=5000", q(needle), q(filter)),
        )
        .await;
        let want = newest_where(keep);
        assert!(!want.is_empty(), "{filter}: a case that finds lines");
        same(&a.texts, &want, &format!("q={needle:?} filter={filter:?}"));
    }
    let reason = refused(&fx, "stream=access&q=x&filter=rt%3Eabc", 400).await;
    assert!(reason.contains("filter=: rt>abc: not a number"), "{reason}");
}

#[tokio::test]
async fn a_damaged_file_is_reported_and_the_others_searched() {
    let fx = rotated().await;
    let bad = fx.dir.path("access.log.4.gz");
    let mut data = std::fs::read(fx.dir.path("access.log.3.gz")).unwrap();
    let mid = data.len() / 2;
    data[mid..].iter_mut().for_each(|b| *b = !*b);
    std::fs::write(&bad, data).unwrap();
    let old = std::fs::metadata(fx.dir.path("access.log.3.gz"))
        .unwrap()
        .modified()
        .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&bad)
        .unwrap()
        .set_modified(old - Duration::from_secs(60))
        .unwrap();
    let a = search(&fx, "stream=access&q=item0&limit=5000").await;
    // The damaged file's matches are those in what zcat reads before the
    // damage (deflate decodes some noise before it fails), without NULs.
    let mut want = grep_newest_first(&fx, &FILES, "-F", "item0");
    let readable = super::archive::zcat_lines(&fx, "access.log.4.gz");
    assert!(!readable.is_empty() && readable.len() < 300, "{} lines", readable.len());
    want.extend(
        readable
            .iter()
            .rev()
            .filter(|l| l.contains("item0"))
            .map(|l| l.replace('\0', "")),
    );
    same(&a.texts, &want, "with a damaged file");
    let Some(SearchItem::Done { failed, .. }) = a.done else {
        unreachable!()
    };
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].starts_with("access.log.4.gz: "), "{failed:?}");
}
