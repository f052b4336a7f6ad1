#!/usr/bin/env bash
# The Lambda binaries (the touch sources, sync, claims) driven through a Runtime API emulator against a moto
# server: starts moto on a free port, runs the moto-gated tests, stops moto (trap).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=../moto-start.sh
source scripts/moto-start.sh
# --workspace, as `cargo test` built it: `-p` alone resolves other features and rebuilds 44 crates.
cargo test --workspace --locked --test moto --test successors --test claims -- --include-ignored
