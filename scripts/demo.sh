#!/usr/bin/env bash
# The README's main command: the local demo on embedded in-memory stores, no AWS account.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh demo
exec cargo run --quiet --release -p journey-attribution-cli -- walkthrough "$@"
