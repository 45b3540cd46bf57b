//! nginx's tokenizer rules, every syntax error with its line, and properties on any text.

use super::{MAIN, Tree, conf};
use crate::nginx::token::{Event, Lexer};
use crate::nginx::{NginxConf, NginxError, parse};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Every directive's words, with `}` as a word of its own.
fn words(text: &str) -> Vec<Vec<String>> {
    let mut lexer = Lexer::new(text);
    let mut out = Vec::new();
    loop {
        match lexer.next_event().unwrap_or_else(|e| panic!("{text}: {e:?}")) {
            Event::Directive(d) => out.push(d.words),
            Event::BlockEnd => out.push(vec!["}".to_string()]),
            Event::Eof => return out,
        }
    }
}

fn err(text: &str) -> NginxError {
    let mut resolve = |_: &str| Vec::new();
    parse(text, Path::new(MAIN), &mut resolve).expect_err("the text should be refused")
}

/// The line and message of the error for `text`.
fn error_at(text: &str) -> (usize, String) {
    let e = err(text);
    assert_eq!(e.file, PathBuf::from(MAIN));
    (e.line.expect("a syntax error has a line"), e.message)
}

#[test]
fn quoted_words_resolve_nginx_escapes_only() {
    let text = r#"a "x\"y" 'p\'q' "t\tn\nr\r" "\d\\" '' 'h"é' ;"#;
    assert_eq!(words(text), [["a", "x\"y", "p'q", "t\tn\nr\r", "\\d\\", "", "h\"é"]]);
}

#[test]
fn bare_words_keep_quotes_hashes_and_braces_inside() {
    assert_eq!(
        words(r"a\;b c\ d \'e a#b f}g;"),
        [[r"a\;b", r"c\ d", "'e", "a#b", "f}g"]]
    );
    // `{` right after `$` (or after such a `{`) belongs to the word, as in nginx.
    assert_eq!(words("return 200 ${host}x${{;"), [vec!["return", "200", "${host}x${{"]]);
    assert_eq!(words("x a{}"), [vec!["x", "a"], vec!["}"]]);
    assert_eq!(words("a \"#\" # c;\n;"), [["a", "#"]]);
}

#[test]
fn a_closing_parenthesis_may_follow_a_quote() {
    let expected = [vec!["if", "($request_uri", "~", "^/a", ")"], vec!["}"]];
    assert_eq!(words("if ($request_uri ~ \"^/a\") { }"), expected);
}

#[test]
fn a_directive_has_the_line_of_its_first_word() {
    let mut lexer = Lexer::new("\n# c\n  a\n b;");
    let Ok(Event::Directive(d)) = lexer.next_event() else {
        panic!("a directive")
    };
    assert_eq!(
        (d.words, d.line, d.block),
        (vec!["a".to_string(), "b".to_string()], 3, false)
    );
}

#[test]
fn unbalanced_braces_name_their_line() {
    assert_eq!(error_at("http {\n}\n}"), (3, "unexpected \"}\"".to_string()));
    let message = "unexpected end of file, expecting \"}\" for the block of line 2";
    assert_eq!(error_at("http {}\nhttp {\n  server {\n  }\n"), (5, message.to_string()));
    assert_eq!(error_at("events {\n}\n{"), (3, "unexpected \"{\"".to_string()));
}

#[test]
fn an_unterminated_quote_names_where_it_opened() {
    let message = "unexpected end of file, expecting the ' that closes the ' of line 2";
    assert_eq!(error_at("http {\nlog_format a 'abc;\n}\n"), (4, message.to_string()));
}

#[test]
fn a_missing_semicolon_is_an_error() {
    let eof = "unexpected end of file, expecting \";\" or \"}\"".to_string();
    assert_eq!(
        error_at("http {\n  access_log /x\n}"),
        (3, "unexpected \"}\"".to_string())
    );
    assert_eq!(error_at("user nginx"), (1, eof.clone()));
    assert_eq!(error_at("user nginx \\"), (1, eof.clone()));
    assert_eq!(error_at("user 'nginx'"), (1, eof));
    let message = "directive \"access_log\" is not terminated by \";\"";
    assert_eq!(
        error_at("http {\n  access_log /x\n  location / {\n}}"),
        (2, message.to_string())
    );
    assert_eq!(error_at("\n;"), (2, "unexpected \";\"".to_string()));
}

