#!/usr/bin/env bash
# Releasing (RELEASING.md): every step that can run without credentials. One version for the
# crates, the npm package and the stack (scripts/version.py); the crates the command needs
# packaged and built from their .crate files as crates.io would receive them (`cargo publish
# --dry-run`); the packed npm package through `npm publish --dry-run` (tests/release); dist's
# plan of the prebuilt archives against its generated workflow; the stack's release archive
# (20-sam.sh lints its template beside template.yaml).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export SAM_CLI_TELEMETRY=0
step() { printf '\033[1m[90-release]\033[0m %s\n' "$*" >&2; }

step "one version: $(python3 scripts/version.py check)"

# --workspace takes the members that are not `publish = false`, in dependency order, each
# resolved against the ones packaged before it. --allow-dirty: a dry run from a working tree
# (the clean clone CI makes needs none; .cargo_vcs_info.json then says dirty).
step "cargo publish --dry-run (the command and the crates it needs)"
cargo publish --workspace --dry-run --locked --allow-dirty

step "the packaged command reports its commit without a .git (.cargo_vcs_info.json)"
version="$(python3 scripts/version.py check)"
packaged="target/package/journey-attribution-cli-$version"
[ -f "$packaged/.cargo_vcs_info.json" ] || { echo "no .cargo_vcs_info.json in $packaged" >&2; exit 1; }

step "npm tarball (built by 40-npm.sh; rebuilt only if an input changed)"
JA_NPM_TARBALL="$(bash scripts/build-npm.sh)"
export JA_NPM_TARBALL

step "tests/release: versions, crates' metadata, npm publish --dry-run, dist plan, the stack's archive"
.venv/bin/python -m unittest discover -s tests/release -v
