//! Downloads of a search's lines: `GET <base>/search?...&format=csv` or
//! `format=ndjson` (docs/protocol.md, "Exports"). The search is the same
//! search, with the same places and budgets; only its answer changes:
//!
//! - it is an attachment (`Content-Disposition`), named after the stream;
//! - progress lines are left out; `ndjson` keeps the `match` lines and the
//!   last `done` as they are;
//! - `csv` is a header `time,cursor,text` and a row per match (the time in
//!   RFC 3339, UTC), every field quoted, a field that starts with `=`, `+`,
//!   `-`, `@`, a tab or a carriage return prefixed with `'` so that a
//!   spreadsheet does not read it as a formula; a search cut short (limit,
//!   budget) or with files it could not read ends with one line starting
//!   with `#` that says so. A search of every host of a fleet (`*/STREAM`)
//!   has a column more, `time,stream,cursor,text`: the host's stream whose
//!   `/history` takes the cursor.
//!
//! The search's NDJSON chunks (whole lines, `ndjson.rs`) are rewritten by a
//! task between the search's channel and the response's, as they come: a
//! slow client still slows the search, one that leaves still stops it, and
//! at most twice the chunks of a search wait for the client.

use std::ops::Range;

use hyper::body::Bytes;
use hyper::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use tokio::sync::mpsc;

use super::Resp;
use super::ndjson::streamed;
use crate::civil::civil;
use crate::history::Refused;
use crate::protocol::history::SearchItem;

/// Chunks of the rewritten answer waiting for the client at most.
const CHUNKS_IN_FLIGHT: usize = 8;

/// The file format of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

/// Takes `format=` out of a query string: the rest of the query, and the
/// download asked for (`None`: the usual streamed answer).
pub fn take_format(query: &str) -> Result<(String, Option<Format>), Refused> {
    let mut format = None;
    let mut rest = Vec::new();
    for part in query.split('&') {
        match part.split_once('=') {
            Some(("format", "csv")) => format = Some(Format::Csv),
            Some(("format", "ndjson")) => format = Some(Format::Ndjson),
            Some(("format", other)) => {
                let why = format!("format= is csv or ndjson, not {other:?}");
                return Err(Refused::Invalid(why));
            }
            _ => rest.push(part),
        }
    }
    Ok((rest.join("&"), format))
}

/// The answer of a search of `stream` as a download in `format`: what the
/// search sends to `rx`, rewritten as it comes.
pub fn download(rx: mpsc::Receiver<Bytes>, format: Format, stream: &str) -> Resp {
    let (tx, out) = mpsc::channel(CHUNKS_IN_FLIGHT);
    tokio::spawn(relay(rx, tx, format, stream.starts_with("*/")));
    let mut resp = streamed(out);
    let (kind, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Ndjson => ("application/x-ndjson", "ndjson"),
    };
    let name = format!("attachment; filename=\"{}-lines.{ext}\"", file_name(stream));
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_str(&name).expect("a file name of safe bytes"),
    );
    resp
}

/// A stream id as a file name: letters, digits, `.`, `_` and `-` kept, anything else `_`.
fn file_name(stream: &str) -> String {
    let keep = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    stream.chars().map(|c| if keep(c) { c } else { '_' }).collect()
}

/// Passes the search's chunks on, rewritten, until it ends or the client leaves.
async fn relay(mut rx: mpsc::Receiver<Bytes>, tx: mpsc::Sender<Bytes>, format: Format, hosts: bool) {
    let header: &[u8] = if hosts {
        b"time,stream,cursor,text\r\n"
    } else {
        b"time,cursor,text\r\n"
    };
    if format == Format::Csv && tx.send(Bytes::from_static(header)).await.is_err() {
        return;
    }
    while let Some(chunk) = rx.recv().await {
        let out = rewrite(&chunk, format, hosts);
        if !out.is_empty() && tx.send(Bytes::from(out)).await.is_err() {
            return;
        }
    }
}

/// A chunk of whole NDJSON lines of a search, in `format`; with each
/// match's stream (`hosts`: a search of every host).
fn rewrite(chunk: &[u8], format: Format, hosts: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunk.len());
    for line in lines(chunk) {
        let line = &chunk[line];
        let Ok(item) = serde_json::from_slice::<SearchItem>(line) else {
            continue;
        };
        match (format, item) {
            (_, SearchItem::Progress { .. }) => {}
            (Format::Ndjson, _) => {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
            (
                Format::Csv,
                SearchItem::Match {
                    text,
                    cursor,
                    time,
                    stream,
                },
            ) => {
                let time = time.map(rfc3339).unwrap_or_default();
                match hosts {
                    true => csv_row(&mut out, &[&time, &stream.unwrap_or_default(), &cursor, &text]),
                    false => csv_row(&mut out, &[&time, &cursor, &text]),
                }
            }
            (Format::Csv, done) => out.extend_from_slice(ending(&done).as_bytes()),
        }
    }
    out
}

