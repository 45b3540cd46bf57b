//! Reading nginx configurations without disk: real shapes, formats, access logs, includes.
//!
//! Includes are served by `Tree`, an in-memory file tree. `includes` has the
//! include cases, `syntax` the tokenizer, the errors and the property tests,
//! `disk` the two real reads.

mod disk;
mod includes;
mod syntax;

use super::*;

/// The main file of every test, and the prefix relative includes are taken from.
const MAIN: &str = "/etc/nginx/nginx.conf";

/// Files by absolute path: a text, or why the file cannot be read.
struct Tree(Vec<(&'static str, Result<&'static str, &'static str>)>);

impl Tree {
    /// Resolves a pattern as nginx would, with `*` as the only wildcard.
    fn resolve(&self, pattern: &str) -> Vec<Included> {
        let path = match pattern.starts_with('/') {
            true => pattern.to_string(),
            false => format!("/etc/nginx/{pattern}"),
        };
        let found = |name: &str| match path.split_once('*') {
            Some((head, tail)) => {
                name.len() >= head.len() + tail.len() && name.starts_with(head) && name.ends_with(tail)
            }
            None => name == path,
        };
        let mut files: Vec<Included> = (self.0.iter())
            .filter(|(name, _)| found(name))
            .map(|(name, text)| (PathBuf::from(name), text.map(str::to_string).map_err(str::to_string)))
            .collect();
        files.sort();
        if files.is_empty() && !path.contains('*') {
            files.push((PathBuf::from(path), Err("No such file or directory".to_string())));
        }
        files
    }
}

fn parse_tree(text: &str, tree: &Tree) -> NginxConf {
    parse(text, Path::new(MAIN), &mut |p| tree.resolve(p)).unwrap_or_else(|e| panic!("{e}"))
}

fn conf(text: &str) -> NginxConf {
    parse_tree(text, &Tree(Vec::new()))
}

/// The line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).expect("the needle is in the text");
    text[..at].matches('\n').count() + 1
}

/// Each access log's path and format.
fn paths(conf: &NginxConf) -> Vec<(&str, &str)> {
    fn path(log: &AccessLog) -> &str {
        log.path.to_str().unwrap_or_default()
    }
    conf.access_logs
        .iter()
        .map(|log| (path(log), log.format.as_str()))
        .collect()
}

/// Debian's stock nginx.conf, in short.
const DEBIAN: &str = "user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
\t# multi_accept on;
}

http {
\tsendfile on;
\ttypes_hash_max_size 2048;
\t# server_tokens off;
\tinclude /etc/nginx/mime.types;
\tdefault_type application/octet-stream;
\tssl_protocols TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE
\taccess_log /var/log/nginx/access.log;
\tgzip on;
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}

#mail {
#\t# pop3_capabilities \"TOP\" \"USER\";
#\tserver {
#\t\tlisten     localhost:110;
#\t}
#}
";

const MIME_TYPES: &str = "types {
    text/html                                        html htm shtml;
    application/javascript                           js;
    image/svg+xml                                    svg svgz;
}
";

const DEFAULT_SITE: &str = "server {
\tlisten 80 default_server;
\tlisten [::]:80 default_server;
\troot /var/www/html;
\tindex index.html index.htm index.nginx-debian.html;
\tserver_name _;
\tlocation / {
\t\t# First attempt to serve request as file, then
\t\t# as directory, then fall back to displaying a 404.
\t\ttry_files $uri $uri/ =404;
\t}
\tlocation ~ \\.php$ {
\t\tfastcgi_pass unix:/run/php/php-fpm.sock;
\t}
}
";

#[test]
fn debian_stock_config_logs_to_access_log_in_combined() {
    let tree = Tree(vec![
        ("/etc/nginx/mime.types", Ok(MIME_TYPES)),
        ("/etc/nginx/sites-enabled/default", Ok(DEFAULT_SITE)),
    ]);
    let c = parse_tree(DEBIAN, &tree);
    assert_eq!(c.warnings, Vec::<String>::new());
    assert_eq!(paths(&c), [("/var/log/nginx/access.log", "combined")]);
    assert_eq!(c.access_logs[0].file, PathBuf::from(MAIN));
    assert_eq!(c.access_logs[0].line, line_of(DEBIAN, "access_log"));
    assert_eq!(c.formats.keys().collect::<Vec<_>>(), ["combined"]);
    let combined = &c.formats["combined"];
    assert_eq!(combined.pattern, COMBINED);
    assert_eq!((combined.escape, combined.line), (Escape::Default, 0));
}

