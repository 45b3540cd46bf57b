#!/usr/bin/env bash
# Runs every test of the project:
#   1. cargo: unit tests and integration tests against the real daemon;
#   2. browser: Debian's Chromium driven by playwright-core, also through a real nginx;
#   3. system: the .deb built, linted, installed and exercised on booted Debian
#      bookworm and trixie containers with systemd, nginx and logrotate (needs root).
# Each part installs what it needs on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
cargo test --all-targets
node --test tests/ui/
tests/browser/run.sh
as_root tests/system/run.sh
