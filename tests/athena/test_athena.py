"""The report's SQL and the Athena path, against the streaming report (the CLI over files).

- The query `report --print-sql` writes parses as Trino (sqlglot's dialect: Athena engine 3)
  and runs unchanged in DuckDB over generated Firehose output (Pinpoint records, nested and
  flat Amplify data, gzip, YYYY/MM/DD/HH/ prefixes, malformed lines), through a table of
  exactly the columns `athena setup` gives Glue; its rows must hold the CLI's answer per
  campaign, for several goals / revenue / hour selections.
- `report --athena` against moto (the wire protocol: StartQueryExecution, polling,
  GetQueryResults), moto answering with the rows DuckDB computed: the same JSON report as
  the CLI's over the files, costs and ROI included.
- `athena setup` against moto's Glue: created, then brought up to date, as `--print` says.

Run by scripts/test.d/55-athena.sh (moto started there; CLI = $JA_CLI).
"""

import csv
import glob
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.request

import boto3
import duckdb
import sqlglot

from duckdb_events import create_events_view

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("JA_CLI", os.path.join(ROOT, "target/debug/journey-attribution"))
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")
LOCATION = "s3://shop-events/firehose/"


def cli(*args, env=None):
    out = subprocess.run([CLI, *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s" % (" ".join(args), out.returncode, out.stderr))
    return out.stdout


def queue_athena_result(header, rows):
    """Queues the next Athena query's result in moto, as Athena returns it: strings, the
    column names as the first row. Returns the HTTP status (201)."""
    def datum(v):
        return {} if v is None else {"VarCharValue": str(v)}
    body = {"results": [{
        "rows": [{"Data": [datum(h) for h in header]}] + [{"Data": [datum(v) for v in r]} for r in rows],
        "column_info": [{"Name": h, "Label": h, "Type": "varchar", "Nullable": "UNKNOWN",
                         "CatalogName": "hive", "SchemaName": "", "TableName": "",
                         "Precision": 0, "Scale": 0, "CaseSensitive": True} for h in header],
    }]}
    req = urllib.request.Request(ENDPOINT + "/moto-api/static/athena/query-results",
                                 data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(req).status


class GeneratedFirehoseOutput(unittest.TestCase):
    """Generated events under Firehose's layout, and DuckDB's view of them as Athena's table."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.data = os.path.join(cls.tmp, "firehose")
        subprocess.run(
            ["python3", os.path.join(ROOT, "scripts/gen-events.py"), "--out", cls.data,
             "--events", "30000", "--files", "2", "--gzip", "--users", "2000", "--seed", "5",
             "--shapes", "pinpoint,nested,flat", "--firehose-layout", "--max-gap-ms", "20000",
             "--malformed-rate", "0.002"],
            check=True, capture_output=True)
        # Journeys whose label changed: the report names a campaign by its most frequent
        # label, the smallest on a tie.
        relabel = os.path.join(cls.data, "2024/05/01/02/relabelled.jsonl")
        os.makedirs(os.path.dirname(relabel), exist_ok=True)
        with open(relabel, "w") as f:
            for jid, label, n in [("j-relabel", "Spring", 3), ("j-relabel", "Spring Sale", 5),
                                  ("j-tie", "Beta", 2), ("j-tie", "Alpha", 2)]:
                for i in range(n):
                    f.write(json.dumps({"name": "purchase", "attributes": {
                        "campaign": label, "campaign_id": jid, "user_id": "u%d" % i},
                        "metrics": {"revenue": 10.25}}) + "\n")
        cls.table = json.loads(cli("athena", "setup", "--location", LOCATION, "--print"))
        [partition] = cls.table["PartitionKeys"]
        assert partition["Name"] == "datehour", partition
        cls.db = duckdb.connect()
        # The table as Athena sees it: the JSON SerDe's columns, the partition from the path.
        create_events_view(cls.db, cls.table, cls.data, ("**/*.jsonl.gz", "**/*.jsonl"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cli_report(self, *inputs_and_options):
        return json.loads(cli("report", *inputs_and_options, "--format", "json"))

    def sql_rows(self, *options):
        sql = cli("report", "--print-sql", *options)
        # Trino's grammar (sqlglot raises on what it cannot parse).
        [tree] = sqlglot.parse(sql, read="trino")
        self.assertIsNotNone(tree)
        cursor = self.db.execute(sql)
        header = [d[0] for d in cursor.description]
        return header, cursor.fetchall()

    def hour_dirs(self, first, last):
        dirs = sorted(d for d in glob.glob(os.path.join(self.data, "*/*/*/*"))
                      if first <= os.path.relpath(d, self.data) <= last)
        self.assertGreater(len(dirs), 3)
        return dirs

    def assert_same_figures(self, header, rows, report):
        """The query's rows hold the streaming report's figures, campaign by campaign."""
        rows = [dict(zip(header, r)) for r in rows]
        [totals] = [r for r in rows if r["row_kind"] == "totals"]
        for k in ["events", "custom_events", "attributed_events"]:
            self.assertEqual(totals[k], report[k], k)
        want = {(c["campaign_id"], c["campaign"]): c for c in report["campaigns"]}
        got = {(r["campaign_id"], r["campaign"]): r for r in rows if r["row_kind"] == "campaign"}
        self.assertEqual(sorted(want, key=str), sorted(got, key=str))
        self.assertGreater(len(want), 10)
        by_type = {}
        for r in rows:
            if r["row_kind"] == "event_type":
                by_type.setdefault((r["campaign_id"], r["campaign"]), {})[r["event_type"]] = r["attributed_events"]
        for key, c in want.items():
            g = got[key]
            self.assertEqual(g["attributed_events"], c["attributed_events"], key)
            self.assertEqual(g["converted_users"], c["converted_users"], key)
            self.assertEqual(by_type[key], c["events_by_type"], key)
            if report["revenue_metric"] is None:
                self.assertIsNone(g["revenue"])
            else:
                self.assertEqual(round(g["revenue"] or 0.0, 6), c["revenue"], key)
        return len(want)


class AthenaSql(GeneratedFirehoseOutput):
    def test_the_sql_gives_the_reports_figures_per_campaign(self):
        options = ["--goal", "purchase", "--revenue-metric", "revenue"]
        header, rows = self.sql_rows(*options)
        report = self.cli_report(self.data, *options)
        self.assertGreater(report["skipped_lines"], 0)
        names = {c["campaign_id"]: c["campaign"] for c in report["campaigns"]}
        self.assertEqual((names["j-relabel"], names["j-tie"]), ("Spring Sale", "Alpha"))
        n = self.assert_same_figures(header, rows, report)
        print("  same figures for %d campaigns over %d events" % (n, report["events"]))

    def test_every_attributed_event_converts_without_goals_or_revenue(self):
        header, rows = self.sql_rows()
        report = self.cli_report(self.data)
        self.assert_same_figures(header, rows, report)

    def test_several_goals(self):
        options = ["--goal", "purchase", "--goal", "sign_up", "--revenue-metric", "revenue"]
        header, rows = self.sql_rows(*options)
        report = self.cli_report(self.data, *options)
        self.assert_same_figures(header, rows, report)

    def test_from_and_to_select_the_hours_partitions(self):
        options = ["--goal", "purchase", "--revenue-metric", "revenue"]
        header, rows = self.sql_rows(*options, "--from", "2024-05-01T05", "--to", "2024-05-02")
        report = self.cli_report(*self.hour_dirs("2024/05/01/05", "2024/05/02/23"),
                                *options)
        everything = self.cli_report(self.data, *options)
        self.assertLess(report["events"], everything["events"])
        self.assert_same_figures(header, rows, report)


class AthenaSqlCountsEachEventOnce(GeneratedFirehoseOutput):
    """The same output with what at-least-once delivery adds: a part of one object delivered
    again (byte for byte), and the duplicate-laden fixture (event ids retried, an order
    recorded twice and refunded, an absurd revenue, flat Amplify data redelivered)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        objects = sorted(glob.glob(os.path.join(cls.data, "*/*/*/*/*.jsonl*")))
        assert objects, "generated objects"
        opener = gzip.open if objects[0].endswith(".gz") else open
        with opener(objects[0], "rt") as f:
            again = f.readlines()[:400]
        hour = os.path.dirname(objects[0])
        with open(os.path.join(hour, "redelivered.jsonl"), "w") as f:
            f.writelines(again)
        fixture_hour = os.path.join(cls.data, "2026/03/01/10")
        os.makedirs(fixture_hour, exist_ok=True)
        shutil.copy(os.path.join(ROOT, "tests/fixtures/report/duplicates.jsonl"), fixture_hour)

    def test_the_sql_counts_as_the_report_counts(self):
        options = ["--goal", "purchase", "--revenue-metric", "revenue", "--refund-event", "refund"]
        header, rows = self.sql_rows(*options)
        report = self.cli_report(self.data, *options)
        self.assertGreater(report["duplicates"], 11, "the fixture's 11 and the redelivered part's")
        self.assertEqual((report["refunds"], report["skipped_revenue"]), (1, 1))
        self.assert_same_figures(header, rows, report)
        [totals] = [dict(zip(header, r)) for r in rows if r[0] == "totals"]
        for k in ["duplicates", "refunds", "unmatched_refunds", "skipped_revenue"]:
            self.assertEqual(totals[k], report[k], k)
        print("  same figures with %d duplicates set aside" % report["duplicates"])


class AthenaOnMoto(GeneratedFirehoseOutput):
    @classmethod
    def setUpClass(cls):
        if ENDPOINT is None:
            raise RuntimeError("AWS_ENDPOINT_URL is not set: run scripts/test.d/55-athena.sh (starts moto)")
        super().setUpClass()

    def moto_answers(self, header, rows):
        self.assertEqual(queue_athena_result(header, rows), 201)

    def test_report_on_athena_is_the_report_over_the_files(self):
        costs = os.path.join(self.tmp, "costs.csv")
        local = self.cli_report(self.data)
        names = [c["campaign_id"] or c["campaign"] for c in local["campaigns"]][:4]
        with open(costs, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["campaign", "cost"])
            for i, name in enumerate(names):
                w.writerow([name, 100 + 50 * i])
        options = ["--goal", "purchase", "--revenue-metric", "revenue", "--costs", costs]
        header, rows = self.sql_rows(*options)
        self.moto_answers(header, rows)
        got = self.cli_report("--athena", "--workgroup", "primary", *options)
        want = self.cli_report(self.data, *options)
        for k in ["events", "custom_events", "attributed_events", "goals", "revenue_metric"]:
            self.assertEqual(got[k], want[k], k)
        self.assertEqual(got["campaigns"], want["campaigns"])
        self.assertEqual(sum(c["cost"] is not None for c in got["campaigns"]), 4)
        # The table format reads the same report.
        self.moto_answers(header, rows)
        table = cli("report", "--athena", *options)
        self.assertIn(want["campaigns"][0]["campaign"], table)
        # What moto recorded: the query --print-sql writes, in the workgroup and database.
        athena = boto3.client("athena", endpoint_url=ENDPOINT, region_name="us-east-1")
        ids = athena.list_query_executions(WorkGroup="primary")["QueryExecutionIds"]
        q = athena.get_query_execution(QueryExecutionId=ids[-1])["QueryExecution"]
        self.assertEqual(q["Query"], cli("report", "--print-sql", *options))
        self.assertEqual(q["QueryExecutionContext"]["Database"], "journey_attribution")

    def test_an_unknown_workgroup_is_a_clear_error(self):
        out = subprocess.run([CLI, "report", "--athena", "--workgroup", "nope"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 1)
        self.assertIn("athena StartQueryExecution", out.stderr)
        self.assertIn("WorkGroup does not exist", out.stderr)

    def test_setup_creates_then_updates_the_glue_table(self):
        glue = boto3.client("glue", endpoint_url=ENDPOINT, region_name="us-east-1")
        first = cli("athena", "setup", "--location", LOCATION, "--database", "shop")
        self.assertIn("created database shop", first)
        self.assertIn("created table shop.events", first)
        again = cli("athena", "setup", "--location", LOCATION, "--database", "shop",
                    "--revenue-metric", "total")
        self.assertIn("database shop exists", again)
        self.assertIn("updated table shop.events", again)
        want = json.loads(cli("athena", "setup", "--location", LOCATION, "--database", "shop",
                              "--revenue-metric", "total", "--print"))
        t = glue.get_table(DatabaseName="shop", Name="events")["Table"]
        self.assertEqual(t["Parameters"], want["Parameters"])
        self.assertEqual(t["PartitionKeys"], want["PartitionKeys"])
        sd = t["StorageDescriptor"]
        self.assertEqual(sd["Columns"], want["StorageDescriptor"]["Columns"])
        self.assertIn({"Name": "total", "Type": "double"}, sd["Columns"])
        for k in ["Location", "InputFormat", "OutputFormat", "SerdeInfo"]:
            self.assertEqual(sd[k], want["StorageDescriptor"][k], k)
        self.assertEqual(len(glue.get_tables(DatabaseName="shop")["TableList"]), 1)


if __name__ == "__main__":
    unittest.main()
