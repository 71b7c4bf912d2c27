"""Sweep folders (``escsim sweep``): scenarios over a design of swept values, streamed to disk,
summarised across points, drawn and reported. :func:`run_plan` also runs the plans of
:mod:`escsim.apps.sensitivity`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from escsim.apps.common import (
    SILENT,
    AppResult,
    Feedback,
    UsageError,
    check_format,
    check_out,
    open_executor,
    output_folder,
    with_horizon,
    write_report_if,
)
from escsim.apps.tail import NO_TAIL, TailRequest, add_to_sweep, check_tail, tail_table_lines
from escsim.errors import InputError
from escsim.executors import Executor
from escsim.records import DEFAULT_SEED

#: The widest line a console summary prints (a terminal, a log, an e-mail keep it whole).
LINE_CHARS = 100


def wrapped(text: str, indent: str = "  ") -> list[str]:
    """``text`` as lines of at most :data:`LINE_CHARS`, the continuations indented further."""
    return textwrap.wrap(text, LINE_CHARS, initial_indent=indent,
                         subsequent_indent=indent + "    ", break_on_hyphens=False,
                         break_long_words=False) or [indent.rstrip()]


def value_text(value: Any) -> str:
    """A swept value as printed: a sampled float to 3 significant digits (0.202, not
    0.20204487198759893; 3, not 3.0), anything else as it is."""
    from escsim.analysis.format import sig

    if isinstance(value, float):
        return sig(value, 3)
    return str(value)


def resumed_plan(out: Path | None, what: str) -> Any:
    """The stored plan of an interrupted sweep (``--resume`` without a scenario)."""
    from escsim.sweep import load_plan

    if out is None:
        raise UsageError(f"--resume without {what} needs --out DIR")
    return load_plan(out)[0]


def run_plan(plan: Any, out: Path, ex: Executor, chunk_runs: int | None, resume: bool,
             force: bool, feedback: Feedback, runs_format: str = "csv") -> Any:
    """Run a planned sweep into ``out`` with a progress bar (checked first: never over another
    result)."""
    from escsim.sweep import run_sweep

    check_out(out, force, resume)
    with feedback.progress(f"{plan.n_points} points x {plan.spec.runs} runs") as bar:
        return run_sweep(plan, out, executor=ex, resume=resume, force=force,
                         chunk_runs=chunk_runs, progress=bar, runs_format=runs_format)


def _in_design_table(exc: InputError, path: Path, table: Any) -> InputError:
    """A value of a design table refused by the checks: blamed on the table's file, line and
    column (not on --vary, which was not given)."""
    keys, points = table
    where = ""
    if exc.key in keys:
        col = list(keys).index(exc.key)
        line = next((i + 2 for i, p in enumerate(points)
                     if p[col] == exc.value or str(p[col]) == str(exc.value)), None)
        where = f"line {line}, column {col + 1}" if line else f"column {col + 1}"
    else:
        point = next((i for i, p in enumerate(points)
                      if "at the point " + ", ".join(
                          f"{k}={v!r}" for k, v in zip(keys, p, strict=True))
                      in exc.message), None)
        if point is not None:
            where = f"line {point + 2}"
    message = exc.message.split(" at the point ")[0]
    return InputError(f"{message}" + (f" ({where})" if where else ""), file=str(path),
                      key=exc.key, value=exc.value, expected=exc.expected)


def _plan(scenarios: tuple[str, ...], vary: tuple[str, ...], design: str,
          design_table: Path | None, samples: int | None, runs: int, seed: int,
          overrides: list[str], uncertainty: str, priors: Path | None,
          posterior: Path | None, pair: tuple[str, ...], feedback: Feedback) -> Any:
    from escsim.sweep import SweepSpec, plan_sweep, read_design_table

    table = None
    if design_table is not None:
        keys, points = read_design_table(design_table)
        table = (tuple(keys), tuple(points))
        design = "table"
    elif design in ("lhs", "sobol") and samples is None:
        raise InputError(f"a {design} design needs --samples", key="--samples",
                         expected="e.g. --samples 64")
    elif design == "grid" and samples is not None:
        raise InputError("--samples applies to lhs and sobol designs", key="--samples",
                         value=samples, expected="--design lhs or sobol")
    if design == "sobol" and samples and samples & (samples - 1):
        feedback.note(f"note: {samples} Sobol' points is not a power of two; the design is "
                      "less balanced than with 2^k points")
    spec = SweepSpec(scenarios=tuple(scenarios), vary=tuple(vary), design=design,
                     samples=samples, runs=runs, seed=seed, overrides=tuple(overrides),
                     design_table=table, parameter_uncertainty=uncertainty,
                     priors=None if priors is None else str(priors),
                     posterior=None if posterior is None else str(posterior),
                     pair=tuple(pair))
    try:
        return plan_sweep(spec)
    except InputError as exc:
        if table is None or design_table is None:
            raise
        raise _in_design_table(exc, design_table, table) from None


def sweep(scenarios: tuple[str, ...] | list[str] = (), vary: tuple[str, ...] = (),
          design: str = "grid", design_table: Path | None = None, samples: int | None = None,
          runs: int = 100, seed: int = DEFAULT_SEED, horizon: float | None = None,
          overrides: tuple[str, ...] = (), uncertainty: str = "none",
          priors: Path | None = None, posterior: Path | None = None,
          executor: str | Executor = "process", jobs: int | None = None,
          scheduler: str | None = None, chunk_runs: int | None = None, out: Path | None = None,
          resume: bool = False, force: bool = False, plots: bool = True, report: bool = True,
          pair: tuple[str, ...] = (), tail: TailRequest = NO_TAIL,
          feedback: Feedback = SILENT, runs_format: str = "csv") -> AppResult:
    """Sweep ``scenarios`` over the values of ``vary`` keys (``escsim sweep``; the arguments
    are its options): runs.csv, summary.csv, points.csv, manifest.json, plots/, report.html.
    ``resume`` without scenarios finishes the sweep in ``out``; ``runs_format="parquet"``
    (``--format parquet``) writes runs.parquet instead of runs.csv."""
    check_format(runs_format)
    if resume and not scenarios:
        plan = resumed_plan(out, "SCENARIO")
    else:
        if not scenarios:
            raise UsageError("give at least one SCENARIO (or --resume --out DIR)")
        plan = _plan(tuple(scenarios), vary, design, design_table, samples, runs, seed,
                     with_horizon(overrides, horizon), uncertainty, priors, posterior, pair,
                     feedback)
        for note in plan.notes:
            feedback.warn(note)
    tail_rungs = check_tail(plan.scenarios, tail, plan.spec.parameter_uncertainty,
                            points=plan.n_points)
    target = output_folder(out, f"sweep-{plan.points[0].scenario}", force, resume, feedback)
    lines: list[str] = []
    with open_executor(executor, jobs, scheduler) as ex:
        result = run_plan(plan, target, ex, chunk_runs, resume, force, feedback, runs_format)
        if tail.wanted:
            table = add_to_sweep(result.folder, plan, tail_rungs, plan.spec.seed, tail, ex,
                                 f"{plan.n_points} points: rare rung by splitting", feedback)
            lines += tail_table_lines(table)
    return finish(result, plots, report, lines)


def _point_text(summary: Any, row: Any, keys: list[str]) -> str:
    """A point of a sweep's summary as ``point 3 (key=value, ...)``."""
    r = summary.loc[row]
    values = [f"{k}={value_text(r[k])}" for k in keys if k in summary]
    if "scenario" in summary and summary["scenario"].nunique() > 1:
        values.insert(0, str(r["scenario"]))
    return f"point {int(r['point'])}" + (f" ({', '.join(values)})" if values else "")


