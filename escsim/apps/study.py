"""Study folders (``escsim study``): every doctrine in every state of the world, paired, ranked
by regret (the work is :mod:`escsim.study`); optionally the doctrine search and the rare rung."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from escsim.apps.common import (
    SILENT,
    AppResult,
    Feedback,
    check_format,
    check_out,
    open_executor,
    output_folder,
    write_report_if,
)
from escsim.apps.sweep import value_text, wrapped
from escsim.apps.tail import NO_TAIL, TailRequest, add_to_sweep, check_tail
from escsim.executors import Executor


def study(study_file: str | Path, executor: str | Executor = "process", jobs: int | None = None,
          scheduler: str | None = None, chunk_runs: int | None = None, runs: int | None = None,
          out: Path | None = None, resume: bool = False, force: bool = False,
          plots: bool = True, search: bool = False, report: bool = True,
          tail: TailRequest = NO_TAIL, feedback: Feedback = SILENT,
          runs_format: str = "csv") -> AppResult:
    """Run every doctrine of a study file in every state of the world, paired, and rank them
    (``escsim study``; the arguments are its options). ``value`` is the
    :class:`~escsim.study.run.StudyReport`."""
    from escsim.study import load_study, run_study

    check_format(runs_format)
    spec = load_study(study_file)
    if runs is not None:
        spec = replace(spec, runs=runs)
    target = output_folder(out, f"study-{spec.name}", force, resume, feedback)
    check_out(target, force, resume)
    from escsim.study.plan import plan_study

    checked = plan_study(spec).sweep  # planned again by run_study: planning is cheap
    for note in checked.notes:
        feedback.warn(note)
    plan = None
    if tail.wanted:
        plan = checked
        tail_rungs = check_tail(plan.scenarios, tail, points=plan.n_points)
    lines: list[str] = []
    with open_executor(executor, jobs, scheduler) as ex:
        with feedback.progress(f"study {spec.name}") as bar:
            done = run_study(spec, target, executor=ex, resume=resume, force=force,
                             chunk_runs=chunk_runs, plots=plots, progress=bar,
                             runs_format=runs_format)
        if plan is not None:  # the rare rung by splitting, per doctrine x state
            add_to_sweep(target, plan, tail_rungs, spec.seed, tail, ex,
                         f"{plan.n_points} doctrine x state points: rare rung by splitting",
                         feedback)
            lines.append(f"tail: {target / 'tail.csv'}")
        if search:
            from escsim.study.search import search_doctrines, write_search

            found = search_doctrines(spec, executor=ex)
            front = write_search(found, target, plots=plots)
            lines += ["", *search_lines(found, front)]
    write_report_if(target, report)
    summary = [w for line in done.summary_lines() for w in wrapped(line, _indent(line))]
    lines += ["", *summary, f"results: {target}"]
    data = {"results": str(target), "most_robust": done.most_robust,
            "ranking": done.ranking.to_dict(orient="records"), "summary": summary}
    return AppResult(target, lines, data, value=done)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def search_lines(found: Any, front: Any) -> list[str]:
    """The doctrine search as printed: how many were evaluated, then each member of the robust
    front with the values it sets and its worst-state outcomes (search.csv has every one)."""
    from escsim.analysis.format import sig

    lines = [f"search: {len(found.table)} evaluated (search.csv); the robust front on "
             f"worst-state outcomes holds {len(front)}:"]
    for row in front.to_dict(orient="records"):
        values = [f"{k}={value_text(row[k])}" for k in found.keys if k in row
                  and row[k] == row[k]] if row.get("kind") == "candidate" else []
        worst = ", ".join(f"{o} {sig(row[o])}" for o in found.outcomes)
        lines += wrapped(f"{row['doctrine']}" + (f" ({', '.join(values)})" if values else "")
                         + f"; worst state: {worst}")
    return lines


def redraw(folder: Path) -> list[Path]:
    """The study's own figures (its runs are a sweep's: ``escsim plot`` draws them too)."""
    from escsim.plotting.study import plot_study_folder
    from escsim.results import read_json

    return plot_study_folder(folder, str(read_json(folder / "study.json")["rank_by"]))