#[test]
fn the_nginx_org_main_format_joins_its_strings() {
    let text = r#"http {
    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';
    access_log  /var/log/nginx/access.log  main;
}"#;
    let c = conf(text);
    let main = &c.formats["main"];
    let pattern = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for""#;
    assert_eq!(main.pattern, pattern);
    assert_eq!(
        (main.name.as_str(), main.escape, main.line),
        ("main", Escape::Default, 2)
    );
    assert_eq!(main.file, PathBuf::from(MAIN));
    assert_eq!(paths(&c), [("/var/log/nginx/access.log", "main")]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn a_vhost_first_format_with_timings() {
    let text = "http {
    log_format vhost '$host $remote_addr - $remote_user [$time_local] \"$request\" $status '
                     '$body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time $upstream_response_time';
    server {
        server_name example.org;
        access_log /var/log/nginx/vhosts.log vhost buffer=32k flush=5s;
    }
}";
    let c = conf(text);
    let vhost = &c.formats["vhost"].pattern;
    assert!(vhost.starts_with("$host $remote_addr - "), "{vhost}");
    assert!(vhost.ends_with(
        "$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time $upstream_response_time"
    ));
    assert_eq!(paths(&c), [("/var/log/nginx/vhosts.log", "vhost")]);
    assert_eq!(c.access_logs[0].line, 6);
}

#[test]
fn a_json_format_keeps_its_double_quotes_inside_single_quotes() {
    let pattern = r#"{"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,"upstream_response_time":"$upstream_response_time","http_user_agent":"$http_user_agent"}"#;
    let c = conf(&format!("http {{ log_format json_combined escape=json '{pattern}'; }}"));
    let json = &c.formats["json_combined"];
    assert_eq!((json.escape, json.pattern.as_str()), (Escape::Json, pattern));
    assert_eq!(
        conf("log_format raw escape=none '$request';").formats["raw"].escape,
        Escape::None
    );
    assert_eq!(
        conf("log_format d escape=default '$request';").formats["d"].escape,
        Escape::Default
    );
    // nginx accepts a format that is only its escaping: every line is empty.
    assert_eq!(conf("log_format empty escape=json;").formats["empty"].pattern, "");
}

#[test]
fn double_quoted_patterns_unescape_their_quotes() {
    let text = r#"log_format q "$remote_addr \"$request\" \"$http_user_agent\"" '\tx\\y\d';"#;
    assert_eq!(
        conf(text).formats["q"].pattern,
        "$remote_addr \"$request\" \"$http_user_agent\"\tx\\y\\d"
    );
}