def summary_lines(result: Any, summary: Any) -> list[str]:
    """What a sweep prints: its size and time, then each rung's probability across points (min,
    median, max, and which point gave the extremes)."""
    from escsim.analysis.format import sig

    plan = result.plan
    names: dict[int, str] = {}
    for ladder in plan.ladders.values():
        for name, level in ladder.items():
            names.setdefault(level, name)
    how = "resumed: " if result.resumed else ""
    lines = [f"\n{how}{plan.n_points} points x {plan.spec.runs} runs = {plan.total_runs:,} "
             f"runs ({result.runs_run:,} run now, {result.wall_seconds:.1f}s); root seed "
             f"{plan.spec.seed}"]
    windows = sorted({(str(s), float(h)) for s, h in zip(summary["start_date"],
                                                          summary["horizon_days"], strict=True)})
    if len(windows) > 1:  # a probability within 60 days is not one within 365
        lines += wrapped(f"note: the points cover {len(windows)} windows ("
                         + ", ".join(f"{s} + {h:g} days" for s, h in windows)
                         + "): a point's probabilities are within its own window (start_date, "
                           "horizon_days of summary.csv)", "")
    lines.append(f"  {'rung':<28}{'P(reached) across points: min':>31}{'median':>9}{'max':>7}")
    for r in plan.rungs:
        col = summary[f"p_rung_{r}"].dropna()
        if len(col):
            label = f"{r} {names.get(r, '')}"
            lines.append(f"  {label:<28}{sig(col.min()):>31}{sig(col.median()):>9}"
                         f"{sig(col.max()):>9}")
            if plan.n_points > 1 and col.min() < col.max():  # which point gave which value
                for end, row in (("min", col.idxmin()), ("max", col.idxmax())):
                    lines += wrapped(f"{end} at {_point_text(summary, row, plan.keys)}", " " * 6)
    if plan.uncertainty is not None:
        lines += [f"parameter uncertainty: {line}" for line in plan.uncertainty.describe()]
    return lines


