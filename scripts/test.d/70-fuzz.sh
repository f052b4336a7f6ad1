#!/usr/bin/env bash
# Each fuzz target briefly: its seeds and a few thousand inputs, enough to catch a target
# that no longer builds or breaks on its own fixtures (the long runs are in FUZZING.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash scripts/fuzz.sh "${FUZZ_SECONDS:-6}"
