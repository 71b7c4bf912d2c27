"""The report of a comparison folder (``escsim run A B ...``, ``escsim compare``): every
scenario in one small table (the rungs that tell them apart, with intervals), the paired
differences from the base with ratios, and the differences under each alternative of the
contested mechanisms when the folder has them (``--across-mechanisms``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from escsim.results.reports.page import Page, e, num, signed, stacked, table
from escsim.results.tables import read_shaped

CAPTIONS = [
    (r"^plots/mechanisms\.png$", "The paired difference from the base under each alternative "
                                 "of each contested mechanism, with 95% intervals: where the "
                                 "sign of the answer rests on an assumption."),
    (r"^plots/differences\.png$", "Paired differences from the base, with 95% intervals (same "
                                  "seeds for every scenario)."),
    (r"^plots/compare_rungs\.png$", "Probability of reaching each rung, scenario by scenario, "
                                    "with 95% intervals."),
    (r"^plots/compare_survival\.png$", "Share of runs not yet at each rung, day by day, per "
                                       "scenario."),
    (r"^plots/compare_counts\.png$", "Counts per run (attacks, US wounded and killed), per "
                                     "scenario."),
    (r"^plots/compare_daily\.png$", "Daily counts: median and bands, per scenario."),
]


def _names(folder: Path) -> dict[int, str]:
    from escsim.results.files import read_json

    for s in sorted(folder.glob("*/summary.json")):
        return {int(k): v for k, v in read_json(s).get("rung_names", {}).items()}
    return {}


def measure_label(measure: str, names: dict[int, str]) -> str:
    """``rung_4_reached`` as "P(rung 4 us_killed)", ``attacks_mean`` as "mean attacks"."""
    if measure.startswith("rung_") and measure.endswith("_reached"):
        k = int(measure.split("_")[1])
        return f"P(rung {k} {names.get(k, '')})".replace(" )", ")")
    for stat in ("mean", "median"):
        if measure.endswith(f"_{stat}"):
            return f"{stat} {measure[: -len(stat) - 1]}"
    return measure


def _means(folder: Path) -> dict[str, dict[str, float]]:
    """Each scenario's mean counts per run (its summary.json), as ``escsim run`` prints them."""
    from escsim.results.files import read_json

    out = {}
    for path in sorted(folder.glob("*/summary.json")):
        s = read_json(path)
        out[str(s.get("scenario", path.parent.name))] = {
            q["count"]: q["mean"] for q in s.get("count_quantiles", [])}
    return out


