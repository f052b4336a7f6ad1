#!/usr/bin/env python3
"""The lift rows of a report against statsmodels and scipy, from the generator's truth.

usage: check_lift.py ANSWERS.json REPORT.json [CONFIDENCE]

Per campaign: the counts must equal the truth's; rate_difference_ci must be
statsmodels' confint_proportions_2indep(compare='diff', method='newcomb'),
relative_lift_ci its compare='ratio', method='log' (minus 1), incremental_revenue_ci
scipy's Welch interval (ttest_ind(equal_var=False).confidence_interval) on revenue per
assigned user, zeros included, times the treatment users.
"""
import json
import sys

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

answers, report = (json.load(open(p)) for p in sys.argv[1:3])
confidence = float(sys.argv[3]) if len(sys.argv) > 3 else 0.95
alpha = 1 - confidence
rows = {r["campaign_id"]: r for r in report["lift"]}
assert rows.keys() == answers["campaigns"].keys(), (rows.keys(), answers["campaigns"].keys())


def close(got, want, what, tol=1e-9):
    assert got is not None, what
    assert abs(got - want) <= tol * max(1.0, abs(want)), (what, got, want)


checked = 0
for cid, truth in answers["campaigns"].items():
    row = rows[cid]
    t = np.array(truth["treatment"], dtype=float).reshape(-1, 2)
    c = np.array(truth["control"], dtype=float).reshape(-1, 2)
    n1, n2 = len(t), len(c)
    x1, x2 = int(t[:, 0].sum()), int(c[:, 0].sum())
    assert (row["treatment_users"], row["control_users"]) == (n1, n2), (cid, row, n1, n2)
    assert (row["treatment_converted"], row["control_converted"]) == (x1, x2), (cid, row, x1, x2)
    assert row["refused_users"] == answers["refused"].get(cid, 0), (cid, row["refused_users"])
    assert row["campaign"] == truth["label"], (cid, row["campaign"])
    close(row["rate_difference"], x1 / n1 - x2 / n2, (cid, "rate_difference"))
    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, compare="diff", method="newcomb", alpha=alpha)
    close(row["rate_difference_ci"][0], lo, (cid, "rate_difference_ci low"))
    close(row["rate_difference_ci"][1], hi, (cid, "rate_difference_ci high"))
    close(row["incremental_conversions_ci"][0], lo * n1, (cid, "incremental_conversions_ci low"))
    close(row["incremental_conversions_ci"][1], hi * n1, (cid, "incremental_conversions_ci high"))
    close(row["relative_lift"], (x1 / n1) / (x2 / n2) - 1, (cid, "relative_lift"))
    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, compare="ratio", method="log", alpha=alpha)
    close(row["relative_lift_ci"][0], lo - 1, (cid, "relative_lift_ci low"))
    close(row["relative_lift_ci"][1], hi - 1, (cid, "relative_lift_ci high"))
    close(row["incremental_revenue"], (t[:, 1].mean() - c[:, 1].mean()) * n1, (cid, "incremental_revenue"), 1e-6)
    ci = stats.ttest_ind(t[:, 1], c[:, 1], equal_var=False).confidence_interval(confidence_level=confidence)
    # The report's revenue sums are rounded only in the attributed rows; the quantile is
    # statrs' (bisection-free inverse incomplete beta): agreement to 1e-7 relative.
    close(row["incremental_revenue_ci"][0], ci.low * n1, (cid, "incremental_revenue_ci low"), 1e-7)
    close(row["incremental_revenue_ci"][1], ci.high * n1, (cid, "incremental_revenue_ci high"), 1e-7)
    conclusive = n2 >= 1000 and x1 >= 10 and x2 >= 10
    assert row["conclusive"] == conclusive, (cid, row["conclusive"], n2, x1, x2)
    checked += 1
print("lift matches statsmodels (Newcombe, log) and scipy (Welch) at %g: %d campaigns, %d assigned users"
      % (confidence, checked, sum(r["treatment_users"] + r["control_users"] for r in rows.values())))
