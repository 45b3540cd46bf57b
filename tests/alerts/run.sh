#!/usr/bin/env bash
# End-to-end test of the alerting rules, the Alertmanager and Prometheus
# examples and the Grafana dashboard shipped in packaging/: a real nginx
# answers a burst of 5xx, logmon follows its access log, a real Prometheus
# (Debian's) scraping /metrics fires the rule, and a real Alertmanager
# (Debian's prometheus-alertmanager) delivers it to a webhook in the test.
# Installs what it needs on a fresh Debian machine (nginx, prometheus with
# promtool, prometheus-alertmanager with amtool, python3 with yaml; no
# service of theirs is started).
#
#   tests/alerts/run.sh                       build the daemon with cargo and run
#   LOGMON_BIN=/path/to/logmon tests/alerts/run.sh    use that binary instead
#   LOGMON_ALERTS_KEEP=1 tests/alerts/run.sh  keep the temporary directory
#
# The steps:
#  1. the shipped files alone: `promtool check rules`, `promtool test rules`
#     (and that every alert has a case where it fires and one where it does
#     not), `amtool check-config` and where the routes send a critical and a
#     warning alert;
#  2. the test's copies, made from the shipped files by sed, so that what is
#     shipped is what runs: the rules with every `for:` at 3 s, prometheus.yml
#     with 1 s intervals and the test's ports, alertmanager.yml with 1 s
#     grouping, the test's webhook and mail to a closed port;
#  3. nginx (return 200 at /ok, 503 at /fail, `$request_time` in its log
#     format), the webhook (tests/alerts/webhook.py), logmon, Alertmanager
#     and Prometheus start; 5 s of 200s raise no alert;
#  4. a burst: 40 requests/s, a quarter of them 503, until Nginx5xxRatioHigh
#     reaches the webhook with its labels (stream, job, instance, severity)
#     and annotations; the times it fired and was delivered are printed;
#  5. every metric name of the rules and the dashboard is in the real
#     /metrics, and every query of the dashboard returns series;
#  6. 60 lines that fit no layout are appended to the log: Alertmanager gets
#     LogmonParseFailures and routes it (a warning) to the mail receiver only;
#  7. logmon is stopped: LogmonDown reaches the webhook; no other alert was
#     delivered. About 35 s, plus the build and, the first time, the packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shipped="$repo/packaging/prometheus"
dashboard="$repo/packaging/grafana/logmon.json"

export PYTHONDONTWRITEBYTECODE=1

# shellcheck source=tests/lib/services.sh
. "$here/../lib/services.sh"

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
{ [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; } || missing+=(prometheus)
{ [ -x /usr/bin/prometheus-alertmanager ] && [ -x /usr/bin/amtool ]; } || missing+=(prometheus-alertmanager)
install_without_services prometheus.service prometheus-alertmanager.service

if [ -z "${LOGMON_BIN:-}" ]; then
  (cd "$repo" && cargo build)
  LOGMON_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/logmon"
fi

work_dir logmon-alerts LOGMON_ALERTS_KEEP
FAIL_LOGS=(logmon.stderr nginx.stderr prometheus.stderr alertmanager.stderr webhook.stderr traffic.stderr)
check() { python3 "$here/check.py" "$@"; }
# run_bg COMMAND...: runs a long step in the background and waits for it,
# so that a signal stops the test at once (the trap ends it too).
run_bg() {
  "$@" &
  pids+=($!)
  wait $!
}

# ---- 1. the shipped files alone
echo "== promtool and amtool on packaging/prometheus/"
/usr/bin/promtool check rules "$shipped/logmon-rules.yml" || fail "promtool check rules"
(cd "$shipped" && /usr/bin/promtool test rules logmon-rules.test.yml) || fail "promtool test rules"
check coverage "$shipped/logmon-rules.yml" "$shipped/logmon-rules.test.yml" || fail "the rules' unit tests miss a case"
/usr/bin/amtool check-config "$shipped/alertmanager.yml" || fail "amtool check-config"
routes() { /usr/bin/amtool config routes test --config.file="$shipped/alertmanager.yml" "$@" 2>/dev/null; }
[ "$(routes severity=critical)" = "ops-pager,ops-mail" ] || fail "a critical alert goes to: $(routes severity=critical)"
[ "$(routes severity=warning)" = "ops-mail" ] || fail "a warning goes to: $(routes severity=warning)"
python3 -m json.tool "$dashboard" >/dev/null || fail "$dashboard is not JSON"

# Free loopback ports: nginx, logmon, Prometheus, Alertmanager, the webhook,
# and a closed one for the example's mail.
read -r nginx_port logmon_port prom_port am_port hook_port smtp_port < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(6):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(*(s.getsockname()[1] for s in socks))
EOF
)

