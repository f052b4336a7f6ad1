#!/usr/bin/env bash
# The npm package `journey-attribution` (issue 5): clippy for wasm32, wasm-bindgen-test
# under Node and in headless Chromium, `node --test` against the packed tarball installed
# into a temporary project, a Vite build importing it, and real aws-amplify v6 in headless
# Chromium (playwright-core) with PutEvents intercepted. Fails, never skips.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
step() { printf '\033[1m[40-npm]\033[0m %s\n' "$*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ja-npm.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# npm install for a test project we own; skipped when its node_modules matches package.json.
npm_install() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.stamp" ] || [ "$dir/package.json" -nt "$dir/node_modules/.stamp" ]; then
    step "npm install ($dir)"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.stamp)
  fi
}

step "cargo clippy (wasm32 and native)"
cargo clippy -p journey-attribution-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy -p journey-attribution-wasm --all-targets -- -D warnings

step "build the package"
tarball="$(bash scripts/build-npm.sh)"

step "node --test against the packed tarball (Node $(node --version), ESM, no flags)"
app="$work/node-app"
mkdir -p "$app"
printf '{ "name": "ja-node-test", "private": true, "type": "module" }\n' >"$app/package.json"
(cd "$app" && npm install --no-audit --no-fund --loglevel=error "$tarball")
cp wasm/tests/node/*.test.js "$app/"
(cd "$app" && node --test --test-reporter=spec ./*.test.js)
