#!/usr/bin/env python3
"""Checks logmon's view of real nginx logs against the test's own reading.

    check.py --work DIR --logmon URL --prometheus URL --promtool PATH
             --ws FILE --traffic FILE --stream ID=FORMAT ...

Run by tests/nginx/run.sh once the traffic has ended. It waits until logmon
has read every line of every access log (/healthz's seq reaches the file's
line count) and for the stats tick after that, then compares, for each
stream, the log file nginx wrote (parsed by tests/nginx/formats.py, not by
logmon's layouts) with:
  - what the traffic's client saw (requests by status);
  - the WebSocket recording of tests/system/wsclient.py (connected with
    backlog=0 before the traffic): hello's format and layout, every line
    once and in order, and the stats messages: the per-second points added
    up and each against its own slice of the file (the follower reads in
    order, so the points split the lines in order), the minutes against
    their seconds, and the window's status counts, latency percentiles
    (nearest rank, the start of the histogram bucket) and top lists;
  - every field of every line as the UI splits it (tests/nginx/split.mjs
    runs static/layout.js, the server's algorithm, with hello's layout)
    against the test's own reading of the line by a regular expression;
  - /metrics (promtool check metrics, then the values);
  - a real Prometheus that scrapes /metrics every second.
Prints a summary table; exits 1 with every mismatch listed, 0 when all hold.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from decimal import Decimal

import formats

TOP_FIELDS = ("path", "host", "addr", "ua", "upstream")
# docs/protocol.md, "## Layouts": a field's type by its variable's name.
TYPES = {
    "time_local": "time", "time_iso8601": "time", "msec": "time",
    "remote_addr": "address", "realip_remote_addr": "address",
    "http_x_forwarded_for": "address", "upstream_addr": "address", "server_addr": "address",
    "status": "status", "upstream_status": "status",
    "request_time": "duration", "upstream_response_time": "duration",
    "upstream_connect_time": "duration", "upstream_header_time": "duration",
    "body_bytes_sent": "number", "bytes_sent": "number", "request_length": "number",
    "connection": "number", "connection_requests": "number",
    "request": "request",
}


class Problems(list):
    def check(self, ok, message):
        if not ok:
            self.append(message)
        return ok


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def get_json(url):
    return json.loads(get(url)[1])


# ---------------------------------------------------------------- the files


class StreamTruth:
    """What the test reads in one access log."""

    def __init__(self, sid, fmt, path):
        self.id, self.format, self.path = sid, fmt, path
        raw = open(path, "rb").read()
        self.size = len(raw)
        self.ends_with_newline = raw.endswith(b"\n")
        self.lines = raw.decode("utf-8").split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.records, self.unparsed = [], []
        parse = formats.PARSERS[fmt]
        for i, line in enumerate(self.lines, 1):
            try:
                self.records.append(parse(line))
            except (ValueError, json.JSONDecodeError, ArithmeticError) as e:
                self.unparsed.append((i, line, str(e)))
        recs = self.records
        self.by_status = Counter(r.status for r in recs)
        self.by_class = [sum(1 for r in recs if r.status // 100 == c) for c in range(1, 6)]
        self.by_status_method = Counter((str(r.status), r.method_label) for r in recs)
        self.bytes = sum(r.bytes for r in recs)
        self.rt = sorted(r.rt_ms for r in recs if r.rt_ms is not None)
        self.ut = sorted(r.ut_ms for r in recs if r.ut_ms is not None)
        self.top = {f: Counter(getattr(r, f) for r in recs if getattr(r, f) is not None)
                    for f in TOP_FIELDS}


def nearest_rank(values, p):
    """The value at 1-based rank ceil(p/100 x N) of the sorted values."""
    if not values:
        return None
    rank = max(1, -(-p * len(values) // 100))
    return values[rank - 1]


def bucket_low(ms):
    """The smallest value of the histogram bucket holding ms: docs/protocol.md's
    histogram is exact below 256 ms and within 1/128 above, that is 1 ms
    buckets below 256 ms, then 128 buckets per power of two (256, 258, ...
    510, then 512, 516, ...)."""
    if ms < 256:
        return ms
    width = 1 << (ms.bit_length() - 1 - 7)
    return ms // width * width


def percentiles(values):
    return [nearest_rank(values, p) for p in (50, 95, 99)]


def fmt_ms(values):
    if not values or all(v is None for v in values):
        return "-"
    return "/".join("-" if v is None else f"{v:g}" for v in values)


# ---------------------------------------------------------------- WebSocket


def load_frames(path):
    frames = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break  # still being written
            frames.append(json.loads(line))
    return frames


def check_hello(frames, truths, problems):
    hello = frames[0] if frames else {}
    if not problems.check(hello.get("type") == "hello", f"the first message is not hello: {hello!r:.200}"):
        return
    by_id = {s.get("id"): s for s in hello.get("streams", [])}
    problems.check(set(by_id) == set(truths), f"hello's streams {sorted(by_id)} are not {sorted(truths)}")
    for sid, truth in truths.items():
        s = by_id.get(sid)
        if s is None:
            continue
        escape, names, parts = formats.FORMATS[truth.format]
        problems.check(s.get("path") == truth.path, f"{sid}: hello's path {s.get('path')!r}")
        problems.check(s.get("format") == f"nginx:{truth.format}",
                       f"{sid}: hello's format is {s.get('format')!r}, not 'nginx:{truth.format}'")
        layout = s.get("layout") or {}
        problems.check(layout.get("kind") == "text", f"{sid}: layout kind {layout.get('kind')!r}, not 'text'")
        problems.check(layout.get("escape") == escape,
                       f"{sid}: layout escape {layout.get('escape')!r}, not {escape!r}")
        got_names = [f.get("name") for f in layout.get("fields", [])]
        problems.check(got_names == names,
                       f"{sid}: layout fields {got_names} are not log_format {truth.format}'s variables {names}")
        problems.check(layout.get("parts") == parts,
                       f"{sid}: layout parts {layout.get('parts')} are not {parts}")
        for f in layout.get("fields", []):
            want = TYPES.get(f.get("name"), "text")
            problems.check(f.get("type") == want, f"{sid}: field {f.get('name')} has type {f.get('type')!r}, not {want!r}")
        problems.check(s.get("seq") == 0, f"{sid}: hello's seq is {s.get('seq')} before any traffic")


def check_lines(frames, truth, problems):
    got, seq = [], None
    for fr in frames:
        if fr.get("stream") != truth.id:
            continue
        if fr["type"] == "gap":
            problems.append(f"{truth.id}: a gap message: {fr}")
        elif fr["type"] == "lines":
            want_seq = 1 if seq is None else seq
            problems.check(fr["seq"] == want_seq, f"{truth.id}: lines at seq {fr['seq']} where {want_seq} was due")
            seq = fr["seq"] + len(fr["lines"])
            got.extend(fr["lines"])
    if len(got) != len(truth.lines):
        problems.append(f"{truth.id}: the WebSocket brought {len(got)} lines, the file has {len(truth.lines)}")
    diff = next((i for i, (a, b) in enumerate(zip(got, truth.lines)) if a != b), None)
    if diff is not None:
        problems.append(f"{truth.id}: line {diff + 1} differs: {got[diff]!r} on the WebSocket, "
                        f"{truth.lines[diff]!r} in the file")


def check_fields(frames, truths, node, problems):
    """Every field of every line, split by the UI's splitter with hello's
    layout, equal to the test's own reading. Returns the fields compared."""
    hello = frames[0] if frames else {}
    layouts = {s.get("id"): s.get("layout") for s in hello.get("streams", [])}
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "split.mjs")
    compared = 0
    for sid, t in truths.items():
        r = subprocess.run([node, script, json.dumps(layouts.get(sid)), t.path], capture_output=True, text=True)
        if not problems.check(r.returncode == 0, f"{sid}: split.mjs failed: {r.stderr.strip()[-300:]}"):
            continue
        got = [json.loads(v) for v in r.stdout.splitlines()]
        problems.check(len(got) == len(t.lines), f"{sid}: split.mjs gave {len(got)} lines for {len(t.lines)}")
        read = formats.RAW[t.format]
        wrong = 0
        for i, (line, values) in enumerate(zip(t.lines, got), 1):
            want = read(line)
            compared += len(want or [])
            if values != want:
                wrong += 1
                if wrong <= 3:
                    names = formats.FORMATS[t.format][1]
                    diff = [(n, g, w) for n, g, w in zip(names, values or [None] * len(names), want or [])
                            if g != w]
                    problems.append(f"{sid}: line {i}: fields (name, split, test's reading) differ: {diff}: {line!r}")
        problems.check(wrong == 0, f"{sid}: {wrong} of {len(t.lines)} lines split otherwise than the test reads them")
    return compared


