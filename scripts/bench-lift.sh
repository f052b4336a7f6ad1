#!/usr/bin/env bash
# Benchmark the lift report (`report --exposures`) against DuckDB doing the same join and
# aggregates (exposures deduplicated, both-arms users refused, goal events joined by user in
# [assigned_at, assigned_at + window), per campaign and arm: users, converted, revenue, sum of
# squares), on the same files, same threads, same run; time and peak RSS from /usr/bin/time -v.
#
#   scripts/bench-lift.sh                         # 1 M exposures, 10 M events, every core
#   EXPOSURES=100000 EVENTS=1000000 DATA=bench-data/lift-small scripts/bench-lift.sh
#   SKIP_BUILD=1 THREADS=2 scripts/bench-lift.sh
#   SKIP_BUILD=1 BIN=other-target/release/journey-attribution scripts/bench-lift.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
THREADS="${THREADS:-$(nproc)}"
EXPOSURES="${EXPOSURES:-1000000}"
EVENTS="${EVENTS:-10000000}"
DATA="${DATA:-bench-data/lift}"
PY="${PY:-.venv/bin/python}"
BIN="${BIN:-target/release/journey-attribution}"
CAMPAIGNS=10

if [ ! -f "$DATA/events.jsonl" ]; then
  mkdir -p "$DATA"
  per=$((EXPOSURES / CAMPAIGNS))
  # About 0.2 goal events per assignment; the rest is noise (views and purchases of others).
  noise=$((EVENTS - EXPOSURES / 5))
  python3 scripts/gen-lift.py --exposures "$DATA/exposures.jsonl" --events "$DATA/events.jsonl" \
    --campaigns "$CAMPAIGNS" --users-per-campaign "$per" --noise-events "$noise" --holdout 0.1 \
    --window-days 14 --seed 42 --pinpoint-only
fi
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -q -p journey-attribution-cli
"$PY" -c 'import duckdb' 2>/dev/null || { echo "DuckDB missing: .venv/bin/pip install duckdb" >&2; exit 1; }

echo "exposures: $(wc -l <"$DATA/exposures.jsonl") lines, events: $(wc -l <"$DATA/events.jsonl") lines, $(du -m "$DATA/events.jsonl" | cut -f1) MB; threads $THREADS; $(nproc) cores"
cat "$DATA"/*.jsonl >/dev/null  # warm the page cache for both

measure() { # measure <name> <command...>: wall time and peak RSS
  local name="$1"; shift
  /usr/bin/time -v "$@" >"$DATA/$name.out" 2>"$DATA/$name.time"
  printf '%-8s %8s s  %6d MB peak RSS\n' "$name" \
    "$(grep 'Elapsed (wall' "$DATA/$name.time" | awk '{print $NF}')" \
    "$(( $(grep 'Maximum resident' "$DATA/$name.time" | awk '{print $NF}') / 1024 ))"
}

measure ours "$BIN" report "$DATA/events.jsonl" --goal purchase \
  --revenue-metric revenue --exposures "$DATA/exposures.jsonl" --lift-window 14d \
  --format json --threads "$THREADS"
cat >"$DATA/duck.py" <<'PY'
import json, sys
import duckdb
data, threads = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
con.execute(f"SET threads={threads}")
rows = con.execute(f"""
WITH x AS (
  SELECT campaign_id, user_id, arm, min(CAST(assigned_at AS TIMESTAMPTZ)) AS first_at
  FROM read_json('{data}/exposures.jsonl', format='newline_delimited',
       columns={{campaign_id:'VARCHAR', user_id:'VARCHAR', arm:'VARCHAR', assigned_at:'VARCHAR'}})
  GROUP BY ALL),
ok AS (SELECT campaign_id, user_id, arm, epoch_ms(first_at) AS t0 FROM x
       QUALIFY count(*) OVER (PARTITION BY campaign_id, user_id) = 1),
g AS (
  SELECT attributes.user_id AS user_id, event_timestamp AS t, coalesce(metrics.revenue, 0) AS revenue
  FROM read_json('{data}/events.jsonl', format='newline_delimited',
       columns={{event_type:'VARCHAR', event_timestamp:'BIGINT',
                attributes:'STRUCT(user_id VARCHAR)', metrics:'STRUCT(revenue DOUBLE)'}})
  WHERE event_type = 'purchase'),
u AS (
  SELECT ok.campaign_id, ok.arm, ok.user_id, count(g.t) > 0 AS conv, coalesce(sum(g.revenue), 0) AS rev
  FROM ok LEFT JOIN g ON g.user_id = ok.user_id AND g.t >= ok.t0 AND g.t < ok.t0 + 14 * 86400000
  GROUP BY ALL)
SELECT campaign_id, arm, count(*) AS users, sum(conv::INT) AS converted, sum(rev) AS revenue
FROM u GROUP BY ALL ORDER BY ALL
""").fetchall()
print(json.dumps(rows))
PY
measure duckdb "$PY" "$DATA/duck.py" "$DATA" "$THREADS"

# Same answers, or the comparison means nothing.
"$PY" - "$DATA" <<'PY'
import json, sys
data = sys.argv[1]
ours = json.load(open(f"{data}/ours.out"))["lift"]
duck = json.load(open(f"{data}/duckdb.out"))
want = {(c, a): (n, x, r) for c, a, n, x, r in duck}
for row in ours:
    for arm in ("treatment", "control"):
        n, x, r = want[(row["campaign_id"], arm)]
        assert (n, x) == (row[arm + "_users"], row[arm + "_converted"]), (row["campaign_id"], arm, n, x)
        assert abs(r - row[arm + "_revenue"]) < 1e-3 * max(1, r), (row["campaign_id"], arm, r)
print(f"same per-arm figures for {len(ours)} campaigns")
PY
