//! Layouts against `tests/formats/cases.json` (which the UI's splitter is
//! tested against too), and the roles the statistics read.

use std::path::Path;

use serde::Deserialize;

use super::*;
use crate::config::Format;
use crate::protocol::FormatSource;

#[derive(Deserialize)]
struct Case {
    name: String,
    format: String,
    escape: String,
    layout: LayoutInfo,
    lines: Vec<CaseLine>,
}

#[derive(Deserialize)]
struct CaseLine {
    text: String,
    values: Option<Vec<String>>,
}

fn escape(name: &str) -> Escape {
    match name {
        "json" => Escape::Json,
        "none" => Escape::None,
        _ => Escape::Default,
    }
}

#[test]
fn every_case_compiles_to_its_layout_and_splits_its_lines() {
    let text = include_str!("../../tests/formats/cases.json");
    let cases: Vec<Case> = serde_json::from_str(text).unwrap();
    assert!(cases.len() >= 5);
    let mut spans = Vec::new();
    for case in cases {
        let layout = Layout::text("custom", &case.format, escape(&case.escape));
        assert_eq!(layout.info(), case.layout, "{}", case.name);
        for line in &case.lines {
            let fits = layout.split(line.text.as_bytes(), &mut spans);
            let got = fits.then(|| spans.iter().map(|r| line.text[r.clone()].to_string()).collect());
            assert_eq!(got, line.values, "{}: {:?}", case.name, line.text);
        }
    }
}

#[test]
fn variables_are_named_as_nginx_reads_them() {
    let l = Layout::text("x", "${host}:$server_port$ $1a_b-$", Escape::Default);
    let names: Vec<_> = l.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["host", "server_port", "1a_b"]);
    assert_eq!(l.info().parts, ["", ":", "$ ", "-$"]);
    let l = Layout::text("x", "${unclosed $a", Escape::Default);
    assert_eq!(l.info().parts, ["${unclosed ", ""]);
}

#[test]
fn roles_prefer_the_first_variable_named() {
    let l = Layout::text(
        "x",
        "$http_host $host $bytes_sent $body_bytes_sent $request_time",
        Escape::Default,
    );
    assert_eq!(l.roles.get(Role::Host), Some(1));
    assert_eq!(l.roles.get(Role::Bytes), Some(3));
    assert_eq!(l.roles.get(Role::RequestTime), Some(4));
    assert_eq!(l.roles.get(Role::Status), None);
    let types: Vec<_> = l.fields.iter().map(|f| f.ty.name()).collect();
    assert_eq!(types, ["text", "text", "number", "number", "duration"]);
}

#[test]
fn formats_resolve_by_name_by_nginx_and_by_guess() {
    let mut nginx = NginxFormats::builtin();
    nginx
        .formats
        .insert("main".into(), ("$remote_addr $status".into(), Escape::Default));
    nginx.logs.insert("/srv/site.log".into(), "main".into());
    nginx.logs.insert("/srv/gone.log".into(), "gone".into());
    let at = |f: &Format, p: &str| {
        let r = resolve(f, Path::new(p), &nginx);
        (r.layout.format.clone(), r.layout.kind, r.source, r.fallback.is_some())
    };
    use FormatSource::*;
    assert_eq!(
        at(&Format::Auto, "/srv/site.log"),
        ("nginx:main".into(), Kind::Text, Nginx, false)
    );
    assert_eq!(
        at(&Format::Auto, "/var/log/nginx/access.log"),
        ("nginx-combined".into(), Kind::Text, Guess, false)
    );
    assert_eq!(
        at(&Format::Auto, "/var/log/nginx/error.log"),
        ("nginx-error".into(), Kind::Error, Guess, false)
    );
    assert_eq!(
        at(&Format::Auto, "/var/log/syslog"),
        ("plain".into(), Kind::Plain, Guess, false)
    );
    assert_eq!(at(&Format::Json, "/x"), ("json".into(), Kind::Json, Config, false));
    assert_eq!(
        at(&Format::Nginx("gone".into()), "/x"),
        ("plain".into(), Kind::Plain, Fallback, true)
    );
    assert_eq!(
        at(&Format::Auto, "/srv/gone.log"),
        ("plain".into(), Kind::Plain, Fallback, true)
    );
    assert_eq!(
        at(&Format::Custom("$a".into()), "/x"),
        ("custom".into(), Kind::Text, Config, false)
    );
    assert_eq!(
        at(&Format::Nginx("main".into()), "/x"),
        ("nginx:main".into(), Kind::Text, Config, false)
    );
}

#[test]
fn a_fallback_says_which_format_is_missing_and_why_nginx_was_not_read() {
    let read = NginxFormats::builtin();
    let why = resolve(&Format::Nginx("main".into()), Path::new("/x"), &read).fallback;
    assert_eq!(why.as_deref(), Some("nginx's configuration has no log_format \"main\""));
    let (unread, _) = NginxFormats::read(Path::new("/nonexistent/nginx.conf"));
    let why = resolve(&Format::Nginx("main".into()), Path::new("/x"), &unread).fallback;
    assert_eq!(
        why.as_deref(),
        Some("nginx's configuration has no log_format \"main\" (no nginx configuration at /nonexistent/nginx.conf)")
    );
}