def as_triple(v):
    """A percentile triple from a message, None when there is none."""
    if v is None or (isinstance(v, list) and all(x is None for x in v)):
        return None
    return v


def compare_percentiles(name, got, values, problems):
    """got: [p50, p95, p99] in seconds from logmon; values: sorted ms from the file."""
    want = percentiles(values)
    got = as_triple(got)
    if not values:
        problems.check(got is None, f"{name}: {got} where no line has a value (null expected)")
        return None, None
    if not problems.check(isinstance(got, list) and len(got) == 3 and None not in got,
                          f"{name}: {got!r} is not three percentiles ({len(values)} values)"):
        return None, [bucket_low(v) for v in want]
    got_ms = [g * 1000 for g in got]
    for p, g, v in zip((50, 95, 99), got_ms, want):
        model = bucket_low(v)
        if abs(g - model) < 1e-6:
            continue
        if v >= 256 and g <= v + 1e-6 and v - g < v / 128:
            problems.append(f"{name} p{p}: {g:g} ms for the nearest-rank sample {v} ms is within 1/128 below it, "
                            f"but not the start of its bucket ({model} ms) with 128 buckets per power of two")
            continue
        problems.append(f"{name} p{p}: logmon says {g:g} ms; nearest rank of the {len(values)} values in the "
                        f"file is {v} ms, whose bucket starts at {model} ms")
    return got_ms, [bucket_low(v) for v in want]


