# Sourced by the tests that start real services (tests/nginx, tests/alerts):
# a temporary directory, the services' PIDs stopped in reverse order at
# exit, failure with each service's last stderr lines, and waiting for a
# service to come up.
#
#   work_dir NAME KEEP   makes $work (mktemp's NAME); kept at exit when the
#                        test did not pass (ok=1) or the variable KEEP is set
#   pids+=($!)           a service to stop at exit
#   FAIL_LOGS=(a.stderr ...) the files under $work that fail shows the end of;
#   fail_more            a function fail calls last, if the test defines it
#   wait_for SECONDS WHAT PID COMMAND...   until COMMAND succeeds, while the
#                        process PID (the one awaited; - for none) is alive

pids=()
ok=0
FAIL_LOGS=()

work_dir() {
  work="$(mktemp -d "/tmp/$1.XXXXXX")"
  chmod 755 "$work" # nginx's workers read files under it
  keep_var="$2"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    wait "${pids[i]}" 2>/dev/null || true
  done
  if [ "$ok" = 1 ] && [ -z "${!keep_var:-}" ]; then
    rm -rf "$work"
  else
    echo "the test's files are kept in $work"
  fi
}

fail() {
  echo "FAILED: $*" >&2
  local f
  for f in "${FAIL_LOGS[@]}"; do
    if [ -s "$work/$f" ]; then echo "--- $f (last lines)" >&2; tail -n 15 "$work/$f" >&2; fi
  done
  if declare -F fail_more >/dev/null; then fail_more; fi
  exit 1
}

wait_for() {
  local secs="$1" what="$2" pid="$3" deadline=$((SECONDS + $1))
  shift 3
  until "$@" >/dev/null 2>&1; do
    if [ "$pid" != - ] && ! kill -0 "$pid" 2>/dev/null; then fail "$what exited"; fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$what did not come up within $secs s"
    sleep 0.1
  done
}

http_ok() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1"; }
