#!/usr/bin/env bash
# The SAM template: cfn-lint through `sam validate --lint` (offline), and the IAM/design tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export SAM_CLI_TELEMETRY=0
# The Glue table is checked against `athena setup --print`.
cargo build -q -p journey-attribution-cli --locked
.venv/bin/sam validate --lint --region us-east-1 --template template.yaml
.venv/bin/python -m unittest discover -s tests/template -v
