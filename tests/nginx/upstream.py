#!/usr/bin/env python3
"""The upstream behind the test's nginx: a threaded HTTP server.

    upstream.py PORT

Answers every method. The query string chooses the answer:
  s=STATUS  the status (default 200; POST without s answers 201)
  d=MS      sleep that many milliseconds first (default 0)
  b=N       a body of N bytes (default 64; none for HEAD, 204 and 304)
Prints "ready" once it listens; stops on SIGTERM.
"""

import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "test-upstream"
    sys_version = ""

    def log_message(self, *args):
        pass

    def answer(self):
        query = parse_qs(urlsplit(self.path).query)

        def param(name, default):
            try:
                return int(query[name][0])
            except (KeyError, ValueError):
                return default

        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status = param("s", 201 if self.command == "POST" else 200)
        delay = param("d", 0)
        size = param("b", 64)
        if delay > 0:
            time.sleep(delay / 1000)
        no_body = self.command == "HEAD" or status in (204, 304) or status < 200
        body = b"" if no_body else (b"x" * max(size - 1, 0) + b"\n")[:size]
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        if status not in (204, 304):
            self.send_header("Content-Length", str(size if self.command == "HEAD" else len(body)))
        self.end_headers()
        if body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # nginx gave up on the answer (the client left: 499)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = answer
    do_PURGE = answer


def main():
    port = int(sys.argv[1])
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