# ---- 2. the test's copies of the shipped files
# sub FILE FROM TO: replaces every FROM (a fixed string) in FILE, which must hold it.
sub() {
  grep -qF -- "$2" "$1" || fail "$1 no longer holds '$2': update tests/alerts/run.sh"
  python3 -c 'import sys; p, a, b = sys.argv[1:]; s = open(p).read(); open(p, "w").write(s.replace(a, b))' "$@"
}
sed -E 's/^( +for: ).*/\13s/' "$shipped/logmon-rules.yml" >"$work/logmon-rules.yml"
alerts=$(grep -c '^ *- alert:' "$work/logmon-rules.yml")
[ "$(grep -c '^ *for: 3s$' "$work/logmon-rules.yml")" = "$alerts" ] || fail "not every rule has a 'for:' the test can shorten"
cp "$shipped/prometheus.yml" "$work/prometheus.yml"
sub "$work/prometheus.yml" "interval: 15s" "interval: 1s"
sub "$work/prometheus.yml" "/etc/prometheus/logmon-rules.yml" "$work/logmon-rules.yml"
sub "$work/prometheus.yml" '"localhost:9093"' "\"127.0.0.1:$am_port\""
sub "$work/prometheus.yml" '"127.0.0.1:5051"' "\"127.0.0.1:$logmon_port\""
/usr/bin/promtool check config "$work/prometheus.yml" || fail "promtool check config"
cp "$shipped/alertmanager.yml" "$work/alertmanager.yml"
sub "$work/alertmanager.yml" "group_wait: 30s" "group_wait: 1s"
sub "$work/alertmanager.yml" "group_interval: 5m" "group_interval: 1s"
sub "$work/alertmanager.yml" "http://127.0.0.1:5001/alerts" "http://127.0.0.1:$hook_port/alerts"
sub "$work/alertmanager.yml" '"localhost:25"' "\"127.0.0.1:$smtp_port\""

# ---- 3. nginx, the webhook, logmon, Alertmanager, Prometheus
mkdir -p "$work"/{logs,tmp,prometheus,alertmanager}
cat >"$work/nginx.conf" <<EOF
# tests/alerts/run.sh: an nginx of its own, under $work
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 64; }
http {
    client_body_temp_path $work/tmp/client_body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    log_format timed '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent" \$request_time';
    server {
        listen 127.0.0.1:$nginx_port;
        access_log $work/logs/access.log timed;
        location = /ok { return 200 "ok\n"; }
        location = /fail { return 503; }
    }
}
EOF
nginx_cmd=(/usr/sbin/nginx -p "$work/" -c "$work/nginx.conf" -e "$work/logs/error.log")
"${nginx_cmd[@]}" -t -q || fail "nginx -t refused the configuration"
"${nginx_cmd[@]}" -g 'daemon off;' >"$work/nginx.stderr" 2>&1 &
pids+=($!)
wait_for 10 nginx $! http_ok "http://127.0.0.1:$nginx_port/ok"

: >"$work/webhook.jsonl"
python3 "$here/webhook.py" "$hook_port" "$work/webhook.jsonl" >"$work/webhook.stdout" 2>"$work/webhook.stderr" &
pids+=($!)
wait_for 10 "the webhook" $! grep -q ready "$work/webhook.stdout"

cat >"$work/logmon.toml" <<EOF
listen = ["127.0.0.1:$logmon_port"]
nginx_config = "$work/nginx.conf"

