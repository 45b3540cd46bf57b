//! The two directives kept, `log_format` and `access_log`, read as nginx's log module reads them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{AccessLog, COMBINED, Escape, LogFormat, NginxConf};

/// Where a directive is, for its warnings.
pub(super) struct Place<'a> {
    pub file: &'a Path,
    pub line: usize,
}

impl Place<'_> {
    /// `FILE, line N: message`, as an error is shown.
    pub fn sentence(&self, message: &str) -> String {
        format!("{}, line {}: {message}", self.file.display(), self.line)
    }
}

/// The formats nginx defines before reading its configuration.
pub(super) fn builtin_formats() -> BTreeMap<String, LogFormat> {
    let combined = LogFormat {
        name: "combined".to_string(),
        escape: Escape::Default,
        pattern: COMBINED.to_string(),
        file: PathBuf::new(),
        line: 0,
    };
    BTreeMap::from([(combined.name.clone(), combined)])
}

/// `log_format NAME [escape=...] STRING...;`; the first of a name wins.
pub(super) fn log_format(conf: &mut NginxConf, words: &[String], at: &Place) {
    let warn = |conf: &mut NginxConf, message: String| conf.warnings.push(at.sentence(&message));
    let [_, name, first, rest @ ..] = words else {
        return warn(conf, "log_format needs a name and a format: skipped".to_string());
    };
    let (escape, strings) = match first.strip_prefix("escape=") {
        None => (Escape::Default, &words[2..]),
        Some(value) => match escape(value) {
            Some(escape) => (escape, rest),
            None => return warn(conf, format!("log_format {name}: unknown escape=\"{value}\": skipped")),
        },
    };
    if let Some(earlier) = conf.formats.get(name) {
        let message = format!(
            "duplicate log_format name \"{name}\" ({}): skipped",
            defined_at(earlier)
        );
        return warn(conf, message);
    }
    let format = LogFormat {
        name: name.clone(),
        escape,
        pattern: strings.concat(),
        file: at.file.to_path_buf(),
        line: at.line,
    };
    conf.formats.insert(name.clone(), format);
}

fn escape(value: &str) -> Option<Escape> {
    match value {
        "default" => Some(Escape::Default),
        "json" => Some(Escape::Json),
        "none" => Some(Escape::None),
        _ => None,
    }
}

/// Where a format was defined, in words.
fn defined_at(format: &LogFormat) -> String {
    if format.line == 0 {
        "nginx defines it itself".to_string()
    } else {
        format!("first defined in {}, line {}", format.file.display(), format.line)
    }
}

/// `access_log PATH [FORMAT [PARAMS...]];`, kept when PATH is a file logmon can follow.
pub(super) fn access_log(conf: &mut NginxConf, words: &[String], at: &Place) {
    let Some(target) = words.get(1) else {
        let message = "access_log needs a path: skipped";
        return conf.warnings.push(at.sentence(message));
    };
    let params = words.get(3..).unwrap_or_default();
    if let Some(why) = unusable(target).or_else(|| bad_params(params)) {
        return conf
            .warnings
            .push(at.sentence(&format!("access_log {target}: {why}: skipped")));
    }
    conf.access_logs.push(AccessLog {
        path: PathBuf::from(target),
        format: words.get(2).map_or("combined", String::as_str).to_string(),
        file: at.file.to_path_buf(),
        line: at.line,
    });
}

/// Why a log target is not a file to follow, if it is not.
fn unusable(target: &str) -> Option<String> {
    let why = if target == "off" {
        "logging is off here"
    } else if target.starts_with("syslog:") {
        "the lines go to syslog, not to a file"
    } else if target.contains('$') {
        "the path has variables"
    } else if !Path::new(target).is_absolute() {
        "the path is relative to nginx's prefix, which is not known here"
    } else {
        return None;
    };
    Some(why.to_string())
}

/// Why the parameters after the format make the log unusable, if they do.
fn bad_params(params: &[String]) -> Option<String> {
    for param in params {
        if param == "gzip" || param.starts_with("gzip=") {
            return Some("the file is gzip-compressed, not lines of text".to_string());
        }
        let known = ["buffer=", "flush=", "if="].iter().any(|p| param.starts_with(p));
        if !known {
            return Some(format!("unknown parameter \"{param}\" (a missing \";\"?)"));
        }
    }
    None
}

/// Warns about access logs whose format is defined nowhere (nginx would refuse them).
pub(super) fn check_formats(conf: &mut NginxConf) {
    for log in &conf.access_logs {
        if !conf.formats.contains_key(&log.format) {
            let at = Place {
                file: &log.file,
                line: log.line,
            };
            let message = format!(
                "access_log {} uses log_format \"{}\", which is not defined",
                log.path.display(),
                log.format
            );
            conf.warnings.push(at.sentence(&message));
        }
    }
}
