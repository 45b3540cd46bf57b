//! Field terms: the `filter=` of `GET /search`, which takes the field terms
//! of the UI's filter box and means exactly what the UI means by them.
//!
//! The language is static/filter.js's (with static/fields.js for what the
//! names read); this module mirrors it term by term, and
//! `tests/formats/terms.json` holds the cases both are tested against
//! (src/terms/tests.rs here, tests/ui/terms.test.mjs there). In short:
//!
//! ```text
//! status:5xx !ua:bot path:/api/* rt>0.5 host:*.example.com "GET /x" localhost:8080
//! ```
//!
//! - terms are separated by spaces and ANDed; `!` negates one; `"quoted
//!   values"` keep their spaces;
//! - `key:value` tests a field by its value, `key>n`, `key<n`, `key>=n`,
//!   `key<=n` by its number (`rt>500ms`, `bytes<=1000`, `status>=500`);
//!   the keys are the short names of value.rs or any field's own name;
//!   how each is tested is in check.rs;
//! - a line without the field's value fails the term; a name that is no
//!   field of the line, and any other word, is looked for in the raw line,
//!   case-insensitive unless it has an upper-case letter.
//!
//! The UI's `searchOf` (static/pages.js) sends its field terms here and its
//! words and regex in `q=`; a `/regex/` term in `filter=` is refused.
//!
//! Lines are bytes and may be any bytes: values are compared as bytes, and
//! "ignoring case" folds ASCII letters only. Testing a line of a text
//! layout allocates nothing once the [`Scratch`] has grown; a JSON line is
//! parsed (and allocates) when a field term needs it. Where the server and
//! the browser can differ, each file says so: the time of day of `$msec`
//! (UTC here, value.rs), non-ASCII case and characters beyond the BMP
//! (check.rs), Unicode spaces around numbers (number.rs), and unusual JSON
//! (record.rs).

mod check;
mod number;
mod parse;
mod record;
mod term;
mod value;

#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::layout::Layout;
use record::Record;
use term::Term;

/// A compiled `filter=` text: field terms ANDed, `!` negating one.
pub struct Terms {
    terms: Vec<Term>,
    /// Whether a term reads fields (else the line is never split).
    fields: bool,
}

/// Buffers reused from line to line.
#[derive(Default)]
pub struct Scratch {
    spans: Vec<Range<usize>>,
    json: Vec<(String, String)>,
}

impl Terms {
    /// Compiles the text, or says what is wrong (one line, for a 400 answer):
    /// `rt>abc: not a number`, or a `/regex/` term.
    pub fn parse(text: &str) -> Result<Terms, String> {
        let terms = parse::compile(text)?;
        let fields = terms.iter().any(Term::needs_record);
        Ok(Terms { terms, fields })
    }

    /// True when the text has no terms (every line passes).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// True if `line` (one log line, bytes, no newline) passes every term,
    /// reading its fields as `layout` says.
    pub fn test(&self, layout: &Layout, line: &[u8], scratch: &mut Scratch) -> bool {
        let rec = if self.fields {
            Record::of(layout, line, &mut scratch.spans, &mut scratch.json)
        } else {
            Record::None
        };
        self.terms.iter().all(|t| t.matches(line, &rec) != t.neg)
    }
}
