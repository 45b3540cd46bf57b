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
