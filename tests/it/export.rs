//! `GET /search?...&format=csv|ndjson` (docs/protocol.md, "Exports"): the
//! same search as a download, its CSV quoted and safe for spreadsheets,
//! cut short honestly, and bounded as a search is: it takes a place among
//! `max_searches` and stops when its client leaves.

use std::time::Duration;

use super::search::{line, refused, search};
use super::search_bounds::{stalled_search, wait_running};
use crate::harness::*;

/// The rows of RFC 4180 text with CRLF line ends, each field unquoted.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for row in text.split_terminator("\r\n") {
        let mut fields = Vec::new();
        let (mut field, mut quoted, mut chars) = (String::new(), false, row.chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => field.push(chars.next().unwrap()),
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(std::mem::take(&mut field)),
                (c, _) => field.push(c),
            }
        }
        fields.push(field);
        rows.push(fields);
    }
    rows
}

#[tokio::test]
async fn lines_download_as_csv_and_ndjson() {
    let fx = Fixture::new(&[ACCESS]);
    let mut lines: Vec<String> = (0..50).map(line).collect();
    lines.push("=HYPERLINK(\"http://x\") a line \"quoted\", with a comma status 503".into());
    fx.dir.append("access.log", &lines);
    let resp = get(&fx, "/search?stream=access&q=503&format=csv").await;
    let head = resp.head.to_ascii_lowercase();
    assert_eq!(resp.status, 200);
    assert!(head.contains("content-type: text/csv; charset=utf-8"), "{head}");
    assert!(
        head.contains("content-disposition: attachment; filename=\"access-lines.csv\""),
        "{head}"
    );
    let text = String::from_utf8(resp.body).unwrap();
    let rows = csv_rows(&text);
    assert_eq!(rows[0], ["time", "cursor", "text"]);
    // the same lines as the NDJSON search, newest first
    let a = search(&fx, "stream=access&q=503").await;
    let texts: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        texts[0],
        "'=HYPERLINK(\"http://x\") a line \"quoted\", with a comma status 503"
    );
    assert_eq!(
        texts[1..],
        a.texts[1..].iter().map(String::as_str).collect::<Vec<_>>()[..]
    );
    assert_eq!(rows[1][0], "", "a line without a time");
    assert_eq!(rows[2][0], "2026-11-30T".to_string() + &rows[2][0][11..]);
    assert!(rows[2][0].ends_with('Z') && rows[2][1].len() > 10, "{:?}", rows[2]);

    let resp = get(&fx, "/search?stream=access&q=503&limit=2&format=csv").await;
    let text = String::from_utf8(resp.body).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert_eq!(
        text.lines().last().unwrap(),
        "# stopped early by the limit after 2 lines: more lines match"
    );

    let resp = get(&fx, "/search?stream=access&q=503&format=ndjson").await;
    assert!(resp.head.contains("filename=\"access-lines.ndjson\""), "{}", resp.head);
    let body = String::from_utf8(resp.body).unwrap();
    let types: Vec<String> = body
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(types.len(), a.texts.len() + 1);
    assert!(types[..a.texts.len()].iter().all(|t| t == "match"));
    assert_eq!(types.last().unwrap(), "done");

    let reason = refused(&fx, "stream=access&q=x&format=xml", 400).await;
    assert!(reason.contains("format= is csv or ndjson"), "{reason}");
    let reason = refused(&fx, "stream=access&format=csv", 400).await;
    assert!(reason.contains("q= is missing"), "{reason}");
}

#[tokio::test]
async fn a_download_takes_a_search_place_and_stops_when_its_client_leaves() {
    let fx = Setup::new().top("max_searches = 1").streams(&[ACCESS]).start();
    // 200,000 matching lines: tens of MB of CSV, more than the sockets hold.
    let lines: Vec<String> = (0..200_000).map(line).collect();
    fx.dir.append("access.log", &lines);
    let stalled = stalled_search(&fx, "stream=access&q=item&limit=100000&format=csv").await;
    let reason = refused(&fx, "stream=access&q=x&format=csv", 429).await;
    assert!(reason.contains("searches run already"), "{reason}");
    drop(stalled);
    wait_running(&fx, 0, Duration::from_secs(10)).await;
    let resp = get(&fx, "/search?stream=access&q=item00042%20&format=csv").await;
    let rows = csv_rows(std::str::from_utf8(&resp.body).unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][2], line(42));
}
