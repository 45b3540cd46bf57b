//! permessage-deflate (RFC 7692): the frames sent to a client that offered
//! it, compressed once and shared.
//!
//! Browsers offer the extension on every WebSocket; nginx lines compress
//! about tenfold. The server accepts it without context takeover either
//! way (`server_no_context_takeover; client_no_context_takeover`), so each
//! message is compressed on its own: a frame of the hub, sent to every
//! client alike, is compressed once, by the first session that sends it,
//! and the others take the same bytes from a small shared [`Cache`]. A
//! session keeps no compressor state between messages, so a thousand idle
//! clients cost no window each. What clients send is inflated by
//! `inflate.rs`, beneath the WebSocket layer.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use hyper::header::{HeaderMap, SEC_WEBSOCKET_EXTENSIONS};
use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress_to_output, create_comp_flags_from_zip_params,
};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// The answer to an offer that is taken.
pub const ACCEPTED: &str = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/// Messages shorter than this are sent as they are: a frame of one or two
/// lines, compressed on its own, shrinks by a fifth at most (measured:
/// 219 bytes on the wire a line for 271), and costs a compressor's run
/// here and an inflater's in the browser.
const MIN_BYTES: usize = 1024;
/// The cache holds at most this many texts, and this many of their bytes
/// (a text is shared with the hub's ring; the cache may keep it a little
/// longer); a longer text is compressed for each send.
const CACHED_TEXTS: usize = 64;
const CACHED_BYTES: usize = 4 << 20;
const MAX_CACHED_TEXT: usize = 256 << 10;
/// deflate's effort: level 1, the fastest, already gives most of the gain on log text.
const LEVEL: i32 = 1;

/// True if the request offers permessage-deflate with parameters this
/// server can honour; then the 101 answers with [`ACCEPTED`].
pub fn offered(headers: &HeaderMap) -> bool {
    headers
        .get_all(SEC_WEBSOCKET_EXTENSIONS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(acceptable)
}

/// One offer (`permessage-deflate; p1; p2=v`): its parameters must be
/// known, each once. `server_max_window_bits` below 15 is declined (the
/// compressor's window is 32 KiB); `client_max_window_bits` only says the
/// client could use a smaller window, and needs no answer.
fn acceptable(offer: &str) -> bool {
    let mut parts = offer.split(';').map(str::trim);
    if parts.next() != Some("permessage-deflate") {
        return false;
    }
    let mut seen: Vec<&str> = Vec::new();
    for param in parts {
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (param, None),
        };
        if seen.contains(&name) {
            return false;
        }
        seen.push(name);
        let bits = |v: Option<&str>| v.and_then(|v| v.parse::<u8>().ok()).filter(|b| (8..=15).contains(b));
        let fine = match name {
            "server_no_context_takeover" | "client_no_context_takeover" => value.is_none(),
            "server_max_window_bits" => bits(value) == Some(15),
            "client_max_window_bits" => value.is_none() || bits(value).is_some(),
            _ => false,
        };
        if !fine {
            return false;
        }
    }
    true
}

/// The message that carries `text` to a client that took the extension:
/// its compressed form (RSV1 set) when that is worth it, else the text.
pub fn message(cache: &Cache, text: Utf8Bytes) -> Message {
    match cache.compressed(&text) {
        Some(payload) => {
            let mut frame = Frame::message(payload, OpCode::Data(Data::Text), true);
            frame.header_mut().rsv1 = true;
            Message::Frame(frame)
        }
        None => Message::Text(text),
    }
}

/// Compressed forms of the texts sent last, shared by every session.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<VecDeque<Entry>>,
}

/// A text, kept alive so that no other text can have its address while
/// it is here, and its compressed form once one session has made it.
struct Entry {
    text: Utf8Bytes,
    compressed: Arc<OnceLock<Option<Bytes>>>,
}

impl Cache {
    /// `text` compressed (without the sync flush's last four bytes, as the
    /// extension sends it), or `None` when it is short or does not shrink.
    pub fn compressed(&self, text: &Utf8Bytes) -> Option<Bytes> {
        if text.len() < MIN_BYTES {
            return None;
        }
        if text.len() > MAX_CACHED_TEXT {
            return compress(text.as_bytes());
        }
        let cell = self.cell(text);
        cell.get_or_init(|| compress(text.as_bytes())).clone()
    }

    /// The entry of `text` (the same bytes at the same address), made if
    /// new; the oldest entries leave to keep the bounds.
    fn cell(&self, text: &Utf8Bytes) -> Arc<OnceLock<Option<Bytes>>> {
        let same = |e: &Entry| e.text.as_bytes().as_ptr() == text.as_bytes().as_ptr() && e.text.len() == text.len();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = entries.iter().rev().find(|e| same(e)) {
            return e.compressed.clone();
        }
        let compressed = Arc::new(OnceLock::new());
        entries.push_back(Entry {
            text: text.clone(),
            compressed: compressed.clone(),
        });
        let mut held: usize = entries.iter().map(|e| e.text.len()).sum();
        while entries.len() > CACHED_TEXTS || held > CACHED_BYTES {
            held -= entries.pop_front().map_or(0, |e| e.text.len());
        }
        compressed
    }
}