/// The ranges of the lines of a chunk, empty ones left out.
fn lines(chunk: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    memchr::memchr_iter(b'\n', chunk)
        .chain(std::iter::once(chunk.len()))
        .filter_map(move |end| {
            let range = start..end;
            start = end + 1;
            (!range.is_empty()).then_some(range)
        })
}

/// The `#` line that ends a CSV whose search was cut short or could not read a file; "" otherwise.
fn ending(done: &SearchItem) -> String {
    let SearchItem::Done {
        matches,
        truncated,
        budget,
        failed,
        ..
    } = done
    else {
        return String::new();
    };
    let mut notes = Vec::new();
    if *truncated {
        let by = budget
            .as_deref()
            .map_or("the limit".to_string(), |b| format!("the {b} budget"));
        notes.push(format!("stopped early by {by} after {matches} lines: more lines match"));
    }
    if !failed.is_empty() {
        notes.push(format!("files not read to their end: {}", failed.join("; ")));
    }
    match notes.is_empty() {
        true => String::new(),
        false => format!("# {}\r\n", notes.join("; ").replace(['\r', '\n'], " ")),
    }
}

/// Writes one CSV row (RFC 4180, CRLF), each field quoted and made safe for spreadsheets.
pub fn csv_row(out: &mut Vec<u8>, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            out.push(b'\'');
        }
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"\r\n");
}

/// Seconds since 1970 as RFC 3339 in UTC: `2026-11-30T14:02:03Z`, with milliseconds when not whole.
fn rfc3339(t: f64) -> String {
    let secs = t.floor();
    let (y, mo, d, h, mi, s) = civil(secs as i64);
    let ms = ((t - secs) * 1000.0).round() as i64;
    match ms {
        0 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
        ms => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z", ms.min(999)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fields: &[&str]) -> String {
        let mut out = Vec::new();
        csv_row(&mut out, fields);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(row(&["a", "b,c", "say \"hi\""]), "\"a\",\"b,c\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(
            row(&["=1+2", "+x", "-y", "@SUM(A1)"]),
            "\"'=1+2\",\"'+x\",\"'-y\",\"'@SUM(A1)\"\r\n"
        );
        assert_eq!(row(&["\tz", "\rz", "a=b", ""]), "\"'\tz\",\"'\rz\",\"a=b\",\"\"\r\n");
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(1_796_047_323.0), "2026-11-30T14:02:03Z");
        assert_eq!(rfc3339(1_796_047_323.25), "2026-11-30T14:02:03.250Z");
    }

    #[test]
    fn format_is_taken_out_of_the_query() {
        let (rest, f) = take_format("stream=a&format=csv&q=x").unwrap();
        assert_eq!((rest.as_str(), f), ("stream=a&q=x", Some(Format::Csv)));
        let (rest, f) = take_format("stream=a&q=x").unwrap();
        assert_eq!((rest.as_str(), f), ("stream=a&q=x", None));
        assert!(take_format("stream=a&format=xml").is_err());
    }

    #[test]
    fn a_chunk_is_rewritten_line_by_line() {
        let chunk = concat!(
            "{\"type\":\"progress\",\"scanned\":1,\"total\":2}\n",
            "{\"type\":\"match\",\"text\":\"=cmd|' /C calc'!A0\",\"cursor\":\"c1\",\"time\":1796047323}\n",
            "{\"type\":\"match\",\"text\":\"no time\",\"cursor\":\"c2\"}\n",
            "{\"type\":\"done\",\"matches\":2,\"scanned\":2,\"total\":2,\"truncated\":true,\"budget\":\"time\"}\n"
        );
        let csv = String::from_utf8(rewrite(chunk.as_bytes(), Format::Csv, false)).unwrap();
        assert_eq!(
            csv,
            "\"2026-11-30T14:02:03Z\",\"c1\",\"'=cmd|' /C calc'!A0\"\r\n\"\",\"c2\",\"no time\"\r\n\
             # stopped early by the time budget after 2 lines: more lines match\r\n"
        );
        let nd = String::from_utf8(rewrite(chunk.as_bytes(), Format::Ndjson, false)).unwrap();
        assert_eq!(nd.lines().count(), 3);
        assert!(!nd.contains("progress"));
    }

    #[test]
    fn a_whole_search_has_no_ending_line() {
        let done = "{\"type\":\"done\",\"matches\":2,\"scanned\":2,\"total\":2,\"truncated\":false}\n";
        assert!(rewrite(done.as_bytes(), Format::Csv, false).is_empty());
    }

    #[test]
    fn stream_ids_make_safe_file_names() {
        assert_eq!(file_name("access"), "access");
        assert_eq!(file_name("a\"b/c d"), "a_b_c_d");
    }
}
