//! permessage-deflate on a real connection: a client that offers it gets
//! compressed frames that inflate to every line in order; its compressed
//! messages are understood; a compressed bomb ends only its own connection.

use std::time::{Duration, Instant};

use miniz_oxide::inflate::stream::{InflateState, inflate};
use miniz_oxide::{DataFormat, MZFlush, MZStatus};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::*;

/// A client on a bare socket that offers permessage-deflate.
struct Deflating {
    sock: TcpStream,
    buf: Vec<u8>,
    /// The extension the server answered with, if any.
    accepted: Option<String>,
    /// Bytes of compressed payloads, and of the texts they inflated to.
    packed: usize,
    unpacked: usize,
}

impl Deflating {
    async fn connect(d: &Daemon, query: &str, offer: &str) -> Deflating {
        let mut sock = TcpStream::connect(d.addr).await.unwrap();
        let request = format!(
            "GET /ws?{query} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Extensions: {offer}\r\n\r\n",
            d.addr
        );
        sock.write_all(request.as_bytes()).await.unwrap();
        let mut c = Deflating {
            sock,
            buf: Vec::new(),
            accepted: None,
            packed: 0,
            unpacked: 0,
        };
        let head = loop {
            if let Some(i) = c.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&c.buf[..i]).into_owned();
                c.buf.drain(..i + 4);
                break head;
            }
            c.fill().await.expect("the upgrade's answer");
        };
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        c.accepted = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("sec-websocket-extensions: ")
                    .or(l.strip_prefix("Sec-WebSocket-Extensions: "))
            })
            .map(str::to_string);
        c
    }

    /// Reads more bytes; `None` at the end of the connection.
    async fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 65536];
        let n = tokio::time::timeout(Duration::from_secs(10), self.sock.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        (n > 0).then(|| self.buf.extend_from_slice(&chunk[..n]))
    }

    /// The next message's text (inflated if RSV1 is set), or `None` at a
    /// close frame or the end of the connection. Pings are skipped.
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some((b0, payload)) = self.frame() {
                match b0 & 0x0f {
                    1 if b0 & 0x40 != 0 => return Some(self.inflated(&payload)),
                    1 => return Some(String::from_utf8(payload).unwrap()),
                    8 => return None,
                    _ => continue,
                }
            }
            self.fill().await?;
        }
    }

    /// Takes one whole frame from the buffer (server frames: unmasked, unfragmented).
    fn frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let b = &self.buf;
        let (len, at) = match *b.get(1)? & 0x7f {
            126 => (u16::from_be_bytes(b.get(2..4)?.try_into().ok()?) as usize, 4),
            127 => (u64::from_be_bytes(b.get(2..10)?.try_into().ok()?) as usize, 10),
            n => (n as usize, 2),
        };
        let payload = b.get(at..at + len)?.to_vec();
        let b0 = b[0];
        assert!(b0 & 0x80 != 0, "the server sends whole messages");
        self.buf.drain(..at + len);
        Some((b0, payload))
    }

    /// Inflates a message as a browser does: the four bytes put back, no context kept.
    fn inflated(&mut self, payload: &[u8]) -> String {
        let mut data = payload.to_vec();
        data.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut state = InflateState::new_boxed(DataFormat::Raw);
        let mut out = vec![0; 1 << 24];
        let r = inflate(&mut state, &data, &mut out, MZFlush::Sync);
        assert!(matches!(r.status, Ok(MZStatus::Ok | MZStatus::StreamEnd)), "{r:?}");
        assert_eq!(r.bytes_consumed, data.len());
        out.truncate(r.bytes_written);
        self.packed += payload.len();
        self.unpacked += out.len();
        String::from_utf8(out).unwrap()
    }

    /// Sends a text message, compressed (RSV1) if `packed`, masked as a client's.
    async fn send(&mut self, text: &[u8], packed: bool) {
        let payload = if packed {
            miniz_oxide::deflate::compress_to_vec(text, 6)
        } else {
            text.to_vec()
        };
        let key = [7, 1, 9, 3];
        let mut frame = vec![0x81 | if packed { 0x40 } else { 0 }];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        frame.extend_from_slice(&key);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        self.sock.write_all(&frame).await.unwrap();
    }

    /// The lines of `lines` messages until `n` are in.
    async fn lines(&mut self, n: usize) -> Vec<String> {
        let mut got = Vec::new();
        let deadline = Instant::now() + LINES_TIMEOUT;
        while got.len() < n && Instant::now() < deadline {
            let Some(text) = self.next().await else { break };
            let m: Value = serde_json::from_str(&text).unwrap();
            if m["type"] == "lines" {
                got.extend(
                    m["lines"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| l.as_str().unwrap().to_string()),
                );
            }
        }
        got
    }
}

#[tokio::test]
async fn an_offering_client_gets_every_line_compressed_and_in_order() {
    let setup = Setup::new().streams(&[ACCESS]);
    let fx = setup.start();
    let mut c = Deflating::connect(&fx, "backlog=0", "permessage-deflate; client_max_window_bits").await;
    assert_eq!(
        c.accepted.as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    );
    assert!(c.next().await.unwrap().contains("\"hello\""));
    let want = numbered_range("z", 0..3000);
    let mut w = fx.dir.writer("access.log");
    for part in want.chunks(100) {
        w.lines(part);
    }
    let got = c.lines(want.len()).await;
    assert_eq!(got, want, "every line once, in order");
    assert!(c.packed > 0, "frames came compressed");
    assert!(
        c.packed * 4 < c.unpacked,
        "{} compressed bytes for {}",
        c.packed,
        c.unpacked
    );

    // A compressed message from the client is read like a plain one.
    c.send(br#"{"type":"stats","on":false}"#, true).await;
    w.lines(&numbered_range("after", 0..10));
    assert_eq!(
        c.lines(10).await,
        numbered_range("after", 0..10),
        "the connection lives on"
    );
}

#[tokio::test]
async fn a_declined_offer_gets_plain_frames() {
    let fx = Setup::new().streams(&[ACCESS]).start();
    let mut c = Deflating::connect(&fx, "backlog=0", "permessage-deflate; server_max_window_bits=9").await;
    assert_eq!(c.accepted, None);
    assert!(c.next().await.unwrap().contains("\"hello\""));
    fx.dir.append("access.log", &numbered_range("p", 0..500));
    assert_eq!(c.lines(500).await, numbered_range("p", 0..500));
    assert_eq!(c.packed, 0, "nothing compressed");
}

#[tokio::test]
async fn a_compressed_bomb_ends_only_its_own_connection() {
    let fx = Setup::new().streams(&[ACCESS]).start();
    let mut bomber = Deflating::connect(&fx, "backlog=0", "permessage-deflate").await;
    let mut other = Deflating::connect(&fx, "backlog=0", "permessage-deflate").await;
    assert!(bomber.next().await.unwrap().contains("\"hello\""));
    assert!(other.next().await.unwrap().contains("\"hello\""));
    // 16 MiB of spaces inside a JSON string: a few KiB compressed.
    let mut bomb = br#"{"type":"stats","on":false,"x":""#.to_vec();
    bomb.extend(std::iter::repeat_n(b' ', 16 << 20));
    bomb.extend_from_slice(b"\"}");
    bomber.send(&bomb, true).await;
    let started = Instant::now();
    while bomber.next().await.is_some() {
        assert!(started.elapsed() < Duration::from_secs(10), "the bomber is cut off");
    }
    fx.dir.append("access.log", &numbered_range("ok", 0..100));
    assert_eq!(
        other.lines(100).await,
        numbered_range("ok", 0..100),
        "the other client reads on"
    );
}
