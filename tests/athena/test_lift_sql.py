"""Lift as SQL against the streaming lift (the CLI over the same files).

- The query `report --print-sql --exposures exposures` writes parses as Trino (sqlglot) and
  runs unchanged in DuckDB over a generated holdout experiment (scripts/gen-lift.py: mixed
  shapes, control users never stamped, a repeated assignment, a user in both arms) and
  hand-made cases, through tables of exactly the columns `athena setup --exposures-location`
  gives Glue; its per-arm figures must be the CLI's lift rows' figures.
- The hand-made cases have known answers: a user in both arms refused, events before the
  window, at its end and in it, a repeated assignment counted from the earliest, an
  `assigned_at` with an offset, a control user never stamped, a non-goal event.
- A redelivered goal event (byte for byte, and by event id) counts once; goal events of one
  order once, a refunded order's revenue not at all, revenue outside [0, --max-revenue] as
  none: in the SQL and in the streaming lift alike.
- `report --athena --exposures` against moto: moto's Athena does not run SQL; it answers
  each query with rows queued beforehand, here the rows DuckDB computed for the two queries
  the CLI sends. What this checks is the CLI's side: the queries it sends (the ones
  `--print-sql` writes), reading the rows over the wire, and turning the per-arm sums into
  lift rows: every key, intervals included, must be the local report's.
- `athena setup --exposures-location` against moto's Glue creates the exposure table.

Run by scripts/test.d/55-athena.sh (moto started there; CLI = $JA_CLI).
"""

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

from duckdb_events import duckdb_type

import test_athena as base

ROOT = base.ROOT
CLI = base.CLI
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")
OPTIONS = ["--goal", "purchase", "--revenue-metric", "revenue", "--lift-window", "14d"]
PER_ARM = ["campaign", "treatment_users", "control_users", "treatment_converted",
           "control_converted", "refused_users"]

DAY = 86_400_000
MARCH_1 = 1_772_323_200_000  # 2026-03-01T00:00:00Z


def exposure(user, arm, at, label="Cases"):
    line = {"campaign_id": "j-cases", "user_id": user, "arm": arm, "assigned_at": at}
    if label:
        line["campaign"] = label
    return json.dumps(line)


# The hand-made cases (campaign j-cases, window 14 days from each assignment).
CASE_EXPOSURES = [
    exposure("case-t1", "treatment", "2026-03-01T00:00:00Z"),
    exposure("case-t2", "treatment", "2026-03-01T00:00:00.000Z", label=None),
    # Repeated: counted once, from the earliest.
    exposure("case-t3", "treatment", "2026-03-03T00:00:00Z"),
    exposure("case-t3", "treatment", "2026-03-01T00:00:00Z"),
    exposure("case-c1", "control", "2026-03-01T00:00:00Z"),
    exposure("case-c2", "control", "2026-03-01T00:00:00Z"),
    # 2026-03-01T00:00:00Z, written with an offset.
    exposure("case-c3", "control", "2026-03-01T02:00:00+02:00"),
    exposure("case-c4", "control", "2026-03-01T00:00:00Z"),
    # In both arms: refused.
    exposure("case-b1", "treatment", "2026-03-01T00:00:00Z"),
    exposure("case-b1", "control", "2026-03-01T00:00:00Z"),
]

STAMP = {"campaign": "Cases", "campaign_id": "j-cases"}
T1 = json.dumps({"name": "purchase", "attributes": dict(STAMP, user_id="case-t1", event_id="case-ev-1"),
                 "metrics": {"revenue": 20}, "timestamp": "2026-03-02T00:00:00Z"})
# Flat Amplify data, no event id: its identity is its content.
T2 = json.dumps({"name": "purchase", "user_id": "case-t2", "revenue": 7, "timestamp": MARCH_1 + DAY})
T3 = json.dumps({"event_type": "purchase", "event_timestamp": MARCH_1 + DAY, "client": {"client_id": "ep-t3"},
                 "attributes": dict(STAMP, user_id="case-t3"), "metrics": {"revenue": 11}})


