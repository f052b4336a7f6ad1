#!/usr/bin/env bash
# Releasing (RELEASING.md): every step that can run without credentials. One version for the
# crates, the npm package and the stack (scripts/version.py); the crates the command needs
# packaged and built from their .crate files as crates.io would receive them (`cargo publish
# --dry-run`); the packed npm package through `npm publish --dry-run` (tests/release); dist's
# plan of the prebuilt archives against its generated workflow, and its installers; the
# stack's release archive (20-sam.sh lints its template beside template.yaml).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export SAM_CLI_TELEMETRY=0
step() { printf '\033[1m[90-release]\033[0m %s\n' "$*" >&2; }

version="$(python3 scripts/version.py check)"
step "one version: $version"

# --workspace takes the members that are not `publish = false`, in dependency order, each
# resolved against the ones packaged before it. --allow-dirty: a dry run from a working tree
# (the clean clone CI makes needs none; .cargo_vcs_info.json then says dirty).
# --no-verify, and the build below instead: cargo's verify builds each crate alone, and the
# Lambda crate alone enables fewer tokio features than any other build here, so it would
# compile tokio, hyper and the AWS SDK again (2 min 40 s of CPU measured). Building the
# command from the six .crate files compiles every packaged crate's sources as crates.io
# would receive them, on the dependencies 20-sam.sh already built.
step "cargo publish --dry-run (the command and the crates it needs)"
rm -rf target/package
cargo publish --workspace --dry-run --no-verify --locked --allow-dirty

step "the command built from the packaged crates alone (no workspace, no .git)"
unpacked="$(mktemp -d "${TMPDIR:-/tmp}/ja-crates.XXXXXX")"
trap 'rm -rf "$unpacked"' EXIT
crates=(target/package/tmp-crate/*.crate)
[ -e "${crates[0]}" ] || crates=(target/package/*.crate)
for crate in "${crates[@]}"; do tar xzf "$crate" -C "$unpacked"; done
patches=()
for dep in core report table aws lambda; do
  dir="$unpacked/journey-attribution-$dep-$version"
  [ -d "$dir" ] || { echo "no packaged journey-attribution-$dep $version" >&2; exit 1; }
  patches+=(--config "patch.crates-io.journey-attribution-$dep.path=\"$dir\"")
done
(cd "$unpacked/journey-attribution-cli-$version" && cargo build "${patches[@]}" --target-dir "$root/target")
# build.rs read the commit from .cargo_vcs_info.json: there is no repository around it.
expected="journey-attribution $version (commit $(git rev-parse --short=12 HEAD)"
got="$("$root/target/debug/journey-attribution" --version)"
case "$got" in
  "$expected)" | "$expected-dirty)") ;;
  *) echo "the packaged command says '$got', expected '$expected)'" >&2; exit 1 ;;
esac
# As a user would run it from the README's install section: the binary alone in an empty
# directory, a bare environment, a report on an export; the same report as the workspace's.
fresh="$unpacked/fresh"
mkdir -p "$fresh"
cp "$root/target/debug/journey-attribution" tests/fixtures/report/stream.jsonl "$fresh/"
report=(report stream.jsonl --goal purchase --revenue-metric revenue --format json)
(cd "$fresh" && env -i PATH=/usr/bin:/bin HOME="$fresh" ./journey-attribution "${report[@]}" >packaged.json 2>/dev/null &&
  env -i PATH=/usr/bin:/bin HOME="$fresh" ./journey-attribution completions bash >/dev/null &&
  env -i PATH=/usr/bin:/bin HOME="$fresh" ./journey-attribution man >/dev/null)
# Put the workspace's own build back in target/debug for whatever runs next.
cargo build -q -p journey-attribution-cli --locked
grep -q '"campaigns"' "$fresh/packaged.json"
(cd "$fresh" && "$root/target/debug/journey-attribution" "${report[@]}" 2>/dev/null | cmp - packaged.json)

step "npm tarball (built by 40-npm.sh; rebuilt only if an input changed)"
JA_NPM_TARBALL="$(bash scripts/build-npm.sh)"
export JA_NPM_TARBALL

step "tests/release: versions, crates' metadata, npm publish --dry-run, dist plan, the stack's archive"
.venv/bin/python -m unittest discover -s tests/release -v
