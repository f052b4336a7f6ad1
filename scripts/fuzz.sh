#!/usr/bin/env bash
# Runs every fuzz target (cargo fuzz, nightly) for SECONDS each (default 20), starting from
# the committed seed corpus in fuzz/corpus/. A crash fails the run and leaves the input in
# fuzz/artifacts/<target>/: add it to fuzz/corpus/<target>/ as a regression once fixed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"
seconds="${1:-20}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(custom_channel token stream_record report_line connect_invocation ses_event)
for t in "${targets[@]}"; do
  work="$(mktemp -d)"
  # Seeds are read from fuzz/corpus/<t>; new inputs go to a scratch dir (not committed).
  echo "fuzz $t for ${seconds}s" >&2
  cargo +nightly fuzz run "$t" "$work" "corpus/$t" -- -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|Done)' || true
  status=${PIPESTATUS[0]}
  rm -rf "$work"
  [ "$status" -eq 0 ] || { echo "fuzz target $t failed (see fuzz/artifacts/$t)" >&2; exit 1; }
done
