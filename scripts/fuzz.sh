#!/usr/bin/env bash
# Runs every fuzz target (cargo fuzz, nightly) for SECONDS each (default 20), seeded from
# the one fixtures directory (tests/fixtures/, the AWS payloads every test reads) and from
# fuzz/corpus/<target>/ (the inputs that are not AWS payloads: tokens, and the regressions).
# A crash fails the run and leaves the input in fuzz/artifacts/<target>/: add it to
# fuzz/corpus/<target>/ as a regression once fixed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"
seconds="${1:-20}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(custom_channel token stream_record report_line field_path connect_invocation ses_event)
fixtures="$root/tests/fixtures"
# The fixtures each target starts from.
seeds_of() {
  case "$1" in
    custom_channel) ls "$fixtures"/pinpoint-custom-channel*.json ;;
    connect_invocation) ls "$fixtures"/connect-*.json ;;
    ses_event) ls "$fixtures"/ses-*.json ;;
    stream_record) ls "$fixtures"/dynamodb-stream-*.json ;;
    report_line | field_path) ls "$fixtures"/report/* ;;
    token) ;;
    *) echo "fuzz: no seeds named for target $1" >&2; return 1 ;;
  esac
}
for t in "${targets[@]}"; do
  work="$(mktemp -d)"
  seeds="$(mktemp -d)"
  # New inputs go to a scratch dir (not committed); the seeds are copied next to it.
  seeds_of "$t" | while read -r f; do cp "$f" "$seeds/"; done
  dirs=("$work" "$seeds")
  [ -d "corpus/$t" ] && dirs+=("corpus/$t")
  [ -n "$(ls -A "$seeds")" ] || [ -d "corpus/$t" ] || { echo "fuzz: target $t has no seed" >&2; exit 1; }
  echo "fuzz $t for ${seconds}s ($(ls "$seeds" | wc -l) fixtures as seeds)" >&2
  cargo +nightly fuzz run "$t" "${dirs[@]}" -- -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|Done)' || true
  status=${PIPESTATUS[0]}
  rm -rf "$work" "$seeds"
  [ "$status" -eq 0 ] || { echo "fuzz target $t failed (see fuzz/artifacts/$t)" >&2; exit 1; }
done
