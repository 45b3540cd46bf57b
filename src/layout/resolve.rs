//! Which layout a stream gets: the format its configuration names, or, with
//! none named, the one nginx's configuration gives its file in an
//! `access_log` directive, or a guess from the file's name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{COMBINED, Escape, Kind, Layout};
use crate::config::Format;
use crate::nginx::{self, NginxConf};

/// What nginx's configuration says about formats: every `log_format` by
/// name, and the format of every file an `access_log` writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NginxFormats {
    pub formats: HashMap<String, (String, Escape)>,
    pub logs: HashMap<PathBuf, String>,
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
                let note = format!(
                    "no nginx configuration at {}: only nginx's built-in formats",
                    path.display()
                );
                (NginxFormats::builtin(), vec![(log::Level::Info, note)])
            }
            Err(e) => {
                let note = format!("cannot read nginx's configuration, only its built-in formats are known: {e}");
                (NginxFormats::builtin(), vec![(log::Level::Warn, note)])
            }
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
        NginxFormats { formats, logs }
    }

    /// nginx's built-in formats only (no configuration read).
    pub fn builtin() -> NginxFormats {
        let mut formats = HashMap::new();
        formats.insert("combined".to_string(), (COMBINED.to_string(), Escape::Default));
        NginxFormats {
            formats,
            logs: HashMap::new(),
        }
    }
}

/// The layout of a stream following `path` with `format`; the message says
/// why it is not the one asked for, when it is not.
pub fn resolve(format: &Format, path: &Path, nginx: &NginxFormats) -> (Layout, Option<String>) {
    match format {
        Format::Auto => match nginx.logs.get(path) {
            Some(name) => resolve(&Format::Nginx(name.clone()), path, nginx),
            None => resolve(&Format::guess(path), path, nginx),
        },
        Format::NginxCombined => (Layout::text("nginx-combined", COMBINED, Escape::Default), None),
        Format::NginxError => (Layout::fieldless("nginx-error", Kind::Error), None),
        Format::Plain => (Layout::fieldless("plain", Kind::Plain), None),
        Format::Json => (Layout::fieldless("json", Kind::Json), None),
        Format::Custom(pattern) => (Layout::text("custom", pattern, Escape::Default), None),
        Format::Nginx(name) => match nginx.formats.get(name) {
            Some((pattern, escape)) => (Layout::text(&format!("nginx:{name}"), pattern, *escape), None),
            None => {
                let why =
                    format!("nginx's configuration has no log_format {name:?}; its lines are shown as plain text");
                (Layout::fieldless("plain", Kind::Plain), Some(why))
            }
        },
    }
}
