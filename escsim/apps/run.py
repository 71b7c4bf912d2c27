"""Run folders (``escsim run``): Monte Carlo replications of one or more scenarios, streamed to
disk, summarised, drawn and reported; several scenarios are set side by side
(:mod:`escsim.apps.compare`).

>>> from escsim.apps import run
>>> result = run(["baseline-2024-11"], runs=200)      # doctest: +SKIP
>>> result.tables["runs"].head(); print(result)       # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escsim.apps.common import (
    SILENT,
    AppResult,
    Feedback,
    UsageError,
    check_format,
    check_out,
    load,
    open_executor,
    output_folder,
    write_report_if,
)
from escsim.apps.tail import NO_TAIL, TailRequest, add_to_runs, check_tail, tail_line
from escsim.errors import InputError
from escsim.executors import Executor
from escsim.records import DEFAULT_SEED


def summary_lines(s: dict[str, Any]) -> list[str]:
    """What ``escsim run`` prints for one scenario: rung probabilities with intervals, median
    and 90% range of the main counts (docs/generate_tutorial_numbers.py prints the same)."""
    from escsim.analysis.format import sig
    from escsim.records import MAIN_COUNTS

    names = {int(k): v for k, v in s.get("rung_names", {}).items()}
    lines = [f"{s.get('title') or s['scenario']}: {s['runs']} runs, {s['horizon_days']:g} days "
             f"from {s['start_date']}, root seed {s['root_seed']}",
             f"  {'rung':<28}{'P(reached)':>11}   95% interval"]
    for r in s["rung_probability"]:
        label = f"{r['rung']} {names.get(int(r['rung']), '')}"
        # significant digits: a tail of 5e-05 must not print as 0.000
        lines.append(f"  {label:<28}{sig(r['probability']):>11}   "
                     f"[{sig(r['ci_low'])}, {sig(r['ci_high'])}]")
    if s.get("tail"):
        lines.append(tail_line(s["tail"]))
    lines.append(f"  {'count':<28}{'median':>11}   90% range")
    for q in s["count_quantiles"]:
        if q["count"] in MAIN_COUNTS:
            lines.append(f"  {q['count']:<28}{q['q50']:>11g}   [{q['q05']:g}, {q['q95']:g}]")
    return lines


@dataclass(frozen=True)
class RunRequest:
    """What ``escsim run`` was asked, checked: the scenarios loaded, their parameter samplers,
    the rungs of a tail estimate, the base of a paired comparison, the folders."""

    loaded: list[Any]
    samplers: list[Any]
    tail_rungs: list[int | None]
    base_name: str | None
    target: Path
    folders: list[Path]
    #: the run table's format: ``csv`` or ``parquet`` (``--format``)
    runs_format: str = "csv"

    @property
    def single(self) -> bool:
        return len(self.loaded) == 1


def _refs(scenarios: list[str] | tuple[str, ...], run_all: bool) -> list[str]:
    from escsim.scenario import outlook_scenarios

    refs = list(scenarios)
    if run_all:
        # the history windows (the eras, the calibration period) start and end elsewhere:
        # their probabilities are not comparable number for number with the outlook's
        refs += [n for n in outlook_scenarios() if n not in refs]
    if not refs:
        raise UsageError("give at least one SCENARIO, or --all (or --resume DIR to finish an "
                         "interrupted run)")
    return refs


def _check(refs: list[str], overrides: tuple[str, ...], horizon: float | None, uncertainty: str,
           priors: Path | None, posterior: Path | None, tail: TailRequest, base: str | None,
           ) -> tuple[list[Any], list[Any], list[int | None], str | None]:
    """Every scenario loaded and checked before any runs."""
    from escsim.scenario.priors import make_sampler

    loaded = [load(r, overrides, horizon) for r in refs]
    samplers = [make_sampler(s, uncertainty, priors, posterior) for s in loaded]
    names = [s.scenario.name for s in loaded]
    if len(set(names)) != len(names):
        raise InputError("two scenarios share a name", value=names,
                         expected="distinct scenario.name values")
    tail_rungs = check_tail(loaded, tail, uncertainty)
    base_name = None
    if base is not None:  # by reference or by scenario name
        matches = [n for r, n in zip(refs, names, strict=True) if base in (r, n)]
        if not matches or len(loaded) < 2:
            raise InputError("the base must be one of two or more scenarios run", key="--base",
                             value=base, expected=" | ".join(refs))
        base_name = matches[0]
    return loaded, samplers, tail_rungs, base_name


def _target(loaded: list[Any], overrides: tuple[str, ...], out: Path | None, name: str | None,
            force: bool, resume: bool, feedback: Feedback) -> Path:
    from escsim.paths import SAFE_NAME_RULE, is_safe_name
    from escsim.results.provenance import variant_name

    if name is not None and not is_safe_name(name):  # it names the folder: never a path
        raise InputError("a name is used as a folder name", key="--name", value=name,
                         expected=SAFE_NAME_RULE)
    n = len(overrides)
    compare_name = "compare" + (f"+{n}-override{'s' if n > 1 else ''}" if n else "")
    default = name or (variant_name(loaded[0]) if len(loaded) == 1 else compare_name)
    target = output_folder(out, default, force, resume, feedback)
    check_out(target, force, resume)
    return target


def _simulate(req: RunRequest, runs: int, seed: int, ex: Executor, resume: bool, force: bool,
              name: str | None, tail: TailRequest, plots: bool, feedback: Feedback) -> None:
    """The replications of every scenario, streamed into their folders, and the tables that
    set them side by side."""
    from escsim.simulation import run_to_folder, write_comparison

    total = runs * len(req.loaded)
    with feedback.progress(f"{len(req.loaded)} scenario(s) x {runs} runs") as bar:
        for i, (s, sampler, folder) in enumerate(zip(req.loaded, req.samplers, req.folders,
                                                     strict=True)):
            def advance(done: int, _total: int, before: int = i * runs) -> None:
                bar(before + done, total)

            run_to_folder(s, folder, runs, seed, ex, parameters=sampler, progress=advance,
                          resume=resume and folder.exists(), force=force, plots=False,
                          title=name if req.single else None, runs_format=req.runs_format)
    add_to_runs(req.folders, req.loaded, req.tail_rungs, seed, tail, ex, feedback)
    if not req.single:
        write_comparison(req.target, req.folders, plots=False, scenarios=req.loaded,
                         root_seed=seed)
    if req.base_name is not None:
        from escsim.simulation import write_differences

        write_differences(req.target, req.folders, req.base_name, plots=plots)


def _draw(req: RunRequest, ex: Executor, plots: bool, feedback: Feedback) -> None:
    """The figures: one task a figure, on the executor's workers, with progress (the names come
    without importing matplotlib here); a comparison draws its side-by-side figures, each
    scenario's own are drawn on request (escsim plot DIR/NAME), not for every scenario at once.
    """
    if not plots:
        return
    from escsim.records import RUN_COMPARISON_FIGURES, RUN_FIGURES
    from escsim.simulation import draw_figures

    tasks: list[tuple[Any, ...]] = [("run", str(req.target), (), None, (figure,))
                                    for figure in RUN_FIGURES]
    if not req.single:
        tasks = [("comparison", str(req.target), tuple(str(f) for f in req.folders),
                  req.base_name, (figure,)) for figure in RUN_COMPARISON_FIGURES]
    with feedback.progress("drawing figures", unit="figures") as drawing:
        draw_figures(tasks, ex, drawing)


def run(scenarios: list[str] | tuple[str, ...] = (), run_all: bool = False, runs: int = 500,
        seed: int = DEFAULT_SEED, horizon: float | None = None, overrides: tuple[str, ...] = (),
        executor: str | Executor = "process", jobs: int | None = None,
        scheduler: str | None = None, out: Path | None = None, force: bool = False,
        resume: bool = False, plots: bool = True, base: str | None = None,
        name: str | None = None, report: bool = True, uncertainty: str = "none",
        priors: Path | None = None, posterior: Path | None = None,
        tail: TailRequest = NO_TAIL, feedback: Feedback = SILENT,
        runs_format: str = "csv") -> AppResult:
    """Monte Carlo replications of one or more scenarios into a result folder (``escsim run``).

    Writes runs.csv, daily.csv, summary.json, manifest.json, plots/ and report.html; with several
    scenarios, one subfolder each plus a side-by-side comparison (and, with ``base``, paired
    differences). Rows stream to disk as chunks finish; ``resume`` finishes an interrupted run.
    The arguments are the command's options (``runs_format`` is ``--format``: ``parquet``
    writes ``runs.parquet``). Returns the folder, its tables and what the command prints
    (every scenario's table when ``feedback.verbose``).
    """
    check_format(runs_format)
    loaded, samplers, tail_rungs, base_name = _check(
        _refs(scenarios, run_all), overrides, horizon, uncertainty, priors, posterior, tail,
        base)
    target = _target(loaded, overrides, out, name, force, resume, feedback)
    req = RunRequest(loaded, samplers, tail_rungs, base_name, target,
                     [target] if len(loaded) == 1 else [target / s.scenario.name
                                                        for s in loaded], runs_format)
    started = time.perf_counter()
    with open_executor(executor, jobs, scheduler) as ex:
        _simulate(req, runs, seed, ex, resume, force, name, tail, plots, feedback)
        simulated = time.perf_counter()
        feedback.detail(f"simulation and tables: {simulated - started:.1f}s")
        _draw(req, ex, plots, feedback)
        drawn = time.perf_counter()
        feedback.detail(f"figures: {drawn - simulated:.1f}s")
    write_report_if(target, report)
    return _result(req, samplers, feedback.verbose,
                   {"simulation": round(simulated - started, 3),
                    "figures": round(drawn - simulated, 3)})


def _result(req: RunRequest, samplers: list[Any], verbose: bool,
            seconds: dict[str, float]) -> AppResult:
    from escsim.apps.comparison_text import comparison_lines, differences_lines
    from escsim.results import read_summary

    summaries = [read_summary(f) for f in req.folders]
    lines: list[str] = []
    if req.single or verbose:
        for s in summaries:
            lines += ["", *summary_lines(s)]
    if not req.single:
        lines += ["", *comparison_lines(summaries)]
    if req.base_name is not None:
        lines += differences_lines(req.target / "differences.csv")
    if not req.single:
        lines.append(f"\ncomparison: {req.target / 'comparison.csv'}")
    for described in sorted({sm.describe() for sm in samplers if sm is not None}):
        lines.append(f"parameter uncertainty: {described}")
    lines.append(f"results: {req.target}")
    data = {"results": str(req.target), "summaries": summaries,
            **({"comparison": str(req.target / "comparison.csv")} if not req.single else {}),
            **({"differences": str(req.target / "differences.csv")} if req.base_name else {}),
            "seconds": seconds}
    return AppResult(req.target, lines, data)


#: Options of a recorded command that a resume replaces (with their values, when they take one).
_REPLACED = {"--out": True, "-o": True, "--force": False, "--resume": False}


def recorded_arguments(folder: Path) -> list[str]:
    """The arguments of the ``escsim run`` or ``escsim compare`` that wrote an interrupted
    ``folder`` (its manifest's command, or the first scenario folder's), without ``--out``,
    ``--force`` and ``--resume``: what ``escsim run --resume --out DIR`` runs again.

    Raises:
        InputError: the folder holds no manifest with the command that wrote it.
    """
    import shlex

    from escsim.results import read_json_input

    folder = Path(folder)
    manifests = [folder / "manifest.json", *sorted(folder.glob("*/manifest.json"))]
    found = next((m for m in manifests if m.is_file()), None)
    command = str(read_json_input(found, "manifest", "a manifest.json written by escsim")
                  .get("command", "")) if found is not None else ""
    words = shlex.split(command)
    if len(words) < 2 or words[0] != "escsim" or words[1] not in ("run", "compare"):
        raise InputError("not an interrupted escsim run or compare folder (its manifest does "
                         "not record the command)", file=str(folder),
                         expected="a folder written by escsim run or escsim compare")
    args: list[str] = []
    skip = False
    for word in words[2:]:
        if skip:
            skip = False
            continue
        name = word.split("=", 1)[0]
        if name in _REPLACED:
            skip = _REPLACED[name] and "=" not in word
            continue
        args.append(word)
    return [words[1], *args]


def redraw(folder: Path) -> list[Path]:
    """Redraw a run folder's figures from its saved tables."""
    from escsim.simulation import plot_run_folder

    return plot_run_folder(folder)
