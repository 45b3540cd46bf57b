#!/usr/bin/env python3
"""The checks of the alert test (tests/alerts/run.sh), one subcommand each.

  coverage RULES TESTS      every alert of RULES has a promtool case where it
                            fires and one where it does not
  names RULES DASHBOARD --metrics URL
                            the dashboard is a Grafana dashboard, and every
                            logmon_*/nginx_* name in the rules' expressions
                            and the dashboard's queries is in a real scrape
  queries DASHBOARD --prometheus URL
                            every query of the dashboard, its variables set
                            to "all", runs on the real Prometheus and
                            returns series
  quiet --prometheus URL    no alert is pending or firing
  wait-alert LOG --alert NAME --label K=V... --since T --timeout S
                            the webhook's LOG gets NAME firing with those
                            labels and its annotations filled in; prints
                            when it fired and when it was delivered
  routed --alertmanager URL --alert NAME --label K=V... --receiver R...
                            NAME with those labels is active in Alertmanager,
                            routed to exactly the receivers R
  delivered LOG --allow NAME...
                            every alert delivered is one of NAME

Exits 1 with a message on the first check that does not hold.
"""

import argparse
import json
import re
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime

import yaml

NAME = re.compile(r"\b(?:logmon|nginx)_[a-z0-9_]+\b")
# What Grafana puts in a query before it reaches Prometheus, set to "all".
VARIABLES = {"$__rate_interval": "1m", "$instance": ".*", "$stream": ".*"}


