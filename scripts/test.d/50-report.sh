#!/usr/bin/env bash
# Known-answer check of `journey-attribution report` on generated data: the generator
# computes the expected report independently (exact cents); the CLI must match it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 scripts/gen-events.py --out "$tmp/data/gz" --events 60000 --files 3 --gzip --users 3000 \
  --malformed-rate 0.002 --seed 11 --answers "$tmp/expected.json"
cargo build -q -p journey-attribution-cli
target/debug/journey-attribution report "$tmp/data" --goal purchase --revenue-metric revenue \
  --format json --threads 3 --output "$tmp/got.json" 2>"$tmp/stderr"
python3 - "$tmp/expected.json" "$tmp/got.json" <<'PY'
import json, sys
want, got = (json.load(open(p)) for p in sys.argv[1:3])
for k in ["lines", "events", "custom_events", "attributed_events", "skipped_lines", "goals", "revenue_metric"]:
    assert want[k] == got[k], (k, want[k], got[k])
assert want["skipped_lines"] > 0 and len(want["campaigns"]) > 10
key = lambda c: (c["campaign_id"], c["campaign"])
w = {key(c): c for c in want["campaigns"]}
g = {key(c): c for c in got["campaigns"]}
assert w.keys() == g.keys(), (sorted(w.keys() ^ g.keys(), key=str))
for k in w:
    for f in ["attributed_events", "events_by_type", "converted_users", "cost", "roi"]:
        assert w[k][f] == g[k][f], (k, f, w[k][f], g[k][f])
    assert abs(w[k]["revenue"] - g[k]["revenue"]) < 1e-6, (k, w[k]["revenue"], g[k]["revenue"])
assert [key(c) for c in want["campaigns"]] == [key(c) for c in got["campaigns"]], "order"
print("report matches the generator's known answers: %d campaigns, %d events, %d skipped lines"
      % (len(w), got["events"], got["skipped_lines"]))
PY
