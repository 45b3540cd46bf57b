//! A line's fields as the filter language sees them: `record()` of
//! static/layout.js. A text layout's line gives its fields' byte ranges
//! (split in place, nothing allocated once the scratch has grown); a JSON
//! line gives its keys, in the order they are written, with their values as
//! text (`layout/json.rs`, the one reading of a JSON line). Plain
//! and error lines, and lines that do not fit their layout, have no record.
//!
//! Where the two could differ, on JSON lines only: the browser reads a line
//! as text (invalid UTF-8 becomes U+FFFD; here it is no JSON), nests deeper
//! than serde_json's limit of 128, and writes a nested object's keys in
//! their order and its numbers as JavaScript does (here the keys are sorted
//! and the numbers written as serde_json writes them).

use std::ops::Range;

use crate::layout::{FieldType, Layout};

/// The fields of one line, or none.
pub(super) enum Record<'a> {
    None,
    Text {
        layout: &'a Layout,
        line: &'a [u8],
        spans: &'a [Range<usize>],
    },
    Json(&'a [(String, String)]),
}

impl<'a> Record<'a> {
    /// The record of `line`, split into `spans` or read into `json` (reused buffers).
    pub fn of(
        layout: &'a Layout,
        line: &'a [u8],
        spans: &'a mut Vec<Range<usize>>,
        json: &'a mut Vec<(String, String)>,
    ) -> Record<'a> {
        match layout.kind {
            crate::layout::Kind::Text if layout.split(line, spans) => Record::Text { layout, line, spans },
            crate::layout::Kind::Json if crate::layout::json::pairs(line, json) => Record::Json(json),
            _ => Record::None,
        }
    }

    /// How many fields the line has.
    pub fn len(&self) -> usize {
        match self {
            Record::None => 0,
            Record::Text { spans, .. } => spans.len(),
            Record::Json(pairs) => pairs.len(),
        }
    }

    pub fn name(&self, i: usize) -> &'a str {
        match self {
            Record::None => "",
            Record::Text { layout, .. } => &layout.fields[i].name,
            Record::Json(pairs) => &pairs[i].0,
        }
    }

    pub fn value(&self, i: usize) -> &'a [u8] {
        match self {
            Record::None => b"",
            Record::Text { line, spans, .. } => &line[spans[i].clone()],
            Record::Json(pairs) => pairs[i].1.as_bytes(),
        }
    }

    /// The field's type: the layout's, or for a JSON key the type of the nginx variable of that name.
    pub fn ty(&self, i: usize) -> FieldType {
        match self {
            Record::None => FieldType::Text,
            Record::Text { layout, .. } => layout.fields[i].ty,
            Record::Json(pairs) => FieldType::of(&pairs[i].0),
        }
    }

    /// The index of the first field named `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.name(i) == name)
    }
}
