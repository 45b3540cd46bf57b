#!/usr/bin/env bash
# Runs every test of the project: unit and integration tests (cargo), then the
# browser tests (Debian's Chromium driven by playwright-core, through a real
# nginx too). Each part installs what it needs on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets
tests/browser/run.sh
