#!/usr/bin/env bash
# `journey-attribution setup`, `reconcile`, `report s3://…` and `holdout split s3://…` against a moto server
# (started and stopped here).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=../moto-start.sh
source scripts/moto-start.sh
# --workspace: the build `cargo test` made (see 30-lambda-moto.sh).
cargo test --workspace --locked --test operator_moto --test report_s3 --test holdout -- --include-ignored
