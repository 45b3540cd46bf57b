//! Field terms against `tests/formats/terms.json` (which the UI's
//! static/filter.js is tested against too, by tests/ui/terms.test.mjs), and
//! the cases where the server alone is the reference: `$msec` times in UTC,
//! lines that are not UTF-8, and text of any kind never panicking.

use proptest::prelude::*;
use serde::Deserialize;

use super::number::{js_number, parse_number, seconds};
use super::*;
use crate::layout::json::js_text;
use crate::layout::{Escape, Kind};

#[derive(Deserialize)]
struct Case {
    name: String,
    format: String,
    line: String,
    filters: Vec<(String, Expect)>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Expect {
    Pass(bool),
    Error { error: String },
}

/// The layout a case names: "json", "plain", or an nginx log_format.
fn layout(format: &str) -> Layout {
    match format {
        "json" => Layout::fieldless("json", Kind::Json),
        "plain" => Layout::fieldless("plain", Kind::Plain),
        _ => Layout::text("custom", format, Escape::Default),
    }
}

/// Whether `line` passes `filter` (which must compile).
fn passes(format: &str, filter: &str, line: &[u8]) -> bool {
    let terms = Terms::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    terms.test(&layout(format), line, &mut Scratch::default())
}

#[test]
fn every_shared_case_passes_or_fails_as_in_the_ui() {
    let cases: Vec<Case> = serde_json::from_str(include_str!("../../tests/formats/terms.json")).unwrap();
    assert!(cases.iter().map(|c| c.filters.len()).sum::<usize>() >= 60);
    let mut scratch = Scratch::default();
    for case in &cases {
        let layout = layout(&case.format);
        for (filter, expect) in &case.filters {
            let at = format!("{}: {filter:?}", case.name);
            match (Terms::parse(filter), expect) {
                (Ok(t), Expect::Pass(want)) => {
                    assert_eq!(t.test(&layout, case.line.as_bytes(), &mut scratch), *want, "{at}");
                    assert_eq!(t.is_empty(), filter.trim().is_empty() || filter == "!", "{at}");
                }
                (Err(e), Expect::Error { error }) => assert_eq!(&e, error, "{at}"),
                (Ok(_), Expect::Error { error }) => panic!("{at}: compiles, expected {error}"),
                (Err(e), Expect::Pass(_)) => panic!("{at}: {e}"),
            }
        }
    }
}

#[test]
fn msec_times_are_read_in_utc() {
    let f = "$msec $status";
    let line = b"1796047328.123 200";
    assert!(passes(f, "time:14:02:08", line));
    assert!(passes(f, "time:14:02", line));
    assert!(!passes(f, "time:15", line));
    assert!(passes(f, "time:00:00:00", b"1796083200 200"), "midnight");
    assert!(passes(f, "time:1234", b"1234 200"), "too few digits: the value itself");
    assert!(
        passes(f, "time:NaN:NaN:NaN", b"99999999999999999 200"),
        "out of Date's range"
    );
    let json = br#"{"ts":1796047328,"status":200}"#;
    assert!(passes("json", "time:14:02:08", json));
}

#[test]
fn lines_that_are_not_utf8_compare_as_bytes() {
    let f = r#"$remote_addr "$request" $status "$http_user_agent""#;
    let line = b"10.0.0.1 \"GET /caf\xe9 HTTP/1.1\" 200 \"Bot\xff/1\"";
    assert!(passes(f, "ua:bot", line));
    assert!(passes(f, "ua:bot?/1", line), "? takes a byte that starts no character");
    assert!(passes(f, "path:/caf?", line));
    assert!(passes(f, "path:/caf*", line));
    assert!(!passes(f, "path:/caf??", line));
    assert!(passes(f, "status:2xx method:get", line));
    assert!(passes("plain", "bot", b"\xff\xfeBOT"));
}

#[test]
fn a_question_mark_is_one_character_and_case_folds_ascii_only() {
    let f = r#""$request" $http_user_agent"#;
    assert!(passes(f, "path:/?", r#""GET /é" ü"#.as_bytes()));
    assert!(
        passes(f, "path:/?", r#""GET /😀" ü"#.as_bytes()),
        "one character (two UTF-16 units in the UI)"
    );
    assert!(passes(f, "ua:ü", r#""GET /x" ü"#.as_bytes()));
    assert!(
        !passes(f, "ua:ü", r#""GET /x" Ü"#.as_bytes()),
        "non-ASCII letters keep their case here"
    );
    assert!(passes(f, "ua:*Ü", r#""GET /x" aÜ"#.as_bytes()));
}

#[test]
fn numbers_read_as_javascript_reads_them() {
    assert_eq!(parse_number("500ms"), Some(0.5));
    assert_eq!(parse_number(" -.5s "), Some(-0.5));
    assert_eq!(parse_number("5."), Some(5.0));
    for bad in ["", ".", "-", "1e3", "+1", "5 ms", "ms", "1.2.3"] {
        assert_eq!(parse_number(bad), None, "{bad:?}");
    }
    assert_eq!(seconds(b"0.010, 0.020 : 0.005"), Some(0.010 + 0.020 + 0.005));
    assert_eq!(seconds(b" 2.5 "), Some(2.5));
    assert_eq!(
        (seconds(b"-"), seconds(b""), seconds(b"1.2.3"), seconds(b"- , -")),
        (None, None, None, None)
    );
    assert_eq!(seconds(b"0x10, 1e1"), Some(26.0));
    assert_eq!(seconds(b"Infinity, 1"), None);
    assert!(js_number(b"1.e5") == 1e5 && js_number(b"-0x1").is_nan() && js_number(b"inf").is_nan());
    let texts: Vec<_> = [1.0, -0.0, 0.25, 1e21, 1.5e-7, 123e18, f64::NAN].map(js_text).into();
    assert_eq!(
        texts,
        ["1", "0", "0.25", "1e+21", "1.5e-7", "123000000000000000000", "NaN"]
    );
}

#[test]
fn testing_a_text_line_reuses_the_scratch() {
    let layout = Layout::text("x", "$remote_addr $status", Escape::Default);
    let terms = Terms::parse("status:2xx addr:10.*").unwrap();
    let mut scratch = Scratch::default();
    assert!(terms.test(&layout, b"10.0.0.1 200", &mut scratch));
    let capacity = scratch.spans.capacity();
    assert!(!terms.test(&layout, b"10.0.0.2 500", &mut scratch));
    assert_eq!(scratch.spans.capacity(), capacity);
    assert!(Terms::parse("").unwrap().is_empty() && Terms::parse(" ! ").unwrap().is_empty());
}

/// Text made of the language's own pieces, to reach more of it than random characters do.
fn filter_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "status:", "path:", "rt>", "ut<=", "bytes>=", "time:", "ua:", "x_y:", "!", "\"", "\\", "/", "//", "*", "?",
        " ", ",", ":", "5xx", "0.5", "ms", "a", "Z", "é", "\u{a0}", "\u{2028}", "-", "9",
    ]);
    prop::collection::vec(prop_oneof![piece.prop_map(String::from), ".{0,3}"], 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn parsing_any_text_never_panics(text in filter_text()) {
        let _ = Terms::parse(&text);
    }

    #[test]
    fn testing_any_line_never_panics(
        filter in filter_text(),
        line in prop::collection::vec(any::<u8>(), 0..80),
        format in prop::sample::select(vec!["json", "plain", "$msec $status", "$request \"$http_user_agent\"$"]),
    ) {
        if let Ok(terms) = Terms::parse(&filter) {
            terms.test(&layout(format), &line, &mut Scratch::default());
        }
    }

    #[test]
    fn testing_json_lines_never_panics(filter in filter_text(), key in "[a-z_]{1,8}", value in any::<f64>()) {
        let line = format!(r#"{{"{key}":{value},"time":"{value}","nested":{{"a":[{value}]}}}}"#);
        if let Ok(terms) = Terms::parse(&filter) {
            terms.test(&layout("json"), line.as_bytes(), &mut Scratch::default());
        }
    }
}

#[test]
fn a_term_longer_than_the_bound_is_refused() {
    let many = vec![format!("!path:*{}b", "a".repeat(200)); 11].join(" ");
    let why = Terms::parse(&many).err().expect("over the filter's length");
    assert!(why.ends_with("a filter is at most 2048 bytes"), "{why}");
    let long = format!("path:/{}*", "a".repeat(parse::MAX_TERM));
    let why = Terms::parse(&long).err().expect("refused");
    assert!(why.ends_with("a term is at most 256 bytes"), "{why}");
    assert!(Terms::parse(&format!("path:/{}*", "a".repeat(200))).is_ok());
}
