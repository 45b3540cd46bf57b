#!/usr/bin/env python3
"""Checks what wsclient.py recorded for the system test.

    wscheck.py FILE STREAM [--wait SECS] [--open] [--closed] MARKER:N ...

Waits (up to --wait seconds) until every line containing MARKER-1 ..
MARKER-N (e.g. /m/A-1) has arrived on STREAM, then checks that:
- a hello came first,
- the seq numbers of STREAM are contiguous: each lines frame starts right
  after the previous one ended, and no gap frame arrived,
- each marker line arrived exactly once,
- with --open: the connection is still open; with --closed: it was closed.
Prints a summary; exits 0 when all holds, 1 otherwise.
"""

import json
import re
import sys
import time


def load(path):
    frames = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                frames.append(json.loads(line))
    return frames


def analyse(frames, stream, markers):
    problems = []
    if not frames or frames[0].get("type") != "hello":
        problems.append("the first frame is not hello")
    counts = {}
    want = {}
    for prefix, n in markers:
        for i in range(1, n + 1):
            want[f"/m/{prefix}-{i} "] = 0
    expected_seq = None
    total = 0
    for fr in frames:
        t = fr.get("type")
        if t == "gap" and fr.get("stream") == stream:
            problems.append(f"gap frame: {fr}")
        if t != "lines" or fr.get("stream") != stream:
            continue
        seq = fr["seq"]
        if expected_seq is not None and seq != expected_seq:
            problems.append(f"seq {seq} where {expected_seq} was expected")
        expected_seq = seq + len(fr["lines"])
        total += len(fr["lines"])
        for line in fr["lines"]:
            m = re.search(r'"GET (/m/[A-Za-z0-9]+-\d+) ', line)
            if m:
                key = m.group(1) + " "
                counts[key] = counts.get(key, 0) + 1
    missing = [k.strip() for k in want if counts.get(k, 0) == 0]
    dups = [k.strip() for k in want if counts.get(k, 0) > 1]
    return problems, missing, dups, total


def main():
    args = sys.argv[1:]
    path, stream = args[0], args[1]
    wait, must_open, must_close, markers = 15.0, False, False, []
    rest = args[2:]
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--wait":
            wait = float(rest[i + 1])
            i += 1
        elif a == "--open":
            must_open = True
        elif a == "--closed":
            must_close = True
        else:
            prefix, n = a.split(":")
            markers.append((prefix, int(n)))
        i += 1
    deadline = time.monotonic() + wait
    while True:
        frames = load(path)
        problems, missing, dups, total = analyse(frames, stream, markers)
        ended = any(fr.get("type") in ("_closed", "_eof") for fr in frames)
        done = not missing and (not must_close or ended)
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if dups:
        problems.append(f"received more than once: {dups[:10]} ({len(dups)} in all)")
    if missing:
        problems.append(f"never received: {missing[:10]} ({len(missing)} in all)")
    if must_open and ended:
        problems.append("the connection was closed: " + json.dumps(frames[-1]))
    if must_close and not ended:
        problems.append("the connection is still open")
    wanted = sum(n for _, n in markers)
    print(f"    {len(frames)} frames, {total} {stream} lines, {wanted} marker lines expected")
    for p in problems:
        print(f"    {p}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
