#!/usr/bin/env bash
# The README's test command (and exactly what .ci/run calls): installs what it needs, then
# runs every check and test. Each scripts/test.d/*.sh starts and stops its own services.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)
# Each step ends with how long it took, so a slow step shows in CI's log.
last=$start
last_name=""
step() {
  local now; now=$(date +%s)
  [ -z "$last_name" ] || printf '\033[1m== %s took %ss (%ss in all)\033[0m\n' "$last_name" "$(( now - last ))" "$(( now - start ))"
  [ "$1" = "done" ] || printf '\n\033[1m== %s\033[0m\n' "$*"
  last=$now
  last_name="${1%% (disk free*}"
}
step "bootstrap (disk free: $(df -h --output=avail . | tail -1 | tr -d ' '))"
bash scripts/bootstrap.sh test
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# CI's disk is small and shared: a linker killed by SIGBUS mid-run was a full disk. No debug info
# (a failing assertion still names its file and line) and no incremental caches keep `target/`
# under half its default size; a developer can set either back.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
export CARGO_PROFILE_TEST_DEBUG="${CARGO_PROFILE_TEST_DEBUG:-0}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
disk() { df -h --output=avail "$root" | tail -1 | tr -d ' '; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (native)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy (wasm32)"
cargo clippy -p journey-attribution-wasm -p journey-attribution-wasm-report -p journey-attribution-wasm-validate -p journey-attribution-wasm-landing --target wasm32-unknown-unknown --all-targets --locked -- -D warnings

step "core stays pure"
bash scripts/check-core-deps.sh

step "cargo test"
cargo test --workspace --locked

for t in scripts/test.d/*.sh; do
  [ -e "$t" ] || continue
  step "$(basename "$t") (disk free: $(disk))"
  bash "$t"
done

step "done"
printf '\nall checks passed in %ss\n' "$(( $(date +%s) - start ))"
