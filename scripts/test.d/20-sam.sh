#!/usr/bin/env bash
# The SAM templates (template.yaml and the release's, on prebuilt zips): cfn-lint through
# `sam validate --lint` (offline), and the IAM/design tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export SAM_CLI_TELEMETRY=0
# The Glue table is checked against `athena setup --print`.
cargo build -q -p journey-attribution-cli --locked
.venv/bin/sam validate --lint --region us-east-1 --template template.yaml
# The release's template: the same stack on prebuilt zips (scripts/sam-release.sh ships it).
release_template="$(mktemp -d "${TMPDIR:-/tmp}/ja-sam.XXXXXX")"
trap 'rm -rf "$release_template"' EXIT
python3 scripts/sam-release-template.py template.yaml >"$release_template/template.yaml"
.venv/bin/sam validate --lint --region us-east-1 --template "$release_template/template.yaml"
.venv/bin/python -m unittest discover -s tests/template -v
