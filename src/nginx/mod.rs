//! nginx's configuration, read for its `log_format` and `access_log` directives.
//!
//! logmon needs two things from nginx: which files the access logs are
//! written to, and what their lines look like. Both are in nginx.conf and
//! the files it includes, so this module reads them the way nginx does and
//! keeps only those directives.
//!
//! # What is understood
//!
//! - The syntax, with nginx's own tokenizer rules (module `token`): words,
//!   `'...'` and `"..."` quoting, backslash escapes, `#` comments, `;`
//!   ending a directive, `{ ... }` blocks. Errors nginx would report (an
//!   unbalanced brace or quote, a missing `;`) are an [`NginxError`] naming
//!   the file and line.
//! - `include PATTERN;`, anywhere: a relative pattern is taken from the
//!   directory of the main file (nginx's conf prefix, e.g. `/etc/nginx`),
//!   a glob (`*`, `?`, `[`) is expanded in sorted order, and each file is
//!   read at the place of the include, in the same context. Includes deeper
//!   than 32, loops and unreadable files are skipped with a warning.
//! - `log_format NAME [escape=default|json|none] STRING...;`: the strings
//!   are joined with nothing between them, as nginx does. nginx's built-in
//!   `combined` is always there.
//! - `access_log PATH [FORMAT [PARAMS...]];` at any depth. The
//!   format is `combined` when not given; `buffer=`, `flush=` and `if=` do
//!   not change what a line looks like and are ignored.
//!
//! # What is skipped, and why
//!
//! Everything else is read only for its syntax. Some access logs cannot be
//! followed, and are skipped with a warning: `off`, `syslog:` targets, paths
//! with variables (one file per value), relative paths (relative to nginx's
//! compiled-in prefix, which the file does not tell) and `gzip` logs (not
//! lines of text). The contents of `stream` and `mail` (other log formats,
//! in a namespace of their own), of `map`, `geo`, `types`, `split_clients`,
//! `charset_map` and `match` (lists of values, not directives) are not
//! collected; an `include` there is still followed. The Lua code of
//! OpenResty's `*_by_lua_block { ... }` is not nginx syntax: it is skipped
//! up to its closing brace, counting braces outside Lua strings and
//! comments, as OpenResty itself does.
//!
//! Where nginx would refuse a directive (a duplicate format name, a format
//! used but never defined, an include of a missing file) this module warns
//! and goes on: a running nginx has accepted its configuration, so such a
//! directive is most likely in a file that nginx has not loaded yet.
//!
//! Parsing never touches the disk: [`parse`] takes a resolver for includes,
//! and [`read`] is it with a resolver that reads files.

mod directive;
mod disk;
mod token;
mod walk;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What a configuration says about access logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxConf {
    /// Every log_format by name, including nginx's built-in `combined`
    /// (empty `file`, line 0).
    pub formats: BTreeMap<String, LogFormat>,
    /// Every access_log directive with a usable file path, in file order.
    pub access_logs: Vec<AccessLog>,
    /// Things skipped, each a sentence naming the file and line.
    pub warnings: Vec<String>,
}

/// One `log_format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFormat {
    pub name: String,
    pub escape: Escape,
    /// The strings of the directive, joined, with their `$variables`.
    pub pattern: String,
    pub file: PathBuf,
    pub line: usize,
}

/// How a format escapes the values of variables (`escape=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// `"`, `\` and bytes below 32 or above 126 as `\xHH`.
    Default,
    /// As in JSON strings.
    Json,
    /// Not at all.
    None,
}

impl Escape {
    /// The name as `escape=` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Escape::Default => "default",
            Escape::Json => "json",
            Escape::None => "none",
        }
    }
}

/// One `access_log` that writes lines to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLog {
    pub path: PathBuf,
    /// The format's name as written (`combined` when not given).
    pub format: String,
    pub file: PathBuf,
    pub line: usize,
}

/// A file included by a pattern, with its text or why it could not be read.
pub type Included = (PathBuf, Result<String, String>);

/// The format nginx defines itself.
pub const COMBINED: &str = "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \
                            \"$http_referer\" \"$http_user_agent\"";

/// A configuration that cannot be read, with the place nginx would name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
    /// Set when the main file could not be read.
    pub kind: Option<io::ErrorKind>,
}

impl NginxError {
    /// The main file does not exist: there is no nginx here.
    pub fn is_not_found(&self) -> bool {
        self.kind == Some(io::ErrorKind::NotFound)
    }
}

impl fmt::Display for NginxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for NginxError {}

/// Reads the main configuration file at `path` and the files it includes.
///
/// A main file that does not exist gives an error whose `is_not_found()` is true.
pub fn read(path: &Path) -> Result<NginxConf, NginxError> {
    let text = disk::read_text(path).map_err(|e| NginxError {
        file: path.to_path_buf(),
        line: None,
        message: format!("cannot read: {e}"),
        kind: Some(e.kind()),
    })?;
    let prefix = path.parent().unwrap_or(Path::new("")).to_path_buf();
    parse(&text, path, &mut |pattern| disk::resolve(&prefix, pattern))
}

/// Parses the text of the main file `source`, without the disk.
///
/// `include` is called with each include's pattern as written; it returns
/// the files the pattern stands for, in order, each with its text or why it
/// could not be read. A glob that matches nothing returns no file.
pub fn parse(
    text: &str,
    source: &Path,
    include: &mut dyn FnMut(&str) -> Vec<Included>,
) -> Result<NginxConf, NginxError> {
    walk::Walker::new(include).run(text, source)
}
