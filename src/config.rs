//! The configuration: TOML file and command line merged into one validated `Config`.
//!
//! Parsing never touches the disk (`Config::from_str`), so every error path is
//! unit-tested. Errors name the file, the line and the key.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

use crate::listen::{ListenAddr, UnixPerms};

/// Where the configuration is read from when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/logmon/logmon.toml";
/// The address bound when nothing else says where to listen.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5051";

/// How the lines of a stream are written, so that the UI can lay them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    NginxCombined,
    NginxError,
    Plain,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::NginxCombined => "nginx-combined",
            Format::NginxError => "nginx-error",
            Format::Plain => "plain",
        }
    }

    /// Guesses the format of a file named on the command line.
    pub fn guess(path: &Path) -> Format {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.contains("access") {
            Format::NginxCombined
        } else if name.contains("error") {
            Format::NginxError
        } else {
            Format::Plain
        }
    }
}

/// How much of a stream's past is kept in memory for new and slow clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    pub lines: usize,
    pub bytes: usize,
}

/// One followed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    pub id: String,
    pub path: PathBuf,
    pub format: Format,
    pub history: History,
}

/// The whole validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub streams: Vec<StreamConfig>,
    pub listen: Vec<ListenAddr>,
    pub allowed_origins: Vec<String>,
    pub max_line_bytes: usize,
    pub max_clients: usize,
    pub ping_interval_secs: u64,
    pub log_level: log::LevelFilter,
    /// Switch to this user after opening the sockets (when started as root).
    pub user: Option<String>,
    /// Mode and group of unix sockets logmon binds itself.
    pub socket: UnixPerms,
}

/// A configuration error, with the place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub source_name: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source_name)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ", key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<Spanned<Vec<Spanned<String>>>>,
    allowed_origins: Option<Vec<Spanned<String>>>,
    max_line_bytes: Option<Spanned<u64>>,
    history_lines: Option<Spanned<u64>>,
    history_bytes: Option<Spanned<u64>>,
    max_clients: Option<Spanned<u64>>,
    ping_interval_secs: Option<Spanned<u64>>,
    log_level: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    socket_mode: Option<Spanned<String>>,
    socket_group: Option<Spanned<String>>,
    #[serde(rename = "stream")]
    streams: Option<Vec<Spanned<RawStream>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStream {
    id: Spanned<String>,
    path: Spanned<String>,
    format: Option<Spanned<Format>>,
    history_lines: Option<Spanned<u64>>,
    history_bytes: Option<Spanned<u64>>,
}

/// Bounds for numeric keys: (key, minimum, maximum).
const LIMITS: &[(&str, u64, u64)] = &[
    ("max_line_bytes", 64, 64 << 20),
    ("history_lines", 1, 10_000_000),
    ("history_bytes", 64 << 10, 1 << 30),
    ("max_clients", 1, 1_000_000),
    ("ping_interval_secs", 1, 3600),
];

/// Parses TOML text and checks every value; `source_name` names the text in errors.
struct Parser<'a> {
    text: &'a str,
    source_name: &'a str,
}