def compare_top(sid, field, got, truth_counter, decode, problems):
    """top lists: exact counts (at most 64 distinct values a minute), ties allowed at the 10th."""
    if not isinstance(got, list):
        problems.append(f"{sid}: top.{field} is {got!r}")
        return
    entries = []
    for e in got:
        value, count = e[0], e[1]
        if decode:
            try:
                value = formats.decode_json_text(value)
            except json.JSONDecodeError:
                problems.append(f"{sid}: top.{field} value {value!r} is not JSON-escaped text")
        entries.append((value, count))
    want = truth_counter.most_common()
    n = min(10, len(want))
    problems.check(len(entries) == n, f"{sid}: top.{field} has {len(entries)} entries, {n} expected")
    counts = [c for _, c in entries]
    problems.check(counts == sorted(counts, reverse=True), f"{sid}: top.{field} is not by count: {counts}")
    for value, count in entries:
        problems.check(truth_counter.get(value) == count,
                       f"{sid}: top.{field} {value!r}: {count}, the file has {truth_counter.get(value, 0)}")
    want_counts = [c for _, c in want[:n]]
    problems.check(counts == want_counts, f"{sid}: top.{field} counts {counts}, the file's top {n}: {want_counts}")
    if n:
        tenth = want_counts[-1]
        must = {v for v, c in want if c > tenth}
        have = {v for v, _ in entries}
        problems.check(must <= have, f"{sid}: top.{field} misses {sorted(must - have)}")