#[test]
fn a_quoted_word_must_be_followed_by_a_separator() {
    assert_eq!(error_at("a\n\"b\"c;"), (2, "unexpected \"c\"".to_string()));
    assert_eq!(error_at("a 'b'é;"), (1, "unexpected \"é\"".to_string()));
}

#[test]
fn errors_in_included_files_name_them() {
    let tree = Tree(vec![("/etc/nginx/sites-enabled/x", Ok("server {\n  listen 80;\n"))]);
    let mut resolve = |p: &str| tree.resolve(p);
    let e = parse("http {\ninclude sites-enabled/*;\n}", Path::new(MAIN), &mut resolve).unwrap_err();
    let shown = "/etc/nginx/sites-enabled/x, line 3: unexpected end of file, expecting \"}\" for the block of line 1";
    assert_eq!(e.to_string(), shown);
    assert!(!e.is_not_found());
    // A block may not end in a file other than its own.
    let tree = Tree(vec![("/etc/nginx/end.conf", Ok("}"))]);
    assert!(
        parse("http {\ninclude end.conf;\n}", Path::new(MAIN), &mut |p| tree
            .resolve(p))
        .is_err()
    );
}

#[test]
fn lua_blocks_must_close() {
    let message = "unexpected end of file, expecting \"}\" for the Lua block of line 1";
    assert_eq!(
        error_at("content_by_lua_block {\n local s = '}'\n"),
        (3, message.to_string())
    );
    let c = conf("set_by_lua_block $x { return [[}]] .. '\\'}' -- }\n }\naccess_log /var/log/a.log;");
    assert_eq!(c.access_logs.len(), 1);
    // Lines inside long strings and comments still count.
    let text = "log_by_lua_block { local s = [=[\n]]\n]=] --[[\n]]\n}\nuser x";
    assert_eq!(error_at(text).0, 6);
}

#[test]
fn deep_blocks_do_not_overflow_the_stack() {
    let n = 100_000;
    let text = format!("{}{}", "a {".repeat(n), "}".repeat(n));
    assert!(conf(&text).warnings.is_empty());
    assert!(err(&"a {".repeat(n)).message.starts_with("unexpected end of file"));
}

/// Parses any text, with `include self;` reading that text again.
fn parse_any(text: &str) -> Result<NginxConf, NginxError> {
    let mut resolve = |pattern: &str| match pattern {
        "self" => vec![(PathBuf::from("/etc/nginx/self"), Ok(text.to_string()))],
        _ => vec![(PathBuf::from(pattern), Err("no".to_string()))],
    };
    parse(text, Path::new(MAIN), &mut resolve)
}

/// Escapes `s` for nginx inside `quote`s.
fn quoted(s: &str, quote: char) -> String {
    let inner = s.replace('\\', "\\\\").replace(quote, &format!("\\{quote}"));
    format!("{quote}{inner}{quote}")
}

proptest! {
    #[test]
    fn any_text_is_read_or_refused(text in any::<String>()) {
        let _ = parse_any(&text);
    }

    #[test]
    fn any_nginx_like_text_is_read_or_refused(text in r#"[a-z_/$ \n;{}'"\\#()\[\]=-]{0,300}"#) {
        let _ = parse_any(&text);
        let _ = parse_any(&format!("include self; {text}"));
        let _ = parse_any(&format!("http {{ access_by_lua_block {{ {text}"));
    }

    #[test]
    fn any_pattern_survives_quoting(parts in prop::collection::vec(any::<String>(), 1..4), double: bool) {
        let quote = if double { '"' } else { '\'' };
        let strings: Vec<String> = parts.iter().map(|p| quoted(p, quote)).collect();
        let text = format!("log_format f escape=json {};", strings.join("\n  "));
        let c = parse_any(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&c.formats["f"].pattern, &parts.concat());
    }

    #[test]
    fn any_absolute_path_survives_quoting(path in "/[^$]{0,40}", format in "[a-z]{1,8}") {
        let text = format!("log_format {format} x; access_log {} {format};", quoted(&path, '"'));
        let c = parse_any(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(c.access_logs.len(), 1);
        prop_assert_eq!(&c.access_logs[0].path, &PathBuf::from(&path));
        prop_assert!(c.warnings.is_empty() || format == "combined");
    }
}

#[test]
fn the_error_display_names_file_and_line() {
    let e = NginxError {
        file: "/a".into(),
        line: Some(3),
        message: "m".to_string(),
        kind: None,
    };
    assert_eq!(e.to_string(), "/a, line 3: m");
    let e = NginxError { line: None, ..e };
    assert_eq!(e.to_string(), "/a: m");
}