def paired_table(folder: Path, plan: Any) -> Any:
    """``differences.csv`` of a sweep with ``--pair`` keys: in each state (the points that
    share a seed key, differing only in the paired keys), every other lever setting's paired
    difference from the first, replication by replication (as ``escsim compare`` writes)."""
    import pandas as pd

    from escsim.analysis.paired import paired_differences
    from escsim.results.columns import write_columns
    from escsim.results.files import atomic_open

    points = pd.read_csv(folder / "points.csv")
    runs = pd.read_csv(folder / "runs.csv")
    names = {int(r["point"]): _point_text(points, i, plan.keys) for i, r in points.iterrows()}
    tables = []
    for _state, group in points.groupby("seed_key", sort=True):
        members = [int(p) for p in group["point"]]
        if len(members) < 2:
            continue
        by_point = {names[p]: runs[runs["point"] == p] for p in members}
        tables.append(paired_differences(by_point, names[members[0]], windows={
            names[p]: (str(r["start_date"]), float(r["horizon_days"]))
            for p, (_, r) in zip(members, group.iterrows(), strict=True)}))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    with atomic_open(folder / "differences.csv") as fh:
        table.to_csv(fh, index=False)
    write_columns(folder, {k: plan.unit(k) for k in plan.keys})
    return table


def finish(result: Any, plots: bool, report: bool, lines: list[str],
           outcomes: tuple[str, ...] = ()) -> AppResult:
    """A finished sweep (or sensitivity, study) folder: summarised, drawn and reported."""
    import pandas as pd

    plan = result.plan
    folder = result.folder
    summary = pd.read_csv(folder / "summary.csv")
    lines = [*lines, *summary_lines(result, summary)]
    if plan.spec.pair:
        paired = paired_table(folder, plan)
        states = paired["base"].nunique() if len(paired) else 0
        levers = ", ".join(plan.spec.pair)
        lines += wrapped(f"paired: differences.csv, each lever setting of {levers} against the "
                         f"first in each of {states} states, on common seeds", "")
    if plots:
        from escsim.plotting.sweeps import plot_sweep_folder

        files = plot_sweep_folder(folder, outcomes)
        lines.append(f"plots: {len(files)} in {folder / 'plots'}")
    write_report_if(folder, report)
    lines.append(f"results: {folder}")
    data = {"results": str(folder), "points": plan.n_points, "runs_per_point": plan.spec.runs,
            "root_seed": plan.spec.seed, "summary": summary.to_dict(orient="records")}
    return AppResult(folder, lines, data, value=result)


def redraw(folder: Path, outcomes: tuple[str, ...] = (), rung: int | None = None,
           axes: tuple[str, ...] = (), by: str | None = None) -> list[Path]:
    """Redraw a sweep (or sensitivity) folder from its tables; ``outcomes``, ``rung``, ``axes``
    and ``by`` as ``escsim plot``'s options."""
    from escsim.plotting.sweeps import plot_sweep_folder
    from escsim.results import check_writable
    from escsim.sweep import read_sweep

    s = read_sweep(folder)
    check_writable(folder / "plots", key="FOLDER")
    for k in [*axes, *([by] if by and by != "scenario" else [])]:
        if k not in s.keys:
            raise InputError("not a swept key", key="--axis" if k in axes else "--by", value=k,
                             expected=" | ".join(s.keys))
    if rung is not None and f"day_rung_{rung}" not in s.read_runs(None).columns:
        raise InputError("no such rung in the runs", key="--rung", value=rung)
    return plot_sweep_folder(folder, outcomes, rung=rung, axes=axes or None, by=by)
