#!/usr/bin/env bash
# The report engine with its counting rules (every event once, order ids, refunds) against
# DuckDB running the report's SQL (`report --print-sql`, the same rules) over the same
# duplicate-laden files, with the same threads, in the same run; and, when OLD_ENGINE names
# the example built from an earlier commit, that engine too (its MB/s before the rules).
#
#   THREADS=2 RUNS=3 SIZE_MB=200 scripts/bench-report-dedup.sh
#   OLD_ENGINE=/path/to/old/target/release/examples/throughput scripts/bench-report-dedup.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
THREADS="${THREADS:-2}" RUNS="${RUNS:-3}" SIZE_MB="${SIZE_MB:-200}"
cargo build --release -q -p journey-attribution-report --example throughput
cargo build -q -p journey-attribution-cli
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 scripts/gen-events.py --out "$work/events" --size-mb "$SIZE_MB" --files 2 --seed 7 \
  --shapes pinpoint,nested,flat --firehose-layout --max-gap-ms 2000 >/dev/null 2>&1
# At-least-once delivery: 20 objects delivered a second time, byte for byte.
mkdir -p "$work/events/2024/05/09/00"
find "$work/events" -name '*.jsonl' | sort | head -20 | xargs cat >"$work/events/2024/05/09/00/redelivered.jsonl"
.venv/bin/python - "$work/events" "$THREADS" "$RUNS" "${OLD_ENGINE:-}" <<'PY'
import glob, json, os, subprocess, sys
sys.path.insert(0, "tests/athena")
import duckdb
from duckdb_events import create_events_view, timed

data, threads, runs, old = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cli = "target/debug/journey-attribution"
files = sorted(glob.glob(data + "/**/*.jsonl", recursive=True))
size = sum(os.path.getsize(f) for f in files)
table = json.loads(subprocess.check_output([cli, "athena", "setup", "--location", "s3://b/p/", "--print"]))
sql = subprocess.check_output([cli, "report", "--print-sql", "--goal", "purchase", "--revenue-metric", "revenue"], text=True)
db = duckdb.connect()
db.execute("SET threads = %d" % threads)
create_events_view(db, table, data)

engines = [("engine with the rules", "target/release/examples/throughput")]
if old:
    engines.append(("engine before (OLD_ENGINE)", old))
for name, exe in engines:
    t, out = timed(lambda: subprocess.run([exe, str(threads), *files], check=True,
                                          capture_output=True, text=True).stdout, runs)
    print("%s: %.2f s wall, %.0f MB/s | %s" % (name, t, size / 1e6 / t, out.strip()))
t, rows = timed(lambda: db.execute(sql).fetchall(), runs)
[totals] = [r for r in rows if r[0] == "totals"]
revenue = sum((r[9] or 0) for r in rows if r[0] == "campaign")
print("the report's SQL on DuckDB %s: %.2f s, %.0f MB/s | attributed %d, duplicates %d, revenue %.2f"
      % (duckdb.__version__, t, size / 1e6 / t, totals[7], totals[10], revenue))
print("%.0f MB, %d threads, median of %d runs, %d cores" % (size / 1e6, threads, runs, os.cpu_count()))
PY
