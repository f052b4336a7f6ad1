#!/usr/bin/env bash
# Benchmark the report's SQL (`report --print-sql`) in DuckDB against the CLI over the same
# files: Firehose output (Pinpoint records, nested and flat Amplify data, YYYY/MM/DD/HH/
# prefixes), through a table of exactly the columns `athena setup` gives Glue. Prints the
# wall time of each and checks that they agree per campaign.
#
#   scripts/bench-report-sql.sh                 # 1 GB of events (plain JSON lines)
#   SIZE_MB=100 RUNS=1 scripts/bench-report-sql.sh
#   SKIP_BUILD=1 scripts/bench-report-sql.sh    # reuse target/release/journey-attribution
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SIZE_MB="${SIZE_MB:-1024}"
RUNS="${RUNS:-3}"
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -q -p journey-attribution-cli
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 scripts/gen-events.py --out "$work/events" --size-mb "$SIZE_MB" --files 2 --seed 7 \
  --shapes pinpoint,nested,flat --firehose-layout --max-gap-ms 2000 >/dev/null 2>&1
.venv/bin/python - "$work/events" "$RUNS" <<'PY'
import json, os, subprocess, sys
sys.path.insert(0, "tests/athena")
import duckdb
from duckdb_events import create_events_view, timed

data, runs = sys.argv[1], int(sys.argv[2])
cli = "target/release/journey-attribution"
options = ["--goal", "purchase", "--revenue-metric", "revenue"]
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(data) for f in fs)
table = json.loads(subprocess.check_output([cli, "athena", "setup", "--location", "s3://b/p/", "--print"]))
sql = subprocess.check_output([cli, "report", "--print-sql", *options], text=True)
db = duckdb.connect()
create_events_view(db, table, data)

t_cli, report = timed(lambda: json.loads(subprocess.run(
    [cli, "report", data, *options, "--format", "json"], check=True, capture_output=True, text=True).stdout), runs)
t_sql, rows = timed(lambda: db.execute(sql).fetchall(), runs)
campaigns = {(r[1], r[2]): r for r in rows if r[0] == "campaign"}
for c in report["campaigns"]:
    r = campaigns[(c["campaign_id"], c["campaign"])]
    assert (r[7], r[8], round(r[9] or 0, 6)) == (c["attributed_events"], c["converted_users"], c["revenue"]), c
print("%.0f MB, %d events, %d campaigns (agree), median of %d runs, %d cores"
      % (size / 1e6, report["events"], len(campaigns), runs, os.cpu_count()))
print("  CLI report (files):  %6.2f s  %6.0f MB/s" % (t_cli, size / 1e6 / t_cli))
print("  SQL on DuckDB %s: %6.2f s  %6.0f MB/s" % (duckdb.__version__, t_sql, size / 1e6 / t_sql))
PY
