#!/usr/bin/env python3
"""A WebSocket client that resumes, and its checker, for the system test.

    wsresume.py run URL STATE [--stream ID]
    wsresume.py check STATE [--wait SECS] [--max-outage SECS] [--from TIME] TAG:N ...

run: follows stream ID (default access) at URL (e.g.
http://127.0.0.1:8088/logmon/ws) as a client that never gives up: the
first connection asks for backlog=0; after a disconnect (close, EOF,
refused or failed handshake, e.g. nginx's 502 while logmon restarts) it
reconnects every 0.2 s with since=ID:SEQ, SEQ the last line it received,
and expects the epoch of its first hello. It counts every line that
carries a marker "GET /w/TAG-i " (written by loggen.py) and records
everything in STATE (JSON, rewritten every 0.25 s and at exit): the
epochs seen, each connection and its answer, outages, lines whose seq
does not follow the previous one, gap frames, and per TAG the markers
received and how often. SIGTERM or SIGINT ends it after saving; started
again with an existing STATE, it resumes from it with since=, as a
client that was away would.

check: waits (up to --wait, default 30 s) until STATE holds every marker
TAG-1 .. TAG-N of each TAG:N, then prints the counts (connections,
refusals and outages since --from, a Unix time) and exits 1 if a
marker is missing or was received more than once, a seq did not follow,
a gap frame came, more than one epoch was seen, or an outage (from the
disconnect to the next hello) lasted longer than --max-outage (default
15 s).
"""

import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import sys
import time
from urllib.parse import urlsplit

from wsclient import send_frame

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MARKER = re.compile(r'"GET /w/([A-Za-z0-9]+)-(\d+) ')

stop = False


def on_signal(_sig, _frame):
    global stop
    stop = True


class Closed(Exception):
    pass


