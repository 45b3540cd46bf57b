#!/usr/bin/env bash
# Runs every test of the project:
#   1. cargo: unit and property tests, and the integration tests (tests/it)
#      against the real daemon; then, alone, those that change inotify sysctls;
#   2. the UI's pure modules under `node --test`;
#   3. browser: Debian's Chromium driven by playwright-core, also through a real nginx;
#   4. nginx: a real nginx writing three log_formats that logmon finds in its
#      configuration; the stats messages, /metrics (promtool) and a real
#      Prometheus checked against the test's own reading of the logs;
#   5. alerts: the shipped alerting rules (promtool test rules), Alertmanager
#      route and Grafana dashboard; a real nginx's 5xx burst fires a rule in a
#      real Prometheus and a real Alertmanager delivers it to a webhook;
#   6. fuzzing: each cargo fuzz target for FUZZ_SECONDS (default 30);
#   7. system: the .deb built, linted, installed and exercised on booted Debian
#      bookworm and trixie containers with systemd, nginx and logrotate (needs root).
# Each part installs what it needs on a fresh Debian machine. Long runs are
# opt-in: LOGMON_SOAK_SECS=600 (the soak test) and FUZZ_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# The history tests (tests/it/history.rs) rotate files with the real
# logrotate; the report tests (tests/it/report.rs) compare with GoAccess;
# the fleet tests (tests/it/fleet/) run a real nats-server with JetStream,
# over TLS with certificates that openssl makes, and agents whose clocks
# libfaketime moves (tests/it/fleet/hosts.rs).
missing=()
command -v logrotate >/dev/null || [ -x /usr/sbin/logrotate ] || missing+=(logrotate)
command -v goaccess >/dev/null || missing+=(goaccess)
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v openssl >/dev/null || missing+=(openssl)
command -v faketime >/dev/null || missing+=(faketime)
if [ "${#missing[@]}" -gt 0 ]; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
cargo test --all-targets
# Tests that change system-wide inotify sysctls run alone, as root.
as_root cargo test --test it limits -- --ignored --test-threads=1
tests/browser/run.sh
tests/nginx/run.sh
tests/alerts/run.sh
node --test tests/ui/
tests/fuzz.sh
as_root tests/system/run.sh
