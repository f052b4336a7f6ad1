#!/usr/bin/env bash
# The README's test command (and exactly what .ci/run calls): installs what it needs, then
# runs every check and test. Each scripts/test.d/*.sh starts and stops its own services.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "bootstrap"
bash scripts/bootstrap.sh test
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Smaller debug artefacts: line tables only (CI's disk and link time).
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
export CARGO_PROFILE_TEST_DEBUG="${CARGO_PROFILE_TEST_DEBUG:-line-tables-only}"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (native)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy (wasm32)"
cargo clippy -p journey-attribution-wasm -p journey-attribution-wasm-report --target wasm32-unknown-unknown --all-targets --locked -- -D warnings

step "core stays pure"
bash scripts/check-core-deps.sh

step "cargo test"
cargo test --workspace --locked

for t in scripts/test.d/*.sh; do
  [ -e "$t" ] || continue
  step "$(basename "$t")"
  bash "$t"
done

printf '\nall checks passed in %ss\n' "$(( $(date +%s) - start ))"
