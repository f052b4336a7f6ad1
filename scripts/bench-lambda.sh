#!/usr/bin/env bash
# Lambda benchmark (not a timed test): release binaries through the Runtime API emulator
# against moto. Prints ready time, peak RSS, ms per 50-endpoint batch, binary sizes.
# Usage: scripts/bench-lambda.sh   (BENCH_ROUNDS=20 by default)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release --locked -p journey-attribution-lambda --bins
target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
# shellcheck source=moto-start.sh
source scripts/moto-start.sh
TAGGING_BIN="$target/release/tagging" SYNC_BIN="$target/release/sync" \
  CONNECT_BIN="$target/release/connect-tagging" SES_BIN="$target/release/ses-tagging" \
  CLAIMS_BIN="$target/release/claims" \
  cargo test -p journey-attribution-lambda --locked --test bench -- --ignored --nocapture --test-threads=1 2>&1 |
  grep -oE '(connect-tagging|ses-tagging|tagging|sync|claims): .*|test result.*'
for b in tagging connect-tagging ses-tagging sync claims; do
  printf '%s: release binary (x86_64, stripped) = %s bytes\n' "$b" "$(stat -c %s "$target/release/$b")"
done
for b in tagging connect-tagging ses-tagging sync claims; do
  if [ -f "$target/lambda/$b/bootstrap.zip" ]; then
    printf '%s: cargo lambda zip = %s bytes\n' "$b" "$(stat -c %s "$target/lambda/$b/bootstrap.zip")"
  fi
done
