#!/usr/bin/env python3
"""Appends numbered nginx-style lines to a log file, for the system test.

    loggen.py FILE TAG [--rate N] [--count N] [--done PATH]

Appends lines of nginx's combined format whose request is
"GET /w/TAG-<i>" with i = 1, 2, 3, ... to FILE (opened with O_APPEND, as
nginx does, one write(2) per line, so lines never tear), at N lines per
second (default 1000), until --count lines are written or SIGTERM/SIGINT.
A file renamed or removed under it (logrotate) is followed by reopening
the path, as nginx does after its USR1. At the end it writes the number of
lines written to --done (default: TAG.count in the current directory) and
prints it.
"""

import os
import signal
import sys
import time

stop = False


def on_signal(_sig, _frame):
    global stop
    stop = True


def open_log(path):
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)


def main():
    args = sys.argv[1:]
    path, tag = args[0], args[1]
    rate = float(args[args.index("--rate") + 1]) if "--rate" in args else 1000.0
    count = int(args[args.index("--count") + 1]) if "--count" in args else None
    done = args[args.index("--done") + 1] if "--done" in args else f"{tag}.count"
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    fd = open_log(path)
    written = 0
    start = time.monotonic()
    last_check = 0.0
    while not stop and (count is None or written < count):
        now = time.monotonic()
        if now - last_check >= 0.01:
            # Reopen when the path no longer names the open file (rotation).
            last_check = now
            try:
                if os.stat(path).st_ino != os.fstat(fd).st_ino:
                    os.close(fd)
                    fd = open_log(path)
            except FileNotFoundError:
                os.close(fd)
                fd = open_log(path)
        due = int((now - start) * rate) + 1
        if count is not None:
            due = min(due, count)
        if written >= due:
            time.sleep(min(0.005, max(0.0, (written + 1) / rate - (now - start))))
            continue
        while written < due and not stop:
            written += 1
            stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
            line = (
                f'10.1.2.3 - - [{stamp}] "GET /w/{tag}-{written} HTTP/1.1" 200 612 '
                f'"-" "loggen/1"\n'
            )
            os.write(fd, line.encode())
    os.close(fd)
    tmp = done + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{written}\n")
    os.replace(tmp, done)
    print(f"{tag}: {written} lines in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
