#!/usr/bin/env bash
# Builds the npm package `journey-attribution` into target/npm/pkg and packs it into
# target/npm/journey-attribution-<version>.tgz; prints the tarball's path on stdout.
# Idempotent: does nothing when no input changed since the last build.
#
#   wasm-pack build --target web --profile wasm-release[-s] --no-opt (Rust -> .wasm + glue)
#   wasm-opt (npm binaryen, never Debian's 108) -Oz or -Os          (size)
#   + the hand-written ESM entries, wrappers and types from wasm/js/
#
# One .wasm serves every environment: index.node.js compiles it synchronously from disk
# (Node 20 ESM, no flags); index.js instantiates it from
# `new URL('journey_attribution_wasm_bg.wasm', import.meta.url)` (bundlers and browsers).
#
# The subpath `journey-attribution/report` is a second module built the same way from
# wasm/report (the ROI report; apps that only stamp never load it): report.node.js /
# report.js over journey_attribution_report_bg.wasm; `journey-attribution/validate` a
# third, from wasm/validate; the landing capture a fourth, from wasm/landing, loaded by the
# stamping entry points only on pages whose address carries a message link. The stamping module is built `no_std` (`--no-default-features
# --features bundle`, see wasm/stamp/src/lib.rs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m[build-npm]\033[0m %s\n' "$*" >&2; }

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
: "${version:?cannot read [workspace.package] version from Cargo.toml}"
out="$root/target/npm"
pkg="$out/pkg"
tarball="$out/journey-attribution-$version.tgz"
stamp="$out/.inputs.sha256"

wasm_opt="$root/tools/node_modules/.bin/wasm-opt"
if [ ! -x "$wasm_opt" ]; then
  log "missing $wasm_opt (npm binaryen): run scripts/bootstrap.sh"
  exit 1
fi

inputs_hash() {
  {
    find core/src core/Cargo.toml report/src report/Cargo.toml wasm/stamp/src wasm/js wasm/stamp/Cargo.toml wasm/globals/src wasm/globals/Cargo.toml wasm/report/src wasm/report/Cargo.toml wasm/validate/src wasm/validate/Cargo.toml wasm/landing/src wasm/landing/Cargo.toml -type f -print0 | sort -z | xargs -0 sha256sum
    sha256sum Cargo.toml Cargo.lock LICENSE scripts/build-npm.sh
    "$wasm_opt" --version
    wasm-bindgen --version
  } | sha256sum | cut -d' ' -f1
}

hash="$(inputs_hash)"
if [ -f "$tarball" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
  log "up to date: $tarball"
  echo "$tarball"
  exit 0
fi

mkdir -p "$out" "${WASM_PACK_CACHE:=$HOME/.cache/.wasm-pack}"
export WASM_PACK_CACHE
rm -rf "$pkg" "$out/wasm-pack" "$out/wasm-pack-report" "$out/wasm-pack-validate" "$out/wasm-pack-landing" "$out/wasm-pack-landing"
mkdir -p "$pkg"

# build_module <crate dir> <out name> <scratch dir> <cargo profile> [cargo args...]: wasm-pack into the
# scratch dir, wasm-opt into $pkg.
build_module() {
  local crate="$1" name="$2" scratch="$3" profile="$4"
  shift 4
  log "wasm-pack build $crate --target web --profile $profile"
  # --no-opt: wasm-pack would look for (or download) its own wasm-opt; we run binaryen's below.
  # --mode no-install: use the wasm-bindgen-cli the bootstrap installed at the pinned version.
  wasm-pack --quiet build "$crate" --target web --profile "$profile" --no-opt --no-pack \
    --mode no-install --out-dir "$scratch" --out-name "$name" ${1:+-- "$@"} >&2
  # -Os after opt-level "s" (report 68,777 -> 68,641 B gzip, validate 13,177 -> 12,893), -Oz
  # after "z" (-Os gains the stamping module 6 B and costs the landing module 9).
  local level=-Oz
  if [ "$profile" = wasm-release-s ]; then level=-Os; fi
  local input="$scratch/${name}_bg.wasm"
  # Rust's default wasm32 features (Rust >= 1.82); the module's target_features section says
  # the same, the flags make wasm-opt's validation independent of it.
  "$wasm_opt" "$level" --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue --enable-mutable-globals \
    "$input" -o "$pkg/${name}_bg.wasm"
  cp "$scratch/$name.js" "$scratch/$name.d.ts" "$scratch/${name}_bg.wasm.d.ts" "$pkg/"
}
# wasm-release-s for the two modules it makes smaller once gzipped (Cargo.toml says by how much).
build_module wasm/stamp journey_attribution_wasm "$out/wasm-pack" wasm-release --no-default-features --features bundle
build_module wasm/report journey_attribution_report "$out/wasm-pack-report" wasm-release-s
build_module wasm/validate journey_attribution_validate "$out/wasm-pack-validate" wasm-release-s
build_module wasm/landing journey_attribution_landing "$out/wasm-pack-landing" wasm-release --no-default-features --features bundle
# The hand-written JS, its types and the package's README (package.json's `files` says what
# is packed).
cp wasm/js/*.js wasm/js/*.d.ts wasm/js/README.md LICENSE "$pkg/"
sed "s/@VERSION@/$version/" wasm/js/package.template.json >"$pkg/package.json"

rm -f "$tarball"
(cd "$pkg" && npm pack --silent --pack-destination "$out" >/dev/null)
[ -f "$tarball" ] || { log "npm pack did not produce $tarball"; exit 1; }
echo "$hash" >"$stamp"
size() { echo "$(stat -c %s "$pkg/$1") bytes, $(gzip -9c "$pkg/$1" | wc -c) gzip"; }
log "built $tarball (stamping .wasm $(size journey_attribution_wasm_bg.wasm); report .wasm $(size journey_attribution_report_bg.wasm); validate .wasm $(size journey_attribution_validate_bg.wasm); landing .wasm $(size journey_attribution_landing_bg.wasm))"
echo "$tarball"