#[test]
fn comments_may_hold_quotes_and_braces() {
    let text = "# don't log the health checks { here
http { # it's the http block
    access_log /var/log/nginx/a.log; # isn't it \"quoted\"?
    # location /x { access_log /var/log/nginx/never.log;
}
";
    let c = conf(text);
    assert_eq!(paths(&c), [("/var/log/nginx/a.log", "combined")]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn access_logs_at_every_depth_in_file_order() {
    let text = "http {
    log_format main '$request';
    access_log /var/log/nginx/access.log main buffer=64k;
    server {
        access_log /var/log/nginx/site.log combined if=$loggable;
        location /api/ {
            access_log /var/log/nginx/api.log main buffer=32k flush=1m if=$api;
            if ($slow) { access_log /var/log/nginx/slow.log; }
        }
        location /static/ { access_log off; }
    }
}";
    let c = conf(text);
    let expected = [
        ("/var/log/nginx/access.log", "main"),
        ("/var/log/nginx/site.log", "combined"),
        ("/var/log/nginx/api.log", "main"),
        ("/var/log/nginx/slow.log", "combined"),
    ];
    assert_eq!(paths(&c), expected);
    let lines: Vec<usize> = c.access_logs.iter().map(|l| l.line).collect();
    assert_eq!(lines, [3, 5, 7, 8]);
    assert_eq!(
        c.warnings,
        [format!("{MAIN}, line 10: access_log off: logging is off here: skipped")]
    );
}

#[test]
fn access_logs_that_cannot_be_followed_are_skipped_with_a_reason() {
    let cases = [
        (
            "access_log syslog:server=unix:/dev/log,tag=nginx;",
            "the lines go to syslog, not to a file",
        ),
        ("access_log /var/log/nginx/$host.log;", "the path has variables"),
        (
            "access_log logs/access.log;",
            "the path is relative to nginx's prefix, which is not known here",
        ),
        (
            "access_log /var/log/nginx/a.log.gz combined gzip=4 flush=5m;",
            "gzip-compressed",
        ),
        (
            "access_log /var/log/nginx/a.log combined\n    listen 80;",
            "unknown parameter \"listen\" (a missing \";\"?)",
        ),
        ("access_log;", "access_log needs a path"),
    ];
    for (text, why) in cases {
        let c = conf(&format!("http {{ server {{\n    {text}\n}} }}"));
        assert_eq!(c.access_logs, [], "{text}");
        assert_eq!(c.warnings.len(), 1, "{text}: {:?}", c.warnings);
        assert!(
            c.warnings[0].starts_with(&format!("{MAIN}, line 2: ")),
            "{}",
            c.warnings[0]
        );
        assert!(c.warnings[0].contains(why), "{}", c.warnings[0]);
    }
}

#[test]
fn an_undefined_format_is_kept_with_a_warning() {
    let c = conf("http {\n  access_log /var/log/nginx/a.log nosuch;\n}");
    assert_eq!(paths(&c), [("/var/log/nginx/a.log", "nosuch")]);
    let warning = "access_log /var/log/nginx/a.log uses log_format \"nosuch\", which is not defined";
    assert_eq!(c.warnings, [format!("{MAIN}, line 2: {warning}")]);
    // Defined later in the files is still defined.
    let c = conf("access_log /var/log/nginx/a.log late;\nlog_format late '$request';");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn duplicate_and_bad_formats_are_skipped() {
    let text = "log_format a '1';
log_format a '2';
log_format combined '$request';
log_format b escape=xml '3';
log_format c;
";
    let c = conf(text);
    assert_eq!(c.formats["a"].pattern, "1");
    assert_eq!(c.formats["combined"].pattern, COMBINED);
    assert_eq!(c.formats.keys().collect::<Vec<_>>(), ["a", "combined"]);
    let expected = [
        format!("{MAIN}, line 2: duplicate log_format name \"a\" (first defined in {MAIN}, line 1): skipped"),
        format!("{MAIN}, line 3: duplicate log_format name \"combined\" (nginx defines it itself): skipped"),
        format!("{MAIN}, line 4: log_format b: unknown escape=\"xml\": skipped"),
        format!("{MAIN}, line 5: log_format needs a name and a format: skipped"),
    ];
    assert_eq!(c.warnings, expected);
}

#[test]
fn data_blocks_lua_and_stream_are_not_collected() {
    let tree = Tree(vec![("/etc/nginx/in-map.conf", Ok("access_log /var/log/map.log;"))]);
    let text = r#"http {
    map $status $loggable { ~^[23] 0; default 1; include in-map.conf; }
    types { access_log /var/log/types.log; }
    content_by_lua_block {
        local t = { "}", '{', [==[ } ]==] } -- a } in a comment
        ngx.say(t[1]) --[[ { ]]
        access_log = 1
    }
    access_log /var/log/http.log;
}
stream {
    log_format main '$remote_addr $protocol';
    server { access_log /var/log/stream.log main; }
}"#;
    let c = parse_tree(text, &tree);
    assert_eq!(paths(&c), [("/var/log/http.log", "combined")]);
    assert!(!c.formats.contains_key("main"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}
