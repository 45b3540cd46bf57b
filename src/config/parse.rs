//! Reading the TOML text: every key checked, every error placed at its line and key.

use serde::Deserialize;
use toml::Spanned;

use super::*;

pub mod fleet;

/// Parses and validates a configuration file's text.
pub(super) fn config(text: &str, source_name: &str) -> Result<Config, ConfigError> {
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
        state_file: parse_state_file(&p, &raw.state_file)?,
        socket: UnixPerms {
            mode: parse_mode(&p, &raw.socket_mode)?,
            group: parse_name(&p, "socket_group", &raw.socket_group)?,
        },
        nginx_config: parse_nginx_config(&p, &raw.nginx_config)?,
        search: SearchLimits {
            max_searches: p.number("max_searches", &raw.max_searches, DEFAULT_MAX_SEARCHES)? as usize,
            max_bytes: p.number("search_max_bytes", &raw.search_max_bytes, DEFAULT_SEARCH_MAX_BYTES)?,
            max_secs: p.number("search_max_secs", &raw.search_max_secs, DEFAULT_SEARCH_MAX_SECS)?,
        },
        fleet: raw.fleet.as_ref().map(|f| fleet::parse(&p, f)).transpose()?,
    })
}

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
    state_file: Option<Spanned<String>>,
    socket_mode: Option<Spanned<String>>,
    socket_group: Option<Spanned<String>>,
    nginx_config: Option<Spanned<String>>,
    max_searches: Option<Spanned<u64>>,
    search_max_bytes: Option<Spanned<u64>>,
    search_max_secs: Option<Spanned<u64>>,
    #[serde(rename = "stream")]
    streams: Option<Vec<Spanned<RawStream>>>,
    fleet: Option<fleet::RawFleet>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStream {
    id: Spanned<String>,
    path: Spanned<String>,
    format: Option<Spanned<String>>,
    log_format: Option<Spanned<String>>,
    history_lines: Option<Spanned<u64>>,
    history_bytes: Option<Spanned<u64>>,
}

/// Bounds for numeric keys: (key, minimum, maximum).
pub(super) const LIMITS: &[(&str, u64, u64)] = &[
    ("max_line_bytes", 64, 64 << 20),
    ("history_lines", 1, 10_000_000),
    ("history_bytes", 64 << 10, 1 << 30),
    ("max_clients", 1, 1_000_000),
    ("ping_interval_secs", 1, 3600),
    ("max_searches", 0, 1024),
    ("search_max_bytes", 1 << 20, 1 << 50),
    ("search_max_secs", 1, 86_400),
    ("fleet.max_bytes", 1 << 20, 1 << 50),
    ("fleet.max_age_secs", 60, 10 * 366 * 86_400),
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
    let format = parse_format(p, raw)?;
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

/// An absolute path for the state file.
fn parse_state_file(p: &Parser, raw: &Option<Spanned<String>>) -> Result<Option<PathBuf>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let path = PathBuf::from(raw.get_ref());
    if !path.is_absolute() || path.file_name().is_none() {
        let msg = format!("{:?} is not an absolute path to a file", raw.get_ref());
        return Err(p.error(Some(raw.span().start), Some("state_file"), msg));
    }
    Ok(Some(path))
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

/// A stream's `format` or `log_format` (not both); neither means `Auto`.
fn parse_format(p: &Parser, raw: &RawStream) -> Result<Format, ConfigError> {
    match (&raw.format, &raw.log_format) {
        (Some(_), Some(l)) => {
            let msg = "give either format or log_format, not both".to_string();
            Err(p.error(Some(l.span().start), Some("log_format"), msg))
        }
        (Some(f), None) => Format::parse(f.get_ref()).ok_or_else(|| {
            let msg = format!(
                "{:?} is not a format: nginx-combined, nginx-error, plain, json or nginx:NAME",
                f.get_ref()
            );
            p.error(Some(f.span().start), Some("format"), msg)
        }),
        (None, Some(l)) if !l.get_ref().contains('$') => {
            let msg = format!("{:?} has no $variable: it is not an nginx log_format", l.get_ref());
            Err(p.error(Some(l.span().start), Some("log_format"), msg))
        }
        (None, Some(l)) => Ok(Format::Custom(l.get_ref().clone())),
        (None, None) => Ok(Format::Auto),
    }
}

fn parse_nginx_config(p: &Parser, raw: &Option<Spanned<String>>) -> Result<PathBuf, ConfigError> {
    let Some(raw) = raw else {
        return Ok(PathBuf::from(DEFAULT_NGINX_CONFIG));
    };
    let path = PathBuf::from(raw.get_ref());
    if !path.is_absolute() {
        let msg = format!("{:?} is not an absolute path", raw.get_ref());
        return Err(p.error(Some(raw.span().start), Some("nginx_config"), msg));
    }
    Ok(path)
}
