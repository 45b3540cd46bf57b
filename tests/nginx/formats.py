"""The test's own reading of the nginx formats that run.sh declares.

Written independently of logmon's layouts. The three formats of run.sh's
own (vhost, main, json) are read by a regular expression written by hand
(with nginx's default escaping, a `"` inside a value is written as \\x22,
so a quoted value never holds one) and json.loads. The real-world formats
of corpus.py are read by a regular expression built from the format string:
each variable by what nginx's documentation says it holds (VALUES below:
three-digit statuses, seconds with milliseconds, lists `a, b` and `a : b`,
text escaped as `\\xHH` or as JSON strings), so Python's backtracking
regular expressions find the one reading of the whole line. Each line
becomes a Record with the fields the checks need, taken as docs/protocol.md
defines them.
"""

import json
import re
from decimal import Decimal

import corpus

# name -> (escape, [variables in order], [literal parts around them])
# The parts are what docs/protocol.md's layout has: one more than the fields.
FORMATS = {
    "vhost": (
        "default",
        ["host", "remote_addr", "remote_user", "time_local", "request", "status",
         "body_bytes_sent", "http_referer", "http_user_agent", "request_time",
         "upstream_response_time", "upstream_addr"],
        ["", " ", " - ", " [", '] "', '" ', " ", ' "', '" "', '" ', " ", ' "', '"'],
    ),
    "main": (
        "default",
        ["remote_addr", "remote_user", "time_local", "request", "status",
         "body_bytes_sent", "http_referer", "http_user_agent", "http_x_forwarded_for"],
        ["", " - ", " [", '] "', '" ', " ", ' "', '" "', '" "', '"'],
    ),
    "json": (
        "json",
        ["time_iso8601", "remote_addr", "request", "status", "body_bytes_sent",
         "request_time", "upstream_response_time", "upstream_addr", "http_user_agent", "host"],
        ['{"time":"', '","remote_addr":"', '","request":"', '","status":',
         ',"body_bytes_sent":', ',"request_time":', ',"upstream_response_time":"',
         '","upstream_addr":"', '","http_user_agent":"', '","host":"', '"}'],
    ),
}

VHOST_RE = re.compile(
    r'^(?P<host>[^ "]+) (?P<remote_addr>[^ "]+) - (?P<remote_user>[^ "]+) '
    r'\[(?P<time_local>\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<body_bytes_sent>\d+) '
    r'"(?P<http_referer>[^"]*)" "(?P<http_user_agent>[^"]*)" '
    r'(?P<request_time>\d+\.\d{3}) (?P<upstream_response_time>[-0-9., :]+) '
    r'"(?P<upstream_addr>[^"]*)"$'
)

MAIN_RE = re.compile(
    r'^(?P<remote_addr>[^ "]+) - (?P<remote_user>[^ "]+) '
    r'\[(?P<time_local>\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<body_bytes_sent>\d+) '
    r'"(?P<http_referer>[^"]*)" "(?P<http_user_agent>[^"]*)" '
    r'"(?P<http_x_forwarded_for>[^"]*)"$'
)

JSON_KEYS = {"time", "remote_addr", "request", "status", "body_bytes_sent", "request_time",
             "upstream_response_time", "upstream_addr", "http_user_agent", "host"}

# docs/protocol.md's fixed set of method labels.
METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}


def duration_ms(text):
    """Milliseconds of one nginx time ('0.123'), or None for '-' or ''."""
    text = text.strip()
    if text in ("", "-"):
        return None
    seconds = Decimal(text)
    ms = seconds * 1000
    if ms != ms.to_integral_value():
        raise ValueError(f"not a whole number of milliseconds: {text!r}")
    return int(ms)


def upstream_ms(text):
    """$upstream_response_time: several times ('0.010, 0.020 : 0.005') count
    as their sum, '-' as none; None when there is no time at all."""
    times = [duration_ms(t) for t in re.split(r"[,:]", text)]
    times = [t for t in times if t is not None]
    return sum(times) if times else None


def no_dash(value):
    return None if value in ("", "-") else value


class Record:
    __slots__ = ("status", "method", "method_label", "path", "host", "addr", "ua", "upstream",
                 "bytes", "rt_ms", "ut_ms")

    def __init__(self, fields):
        request = fields["request"]
        # docs/protocol.md: the method before the first space, the path
        # between the first and the last (`GET /a b HTTP/1.1` is `/a b`).
        words = request.split(" ")
        if len(words) < 3 and request:
            raise ValueError(f"request {request!r} is not METHOD TARGET PROTOCOL")
        self.method = fields.get("request_method") or words[0]
        self.method_label = self.method if self.method in METHODS else "other"
        # The path from $request_uri or $uri when the format has one (after
        # an internal redirect $uri is where it went), else from $request.
        uri = no_dash(fields.get("request_uri") or fields.get("uri") or "")
        self.path = (uri or " ".join(words[1:-1])).split("?", 1)[0] or None
        self.status = int(fields["status"])
        sent = fields.get("body_bytes_sent", fields.get("bytes_sent"))
        self.bytes = int(sent) if sent is not None else 0
        self.host = no_dash(fields.get("host", ""))
        addr = no_dash(fields.get("remote_addr", ""))
        if addr is None:
            xff = no_dash(fields.get("http_x_forwarded_for", ""))
            addr = xff.split(",")[0].strip() if xff else None
        self.addr = addr
        self.ua = no_dash(fields.get("http_user_agent", ""))
        self.upstream = no_dash(fields.get("upstream_addr", ""))
        rt = fields.get("request_time")
        self.rt_ms = duration_ms(str(rt)) if rt is not None else None
        ut = fields.get("upstream_response_time")
        self.ut_ms = upstream_ms(ut) if ut is not None else None


