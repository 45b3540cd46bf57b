//! `GET /history` against files rotated by the real `logrotate` (`create`,
//! `compress`, `delaycompress`, `dateext`): paging back from the live end
//! through every file returns every line on disk once and in order, `at=`
//! lands on the line of that time in each file, a cursor survives the
//! rotation of its file, and forged cursors are refused.

use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use logmon::protocol::history::Page;

use crate::harness::*;

/// The time of line 0; line `n` is `n` seconds later.
const BASE: i64 = 1_796_047_323; // 2026-11-30T14:02:03Z

/// Line `n`: nginx's combined format, at `BASE + n` seconds (all on 2026-11-30).
fn line(n: usize) -> String {
    let secs = (BASE + n as i64).rem_euclid(86_400);
    let (h, mi, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    format!("10.0.0.1 - - [30/Nov/2026:{h:02}:{mi:02}:{s:02} +0000] \"GET /n/{n:06} HTTP/1.1\" 200 5 \"-\" \"t\"")
}

/// `GET /history?query`, which must be a page.
pub async fn page(fx: &Fixture, query: &str) -> Page {
    let resp = get(fx, &format!("/history?{query}")).await;
    assert_eq!(resp.status, 200, "{query}: {}", String::from_utf8_lossy(&resp.body));
    assert!(
        resp.head.to_ascii_lowercase().contains("content-security-policy"),
        "security headers"
    );
    serde_json::from_slice(&resp.body).unwrap()
}

/// The texts of a page's lines, oldest first.
pub fn page_texts(p: &Page) -> Vec<String> {
    p.lines.iter().map(|l| l.text.clone()).collect()
}

/// `GET /history?query`, which must be refused with `status` and a one-line reason.
pub async fn refused(fx: &Fixture, query: &str, status: u16) -> String {
    let resp = get(fx, &format!("/history?{query}")).await;
    let reason = String::from_utf8(resp.body).unwrap();
    assert_eq!(resp.status, status, "{query}: {reason}");
    assert!(
        resp.head.to_ascii_lowercase().contains("content-type: text/plain"),
        "{}",
        resp.head
    );
    assert!(reason.ends_with('\n') && reason.lines().count() == 1, "{reason:?}");
    reason
}

/// Writes lines `from..to` to access.log, waits until the daemon sent them;
/// the seq of the last.
async fn write(fx: &Fixture, c: &mut Client, from: usize, to: usize) -> u64 {
    let lines: Vec<String> = (from..to).map(line).collect();
    fx.dir.append("access.log", &lines);
    let got = c.expect_lines("access", to - from, Duration::from_secs(20)).await;
    let last = got.last().expect("lines").clone();
    assert_eq!(Some(&last.1), lines.last());
    last.0
}

/// Pages back from the newest line (`before=seq:S`), then by cursors: the texts, oldest first.
async fn page_back(fx: &Fixture, seq: u64, limit: usize) -> Vec<String> {
    let mut pages = Vec::new();
    let mut query = format!("stream=access&limit={limit}&before=seq:{seq}");
    loop {
        let p = page(fx, &query).await;
        assert!(p.lines.len() <= limit);
        pages.push(page_texts(&p));
        match p.before {
            Some(cursor) => query = format!("stream=access&limit={limit}&before={cursor}"),
            None => break,
        }
        assert!(pages.len() < 1000, "paging does not end");
    }
    pages.into_iter().rev().flatten().collect()
}

async fn rotated_history(options: &str, pause: Duration) {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    for (from, to) in [(0, 300), (300, 600), (600, 900)] {
        write(&fx, &mut c, from, to).await;
        logrotate(&fx.dir, options);
        tokio::time::sleep(pause).await;
    }
    let newest = write(&fx, &mut c, 900, 1000).await;
    let want: Vec<String> = (0..999).map(line).collect();
    for limit in [70, 1000] {
        assert_eq!(page_back(&fx, newest, limit).await, want, "limit {limit} ({options})");
    }
    for n in [0, 150, 299, 300, 450, 700, 899, 950, 999] {
        let p = page(&fx, &format!("stream=access&limit=9&at={}", BASE + n as i64)).await;
        let index = p.index.expect("a line at that time");
        assert_eq!(p.lines[index].text, line(n), "at= line {n} ({options})");
        assert_eq!(p.lines[index].time, Some((BASE + n as i64) as f64));
        let from = n.saturating_sub(4);
        let texts = page_texts(&p);
        assert_eq!(texts, (from..(from + 9).min(1000)).map(line).collect::<Vec<_>>());
    }
    let late = page(&fx, &format!("stream=access&limit=3&at={}", BASE + 5000)).await;
    assert_eq!(
        (late.index, late.after, late.lines[2].text.clone()),
        (None, None, line(999))
    );
    assert_eq!(late.lines[2].seq, Some(newest), "the newest line has its number");
}

#[tokio::test]
async fn paging_through_logrotate_compress_delaycompress() {
    rotated_history("    compress\n    delaycompress", Duration::ZERO).await;
}

#[tokio::test]
async fn paging_through_logrotate_dateext() {
    let options = "    compress\n    dateext\n    dateformat -%Y%m%d%H%M%S";
    rotated_history(options, Duration::from_millis(1100)).await;
}

#[tokio::test]
async fn a_cursor_survives_the_rotation_of_its_file() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let newest = write(&fx, &mut c, 0, 200).await;
    let p = page(&fx, &format!("stream=access&limit=50&before=seq:{newest}")).await;
    let texts = page_texts(&p);
    assert_eq!(texts, (149..199).map(line).collect::<Vec<_>>());
    let seqs: Vec<_> = p.lines.iter().map(|l| l.seq).collect();
    assert_eq!(
        seqs,
        (newest - 50..newest).map(Some).collect::<Vec<_>>(),
        "lines read carry their numbers"
    );
    let (older, newer) = (p.before.unwrap(), p.lines[10].cursor.clone());
    logrotate(&fx.dir, "    compress\n    delaycompress");
    write(&fx, &mut c, 200, 250).await;
    let p = page(&fx, &format!("stream=access&limit=50&before={older}")).await;
    let texts = page_texts(&p);
    assert_eq!(
        texts,
        (99..149).map(line).collect::<Vec<_>>(),
        "before= in access.log.1"
    );
    let p = page(&fx, &format!("stream=access&limit=60&after={newer}")).await;
    let texts = page_texts(&p);
    assert_eq!(
        texts,
        (160..220).map(line).collect::<Vec<_>>(),
        "after= into the new file"
    );
    let p = page(&fx, &format!("stream=access&limit=500&after={newer}")).await;
    assert_eq!(p.lines.len(), 90, "up to the newest line read");
    assert_eq!(p.after, None, "the page reaches the live end");
    let p = page(&fx, &format!("stream=access&limit=5&around={newer}")).await;
    assert_eq!(p.lines[p.index.unwrap()].text, line(159));
    // Compressed at the next rotation: the cursor's file is gone.
    logrotate(&fx.dir, "    compress\n    delaycompress");
    let why = refused(&fx, &format!("stream=access&before={older}"), 400).await;
    assert!(why.contains("no file of this stream"), "{why}");
}