def wide(comparison: pd.DataFrame, names: dict[int, str],
         means: dict[str, dict[str, float]] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One row per scenario: the rungs that tell the scenarios apart (reached in under half the
    runs of some scenario and by some run), each with its interval, and the mean counts per run
    (as the command prints them; the medians are in comparison.csv)."""
    rung_rows = comparison[comparison["measure"].str.match(r"rung_\d+_reached")]
    by = rung_rows.pivot_table(index="measure", values="estimate", aggfunc=["min", "max"])
    telling = [m for m in by.index if by.loc[m, ("min", "estimate")] < 0.5
               and by.loc[m, ("max", "estimate")] > 0]
    telling = sorted(telling, key=lambda m: int(m.split("_")[1])) or sorted(
        by.index, key=lambda m: int(m.split("_")[1]))
    means = means or {}
    counts = [c for c in ("attacks", "us_wounded", "us_killed")
              if any(c in m for m in means.values())]
    rows = []
    for scenario, part in comparison.groupby("scenario", sort=False):
        at = part.set_index("measure")
        row: dict[str, Any] = {"scenario": scenario}
        if part["start_date"].nunique() == 1 and comparison["start_date"].nunique() > 1:
            row["window"] = f"{part['start_date'].iloc[0]} +{num(part['horizon_days'].iloc[0])}d"
        for m in telling:
            row[measure_label(m, names)] = (stacked(at.loc[m, "estimate"], at.loc[m, "low"],
                                                    at.loc[m, "high"]) if m in at.index else "-")
        for c in counts:
            row[f"mean {c}"] = means.get(str(scenario), {}).get(c)
        rows.append(row)
    return pd.DataFrame(rows), telling


def differences_frame(diff: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """The paired differences, one row per variant and measure: both estimates, the difference
    with its interval and the ratio."""
    rows = []
    for r in diff.itertuples():
        ratio = r.variant_estimate / r.base_estimate if r.base_estimate else float("nan")
        rows.append({"variant - base": f"{r.variant} - {r.base}",
                     "measure": measure_label(str(r.measure), names),
                     "base": r.base_estimate, "variant": r.variant_estimate,
                     "difference [95%]": f"{signed(r.difference)} [{signed(r.low)}, "
                                         f"{signed(r.high)}]",
                     "ratio": ratio})
    return pd.DataFrame(rows)


def headline(telling: list[str], diff: pd.DataFrame | None) -> str:
    """The measure the answer is about: the lowest rung that tells the scenarios apart."""
    if telling:
        return telling[0]
    if diff is not None and len(diff):
        return str(diff["measure"].iloc[0])
    return ""


def mechanisms_section(folder: Path, names: dict[int, str], measure: str) -> tuple[str, str]:
    """The answer under each alternative of the contested mechanisms (``mechanisms.csv``), and
    a sentence on sign flips."""
    path = folder / "mechanisms.csv"
    if not path.is_file():
        return "", ""
    t = read_shaped(folder, "comparison", "mechanisms.csv")
    # on the page: the headline measure as run (once) and under each other alternative, and
    # the rows of other measures whose sign an alternative reverses; mechanisms.csv has all
    first = t[t["default"]].drop_duplicates(["variant", "measure"])
    first = first.assign(mechanism="(as run)", alternative="every mechanism in force")
    page_rows = pd.concat([first[first["measure"] == measure],
                           t[(t["measure"] == measure) & ~t["default"]],
                           t[(t["measure"] != measure) & t["flips"]]])
    shown = pd.DataFrame({
        "variant - base": page_rows["variant"] + " - " + page_rows["base"],
        "mechanism": page_rows["mechanism"], "alternative": page_rows["alternative"],
        "measure": [measure_label(m, names) for m in page_rows["measure"]],
        "difference [95%]": [f"{signed(d)} [{signed(lo)}, {signed(hi)}]"
                             for d, lo, hi in zip(page_rows["difference"], page_rows["low"],
                                                  page_rows["high"], strict=True)],
        "ratio": page_rows["ratio"],
        "sign reversed": page_rows["flips"].map({True: "yes", False: ""})})
    flips = t[t["flips"]]
    sentence = ""
    if len(flips):
        parts = []
        first = flips[flips["measure"] == measure]
        for (variant, mechanism), rows in first.groupby(["variant", "mechanism"], sort=False):
            d = t[(t["variant"] == variant) & (t["measure"] == measure)
                  & (t["mechanism"] == mechanism)]
            ref = d[d["default"]]
            parts.append(
                f"the sign of {e(variant)} minus {e(rows['base'].iloc[0])} in "
                f"{e(measure_label(measure, names))} rests on {e(mechanism)}: "
                + "; ".join(f"{e(r.alternative)}{' (in force)' if r.default else ''} "
                            f"{signed(r.difference)} [{signed(r.low)}, {signed(r.high)}]"
                            for r in pd.concat([ref, rows]).itertuples()))
        others = flips[flips["measure"] != measure]
        if len(others):
            parts.append("other measures whose sign an alternative reverses: " + ", ".join(
                f"{e(measure_label(m, names))} ({e(', '.join(dict.fromkeys(g['mechanism'])))})"
                for m, g in others.groupby("measure", sort=False)))
        sentence = "Careful: " + ". ".join(parts) + "."
    return sentence, table(shown) + (
        f"<p class=small>{len(shown)} of {len(t)} rows shown: the headline measure under "
        "each alternative and every reversed sign; <code>mechanisms.csv</code> holds every "
        "measure under every alternative.</p>")


def page(result: Any) -> Page:
    folder = result.path
    names = _names(folder)
    comparison = result.tables.get("comparison")
    diff = result.tables.get("differences")
    if comparison is None or comparison.empty:
        return Page(answer="This comparison folder has no comparison table.")
    small, telling = wide(comparison, names, _means(folder))
    measure = headline(telling, diff)
    label = measure_label(measure, names)
    est = comparison[comparison["measure"] == measure].set_index("scenario")["estimate"]
    n = comparison["scenario"].nunique()
    runs = int(comparison["runs"].iloc[0])
    days = sorted(set(comparison["horizon_days"]))
    starts = sorted(set(comparison["start_date"]))
    window = (f"{num(days[0])} days from {starts[0]}" if len(days) == 1 and len(starts) == 1
              else "different windows (not comparable number for number)")
    answer = (f"{n} scenarios, {runs} runs each on the same seeds, {e(window)}: "
              f"{e(label)} ranges from {num(est.min())} ({e(est.idxmin())}) to "
              f"{num(est.max())} ({e(est.idxmax())}).") if len(est) else f"{n} scenarios."
    sections = []
    if diff is not None and len(diff):
        d = diff[diff["measure"] == measure]
        said = []
        for r in d.itertuples():
            ratio = r.variant_estimate / r.base_estimate if r.base_estimate else float("nan")
            said.append(f"{e(r.variant)} minus {e(r.base)}: {signed(r.difference)} "
                        f"[{signed(r.low)}, {signed(r.high)}]"
                        + (f", a ratio of {num(ratio)}" if ratio == ratio
                           else ", no ratio (the base is 0)"))
        if said:
            answer += f" Paired differences in {e(label)}: " + "; ".join(said) + "."
        sections.append(("Paired differences from the base",
                         "<p>Each variant minus the base on the same seeds, with 95% intervals "
                         "(Newcombe's paired interval for probabilities, a paired t interval "
                         "for means) and the ratio variant/base:</p>"
                         + table(differences_frame(diff, names))
                         + "<p class=small>Complete, with the variance ratio of the pairing: "
                           "<code>differences.csv</code>.</p>"))
    flip, mech = mechanisms_section(folder, names, measure)
    if flip:
        answer += f"</p><p class=answer>{flip}"
    if mech:
        sections.insert(0, ("Under each alternative of the contested mechanisms",
                            "<p>The same paired comparison run under every alternative of each "
                            "contested mechanism (same seeds), so a reader sees where the sign "
                            "rests on an assumption:</p>" + mech))
    return Page(answer=answer,
                table=("<p>Every scenario, with 95% intervals for the rungs that tell them "
                       "apart, and the mean counts per run (heavy-tailed: a few long runs "
                       "carry the mean; the medians are in <code>comparison.csv</code>):</p>"
                       + table(small)
                       + f"<p class=small>Every measure of every scenario, with intervals: "
                         f"<code>comparison.csv</code> ({len(comparison)} rows).</p>"),
                sections=sections, captions=CAPTIONS, figure_globs=("plots/*.png",),
                notes=["Each scenario's own figures are in its folder "
                       "(<code>escsim plot DIR/NAME</code> draws them, and <code>escsim "
                       "report DIR/NAME</code> writes its own report)."])
