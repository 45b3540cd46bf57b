#!/usr/bin/env python3
"""The webhook receiver of the alert test: what Alertmanager delivers.

    webhook.py PORT FILE

Accepts POSTs on any path and appends each one to FILE as a line of JSON,
{"received": UNIX_TIME, "path": PATH, "body": THE_POSTED_JSON}, flushed at
once so that the test sees it; answers 200 with no body. A body that is not
JSON is written as {"received": ..., "path": ..., "invalid": TEXT} and
answered 400, and the test then fails on it. Stops on SIGTERM.
"""

import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        record = {"received": time.time(), "path": self.path}
        try:
            record["body"] = json.loads(raw)
            status = 200
        except ValueError:
            record["invalid"] = raw.decode("utf-8", "replace")
            status = 400
        with LOCK, open(self.server.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.out = out
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
