#!/usr/bin/env python3
"""Requests to the alert test's nginx at a steady rate.

    traffic.py BASE_URL --rps N --fail-ratio R [--seconds S]

Sends N requests a second over one keep-alive connection: a fraction R of
them to /fail (nginx answers 503), the others to /ok (200), evenly mixed.
Runs for S seconds, or until SIGTERM without --seconds. Exits non-zero if
nginx answers anything else.
"""

import argparse
import http.client
import signal
import sys
import time
from urllib.parse import urlsplit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--rps", type=float, required=True)
    ap.add_argument("--fail-ratio", type=float, required=True)
    ap.add_argument("--seconds", type=float)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    url = urlsplit(args.base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    start, sent, failed = time.monotonic(), 0, 0.0
    while args.seconds is None or time.monotonic() - start < args.seconds:
        failed += args.fail_ratio
        path, want = ("/fail", 503) if failed >= 1 else ("/ok", 200)
        if failed >= 1:
            failed -= 1
        conn.request("GET", path, headers={"User-Agent": "logmon-alert-test"})
        resp = conn.getresponse()
        resp.read()
        if resp.status != want:
            sys.exit(f"traffic.py: GET {path} answered {resp.status}, expected {want}")
        sent += 1
        pause = start + sent / args.rps - time.monotonic()
        if pause > 0:
            time.sleep(pause)


if __name__ == "__main__":
    main()
