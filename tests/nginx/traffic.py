#!/usr/bin/env python3
"""Drives HTTP traffic at the test's nginx servers and counts the answers.

    traffic.py --server NAME=PORT ... [--tls NAME=PORT ...]
               [--requests N] [--seconds S] [--threads T] [--seed N] OUT.json

N requests (default 3000) paced evenly over S seconds (default 15) by T
threads (default 32), half of them on keep-alive connections, each request
from one of twenty loopback source addresses (127.0.0.1 .. 127.0.0.20) so
that $remote_addr varies. Methods, paths with query strings, statuses
(chosen through the upstream's s= parameter, nginx `return`s, a dead
upstream, retries and an intercepted error), upstream delays of 0 to 320 ms,
Host headers, user agents with quotes, backslashes and UTF-8, referers and
X-Forwarded-For are drawn from fixed pools with a seeded generator, so that
every field stays at most 40 distinct values (docs/protocol.md: `top` is
exact up to 64 a minute). Some requests go over a socket of their own, to
be answered in ways http.client cannot ask for: a space in the request line
(400), a `return 444` (the connection closes: counted as 444) and an
upstream the client stops waiting for (it closes: 499). Each --tls server
gets a few dozen requests over HTTP/2 with TLS, by curl, after the rest.
Writes what the client saw as JSON to OUT: per server, the count by status,
the requests sent and the errors.
"""

import argparse
import http.client
import json
import random
import socket
import subprocess
import sys
import threading
import time

# Proxied to the upstream, which answers with the status and delay asked for.
APP_PATHS = [
    "/", "/api/orders", "/api/items", "/cart", "/api/users/42", "/login", "/api/search",
    "/index.html", "/checkout", "/img/logo.png", "/css/site.css", "/js/app.js", "/feed.xml",
    "/robots.txt", "/favicon.ico", "/api/v2/stock", "/blog/2026/11/hello-world",
    "/a%20b/c", '/q"uote', "/caf%C3%A9", "/~user/page", "/api/orders/7/items", "/logout",
    "/api/very/long/path/with/many/segments/to/read/through",
]
# Other routes of tests/nginx's locations snippet (run.sh), with what they answer.
ROUTES = [
    ("/r/301", None, 30),        # return 301
    ("/r/418", None, 10),        # return 418
    ("/r/404", None, 20),        # return 404
    ("/r/200", None, 20),        # return 200
    ("/down/api", None, 12),     # proxy_pass to a closed port: 502
    ("/retry/api", "app", 30),   # first server of the group is closed: often two upstream times
    ("/intercept/api", "intercept", 20),  # upstream 500 intercepted, error_page to a named location: " : "
    ("/static/app.js", "static", 20),
    ("/static/missing.css", "static", 8),
    ("/r/444", "close", 5),      # return 444: nginx closes the connection
    ("/slow/api", "slow", 5),    # past proxy_read_timeout: 504
    ("/hang/api", "abort", 4),   # the client gives up first: 499
    ("/sp ace/x", "space", 4),   # a space in the request line: 400
]
RAW = {"close", "abort", "space"}
HOSTS = [
    "shop.example.com", "api.example.com", "www.example.org", "static.example.net",
    "blog.example.com", "admin.example.com", "m.example.com", "cdn.example.net",
    "beta.example.org", "old.example.com", "dev.example.test", "localhost",
    "metrics.example.com", "WWW.Example.ORG",
]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "curl/8.5.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 Safari/605.1.15",
    'Agent "quoted" 1.0',
    "Go-http-client/1.1",
    "\u03a9mega/1.0 (na\u00efve; \u65e5\u672c\u8a9e)",
    "python-requests/2.31.0",
    "back\\slash/2.0",
    None,  # no User-Agent header: nginx logs "-"
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
    "\u00dcn\u00efcode-Bot/0.1 \"d\u00e9j\u00e0 vu\"",
    "Wget/1.21.3",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
    "Lynx/2.9.0dev.12 libwww-FM/2.14",
    "k6/0.48.0 (https://k6.io/)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
]
REFERERS = [None, None, None, "https://www.example.org/", 'https://q.example/?s="x"', "android-app://x"]
FORWARDED = [None, None, None, "203.0.113.9", "198.51.100.2, 10.0.0.2"]
METHODS = [("GET", 70), ("POST", 8), ("HEAD", 6), ("PUT", 4), ("DELETE", 4), ("PATCH", 3),
           ("OPTIONS", 3), ("PURGE", 2)]
