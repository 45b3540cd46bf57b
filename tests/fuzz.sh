#!/usr/bin/env bash
# Fuzzes logmon's parsers with libFuzzer (cargo fuzz, on the nightly toolchain):
# the line splitter, the WebSocket query, the configuration, the server's
# messages, nginx's configuration, the layouts that split lines (with the
# statistics they feed), the search of log files and its field terms, the
# reader of a stream's files (plain and gzip alike), and what a client sends
# beneath the WebSocket layer (compressed messages inflated). Installs
# cargo-fuzz from crates.io when it is missing.
#
#   tests/fuzz.sh                 every target for FUZZ_SECONDS (default 30) each
#   FUZZ_SECONDS=600 tests/fuzz.sh lines    one target, longer
#
# The seed corpus in fuzz/corpus/ is read, never written: new inputs go to a
# temporary directory. A crash leaves its input in fuzz/artifacts/ and fails.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${FUZZ_SECONDS:-30}"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(lines query config frames nginx layout search terms archive inflate)

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

cargo +nightly fuzz build
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  echo "fuzzing $t for ${secs}s"
  if ! cargo +nightly fuzz run "$t" "$work/$t" "corpus/$t" -- \
      -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz target $t failed; its input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  summary+=("$(printf '%-8s %12s executions  %9s exec/s  corpus %s' "$t" "$runs" "$rate" "$(ls "$work/$t" | wc -l)")")
done
printf '%s\n' "${summary[@]}"