[[stream]]
id = "web"
path = "$work/logs/access.log"
EOF
root_flag=()
[ "$(id -u)" -ne 0 ] || root_flag=(--allow-root)
"$LOGMON_BIN" --config "$work/logmon.toml" "${root_flag[@]}" >"$work/logmon.stdout" 2>"$work/logmon.stderr" &
pids+=($!)
logmon_pid=$!
wait_for 15 logmon "$logmon_pid" http_ok "http://127.0.0.1:$logmon_port/healthz"

/usr/bin/prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/alertmanager" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= --log.level=warn \
  >"$work/alertmanager.stdout" 2>"$work/alertmanager.stderr" &
pids+=($!)
wait_for 20 Alertmanager $! http_ok "http://127.0.0.1:$am_port/-/ready"

/usr/bin/prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn \
  >"$work/prometheus.stdout" 2>"$work/prometheus.stderr" &
pids+=($!)
wait_for 20 Prometheus $! http_ok "http://127.0.0.1:$prom_port/-/ready"
prom="http://127.0.0.1:$prom_port"
# Prometheus applies its targets up to 5 s after it is ready; until its first
# scrape of logmon, absent(up) is true and LogmonAbsent (3 s here) would fire.
scraped() {
  python3 -c 'import json, sys, urllib.parse, urllib.request
q = urllib.parse.urlencode({"query": "up{job=\"logmon\"}"})
r = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/query?" + q, timeout=2))
sys.exit(0 if r["data"]["result"] else 1)' "$1"
}
wait_for 20 "Prometheus's first scrape of logmon" "${pids[-1]}" scraped "$prom"

echo "== 5 s of 200s: no alert"
run_bg python3 "$here/traffic.py" "http://127.0.0.1:$nginx_port" --rps 40 --fail-ratio 0 --seconds 5 \
  2>>"$work/traffic.stderr" || fail "the traffic generator failed"
check quiet --prometheus "$prom" || fail "an alert with no 5xx"

# ---- 4. the burst
echo "== a burst of 503s: a quarter of 40 requests/s"
start=$(date +%s.%N)
python3 "$here/traffic.py" "http://127.0.0.1:$nginx_port" --rps 40 --fail-ratio 0.25 2>>"$work/traffic.stderr" &
pids+=($!)
traffic_pid=$!
run_bg check wait-alert "$work/webhook.jsonl" --alert Nginx5xxRatioHigh --since "$start" --timeout 60 \
  --label severity=critical --label job=logmon --label "instance=127.0.0.1:$logmon_port" --label stream=web ||
  fail "the 5xx alert did not reach the webhook"
kill -0 "$traffic_pid" 2>/dev/null || fail "the traffic generator stopped"

# ---- 5. the names and queries, while the traffic flows
run_bg check names "$shipped/logmon-rules.yml" "$dashboard" --metrics "http://127.0.0.1:$logmon_port/metrics" ||
  fail "a metric name of the rules or the dashboard is not in /metrics"
run_bg check queries "$dashboard" --prometheus "$prom" || fail "a query of the dashboard returns nothing"

# ---- 6. lines that fit no layout, among the traffic: a warning, by mail only
echo "== 60 lines that are not nginx's"
start=$(date +%s.%N)
for i in $(seq 60); do echo "not a line of nginx's format $i"; done >>"$work/logs/access.log"
run_bg check routed --alertmanager "http://127.0.0.1:$am_port" --alert LogmonParseFailures --since "$start" \
  --timeout 30 --label severity=warning --label stream=web --label "instance=127.0.0.1:$logmon_port" \
  --receiver ops-mail || fail "LogmonParseFailures did not reach Alertmanager's mail route"
kill "$traffic_pid"
wait "$traffic_pid" || fail "the traffic generator failed"

# ---- 7. logmon down
echo "== logmon stopped"
start=$(date +%s.%N)
kill "$logmon_pid"
wait "$logmon_pid" || fail "logmon did not exit cleanly on SIGTERM"
run_bg check wait-alert "$work/webhook.jsonl" --alert LogmonDown --since "$start" --timeout 30 \
  --label severity=critical --label job=logmon --label "instance=127.0.0.1:$logmon_port" ||
  fail "LogmonDown did not reach the webhook"
check delivered "$work/webhook.jsonl" --allow Nginx5xxRatioHigh LogmonDown || fail "an alert with no reason"
ok=1
echo "tests/alerts: passed"
