//! Encoded frames: a message written once as JSON text and shared by every client.
//!
//! A `lines` frame is written by hand ([`LinesBuilder`]) and keeps the offset
//! of each line inside its text, so that a client resuming in the middle of a
//! frame gets an exact suffix without re-encoding the lines.

use std::borrow::Cow;

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::json::{push_ascii, push_string};
use super::{Event, EventKind, Message};

/// One encoded frame of a stream: `count` lines from `first_seq`, or an event (`count == 0`).
#[derive(Clone)]
pub struct Frame {
    pub first_seq: u64,
    pub count: u64,
    pub text: Utf8Bytes,
    /// Byte offset in `text` of each line's JSON string (lines frames only).
    offsets: Box<[u32]>,
}

impl Frame {
    /// The seq after this frame's last line.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.count
    }

    /// The same frame without its lines before `seq` (which must fall inside it).
    pub fn suffix(&self, stream_id: &str, seq: u64) -> Frame {
        let skip = (seq - self.first_seq) as usize;
        let start = self.offsets[skip] as usize;
        let body = &self.text.as_bytes()[start..];
        let mut text = lines_prefix(stream_id, seq);
        let shift = text.len() as u32;
        text.extend_from_slice(body);
        let offsets = self.offsets[skip..].iter().map(|o| o - start as u32 + shift).collect();
        Frame {
            first_seq: seq,
            count: self.count - skip as u64,
            text: utf8(Bytes::from(text)),
            offsets,
        }
    }

    /// A `gap` frame: lines `seq..seq + count` will not come (a stream fed
    /// from elsewhere, whose numbers jump).
    pub fn gap(stream_id: &str, seq: u64, count: u64) -> Frame {
        Frame {
            first_seq: seq,
            count: 0,
            text: super::gap(stream_id, seq, count),
            offsets: Box::new([]),
        }
    }

    /// An `event` frame, placed before the line numbered `next_seq`.
    pub fn event(stream_id: &str, next_seq: u64, event: EventKind, detail: &str) -> Frame {
        let event = Event {
            stream: stream_id.to_string(),
            event,
            detail: detail.to_string(),
        };
        Frame {
            first_seq: next_seq,
            count: 0,
            text: Message::Event(event).encode(),
            offsets: Box::new([]),
        }
    }
}

fn lines_prefix(stream_id: &str, seq: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(64);
    v.extend_from_slice(b"{\"type\":\"lines\",\"stream\":");
    serde_json::to_writer(&mut v, stream_id).expect("writing to a Vec cannot fail");
    v.extend_from_slice(format!(",\"seq\":{seq},\"lines\":[").as_bytes());
    v
}

/// A frame's text, valid UTF-8 by construction: JSON string literals of
/// ASCII lines or of `&str` ([`super::json`]), the prefix written by
/// `serde_json`, or a suffix of such a text cut where a line begins.
fn utf8(b: Bytes) -> Utf8Bytes {
    debug_assert!(std::str::from_utf8(&b).is_ok());
    // SAFETY: every caller hands a text made as said above.
    unsafe { Utf8Bytes::from_bytes_unchecked(b) }
}

/// Bytes kept at the start of a frame's body for its prefix
/// (`{"type":"lines","stream":…,"seq":…,"lines":[`), so that
/// [`LinesBuilder::finish`] writes the prefix in place instead of copying
/// the lines behind it; a longer one (a stream id of about 50 bytes or
/// more) is copied.
const HEAD: usize = 96;

/// A frame's text holds at most this fraction more memory than its bytes
/// (`1 / SLACK`), so that the ring's count of bytes is what it holds.
const SLACK: usize = 8;

/// Collects lines into the body of one `lines` frame: `HEAD` bytes of
/// room, then the lines' JSON strings with commas between them.
#[derive(Default)]
pub struct LinesBuilder {
    body: Vec<u8>,
    /// Where each line's string starts in `body`.
    offsets: Vec<u32>,
    /// The room the next body is made with: the last frame's size and an
    /// eighth, so that a run of frames of about one size grows no vector.
    room: usize,
}

/// The marker that ends a line cut at `max_line_bytes`.
pub fn truncation_marker(dropped: usize) -> String {
    format!(" … [{dropped} bytes truncated]")
}

impl LinesBuilder {
    /// Adds a line (raw bytes, already capped) of which `dropped` further bytes were cut.
    pub fn push(&mut self, line: &[u8], dropped: usize) {
        if dropped == 0 {
            // Most lines: ASCII without NUL is its own text, in one pass.
            let at = self.body.len();
            self.next_line();
            if push_ascii(&mut self.body, line) {
                return;
            }
            self.body.truncate(at);
            self.offsets.pop();
        }
        self.push_text(&line_text(line, dropped));
    }

