//! A bare WebSocket client on a blocking `std` socket, for tests that need
//! many cheap readers (the soak test): the upgrade written by hand, frames
//! parsed in place in one buffer, pings answered, text messages handed to a
//! callback as bytes. No copy, allocation or UTF-8 check per message, so
//! that fifty of them can read tens of MB/s each even in a debug build.
//!
//! Only what a protocol v1 client needs: unmasked server frames, text
//! messages (fragmented or not), ping, pong and close.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

/// How long one `pump` may block in `read`.
const READ_WAIT: Duration = Duration::from_millis(100);
/// Bytes read from the socket at a time (the buffer grows for a larger frame).
const READ_BYTES: usize = 512 * 1024;

/// What `pump` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Pumped {
    /// The connection is open (messages may or may not have arrived).
    Open,
    /// The server closed the connection (close frame or end of stream).
    Closed,
}

/// A connected WebSocket client.
pub struct RawWs {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Unparsed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// The text message being reassembled from fragments.
    partial: Vec<u8>,
    /// Pings answered so far.
    pub pings: u64,
}

impl RawWs {
    /// Opens `ws://addr/ws?query` and completes the upgrade.
    pub fn connect(addr: SocketAddr, query: &str) -> io::Result<RawWs> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let request = format!(
            "GET /ws?{query} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes())?;
        let mut ws = RawWs {
            stream,
            buf: vec![0; READ_BYTES],
            start: 0,
            end: 0,
            partial: Vec::new(),
            pings: 0,
        };
        ws.read_head()?;
        ws.stream.set_read_timeout(Some(READ_WAIT))?;
        Ok(ws)
    }

    /// Reads the response head; anything after it is the first frames.
    fn read_head(&mut self) -> io::Result<()> {
        loop {
            if let Some(i) = memchr::memmem::find(&self.buf[..self.end], b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                if !head.starts_with("HTTP/1.1 101") {
                    return Err(io::Error::other(format!("upgrade refused: {head}")));
                }
                self.start = i + 4;
                return Ok(());
            }
            let n = self.stream.read(&mut self.buf[self.end..])?;
            if n == 0 {
                return Err(io::Error::other("connection closed during the upgrade"));
            }
            self.end += n;
        }
    }

    /// Reads once (waiting at most `READ_WAIT`) and calls `on_text` with
    /// every complete text message now buffered, in order.
    pub fn pump(&mut self, on_text: &mut dyn FnMut(&[u8])) -> io::Result<Pumped> {
        if self.parse(on_text)? == Pumped::Closed {
            return Ok(Pumped::Closed);
        }
        self.make_room();
        match self.stream.read(&mut self.buf[self.end..]) {
            Ok(0) => return Ok(Pumped::Closed),
            Ok(n) => self.end += n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) => return Err(e),
        }
        self.parse(on_text)
    }

    /// Moves the unparsed bytes to the front, and grows the buffer when a
    /// frame does not fit.
    fn make_room(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_BYTES / 4 {
            self.buf.resize(self.buf.len() + READ_BYTES, 0);
        }
    }

    /// Handles every complete frame in the buffer.
    fn parse(&mut self, on_text: &mut dyn FnMut(&[u8])) -> io::Result<Pumped> {
        while let Some((head, len)) = frame_at(&self.buf[self.start..self.end])? {
            let (b0, at) = (self.buf[self.start], self.start + head);
            self.start = at + len;
            let (fin, opcode) = (b0 & 0x80 != 0, b0 & 0x0f);
            match opcode {
                1 if fin => on_text(&self.buf[at..at + len]),
                0 | 1 => {
                    self.partial.extend_from_slice(&self.buf[at..at + len]);
                    if fin {
                        on_text(&std::mem::take(&mut self.partial));
                    }
                }
                8 => return Ok(Pumped::Closed),
                9 => {
                    let payload = self.buf[at..at + len].to_vec();
                    self.send(0xA, &payload)?;
                    self.pings += 1;
                }
                10 => {}
                _ => return Err(io::Error::other(format!("unexpected opcode {opcode}"))),
            }
        }
        Ok(Pumped::Open)
    }

    /// Sends one masked frame (clients must mask).
    fn send(&mut self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        assert!(payload.len() < 126, "only short control frames are sent");
        let mask = [0x5a, 0x17, 0xc3, 0x3c];
        let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame)
    }

    /// Closes cleanly: a close frame (1000), then the socket.
    pub fn close(mut self) {
        let _ = self.send(0x8, &1000u16.to_be_bytes());
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Drops the connection without a close frame, as a vanished client does.
    pub fn abort(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// The header length and payload length of the complete frame at the start
/// of `b`; None if it has not fully arrived.
fn frame_at(b: &[u8]) -> io::Result<Option<(usize, usize)>> {
    if b.len() < 2 {
        return Ok(None);
    }
    if b[1] & 0x80 != 0 {
        return Err(io::Error::other("a server frame is masked"));
    }
    let (head, len) = match b[1] & 0x7f {
        126 if b.len() >= 4 => (4, u16::from_be_bytes([b[2], b[3]]) as usize),
        127 if b.len() >= 10 => (10, u64::from_be_bytes(b[2..10].try_into().unwrap()) as usize),
        126 | 127 => return Ok(None),
        n => (2, n as usize),
    };
    Ok((b.len() >= head + len).then_some((head, len)))
}