def parse_vhost(line):
    m = VHOST_RE.match(line)
    if not m:
        raise ValueError("does not match the vhost format")
    return Record(m.groupdict())


def parse_main(line):
    m = MAIN_RE.match(line)
    if not m:
        raise ValueError("does not match the main format")
    return Record(m.groupdict())


def parse_json(line):
    obj = json.loads(line, parse_float=Decimal)
    if not isinstance(obj, dict) or set(obj) != JSON_KEYS:
        raise ValueError(f"keys {sorted(obj) if isinstance(obj, dict) else obj!r}")
    if not isinstance(obj["status"], int) or not isinstance(obj["body_bytes_sent"], int):
        raise ValueError("status or body_bytes_sent is not a JSON integer")
    if not isinstance(obj["request_time"], Decimal):
        raise ValueError("request_time is not a JSON number with a fraction")
    for key in JSON_KEYS - {"status", "body_bytes_sent", "request_time"}:
        if not isinstance(obj[key], str):
            raise ValueError(f"{key} is not a JSON string")
    fields = dict(obj)
    fields["status"] = str(obj["status"])
    fields["body_bytes_sent"] = str(obj["body_bytes_sent"])
    return Record(fields)


PARSERS = {"vhost": parse_vhost, "main": parse_main, "json": parse_json}


# ---------------------------------------------------------------- the corpus

# Escaped text: with the default escaping nginx writes `"`, `\`, and bytes
# below 0x20 or from 0x7f as \xHH (so UTF-8 too); escape=json as in JSON
# strings; escape=none not at all.
TEXT = {
    "default": r'(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\x[0-9A-F]{2})*',
    "json": r'(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*',
    "none": r'.*?',
}


def listed(item):
    """nginx's list of upstream values: `a, b` after a retry, `a : b` across
    the upstream groups of an internal redirect; an item may be `-`."""
    one = f"(?:{item}|-)"
    return f"{one}(?:(?:, | : ){one})*"


# What each variable holds (nginx.org's documentation of the variables).
VALUES = {
    "status": r"\d{3}",
    "body_bytes_sent": r"\d+", "bytes_sent": r"\d+", "request_length": r"\d+",
    "request_time": r"\d+\.\d{3}", "msec": r"\d+\.\d{3}",
    "time_local": r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}",
    "time_iso8601": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d",
    "remote_addr": r"[0-9a-fA-F.:]+", "server_addr": r"[0-9a-fA-F.:]+",
    "upstream_addr": listed(r"[^ ,]+"),
    "upstream_status": listed(r"\d{3}"),
    "upstream_response_length": listed(r"\d+"),
    "upstream_response_time": listed(r"\d+\.\d{3}"),
    "upstream_connect_time": listed(r"\d+\.\d{3}"),
    "upstream_header_time": listed(r"\d+\.\d{3}"),
    # corpus.py's map: the list, or 0 without an upstream.
    "upstream_response_timer": listed(r"\d+\.\d{3}") + "|0",
    # $request_id by `set`, which a request refused before the rewrite phase never runs.
    "req_id": r"(?:[0-9a-f]{32})?",
}
# A variable without a value: `-` with the default escaping, nothing otherwise.
ABSENT = {"default": "-", "json": "", "none": ""}
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def variables(fmt):
    """The variables of a format in order, and the literal texts around them."""
    names, parts, pos = [], [], 0
    for m in VARIABLE.finditer(fmt):
        parts.append(fmt[pos:m.start()])
        names.append(m.group(1) or m.group(2))
        pos = m.end()
    parts.append(fmt[pos:])
    return names, parts


def raw_reader(escape, names, parts):
    """A function reading one line into its variables' values as written
    (escaped), by one regular expression; None when the line does not match."""
    pattern = "^" + re.escape(parts[0])
    for i, (name, lit) in enumerate(zip(names, parts[1:])):
        value = VALUES.get(name, TEXT[escape])
        pattern += f"(?P<v{i}>{value}|{re.escape(ABSENT[escape])})" + re.escape(lit)
    line_re = re.compile(pattern + "$", re.S)

    def values(line):
        m = line_re.match(line)
        return [m.group(f"v{i}") for i in range(len(names))] if m else None

    return values


def reader(escape, fmt):
    """A function reading one line of `fmt` into a Record."""
    names, parts = variables(fmt)
    values = raw_reader(escape, names, parts)

    def parse(line):
        raw = values(line)
        if raw is None:
            raise ValueError(f"does not match log_format {fmt!r}")
        fields = {}
        for name, v in zip(names, raw):
            if escape == "json" and name not in VALUES:
                v = json.loads('"' + v + '"')
            fields.setdefault(name, v)
        for name in ("status", "request"):
            if name not in fields:
                raise ValueError(f"the format has no ${name}")
        return Record(fields)

    return parse


for _name, _escape, _fmt, _source in corpus.CORPUS:
    FORMATS[_name] = (_escape,) + variables(_fmt)
    PARSERS[_name] = reader(_escape, _fmt)

# Every format's values as written, for the field-by-field comparison.
RAW = {name: raw_reader(*spec) for name, spec in FORMATS.items()}


def decode_json_text(raw):
    """A field's raw text from an escape=json line, as json.loads reads it."""
    return json.loads('"' + raw + '"')
