//! What a client that took permessage-deflate sends, inflated beneath the
//! WebSocket layer.
//!
//! The WebSocket library refuses any frame with RSV1 set, and a browser
//! compresses the messages it sends once the extension is agreed
//! (`deflate.rs`). So [`Inflating`] sits between the socket and the
//! library: it reads the client's frames, passes every frame through as
//! it is but a compressed message, which it gathers (all its fragments),
//! inflates and hands on as one plain frame. It reads only: the session's
//! connection joins it with the socket's writing half (`ws.rs`).
//! Clients send little (a pong, a `stats` switch), so this layer is about
//! safety, not speed: a compressed message is bounded as a plain one is,
//! before and after inflating, so a small bomb cannot grow, and a client
//! that breaks the rules gets an error that ends its connection.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BufMut, BytesMut};
use tokio::io::{AsyncRead, ReadBuf};

/// A client frame's header: FIN and RSV1, the opcode, the payload's
/// length and its mask, and the header's own length.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Header {
    fin: bool,
    rsv1: bool,
    opcode: u8,
    len: u64,
    mask: Option<[u8; 4]>,
    size: usize,
}

/// Parses the header at the start of `raw`, or `None` if it is not all there yet.
fn header(raw: &[u8]) -> Option<Header> {
    let (&b0, &b1) = (raw.first()?, raw.get(1)?);
    let (len, mut size) = match b1 & 0x7f {
        126 => (u64::from(u16::from_be_bytes(raw.get(2..4)?.try_into().ok()?)), 4),
        127 => (u64::from_be_bytes(raw.get(2..10)?.try_into().ok()?), 10),
        n => (u64::from(n), 2),
    };
    let mask = if b1 & 0x80 != 0 {
        let key = raw.get(size..size + 4)?.try_into().ok()?;
        size += 4;
        Some(key)
    } else {
        None
    };
    Some(Header {
        fin: b0 & 0x80 != 0,
        rsv1: b0 & 0x40 != 0,
        opcode: b0 & 0x0f,
        len,
        mask,
        size,
    })
}

/// Writes a plain, final, masked frame (with the key 0, so the payload is
/// as it is) of `opcode` carrying `payload`.
fn plain_frame(out: &mut BytesMut, opcode: u8, payload: &[u8]) {
    out.put_u8(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.put_u8(0x80 | n as u8),
        n if n <= 0xffff => {
            out.put_u8(0x80 | 126);
            out.put_u16(n as u16);
        }
        n => {
            out.put_u8(0x80 | 127);
            out.put_u64(n as u64);
        }
    }
    out.put_u32(0);
    out.put_slice(payload);
}

/// Inflates a message's raw deflate data (with the four bytes put back):
/// at most `max` bytes, and the data may end at a block's end without a
/// final block, as a sync flush leaves it.
pub(super) fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, String> {
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::inflate_flags::{
        TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
    };
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress};
    let mut d = Box::<DecompressorOxide>::default();
    let mut out = vec![0; max + 1];
    let flags = TINFL_FLAG_HAS_MORE_INPUT | TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, used, written) = decompress(&mut d, data, &mut out, 0, flags);
    out.truncate(written);
    match status {
        _ if written > max || status == TINFLStatus::HasMoreOutput => Err(format!("more than {max} bytes")),
        // After a final block, the four bytes put back are left unread.
        TINFLStatus::Done => Ok(out),
        TINFLStatus::NeedsMoreInput if used == data.len() => Ok(out),
        other => Err(format!("not deflate data ({other:?})")),
    }
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("permessage-deflate: {why}"))
}

/// The rewriting of the client's bytes, apart from any socket.
#[derive(Default)]
struct Frames {
    /// Bytes read from the socket and not handled yet.
    raw: BytesMut,
    /// Bytes ready for the WebSocket layer.
    ready: BytesMut,
    /// Payload bytes of a frame passed through that are still to come.
    passing: u64,
    /// A compressed message being gathered: its opcode and its payload so far.
    gathering: Option<(u8, Vec<u8>)>,
}

