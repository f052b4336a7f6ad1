"""The events table as Athena sees it, in DuckDB: what the SQL tests and the SQL benchmarks
(scripts/bench-report-sql.sh, bench-report-dedup.sh) run the report's query against."""

import re
import statistics
import time


def duckdb_type(hive):
    """A Glue (Hive) column type as DuckDB spells it."""
    hive = hive.strip()
    simple = {"string": "VARCHAR", "double": "DOUBLE", "bigint": "BIGINT"}
    if hive in simple:
        return simple[hive]
    m = re.fullmatch(r"struct<(.*)>", hive)
    if m:
        fields = [f.split(":", 1) for f in m.group(1).split(",")]
        return "STRUCT(%s)" % ", ".join('"%s" %s' % (n, duckdb_type(t)) for n, t in fields)
    m = re.fullmatch(r"map<(\w+),(\w+)>", hive)
    if m:
        return "MAP(%s, %s)" % (duckdb_type(m.group(1)), duckdb_type(m.group(2)))
    raise ValueError("no DuckDB type for %r" % hive)


def create_events_view(db, table, data, patterns=("**/*.jsonl",)):
    """`journey_attribution.events` over the JSON lines under `data` (the glob `patterns`):
    exactly the columns of `table` (the Glue table `athena setup --print` gives), the
    `datehour` partition taken from Firehose's YYYY/MM/DD/HH/ path."""
    columns = {c["Name"]: duckdb_type(c["Type"]) for c in table["StorageDescriptor"]["Columns"]}
    spec = "{%s}" % ", ".join("'%s': '%s'" % (k, v.replace("'", "''")) for k, v in columns.items())
    files = ", ".join("'%s/%s'" % (data, p) for p in patterns)
    db.execute("CREATE SCHEMA journey_attribution")
    db.execute(
        "CREATE VIEW journey_attribution.events AS "
        "SELECT * EXCLUDE (filename), "
        "regexp_extract(filename, '(\\d{4}/\\d{2}/\\d{2}/\\d{2})/[^/]+$', 1) AS datehour "
        "FROM read_json([%s], format = 'newline_delimited', columns = %s, "
        "ignore_errors = true, filename = true)" % (files, spec))


def timed(f, runs):
    """The median wall time of `runs` calls of `f`, and the last call's result."""
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out
