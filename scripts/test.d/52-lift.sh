#!/usr/bin/env bash
# Known answers of the lift report: a generated holdout experiment (scripts/gen-lift.py, whose
# truth is replayed from the files it wrote, each event once though some are delivered
# twice), the real CLI's JSON and the browser module's
# output (Node, the built npm package when present) against statsmodels' and scipy's
# intervals (tests/lift/check_lift.py), at 95 % and at 90 %.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="${PYTHON:-$root/.venv/bin/python}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$py" scripts/gen-lift.py --exposures "$tmp/exposures.jsonl" --events "$tmp/events.jsonl.gz" \
  --campaigns 3 --users-per-campaign 4000 --holdout 0.35 --window-days 14 --seed 5 \
  --redeliver 0.05 --answers "$tmp/answers.json"
cargo build -q -p journey-attribution-cli
for confidence in 0.95 0.9; do
  target/debug/journey-attribution report "$tmp/events.jsonl.gz" --goal purchase \
    --revenue-metric revenue --exposures "$tmp/exposures.jsonl" --lift-window 14d \
    --confidence "$confidence" --format json --threads 2 --output "$tmp/cli.json" 2>"$tmp/stderr"
  grep -q "left out of both arms" "$tmp/stderr" || { cat "$tmp/stderr"; exit 1; }
  "$py" tests/lift/check_lift.py "$tmp/answers.json" "$tmp/cli.json" "$confidence"
done
# The other renderings carry the rows too.
target/debug/journey-attribution report "$tmp/events.jsonl.gz" --goal purchase --revenue-metric revenue \
  --exposures "$tmp/exposures.jsonl" --lift-window 14d --format csv 2>/dev/null | grep -q '^lift_campaign_id,'
target/debug/journey-attribution report "$tmp/events.jsonl.gz" --goal purchase --revenue-metric revenue \
  --exposures "$tmp/exposures.jsonl" --lift-window 14d --format html 2>/dev/null | grep -q 'Lift: what each campaign caused'
# The browser module, when the npm package is built (scripts/build-npm.sh; 40-npm.sh builds it).
pkg="$root/target/npm/pkg"
if [ -f "$pkg/report.node.js" ]; then
  zcat "$tmp/events.jsonl.gz" >"$tmp/events.jsonl"
  node --input-type=module - "$pkg" "$tmp" <<'JS' >"$tmp/wasm.json"
const [pkg, tmp] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const { buildReport } = await import(`${pkg}/report.node.js`);
const report = buildReport(readFileSync(`${tmp}/events.jsonl`, 'utf8'), {
  goals: ['purchase'], revenueMetric: 'revenue',
  exposures: readFileSync(`${tmp}/exposures.jsonl`, 'utf8'), liftWindow: '14d',
});
process.stdout.write(JSON.stringify(report));
JS
  "$py" tests/lift/check_lift.py "$tmp/answers.json" "$tmp/wasm.json" 0.95
else
  echo "52-lift: no npm package at $pkg (scripts/build-npm.sh): browser module not checked" >&2
fi