thread_local! {
    /// A compressor per thread, reset for every message (no context
    /// takeover): its tables are allocated once, not per message.
    static COMPRESSOR: RefCell<Box<CompressorOxide>> =
        RefCell::new(Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(LEVEL, -15, 0))));
}

/// Raw deflate of `bytes` ended by a sync flush, whose empty stored block
/// (`00 00 ff ff`) is taken off as RFC 7692 says; `None` if not smaller.
fn compress(bytes: &[u8]) -> Option<Bytes> {
    COMPRESSOR.with_borrow_mut(|c| {
        c.reset();
        let mut out = Vec::with_capacity(bytes.len() / 4 + 64);
        let (status, used) = compress_to_output(c, bytes, TDEFLFlush::Sync, |chunk| {
            out.extend_from_slice(chunk);
            true
        });
        let flushed = status == TDEFLStatus::Okay && used == bytes.len() && out.ends_with(&[0, 0, 0xff, 0xff]);
        out.truncate(out.len().saturating_sub(4));
        (flushed && out.len() < bytes.len()).then(|| Bytes::from(out))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn offers(values: &[&str]) -> bool {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(SEC_WEBSOCKET_EXTENSIONS, v.parse().unwrap());
        }
        offered(&h)
    }

    #[test]
    fn the_browsers_offers_are_taken() {
        assert!(offers(&["permessage-deflate; client_max_window_bits"]), "Chromium's");
        assert!(offers(&["permessage-deflate"]), "Firefox's");
        assert!(offers(&[
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        ]));
        assert!(offers(&[
            "permessage-deflate; server_max_window_bits=15; client_max_window_bits=\"10\""
        ]));
    }

    #[test]
    fn offers_this_server_cannot_honour_are_declined() {
        assert!(!offers(&[]));
        assert!(!offers(&["x-webkit-deflate-frame"]));
        assert!(
            !offers(&["permessage-deflate; server_max_window_bits=10"]),
            "a smaller window"
        );
        assert!(!offers(&["permessage-deflate; client_max_window_bits=7"]));
        assert!(!offers(&["permessage-deflate; unknown"]));
        assert!(!offers(&["permessage-deflate; server_no_context_takeover=1"]));
        assert!(!offers(&[
            "permessage-deflate; client_max_window_bits; client_max_window_bits"
        ]));
    }

    #[test]
    fn a_later_offer_is_taken_when_the_first_is_declined() {
        assert!(offers(&[
            "permessage-deflate; server_max_window_bits=9, permessage-deflate"
        ]));
        assert!(offers(&["foo", "permessage-deflate"]));
    }

    /// What a client does with a compressed message: append the four
    /// bytes taken off and inflate.
    fn inflate(payload: &[u8]) -> Vec<u8> {
        let mut data = payload.to_vec();
        data.extend_from_slice(&[0, 0, 0xff, 0xff]);
        super::super::inflate::inflate(&data, 1 << 24).unwrap()
    }

    #[test]
    fn a_lines_frame_shrinks_and_inflates_to_itself() {
        let line = r#""203.0.113.9 - - [07/Dec/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 512 \"-\" \"curl/8\"""#;
        let text = format!(
            "{{\"type\":\"lines\",\"stream\":\"a\",\"seq\":1,\"lines\":[{}]}}",
            [line; 100].join(",")
        );
        let packed = compress(text.as_bytes()).expect("log lines shrink");
        assert!(
            packed.len() * 10 < text.len(),
            "{} bytes from {}",
            packed.len(),
            text.len()
        );
        assert_eq!(inflate(&packed), text.as_bytes());
    }

    #[test]
    fn short_texts_go_as_they_are_and_one_text_is_compressed_once() {
        let cache = Cache::default();
        assert!(
            cache
                .compressed(&Utf8Bytes::from_static("{\"type\":\"gap\"}"))
                .is_none()
        );
        let text = Utf8Bytes::from("x".repeat(4096));
        let first = cache.compressed(&text).unwrap();
        let again = cache.compressed(&text.clone()).unwrap();
        assert_eq!(
            first.as_ptr(),
            again.as_ptr(),
            "the same bytes, not a second compression"
        );
        let other = Utf8Bytes::from("x".repeat(4096));
        assert_ne!(
            cache.compressed(&other).unwrap().as_ptr(),
            first.as_ptr(),
            "an equal text elsewhere is its own"
        );
    }

    #[test]
    fn the_cache_keeps_its_bounds() {
        let cache = Cache::default();
        for i in 0..200 {
            cache.compressed(&Utf8Bytes::from(format!("{i} {}", "y".repeat(300 << 10))));
            cache.compressed(&Utf8Bytes::from(format!("{i} {}", "z".repeat(1000))));
        }
        let entries = cache.entries.lock().unwrap();
        assert!(entries.len() <= CACHED_TEXTS);
        assert!(entries.iter().map(|e| e.text.len()).sum::<usize>() <= CACHED_BYTES);
    }

    proptest! {
        #[test]
        fn any_text_inflates_to_itself(text in "(\\PC|[ -~]{1,40}){0,400}") {
            if let Some(packed) = compress(text.as_bytes()) {
                prop_assert!(packed.len() < text.len());
                prop_assert_eq!(inflate(&packed), text.as_bytes());
            }
        }
    }
}
