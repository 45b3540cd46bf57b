//! Raw HTTP: requests written byte for byte (no client-side normalisation
//! of the path), WebSocket upgrades that report the HTTP status, and a
//! WebSocket client that never reads.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::{Client, Daemon, FRAME_TIMEOUT};

/// A response as it came: the head (status line and headers) and the body
/// (de-chunked).
pub struct Response {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

/// `GET path` on a new TCP connection to the daemon.
pub async fn get(d: &Daemon, path: &str) -> Response {
    let stream = TcpStream::connect(d.addr).await.expect("connect");
    get_over(stream, &d.addr.to_string(), path).await
}

/// `GET path` with `Host: host` over `stream`, read until the server closes.
pub async fn get_over<S: AsyncRead + AsyncWrite + Unpin>(stream: S, host: &str, path: &str) -> Response {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    exchange(stream, &request, path).await
}

/// A WebSocket handshake for `/ws?QUERY` written by hand: the usual headers
/// (version 13) with `headers` added, or in their place where the name is
/// the same (an empty value leaves the header out). The request asks the
/// server to close after a refusal; after a 101 only the head is read.
pub async fn handshake(d: &Daemon, query: &str, headers: &[(&str, &str)]) -> Response {
    let mut all = vec![
        ("Host", d.addr.to_string()),
        ("Upgrade", "websocket".to_string()),
        ("Connection", "Upgrade, close".to_string()),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==".to_string()),
        ("Sec-WebSocket-Version", "13".to_string()),
    ];
    all.retain(|(k, _)| !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k)));
    all.extend(headers.iter().map(|(k, v)| (*k, v.to_string())));
    let lines: String = all
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let request = format!("GET /ws?{query} HTTP/1.1\r\n{lines}\r\n");
    let stream = TcpStream::connect(d.addr).await.expect("connect");
    exchange(stream, &request, "/ws").await
}

