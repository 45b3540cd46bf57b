//! Which layout a stream gets: the format its configuration names, or, with
//! none named, the one nginx's configuration gives its file in an
//! `access_log` directive, or a guess from the file's name; and where it
//! came from, or why the format named could not be used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{COMBINED, Escape, Kind, Layout};
use crate::config::Format;
use crate::nginx::{self, NginxConf};
use crate::protocol::FormatSource;

/// What nginx's configuration says about formats: every `log_format` by
/// name, and the format of every file an `access_log` writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NginxFormats {
    pub formats: HashMap<String, (String, Escape)>,
    pub logs: HashMap<PathBuf, String>,
    /// Why nginx's configuration was not read, when it was not.
    pub unread: Option<String>,
}

impl NginxFormats {
    /// Reads nginx's configuration at `path`; also returns what there is to
    /// say about it (directives skipped, or why it could not be read).
    pub fn read(path: &Path) -> (NginxFormats, Vec<(log::Level, String)>) {
        match nginx::read(path) {
            Ok(conf) => {
                let notes = conf.warnings.iter().map(|w| (log::Level::Info, format!("nginx: {w}")));
                let notes = notes.collect();
                (NginxFormats::from(&conf), notes)
            }
            Err(e) if e.is_not_found() => {
                let why = format!("no nginx configuration at {}", path.display());
                let note = format!("{why}: only nginx's built-in formats");
                (NginxFormats::unread(why), vec![(log::Level::Info, note)])
            }
            Err(e) => {
                let why = format!("cannot read nginx's configuration: {e}");
                let note = format!("{why}; only its built-in formats are known");
                (NginxFormats::unread(why), vec![(log::Level::Warn, note)])
            }
        }
    }

    /// nginx's built-in formats only, because of `why`.
    fn unread(why: String) -> NginxFormats {
        NginxFormats {
            unread: Some(why),
            ..NginxFormats::builtin()
        }
    }

    fn from(conf: &NginxConf) -> NginxFormats {
        let formats = conf
            .formats
            .values()
            .map(|f| (f.name.clone(), (f.pattern.clone(), f.escape)))
            .collect();
        let mut logs = HashMap::new();
        for log in &conf.access_logs {
            logs.entry(log.path.clone()).or_insert_with(|| log.format.clone());
        }
        NginxFormats {
            formats,
            logs,
            unread: None,
        }
    }

    /// nginx's built-in formats only (no configuration read).
    pub fn builtin() -> NginxFormats {
        let mut formats = HashMap::new();
        formats.insert("combined".to_string(), (COMBINED.to_string(), Escape::Default));
        NginxFormats {
            formats,
            logs: HashMap::new(),
            unread: None,
        }
    }

    /// Why a stream cannot have the `log_format` `name`.
    fn lacks(&self, name: &str) -> String {
        let why = format!("nginx's configuration has no log_format {name:?}");
        match &self.unread {
            Some(unread) => format!("{why} ({unread})"),
            None => why,
        }
    }
}

/// A stream's layout, and where its format came from.
#[derive(Debug, PartialEq, Eq)]
pub struct Resolved {
    pub layout: Arc<Layout>,
    pub source: FormatSource,
    /// Why the format named could not be used (the lines are shown as
    /// plain text); only with [`FormatSource::Fallback`].
    pub fallback: Option<String>,
}

/// The layout of a stream following `path` with `format`, and where it came from.
pub fn resolve(format: &Format, path: &Path, nginx: &NginxFormats) -> Resolved {
    let (format, source) = match format {
        Format::Auto => match nginx.logs.get(path) {
            Some(name) => (Format::Nginx(name.clone()), FormatSource::Nginx),
            None => (Format::guess(path), FormatSource::Guess),
        },
        named => (named.clone(), FormatSource::Config),
    };
    match compile(&format, nginx) {
        Ok(layout) => Resolved {
            layout: Arc::new(layout),
            source,
            fallback: None,
        },
        Err(why) => Resolved {
            layout: Arc::new(Layout::fieldless("plain", Kind::Plain)),
            source: FormatSource::Fallback,
            fallback: Some(why),
        },
    }
}

/// The layout of a format by its name (`Auto` is named by then); why not,
/// for a `log_format` that nginx's configuration lacks.
fn compile(format: &Format, nginx: &NginxFormats) -> Result<Layout, String> {
    Ok(match format {
        Format::NginxCombined => Layout::text("nginx-combined", COMBINED, Escape::Default),
        Format::NginxError => Layout::fieldless("nginx-error", Kind::Error),
        Format::Plain | Format::Auto => Layout::fieldless("plain", Kind::Plain),
        Format::Json => Layout::fieldless("json", Kind::Json),
        Format::Custom(pattern) => Layout::text("custom", pattern, Escape::Default),
        Format::Nginx(name) => match nginx.formats.get(name) {
            Some((pattern, escape)) => Layout::text(&format!("nginx:{name}"), pattern, *escape),
            None => return Err(nginx.lacks(name)),
        },
    })
}
