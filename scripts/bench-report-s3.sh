#!/usr/bin/env bash
# Benchmark `journey-attribution report s3://…` (moto on 127.0.0.1) against the same files
# read locally, same run: the cost of listing and streaming objects over HTTP instead of
# reading them from disk. The files are uploaded gzipped, as Firehose writes them.
#
#   scripts/bench-report-s3.sh                      # 200 MB of events, 16 objects
#   SIZE_MB=50 OBJECTS=8 RUNS=3 scripts/bench-report-s3.sh
#   SKIP_BUILD=1 scripts/bench-report-s3.sh         # reuse target/release/journey-attribution
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SIZE_MB="${SIZE_MB:-200}"
OBJECTS="${OBJECTS:-16}"
RUNS="${RUNS:-3}"
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -q -p journey-attribution-cli
work="$(mktemp -d)"
# shellcheck source=moto-start.sh
source scripts/moto-start.sh
trap 'moto_stop; rm -rf "$work"' EXIT
python3 scripts/gen-events.py --out "$work/events" --size-mb "$SIZE_MB" --files "$OBJECTS" --seed 7 >/dev/null
gzip -k "$work"/events/*.jsonl
.venv/bin/python - "$work/events" "$RUNS" <<'PY'
import glob, json, os, statistics, subprocess, sys, time
import boto3

data, runs = sys.argv[1], int(sys.argv[2])
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
s3.create_bucket(Bucket="bench")
gz = sorted(glob.glob(os.path.join(data, "*.jsonl.gz")))
for i, f in enumerate(gz):
    s3.upload_file(f, "bench", f"events/2024/05/01/{i % 24:02d}/{os.path.basename(f)}")
plain = sorted(glob.glob(os.path.join(data, "*.jsonl")))

def report(*inputs):
    t0 = time.perf_counter()
    out = subprocess.run(["target/release/journey-attribution", "report", *inputs, "--goal", "purchase",
                          "--revenue-metric", "revenue", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, json.loads(out)

def median(f):
    times, last = [], None
    for _ in range(runs):
        t, last = f()
        times.append(t)
    return statistics.median(times), last

local_plain, a = median(lambda: report(*plain))
local_gz, b = median(lambda: report(*gz))
remote, c = median(lambda: report("s3://bench/events/"))
assert a["campaigns"] == b["campaigns"] == c["campaigns"], "the same numbers"
mb = sum(os.path.getsize(f) for f in plain) / 1e6
gz_mb = sum(os.path.getsize(f) for f in gz) / 1e6
print(json.dumps({"events": c["events"], "objects": len(gz), "plain_mb": round(mb, 1), "gzip_mb": round(gz_mb, 1),
                  "local_plain_s": round(local_plain, 2), "local_gzip_s": round(local_gz, 2),
                  "s3_gzip_moto_s": round(remote, 2), "runs": runs}))
PY