impl Frames {
    /// Moves what `raw` holds as far as it can: into `ready`, or into the
    /// message being gathered. Returns false when more bytes are needed.
    fn step(&mut self, max: usize) -> io::Result<bool> {
        if self.passing > 0 {
            let n = self.raw.len().min(usize::try_from(self.passing).unwrap_or(usize::MAX));
            self.ready.extend_from_slice(&self.raw.split_to(n));
            self.passing -= n as u64;
            return Ok(n > 0);
        }
        let Some(h) = header(&self.raw) else {
            return Ok(false);
        };
        let data = h.opcode < 8;
        let compressed = data && (h.rsv1 && h.opcode != 0 || h.opcode == 0 && self.gathering.is_some());
        if !compressed {
            if data && h.opcode != 0 && self.gathering.is_some() {
                return Err(invalid("a new message began inside a compressed one"));
            }
            // Passed as it is: the WebSocket layer checks it (and refuses RSV1 where it is wrong).
            self.ready.extend_from_slice(&self.raw.split_to(h.size));
            self.passing = h.len;
            return Ok(true);
        }
        self.gather(h, max)
    }

    /// Takes one fragment of a compressed message, once all of it is in;
    /// at the last, inflates the message into one plain frame.
    fn gather(&mut self, h: Header, max: usize) -> io::Result<bool> {
        let so_far = self.gathering.as_ref().map_or(0, |(_, p)| p.len());
        if h.len > (max - so_far.min(max)) as u64 {
            return Err(invalid("a compressed message over the size limit"));
        }
        let total = h.size + h.len as usize;
        if self.raw.len() < total {
            self.raw.reserve(total - self.raw.len());
            return Ok(false);
        }
        let mut frame = self.raw.split_to(total);
        frame.advance(h.size);
        if let Some(key) = h.mask {
            frame.iter_mut().enumerate().for_each(|(i, b)| *b ^= key[i % 4]);
        }
        let (_, payload) = self.gathering.get_or_insert_with(|| (h.opcode, Vec::new()));
        payload.extend_from_slice(&frame);
        if h.fin {
            let (opcode, mut payload) = self.gathering.take().expect("gathered above");
            payload.extend_from_slice(&[0, 0, 0xff, 0xff]);
            let text = inflate(&payload, max).map_err(|why| invalid(&format!("inflating a message: {why}")))?;
            plain_frame(&mut self.ready, opcode, &text);
        }
        Ok(true)
    }
}

/// What [`Inflating`] makes of the client's bytes `input` read in pieces
/// of `step` bytes: the bytes the WebSocket layer reads (for the tests and
/// the fuzz target; the end of the input is not the end of a connection).
pub fn rewrite(input: &[u8], step: usize, max: usize) -> io::Result<Vec<u8>> {
    let mut f = Frames::default();
    for piece in input.chunks(step.max(1)) {
        f.raw.extend_from_slice(piece);
        while f.step(max)? {}
    }
    Ok(f.ready.to_vec())
}

/// A client's reading half, its compressed messages inflated when `on`.
pub struct Inflating<IO> {
    io: IO,
    on: bool,
    /// The largest message, compressed or not.
    max: usize,
    frames: Frames,
}