def fail(msg):
    sys.exit(f"check.py: {msg}")


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def rules_of(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    return [r for g in doc["groups"] for r in g["rules"] if "alert" in r]


def dashboard_queries(path):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    for key in ("title", "uid", "panels", "templating", "schemaVersion"):
        if key not in dash:
            fail(f"{path}: no {key!r}: not a Grafana dashboard")
    queries, ids = [], set()
    for p in dash["panels"]:
        if p["id"] in ids:
            fail(f"{path}: panel id {p['id']} twice")
        ids.add(p["id"])
        if p.get("datasource", {}).get("uid") != "${datasource}":
            fail(f"{path}: panel {p['title']!r} does not use the $datasource variable")
        refs = [t["refId"] for t in p.get("targets", [])]
        if not refs or len(set(refs)) != len(refs):
            fail(f"{path}: panel {p['title']!r} has no queries or a refId twice")
        queries += [(p["title"], t["expr"]) for t in p["targets"]]
    for v in dash["templating"]["list"]:
        if v["type"] == "query":
            queries.append((f"variable {v['name']}", v["query"]["query"]))
    return queries


def coverage(args):
    names = [r["alert"] for r in rules_of(args.rules)]
    with open(args.tests, encoding="utf-8") as f:
        tests = yaml.safe_load(f)
    fires, quiet = set(), set()
    for t in tests["tests"]:
        for case in t.get("alert_rule_test", []):
            (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    for n in names:
        if n not in fires or n not in quiet:
            fail(f"{args.tests}: {n} lacks a case where it {'fires' if n not in fires else 'does not fire'}")
    unknown = (fires | quiet) - set(names)
    if unknown:
        fail(f"{args.tests}: cases for alerts that {args.rules} does not have: {sorted(unknown)}")
    print(f"coverage: {len(names)} alerts, each with a firing and a quiet case")


def names(args):
    with urllib.request.urlopen(args.metrics, timeout=10) as r:
        text = r.read().decode()
    scraped = {re.split(r"[{ ]", line, maxsplit=1)[0] for line in text.splitlines() if line and line[0] != "#"}
    used = {}
    for r in rules_of(args.rules):
        for n in NAME.findall(r["expr"]):
            used.setdefault(n, f"rule {r['alert']}")
    for title, expr in dashboard_queries(args.dashboard):
        for n in NAME.findall(expr):
            used.setdefault(n, f"dashboard: {title}")
    missing = {n: where for n, where in used.items() if n not in scraped}
    if missing:
        fail("not in /metrics: " + ", ".join(f"{n} ({w})" for n, w in sorted(missing.items())))
    print(f"names: all {len(used)} metric names of the rules and the dashboard are in /metrics ({len(scraped)} names there)")


def queries(args):
    qs = dashboard_queries(args.dashboard)
    for title, expr in qs:
        for var, value in VARIABLES.items():
            expr = expr.replace(var, value)
        if "$" in expr.replace("${1}", ""):
            fail(f"{title}: a variable the test does not set: {expr}")
        if expr.startswith("label_values("):
            m = re.fullmatch(r"label_values\((.*), (\w+)\)", expr)
            url = f"{args.prometheus}/api/v1/series?" + urllib.parse.urlencode({"match[]": m.group(1)})
            found = {s.get(m.group(2)) for s in get_json(url)["data"]} - {None}
        else:
            url = f"{args.prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
            found = get_json(url)["data"]["result"]
        if not found:
            fail(f"{title}: no series for {expr}")
    print(f"queries: all {len(qs)} queries of the dashboard return series")


def active(prometheus):
    return get_json(f"{prometheus}/api/v1/alerts")["data"]["alerts"]


def quiet(args):
    alerts = active(args.prometheus)
    if alerts:
        fail("alerts active with no reason: " + json.dumps(alerts))
    print("quiet: no alert pending or firing")


def deliveries(log):
    with open(log, encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    for rec in records:
        if "invalid" in rec:
            fail(f"the webhook got a body that is not JSON: {rec['invalid'][:200]}")
    return records


def wait_alert(args):
    want = dict(kv.split("=", 1) for kv in args.label)
    want["alertname"] = args.alert
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        for rec in deliveries(args.log):
            for a in rec["body"]["alerts"]:
                if a["status"] == "firing" and all(a["labels"].get(k) == v for k, v in want.items()):
                    report(args, rec, a)
                    return
        time.sleep(0.2)
    fail(f"{args.alert} {want} not delivered within {args.timeout} s")


def report(args, rec, alert):
    for key in ("summary", "description"):
        text = alert["annotations"].get(key, "")
        if not text or "<no value>" in text:
            fail(f"{args.alert}: annotation {key} is {text!r}")
    if alert["labels"].get("stream") and alert["labels"]["stream"] not in alert["annotations"]["description"]:
        fail(f"{args.alert}: the description does not name the stream: {alert['annotations']['description']}")
    # RFC 3339 with up to nanoseconds; fromisoformat takes microseconds.
    started = re.sub(r"(\.\d{6})\d+", r"\1", alert["startsAt"]).replace("Z", "+00:00")
    fired = datetime.fromisoformat(started).timestamp()
    print(
        f"{args.alert}: fired {fired - args.since:.1f} s and delivered {rec['received'] - args.since:.1f} s "
        f"after the start; labels {json.dumps(alert['labels'], sort_keys=True)}; "
        f"summary {alert['annotations']['summary']!r}"
    )


def routed(args):
    want = dict(kv.split("=", 1) for kv in args.label)
    want["alertname"] = args.alert
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        for a in get_json(f"{args.alertmanager}/api/v2/alerts"):
            if all(a["labels"].get(k) == v for k, v in want.items()):
                receivers = sorted(r["name"] for r in a["receivers"])
                if receivers != sorted(args.receiver):
                    fail(f"{args.alert} went to {receivers}, expected {sorted(args.receiver)}")
                print(f"{args.alert}: in Alertmanager {time.time() - args.since:.1f} s after the start, "
                      f"routed to {receivers}; labels {json.dumps(a['labels'], sort_keys=True)}")
                return
        time.sleep(0.2)
    fail(f"{args.alert} {want} not in Alertmanager within {args.timeout} s")


def delivered(args):
    seen = {a["labels"]["alertname"] for rec in deliveries(args.log) for a in rec["body"]["alerts"]}
    extra = seen - set(args.allow)
    if extra:
        fail(f"alerts delivered with no reason: {sorted(extra)}")
    print(f"delivered: only {sorted(seen)}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("coverage")
    p.add_argument("rules")
    p.add_argument("tests")
    p = sub.add_parser("names")
    p.add_argument("rules")
    p.add_argument("dashboard")
    p.add_argument("--metrics", required=True)
    p = sub.add_parser("queries")
    p.add_argument("dashboard")
    p.add_argument("--prometheus", required=True)
    p = sub.add_parser("quiet")
    p.add_argument("--prometheus", required=True)
    p = sub.add_parser("wait-alert")
    p.add_argument("log")
    p.add_argument("--alert", required=True)
    p.add_argument("--label", action="append", default=[])
    p.add_argument("--since", type=float, required=True)
    p.add_argument("--timeout", type=float, required=True)
    p = sub.add_parser("routed")
    p.add_argument("--alertmanager", required=True)
    p.add_argument("--alert", required=True)
    p.add_argument("--label", action="append", default=[])
    p.add_argument("--receiver", action="append", required=True)
    p.add_argument("--since", type=float, required=True)
    p.add_argument("--timeout", type=float, required=True)
    p = sub.add_parser("delivered")
    p.add_argument("log")
    p.add_argument("--allow", nargs="+", required=True)
    args = ap.parse_args()
    {"coverage": coverage, "names": names, "queries": queries, "quiet": quiet,
     "wait-alert": wait_alert, "routed": routed, "delivered": delivered}[args.cmd](args)


if __name__ == "__main__":
    main()