    /// Adds a line whose text was made by [`line_text`] already (read from disk).
    pub fn push_text(&mut self, text: &str) {
        self.next_line();
        push_string(&mut self.body, text);
    }

    /// Starts a line: the room for the prefix before the first, the comma
    /// after the one before; and its offset.
    fn next_line(&mut self) {
        if self.offsets.is_empty() {
            self.body.reserve_exact(self.room.max(HEAD));
            self.body.resize(HEAD, b' ');
        } else {
            self.body.push(b',');
        }
        self.offsets.push(self.body.len() as u32);
    }

    pub fn count(&self) -> usize {
        self.offsets.len()
    }

    /// Bytes of the lines collected so far.
    pub fn body_len(&self) -> usize {
        self.body.len().saturating_sub(HEAD)
    }

    /// Encodes the collected lines, numbered from `first_seq`, and empties
    /// the builder: the prefix is written in the room before the lines,
    /// and the body becomes the frame's text as it is. Its spare capacity
    /// is given back only when over an eighth: giving it back each time
    /// (a `realloc`, for a large frame the unmapping of its tail, and the
    /// next body's pages mapped afresh) made the plain follower slower
    /// than copying the text (0.27 µs a line against 0.16).
    pub fn finish(&mut self, stream_id: &str, first_seq: u64) -> Frame {
        let prefix = lines_prefix(stream_id, first_seq);
        self.body.resize(self.body.len().max(HEAD), b' ');
        self.body.extend_from_slice(b"]}");
        self.room = self.body.len() + self.body.len() / SLACK;
        let mut body = std::mem::take(&mut self.body);
        // Where the text starts in `body` (wrapping below 0 when the prefix is copied).
        let start = (HEAD as u32).wrapping_sub(prefix.len() as u32);
        let text = if prefix.len() <= HEAD {
            body[start as usize..HEAD].copy_from_slice(&prefix);
            if body.capacity() - body.len() > body.len() / SLACK {
                // Grown past its room: the spare part given back (rarely).
                body.shrink_to_fit();
            }
            Bytes::from(body).slice(start as usize..)
        } else {
            let mut text = prefix;
            text.extend_from_slice(&body[HEAD..]);
            Bytes::from(text)
        };
        let offsets = self.offsets.iter().map(|o| o.wrapping_sub(start)).collect();
        let count = self.offsets.len() as u64;
        self.offsets.clear();
        Frame {
            first_seq,
            count,
            text: utf8(text),
            offsets,
        }
    }
}

/// A line's text as every reader gives it, live, in `/history` and in
/// `/search`: NUL bytes removed (they are never log text), a cut moved
/// back so that it splits no character, invalid UTF-8 replaced (never
/// dropped), and the marker of the `dropped` bytes cut.
pub fn line_text(line: &[u8], dropped: usize) -> Cow<'_, str> {
    if memchr::memchr(0, line).is_none() {
        return text_of(line, dropped);
    }
    let line: Vec<u8> = line.iter().copied().filter(|&b| b != 0).collect();
    Cow::Owned(text_of(&line, dropped).into_owned())
}

fn text_of(line: &[u8], dropped: usize) -> Cow<'_, str> {
    let (line, dropped) = cut_at_char_boundary(line, dropped);
    // Valid UTF-8 is the rule; the lossy copy is for the exception.
    let mut text = match std::str::from_utf8(line) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(line),
    };
    if dropped > 0 {
        text.to_mut().push_str(&truncation_marker(dropped));
    }
    text
}

