#!/usr/bin/env bash
# Benchmark `journey-attribution report` against DuckDB's read_json doing the same
# aggregation (attributed events by campaign and type, most frequent label, distinct
# converted users, revenue), same files, same thread count, same run.
#
#   scripts/bench-report.sh                 # ~1 GB in bench-data/events, every core
#   THREADS=1 RUNS=5 scripts/bench-report.sh
#   SIZE_MB=200 DATA=bench-data/small scripts/bench-report.sh
#   SKIP_BUILD=1 scripts/bench-report.sh   # reuse target/release/journey-attribution
#
# Needs DuckDB in the project's venv: .venv/bin/pip install duckdb
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
THREADS="${THREADS:-$(nproc)}"
RUNS="${RUNS:-3}"
SIZE_MB="${SIZE_MB:-1024}"
DATA="${DATA:-bench-data/events}"
PY="${PY:-.venv/bin/python}"

if [ ! -d "$DATA" ]; then
  python3 scripts/gen-events.py --out "$DATA" --size-mb "$SIZE_MB" --files 8 --seed 42
fi
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -q -p journey-attribution-cli
"$PY" -c 'import duckdb' 2>/dev/null || { echo "DuckDB missing: .venv/bin/pip install duckdb" >&2; exit 1; }

"$PY" - "$DATA" "$THREADS" "$RUNS" <<'PY'
import glob, json, os, platform, statistics, subprocess, sys, time
import duckdb

data, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = sorted(glob.glob(os.path.join(data, "*.jsonl")))
size = sum(os.path.getsize(f) for f in files)
for f in files:  # warm the page cache for both
    with open(f, "rb") as fh:
        while fh.read(1 << 24):
            pass

def ours():
    out = subprocess.run(["target/release/journey-attribution", "report", data, "--goal", "purchase",
                          "--revenue-metric", "revenue", "--format", "json", "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)

con = duckdb.connect()
con.execute(f"SET threads={threads}")
QUERY = """
WITH ev AS (
  SELECT event_type, client.client_id AS client_id, attributes['campaign'] AS label,
         attributes['campaign_id'] AS journey, metrics['revenue'] AS revenue
  FROM read_json(?, format='newline_delimited', ignore_errors=true,
       columns={event_type:'VARCHAR', client:'STRUCT(client_id VARCHAR)',
                attributes:'MAP(VARCHAR, VARCHAR)', metrics:'MAP(VARCHAR, DOUBLE)'})
  WHERE event_type NOT LIKE '\\_%' ESCAPE '\\' AND coalesce(label, '') <> ''
)
SELECT coalesce(nullif(journey, ''), 'label:' || label) AS k, event_type, count(*) AS n,
       mode(label) AS label,
       count(DISTINCT CASE WHEN event_type = 'purchase' THEN client_id END) AS users,
       sum(CASE WHEN event_type = 'purchase' THEN revenue END) AS revenue
FROM ev GROUP BY GROUPING SETS ((k, event_type), (k))
"""
def duck():
    return con.execute(QUERY, [files]).fetchall()

def timed(f):
    t = time.perf_counter(); r = f(); return time.perf_counter() - t, r

t_ours, t_duck = [], []
for _ in range(runs):  # alternate, so neither gets a systematically warmer machine
    t, report = timed(ours); t_ours.append(t)
    t, rows = timed(duck); t_duck.append(t)

# Same answers, or the comparison means nothing.
totals = {r[0]: r for r in rows if r[1] is None}
mine = {c["campaign_id"] or "label:" + c["campaign"]: c for c in report["campaigns"]}
assert totals.keys() == mine.keys(), "different campaigns"
for k, c in mine.items():
    _, _, n, label, users, revenue = totals[k]
    assert (n, users, label) == (c["attributed_events"], c["converted_users"], c["campaign"]), (k, totals[k], c)
    assert abs((revenue or 0) - c["revenue"]) < 1e-3, (k, revenue, c["revenue"])
by_type = {(r[0], r[1]): r[2] for r in rows if r[1] is not None}
assert by_type == {(k, t): n for k, c in mine.items() for t, n in c["events_by_type"].items()}

lines = report["lines"]
mo, md = statistics.median(t_ours), statistics.median(t_duck)
print(f"input: {len(files)} files, {size/1e9:.2f} GB, {lines:,} records ({report['skipped_lines']} malformed), "
      f"{len(mine)} campaigns")
print(f"machine: {os.cpu_count()} cpus, {platform.machine()}; threads: {threads}; runs: {runs} (median)")
print(f"journey-attribution report: {mo:6.2f} s  {lines/mo/1e6:6.2f} M events/s  {size/mo/1e6:7.1f} MB/s  (runs: {', '.join(f'{t:.2f}' for t in t_ours)})")
print(f"duckdb {duckdb.__version__} read_json:   {md:6.2f} s  {lines/md/1e6:6.2f} M events/s  {size/md/1e6:7.1f} MB/s  (runs: {', '.join(f'{t:.2f}' for t in t_duck)})")
print(f"ratio (duckdb time / ours): {md/mo:.2f}x; same per-campaign answers: yes")
PY
