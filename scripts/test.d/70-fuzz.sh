#!/usr/bin/env bash
# Each fuzz target briefly (the long runs are recorded in FUZZING.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