def check_stats(frames, truth, problems):
    stats = [fr for fr in frames if fr.get("type") == "stats" and fr.get("stream") == truth.id]
    summary = {"stats": len(stats)}
    if not problems.check(len(stats) >= 5, f"{truth.id}: only {len(stats)} stats messages"):
        return summary
    # docs/protocol.md: points are keyed by t; a point whose t a client already
    # holds replaces it.
    seconds, minutes = {}, {}
    for fr in stats:
        for kind, store in (("seconds", seconds), ("minutes", minutes)):
            for point in fr.get(kind) or []:
                store[point["t"]] = point
    points = [seconds[t] for t in sorted(seconds)]
    n = sum(p.get("n", 0) for p in points)
    bad = sum(p.get("bad", 0) for p in points)
    nbytes = sum(p.get("bytes", 0) for p in points)
    classes = [sum((p.get("classes") or [0] * 5)[c] for p in points) for c in range(5)]
    busy = [p for p in points if p.get("n", 0) > 0]
    summary.update(n=n, bad=bad, classes=classes, seconds=len(busy))
    problems.check(bad == 0, f"{truth.id}: the stats count {bad} bad lines; every line nginx wrote should parse")
    problems.check(n == len(truth.lines), f"{truth.id}: the seconds' n add up to {n}, the file has {len(truth.lines)} lines")
    problems.check(nbytes == truth.bytes, f"{truth.id}: the seconds' bytes add up to {nbytes}, the file's body_bytes_sent to {truth.bytes}")
    problems.check(classes == truth.by_class, f"{truth.id}: the seconds' classes add up to {classes}, the file's to {truth.by_class}")
    problems.check(len(busy) >= 5, f"{truth.id}: the traffic shows in {len(busy)} seconds only")
    for p in busy:
        if sum(p.get("classes") or []) != p["n"]:
            problems.append(f"{truth.id}: point t={p['t']}: classes {p.get('classes')} do not add up to n={p['n']}")
        for key, has in (("rt", bool(truth.rt)), ("ut", bool(truth.ut))):
            trip = as_triple(p.get(key))
            if not has:
                problems.check(trip is None, f"{truth.id}: point t={p['t']} has {key} {trip} without such a field")
            elif trip is not None and not (trip[0] <= trip[1] <= trip[2]):
                problems.append(f"{truth.id}: point t={p['t']}: {key} {trip} is not in order")
    for p in points:
        if p.get("n", 0) == 0:
            for key in ("rt", "ut"):
                problems.check(as_triple(p.get(key)) is None, f"{truth.id}: empty point t={p['t']} has {key} {p.get(key)}")
    # The follower counts each line in the second it reads it, reading the
    # file in order: the points, by t, split the file's lines in order, so
    # each point can be checked against its own slice of the file.
    if n == len(truth.lines) and bad == 0 and not truth.unparsed:
        start = 0
        for p in points:
            recs = truth.records[start:start + p.get("n", 0)]
            start += p.get("n", 0)
            if not recs:
                continue
            want_classes = [sum(1 for r in recs if r.status // 100 == c) for c in range(1, 6)]
            where = f"{truth.id}: point t={p['t']} (lines {start - len(recs) + 1}..{start})"
            problems.check(p.get("classes") == want_classes, f"{where}: classes {p.get('classes')}, the file's {want_classes}")
            want_bytes = sum(r.bytes for r in recs)
            problems.check(p.get("bytes") == want_bytes, f"{where}: bytes {p.get('bytes')}, the file's {want_bytes}")
            for key, attr in (("rt", "rt_ms"), ("ut", "ut_ms")):
                values = sorted(getattr(r, attr) for r in recs if getattr(r, attr) is not None)
                compare_percentiles(f"{where}: {key}", p.get(key), values, problems)
        summary["points_checked"] = sum(1 for p in points if p.get("n", 0))
    for t, m in sorted(minutes.items()):
        inside = [s for s in points if t <= s["t"] < t + 60]
        if m.get("n", 0) or inside:
            total = sum(s.get("n", 0) for s in inside)
            problems.check(m.get("n", 0) == total, f"{truth.id}: minute t={t} has n={m.get('n')}, its seconds {total}")
    summary["minutes"] = sum(1 for m in minutes.values() if m.get("n", 0))

    last = stats[-1]
    problems.check(last.get("window") == 600, f"{truth.id}: window {last.get('window')}, not 600")
    status = {int(code): count for code, count in last.get("status") or []}
    want = dict(truth.by_status)
    problems.check(status == want, f"{truth.id}: status {sorted(status.items())}, the file's {sorted(want.items())}")
    latency = last.get("latency") or {}
    summary["rt"] = compare_percentiles(f"{truth.id}: latency.rt", latency.get("rt"), truth.rt, problems)
    summary["ut"] = compare_percentiles(f"{truth.id}: latency.ut", latency.get("ut"), truth.ut, problems)
    top = last.get("top") or {}
    for field in TOP_FIELDS:
        escaped = formats.FORMATS[truth.format][0] == "json"
        compare_top(truth.id, field, top.get(field, []), truth.top[field], escaped, problems)
    return summary


# ---------------------------------------------------------------- metrics

SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$")
LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)')


def parse_metrics(text):
    samples = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise ValueError(f"cannot read the sample line {line!r}")
        labels = {}
        rest = m.group(2) or ""
        pos = 0
        while pos < len(rest):
            lm = LABEL_RE.match(rest, pos)
            if not lm:
                raise ValueError(f"cannot read the labels of {line!r}")
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        samples.append((m.group(1), labels, float(m.group(3))))
    return samples


def select(samples, name, **labels):
    return [(l, v) for n, l, v in samples if n == name and all(l.get(k) == w for k, w in labels.items())]


def one(samples, name, **labels):
    found = select(samples, name, **labels)
    return found[0][1] if len(found) == 1 else None


def check_histogram(samples, family, sid, values_ms, problems):
    """_count, _sum and every bucket against the file's values (exact: nginx logs whole ms)."""
    count = one(samples, f"{family}_count", stream=sid)
    if not values_ms:
        problems.check(count in (None, 0), f"/metrics {family}_count{{stream={sid}}} is {count}, no line has the field")
        return
    if not problems.check(count == len(values_ms),
                          f"/metrics {family}_count{{stream={sid}}} is {count}, {len(values_ms)} lines have the field"):
        return
    total = one(samples, f"{family}_sum", stream=sid)
    want_sum = sum(values_ms) / 1000
    problems.check(total is not None and abs(total - want_sum) < 1e-6 * max(1, want_sum),
                   f"/metrics {family}_sum{{stream={sid}}} is {total}, the file's sum {want_sum}")
    buckets = select(samples, f"{family}_bucket", stream=sid)
    problems.check(len(buckets) >= 5, f"/metrics {family}{{stream={sid}}} has {len(buckets)} buckets")
    for labels, v in buckets:
        le = labels.get("le")
        if le == "+Inf":
            want = len(values_ms)
        else:
            limit = Decimal(le) * 1000
            want = sum(1 for x in values_ms if x <= limit)
        problems.check(v == want, f"/metrics {family}_bucket{{stream={sid},le={le}}} is {v:g}, "
                                  f"{want} of the file's values are <= {le}")


def check_metrics(text, truths, problems):
    try:
        samples = parse_metrics(text)
    except ValueError as e:
        problems.append(f"/metrics: {e}")
        return
    names = {n for n, _, _ in samples}
    for family in ("logmon_lines_read_total", "logmon_bytes_read_total", "logmon_parse_failures_total",
                   "logmon_rotations_total", "logmon_follower_lag_bytes", "logmon_gaps_total",
                   "logmon_clients", "logmon_reloads_total", "logmon_searches", "nginx_http_requests_total",
                   "nginx_http_response_bytes_total", "nginx_http_request_duration_seconds_count",
                   "nginx_http_upstream_response_duration_seconds_count"):
        problems.check(family in names, f"/metrics has no {family}")
    problems.check(one(samples, "logmon_clients") == 1,
                   f"/metrics logmon_clients is {one(samples, 'logmon_clients')}, one WebSocket client is connected")
    for sid, t in truths.items():
        def expect(name, want):
            got = one(samples, name, stream=sid)
            problems.check(got == want, f"/metrics {name}{{stream={sid}}} is {got}, expected {want}")
        expect("logmon_lines_read_total", len(t.lines))
        expect("logmon_bytes_read_total", t.size)
        expect("logmon_parse_failures_total", 0)
        expect("logmon_rotations_total", 0)
        expect("logmon_follower_lag_bytes", 0)
        expect("logmon_gaps_total", 0)
        expect("nginx_http_response_bytes_total", t.bytes)
        requests = select(samples, "nginx_http_requests_total", stream=sid)
        total = sum(v for _, v in requests)
        problems.check(total == len(t.lines), f"/metrics nginx_http_requests_total{{stream={sid}}} adds up to {total:g}, "
                                              f"nginx logged {len(t.lines)} requests")
        got = Counter()
        for labels, v in requests:
            got[(labels.get("status"), labels.get("method"))] += v
        got = {k: v for k, v in got.items() if v}
        want = dict(t.by_status_method)
        if got != want:
            keys = sorted(set(got) | set(want))
            problems.append(f"/metrics nginx_http_requests_total{{stream={sid}}} by (status, method) differ: " +
                            ", ".join(f"{k}: {got.get(k, 0):g} vs {want.get(k, 0)}" for k in keys
                                      if got.get(k, 0) != want.get(k, 0)))
        by_status = Counter()
        for (status, _), v in got.items():
            by_status[status] += v
        problems.check(by_status == Counter({str(s): c for s, c in t.by_status.items()}),
                       f"/metrics nginx_http_requests_total{{stream={sid}}} by status: {dict(by_status)} vs {dict(t.by_status)}")
        check_histogram(samples, "nginx_http_request_duration_seconds", sid, t.rt, problems)
        check_histogram(samples, "nginx_http_upstream_response_duration_seconds", sid, t.ut, problems)


def promtool_check(promtool, text, problems):
    r = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True)
    out = (r.stdout + r.stderr).decode(errors="replace").strip()
    problems.check(r.returncode == 0, f"promtool check metrics failed ({r.returncode}): {out}")
    return out


