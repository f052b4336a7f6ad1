#!/usr/bin/env bash
# The report's SQL in DuckDB (checked by sqlglot's Trino grammar) against the CLI's report,
# and `report --athena` / `athena setup` against a moto server (started and stopped here).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
cargo build -q -p journey-attribution-cli --locked
# shellcheck source=../moto-start.sh
source scripts/moto-start.sh
JA_CLI="$root/target/debug/journey-attribution" .venv/bin/python -m unittest discover -s tests/athena -v
