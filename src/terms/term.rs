//! One compiled term and how it tests a line: a word looked for in the raw
//! line (`textTerm` of static/filter.js) or a field term (`fieldTerm`).
//!
//! A word is case-insensitive unless it has an upper-case letter. A field
//! term reads its value from the line's record (record.rs, value.rs) and
//! tests it (check.rs); a line without that value fails it. A name that is
//! neither a short name nor a field of the line (`localhost:8080`) is
//! looked for as a word instead, the whole term as typed.

use memchr::memmem::Finder;

use super::check::{Check, contains_ci};
use super::record::Record;
use super::value::{Short, own_value, value_of};
use crate::layout::FieldType;

/// A term, negated or not.
pub(super) struct Term {
    pub neg: bool,
    pub kind: Kind,
}

pub(super) enum Kind {
    Word(Word),
    Field(Field),
}

/// `key:value` or `key>n` (and `<`, `>=`, `<=`).
pub(super) struct Field {
    pub key: Key,
    pub check: Check,
    /// The whole term as a word, for lines without a field of that name.
    pub word: Word,
}

pub(super) enum Key {
    Short(Short),
    Name(String),
}

impl Term {
    pub fn needs_record(&self) -> bool {
        matches!(self.kind, Kind::Field(_))
    }

    /// Whether the line passes the term, negation aside.
    pub fn matches(&self, line: &[u8], rec: &Record) -> bool {
        match &self.kind {
            Kind::Word(w) => w.matches(line),
            Kind::Field(f) => f.matches(line, rec),
        }
    }
}

impl Field {
    fn matches(&self, line: &[u8], rec: &Record) -> bool {
        match &self.key {
            Key::Short(name) => value_of(rec, *name).is_some_and(|v| self.check.matches(v.bytes(), FieldType::Text)),
            Key::Name(name) => match rec.index(name) {
                None => self.word.matches(line),
                Some(i) => own_value(rec, name).is_some_and(|v| self.check.matches(v, rec.ty(i))),
            },
        }
    }
}

/// Text looked for in the raw line.
pub(super) struct Word {
    /// Set when the word minds case.
    exact: Option<Finder<'static>>,
    /// The word in lower case, when it does not.
    folded: Vec<u8>,
}

impl Word {
    /// A word minds case when lowering it changes it (it has an upper-case letter).
    pub fn new(s: &str) -> Word {
        if s != s.to_lowercase() {
            Word {
                exact: Some(Finder::new(s.as_bytes()).into_owned()),
                folded: Vec::new(),
            }
        } else {
            Word {
                exact: None,
                folded: s.as_bytes().to_ascii_lowercase(),
            }
        }
    }

    pub fn matches(&self, line: &[u8]) -> bool {
        match &self.exact {
            Some(f) => f.find(line).is_some(),
            None => contains_ci(line, &self.folded),
        }
    }
}