STATUSES = [(200, 62), (304, 5), (404, 11), (418, 4), (500, 6), (502, 3), (201, 9)]
SOURCES = [f"127.0.0.{i}" for i in range(1, 21)]
# Requests per server, relative; a server not named here gets 25.
SERVER_WEIGHTS = {"vhost": 45, "main": 25, "json": 30}


def zipf(rng, items, s=1.0):
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def delay_ms(rng):
    r = rng.random()
    if r < 0.5:
        return rng.randint(0, 20)
    if r < 0.8:
        return rng.randint(20, 150)
    if r < 0.9:
        return rng.randint(150, 255)
    return rng.randint(256, 320)


def plan(rng, n, names):
    """The requests, in order: (server, kind, method, target, headers, body)."""
    servers = [(name, SERVER_WEIGHTS.get(name, 25)) for name in names]
    route_weight = sum(w for _, _, w in ROUTES)
    requests = []
    for i in range(n):
        server = weighted(rng, servers)
        method = weighted(rng, METHODS)
        headers = {"Host": zipf(rng, HOSTS, 0.9)}
        agent = zipf(rng, AGENTS, 0.8)
        if agent is not None:
            headers["User-Agent"] = agent.encode("utf-8")
        referer = rng.choice(REFERERS)
        if referer:
            headers["Referer"] = referer
        forwarded = rng.choice(FORWARDED)
        if forwarded:
            headers["X-Forwarded-For"] = forwarded
        if rng.random() < route_weight / (route_weight + 400):
            path, kind, _ = rng.choices(ROUTES, [w for _, _, w in ROUTES])[0]
        else:
            path, kind = zipf(rng, APP_PATHS, 0.7), "app"
        if kind in ("static", "space", "abort"):
            method = rng.choice(["GET", "GET", "HEAD"])
        query = []
        if kind == "app":
            status = weighted(rng, STATUSES)
            if status == 201:
                method = "POST"
            query += [f"s={status}", f"d={delay_ms(rng)}", f"b={rng.randint(0, 4000)}"]
        elif kind == "intercept":
            query += ["s=500", f"d={delay_ms(rng)}"]
        elif kind == "slow":
            query += ["s=200", f"d={rng.randint(400, 600)}"]
        elif kind == "abort":
            query += ["s=200", "d=1500"]
        elif rng.random() < 0.3:
            query.append(f"utm_source=t{rng.randint(0, 99)}")
        if rng.random() < 0.3:
            query.append(f"q={rng.choice(['a', 'b%20c', 'x+y', '%22'])}&page={rng.randint(1, 9)}")
        if rng.random() < 0.1:
            query.append('x="y"')  # a quote then a space in $request (escaped \" with escape=json)
        target = path + ("?" + "&".join(query) if query else "")
        body = b"k=v&n=%d" % i if method in ("POST", "PUT", "PATCH") else None
        requests.append((server, kind, method, target, headers, body))
    return requests


class Client:
    def __init__(self, ports, keepalive, rng):
        self.ports = ports
        self.keepalive = keepalive
        self.rng = rng
        self.conns = {}

    def conn(self, server):
        conn = self.conns.get(server) if self.keepalive else None
        if conn is None:
            conn = http.client.HTTPConnection(
                "127.0.0.1", self.ports[server], timeout=20,
                source_address=(zipf(self.rng, SOURCES, 0.8), 0))
            if self.keepalive:
                self.conns[server] = conn
        return conn

    def drop(self, server):
        conn = self.conns.pop(server, None)
        if conn is not None:
            conn.close()

    def raw(self, server, kind, method, target, headers):
        """A request over a socket of its own; the status, or 444 for a
        connection closed without an answer, 499 for one the client gave up."""
        with socket.create_connection(("127.0.0.1", self.ports[server]), timeout=20,
                                      source_address=(zipf(self.rng, SOURCES, 0.8), 0)) as sock:
            head = f"{method} {target} HTTP/1.1\r\n".encode()
            for name, value in headers.items():
                head += name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()) + b"\r\n"
            sock.sendall(head + b"Connection: close\r\n\r\n")
            if kind == "abort":
                sock.settimeout(0.3)
            try:
                first = sock.recv(64)
            except socket.timeout:
                return 499
            if not first:
                return 444
            return int(first.split(b" ")[1])

    def send(self, server, kind, method, target, headers, body):
        if kind in RAW:
            return self.raw(server, kind, method, target, headers)
        conn = self.conn(server)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            if not self.keepalive:
                conn.putheader("Connection", "close")
            conn.endheaders(body)
            response = conn.getresponse()
            response.read()
            if response.will_close:
                self.drop(server)
            return response.status
        finally:
            if not self.keepalive:
                conn.close()


