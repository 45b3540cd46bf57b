#!/usr/bin/env bash
# Browser tests of the web UI: Debian's Chromium driven by playwright-core
# (no browser download), against the real daemon, and through a real nginx
# for the path-prefix test. Installs what it needs on a fresh Debian machine.
#
#   tests/browser/run.sh                 build the daemon with cargo (into $CARGO_TARGET_DIR
#                                        when set), run every test
#   LOGMON_BIN=/path/to/logmon tests/browser/run.sh    use that binary instead
#   tests/browser/run.sh ui.test.mjs     run only some test files
#
# Screenshots are written to target/screenshots/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

cd "$here"
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

if [ -z "${LOGMON_BIN:-}" ]; then
  (cd "$repo" && cargo build)
  export LOGMON_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/logmon"
fi

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  files=(ui.test.mjs formats.test.mjs states.test.mjs stats.test.mjs range.test.mjs history.test.mjs fleet.test.mjs scroll.test.mjs edges.test.mjs xss.test.mjs reconnect.test.mjs nginx.test.mjs screenshots.test.mjs load.test.mjs longtasks.test.mjs a11y.test.mjs)
fi

# One file at a time: the load test measures timings on a 2-core machine.
if node --help 2>/dev/null | grep -q -- '--test-concurrency'; then
  exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
fi
status=0
for f in "${files[@]}"; do node --test "$f" || status=1; done
exit "$status"
