#!/usr/bin/env bash
# End-to-end test of logmon's nginx formats, stats and metrics, against a
# real nginx and a real Prometheus. Installs what it needs on a fresh Debian
# machine (nginx, prometheus with promtool, python3; no service of theirs is
# started).
#
#   tests/nginx/run.sh                       build the daemon with cargo and run
#   LOGMON_BIN=/path/to/logmon tests/nginx/run.sh    use that binary instead
#   LOGMON_NGINX_KEEP=1 tests/nginx/run.sh   keep the temporary directory
#
# In a temporary directory, an nginx of its own (nginx -p DIR) serves a
# server on loopback ports for each format, each writing its own access log
# in that format, declared in files that nginx.conf includes by a glob:
#   vhost  the host first, $request_time, $upstream_response_time and
#          $upstream_addr (several of each on retries and internal redirects);
#   main   nginx.org's `main`, written as several quoted strings;
#   json   escape=json, one JSON object a line;
# and the real-world formats of tests/nginx/corpus.py, each from a public
# configuration named there (ingress-nginx's unquoted upstream lists, an
# escape=json text format, ...). Two of them (combined, upstreaminfo) also
# listen with TLS and HTTP/2 (a certificate the script makes).
# Distinct servers (rather than one server with three access_log lines) give
# each stream its own counts, so that a stream's numbers showing up under
# another stream cannot go unnoticed. Requests are proxied to a real upstream
# (tests/nginx/upstream.py: statuses and delays as asked), to a closed port
# (502), to a group whose first server is closed (a retry: `a, b`), through
# error_page to a second group (`a : b`), past proxy_read_timeout (504),
# given up by the client (499), closed by `return 444`, refused for a space
# in the request line (400), or answered by `return` and static files.
#
# logmon gets only `nginx_config` and each stream's id and path (no format);
# a WebSocket client (tests/system/wsclient.py, backlog=0) records hello,
# lines and stats from before the traffic; tests/nginx/traffic.py sends a
# few thousand requests over 15 s; tests/nginx/check.py then compares what
# nginx wrote, read by the test's own parser (tests/nginx/formats.py), with
# every field of every line as the UI splits it (tests/nginx/split.mjs), the
# stats messages, /metrics (also through promtool) and a real Prometheus
# scraping /metrics every second. About 30 s, plus the build and, the first
# time, the packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ beside the helpers

