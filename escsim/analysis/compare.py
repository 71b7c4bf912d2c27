"""Scenarios side by side: one tidy table of rung probabilities and count quantiles."""

from __future__ import annotations

import pandas as pd

from escsim.analysis.runs import count_quantiles, rung_probabilities
from escsim.records import MAIN_COUNTS


def comparison_table(runs_by_scenario: dict[str, pd.DataFrame],
                     windows: dict[str, tuple[str, float]] | None = None) -> pd.DataFrame:
    """Long table: one row per (scenario, measure) with estimate and interval.

    Measures are ``rung_K_reached`` rows (the probability of reaching rung K within the
    horizon, with its 95% binomial interval) and one row per main count (median with the 5-95%
    range). ``windows`` gives each scenario's (start date, horizon in days): scenarios over
    different windows are not comparable number for number, so every row says which it has.
    """
    rows = []
    windows = windows or {}
    for name, runs in runs_by_scenario.items():
        start, horizon = windows.get(name, ("", float("nan")))
        where = {"start_date": start, "horizon_days": horizon}
        for r in rung_probabilities(runs).itertuples():
            rows.append({"scenario": name, **where, "measure": f"rung_{r.rung}_reached",
                         "estimate": r.probability, "low": r.ci_low, "high": r.ci_high,
                         "interval": "95% Clopper-Pearson", "runs": r.runs})
        for q in count_quantiles(runs, MAIN_COUNTS).itertuples():
            rows.append({"scenario": name, **where, "measure": f"{q.count}_median",
                         "estimate": q.q50,
                         "low": q.q05, "high": q.q95, "interval": "5-95% of runs",
                         "runs": len(runs)})
    return pd.DataFrame(rows)
