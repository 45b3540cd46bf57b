//! Configuration parsing without disk: every key, every error.

use super::*;
use proptest::prelude::*;

fn err(text: &str) -> ConfigError {
    Config::from_str(text, "test.toml").expect_err("config should be rejected")
}

#[test]
fn empty_config_gives_the_nginx_defaults() {
    let c = Config::from_str("", "t").unwrap();
    assert_eq!(c.streams.len(), 2);
    assert_eq!(c.streams[0].path, PathBuf::from("/var/log/nginx/access.log"));
    assert_eq!(c.streams[0].format, Format::Auto);
    assert_eq!(c.streams[1].format, Format::Auto);
    assert_eq!(c.nginx_config, PathBuf::from("/etc/nginx/nginx.conf"));
    assert_eq!(c.max_line_bytes, 65536);
    assert!(c.listen.is_empty());
}

#[test]
fn full_config_is_read() {
    let text = r#"
listen = ["127.0.0.1:9000", "unix:/run/logmon/logmon.sock"]
allowed_origins = ["https://Example.com/"]
max_line_bytes = 1024
history_lines = 50
history_bytes = 1048576
max_clients = 10
ping_interval_secs = 5
log_level = "debug"
max_searches = 2
search_max_bytes = 1073741824
search_max_secs = 10

[[stream]]
id = "web"
path = "/var/log/web.log"
format = "plain"
history_lines = 7
"#;
    let c = Config::from_str(text, "t").unwrap();
    assert_eq!(c.listen.len(), 2);
    assert_eq!(c.allowed_origins, vec!["https://example.com".to_string()]);
    assert_eq!(c.streams.len(), 1);
    assert_eq!(
        c.streams[0].history,
        History {
            lines: 7,
            bytes: 1048576
        }
    );
    assert_eq!(c.log_level, log::LevelFilter::Debug);
    assert_eq!(c.ping_interval_secs, 5);
    let search = SearchLimits {
        max_searches: 2,
        max_bytes: 1 << 30,
        max_secs: 10,
    };
    assert_eq!(c.search, search);
}

