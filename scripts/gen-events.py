#!/usr/bin/env python3
"""Generate a realistic Pinpoint event stream (Firehose JSON lines) with known answers.

Deterministic for a given --seed. Writes NDJSON files (optionally gzip) into --out and,
with --answers, the report `journey-attribution report --goal purchase --revenue-metric
revenue` must produce for them (computed here independently, with exact integer cents).

With --shapes, custom events are also written as Amplify Kinesis / Firehose data, nested
(`{"name","attributes","metrics","timestamp"}`) or flat (`{"name","campaign",...,"revenue"}`),
the user in `user_id`; with --firehose-layout, files go under Firehose's YYYY/MM/DD/HH/
prefixes by event time.

The stream mixes Pinpoint's own events (_session.*, _userauth.*, journey _email.* with
journey ids), custom events from the web app stamped with `campaign` / `campaign_id`
(some label-only, as the seed's legacy tokens), unattributed custom events, blank lines
and a small rate of malformed (truncated) lines.

    scripts/gen-events.py --out bench-data --size-mb 1024 --files 8
    scripts/gen-events.py --out /tmp/small --events 20000 --gzip --answers /tmp/small.json
"""

import argparse
import gzip
import itertools
import json
import os
import random
import sys
import time

APP_ID = "7f6c3a0e1d2b4c5a9e8f7a6b5c4d3e2f"
JOURNEY_LABELS = [
    "Spring Sale", "Welcome series", "Win-back 30d", "Cart reminder", "Black Friday",
    "Newsletter, May", 'VIP "Gold" upgrade', "Summer launch", "Back to school",
    "Referral boost", "Holiday gift guide", "Loyalty points", "Re-engagement",
    "Product tour", "Price drop alert", "Webinar invite", "Survey follow-up",
    "App download push", "Flash sale 48h", "Anniversary",
]
LABEL_ONLY = ["Legacy promo", "Partner newsletter"]  # seed-era tokens: label, no journey id
CUSTOM_TYPES = [("page_view", 55), ("product_view", 20), ("add_to_cart", 10),
                ("search", 8), ("sign_up", 2), ("purchase", 5)]
PLATFORMS = [("web", "10.15"), ("android", "14"), ("ios", "17.4")]


def journey_id(rng):
    return "%032x" % rng.getrandbits(128)


