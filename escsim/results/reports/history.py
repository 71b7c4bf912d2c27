"""The reports of the history's folders: a backtest (how many observations fall inside the
simulated intervals), a backtest over the eras (the scores) and a calibration (the posterior
against the prior, and its check)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from escsim.results.reports.page import Page, e, long_table, num
from escsim.results.tables import read_shaped

CAPTIONS = [
    (r"tempo", "Observed counts (points) against the simulated intervals, window by window."),
    (r"percentiles", "Where each observation falls among the simulated runs (its percentile)."),
    (r"distributions", "Simulated distributions of each observed measure, the observation "
                       "marked."),
    (r"attacks|casualties|deaths|strike_rounds", "Cumulative {stem} over the window: simulated "
                                                  "bands and the record."),
    (r"prior_posterior", "Each calibrated parameter: prior and posterior."),
    (r"statistics", "The summary statistics of the fit: simulated against observed."),
    (r"scores", "Scores per era."),
]


def backtest(result: Any) -> Page:
    c = result.tables.get("comparison")
    if c is None or c.empty or "inside_90" not in c:
        return Page(answer="This backtest folder has no comparison table.", captions=CAPTIONS)
    inside90 = int(c["inside_90"].astype(bool).sum())
    inside50 = int(c["inside_50"].astype(bool).sum())
    answer = (f"{inside90} of {len(c)} observations fall inside the simulated 90% interval and "
              f"{inside50} inside the 50% interval (a well-calibrated model puts about 90% and "
              "50% there).")
    cols = [k for k in ("scenario", "id", "measure", "observed", "q05", "q50", "q95",
                        "percentile", "verdict") if k in c]
    return Page(answer=answer, table=long_table(c[cols], "comparison.csv", "observations"),
                captions=CAPTIONS)


def eras(result: Any) -> Page:
    page = backtest(result)
    scores = result.tables.get("scores")
    if scores is not None and not scores.empty:
        page.sections.insert(0, ("Scores per era", long_table(scores, "scores.csv", "rows")))
    return page


def calibrate(result: Any) -> Page:
    post = result.tables.get("posterior_summary")
    sections = []
    check = result.path / "check" / "scores.csv"
    if check.is_file():
        sections.append(("The posterior's check, era by era",
                         long_table(read_shaped(result.path, "calibrate", "check/scores.csv"),
                                    "check/scores.csv", "rows")))
    if post is None or post.empty:
        return Page(answer="This calibration folder has no posterior summary.",
                    sections=sections, captions=CAPTIONS)
    narrowed = post[post["narrowing_90"] < 0.5] if "narrowing_90" in post else post.head(0)
    answer = (f"{len(post)} parameters calibrated; the data narrow {len(narrowed)} of them to "
              "under half their prior's 90% range"
              + (": " + ", ".join(e(p) for p in narrowed["parameter"]) if len(narrowed) else "")
              + ".")
    cols = [k for k in ("parameter", "scenario_value", "prior_q05", "prior_q50", "prior_q95",
                        "posterior_q05", "posterior_q50", "posterior_q95", "narrowing_90")
            if k in post]
    return Page(answer=answer, table=long_table(post[cols] if cols else post,
                                                "posterior_summary.csv", "parameters"),
                sections=sections, captions=CAPTIONS)


def generic(result: Any, names: tuple[str, ...]) -> Page:
    """Any other folder: its tables, summarised when long."""
    parts = [f"<h3><code>{e(n)}.csv</code></h3>" + long_table(result.tables[n], f"{n}.csv")
             for n in names if n in result.tables]
    return Page(answer=f"An escsim {e(result.kind)} result"
                       + (f" with {num(len(parts))} table(s)." if parts else "."),
                table="".join(parts))


SCORE_CAPTIONS = [
    (r"scores-rolling", "Rolling forecasts from each month start: the observed attacks against "
                        "the forecasters' 90% intervals (top), and each forecaster's score "
                        "(bottom; CRPS, lower is better)."),
    (r"scores-", "Forecasts from the seed date onwards: the observed attacks against the "
                 "forecasters' 90% intervals (top), and their scores (bottom; CRPS, lower is "
                 "better)."),
    (r"pit-", "Where each observed count fell in its forecast (PIT histogram): flat when "
              "the forecasts are calibrated, U-shaped when too narrow, humped when too wide."),
]


def _score_answer(coverage: pd.DataFrame, skill: pd.DataFrame | None) -> str:
    """The model against the best benchmark on the first set's shortest window, all countries
    together."""
    total = coverage[coverage["country"] == "total"] if "country" in coverage else coverage
    total = total if len(total) else coverage
    where = "rolling" if (total["set"] == "rolling").any() else str(total["set"].iloc[0])
    days = int(total.loc[total["set"] == where, "window_days"].min())
    rows = total[(total["set"] == where) & (total["window_days"] == days)]
    model = rows[rows["forecaster"] == "model"]
    others = rows[rows["forecaster"] != "model"].sort_values("crps")
    if model.empty or others.empty:
        return (f"{len(coverage)} scored forecast sets; the model or its benchmarks are "
                "missing from coverage.csv.")
    m, best = model.iloc[0], others.iloc[0]
    text = (f"Over {int(m['forecasts'])} {e(where.replace('_', ' '))} {days}-day forecasts of "
            f"attacks, the model's CRPS is {num(m['crps'])} against {num(best['crps'])} for the "
            f"best benchmark ({e(best['forecaster'])}; lower is better)")
    if skill is not None and not skill.empty:
        s = skill[(skill["set"] == where) & (skill["window_days"] == days)
                  & (skill["country"] == m.get("country", "total"))
                  & (skill["forecaster"] == "model") & (skill["reference"] == best["forecaster"])]
        if len(s):
            r = s.iloc[0]
            low, high = float(r["skill_low"]), float(r["skill_high"])
            spread = (f" [{num(low)}, {num(high)}]" if low == low and high == high and low < high
                      else " (too few forecasts for an interval)")
            text += f": a skill of {num(r['skill'])}{spread} (above 0: better than it)"
    return text + (f"; its 90% intervals held {num(100 * float(m['in90']), 2)}% of the observed "
                   "counts.")


def score(result: Any) -> Page:
    coverage = result.tables.get("coverage")
    if coverage is None or coverage.empty or "forecaster" not in coverage:
        return Page(answer="This score folder has no coverage table.", captions=SCORE_CAPTIONS)
    shown = coverage[coverage["country"] == "total"] if "country" in coverage else coverage
    cols = [k for k in ("set", "window_days", "forecaster", "forecasts", "crps", "in50", "in90",
                        "pit_mean") if k in shown]
    return Page(answer=_score_answer(coverage, result.tables.get("skill")),
                table=long_table(shown[cols], "coverage.csv", "rows"),
                captions=SCORE_CAPTIONS)