#[test]
fn search_limits_have_defaults_and_bounds() {
    let c = Config::from_str("", "t").unwrap();
    assert_eq!(
        (c.search.max_searches, c.search.max_bytes, c.search.max_secs),
        (4, 64 << 30, 60)
    );
    let e = err("search_max_secs = 0\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("search_max_secs")));
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let e = err("max_line_bytes = 1024\n\nbogus = 1\n");
    assert_eq!(e.line, Some(3));
    assert!(e.to_string().contains("bogus"), "{e}");
    assert!(e.to_string().contains("line 3"), "{e}");
}

#[test]
fn unknown_key_in_a_stream_is_named() {
    let e = err("[[stream]]\nid = \"a\"\npath = \"/a.log\"\ncolour = \"red\"\n");
    assert_eq!(e.line, Some(4));
    assert!(e.to_string().contains("colour"), "{e}");
}

#[test]
fn wrong_type_names_key_and_line() {
    let e = err("# comment\nmax_line_bytes = \"x\"\n");
    assert_eq!(e.line, Some(2));
    assert_eq!(e.key.as_deref(), Some("max_line_bytes"));
}

#[test]
fn out_of_range_value_names_key_and_line() {
    let e = err("history_lines = 0\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("history_lines")));
    assert!(e.message.contains("out of range"), "{e}");
}

#[test]
fn bad_format_is_rejected() {
    let e = err("[[stream]]\nid = \"a\"\npath = \"/a.log\"\nformat = \"apache\"\n");
    assert_eq!(e.line, Some(4));
    assert_eq!(e.key.as_deref(), Some("format"));
}

#[test]
fn duplicate_and_invalid_ids_are_rejected() {
    let dup = "[[stream]]\nid = \"a\"\npath = \"/a.log\"\n[[stream]]\nid = \"a\"\npath = \"/b.log\"\n";
    let e = err(dup);
    assert_eq!((e.line, e.key.as_deref()), (Some(5), Some("id")));
    let e = err("[[stream]]\nid = \"a b\"\npath = \"/a.log\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("id")));
}

#[test]
fn relative_path_is_rejected() {
    let e = err("[[stream]]\nid = \"a\"\npath = \"a.log\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("path")));
}

#[test]
fn bad_listen_and_origin_and_level_are_rejected() {
    let e = err("listen = [\"127.0.0.1\"]\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("listen")));
    let e = err("\nallowed_origins = [\"example.com\"]\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("allowed_origins")));
    let e = err("log_level = \"loud\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("log_level")));
    let e = err("socket_mode = \"999\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("socket_mode")));
    let e = err("\nuser = \"root; rm\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("user")));
}

#[test]
fn syntax_error_has_a_line() {
    let e = err("a = 1\nb = [\n");
    assert!(e.line.is_some(), "{e}");
}

/// The shipped example, with every `#key = value` and `#[[stream]]` line uncommented.
fn example_uncommented() -> String {
    let text = include_str!("../../packaging/logmon.toml");
    let is_setting = |l: &str| l.starts_with("#[") || l[1..].split_once(" = ").is_some_and(|(k, _)| !k.contains(' '));
    text.lines()
        .map(|l| {
            if l.starts_with('#') && is_setting(l) {
                &l[1..]
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn example_file_parses_and_documents_every_key() {
    let text = example_uncommented();
    let c = Config::from_str(&text, "logmon.toml").unwrap();
    assert_eq!(c.streams.len(), 2);
    assert_eq!(c.streams[1].history.lines, 2000);
    assert_eq!(c.allowed_origins.len(), 1);
    assert_eq!(c.socket.mode, 0o660);
    assert_eq!(c.fleet.map(|f| f.role), Some(FleetRole::Agent));
    let keys = [
        "listen",
        "allowed_origins",
        "log_level",
        "user",
        "socket_mode",
        "socket_group",
        "id",
        "path",
        "format",
        "role",
        "servers",
        "credentials",
        "tls_ca",
        "host",
        "stream",
    ];
    for key in parse::LIMITS.iter().map(|l| l.0).chain(keys) {
        let key = key.trim_start_matches("fleet.");
        assert!(text.contains(&format!("\n{key} = ")), "{key} is not in the example");
    }
}

#[test]
fn files_become_streams_with_unique_ids() {
    let mut c = Config::default_config();
    let files = [
        PathBuf::from("/x/access.log"),
        PathBuf::from("/y/access.log"),
        PathBuf::from("/z/my app.txt"),
    ];
    c.set_files(&files);
    let ids: Vec<_> = c.streams.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["access", "access-2", "my_app"]);
    assert_eq!(c.streams[2].format, Format::Auto);
}

proptest! {
    #[test]
    fn any_text_is_a_config_or_an_error_that_places_itself(text in "(?s).{0,300}") {
        if let Err(e) = Config::from_str(&text, "fuzz.toml") {
            let lines = text.split('\n').count();
            prop_assert!(e.line.is_none_or(|l| l >= 1 && l <= lines), "{e}");
            prop_assert!(e.to_string().starts_with("fuzz.toml"));
        }
    }
}

#[test]
fn formats_are_read_and_bad_ones_named_with_their_line() {
    let stream = |keys: &str| format!("[[stream]]\nid = \"a\"\npath = \"/a.log\"\n{keys}\n");
    let c = Config::from_str(&stream("format = \"nginx:main\""), "t").unwrap();
    assert_eq!(c.streams[0].format, Format::Nginx("main".into()));
    let c = Config::from_str(&stream("log_format = '$status \"$request\"'"), "t").unwrap();
    assert_eq!(c.streams[0].format, Format::Custom("$status \"$request\"".into()));
    let c = Config::from_str(&stream("format = \"json\""), "t").unwrap();
    assert_eq!(c.streams[0].format, Format::Json);
    for (keys, key) in [
        ("format = \"apache\"", "format"),
        ("format = \"nginx:\"", "format"),
        ("log_format = 'no variables'", "log_format"),
        ("format = \"json\"\nlog_format = '$a'", "log_format"),
    ] {
        let e = err(&stream(keys));
        assert_eq!(
            (e.key.as_deref(), e.line.is_some_and(|l| l >= 4)),
            (Some(key), true),
            "{keys}: {e}"
        );
    }
    let e = err("nginx_config = \"nginx.conf\"");
    assert_eq!((e.key.as_deref(), e.line), (Some("nginx_config"), Some(1)));
}
