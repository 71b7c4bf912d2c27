"""The report of a run folder (``escsim run`` with one scenario): the answer is the rung the
runs typically reach and the chance of the next one, then the rung table and the counts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from escsim.results.reports.page import Page, e, interval, num, table

CAPTIONS = [
    (r"(^|/)plots/rungs\.png$", "Probability of reaching each rung of the escalation ladder "
                                "within the horizon, with 95% intervals (Monte Carlo only)."),
    (r"(^|/)plots/survival\.png$", "Share of runs that have not yet reached each rung, day by "
                                   "day: how soon escalation comes, not only whether."),
    (r"(^|/)plots/max_rung\.png$", "The highest rung each run reached: how the runs are spread "
                                   "over the ladder."),
    (r"(^|/)plots/counts\.png$", "Counts per run (attacks, US wounded and killed, strikes): "
                                 "distributions across runs; most runs stay quiet, a few are "
                                 "heavy."),
    (r"(^|/)plots/daily\.png$", "Daily counts over the horizon: median and bands across runs."),
]


def rung_frame(s: dict[str, Any]) -> pd.DataFrame:
    """The rung table of a run summary: rung, name, probability with its interval."""
    names = {int(k): v for k, v in s.get("rung_names", {}).items()}
    return pd.DataFrame([{"rung": int(r["rung"]), "name": names.get(int(r["rung"]), ""),
                          "P(reached)": r["probability"], "95% low": r["ci_low"],
                          "95% high": r["ci_high"], "runs reaching": r.get("reached", "")}
                         for r in s.get("rung_probability", [])])


def answer_sentence(s: dict[str, Any]) -> str:
    """The run's answer: the highest rung reached in at least half the runs and the chance of
    the one above it."""
    rungs = rung_frame(s)
    if rungs.empty:
        return "These runs reached no rung of the ladder."
    where = (f"In {e(s.get('runs', ''))} runs of {num(s.get('horizon_days', ''))} days from "
             f"{e(s.get('start_date', ''))}")
    typical = rungs[rungs["P(reached)"] >= 0.5]
    above = rungs[rungs["P(reached)"] < 0.5]
    text = where
    if not typical.empty:
        t = typical.iloc[-1]
        text += f", most runs reach rung {t.rung} (<em>{e(t['name'])}</em>)"
    if not above.empty:
        a = above.iloc[0]
        text += ((";" if not typical.empty else ",")
                 + f" rung {a.rung} (<em>{e(a['name'])}</em>) is reached in "
                 f"{num(a['P(reached)'] * 100)}% of runs (95% interval "
                 f"{num(a['95% low'] * 100)}-{num(a['95% high'] * 100)}%)")
    return text + "."


def counts_frame(s: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([{"count": q["count"], "median": q["q50"],
                          "90% range": f"{num(q['q05'])} to {num(q['q95'])}",
                          "mean": q["mean"]} for q in s.get("count_quantiles", [])])


def page(result: Any) -> Page:
    s = result.summary
    sections = []
    if s.get("count_quantiles"):
        sections.append(("Counts per run", "<p>Median and 90% range across runs, and the mean "
                         "(heavy-tailed: a few runs with many attacks pull the mean far above "
                         "the median).</p>" + table(counts_frame(s))))
    rungs = rung_frame(s)
    shown = rungs.assign(**{"P(reached)": [interval(p, lo, hi) for p, lo, hi in zip(
        rungs["P(reached)"], rungs["95% low"], rungs["95% high"], strict=True)]}) \
        .drop(columns=["95% low", "95% high"]) if not rungs.empty else rungs
    return Page(answer=answer_sentence(s),
                table=("<p>Probability of reaching each rung within the horizon, with its 95% "
                       "Clopper-Pearson interval (Monte Carlo uncertainty only):</p>"
                       + table(shown)) if not rungs.empty else "",
                sections=sections, captions=CAPTIONS, figure_globs=("plots/*.png",))