#[tokio::test]
async fn forged_cursors_and_bad_parameters_are_refused() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    write(&fx, &mut c, 0, 10).await;
    let config = std::fs::metadata(fx.dir.path("logmon.toml")).unwrap();
    // The config file by identity, with an empty fingerprint: outside the stream's files.
    let outside = format!(
        "01{:016x}{:016x}{:016x}{:04x}{:016x}",
        config.dev(),
        config.ino(),
        0xcbf2_9ce4_8422_2325u64,
        0,
        0
    );
    let access = std::fs::metadata(fx.dir.path("access.log")).unwrap();
    let mid_line = format!(
        "01{:016x}{:016x}{:016x}{:04x}{:016x}",
        access.dev(),
        access.ino(),
        0xcbf2_9ce4_8422_2325u64,
        0,
        5
    );
    let forged = format!("01{}0100{}", "7".repeat(48), "0".repeat(16));
    for (query, why) in [
        (format!("stream=access&before={outside}"), "no file of this stream"),
        (format!("stream=access&before={forged}"), "no file of this stream"),
        (format!("stream=access&after={mid_line}"), "not where a line starts"),
        ("stream=access&before=..%2F..%2F..%2Fetc%2Fpasswd".to_string(), "cursor"),
        ("stream=access&around=%2Fetc%2Fpasswd".to_string(), "cursor"),
        ("stream=access&before=seq:999".to_string(), "line 999"),
        ("stream=access&at=noon".to_string(), "at="),
        ("stream=access".to_string(), "one of"),
        ("stream=access&before=seq:1&limit=5001".to_string(), "limit="),
    ] {
        let reason = refused(&fx, &query, 400).await;
        assert!(reason.contains(why), "{query}: {reason}");
    }
    let reason = refused(&fx, "stream=nope&before=seq:1", 400).await;
    assert!(reason.contains("no stream"), "{reason}");
}
