#!/usr/bin/env bash
# The npm package `journey-attribution`: clippy for wasm32, wasm-bindgen-test
# under Node and in headless Chromium, `node --test` against the packed tarball installed
# into a temporary project, a Vite build importing it, and real aws-amplify v6 in headless
# Chromium (playwright-core) with PutEvents intercepted. Fails, never skips.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
step() { printf '\033[1m[40-npm]\033[0m %s\n' "$*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ja-npm.XXXXXX")"
# Everything this script starts runs in the foreground (the browser tests' HTTP server and
# Chromium live and die inside `node --test`); only the scratch folder needs cleaning.
trap 'rm -rf "$work"' EXIT

# npm install for a test project we own; skipped when its node_modules matches package.json.
npm_install() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.stamp" ] || [ "$dir/package.json" -nt "$dir/node_modules/.stamp" ]; then
    step "npm install ($dir)"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.stamp)
  fi
}

# scripts/test.sh lints every wasm crate for wasm32 and the workspace natively; here, the
# stamping and landing modules' no_std npm build.
step "cargo clippy (the stamping and landing modules' no_std npm build)"
wasm_crates=(-p journey-attribution-wasm -p journey-attribution-wasm-validate -p journey-attribution-wasm-landing)
cargo clippy --locked -p journey-attribution-wasm -p journey-attribution-wasm-landing -p journey-attribution-wasm-globals --target wasm32-unknown-unknown --lib --no-default-features --features bundle -- -D warnings

step "build the package"
tarball="$(bash scripts/build-npm.sh)"

step "node --test against the packed tarball (Node $(node --version), ESM, no flags)"
app="$work/node-app"
mkdir -p "$app"
printf '{ "name": "ja-node-test", "private": true, "type": "module" }\n' >"$app/package.json"
(cd "$app" && npm install --no-audit --no-fund --loglevel=error "$tarball")
cp wasm/tests/node/*.test.js tests/fixtures/holdout-golden.json "$app/"
(cd "$app" && node --test --test-reporter=spec ./*.test.js)

step "wasm-bindgen-test under Node"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test --locked "${wasm_crates[@]}" --target wasm32-unknown-unknown --tests

step "wasm-bindgen-test in headless Chromium (Debian chromium + chromedriver)"
command -v chromium >/dev/null && command -v chromedriver >/dev/null || {
  echo "chromium / chromedriver missing: run scripts/bootstrap.sh test" >&2
  exit 1
}
CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_USE_BROWSER=1 \
  cargo test --locked "${wasm_crates[@]}" --target wasm32-unknown-unknown --tests

step "Vite build of an Amplify v6 app importing the tarball; TypeScript check of the types"
browser_tests="$root/wasm/tests/browser"
npm_install "$browser_tests"
# The tarball goes in without touching package.json / package-lock.json.
rm -rf "$browser_tests/node_modules/journey-attribution"
(cd "$browser_tests" && npm install --no-save --no-audit --no-fund --loglevel=error "$tarball")
dist="$work/dist"
(cd "$browser_tests" && npx --no-install vite build --outDir "$dist")
ls "$dist"/assets/*.wasm >/dev/null || { echo "the Vite build emitted no .wasm asset" >&2; exit 1; }
(cd "$browser_tests" && npx --no-install tsc -p tsconfig.json && npx --no-install tsc -p tsconfig.package.json)
# The JS against its declarations: each public export is typed by index.d.ts (JSDoc
# `@type {typeof import('./index.js').name}`), every call into wasm by the generated .d.ts.
(cd "$browser_tests" && npx --no-install tsc -p tsconfig.checkjs.json)

step "size budgets: the stamping .wasm, the JS a Vite app imports for stamping, the report .wasm"
(cd "$browser_tests" && PKG="$browser_tests/node_modules/journey-attribution" \
  OUT="$root/target/npm/sizes.json" node size-budget.mjs)

step "headless Chromium (playwright-core): real aws-amplify v6, PutEvents intercepted; no-bundler import"
(cd "$browser_tests" && DIST="$dist" PKG="$browser_tests/node_modules/journey-attribution" \
  BENCH_OUT="$root/target/npm/bench-record.json" node --test --test-reporter=spec run.test.mjs)

step "stampEvent ns/event vs a plain-JS copy (Node)"
cp wasm/tests/bench/stamp.bench.mjs "$app/"
(cd "$app" && node stamp.bench.mjs 50000 | tee "$root/target/npm/bench-stamp.json")

step "buildReport MB/s on a generated 5 MB export (Node)"
bench_data="$root/target/npm/bench-report-data"
[ -s "$bench_data/pinpoint-events-000.jsonl" ] ||
  python3 scripts/gen-events.py --out "$bench_data" --size-mb 5 --files 1 --seed 7 \
    --shapes pinpoint,nested,flat >/dev/null
cp wasm/tests/bench/report.bench.mjs "$app/"
(cd "$app" && node report.bench.mjs "$bench_data/pinpoint-events-000.jsonl" 5 |
  tee "$root/target/npm/bench-report.json")
