"""The report of a study folder: the most robust doctrine, the ranking with intervals, regret
and satisficing, and where the answer flips (``flips.txt``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from escsim.results.reports.page import Page, e, interval, long_table, num, table

CAPTIONS = [
    (r"regret", "Regret of each doctrine in each state of the world (darker: further from the "
                "best doctrine of that state)."),
    (r"tradeoff", "The doctrines' worst-state outcomes against each other: the non-dominated "
                  "set is the front."),
    (r"parallel", "Each doctrine's worst-state value of every outcome, side by side."),
]


def page(result: Any) -> Page:
    t = result.tables
    ranking = t.get("ranking")
    if ranking is None or ranking.empty:
        return Page(answer="This study folder has no ranking.", captions=CAPTIONS)
    sat = t.get("satisficing")
    share = (sat.set_index("doctrine")["satisficing_share"]
             if sat is not None and "satisficing_share" in sat else pd.Series(dtype=float))
    top = ranking.iloc[0]
    by = str(top.get("rank_by", "regret")).replace("_", " ")
    answer = (f"Most robust: <strong>{e(top['doctrine'])}</strong>, with the lowest maximum "
              f"{e(by)} over the states of the world "
              f"({interval(top['max_regret'], top['max_regret_low'], top['max_regret_high'])})")
    if len(ranking) > 1:
        second = ranking.iloc[1]
        answer += (f"; the next, {e(second['doctrine'])}, has "
                   + interval(second["max_regret"], second["max_regret_low"],
                              second["max_regret_high"]))
    unresolved = ranking[~ranking["resolved"].astype(bool)] if "resolved" in ranking else []
    answer += "." + (" Some ranks are not resolved by these runs (their intervals overlap)."
                     if len(unresolved) else " Every rank is resolved at this confidence.")
    rows = [{"rank": (f"{r['rank']}" if r.get("resolved", True)
                      else f"{r['rank']} [{r['rank_low']}-{r['rank_high']}]"),
             "doctrine": r["doctrine"],
             "max regret [95%]": interval(r["max_regret"], r["max_regret_low"],
                                          r["max_regret_high"]),
             "90th pct regret": r.get("p90_regret"), "P(best)": r.get("p_best"),
             **({"satisficing share": share.get(r["doctrine"])} if len(share) else {})}
            for _, r in ranking.iterrows()]
    sections = []
    flips = result.path / "flips.txt"
    lines = [ln for ln in flips.read_text(encoding="utf-8").splitlines() if ln.strip()] \
        if flips.is_file() else []
    if lines:
        sections.append(("Where the answer flips", "<ul>" + "".join(
            f"<li>{e(ln)}</li>" for ln in lines[:20]) + "</ul>"
            + (f"<p class=small>{len(lines) - 20} more in <code>flips.txt</code>.</p>"
               if len(lines) > 20 else "")))
    front = t.get("front")
    if front is not None and not front.empty:
        sections.append(("Worst state of each outcome, and the non-dominated set",
                         long_table(front, "front.csv", "doctrines")))
    regret = t.get("regret")
    if regret is not None and not regret.empty and {"doctrine", "regret"} <= set(regret):
        per = regret.groupby("doctrine")["regret"].agg(["min", "median", "max"]).reset_index()
        sections.append(("Regret across the states of the world",
                         "<p>Each doctrine's combined regret over the states (0: the best "
                         "doctrine of that state):</p>" + table(per)
                         + f"<p class=small>Every state: <code>regret.csv</code> "
                           f"({len(regret)} rows).</p>"))
    return Page(answer=answer,
                table=f"<p>Doctrines ranked by maximum {e(by)}, 95% paired-bootstrap "
                      "intervals:</p>" + table(pd.DataFrame(rows)),
                sections=sections, captions=CAPTIONS, figure_globs=("plots/*.png",),
                notes=["The study's points are a sweep's: <code>escsim plot DIR</code> draws "
                       "their figures too."] if num(len(ranking)) else [])
