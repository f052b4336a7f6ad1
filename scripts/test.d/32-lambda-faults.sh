#!/usr/bin/env bash
# Fault injection on the wire: the real tagging, connect-tagging, sync (and claims) binaries talk to moto through a
# proxy in the test that injects throttling, HTTP 500s and stalls (lambda/tests/faults.rs).
# Starts moto on a free port, runs the test, stops moto (trap). Scale with FAULT_TOUCHES,
# FAULT_RATE, FAULT_STALL_SHARE, FAULT_SEED (see FUZZING.md, "Fault injection").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=../moto-start.sh
source scripts/moto-start.sh
cargo test -p journey-attribution-lambda --locked --test faults -- --include-ignored --nocapture
