//! A line's own time, in whole unix seconds, for the statistics: the text
//! layout's time field (`$time_local`, `$time_iso8601`, `$msec`, ...), or a
//! JSON line's time key, read as `archive::time` reads them. Lines in a
//! row mostly share their time's text, so the last text and its time are
//! kept and a repeat is not read again.

use std::ops::Range;

use crate::archive::time;
use crate::layout::fields::time_field;
use crate::layout::{FieldType, Layout};

#[derive(Default)]
pub struct When {
    /// The time field of a text layout: its index and name.
    field: Option<(usize, String)>,
    last: Vec<u8>,
    last_time: Option<u64>,
}

impl When {
    pub fn of(layout: &Layout) -> When {
        let field = layout.fields.iter().position(|f| f.ty == FieldType::Time);
        When {
            field: field.map(|i| (i, layout.fields[i].name.clone())),
            ..When::default()
        }
    }

    /// The time of a text line split into `spans`.
    pub fn text(&mut self, line: &[u8], spans: &[Range<usize>]) -> Option<u64> {
        let (i, _) = self.field.as_ref()?;
        let value = &line[spans.get(*i)?.clone()];
        if value != self.last.as_slice() || self.last.is_empty() {
            let name = &self.field.as_ref()?.1;
            self.last_time = seconds(name, value);
            self.last.clear();
            self.last.extend_from_slice(value);
        }
        self.last_time
    }

    /// The time of a JSON line's pairs: its time key by the field table's rule.
    pub fn json(pairs: &[(String, String)]) -> Option<u64> {
        let i = time_field(pairs.iter().map(|(k, _)| (k.as_str(), FieldType::of(k))))?;
        seconds(&pairs[i].0, pairs[i].1.trim().as_bytes())
    }
}

/// The whole second of the time field `name`'s `value`.
fn seconds(name: &str, value: &[u8]) -> Option<u64> {
    let t = time::by_name(name, std::str::from_utf8(value).ok()?)?;
    (t >= 0.0 && t < u64::MAX as f64).then_some(t as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{COMBINED, Escape};

    #[test]
    fn a_text_line_has_its_time_field_and_a_repeat_is_read_once() {
        let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
        let mut when = When::of(&layout);
        let mut spans = Vec::new();
        for (line, want) in [
            (
                "1.2.3.4 - - [30/Nov/2026:14:02:08 +0100] \"GET / HTTP/1.1\" 200 1 \"-\" \"x\"",
                Some(1_796_043_728),
            ),
            (
                "1.2.3.4 - - [30/Nov/2026:14:02:08 +0100] \"GET / HTTP/1.1\" 200 1 \"-\" \"x\"",
                Some(1_796_043_728),
            ),
            (
                "1.2.3.4 - - [30/Nov/2026:14:02:09 +0100] \"GET / HTTP/1.1\" 200 1 \"-\" \"x\"",
                Some(1_796_043_729),
            ),
        ] {
            assert!(layout.split(line.as_bytes(), &mut spans));
            assert_eq!(when.text(line.as_bytes(), &spans), want, "{line}");
        }
        // A time field whose value is not a time: no time.
        let iso = Layout::text("custom", "$time_iso8601 $status", Escape::Default);
        let mut when = When::of(&iso);
        assert!(iso.split(b"yesterday 200", &mut spans));
        assert_eq!(when.text(b"yesterday 200", &spans), None);
        let msec = Layout::text("custom", "$msec $status", Escape::Default);
        let mut when = When::of(&msec);
        assert!(msec.split(b"1764511328.999 200", &mut spans));
        assert_eq!(when.text(b"1764511328.999 200", &spans), Some(1_764_511_328));
    }

    #[test]
    fn a_json_line_has_its_time_key() {
        let pairs = |t: &str| {
            vec![
                ("status".to_string(), "200".to_string()),
                ("time_iso8601".to_string(), t.to_string()),
            ]
        };
        assert_eq!(When::json(&pairs("2026-11-30T14:02:08+00:00")), Some(1_796_047_328));
        assert_eq!(When::json(&pairs("soon")), None);
        assert_eq!(When::json(&[]), None);
    }
}