impl<IO> Inflating<IO> {
    pub fn new(io: IO, on: bool, max: usize) -> Inflating<IO> {
        Inflating {
            io,
            on,
            max,
            frames: Frames::default(),
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Inflating<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let me = &mut *self;
        if !me.on {
            return Pin::new(&mut me.io).poll_read(cx, buf);
        }
        loop {
            if !me.frames.ready.is_empty() {
                let n = me.frames.ready.len().min(buf.remaining());
                buf.put_slice(&me.frames.ready.split_to(n));
                return Poll::Ready(Ok(()));
            }
            if me.frames.step(me.max)? {
                continue;
            }
            let mut chunk = [0u8; 4096];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut me.io).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                // The end: what is left unparsed goes on, for the WebSocket layer to judge.
                let rest = me.frames.raw.split();
                let n = rest.len().min(buf.remaining());
                buf.put_slice(&rest[..n]);
                return Poll::Ready(Ok(()));
            }
            me.frames.raw.extend_from_slice(read.filled());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A client's frame: masked with `key`, RSV1 as given.
    fn client_frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
        let mut v = vec![u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode];
        match payload.len() {
            n if n < 126 => v.push(0x80 | n as u8),
            n if n <= 0xffff => {
                v.push(0x80 | 126);
                v.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                v.push(0x80 | 127);
                v.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        v.extend_from_slice(&key);
        v.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        v
    }

    /// A client's compressed message (ended by a final block, which a
    /// client may send: the four bytes appended after it are ignored).
    fn deflate(text: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec(text, 6)
    }

    /// The frames in `bytes`: (fin, rsv1, opcode, unmasked payload).
    fn frames(mut bytes: &[u8]) -> Vec<(bool, bool, u8, Vec<u8>)> {
        let mut out = Vec::new();
        while let Some(h) = header(bytes) {
            let key = h.mask.unwrap_or_default();
            let payload = &bytes[h.size..h.size + h.len as usize];
            out.push((
                h.fin,
                h.rsv1,
                h.opcode,
                payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect(),
            ));
            bytes = &bytes[h.size + h.len as usize..];
        }
        assert!(bytes.is_empty(), "no trailing bytes");
        out
    }

    const KEY: [u8; 4] = [0x12, 0x34, 0x56, 0x78];

    #[test]
    fn plain_frames_pass_through_byte_for_byte() {
        let mut input = client_frame(true, false, 1, br#"{"type":"stats","on":false}"#, KEY);
        input.extend(client_frame(true, false, 10, b"pong", KEY));
        input.extend(client_frame(false, false, 1, b"frag", KEY));
        input.extend(client_frame(true, false, 0, b"ment", KEY));
        for step in [1, 3, 7, input.len()] {
            assert_eq!(rewrite(&input, step, 1024).unwrap(), input, "step {step}");
        }
    }

    #[test]
    fn a_compressed_message_becomes_one_plain_frame_between_the_others() {
        let text = br#"{"type":"stats","on":true}"#;
        let packed = deflate(text);
        let (a, b) = packed.split_at(packed.len() / 2);
        let mut input = client_frame(false, true, 1, a, KEY);
        input.extend(client_frame(true, false, 9, b"ping", KEY));
        input.extend(client_frame(true, false, 0, b, KEY));
        input.extend(client_frame(true, false, 10, b"pong", KEY));
        for step in [1, 5, input.len()] {
            let got = frames(&rewrite(&input, step, 1024).unwrap());
            let want = vec![
                (true, false, 9, b"ping".to_vec()),
                (true, false, 1, text.to_vec()),
                (true, false, 10, b"pong".to_vec()),
            ];
            assert_eq!(got, want, "step {step}");
        }
    }

    #[test]
    fn a_bomb_and_an_oversized_message_are_refused() {
        let bomb = deflate(&vec![b'a'; 1 << 20]);
        assert!(bomb.len() < 2048, "a megabyte of one byte packs small");
        let err = rewrite(&client_frame(true, true, 1, &bomb, KEY), 4096, 64 << 10).unwrap_err();
        assert!(err.to_string().contains("inflating"), "{err}");
        let big = client_frame(true, true, 1, &vec![0; 70 << 10], KEY);
        let err = rewrite(&big, 4096, 64 << 10).unwrap_err();
        assert!(err.to_string().contains("over the size limit"), "{err}");
        let garbage = client_frame(true, true, 1, b"\xff\xff\xff\xff not deflate", KEY);
        assert!(rewrite(&garbage, 4096, 64 << 10).is_err());
    }

    #[test]
    fn a_new_message_inside_a_compressed_one_is_refused() {
        let mut input = client_frame(false, true, 1, &deflate(b"hello"), KEY);
        input.extend(client_frame(true, false, 1, b"x", KEY));
        assert!(rewrite(&input, 4096, 1024).is_err());
    }

    proptest! {
        #[test]
        fn any_split_of_any_messages_reads_the_same(
            texts in proptest::collection::vec(("[ -~]{0,300}", any::<bool>(), 1usize..4), 1..6),
            step in 1usize..64,
        ) {
            let mut input = Vec::new();
            for (text, packed, parts) in &texts {
                let payload = if *packed { deflate(text.as_bytes()) } else { text.as_bytes().to_vec() };
                let size = payload.len().div_ceil(*parts).max(1);
                let pieces: Vec<&[u8]> = if payload.is_empty() { vec![&[]] } else { payload.chunks(size).collect() };
                for (i, piece) in pieces.iter().enumerate() {
                    let (first, last) = (i == 0, i + 1 == pieces.len());
                    input.extend(client_frame(last, *packed && first, if first { 1 } else { 0 }, piece, KEY));
                }
            }
            let got = frames(&rewrite(&input, step, 1 << 20).unwrap());
            // Every message's text, in order: a compressed one in one frame,
            // a plain one in its fragments as sent.
            let mut messages: Vec<Vec<u8>> = Vec::new();
            for (fin, rsv1, opcode, payload) in got {
                prop_assert!(!rsv1);
                if opcode == 1 { messages.push(payload) } else { messages.last_mut().unwrap().extend(payload) }
                let _ = fin;
            }
            let want: Vec<Vec<u8>> = texts.iter().map(|(t, _, _)| t.as_bytes().to_vec()).collect();
            prop_assert_eq!(messages, want);
        }
    }
}
