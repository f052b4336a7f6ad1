#!/usr/bin/env bash
# The README's main command: the local demo in the browser, on embedded in-memory stores,
# with the real tagging and sync handlers and the npm package. No AWS account needed.
#   scripts/demo.sh [--port N]     (default 8484; open the printed URL)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh demo
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The same build settings as scripts/test.sh, so one command reuses the other's build.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
bash scripts/build-npm.sh >/dev/null   # rebuilt only when core/ or wasm/ changed
# Only what the demo runs: no report, athena, setup or reconcile, so no AWS SDK to build.
cargo build --quiet -p journey-attribution-cli --no-default-features
exec "${CARGO_TARGET_DIR:-target}/debug/journey-attribution" demo "$@"
