"""The test's own reading of the three nginx formats that run.sh declares.

Written by hand from the log_format strings in run.sh, independently of
logmon's layouts: a regular expression per text format (with nginx's
default escaping, a `"` inside a value is written as \\x22, so a quoted
value never holds one), and json.loads for the escape=json one. Each line
becomes a Record with the fields the checks need, taken as docs/protocol.md
defines them.
"""

import json
import re
from decimal import Decimal

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
        words = request.split(" ")
        if len(words) != 3:
            raise ValueError(f"request {request!r} is not METHOD TARGET PROTOCOL")
        self.method = words[0]
        self.method_label = words[0] if words[0] in METHODS else "other"
        self.path = words[1].split("?", 1)[0]
        self.status = int(fields["status"])
        self.bytes = int(fields["body_bytes_sent"])
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


def decode_json_text(raw):
    """A field's raw text from an escape=json line, as json.loads reads it."""
    return json.loads('"' + raw + '"')