def main():
    serial = itertools.count()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--events", type=int, help="number of lines to write")
    ap.add_argument("--size-mb", type=float, help="stop after about this many MB (uncompressed)")
    ap.add_argument("--files", type=int, default=1)
    ap.add_argument("--users", type=int, default=200_000)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--malformed-rate", type=float, default=0.0005)
    ap.add_argument("--answers", help="write the expected report (JSON) here")
    ap.add_argument("--shapes", default="pinpoint",
                    help="comma-separated shapes of custom events: pinpoint, nested, flat")
    ap.add_argument("--no-event-ids", dest="event_ids", action="store_false",
                    help="custom events without the wrappers' `event_id` attribute")
    ap.add_argument("--max-gap-ms", type=int, default=400, help="most time between two events")
    ap.add_argument("--firehose-layout", action="store_true",
                    help="write under YYYY/MM/DD/HH/ directories by event time, --files per hour")
    args = ap.parse_args()
    if not args.events and not args.size_mb:
        ap.error("give --events or --size-mb")

    rng = random.Random(args.seed)
    journeys = [(journey_id(rng), label) for label in JOURNEY_LABELS]
    campaigns = [(jid, label) for jid, label in journeys] + [(None, label) for label in LABEL_ONLY]
    users = [("%08x-%04x-4%03x-a%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
              rng.getrandbits(12), rng.getrandbits(12), rng.getrandbits(48)))
             for _ in range(args.users)]
    type_names = [t for t, _ in CUSTOM_TYPES]
    type_weights = [w for _, w in CUSTOM_TYPES]

    # Known answers, keyed like the report groups: journey id, else label.
    answers = {}
    totals = {"lines": 0, "events": 0, "custom_events": 0, "attributed_events": 0, "skipped_lines": 0}

    def account(event_type, client_id, campaign, revenue_cents):
        totals["events"] += 1
        if event_type.startswith("_"):
            return
        totals["custom_events"] += 1
        if campaign is None:
            return
        totals["attributed_events"] += 1
        jid, label = campaign
        a = answers.setdefault(jid or "label:" + label, {
            "campaign": label, "campaign_id": jid, "attributed_events": 0,
            "events_by_type": {}, "users": set(), "revenue_cents": 0})
        a["attributed_events"] += 1
        a["events_by_type"][event_type] = a["events_by_type"].get(event_type, 0) + 1
        if event_type == "purchase":
            a["users"].add(client_id)
            a["revenue_cents"] += revenue_cents or 0

    shapes = args.shapes.split(",")
    if not set(shapes) <= {"pinpoint", "nested", "flat"}:
        ap.error("--shapes: pinpoint, nested, flat")
    os.makedirs(args.out, exist_ok=True)
    ext = ".jsonl.gz" if args.gzip else ".jsonl"

    def open_out(directory, i):
        os.makedirs(directory, exist_ok=True)
        p = os.path.join(directory, "pinpoint-events-%03d%s" % (i, ext))
        return gzip.open(p, "wt", compresslevel=6) if args.gzip else open(p, "w")

    outs = [] if args.firehose_layout else [open_out(args.out, i) for i in range(args.files)]
    hour_dir = None

    size_limit = int(args.size_mb * 1_000_000) if args.size_mb else None
    line_limit = args.events
    written_bytes = 0
    n = 0
    ts = 1714521600000  # 2024-05-01T00:00:00Z
    # A user's current attribution (as stamping would add it), set by an email click.
    attributed = {}
    app = ('"application":{"app_id":"%s","cognito_identity_pool_id":"us-east-1:0f3e3a1c-2b4d-4e5f-8a9b-0c1d2e3f4a5b",'
           '"package_name":"shop.example.com","sdk":{"name":"aws-amplify","version":"6.3.4"},"title":"Example Shop",'
           '"version_name":"2.4.0","version_code":"240"}' % APP_ID)

    while (line_limit is None or n < line_limit) and (size_limit is None or written_bytes < size_limit):
        ts += rng.randint(5, args.max_gap_ms)
        u = rng.randrange(len(users))
        client_id = users[u]
        r = rng.random()
        revenue_cents = None
        metrics = "{}"
        if r < 0.18:
            event_type = rng.choice(["_session.start", "_session.stop", "_userauth.sign_in"])
            attrs = "{}"
            campaign = None
        elif r < 0.26:
            # Journey email events: attributed to the email endpoint, carry the journey id.
            jid, label = rng.choice(journeys)
            event_type = rng.choice(["_email.send", "_email.delivered", "_email.open", "_email.click"])
            attrs = json.dumps({"journey_id": jid, "journey_activity_id": "a" + jid[:8],
                                "journey_run_id": "r" + jid[8:16], "from_address": "news@example.com",
                                "destination": "user%d@example.org" % u,
                                "feedback": "https://shop.example.com/?utm_campaign=" + jid[:6]
                                } if event_type == "_email.click" else
                               {"journey_id": jid, "journey_activity_id": "a" + jid[:8]},
                               separators=(",", ":"))
            if event_type == "_email.click":
                attributed[u] = (jid, label)
            campaign = None
        else:
            event_type = rng.choices(type_names, type_weights)[0]
            a = {"page": rng.choice(["/", "/sale", "/product/%d" % rng.randint(1, 5000), "/cart"])}
            if args.event_ids:
                # As the wrappers stamp every event they record (the report counts each once).
                a["event_id"] = "ev-%d-%d" % (args.seed, next(serial))
            campaign = attributed.get(u)
            if campaign is None and rng.random() < 0.1:
                campaign = rng.choice(campaigns)
            if campaign is not None and rng.random() < 0.02:
                campaign = (None, rng.choice(LABEL_ONLY))
            if campaign is not None:
                jid, label = campaign
                a["campaign"] = label
                if jid:
                    a["campaign_id"] = jid
            if event_type == "purchase":
                revenue_cents = rng.randint(499, 49999)
                metrics = '{"revenue":%d.%02d,"quantity":%d}' % (revenue_cents // 100, revenue_cents % 100, rng.randint(1, 4))
            elif event_type == "add_to_cart":
                metrics = '{"quantity":%d}' % rng.randint(1, 3)
            attrs = json.dumps(a, separators=(",", ":"))
        plat = PLATFORMS[u % 3]
        shape = "pinpoint" if event_type.startswith("_") or shapes == ["pinpoint"] else rng.choice(shapes)
        if shape != "pinpoint":
            a = json.loads(attrs)
            m = json.loads(metrics)
            a["user_id"] = client_id
            if shape == "nested":
                data = {"name": event_type, "attributes": a, "metrics": m, "timestamp": ts}
            else:
                data = {"name": event_type, **a, **m}
            line = json.dumps(data, separators=(",", ":"))
        else:
            line = ('{"event_type":"%s","event_timestamp":%d,"arrival_timestamp":%d,"event_version":"3.1",%s,'
                '"client":{"client_id":"%s","cognito_id":"us-east-1:%s"},'
                '"device":{"locale":{"code":"en_US","country":"US","language":"en"},"make":"generic web browser",'
                '"model":"Unknown","platform":{"name":"%s","version":"%s"}},'
                '"session":{"session_id":"%s-%d","start_timestamp":%d},"attributes":%s,"metrics":%s,'
                '"awsAccountId":"123456789012"}') % (
                    event_type, ts, ts + rng.randint(50, 3000), app, client_id, client_id,
                    plat[0], plat[1], client_id[:8], ts // 1800000, ts - rng.randint(0, 1800000), attrs, metrics)
        roll = rng.random()
        if roll < args.malformed_rate:
            line = line[: rng.randint(1, len(line) - 2)]  # a truncated write
            totals["lines"] += 1
            totals["skipped_lines"] += 1
        else:
            totals["lines"] += 1
            account(event_type, client_id, campaign, revenue_cents)
        if args.firehose_layout:
            d = os.path.join(args.out, time.strftime("%Y/%m/%d/%H", time.gmtime(ts / 1000)))
            if d != hour_dir:
                for o in outs:
                    o.close()
                outs, hour_dir = [open_out(d, i) for i in range(args.files)], d
        out = outs[n % len(outs)]
        out.write(line)
        out.write("\n")
        if roll > 1 - args.malformed_rate:
            out.write("\n")  # blank lines are neither counted nor skipped
        written_bytes += len(line) + 1
        n += 1
    for o in outs:
        o.close()

    if args.answers:
        campaigns_out = []
        for a in answers.values():
            revenue = a["revenue_cents"] / 100
            campaigns_out.append({
                "campaign": a["campaign"], "campaign_id": a["campaign_id"],
                "attributed_events": a["attributed_events"],
                "events_by_type": dict(sorted(a["events_by_type"].items())),
                "converted_users": len(a["users"]), "revenue": revenue, "cost": None, "roi": None})
        campaigns_out.sort(key=lambda c: (-c["revenue"], -c["attributed_events"], c["campaign"], c["campaign_id"] or ""))
        with open(args.answers, "w") as f:
            json.dump(dict(campaigns=campaigns_out, goals=["purchase"], revenue_metric="revenue", **totals), f, indent=1)
    print("wrote %d lines, %.1f MB to %s" % (n, written_bytes / 1e6, args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