# ---------------------------------------------------------------- Prometheus


def prom_query(base, query):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    body = get_json(url)
    if body.get("status") != "success":
        raise RuntimeError(f"{query}: {body}")
    return body["data"]["result"]


def check_prometheus(base, after, truths, problems):
    deadline = time.time() + 30
    scraped = None
    while time.time() < deadline:
        result = prom_query(base, 'timestamp(up{job="logmon"})')
        if result and float(result[0]["value"][1]) > after:
            scraped = float(result[0]["value"][1])
            break
        time.sleep(0.5)
    if not problems.check(scraped is not None, "Prometheus has not scraped logmon since the traffic ended (30 s)"):
        return {}
    up = prom_query(base, 'up{job="logmon"}')
    problems.check(up and up[0]["value"][1] == "1", f"Prometheus: up{{job=logmon}} is {up}")
    total = sum(len(t.lines) for t in truths.values())
    result = prom_query(base, "sum(nginx_http_requests_total)")
    got = float(result[0]["value"][1]) if result else None
    problems.check(got == total, f"Prometheus: sum(nginx_http_requests_total) is {got}, nginx logged {total} requests")
    by_status = Counter()
    for t in truths.values():
        for s, c in t.by_status.items():
            by_status[str(s)] += c
    got_status = {r["metric"].get("status"): float(r["value"][1])
                  for r in prom_query(base, "sum by (status) (nginx_http_requests_total)")}
    got_status = {k: v for k, v in got_status.items() if v}
    problems.check(got_status == dict(by_status),
                   f"Prometheus: sum by (status) is {got_status}, nginx logged {dict(by_status)}")
    got_stream = {r["metric"].get("stream"): float(r["value"][1])
                  for r in prom_query(base, "sum by (stream) (nginx_http_requests_total)")}
    want_stream = {sid: len(t.lines) for sid, t in truths.items()}
    problems.check(got_stream == want_stream, f"Prometheus: sum by (stream) is {got_stream}, nginx logged {want_stream}")
    return {"total": got, "by_status": got_status}


