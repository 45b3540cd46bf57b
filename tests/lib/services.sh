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
#   install_without_services UNIT...   installs the packages in $missing, no
#                        service starting while apt runs, then disables and
#                        stops UNIT... (the test runs its own)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_without_services() {
  [ "${#missing[@]}" -gt 0 ] || return 0
  echo "installing: ${missing[*]}"
  # A policy-rc.d that forbids starting services while apt runs (ports 80,
  # 9090, 9093), unless one is there already.
  local policy="" installed=0 unit
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\n# %s: no service starts while it installs\nexit 101\n' "$0" | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
  fi
  as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" && installed=1
  if [ -n "$policy" ]; then as_root rm -f "$policy"; fi
  [ "$installed" = 1 ] || { echo "apt-get install ${missing[*]} failed" >&2; exit 1; }
  # Nor at the next boot.
  if command -v systemctl >/dev/null 2>&1; then
    for unit in "$@"; do
      as_root systemctl disable "$unit" >/dev/null 2>&1 || true
      if [ -d /run/systemd/system ]; then as_root systemctl stop "$unit" >/dev/null 2>&1 || true; fi
    done
  fi
}

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
