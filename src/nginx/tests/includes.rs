//! Includes through the in-memory tree: in place, sorted, missing, unreadable, loops, depth.

use super::{MAIN, Tree, parse_tree, paths};
use crate::nginx::parse;
use std::path::{Path, PathBuf};

#[test]
fn includes_are_read_in_place_and_in_sorted_order() {
    let tree = Tree(vec![
        (
            "/etc/nginx/sites-enabled/b.org",
            Ok("server { access_log /var/log/b.log; }"),
        ),
        (
            "/etc/nginx/sites-enabled/a.org",
            Ok("server { include snippets/log.conf; }"),
        ),
        ("/etc/nginx/snippets/log.conf", Ok("\naccess_log /var/log/a.log main;")),
        ("/etc/nginx/conf.d/formats.conf", Ok("log_format main '$request';")),
    ]);
    let text = "http {
    access_log /var/log/first.log;
    include conf.d/*.conf;
    include sites-enabled/*;
    include /etc/nginx/nothing/*.conf;
    access_log /var/log/last.log;
}";
    let c = parse_tree(text, &tree);
    let expected = [
        ("/var/log/first.log", "combined"),
        ("/var/log/a.log", "main"),
        ("/var/log/b.log", "combined"),
        ("/var/log/last.log", "combined"),
    ];
    assert_eq!(paths(&c), expected);
    assert_eq!(c.access_logs[1].file, PathBuf::from("/etc/nginx/snippets/log.conf"));
    assert_eq!(c.access_logs[1].line, 2);
    assert_eq!(c.formats["main"].file, PathBuf::from("/etc/nginx/conf.d/formats.conf"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn missing_and_unreadable_includes_are_warnings() {
    let tree = Tree(vec![("/etc/nginx/secret.conf", Err("Permission denied (os error 13)"))]);
    let c = parse_tree(
        "include missing.conf;\ninclude secret.conf;\naccess_log /var/log/a.log;",
        &tree,
    );
    assert_eq!(paths(&c), [("/var/log/a.log", "combined")]);
    let expected = [
        format!(
            "{MAIN}, line 1: cannot read /etc/nginx/missing.conf, included as \"missing.conf\": No such file or directory"
        ),
        format!(
            "{MAIN}, line 2: cannot read /etc/nginx/secret.conf, included as \"secret.conf\": Permission denied (os error 13)"
        ),
    ];
    assert_eq!(c.warnings, expected);
}

#[test]
fn include_loops_are_cut_with_a_warning() {
    let tree = Tree(vec![
        ("/etc/nginx/a.conf", Ok("access_log /var/log/a.log;\ninclude b.conf;")),
        ("/etc/nginx/b.conf", Ok("include a.conf;\naccess_log /var/log/b.log;")),
        (MAIN, Ok("access_log /var/log/never.log;")),
    ]);
    let c = parse_tree("include a.conf;\ninclude /etc/nginx/nginx.conf;", &tree);
    assert_eq!(
        paths(&c),
        [("/var/log/a.log", "combined"), ("/var/log/b.log", "combined")]
    );
    let expected = [
        "/etc/nginx/b.conf, line 1: /etc/nginx/a.conf includes itself through \"a.conf\": skipped".to_string(),
        format!("{MAIN}, line 2: {MAIN} includes itself through \"{MAIN}\": skipped"),
    ];
    assert_eq!(c.warnings, expected);
}

#[test]
fn includes_stop_at_32_deep() {
    // Every file includes a new one: only the depth can stop it.
    let mut next = 0;
    let mut resolve = |_: &str| {
        next += 1;
        vec![(
            PathBuf::from(format!("/etc/nginx/{next}.conf")),
            Ok("include next;".to_string()),
        )]
    };
    let c = parse("include next;", Path::new(MAIN), &mut resolve).unwrap();
    assert_eq!(next, 31);
    let expected = "/etc/nginx/31.conf, line 1: include \"next\" is nested more than 32 deep: skipped";
    assert_eq!(c.warnings, [expected]);
}
