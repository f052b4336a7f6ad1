#!/usr/bin/env bash
# .wasm size, raw and gzip -9, with the `wasm-release` size profile and with the plain
# `release` profile (before/after), both through the same wasm-bindgen + wasm-opt steps
# as scripts/build-npm.sh. Usage: bash wasm/tests/bench/size.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for profile in release wasm-release; do
  cargo build -q -p journey-attribution-wasm --target wasm32-unknown-unknown --profile "$profile"
  wasm-bindgen --target web --out-dir "$tmp/$profile" \
    "target/wasm32-unknown-unknown/$profile/journey_attribution_wasm.wasm" 2>/dev/null
  raw="$tmp/$profile/journey_attribution_wasm_bg.wasm"
  wasm-opt -Oz --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue --enable-mutable-globals "$raw" -o "$tmp/$profile.opt.wasm"
  printf '%-13s wasm-bindgen: %7d B (gzip %6d)   + wasm-opt -Oz: %7d B (gzip %6d)\n' "$profile" \
    "$(stat -c %s "$raw")" "$(gzip -9c "$raw" | wc -c)" \
    "$(stat -c %s "$tmp/$profile.opt.wasm")" "$(gzip -9c "$tmp/$profile.opt.wasm" | wc -c)"
done