impl Parser<'_> {
    fn error(&self, offset: Option<usize>, key: Option<&str>, message: String) -> ConfigError {
        let line = offset.map(|o| self.text[..o.min(self.text.len())].matches('\n').count() + 1);
        ConfigError {
            source_name: self.source_name.to_string(),
            line,
            key: key.map(str::to_string),
            message,
        }
    }

    /// The key written on the line where `offset` falls (`key = ...`), if any.
    fn key_at(&self, offset: usize) -> Option<String> {
        let start = self.text[..offset.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line = self.text[start..].lines().next()?;
        let (key, _) = line.split_once('=')?;
        let key = key.trim().trim_matches('"');
        (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
    }

    fn parse(&self) -> Result<RawConfig, ConfigError> {
        toml::from_str(self.text).map_err(|e| {
            let offset = e.span().map(|s| s.start);
            let key = offset.and_then(|o| self.key_at(o));
            self.error(offset, key.as_deref(), e.message().trim().to_string())
        })
    }

    fn number(&self, key: &str, value: &Option<Spanned<u64>>, default: u64) -> Result<u64, ConfigError> {
        let Some(v) = value else { return Ok(default) };
        let &(_, min, max) = LIMITS.iter().find(|l| l.0 == key).expect("known key");
        let n = *v.get_ref();
        if n < min || n > max {
            let msg = format!("{n} is out of range ({min} ..= {max})");
            return Err(self.error(Some(v.span().start), Some(key), msg));
        }
        Ok(n)
    }
}

/// Defaults for the top-level keys.
const DEFAULT_MAX_LINE_BYTES: u64 = 64 << 10;
const DEFAULT_HISTORY_LINES: u64 = 10_000;
const DEFAULT_HISTORY_BYTES: u64 = 4 << 20;
const DEFAULT_MAX_CLIENTS: u64 = 1024;
const DEFAULT_PING_SECS: u64 = 30;

impl Config {
    /// Parses and validates a configuration file's text.
    pub fn from_str(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        let p = Parser { text, source_name };
        let raw = p.parse()?;
        let history = History {
            lines: p.number("history_lines", &raw.history_lines, DEFAULT_HISTORY_LINES)? as usize,
            bytes: p.number("history_bytes", &raw.history_bytes, DEFAULT_HISTORY_BYTES)? as usize,
        };
        let streams = match &raw.streams {
            Some(list) => parse_streams(&p, list, history)?,
            None => default_streams(history),
        };
        Ok(Config {
            streams,
            listen: parse_listen(&p, &raw.listen)?,
            allowed_origins: parse_origins(&p, &raw.allowed_origins)?,
            max_line_bytes: p.number("max_line_bytes", &raw.max_line_bytes, DEFAULT_MAX_LINE_BYTES)? as usize,
            max_clients: p.number("max_clients", &raw.max_clients, DEFAULT_MAX_CLIENTS)? as usize,
            ping_interval_secs: p.number("ping_interval_secs", &raw.ping_interval_secs, DEFAULT_PING_SECS)?,
            log_level: parse_log_level(&p, &raw.log_level)?,
            user: parse_name(&p, "user", &raw.user)?,
            socket: UnixPerms {
                mode: parse_mode(&p, &raw.socket_mode)?,
                group: parse_name(&p, "socket_group", &raw.socket_group)?,
            },
        })
    }

    /// The configuration used when there is no file at all.
    pub fn default_config() -> Config {
        Config::from_str("", "defaults").expect("the defaults are valid")
    }

    /// Reads `path`; a missing file is an error only when `required`.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Config::from_str(&text, &name),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(Config::default_config()),
            Err(e) => Err(ConfigError {
                source_name: name,
                line: None,
                key: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }

    /// Replaces the streams by files named on the command line.
    pub fn set_files(&mut self, files: &[PathBuf]) {
        let history = self.streams.first().map_or_else(default_history, |s| s.history);
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let mut streams: Vec<StreamConfig> = Vec::new();
        for file in files {
            let stem = file.file_stem().unwrap_or_default().to_string_lossy();
            let base = sanitize_id(&stem);
            let mut id = base.clone();
            let mut n = 2;
            while streams.iter().any(|s| s.id == id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            streams.push(StreamConfig {
                id,
                path: cwd.join(file),
                format: Format::guess(file),
                history,
            });
        }
        self.streams = streams;
    }
}

fn default_history() -> History {
    History {
        lines: DEFAULT_HISTORY_LINES as usize,
        bytes: DEFAULT_HISTORY_BYTES as usize,
    }
}

fn default_streams(history: History) -> Vec<StreamConfig> {
    let make = |id: &str, format| StreamConfig {
        id: id.to_string(),
        path: PathBuf::from(format!("/var/log/nginx/{id}.log")),
        format,
        history,
    };
    vec![make("access", Format::NginxCombined), make("error", Format::NginxError)]
}

/// Turns a file name into a stream id: letters, digits, `-`, `_` and `.` only.
fn sanitize_id(name: &str) -> String {
    let id: String = name.chars().map(|c| if valid_id_char(c) { c } else { '_' }).collect();
    if id.is_empty() { "log".to_string() } else { id }
}

fn valid_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn parse_streams(p: &Parser, list: &[Spanned<RawStream>], defaults: History) -> Result<Vec<StreamConfig>, ConfigError> {
    if list.is_empty() {
        return Err(p.error(None, Some("stream"), "at least one [[stream]] is needed".into()));
    }
    let mut streams: Vec<StreamConfig> = Vec::new();
    for item in list {
        let s = parse_stream(p, item.get_ref(), defaults)?;
        if streams.iter().any(|o| o.id == s.id) {
            let msg = format!("stream id {:?} is used twice", s.id);
            return Err(p.error(Some(item.get_ref().id.span().start), Some("id"), msg));
        }
        streams.push(s);
    }
    Ok(streams)
}

fn parse_stream(p: &Parser, raw: &RawStream, defaults: History) -> Result<StreamConfig, ConfigError> {
    let id = raw.id.get_ref();
    if id.is_empty() || id.len() > 64 || !id.chars().all(valid_id_char) {
        let msg = format!("{id:?} is not a valid id (1 to 64 of A-Z a-z 0-9 - _ .)");
        return Err(p.error(Some(raw.id.span().start), Some("id"), msg));
    }
    let path = PathBuf::from(raw.path.get_ref());
    if !path.is_absolute() || path.file_name().is_none() {
        let msg = format!("{:?} is not an absolute path to a file", raw.path.get_ref());
        return Err(p.error(Some(raw.path.span().start), Some("path"), msg));
    }
    let history = History {
        lines: p.number("history_lines", &raw.history_lines, defaults.lines as u64)? as usize,
        bytes: p.number("history_bytes", &raw.history_bytes, defaults.bytes as u64)? as usize,
    };
    let format = raw
        .format
        .as_ref()
        .map_or_else(|| Format::guess(&path), |f| *f.get_ref());
    Ok(StreamConfig {
        id: id.clone(),
        path,
        format,
        history,
    })
}

fn parse_listen(p: &Parser, raw: &Option<Spanned<Vec<Spanned<String>>>>) -> Result<Vec<ListenAddr>, ConfigError> {
    let Some(list) = raw else { return Ok(Vec::new()) };
    list.get_ref()
        .iter()
        .map(|a| {
            a.get_ref()
                .parse()
                .map_err(|e: String| p.error(Some(a.span().start), Some("listen"), e))
        })
        .collect()
}

fn parse_origins(p: &Parser, raw: &Option<Vec<Spanned<String>>>) -> Result<Vec<String>, ConfigError> {
    let Some(list) = raw else { return Ok(Vec::new()) };
    list.iter()
        .map(|o| {
            let origin = o.get_ref().trim_end_matches('/');
            let ok = match origin.split_once("://") {
                Some((scheme, host)) => matches!(scheme, "http" | "https") && !host.is_empty() && !host.contains('/'),
                None => false,
            };
            if ok {
                Ok(origin.to_ascii_lowercase())
            } else {
                let msg = format!("{origin:?} is not an origin like \"https://example.com\"");
                Err(p.error(Some(o.span().start), Some("allowed_origins"), msg))
            }
        })
        .collect()
}

fn parse_log_level(p: &Parser, raw: &Option<Spanned<String>>) -> Result<log::LevelFilter, ConfigError> {
    let Some(level) = raw else {
        return Ok(log::LevelFilter::Info);
    };
    level.get_ref().parse().map_err(|_| {
        let msg = format!(
            "{:?} is not one of off, error, warn, info, debug, trace",
            level.get_ref()
        );
        p.error(Some(level.span().start), Some("log_level"), msg)
    })
}

/// A user or group name.
fn parse_name(p: &Parser, key: &str, raw: &Option<Spanned<String>>) -> Result<Option<String>, ConfigError> {
    let Some(name) = raw else { return Ok(None) };
    let n = name.get_ref();
    let valid = !n.is_empty() && n.len() <= 32 && n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !valid {
        return Err(p.error(
            Some(name.span().start),
            Some(key),
            format!("{n:?} is not a user or group name"),
        ));
    }
    Ok(Some(n.clone()))
}

/// An octal file mode such as "0660".
fn parse_mode(p: &Parser, raw: &Option<Spanned<String>>) -> Result<u32, ConfigError> {
    let Some(mode) = raw else { return Ok(0o660) };
    match u32::from_str_radix(mode.get_ref(), 8) {
        Ok(m) if m <= 0o777 => Ok(m),
        _ => {
            let msg = format!("{:?} is not an octal mode like \"0660\"", mode.get_ref());
            Err(p.error(Some(mode.span().start), Some("socket_mode"), msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ConfigError {
        Config::from_str(text, "test.toml").expect_err("config should be rejected")
    }

    #[test]
    fn empty_config_gives_the_nginx_defaults() {
        let c = Config::from_str("", "t").unwrap();
        assert_eq!(c.streams.len(), 2);
        assert_eq!(c.streams[0].path, PathBuf::from("/var/log/nginx/access.log"));
        assert_eq!(c.streams[0].format, Format::NginxCombined);
        assert_eq!(c.streams[1].format, Format::NginxError);
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
        let text = include_str!("../packaging/logmon.toml");
        let is_setting =
            |l: &str| l.starts_with("#[") || l[1..].split_once(" = ").is_some_and(|(k, _)| !k.contains(' '));
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
        ];
        for key in LIMITS.iter().map(|l| l.0).chain(keys) {
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
        assert_eq!(c.streams[2].format, Format::Plain);
    }
}
