#!/usr/bin/env python3
"""A minimal RFC 6455 WebSocket client (standard library only) for the system test.

    wsclient.py URL OUT [--origin ORIGIN] [--header 'NAME: VALUE']... [--once]

Connects to URL (sending the extra headers, e.g. credentials), writes
every text message as one line to OUT (flushed at once) and answers pings,
until the server closes the connection or the client is killed; with
--once, it closes after the first message. The end is recorded as a last
line {"type":"_closed","code":N} or {"type":"_eof"}. A refused handshake
exits 1 with "handshake refused: STATUS LINE" on stderr.
"""

import base64
import hashlib
import json
import os
import socket
import struct
import sys
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def send_frame(sock, opcode, payload=b""):
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(head + mask + masked)


def connect(url, origin=None, headers=()):
    parts = urlsplit(url)
    host = parts.hostname
    port = parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    sock = socket.create_connection((host, port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
    )
    if origin:
        request += f"Origin: {origin}\r\n"
    for header in headers:
        request += f"{header}\r\n"
    sock.sendall((request + "\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise SystemExit("connection closed during the handshake")
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ", 2)
    if len(status) < 2 or status[1] != "101":
        raise SystemExit(f"handshake refused: {lines[0]}")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    if headers.get("sec-websocket-accept") != accept:
        raise SystemExit("bad Sec-WebSocket-Accept")
    sock.settimeout(None)
    return sock


def main():
    url, out_path = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    origin = rest[rest.index("--origin") + 1] if "--origin" in rest else None
    once = "--once" in rest
    headers = [rest[i + 1] for i, a in enumerate(rest) if a == "--header"]
    sock = connect(url, origin, headers)
    out = open(out_path, "a", buffering=1)
    message, message_op = b"", None
    try:
        while True:
            b0, b1 = read_exact(sock, 2)
            fin, opcode = b0 & 0x80, b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", read_exact(sock, 2))[0]
            elif n == 127:
                n = struct.unpack("!Q", read_exact(sock, 8))[0]
            mask = read_exact(sock, 4) if b1 & 0x80 else None
            payload = read_exact(sock, n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                send_frame(sock, 0xA, payload)
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                out.write(json.dumps({"type": "_closed", "code": code}) + "\n")
                try:
                    send_frame(sock, 0x8, payload[:2])
                except OSError:
                    pass
                return
            elif opcode in (0x1, 0x2, 0x0):
                if opcode != 0x0:
                    message, message_op = b"", opcode
                message += payload
                if fin:
                    if message_op == 0x1:
                        out.write(message.decode("utf-8") + "\n")
                        if once:
                            send_frame(sock, 0x8, struct.pack("!H", 1000))
                            out.write(json.dumps({"type": "_closed", "code": 1000}) + "\n")
                            return
                    message = b""
    except (EOFError, ConnectionError):
        out.write(json.dumps({"type": "_eof"}) + "\n")


if __name__ == "__main__":
    main()