# shellcheck source=tests/lib/services.sh
. "$here/../lib/services.sh"

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
{ [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; } || missing+=(prometheus)
install_without_services prometheus.service

if [ -z "${LOGMON_BIN:-}" ]; then
  (cd "$repo" && cargo build)
  LOGMON_BIN="$repo/target/debug/logmon"
fi

work_dir logmon-nginx LOGMON_NGINX_KEEP
FAIL_LOGS=(logmon.stderr nginx.stderr prometheus.stderr upstream.stderr wsclient.stderr)
# nginx's error log is full of the refused connections the test makes on purpose.
fail_more() { grep -E '\[(emerg|alert|crit)\]' "$work/logs/error.log" 2>/dev/null | tail -n 5 >&2 || true; }

# The streams: run.sh's own formats, then the corpus's.
names=(vhost main json)
while read -r name; do names+=("$name"); done < <(cd "$here" && python3 -c 'import corpus; print("\n".join(n for n, *_ in corpus.CORPUS))')
tls_names=(combined upstreaminfo)

# Free loopback ports: the upstream, a closed one (connections refused: 502),
# logmon, Prometheus, a server per stream and the TLS servers.
ports=()
while read -r p; do ports+=("$p"); done < <(python3 - "$((4 + ${#names[@]} + ${#tls_names[@]}))" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print("\n".join(str(s.getsockname()[1]) for s in socks))
EOF
)
up_port=${ports[0]} dead_port=${ports[1]} logmon_port=${ports[2]} prom_port=${ports[3]}
declare -A port tls_port
for i in "${!names[@]}"; do port[${names[i]}]=${ports[4 + i]}; done
for i in "${!tls_names[@]}"; do tls_port[${tls_names[i]}]=${ports[4 + ${#names[@]} + i]}; done
vhost_port=${port[vhost]}

mkdir -p "$work"/{conf.d,snippets,logs,tmp,html/static,prometheus}
echo 'console.log("static");' >"$work/html/static/app.js"

# ---- nginx's configuration
cat >"$work/nginx.conf" <<EOF
# tests/nginx/run.sh: an nginx of its own, under $work
worker_processes 2;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 1024; }
http {
    default_type text/plain;
    access_log $work/logs/other.log;
    client_body_temp_path $work/tmp/client_body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    keepalive_timeout 75s;
    # log_format vhost '\$status';   (a comment, not a format)
    include conf.d/*.conf;
}
EOF

# The formats, in an included file. `main` is nginx.org's, in several strings.
cat >"$work/conf.d/10-formats.conf" <<'EOF'
log_format vhost '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time "$upstream_addr"';

log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                  '$status $body_bytes_sent "$http_referer" '
                  '"$http_user_agent" "$http_x_forwarded_for"';

log_format json escape=json
    '{"time":"$time_iso8601","remote_addr":"$remote_addr",'
    '"request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,'
    '"request_time":$request_time,"upstream_response_time":"$upstream_response_time",'
    '"upstream_addr":"$upstream_addr","http_user_agent":"$http_user_agent","host":"$host"}';

log_format unused '$status $request_time';
EOF

cat >"$work/conf.d/20-upstreams.conf" <<EOF
upstream app { server 127.0.0.1:$up_port; }
# The closed port first: every other request is refused there and retried on the upstream.
upstream retry { server 127.0.0.1:$dead_port max_fails=0; server 127.0.0.1:$up_port max_fails=0; }
upstream dead { server 127.0.0.1:$dead_port max_fails=0; }
EOF

# The real-world formats, each with the public configuration it comes from.
python3 "$here/corpus.py" conf >"$work/conf.d/15-corpus.conf"

# A certificate of its own for the TLS servers.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=logmon.test \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>"$work/openssl.stderr" || fail "openssl could not make a certificate"

# A file the glob does not match: nginx never reads it, nor must logmon.
cat >"$work/conf.d/99-old.conf.disabled" <<EOF
log_format vhost '\$remote_addr \$status';
server { listen 127.0.0.1:$vhost_port; access_log $work/logs/vhost.log combined; }
EOF

for name in "${names[@]}"; do
  tls=""
  if [ -n "${tls_port[$name]:-}" ]; then
    tls="listen 127.0.0.1:${tls_port[$name]} ssl http2;
    ssl_certificate $work/tls.crt;
    ssl_certificate_key $work/tls.key;"
  fi
  cat >"$work/conf.d/30-$name.conf" <<EOF
server {
    listen 127.0.0.1:${port[$name]};
    $tls
    server_name $name.test;
    access_log $work/logs/$name.log $name;
    # What ingress-nginx's upstreaminfo reads besides nginx's own variables.
    set \$proxy_upstream_name "default-app-80";
    set \$proxy_alternative_upstream_name "";
    set \$req_id \$request_id;
    include snippets/locations.inc;
}
EOF
done

cat >"$work/snippets/locations.inc" <<EOF
location / { proxy_pass http://app; }
location = /r/301 { return 301 /; }
location = /r/418 { return 418; }
location = /r/404 { return 404; }
location = /r/200 { return 200 "ok\n"; }
location /down/ { proxy_pass http://dead; }
location /retry/ { proxy_pass http://retry; }
location /intercept/ {
    proxy_pass http://app;
    proxy_intercept_errors on;
    error_page 500 = @fallback;
}
location @fallback {
    rewrite ^ /fallback?s=200&d=5 break;
    proxy_pass http://app;
}
location /static/ { root $work/html; }
location = /r/444 { return 444; }
location /slow/ { proxy_pass http://app; proxy_read_timeout 200ms; }
location /hang/ { proxy_pass http://app; }
EOF

nginx_cmd=(/usr/sbin/nginx -p "$work/" -c "$work/nginx.conf" -e "$work/logs/error.log")
"${nginx_cmd[@]}" -t -q || fail "nginx -t refused the configuration"

# ---- the upstream and nginx
python3 "$here/upstream.py" "$up_port" >"$work/upstream.stdout" 2>"$work/upstream.stderr" &
pids+=($!)
"${nginx_cmd[@]}" -g 'daemon off;' >"$work/nginx.stderr" 2>&1 &
pids+=($!)
wait_for 10 "the upstream" "${pids[0]}" http_ok "http://127.0.0.1:$up_port/?s=200"
wait_for 10 nginx "${pids[1]}" http_ok "http://127.0.0.1:$vhost_port/r/200"
# nginx has logged the probe: start the logs afresh (nginx appends with O_APPEND).
for name in "${names[@]}"; do : >"$work/logs/$name.log"; done

# ---- logmon, with no format given: it finds them in nginx's configuration
cat >"$work/logmon.toml" <<EOF
listen = ["127.0.0.1:$logmon_port"]
nginx_config = "$work/nginx.conf"
EOF
for name in "${names[@]}"; do
  printf '\n[[stream]]\nid = "%s"\npath = "%s"\n' "$name" "$work/logs/$name.log" >>"$work/logmon.toml"
done
root_flag=()
[ "$(id -u)" -ne 0 ] || root_flag=(--allow-root)
"$LOGMON_BIN" --config "$work/logmon.toml" "${root_flag[@]}" >"$work/logmon.stdout" 2>"$work/logmon.stderr" &
pids+=($!)
logmon_pid=$!
wait_for 15 logmon "$logmon_pid" http_ok "http://127.0.0.1:$logmon_port/healthz"

# ---- Prometheus, scraping logmon every second
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: logmon
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:$logmon_port"]
EOF
/usr/bin/prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn \
  >"$work/prometheus.stdout" 2>"$work/prometheus.stderr" &
pids+=($!)
prom_pid=$!

# ---- the WebSocket client, from before the traffic
python3 "$repo/tests/system/wsclient.py" "ws://127.0.0.1:$logmon_port/ws?backlog=0" "$work/ws.jsonl" \
  2>"$work/wsclient.stderr" &
pids+=($!)
wait_for 10 "the WebSocket client's hello" $! grep -q '"type":"hello"' "$work/ws.jsonl"
wait_for 20 Prometheus "$prom_pid" http_ok "http://127.0.0.1:$prom_port/-/ready"

# The long steps run in the background and are waited for, so that a signal
# stops the test at once (the trap ends them too).

# ---- the traffic
servers=() tls=() streams=()
for name in "${names[@]}"; do
  servers+=(--server "$name=${port[$name]}")
  streams+=(--stream "$name=$name=$work/logs/$name.log")
done
for name in "${tls_names[@]}"; do tls+=(--tls "$name=${tls_port[$name]}"); done
python3 "$here/traffic.py" "${servers[@]}" "${tls[@]}" \
  --requests "${LOGMON_NGINX_REQUESTS:-4500}" --seconds "${LOGMON_NGINX_SECONDS:-15}" "$work/traffic.json" &
pids+=($!)
wait $! || fail "the traffic generator failed"

# ---- the checks
status=0
python3 "$here/check.py" --logmon "http://127.0.0.1:$logmon_port" \
  --prometheus "http://127.0.0.1:$prom_port" --promtool /usr/bin/promtool \
  --ws "$work/ws.jsonl" --traffic "$work/traffic.json" "${streams[@]}" &
pids+=($!)
wait $! || status=$?
kill -0 "$logmon_pid" 2>/dev/null || fail "logmon exited during the test"
[ "$status" -eq 0 ] || fail "tests/nginx: logmon's numbers differ from nginx's logs (above)"
ok=1
echo "tests/nginx: passed"
