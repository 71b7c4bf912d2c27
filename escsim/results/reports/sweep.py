"""The reports of sweep and sensitivity folders: the answer is how far the headline rung's
probability moves across the points and where it is lowest and highest; the per-point table is
summarised (rung by rung: lowest, median, highest) and the extreme points are listed, every
point being in ``summary.csv``."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from escsim.results.reports.page import Page, e, interval, long_table, num, table
from escsim.results.tables import read_shaped

CAPTIONS = [
    (r"rungs-along", "Probability of each rung along a swept axis ({stem}), with 95% "
                     "intervals."),
    (r"heatmap", "Probability of the rung over the two swept axes ({stem})."),
    (r"rung-by-scenario|scenarios", "The rungs' probabilities, scenario by scenario, across the "
                                    "points ({stem})."),
    (r"survival", "Share of runs not yet at the rung, day by day, across the points "
                  "({stem})."),
    (r"tornado", "Sobol' indices per input: first-order (alone) and total (with interactions), "
                 "with bootstrap intervals ({stem})."),
    (r"morris", "Morris screening: mean absolute elementary effect against its spread, per "
                "input ({stem})."),
    (r"prim", "Scenario discovery: the boxes of inputs where the outcome is likely ({stem})."),
]

_SKIP = {"point", "design_point", "start_date", "horizon_days", "runs", "seed_key"}


def _swept(summary: pd.DataFrame) -> list[str]:
    return [c for c in summary.columns
            if c not in _SKIP and not re.match(r"(p_rung_|mean_|q\d\d_)", c)]


def _headline(summary: pd.DataFrame) -> str:
    rungs = sorted(int(c.split("_")[2]) for c in summary.columns
                    if re.fullmatch(r"p_rung_\d+", c))
    for k in rungs:
        col = summary[f"p_rung_{k}"]
        if col.min() < 0.5 and col.max() > 0:
            return f"p_rung_{k}"
    return f"p_rung_{rungs[-1]}" if rungs else ""


def _point(row: pd.Series, swept: list[str]) -> str:
    return ", ".join(f"{k}={num(row[k]) if isinstance(row[k], float) else row[k]}"
                     for k in swept) or f"point {row.get('point', '')}"


def page(result: Any) -> Page:
    summary = result.tables.get("summary")
    if summary is None or summary.empty:
        return Page(answer="This sweep folder has no summary table.", captions=CAPTIONS)
    swept = _swept(summary)
    h = _headline(summary)
    sections = []
    answer = f"{len(summary)} points, {num(summary['runs'].iloc[0])} runs each"
    if h:
        k = h.split("_")[2]
        lo, hi = summary.loc[summary[h].idxmin()], summary.loc[summary[h].idxmax()]
        if lo[h] == hi[h]:
            answer += f": the probability of rung {k} is {num(lo[h])} at every point."
        else:
            answer += (f": the probability of rung {k} ranges from "
                       f"{interval(lo[h], lo[f'{h}_low'], lo[f'{h}_high'])} at "
                       f"{e(_point(lo, swept))} to "
                       f"{interval(hi[h], hi[f'{h}_low'], hi[f'{h}_high'])}"
                       f" at {e(_point(hi, swept))}.")
        ordered = summary.sort_values(h)
        extremes = pd.concat([ordered.head(5), ordered.tail(5)]).drop_duplicates("point")
        rows = [{"point": int(r["point"]), **{k: r[k] for k in swept},
                 f"P(rung {k})": interval(r[h], r[f"{h}_low"], r[f"{h}_high"]),
                 **({"mean attacks": r["mean_attacks"]} if "mean_attacks" in r else {})}
                for _, r in extremes.iterrows()]
        sections.append((f"The points with the lowest and highest P(rung {k})",
                         table(pd.DataFrame(rows))
                         + f"<p class=small>{min(len(summary), 10)} of {len(summary)} points "
                           "shown; <code>summary.csv</code> holds every point with every "
                           "rung's interval and the counts' quantiles.</p>"))
    else:
        answer += "."
    rung_cols = sorted((c for c in summary.columns if re.fullmatch(r"p_rung_\d+", c)),
                       key=lambda c: int(c.split("_")[2]))
    overview = pd.DataFrame([{"rung": int(c.split("_")[2]), "lowest": summary[c].min(),
                              "median": summary[c].median(), "highest": summary[c].max()}
                             for c in rung_cols])
    sens = result.tables.get("sensitivity")
    if sens is not None and not sens.empty:
        index = next((c for c in ("ST", "mu_star") if c in sens.columns), None)
        if index is not None and {"outcome", "parameter"} <= set(sens.columns):
            top = sens.sort_values(index, ascending=False).groupby("outcome", sort=False).head(1)
            answer = ("What moves each outcome most: " + "; ".join(
                f"{e(r.outcome)}: {e(r.parameter)} ({index} {num(getattr(r, index), 2)})"
                for r in top.itertuples()) + ". " + answer)
        keep = [c for c in ("outcome", "parameter", "S1", "S1_low", "S1_high", "ST", "ST_low",
                            "ST_high", "mu_star", "sigma") if c in sens.columns]
        sections.insert(0, ("Sensitivity indices", table(sens[keep] if keep else sens)
                            + "<p class=small>Complete: <code>sensitivity.csv</code>.</p>"))
    paired = result.path / "differences.csv"
    if paired.is_file():  # sweep --pair: each lever setting against the first, state by state
        diff = read_shaped(result.path, "sweep", "differences.csv")
        if not diff.empty:
            keep = [c for c in ("base", "variant", "measure", "difference", "low", "high",
                                "ratio") if c in diff.columns]
            sections.append(("Paired differences of the lever settings, state by state",
                             long_table(diff[keep], "differences.csv", "differences")))
    return Page(answer=answer,
                table=("<p>Each rung's probability across the points: lowest, median and "
                       "highest point estimate.</p>" + table(overview)),
                sections=sections, captions=CAPTIONS)
