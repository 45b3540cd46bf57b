//! Layouts: where the fields of a stream's lines are, compiled once from a
//! format and shared by every line.
//!
//! An nginx `log_format` is literal text around variables:
//! `$remote_addr - $remote_user [$time_local] "$request" ...`. Compiling it
//! gives the literal `parts` (one more than the variables) and the `fields`.
//! A line is split by looking, from the current position, for the next
//! literal: the field before it ends where it begins, at the first
//! occurrence that gives it a value its variable can have (`grammar.rs`:
//! statuses, numbers, times, nginx's lists of upstreams, escaped text),
//! trying later occurrences, a bounded number of times, when it does not
//! (`split.rs`). The last field ends where the line's final literal begins.
//! No regular expression is built and nothing is allocated per line; a line
//! that does not fit is not an error, only a line without fields (shown raw,
//! counted as bad).
//!
//! The UI splits lines by the same rule from the layout that `hello` carries
//! ([`Layout::info`]); `tests/formats/cases.json` holds the cases both are
//! tested against. docs/protocol.md ("Layouts") is the reference.

pub(crate) mod byte;
pub mod fields;
pub mod grammar;
pub mod json;
mod literal;
mod resolve;
pub(crate) mod split;
#[cfg(test)]
mod tests;

pub use crate::nginx::{COMBINED, Escape};
use crate::protocol::{FieldInfo, LayoutInfo};
pub use fields::{FieldType, Role, Roles};
pub use grammar::Grammar;
use literal::Literal;
pub use resolve::{NginxFormats, Resolved, resolve};

/// What a stream's lines are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An nginx `log_format`: literals around fields.
    Text,
    /// One JSON object a line; its keys are its fields.
    Json,
    /// nginx's error log.
    Error,
    /// Lines without fields.
    Plain,
}

/// One field of a `Text` layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    /// What its values look like, for the split.
    pub grammar: Grammar,
}

/// A stream's format, compiled.
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    /// The format's name as `hello` gives it (`nginx-combined`, `nginx:main`, `custom`, ...).
    pub format: String,
    pub kind: Kind,
    pub escape: Escape,
    parts: Vec<Literal>,
    pub fields: Vec<Field>,
    /// Which field plays which part for the statistics.
    pub roles: Roles,
}

impl Layout {
    /// Compiles an nginx `log_format` string.
    pub fn text(format: &str, pattern: &str, escape: Escape) -> Layout {
        let (parts, fields) = compile(pattern);
        let roles = Roles::of(fields.iter().map(|f| f.name.as_str()));
        Layout {
            format: format.to_string(),
            kind: Kind::Text,
            escape,
            parts: parts.iter().map(|p| Literal::new(p)).collect(),
            fields,
            roles,
        }
    }

    /// A layout without fields (`Json`, `Error` or `Plain`).
    pub fn fieldless(format: &str, kind: Kind) -> Layout {
        Layout {
            format: format.to_string(),
            kind,
            escape: Escape::Default,
            parts: Vec::new(),
            fields: Vec::new(),
            roles: Roles::default(),
        }
    }

    /// Whether lines of this layout have fields (to split, to count by).
    pub fn has_fields(&self) -> bool {
        matches!(self.kind, Kind::Text | Kind::Json)
    }

    /// The layout as `hello` describes it.
    pub fn info(&self) -> LayoutInfo {
        let kind = match self.kind {
            Kind::Text => "text",
            Kind::Json => "json",
            Kind::Error => "error",
            Kind::Plain => "plain",
        };
        let text = self.kind == Kind::Text;
        LayoutInfo {
            kind: kind.to_string(),
            escape: text.then(|| self.escape.name().to_string()),
            parts: self
                .parts
                .iter()
                .map(|p| String::from_utf8_lossy(p.bytes()).into_owned())
                .collect(),
            fields: self
                .fields
                .iter()
                .map(|f| FieldInfo::new(&f.name, f.ty.name()))
                .collect(),
        }
    }
}

/// Splits a format string into literal parts and the variables between them.
fn compile(pattern: &str) -> (Vec<String>, Vec<Field>) {
    let mut parts = vec![String::new()];
    let mut fields = Vec::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        match variable(rest) {
            Some((name, len)) => {
                fields.push(Field {
                    name: name.to_string(),
                    ty: FieldType::of(name),
                    grammar: Grammar::of(name),
                });
                parts.push(String::new());
                rest = &rest[len..];
            }
            None => {
                parts.last_mut().expect("parts is never empty").push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    (parts, fields)
}

/// A variable at the start of `s` (`$name` or `${name}`): its name and length.
fn variable(s: &str) -> Option<(&str, usize)> {
    let body = s.strip_prefix('$')?;
    let name_len = |t: &str| {
        t.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count()
    };
    if let Some(braced) = body.strip_prefix('{') {
        let n = name_len(braced);
        return (n > 0 && braced[n..].starts_with('}')).then(|| (&braced[..n], n + 3));
    }
    let n = name_len(body);
    (n > 0).then(|| (&body[..n], n + 1))
}