def pinpoint_c1(arrival):
    # Never stamped: a control user. Pinpoint's own event id, delivered twice with another
    # arrival time.
    return json.dumps({"event_type": "purchase", "event_id": "case-ev-c1", "event_timestamp": MARCH_1 + 4 * DAY,
                       "arrival_timestamp": arrival, "client": {"client_id": "ep-c1"},
                       "attributes": {"user_id": "case-c1"}, "metrics": {"revenue": 5}})


CASE_EVENTS = [
    T1, T2, T3, pinpoint_c1(MARCH_1 + 4 * DAY + 500),
    # At the window's end (excluded) and before the assignment.
    json.dumps({"name": "purchase", "attributes": {"user_id": "case-c2"}, "metrics": {"revenue": 100},
                "timestamp": "2026-03-15T00:00:00Z"}),
    json.dumps({"name": "purchase", "attributes": {"user_id": "case-c2"}, "metrics": {"revenue": 100},
                "timestamp": "2026-02-28T12:00:00Z"}),
    # One hour after an assignment written as 02:00+02:00.
    json.dumps({"name": "purchase", "attributes": {"user_id": "case-c3"}, "metrics": {"revenue": 9},
                "timestamp": "2026-03-01T01:00:00Z"}),
    json.dumps({"name": "purchase", "attributes": dict(STAMP, user_id="case-b1"), "metrics": {"revenue": 50},
                "timestamp": "2026-03-02T00:00:00Z"}),
    # Not goal events.
    json.dumps({"name": "view", "attributes": {"user_id": "case-t2"}, "metrics": {"revenue": 1000},
                "timestamp": "2026-03-02T00:00:00Z"}),
    json.dumps({"name": "_session.start", "attributes": {"user_id": "case-c4"}, "metrics": {"revenue": 1000},
                "timestamp": "2026-03-02T00:00:00Z"}),
]

# What at-least-once delivery adds: the same records again.
REDELIVERED = [T1, T2, T3, pinpoint_c1(MARCH_1 + 4 * DAY + 90_000)]


def sql_rows(db, sql):
    [tree] = sqlglot.parse(sql, read="trino")
    assert tree is not None
    cursor = db.execute(sql)
    header = [d[0] for d in cursor.description]
    return header, [list(r) for r in cursor.fetchall()]


