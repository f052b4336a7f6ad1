#!/usr/bin/env python3
"""Generates a holdout experiment: an exposure log and an event stream, with a known effect.

Each campaign assigns its users to treatment or control (`--holdout` the control share);
an assigned user converts (a `purchase` in the window from assignment) with the arm's rate,
and some purchases fall outside the window, before the assignment, or belong to no one
assigned. Treatment events are stamped with the campaign, control events never are.
Pinpoint records and Amplify data (nested and flat) mix. The log also holds a repeated
assignment and a user logged in both arms of a campaign (the report refuses that user).

With `--answers FILE`, writes the truth computed here independently of the report: per
campaign and arm, the users, the converted ones and every assigned user's revenue in the
window (zeros included), for the oracle (tests/lift/check_lift.py).

With `--redeliver P`, a share P of the events is written twice, as at-least-once delivery
does: Pinpoint records carry an `event_id` attribute and come again from a second export
(another `arrival_timestamp`), Amplify data again byte for byte. The experiment itself (who
is assigned, who buys) is the same as without; the truth counts each event once.
"""
import argparse
import gzip
import json
import random

DAY = 86_400_000
BASE = 1_772_323_200_000  # 2026-03-01T00:00:00Z


def iso(ms):
    import datetime
    t = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exposures", required=True, help="exposure log to write (.gz: gzip)")
    ap.add_argument("--events", required=True, help="event file to write (.gz: gzip)")
    ap.add_argument("--campaigns", type=int, default=3)
    ap.add_argument("--users-per-campaign", type=int, default=3000)
    ap.add_argument("--holdout", type=float, default=0.3)
    ap.add_argument("--base-rate", type=float, default=0.08)
    ap.add_argument("--effect", type=float, default=0.03, help="added to the treatment's rate")
    ap.add_argument("--noise-events", type=int, default=20000, help="events that convert no one")
    ap.add_argument("--window-days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pinpoint-only", action="store_true", help="Pinpoint records only (the benchmark's DuckDB query reads that shape)")
    ap.add_argument("--redeliver", type=float, default=0.0, help="share of events delivered twice")
    ap.add_argument("--answers")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    # Its own generator: redeliveries leave the experiment's draws unchanged.
    redelivery = random.Random(a.seed + 1)
    ids = iter(range(1 << 62))
    opener = lambda p: gzip.open(p, "wt") if p.endswith(".gz") else open(p, "w")
    W = a.window_days * DAY
    truth = {}
    assigned = {}  # user -> [(campaign, arm, assigned_at)]
    with opener(a.exposures) as log, opener(a.events) as ev:
        def event(user, t, revenue, stamp):
            r = 0.0 if a.pinpoint_only else rnd.random()
            if r < 0.7:
                attrs = {"user_id": user}
                if stamp:
                    attrs.update(campaign=stamp[1], campaign_id=stamp[0])
                rec = {"event_type": "purchase", "event_timestamp": t,
                       "arrival_timestamp": t + 500, "client": {"client_id": "ep-" + user},
                       "attributes": attrs, "metrics": {"revenue": revenue}}
            elif r < 0.9:
                attrs = {"user_id": user}
                if stamp:
                    attrs.update(campaign=stamp[1], campaign_id=stamp[0])
                rec = {"name": "purchase", "timestamp": t, "attributes": attrs,
                       "metrics": {"revenue": revenue}}
            else:
                rec = {"name": "purchase", "timestamp": iso(t), "user_id": user, "revenue": revenue}
                if stamp:
                    rec.update(campaign=stamp[1], campaign_id=stamp[0])
            if a.redeliver and "event_type" in rec:
                rec["attributes"]["event_id"] = "e%d" % next(ids)
            ev.write(json.dumps(rec, separators=(",", ":")) + "\n")
            if redelivery.random() < a.redeliver:
                if "arrival_timestamp" in rec:
                    rec["arrival_timestamp"] += 60_000
                ev.write(json.dumps(rec, separators=(",", ":")) + "\n")

        for c in range(a.campaigns):
            cid, label = "j-%d" % c, "Campaign %d" % c
            for i in range(a.users_per_campaign):
                user = "u%d" % rnd.randrange(a.users_per_campaign * a.campaigns * 2)
                if any(x[0] == cid for x in assigned.get(user, ())):
                    continue
                arm = "control" if rnd.random() < a.holdout else "treatment"
                at = BASE + rnd.randrange(10 * DAY)
                assigned.setdefault(user, []).append((cid, arm, at))
                log.write(json.dumps({"campaign_id": cid, "campaign": label, "user_id": user,
                                      "arm": arm, "assigned_at": iso(at), "holdout": a.holdout,
                                      "salt": "s"}) + "\n")
                rate = a.base_rate + (a.effect if arm == "treatment" else 0)
                stamp = (cid, label) if arm == "treatment" else None
                if rnd.random() < rate:
                    event(user, at + rnd.randrange(W), round(rnd.uniform(5, 120), 2), stamp)
                if rnd.random() < 0.05:  # after the window: never counts
                    event(user, at + W + rnd.randrange(DAY), 50.0, stamp)
                if rnd.random() < 0.05:  # before the assignment: never counts
                    event(user, at - 1 - rnd.randrange(DAY), 70.0, None)
                if rnd.random() < 0.02:  # a second purchase in the window
                    event(user, at + rnd.randrange(W), 9.99, stamp)
        # A repeated assignment (same arm, a later time) and a user in both arms of j-0.
        users = sorted(assigned)
        dup = next(u for u in users if assigned[u][0][0] == "j-0")
        cid, arm, at = assigned[dup][0]
        log.write(json.dumps({"campaign_id": cid, "user_id": dup, "arm": arm,
                              "assigned_at": iso(at + DAY)}) + "\n")
        both = next(u for u in users if assigned[u][0][0] == "j-0" and u != dup)
        cid, arm, at = assigned[both][0]
        other = "control" if arm == "treatment" else "treatment"
        log.write(json.dumps({"campaign_id": cid, "user_id": both, "arm": other,
                              "assigned_at": iso(at)}) + "\n")
        for i in range(a.noise_events):
            user = "n%d" % rnd.randrange(10 ** 6)
            t = BASE + rnd.randrange(40 * DAY)
            if rnd.random() < 0.5:
                ev.write(json.dumps({"event_type": "view", "event_timestamp": t,
                                     "attributes": {"user_id": user}}) + "\n")
            else:
                event(user, t, 20.0, None)

    if a.answers:
        # Replay the events written: the truth from the files, not from the generator's intent.
        goals = {}
        op = (lambda p: gzip.open(p, "rt")) if a.events.endswith(".gz") else open
        import datetime
        seen = set()
        for line in op(a.events):
            r = json.loads(line)
            identity = (r.get("attributes") or {}).get("event_id") or line.strip()
            if identity in seen:
                continue
            seen.add(identity)
            name = r.get("event_type") or r.get("name")
            if name != "purchase":
                continue
            attrs = r.get("attributes")
            user = attrs["user_id"] if attrs else r["user_id"]
            t = r.get("event_timestamp", r.get("timestamp"))
            if isinstance(t, str):
                t = int(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)
            rev = (r.get("metrics") or {}).get("revenue", r.get("revenue", 0))
            goals.setdefault(user, []).append((t, rev))
        out = {}
        for user, xs in assigned.items():
            for cid, arm, at in xs:
                if user == both and cid == "j-0":
                    continue
                rev = [v for t, v in goals.get(user, []) if at <= t < at + W]
                arm_truth = out.setdefault(cid, {"label": cid.replace("j-", "Campaign "),
                                                 "treatment": [], "control": []})[arm]
                arm_truth.append([1 if rev else 0, sum(rev)])
        json.dump({"window_days": a.window_days, "campaigns": out, "refused": {"j-0": 1}},
                  open(a.answers, "w"))


if __name__ == "__main__":
    main()