/// Moves a cut back so that it does not split a UTF-8 character.
fn cut_at_char_boundary(line: &[u8], dropped: usize) -> (&[u8], usize) {
    if dropped == 0 {
        return (line, 0);
    }
    // Find the lead byte of the last character: at most three continuation bytes back.
    let mut start = line.len();
    while start > 0 && line.len() - start < 3 && line[start - 1] & 0xC0 == 0x80 {
        start -= 1;
    }
    let Some(lead) = start.checked_sub(1) else {
        return (line, dropped);
    };
    let need = match line[lead] {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    };
    let have = line.len() - lead;
    if have < need {
        (&line[..lead], dropped + have)
    } else {
        (line, dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_lines_decode_to_their_text_and_any_suffix_to_their_tail(
            lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..20),
            first in 0u64..1 << 50,
            cut in any::<prop::sample::Index>(),
        ) {
            let mut b = LinesBuilder::default();
            for l in &lines {
                b.push(l, 0);
            }
            let f = b.finish("s", first);
            // NUL bytes are never log text; the rest is the line, invalid UTF-8 replaced.
            let no_nul = |l: &Vec<u8>| l.iter().copied().filter(|&b| b != 0).collect::<Vec<u8>>();
            let text: Vec<String> = lines.iter().map(|l| String::from_utf8_lossy(&no_nul(l)).into_owned()).collect();
            let skip = cut.index(lines.len());
            let tail = f.suffix("s", first + skip as u64);
            let (Message::Lines(all), Message::Lines(part)) =
                (Message::decode(f.text.as_str()).unwrap(), Message::decode(tail.text.as_str()).unwrap())
            else {
                panic!("not lines");
            };
            prop_assert_eq!((all.seq, &all.lines), (first, &text));
            prop_assert_eq!((part.seq, &part.lines[..]), (first + skip as u64, &text[skip..]));
        }
    }

    fn json(f: &Frame) -> serde_json::Value {
        serde_json::from_str(f.text.as_str()).unwrap()
    }

    /// The hand-written encoder writes exactly what serde writes for the same `Lines`.
    #[test]
    fn lines_frames_are_byte_for_byte_the_serde_encoding() {
        let lines = ["", "plain", "\"q\" \\ \t\u{1} <b>", "ünï € 😀 \u{2028}", "x\u{7f}y"];
        // A builder used again after each frame; stream ids whose prefix fits
        // the room before the lines, fill it exactly (33 with the long seq, 51
        // with 7), and do not (copied).
        let mut b = LinesBuilder::default();
        for id in ["id \"x\"".to_string(), "y".repeat(33), "z".repeat(51), "w".repeat(300)] {
            for seq in [7, u64::MAX / 2] {
                lines.iter().for_each(|l| b.push(l.as_bytes(), 0));
                let f = b.finish(&id, seq);
                let typed = Message::Lines(super::super::Lines {
                    stream: id.clone(),
                    seq,
                    lines: typed_lines(&lines),
                });
                assert_eq!(f.text.as_str(), typed.encode().as_str());
                let tail = f.suffix(&id, seq + 2);
                let Message::Lines(l) = Message::decode(tail.text.as_str()).unwrap() else {
                    panic!("not lines")
                };
                assert_eq!((l.seq, &l.lines[..]), (seq + 2, &typed_lines(&lines)[2..]));
            }
        }
        assert_eq!(
            b.finish("empty", 1).text.as_str(),
            r#"{"type":"lines","stream":"empty","seq":1,"lines":[]}"#
        );
    }

    fn typed_lines(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn lines_frame_is_valid_json_with_escapes() {
        let mut b = LinesBuilder::default();
        b.push(b"a \"quoted\" <tag>", 0);
        b.push(b"tab\there \\ \x01", 0);
        b.push(b"bad \xff\xfe utf8", 0);
        let f = b.finish("access", 41);
        let v = json(&f);
        assert_eq!(v["type"], "lines");
        assert_eq!(v["seq"], 41);
        assert_eq!(v["lines"][0], "a \"quoted\" <tag>");
        assert_eq!(v["lines"][1], "tab\there \\ \u{1}");
        assert_eq!(v["lines"][2], "bad \u{fffd}\u{fffd} utf8");
        assert_eq!((f.count, f.end_seq()), (3, 44));
        assert_eq!(b.count(), 0);
    }

    #[test]
    fn suffix_is_exact() {
        let mut b = LinesBuilder::default();
        for i in 0..5 {
            b.push(format!("line {i}").as_bytes(), 0);
        }
        let f = b.finish("s\"1", 10).suffix("s\"1", 13);
        let v = json(&f);
        assert_eq!(v["stream"], "s\"1");
        assert_eq!(v["seq"], 13);
        assert_eq!(v["lines"], serde_json::json!(["line 3", "line 4"]));
        let again = json(&f.suffix("s\"1", 14));
        assert_eq!(again["lines"], serde_json::json!(["line 4"]));
    }

    #[test]
    fn capped_line_is_marked_and_never_splits_a_character() {
        let mut b = LinesBuilder::default();
        // "é" is two bytes; the cap fell between them.
        b.push(b"ab\xc3", 5);
        b.push(b"abc", 10);
        let v = json(&b.finish("x", 1));
        assert_eq!(v["lines"][0], format!("ab{}", truncation_marker(6)));
        assert_eq!(v["lines"][1], format!("abc{}", truncation_marker(10)));
    }

    #[test]
    fn cut_keeps_complete_multibyte_characters() {
        assert_eq!(cut_at_char_boundary("aé".as_bytes(), 1), ("aé".as_bytes(), 1));
        assert_eq!(cut_at_char_boundary(b"a\xe2\x82", 1), (&b"a"[..], 3));
        assert_eq!(cut_at_char_boundary("a€".as_bytes(), 2), ("a€".as_bytes(), 2));
        assert_eq!(cut_at_char_boundary(b"\xf0\x9f\x98", 0), (&b"\xf0\x9f\x98"[..], 0));
    }

    #[test]
    fn event_frames_sit_before_the_next_line() {
        let e = Frame::event("a", 7, EventKind::Rotated, "x");
        assert_eq!(json(&e)["event"], "rotated");
        assert_eq!((e.first_seq, e.count), (7, 0));
    }
}
