"""The printed side of a comparison: one row per scenario, and the paired differences. Used by
``escsim run A B ...`` (:mod:`escsim.apps.run`) and ``escsim compare``
(:mod:`escsim.apps.compare`), so neither imports the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def comparison_lines(summaries: list[dict[str, Any]]) -> list[str]:
    """What ``escsim run`` prints for several scenarios: one row each, side by side, with the
    rungs some scenario reaches in under half its runs (the ones the comparison is about) and
    the mean counts (heavy-tailed: most runs stay quiet, so medians would read alike); each
    scenario's whole table is in its folder and printed with ``-v``."""
    from escsim.analysis.format import sig

    probs = [{int(r["rung"]): r for r in s["rung_probability"]} for s in summaries]
    levels = sorted({lv for p in probs for lv in p})
    shown = [lv for lv in levels
             if min(p[lv]["probability"] if lv in p else 1.0 for p in probs) < 0.5
             and max(p[lv]["probability"] if lv in p else 0.0 for p in probs) > 0] or levels
    names = {int(k): v for s in summaries for k, v in s.get("rung_names", {}).items()}
    counts = ("attacks", "us_wounded", "us_killed")
    windows = sorted({(s["start_date"], float(s["horizon_days"])) for s in summaries})
    labels = [(s.get("title") or s["scenario"])
              + (f" ({s['start_date']}+{float(s['horizon_days']):g}d)" if len(windows) > 1
                 else "") for s in summaries]
    width = max(len(label) for label in labels) + 2
    where = "; ".join(f"{h:g} days from {d}" for d, h in windows)
    lines = [f"{len(summaries)} scenarios, {summaries[0]['runs']} runs each, {where}, root seed "
             f"{summaries[0]['root_seed']}",
             "P(rung reached), mean counts per run (intervals: comparison.csv; -v: each "
             "scenario's table)"]
    if len(windows) > 1:  # rows over different windows are not comparable number for number
        lines.append("note: different windows (start+days by each name): the rows are not "
                     "comparable number for number")
    lines.append(f"  {'scenario':<{width}}" + "".join(f"{f'rung {lv}':>8}" for lv in shown)
                 + "".join(f"{c:>11}" for c in counts))
    for s, p, label in zip(summaries, probs, labels, strict=True):
        mean = {q["count"]: q["mean"] for q in s["count_quantiles"]}
        lines.append(f"  {label:<{width}}"
                     + "".join(f"{sig(p[lv]['probability']) if lv in p else '-':>8}"
                               for lv in shown)
                     + "".join(f"{sig(mean[c]) if c in mean else '-':>11}" for c in counts))
    lines.append("  rungs: " + ", ".join(f"{lv} {names.get(lv, '')}".strip() for lv in shown))
    return lines


def differences_lines(path: Path) -> list[str]:
    """The differences table of ``differences.csv``: each measure's paired difference from the
    base with its interval, in significant digits."""
    import pandas as pd

    from escsim.analysis.format import sig, signed

    table = pd.read_csv(path)
    lines = []
    for variant, rows in table.groupby("variant", sort=False):
        first = rows.iloc[0]
        lines.append(f"\n{variant} - {first['base']}: paired on {int(first['runs'])} common "
                     f"seeds ({int(first['confidence'] * 100)}% intervals)")
        windows = [(first.get(f"{who}start_date"), first.get(f"{who}horizon_days"))
                   for who in ("base_", "")]
        if "start_date" in table and windows[0] != windows[1]:
            (b_start, b_days), (v_start, v_days) = windows
            lines.append(f"  windows differ: {first['base']} from {b_start} for {b_days:g} "
                         f"days, {variant} from {v_start} for {v_days:g} days (not comparable "
                         "number for number)")
        lines.append(f"  {'measure':<26}{'base':>10}{'variant':>10}{'difference':>12}   "
                     f"{'interval':<22}{'ratio':>7}{'var. ratio':>12}")
        for r in rows.itertuples():
            ratio = r.variant_estimate / r.base_estimate if r.base_estimate else float("nan")
            lines.append(f"  {r.measure:<26}{sig(r.base_estimate):>10}"
                         f"{sig(r.variant_estimate):>10}{signed(r.difference):>12}   "
                         f"{f'[{signed(r.low)}, {signed(r.high)}]':<22}"
                         f"{sig(ratio, 3) if ratio == ratio else '-':>7}"
                         f"{sig(r.variance_ratio, 2):>12}")
    methods = "; ".join(dict.fromkeys(table["method"]))
    lines.append(f"intervals: {methods}. ratio: variant / base (for a rung, the risk ratio). "
                 "var. ratio: variance of the paired difference over the unpaired one (below 1: "
                 "the pairing helped)")
    return lines