def tls_requests(name, port, rng, counts, sent, errors, n=40):
    """n requests over one HTTP/2 connection with TLS, by curl."""
    targets = []
    for i in range(n):
        path, kind, _ = rng.choice([r for r in ROUTES if r[1] not in RAW] + [(p, "app", 0) for p in APP_PATHS[:8]])
        query = f"?s={weighted(rng, STATUSES)}&d={rng.randint(0, 30)}&b={rng.randint(0, 900)}" if kind == "app" else ""
        if kind == "intercept":
            query = "?s=500&d=3"
        targets.append(f"https://127.0.0.1:{port}{path}{query}")
    agent = rng.choice([a for a in AGENTS if a])
    cmd = ["curl", "--http2", "--insecure", "--silent", "--max-time", "20", "--user-agent", agent,
           "--header", "Host: " + rng.choice(HOSTS)]
    for t in targets:
        cmd += ["--output", "/dev/null", "--write-out", "%{http_code} %{http_version}\\n", t]
    r = subprocess.run(cmd, capture_output=True, text=True)
    lines = r.stdout.split()
    codes, versions = lines[0::2], set(lines[1::2])
    sent[name] += n
    if len(codes) != n or versions != {"2"}:
        errors.append(f"{name} over TLS: curl answered {r.stdout!r} {r.stderr!r} for {n} requests")
    for code in codes:
        counts[name][code] = counts[name].get(code, 0) + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", action="append", required=True, help="NAME=PORT")
    ap.add_argument("--tls", action="append", default=[], help="NAME=PORT: HTTP/2 with TLS")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("out")
    args = ap.parse_args()
    ports = {name: int(port) for name, port in (s.split("=") for s in args.server)}

    rng = random.Random(args.seed)
    requests = plan(rng, args.requests, list(ports))
    lock = threading.Lock()
    counts = {name: {} for name in ports}
    sent = {name: 0 for name in ports}
    errors = []
    next_index = [0]
    start = time.monotonic() + 0.2
    late = [0.0]

    def worker(k):
        client = Client(ports, keepalive=k % 2 == 0, rng=random.Random(args.seed + k))
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(requests):
                break
            due = start + args.seconds * i / len(requests)
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            else:
                with lock:
                    late[0] = max(late[0], -wait)
            server, kind, method, target, headers, body = requests[i]
            status = None
            for attempt in (1, 2):
                try:
                    status = client.send(server, kind, method, target, headers, body)
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                    # A keep-alive connection nginx had closed before the request was sent:
                    # nginx logged nothing, so the request is sent again once.
                    client.drop(server)
                    if attempt == 2 or not client.keepalive:
                        with lock:
                            errors.append(f"{server} {method} {target}: {e!r}")
                except Exception as e:  # noqa: BLE001 - counted and reported
                    client.drop(server)
                    with lock:
                        errors.append(f"{server} {method} {target}: {e!r}")
                    break
            with lock:
                sent[server] += 1
                if status is not None:
                    counts[server][str(status)] = counts[server].get(str(status), 0) + 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.threads)]
    began = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for spec in args.tls:
        name, port = spec.split("=")
        tls_requests(name, int(port), random.Random(args.seed), counts, sent, errors)
    took = time.time() - began
    result = {"sent": sent, "counts": counts, "errors": errors, "seconds": round(took, 2),
              "most_late": round(late[0], 3)}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    total = sum(sent.values())
    print(f"traffic: {total} requests in {took:.1f} s ({total / took:.0f}/s), "
          f"{len(errors)} errors, at most {late[0]:.2f} s behind schedule")
    for e in errors[:10]:
        print("  error:", e, file=sys.stderr)


if __name__ == "__main__":
    main()
