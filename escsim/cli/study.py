"""``escsim study``: every doctrine in every state of the world, paired, ranked by regret.

A thin command over :mod:`escsim.apps.study` with the exit codes of :mod:`escsim.cli` (2 for
bad input; 130 when interrupted, with the command that resumes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from escsim.cli.common import (
    OUTPUT,
    CliFeedback,
    EscsimCommand,
    executor_options,
    format_option,
    out_options,
    policy_module_option,
    print_result,
    report_option,
    resumable,
    tail_options,
    tail_request,
)


@click.command(cls=EscsimCommand)
@click.argument("study_file", metavar="STUDY")
@executor_options
@click.option("--chunk-runs", type=click.IntRange(1), metavar="N",
              help="Replications per chunk (the unit of work and of resume).")
@click.option("--runs", "-n", type=click.IntRange(1, 10_000_000),
              help="Replications per doctrine x state [default: the study file's].")
@out_options("results/study-<name>", resume="Finish an interrupted study in --out.")
@tail_options
@report_option
@format_option
@policy_module_option
@click.option("--search", "do_search", is_flag=True,
              help="Also search the study's [search] policy family (NSGA-II; needs "
                   "escsim[search]) and write search.csv with the robust front.")
def study(study_file: str, executor: str, jobs: int | None, scheduler: str | None,
          chunk_runs: int | None, runs: int | None, out: Path | None, resume: bool, force: bool,
          no_plots: bool, do_search: bool, runs_format: str, **tail: Any) -> None:
    """Run every doctrine of a STUDY file in every state of the world, paired, and rank them.

    STUDY is a TOML file or a bundled study's name (e.g. doctrines). Writes a folder with the
    runs (streamed; --resume finishes an interrupted study), outcomes.csv, regret.csv,
    ranking.csv (maximum regret with paired-bootstrap intervals; unresolved ranks said so),
    satisficing.csv, front.csv, drivers.csv, report.md, report.html and plots/
    (docs/howto/run-a-study.md).
    """
    from escsim.apps.study import study as study_app

    feedback = CliFeedback()
    with resumable(feedback, "study", f"escsim study {study_file} --resume --out " + "{out}"):
        print_result(study_app(study_file, executor, jobs, scheduler, chunk_runs, runs, out,
                               resume, force, not no_plots, do_search, OUTPUT.report,
                               tail_request(**tail), feedback, runs_format))