class Conn:
    """One WebSocket connection with a buffered, timeout-tolerant frame reader."""

    def __init__(self, url):
        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.buf = bytearray()
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed("closed during the handshake")
            self.buf += chunk
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split(" ", 2)
        self.status = status[1] if len(status) > 1 else "?"
        if self.status != "101":
            self.sock.close()
            return
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        if headers.get("sec-websocket-accept") != accept:
            raise Closed("bad Sec-WebSocket-Accept")
        self.buf = bytearray(rest)
        self.sock.settimeout(0.2)
        self.message = bytearray()
        self.text = False

    def send(self, opcode, payload=b""):
        send_frame(self.sock, opcode, payload)

    def frame(self):
        """A complete frame (opcode, fin, payload) from the buffer, or None."""
        b = self.buf
        if len(b) < 2:
            return None
        n, off = b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, off = struct.unpack("!H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, off = struct.unpack("!Q", b[2:10])[0], 10
        masked = b[1] & 0x80
        if masked:
            off += 4
        if len(b) < off + n:
            return None
        payload = bytes(b[off : off + n])
        if masked:
            mask = b[off - 4 : off]
            payload = bytes(x ^ mask[i % 4] for i, x in enumerate(payload))
        fin, opcode = b[0] & 0x80, b[0] & 0x0F
        del b[: off + n]
        return opcode, fin, payload

    def messages(self):
        """Text messages as they complete; None when nothing came for 0.2 s."""
        while True:
            f = self.frame()
            if f is None:
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    yield None
                    continue
                if not chunk:
                    raise Closed("eof")
                self.buf += chunk
                continue
            opcode, fin, payload = f
            if opcode == 0x9:
                self.send(0xA, payload)
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                try:
                    self.send(0x8, payload[:2])
                except OSError:
                    pass
                raise Closed(f"close {code}")
            elif opcode in (0x0, 0x1, 0x2):
                if opcode != 0x0:
                    self.message = bytearray()
                    self.text = opcode == 0x1
                self.message += payload
                if fin and self.text:
                    yield self.message.decode("utf-8")

    def close(self):
        try:
            self.send(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


def new_state():
    return {
        "epoch": None,
        "epochs": [],
        "seq": None,
        "connected": False,
        "connects": [],
        "refused": [],
        "outages": [],
        "disconnected_at": None,
        "seq_errors": [],
        "gaps": [],
        "lines": 0,
        "tags": {},
    }


def save(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, path)


def run(url, path, stream):
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if os.path.exists(path):
        with open(path) as f:
            state = json.load(f)
    else:
        state = new_state()
    # tags[TAG][i] = times marker TAG-i arrived (JSON keys are strings)
    tags = {t: {int(k): v for k, v in d.items()} for t, d in state["tags"].items()}
    state["connected"] = False
    if state["disconnected_at"] is None:
        state["disconnected_at"] = time.time()
    last_save = 0.0

    def flush(force=False):
        nonlocal last_save
        if force or time.monotonic() - last_save >= 0.25:
            state["tags"] = {t: {str(k): v for k, v in d.items()} for t, d in tags.items()}
            save(path, state)
            last_save = time.monotonic()

    sep = "&" if "?" in url else "?"
    while not stop:
        if state["seq"] is not None:
            query = f"{url}{sep}stream={stream}&since={stream}:{state['seq']}"
        else:
            query = f"{url}{sep}stream={stream}&backlog=0"
        try:
            conn = Conn(query)
        except (OSError, Closed) as e:
            state["refused"].append([time.time(), type(e).__name__])
            flush()
            time.sleep(0.2)
            continue
        if conn.status != "101":
            state["refused"].append([time.time(), f"HTTP {conn.status}"])
            flush()
            time.sleep(0.2)
            continue
        record = {"at": time.time(), "query": query.split("?", 1)[1]}
        state["connects"].append(record)
        reason = "stopped"
        try:
            for text in conn.messages():
                if stop:
                    break
                if text is None:
                    flush()
                    continue
                msg = json.loads(text)
                kind = msg.get("type")
                if kind == "hello":
                    epoch = msg.get("epoch")
                    record.setdefault("epoch", epoch)
                    if epoch not in state["epochs"]:
                        state["epochs"].append(epoch)
                    if state["epoch"] is None:
                        state["epoch"] = epoch
                    elif epoch != state["epoch"]:
                        # As the protocol says: a new epoch voids the positions.
                        state["epoch"] = epoch
                        state["seq"] = None
                    if not state["connected"]:
                        now = time.time()
                        state["outages"].append([now, round(now - state["disconnected_at"], 3)])
                        state["connected"] = True
                elif kind == "lines" and msg.get("stream") == stream:
                    seq, lines = msg["seq"], msg["lines"]
                    if state["seq"] is not None and seq != state["seq"] + 1:
                        state["seq_errors"].append({"expected": state["seq"] + 1, "got": seq, "at": time.time()})
                    state["seq"] = seq + len(lines) - 1
                    state["lines"] += len(lines)
                    for line in lines:
                        m = MARKER.search(line)
                        if m:
                            d = tags.setdefault(m.group(1), {})
                            i = int(m.group(2))
                            d[i] = d.get(i, 0) + 1
                elif kind == "gap" and msg.get("stream") == stream:
                    state["gaps"].append(msg)
                flush()
        except Closed as e:
            reason = str(e)
        except OSError as e:
            reason = type(e).__name__
        record["end"] = reason
        if state["connected"]:
            state["connected"] = False
            state["disconnected_at"] = time.time()
        conn.close()
        flush(force=True)
    # Away on purpose from here: the next run's outage counts from its start.
    state["disconnected_at"] = None
    flush(force=True)


def check(path, wait, max_outage, since, wanted):
    deadline = time.monotonic() + wait
    while True:
        with open(path) as f:
            state = json.load(f)
        tags = state["tags"]
        done = all(
            sum(1 for i in range(1, n + 1) if tags.get(t, {}).get(str(i), 0) > 0) == n for t, n in wanted
        )
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    problems = []
    for t, n in wanted:
        d = {int(k): v for k, v in tags.get(t, {}).items()}
        missing = [i for i in range(1, n + 1) if d.get(i, 0) == 0]
        dups = sorted(i for i, c in d.items() if c > 1)
        beyond = sorted(i for i in d if i > n)
        print(
            f"{t}: {n} written, {len(d) - len(beyond)} received, "
            f"{len(missing)} lost, {sum(d[i] - 1 for i in dups)} duplicated"
        )
        if missing:
            problems.append(f"{t}: lost {len(missing)}, e.g. {missing[:10]}")
        if dups:
            problems.append(f"{t}: duplicated {len(dups)}, e.g. {dups[:10]}")
        if beyond:
            problems.append(f"{t}: markers beyond {n}: {beyond[:10]}")
    # Connections, refusals and outages since --from (the phase's start).
    connects = [c for c in state["connects"] if c["at"] >= since]
    refused = {}
    for at, what in state["refused"]:
        if at >= since:
            refused[what] = refused.get(what, 0) + 1
    outages = [d for at, d in state["outages"][1:] if at >= since]
    print(
        f"connections: {len(connects)} ({sum('since=' in c['query'] for c in connects)} with since=: "
        f"{', '.join(c['query'].split('since=')[1] for c in connects if 'since=' in c['query']) or '-'}); "
        f"attempts refused or failed: {', '.join(f'{k} x{v}' for k, v in refused.items()) or 'none'}; "
        f"outages: {', '.join(f'{d:.1f} s' for d in outages) or 'none'}"
    )
    print(f"epochs: {', '.join(state['epochs'])}; last seq {state['seq']}, {state['lines']} lines in all")
    if len(state["epochs"]) > 1:
        problems.append(f"the epoch changed: {state['epochs']}")
    if state["seq_errors"]:
        problems.append(f"seq did not follow {len(state['seq_errors'])} times: {state['seq_errors'][:5]}")
    if state["gaps"]:
        problems.append(f"gap frames: {state['gaps'][:5]}")
    long = [d for d in outages if d > max_outage]
    if long:
        problems.append(f"outages longer than {max_outage} s: {long}")
    for p in problems:
        print(f"PROBLEM: {p}")
    return 1 if problems else 0


def main():
    args = sys.argv[1:]
    if args and args[0] == "run":
        stream = args[args.index("--stream") + 1] if "--stream" in args else "access"
        run(args[1], args[2], stream)
        return 0
    if args and args[0] == "check":
        path, rest = args[1], args[2:]
        wait, max_outage, since, wanted = 30.0, 15.0, 0.0, []
        i = 0
        while i < len(rest):
            if rest[i] == "--wait":
                wait = float(rest[i + 1])
                i += 1
            elif rest[i] == "--from":
                since = float(rest[i + 1])
                i += 1
            elif rest[i] == "--max-outage":
                max_outage = float(rest[i + 1])
                i += 1
            else:
                t, n = rest[i].split(":")
                wanted.append((t, int(n)))
            i += 1
        return check(path, wait, max_outage, since, wanted)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
