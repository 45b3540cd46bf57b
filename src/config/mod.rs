//! The configuration: TOML file and command line merged into one validated `Config`.
//!
//! Parsing never touches the disk (`Config::from_str`), so every error path is
//! unit-tested. Errors name the file, the line and the key.

mod parse;

pub(crate) use parse::fleet::valid_name as valid_host;
pub use parse::fleet::{FleetAuth, FleetConfig, FleetRole};

use std::fmt;
use std::path::{Path, PathBuf};

use crate::listen::{ListenAddr, UnixPerms};

/// Where the configuration is read from when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/logmon/logmon.toml";
/// The address bound when nothing else says where to listen.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5051";
/// Where nginx's configuration is read when `nginx_config` is not given.
pub const DEFAULT_NGINX_CONFIG: &str = "/etc/nginx/nginx.conf";

/// How the lines of a stream are written, so that they can be split into fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Not named: the format nginx's configuration gives the file, else a guess from its name.
    Auto,
    NginxCombined,
    NginxError,
    Plain,
    /// One JSON object a line.
    Json,
    /// A `log_format` of nginx's configuration, by name (`nginx:NAME`).
    Nginx(String),
    /// A `log_format` string given in logmon's configuration.
    Custom(String),
}

impl Format {
    /// Guesses the format of a file from its name.
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

    /// Reads a `format` value: `nginx-combined`, `nginx-error`, `plain`, `json` or `nginx:NAME`.
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "nginx-combined" => Format::NginxCombined,
            "nginx-error" => Format::NginxError,
            "plain" => Format::Plain,
            "json" => Format::Json,
            _ => {
                let name = s.strip_prefix("nginx:")?;
                let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic());
                return valid.then(|| Format::Nginx(name.to_string()));
            }
        })
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
    /// Where the state is kept across restarts (else `$STATE_DIRECTORY/state`, else nowhere).
    pub state_file: Option<PathBuf>,
    /// Mode and group of unix sockets logmon binds itself.
    pub socket: UnixPerms,
    /// nginx's main configuration file, read for its `log_format`s and `access_log`s.
    pub nginx_config: PathBuf,
    pub search: SearchLimits,
    /// The `[fleet]` section: publishing to NATS JetStream, or viewing what is published there.
    pub fleet: Option<FleetConfig>,
}

/// Bounds of `GET /search` (docs/protocol.md, "History and search").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    /// Searches running at once; more are refused with 429.
    pub max_searches: usize,
    /// Bytes of the files (as stored) one search may scan.
    pub max_bytes: u64,
    /// Seconds one search may run.
    pub max_secs: u64,
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

/// Defaults for the top-level keys.
const DEFAULT_MAX_LINE_BYTES: u64 = 64 << 10;
const DEFAULT_HISTORY_LINES: u64 = 10_000;
const DEFAULT_HISTORY_BYTES: u64 = 4 << 20;
const DEFAULT_MAX_CLIENTS: u64 = 10_000;
const DEFAULT_PING_SECS: u64 = 30;
const DEFAULT_MAX_SEARCHES: u64 = 4;
const DEFAULT_SEARCH_MAX_BYTES: u64 = 64 << 30;
const DEFAULT_SEARCH_MAX_SECS: u64 = 60;

impl Config {
    /// Parses and validates a configuration file's text.
    pub fn from_str(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        parse::config(text, source_name)
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
                format: Format::Auto,
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
    let make = |id: &str| StreamConfig {
        id: id.to_string(),
        path: PathBuf::from(format!("/var/log/nginx/{id}.log")),
        format: Format::Auto,
        history,
    };
    vec![make("access"), make("error")]
}

/// Turns a file name into a stream id: letters, digits, `-`, `_` and `.` only.
fn sanitize_id(name: &str) -> String {
    let id: String = name.chars().map(|c| if valid_id_char(c) { c } else { '_' }).collect();
    if id.is_empty() { "log".to_string() } else { id }
}

fn valid_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

#[cfg(test)]
mod tests;
