"""Comparison folders (``escsim run A B ...``, ``escsim compare BASE VARIANT...``): several
scenarios run on the same seeds, side by side (``comparison.csv``) and, against a base, as paired
differences (``differences.csv``).

The pure table work is :func:`escsim.analysis.compare.comparison_table` and
:func:`escsim.analysis.paired.paired_differences`; a study's doctrine comparison is
:mod:`escsim.study.compare`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from escsim.apps.common import SILENT, AppResult, Feedback
from escsim.apps.run import run
from escsim.apps.tail import NO_TAIL
from escsim.errors import InputError
from escsim.executors import Executor
from escsim.records import DEFAULT_SEED


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
                     f"interval{'var. ratio':>22}")
        for r in rows.itertuples():
            lines.append(f"  {r.measure:<26}{sig(r.base_estimate):>10}"
                         f"{sig(r.variant_estimate):>10}{signed(r.difference):>12}   "
                         f"[{signed(r.low)}, {signed(r.high)}]{sig(r.variance_ratio, 2):>14}")
    methods = "; ".join(dict.fromkeys(table["method"]))
    lines.append(f"intervals: {methods}. var. ratio: variance of the paired difference over the "
                 "unpaired one (below 1: the pairing helped)")
    return lines


def compare(base: str, variants: list[str] | tuple[str, ...], runs: int = 500,
            seed: int = DEFAULT_SEED, horizon: float | None = None,
            overrides: tuple[str, ...] = (), executor: str | Executor = "process",
            jobs: int | None = None, scheduler: str | None = None, out: Path | None = None,
            force: bool = False, resume: bool = False, plots: bool = True, report: bool = True,
            feedback: Feedback = SILENT) -> AppResult:
    """Differences of ``variants`` from ``base``, paired replication by replication
    (``escsim compare``): :func:`escsim.apps.run.run` of every scenario on the same seeds with
    ``base``, into ``results/compare-<base>``."""
    from escsim.apps.common import output_folder

    target = output_folder(out, f"compare-{Path(base).stem}", force, resume, feedback)
    return run((base, *variants), runs=runs, seed=seed, horizon=horizon, overrides=overrides,
               executor=executor, jobs=jobs, scheduler=scheduler, out=target, force=force,
               resume=resume, plots=plots, base=base, report=report, tail=NO_TAIL,
               feedback=feedback)


def redraw(folder: Path) -> list[Path]:
    """Redraw a comparison folder: each scenario's run folder, then the side-by-side figures
    (``comparison.csv`` is the folder's data, not redrawn)."""
    import pandas as pd

    from escsim.simulation import plot_run_folder, write_comparison

    subs = sorted(p.parent for p in folder.glob("*/runs.csv"))
    if not subs:
        raise InputError("a comparison folder without its scenarios' run folders",
                         file=str(folder), expected="a folder of escsim run with several "
                                                    "scenarios (one run folder each)")
    files = [f for sub in subs for f in plot_run_folder(sub)]
    base = None  # a comparison run with --base keeps its base drawn first
    if (folder / "differences.csv").is_file():
        bases = pd.read_csv(folder / "differences.csv", usecols=["base"])["base"]
        base = str(bases.iloc[0]) if len(bases) else None
    write_comparison(folder, subs, plots=True, table=False, base=base)
    return files + sorted((folder / "plots").glob("*.png"))