class LiftTables(unittest.TestCase):
    """A generated experiment and the hand-made cases, and DuckDB's view of them as Athena's
    two tables; `redelivered` adds the same records delivered again."""

    redelivered = False
    extra = []

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.events = os.path.join(cls.tmp, "events")
        cls.log = os.path.join(cls.tmp, "exposures")
        os.makedirs(cls.events)
        os.makedirs(cls.log)
        subprocess.run(
            ["python3", os.path.join(ROOT, "scripts/gen-lift.py"),
             "--exposures", os.path.join(cls.log, "generated.jsonl"),
             "--events", os.path.join(cls.events, "generated.jsonl.gz"),
             "--campaigns", "2", "--users-per-campaign", "1500", "--holdout", "0.35",
             "--window-days", "14", "--noise-events", "3000", "--seed", "7"],
            check=True, capture_output=True)
        with open(os.path.join(cls.log, "cases.jsonl"), "w") as f:
            f.write("\n".join(CASE_EXPOSURES) + "\n")
        with open(os.path.join(cls.events, "cases.jsonl"), "w") as f:
            f.write("\n".join(CASE_EVENTS) + "\n")
        if cls.redelivered:
            with open(os.path.join(cls.events, "redelivered.jsonl"), "w") as f:
                f.write("\n".join(REDELIVERED) + "\n")
        if cls.extra:
            with open(os.path.join(cls.events, "extra.jsonl"), "w") as f:
                f.write("\n".join(cls.extra) + "\n")
        cls.tables = json.loads(base.cli("athena", "setup", "--location", "s3://shop-events/firehose/",
                                         "--exposures-location", "s3://shop-events/exposures/", "--print"))
        events_table, exposure_table = cls.tables
        cls.db = duckdb.connect()
        cls.db.execute("CREATE SCHEMA journey_attribution")

        def spec(table):
            cols = table["StorageDescriptor"]["Columns"]
            return "{%s}" % ", ".join("'%s': '%s'" % (c["Name"], duckdb_type(c["Type"])) for c in cols)
        cls.db.execute(
            "CREATE VIEW journey_attribution.events AS SELECT *, '' AS datehour FROM read_json("
            "['%s/*.jsonl.gz', '%s/*.jsonl'], format = 'newline_delimited', columns = %s, ignore_errors = true)"
            % (cls.events, cls.events, spec(events_table)))
        assert exposure_table["PartitionKeys"] == [], exposure_table
        cls.db.execute(
            "CREATE VIEW journey_attribution.exposures AS SELECT * FROM read_json("
            "'%s/*.jsonl', format = 'newline_delimited', columns = %s)" % (cls.log, spec(exposure_table)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def lift_sql(self, *options):
        return base.cli("report", "--print-sql", "--exposures", "exposures", *options)

    def local(self, *options):
        return json.loads(base.cli("report", self.events, "--exposures", self.log, *options,
                                   "--format", "json"))

    def sql_by_campaign(self, *options):
        header, rows = sql_rows(self.db, self.lift_sql(*options))
        rows = [dict(zip(header, r)) for r in rows]
        [totals] = [r for r in rows if r["row_kind"] == "exposures"]
        self.assertEqual(totals["unreadable_lines"], 0)
        return {r["campaign_id"]: r for r in rows if r["row_kind"] == "campaign"}

    def assert_same_per_arm_figures(self, sql, local):
        self.assertEqual(sorted(sql), sorted(r["campaign_id"] for r in local["lift"]))
        for row in local["lift"]:
            got = sql[row["campaign_id"]]
            for k in PER_ARM:
                self.assertEqual(got[k], row[k], (row["campaign_id"], k))
            for arm in ["treatment", "control"]:
                want = row["%s_revenue" % arm]
                self.assertAlmostEqual(got["%s_revenue" % arm], want, delta=1e-9 * max(1.0, abs(want)),
                                       msg=(row["campaign_id"], arm))


class LiftSql(LiftTables):
    def test_the_lift_sql_gives_the_local_per_arm_figures(self):
        sql = self.sql_by_campaign(*OPTIONS)
        local = self.local(*OPTIONS)
        self.assertEqual(len(local["lift"]), 3)
        self.assertGreater(sum(r["refused_users"] for r in local["lift"]), 1)
        self.assert_same_per_arm_figures(sql, local)
        print("  same per-arm figures for %d campaigns" % len(sql))

    def test_the_hand_made_cases_have_their_known_answers(self):
        cases = self.sql_by_campaign(*OPTIONS)["j-cases"]
        want = {
            "campaign": "Cases",
            # t1, t2, t3 (its repeated assignment once, from the earliest): all converted.
            "treatment_users": 3, "treatment_converted": 3,
            "treatment_revenue": 20 + 7 + 11, "treatment_revenue_sq": 20 ** 2 + 7 ** 2 + 11 ** 2,
            # c1 (never stamped) and c3 (its offset read) converted; c2's purchases fall
            # before and at the end of its window; c4 bought nothing (a view, a session).
            "control_users": 4, "control_converted": 2,
            "control_revenue": 5 + 9, "control_revenue_sq": 5 ** 2 + 9 ** 2,
            "refused_users": 1,
        }
        self.assertEqual({k: cases[k] for k in want}, want)

    def test_a_shorter_window_and_no_revenue(self):
        options = ["--goal", "purchase", "--lift-window", "3d"]
        sql = self.sql_by_campaign(*options)
        local = self.local(*options)
        self.assertIsNone(sql["j-cases"]["treatment_revenue"])
        # t3 converted on day 1 from its earliest assignment; c1 bought on day 4.
        self.assertEqual((sql["j-cases"]["treatment_converted"], sql["j-cases"]["control_converted"]), (3, 1))
        for row in local["lift"]:
            for k in PER_ARM:
                self.assertEqual(sql[row["campaign_id"]][k], row[k], (row["campaign_id"], k))

    def test_an_unreadable_exposure_line_is_counted(self):
        bad = os.path.join(self.tmp, "bad.jsonl")
        with open(bad, "w") as f:
            f.write(exposure("case-x", "holdout", "2026-03-01T00:00:00Z") + "\n")
            f.write(exposure("case-y", "control", "2026-03-01 00:00:00") + "\n")
            f.write(exposure("case-z", "control", "2026-03-01T00:00:00Z") + "\n")
        cols = [c for c in self.tables[1]["StorageDescriptor"]["Columns"]]
        spec = "{%s}" % ", ".join("'%s': '%s'" % (c["Name"], duckdb_type(c["Type"])) for c in cols)
        self.db.execute("CREATE SCHEMA bad")
        self.db.execute("CREATE VIEW bad.events AS SELECT * FROM journey_attribution.events")
        self.db.execute("CREATE VIEW bad.exposures AS SELECT * FROM read_json('%s', format = "
                        "'newline_delimited', columns = %s)" % (bad, spec))
        sql = base.cli("report", "--print-sql", "--exposures", "exposures", "--database", "bad", *OPTIONS)
        header, rows = sql_rows(self.db, sql)
        [totals] = [dict(zip(header, r)) for r in rows if r[0] == "exposures"]
        self.assertEqual(totals["unreadable_lines"], 2)
        # A line that is not JSON fails the query (the table has no ignore.malformed.json),
        # as it stops the streaming report.
        with open(bad, "a") as f:
            f.write("not json\n")
        with self.assertRaises(duckdb.Error):
            self.db.execute(sql).fetchall()
        # The streaming report refuses the same log, naming the line and the field.
        out = subprocess.run([CLI, "report", self.events, "--exposures", bad, *OPTIONS],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 1)
        self.assertIn("bad.jsonl:1", out.stderr)

    def test_another_user_attribute_is_a_column_setup_adds(self):
        # Events recording the user as `username` (nested, flat, Pinpoint), read through the
        # table `athena setup --user-attribute username` describes.
        data = os.path.join(self.tmp, "by-username")
        os.makedirs(data, exist_ok=True)
        with open(os.path.join(data, "events.jsonl"), "w") as f:
            for rec in [
                {"name": "purchase", "attributes": {"username": "case-t1"}, "metrics": {"revenue": 3},
                 "timestamp": "2026-03-02T00:00:00Z"},
                {"name": "purchase", "username": "case-c1", "revenue": 4, "timestamp": "2026-03-02T00:00:00Z"},
                {"event_type": "purchase", "event_timestamp": MARCH_1 + DAY, "client": {"client_id": "ep"},
                 "attributes": {"username": "case-c3", "user_id": "case-t2"}, "metrics": {"revenue": 5}},
            ]:
                f.write(json.dumps(rec) + "\n")
        table = json.loads(base.cli("athena", "setup", "--location", "s3://b/e/", "--user-attribute",
                                    "username", "--print"))
        cols = table["StorageDescriptor"]["Columns"]
        self.assertIn({"Name": "username", "Type": "string"}, cols)
        spec = "{%s}" % ", ".join("'%s': '%s'" % (c["Name"], duckdb_type(c["Type"])) for c in cols)
        self.db.execute("CREATE SCHEMA by_username")
        self.db.execute("CREATE VIEW by_username.events AS SELECT *, '' AS datehour FROM read_json("
                        "'%s/events.jsonl', format = 'newline_delimited', columns = %s)" % (data, spec))
        self.db.execute("CREATE VIEW by_username.exposures AS SELECT * FROM journey_attribution.exposures")
        options = [*OPTIONS, "--user-attribute", "username"]
        header, rows = sql_rows(self.db, base.cli("report", "--print-sql", "--exposures", "exposures",
                                                  "--database", "by_username", *options))
        sql = {r[1]: dict(zip(header, r)) for r in rows if r[0] == "campaign"}
        self.assertEqual((sql["j-cases"]["treatment_converted"], sql["j-cases"]["control_converted"]), (1, 2))
        local = json.loads(base.cli("report", data, "--exposures", self.log, *options, "--format", "json"))
        self.assert_same_per_arm_figures(sql, local)

    def test_a_file_is_not_an_exposure_table(self):
        out = subprocess.run([CLI, "report", "--print-sql", "--exposures", self.log], capture_output=True, text=True)
        self.assertEqual(out.returncode, 1)
        self.assertIn("name the exposure log's Glue table", out.stderr)


class LiftSqlCountsEachGoalEventOnce(LiftTables):
    redelivered = True

    def test_a_redelivered_goal_event_counts_once_in_the_sql(self):
        cases = self.sql_by_campaign(*OPTIONS)["j-cases"]
        self.assertEqual((cases["treatment_revenue"], cases["control_revenue"]), (38, 14))
        self.assertEqual(cases["treatment_revenue_sq"], 20 ** 2 + 7 ** 2 + 11 ** 2)

    def test_and_the_local_report_counts_it_once_too(self):
        self.assert_same_per_arm_figures(self.sql_by_campaign(*OPTIONS), self.local(*OPTIONS))


def purchase(user, day, revenue, event_id, order):
    return json.dumps({"name": "purchase", "attributes": {"user_id": user, "event_id": event_id,
                       "order_id": order}, "metrics": {"revenue": revenue},
                       "timestamp": MARCH_1 + day * DAY})


# Orders, refunds and revenue bounds, as the attributed rows count them.
ORDER_EVENTS = [
    # One order recorded twice (an app retry: a new event id): the earliest counts.
    purchase("case-c4", 2, 30, "ord-1", "o-c4"),
    purchase("case-c4", 3, 31, "ord-2", "o-c4"),
    # A refunded order earns nothing; its user still converted.
    purchase("case-t2", 2, 40, "ord-3", "o-t2"),
    json.dumps({"name": "refund", "attributes": {"user_id": "back-office", "order_id": "o-t2"},
                "timestamp": MARCH_1 + 5 * DAY}),
    # Outside [0, --max-revenue]: no revenue, still a conversion.
    purchase("case-c2", 1, -5, "ord-4", "o-c2a"),
    purchase("case-c2", 1, 2e9, "ord-5", "o-c2b"),
    # An order first recorded before the assignment (a reloaded thank-you page later): no
    # conversion, whatever its repeat in the window.
    purchase("case-t1", -2, 60, "ord-6", "o-t1"),
    purchase("case-t1", 3, 60, "ord-7", "o-t1"),
    # No event id: two users' otherwise identical events are two events.
    json.dumps({"name": "purchase", "user_id": "case-c1", "revenue": 4, "timestamp": MARCH_1 + 6 * DAY}),
    json.dumps({"name": "purchase", "user_id": "case-c3", "revenue": 4, "timestamp": MARCH_1 + 6 * DAY}),
    # A Pinpoint record's top-level fields are not its attributes.
    json.dumps({"event_type": "purchase", "event_timestamp": MARCH_1 + DAY, "client": {"client_id": "ep-x"},
                "user_id": "case-c4", "revenue": 1000}),
]


class LiftSqlCountsOrdersRefundsAndBounds(LiftTables):
    redelivered = True
    extra = ORDER_EVENTS
    options = OPTIONS + ["--refund-event", "refund"]

    def test_orders_refunds_and_bounds_have_their_known_answers(self):
        cases = self.sql_by_campaign(*self.options)["j-cases"]
        self.assertEqual((cases["treatment_converted"], cases["control_converted"]), (3, 4))
        self.assertEqual(cases["treatment_revenue"], 20 + 7 + 11)
        self.assertEqual(cases["control_revenue"], 5 + 9 + 30 + 4 + 4)

    def test_and_the_local_report_gives_the_same_figures(self):
        self.assert_same_per_arm_figures(self.sql_by_campaign(*self.options), self.local(*self.options))


class LiftOnMoto(LiftTables):
    @classmethod
    def setUpClass(cls):
        if ENDPOINT is None:
            raise RuntimeError("AWS_ENDPOINT_URL is not set: run scripts/test.d/55-athena.sh (starts moto)")
        super().setUpClass()

    def queue(self, header, rows):
        self.assertEqual(base.queue_athena_result(header, rows), 201)

    def assert_same_lift_rows(self, got, want):
        self.assertEqual([r["campaign_id"] for r in got], [r["campaign_id"] for r in want])
        for g, w in zip(got, want):
            self.assertEqual(sorted(g), sorted(w))
            for k, wv in w.items():
                gv = g[k]
                where = (w["campaign_id"], k)
                if isinstance(wv, float):
                    self.assertAlmostEqual(gv, wv, delta=1e-9 * max(1.0, abs(wv)), msg=where)
                elif isinstance(wv, list):
                    self.assertEqual(len(gv), 2, where)
                    for a, b in zip(gv, wv):
                        self.assertAlmostEqual(a, b, delta=1e-9 * max(1.0, abs(b)), msg=where)
                else:
                    self.assertEqual(gv, wv, where)

    def test_report_athena_exposures_gives_the_local_lift_rows(self):
        costs = os.path.join(self.tmp, "costs.csv")
        with open(costs, "w") as f:
            f.write("campaign,cost\nj-0,1500\nCases,10\n")
        options = [*OPTIONS, "--costs", costs]
        # The attributed report's query takes no lift option.
        report_sql = base.cli("report", "--print-sql", *options[:4], "--costs", costs)
        lift_sql = self.lift_sql(*options)
        self.assertNotEqual(report_sql, lift_sql)
        for sql in [report_sql, lift_sql]:
            self.queue(*sql_rows(self.db, sql))
        out = subprocess.run([CLI, "report", "--athena", "--exposures", "exposures", *options,
                              "--format", "json"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        got = json.loads(out.stdout)
        want = self.local(*options)
        self.assertEqual(got["campaigns"], want["campaigns"])
        self.assert_same_lift_rows(got["lift"], want["lift"])
        self.assertIsNotNone(next(r for r in got["lift"] if r["campaign_id"] == "j-cases")["iroas"])
        self.assertIn('campaign "j-cases": 1 users assigned to both arms', out.stderr)
        # Moto recorded the two queries --print-sql writes, in that order.
        athena = boto3.client("athena", endpoint_url=ENDPOINT, region_name="us-east-1")
        ids = athena.list_query_executions(WorkGroup="primary")["QueryExecutionIds"]
        sent = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Query"] for i in ids[-2:]]
        self.assertEqual(sorted(sent), sorted([report_sql, lift_sql]))
        # The other formats render the same rows.
        for fmt, marker in [("csv", "lift_campaign_id,"), ("html", "Lift: what each campaign caused"),
                            ("table", "Cases (j-cases)")]:
            for sql in [report_sql, lift_sql]:
                self.queue(*sql_rows(self.db, sql))
            text = base.cli("report", "--athena", "--exposures", "exposures", *options, "--format", fmt)
            self.assertIn(marker, text, fmt)
        print("  %d lift rows through Athena's API, intervals included" % len(got["lift"]))

    def test_setup_creates_the_exposure_table(self):
        glue = boto3.client("glue", endpoint_url=ENDPOINT, region_name="us-east-1")
        location = "s3://shop-events/exposures/"
        said = base.cli("athena", "setup", "--location", "s3://shop-events/firehose/", "--database", "lifts",
                        "--exposures-location", location)
        self.assertIn("created table lifts.events", said)
        self.assertIn("created table lifts.exposures over %s" % location, said)
        again = base.cli("athena", "setup", "--location", "s3://shop-events/firehose/", "--database", "lifts",
                         "--exposures-location", location)
        self.assertIn("updated table lifts.exposures", again)
        want = json.loads(base.cli("athena", "setup", "--location", "s3://shop-events/firehose/",
                                   "--exposures-location", location, "--print"))[1]
        t = glue.get_table(DatabaseName="lifts", Name="exposures")["Table"]
        sd = t["StorageDescriptor"]
        self.assertEqual(sd["Columns"], want["StorageDescriptor"]["Columns"])
        for k in ["Location", "InputFormat", "OutputFormat", "SerdeInfo"]:
            self.assertEqual(sd[k], want["StorageDescriptor"][k], k)
        self.assertEqual(t.get("PartitionKeys", []), [])
        self.assertEqual(t["Parameters"], want["Parameters"])


if __name__ == "__main__":
    unittest.main()