# ---------------------------------------------------------------- main


def check_variety(truths, problems):
    """The lines hold what the corpus is there to read: each unusual status,
    upstream lists of both kinds where a format has them unquoted, requests
    with spaces and quotes, HTTP/2."""
    statuses = Counter()
    for t in truths.values():
        statuses.update(t.by_status)
    for status in (400, 444, 499, 504, 502):
        problems.check(statuses[status] > 0, f"no line with status {status} in any stream")
    for sid in ("upstreaminfo", "upstreamlog"):
        t = truths.get(sid)
        if t:
            ups = [r.upstream or "" for r in t.records]
            problems.check(any(", " in u for u in ups), f"{sid}: no line with a retry's list")
            problems.check(any(" : " in u for u in ups), f"{sid}: no line with error_page's list")
    for sid in ("combined", "upstreaminfo"):
        t = truths.get(sid)
        if t:
            problems.check(any(line.count(" HTTP/2.0") for line in t.lines), f"{sid}: no HTTP/2 request")
    t = truths.get("postdata")
    if t:
        problems.check(any('\\" HTTP/' in line for line in t.lines),
                       "postdata: no line with an escaped quote then a space in $request")
    problems.check(any(" " in (r.path or "") for t in truths.values() for r in t.records),
                   "no request with a space in its path")