/// The counts of lines: (bad, requests by status, bytes, request-time sum
/// and count, upstream-time sum and count), times in ms.
type Counts = (u64, Vec<(u16, u64)>, u64, (u64, u64), (u64, u64));

/// The counts of `lines` split by `layout`.
fn counted(layout: &Layout, lines: &[&str]) -> Counts {
    let stats = crate::stats::Stats::new("t");
    let mut r = stats.recorder(layout);
    lines.iter().for_each(|l| r.line(l.as_bytes()));
    drop(r);
    let t = stats.totals();
    let by_status = (0..t.requests.len())
        .filter(|&i| t.requests[i].iter().sum::<u64>() > 0)
        .map(|i| (i as u16 + 100, t.requests[i].iter().sum()))
        .collect();
    (
        t.bad,
        by_status,
        t.bytes,
        (t.rt.sum_ms, t.rt.count),
        (t.ut.sum_ms, t.ut.count),
    )
}

/// Issue 21, item 1: with `escape=json` a `"` in `$request` is written `\"`;
/// the field once ended at that quote and `$status` read `HTTP/1.1\"`, the
/// request counted under no status with 0 bytes.
#[test]
fn an_escaped_quote_in_the_request_does_not_end_it() {
    let layout = Layout::text(
        "x",
        r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#,
        Escape::Json,
    );
    let line = r#"203.0.113.7 -  [30/Nov/2026:14:02:03 +0000] "GET /?x=\"y\" HTTP/1.1" 200 612 "" "a \"b\"""#;
    let mut spans = Vec::new();
    assert!(layout.split(line.as_bytes(), &mut spans));
    let values: Vec<&str> = spans.iter().map(|r| &line[r.clone()]).collect();
    assert_eq!(values[3..6], [r#"GET /?x=\"y\" HTTP/1.1"#, "200", "612"]);
    assert_eq!(counted(&layout, &[line]), (0, vec![(200, 1)], 612, (0, 0), (0, 0)));
}

/// Issue 21, item 1: unquoted lists in the `$upstream_*` variables (`a, b`
/// after a retry, `a : b` across error_page's upstream groups) were cut at
/// their first space: upstream times summed to millions of seconds and
/// `$request_time` read `: 0.001 0.001`.
#[test]
fn unquoted_upstream_lists_are_read_whole() {
    let layout = Layout::text(
        "x",
        r#"$remote_addr [$time_local] "$request" $status $body_bytes_sent $upstream_addr $upstream_status $upstream_response_time $request_time"#,
        Escape::Default,
    );
    let head = r#"10.0.0.1 [30/Nov/2026:14:02:03 +0000] "GET / HTTP/1.1" 200 5"#;
    let tails = [
        "127.0.0.1:81, 127.0.0.1:82 502, 200 0.001, 0.004 0.006",
        "127.0.0.1:82 : 127.0.0.1:83 500 : 200 0.002 : 0.001 0.004",
        "127.0.0.1:81, 127.0.0.1:82 : 127.0.0.1:83 502, 500 : 200 7.000, 0.700 : 0.001 7.702",
    ];
    let lines: Vec<String> = tails.iter().map(|t| format!("{head} {t}")).collect();
    let mut spans = Vec::new();
    for (line, tail) in lines.iter().zip(tails) {
        assert!(layout.split(line.as_bytes(), &mut spans), "{line}");
        let values: Vec<&str> = spans[5..].iter().map(|r| &line[r.clone()]).collect();
        assert_eq!(values.join(" "), tail, "each list whole, in its own field");
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (bad, status, bytes, rt, ut) = counted(&layout, &lines);
    assert_eq!((bad, status, bytes), (0, vec![(200, 3)], 15));
    assert_eq!(rt, (6 + 4 + 7702, 3), "request times");
    assert_eq!(ut, (5 + 3 + 7701, 3), "upstream times, each line's list added up");
}

/// A line that fits no way costs a bounded number of tries, each linear in
/// the line: a long line of separators ends fast, as bad.
#[test]
fn a_hostile_line_is_bad_and_bounded() {
    let layout = Layout::text(
        "x",
        "$upstream_addr $upstream_status $upstream_response_time $http_user_agent $status",
        Escape::Default,
    );
    let mut spans = Vec::new();
    for unit in ["a ", "1, ", "1 : ", "- "] {
        let line = unit.repeat(20_000) + "x";
        let started = std::time::Instant::now();
        assert!(!layout.split(line.as_bytes(), &mut spans), "{unit:?}");
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_millis(200), "{unit:?}: {took:?}");
    }
    assert_eq!(split::budget(5), 72);
}