/// Writes `request` and reads the answer until the server closes.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &str, path: &str) -> Response {
    let exchange = async {
        stream.write_all(request.as_bytes()).await.expect("write request");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // Read to the end; an upgraded connection stays open: its head is enough.
        while !(buf.starts_with(b"HTTP/1.1 101") && memchr::memmem::find(&buf, b"\r\n\r\n").is_some()) {
            match stream.read(&mut chunk).await.expect("read response") {
                0 => break,
                n => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf
    };
    let buf = tokio::time::timeout(FRAME_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| panic!("GET {path} timed out"));
    let head_end = memchr::memmem::find(&buf, b"\r\n\r\n")
        .unwrap_or_else(|| panic!("GET {path}: no header end in {:?}", String::from_utf8_lossy(&buf)));
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let status_line = head.lines().next().unwrap_or("");
    let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok());
    let status = status.unwrap_or_else(|| panic!("GET {path}: bad status line {status_line:?}"));
    let mut body = buf[head_end + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Response { status, head, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = memchr::memmem::find(b, b"\r\n") {
        let size_str = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_str.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = (start + size).min(b.len());
        out.extend_from_slice(&b[start..end]);
        b = &b[(end + 2).min(b.len())..];
    }
    out
}

/// Tries to open `/ws?QUERY`, with an `Origin` header if given. Returns the
/// HTTP status of a refused upgrade, or 101 once the upgrade succeeded and
/// `hello` arrived.
pub async fn upgrade_status(d: &Daemon, query: &str, origin: Option<&str>) -> u16 {
    let mut req = d.ws_url(query).into_client_request().expect("request");
    if let Some(o) = origin {
        req.headers_mut()
            .insert("Origin", HeaderValue::from_str(o).expect("origin header"));
    }
    let res = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(req))
        .await
        .expect("upgrade timed out");
    match res {
        Ok((ws, resp)) => {
            Client::from_ws(ws).await.close().await;
            resp.status().as_u16()
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("unexpected upgrade error: {e}"),
    }
}

/// A WebSocket opened by hand that never reads after its handshake: with a
/// small receive buffer, it pushes back on the server at once.
pub struct Stalled(TcpStream);

impl Stalled {
    /// Opens `/ws?QUERY` and reads exactly the response head (101).
    pub async fn connect(d: &Daemon, query: &str) -> Stalled {
        Stalled::connect_with(d, query, "").await
    }

    /// The same, with `headers` (each ending `\r\n`) in the request: an
    /// extension offered, say.
    pub async fn connect_with(d: &Daemon, query: &str, headers: &str) -> Stalled {
        let mut s = connect_small_rcvbuf(d.addr).await;
        let req = format!(
            "GET /ws?{query} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{headers}\r\n",
            d.addr
        );
        s.write_all(req.as_bytes()).await.expect("write handshake");
        // Read the response head byte by byte so nothing past it is consumed.
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        let deadline = Instant::now() + FRAME_TIMEOUT;
        while !head.ends_with(b"\r\n\r\n") {
            let left = deadline.saturating_duration_since(Instant::now());
            tokio::time::timeout(left, s.read_exact(&mut byte))
                .await
                .expect("handshake response timed out")
                .expect("read handshake response");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(
            head.starts_with("HTTP/1.1 101"),
            "stalled client handshake refused: {head}"
        );
        let offered = headers.split("\r\n").filter_map(|h| h.split_once(": ")).map(|(_, v)| v);
        for value in offered.filter(|v| v.starts_with("permessage-deflate")) {
            assert!(head.contains("permessage-deflate"), "{value} declined: {head}");
        }
        Stalled(s)
    }

    /// Reads everything the server sent until it closes the connection (a
    /// close frame, or the end of the stream); the frames received, as
    /// (opcode, payload). Fails after `timeout`.
    pub async fn read_until_closed(&mut self, timeout: Duration) -> Vec<(u8, Vec<u8>)> {
        let mut buf = Vec::new();
        let deadline = Instant::now() + timeout;
        loop {
            let mut chunk = [0u8; 4096];
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.0.read(&mut chunk)).await {
                Err(_) => panic!("raw client not closed; frames received: {:?}", server_frames(&buf)),
                Ok(Ok(0)) | Ok(Err(_)) => return server_frames(&buf),
                Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            }
            let frames = server_frames(&buf);
            if frames.iter().any(|(op, _)| *op == 0x8) {
                return frames;
            }
        }
    }

    /// The code of the close frame the server sends before it closes (None
    /// if it closed without one). Fails after `timeout`.
    pub async fn close_code(&mut self, timeout: Duration) -> Option<u16> {
        let frames = self.read_until_closed(timeout).await;
        let (_, payload) = frames.into_iter().find(|(op, _)| *op == 0x8)?;
        Some(u16::from_be_bytes([*payload.first()?, *payload.get(1)?]))
    }

    /// Sends one client frame: `head` is its first byte (FIN, RSV bits,
    /// opcode); the payload is masked unless `masked` is false. The server
    /// may already have closed: errors are returned, not fatal.
    pub async fn send_frame(&mut self, head: u8, payload: &[u8], masked: bool) -> std::io::Result<()> {
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        let mut frame = vec![head];
        let bit = if masked { 0x80 } else { 0 };
        match payload.len() {
            n @ 0..=125 => frame.push(bit | n as u8),
            n @ 126..=0xffff => frame.extend([bit | 126].into_iter().chain((n as u16).to_be_bytes())),
            n => frame.extend([bit | 127].into_iter().chain((n as u64).to_be_bytes())),
        }
        if masked {
            frame.extend_from_slice(&mask);
        }
        let body = payload.iter().enumerate();
        frame.extend(body.map(|(i, b)| if masked { b ^ mask[i % 4] } else { *b }));
        self.0.write_all(&frame).await
    }
}

/// A TCP connection with a small receive buffer, so that a client that does
/// not read pushes back on the server quickly.
pub async fn connect_small_rcvbuf(addr: SocketAddr) -> TcpStream {
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    let _ = sock.set_recv_buffer_size(16 * 1024);
    sock.connect(addr).await.expect("connect stalled client")
}

/// The complete server frames (unmasked) at the start of `buf`: (opcode, payload).
fn server_frames(buf: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    let mut i = 0;
    while i + 2 <= buf.len() {
        let op = buf[i] & 0x0f;
        let (len, head) = match buf[i + 1] & 0x7f {
            126 if i + 4 <= buf.len() => (u16::from_be_bytes([buf[i + 2], buf[i + 3]]) as usize, 4),
            127 if i + 10 <= buf.len() => (u64::from_be_bytes(buf[i + 2..i + 10].try_into().unwrap()) as usize, 10),
            126 | 127 => break,
            n => (n as usize, 2),
        };
        if i + head + len > buf.len() {
            break;
        }
        frames.push((op, buf[i + head..i + head + len].to_vec()));
        i += head + len;
    }
    frames
}