def wait_caught_up(logmon, truths, seconds=30):
    deadline = time.time() + seconds
    seqs = {}
    while time.time() < deadline:
        health = get_json(f"{logmon}/healthz")
        seqs = {s["id"]: s["seq"] for s in health.get("streams", [])}
        if all(seqs.get(sid) == len(t.lines) for sid, t in truths.items()):
            return True, seqs
        time.sleep(0.2)
    return False, seqs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logmon", required=True)
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--promtool", default="promtool")
    ap.add_argument("--node", default="node")
    ap.add_argument("--ws", required=True)
    ap.add_argument("--traffic", required=True)
    ap.add_argument("--stream", action="append", required=True, help="ID=FORMAT=PATH")
    args = ap.parse_args()

    problems = Problems()
    truths = {}
    for spec in args.stream:
        sid, fmt, path = spec.split("=", 2)
        truths[sid] = StreamTruth(sid, fmt, path)

    # The test's own reading must hold first: otherwise nothing else means much.
    traffic = json.load(open(args.traffic))
    for sid, t in truths.items():
        problems.check(t.ends_with_newline, f"{sid}: {t.path} does not end with a newline")
        for i, line, why in t.unparsed[:5]:
            problems.append(f"{sid}: the test's parser cannot read line {i} ({why}): {line!r}")
        sent = traffic["sent"].get(sid, 0)
        problems.check(len(t.lines) == sent, f"{sid}: the client sent {sent} requests, nginx logged {len(t.lines)}")
        client = {int(k): v for k, v in traffic["counts"].get(sid, {}).items()}
        problems.check(client == dict(t.by_status),
                       f"{sid}: the client got {sorted(client.items())}, nginx logged {sorted(t.by_status.items())}")
    problems.check(not traffic["errors"], f"the client had {len(traffic['errors'])} errors: {traffic['errors'][:3]}")
    vhost = truths.get("vhost")
    if vhost:
        problems.check(sum(1 for v in vhost.rt if v >= 256) >= 10, "vhost: fewer than 10 request times of 256 ms or more")
        problems.check(any("," in (r.upstream or "") for r in vhost.records), "vhost: no line with two upstreams")
        problems.check(any(" : " in (r.upstream or "") for r in vhost.records), "vhost: no line with an internal redirect")
    check_variety(truths, problems)

    caught_up, seqs = wait_caught_up(args.logmon, truths)
    problems.check(caught_up, f"logmon has not read every line within 30 s: /healthz seq {seqs}, "
                              f"files {({sid: len(t.lines) for sid, t in truths.items()})}")
    # The stats of a second are sent when it has ended: wait for the tick after the last line.
    time.sleep(2.5)
    after = time.time()
    status, body = get(f"{args.logmon}/metrics")
    metrics_text = body.decode("utf-8", errors="replace")
    problems.check(status == 200, f"/metrics answered {status}")
    promtool_out = promtool_check(args.promtool, metrics_text, problems)
    check_metrics(metrics_text, truths, problems)
    prom = check_prometheus(args.prometheus, after, truths, problems)

    frames = load_frames(args.ws)
    problems.check(not any(f.get("type") in ("_closed", "_eof") for f in frames), "the WebSocket was closed")
    check_hello(frames, truths, problems)
    fields = check_fields(frames, truths, args.node, problems)
    summaries = {}
    for sid, t in truths.items():
        check_lines(frames, t, problems)
        summaries[sid] = check_stats(frames, t, problems)

    # The summary.
    print()
    head = (f"{'stream':13} {'format':19} {'lines':>6} {'bad':>4} {'secs':>4} {'1xx/2xx/3xx/4xx/5xx':>22}  "
            f"{'rt p50/p95/p99 ms logmon':>25} {'script':>15}  {'ut p50/p95/p99 ms logmon':>25} {'script':>15}")
    print(head)
    print("-" * len(head))
    for sid, t in truths.items():
        s = summaries[sid]
        classes = "/".join(str(c) for c in s.get("classes", t.by_class))
        rt_got, rt_want = s.get("rt") or (None, None)
        ut_got, ut_want = s.get("ut") or (None, None)
        print(f"{sid:13} {'nginx:' + t.format:19} {len(t.lines):6} {s.get('bad', '?'):>4} {s.get('seconds', '?'):>4} "
              f"{classes:>22}  {fmt_ms(rt_got):>25} {fmt_ms(rt_want):>15}  {fmt_ms(ut_got):>25} {fmt_ms(ut_want):>15}")
    total = sum(len(t.lines) for t in truths.values())
    checked = sum(s.get("points_checked", 0) for s in summaries.values())
    print(f"(classes and percentiles from logmon's stats; {checked} per-second points checked "
          f"against their own lines of the files; {fields} fields of {total} lines split as the test reads them)")
    print(f"\nrequests: {total} logged by nginx in {traffic['seconds']} s; Prometheus sum(nginx_http_requests_total) = "
          f"{prom.get('total')}; promtool: {promtool_out or 'ok'}")
    if problems:
        print(f"\nFAILED: {len(problems)} mismatches", file=sys.stderr)
        for p in problems[:60]:
            print("  -", p, file=sys.stderr)
        if len(problems) > 60:
            print(f"  ... and {len(problems) - 60} more", file=sys.stderr)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
