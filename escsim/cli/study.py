"""``escsim study``: every doctrine in every state of the world, paired, ranked by regret.

Thin layers over :mod:`escsim.study` with the exit codes of :mod:`escsim.cli` (2 for bad input;
130 when interrupted, with the command that resumes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from escsim.cli.common import (
    OUTPUT,
    Progress,
    check_tail,
    echo,
    emit_json,
    executor_options,
    make_cli_executor,
    out_options,
    output_folder,
    report_option,
    tail_options,
)


@click.command()
@click.argument("study_file", metavar="STUDY")
@executor_options
@click.option("--chunk-runs", type=click.IntRange(1), metavar="N",
              help="Replications per chunk (the unit of work and of resume).")
@click.option("--runs", "-n", type=click.IntRange(1, 10_000_000),
              help="Replications per doctrine x state [default: the study file's].")
@out_options("results/study-<name>", resume="Finish an interrupted study in --out.")
@tail_options
@report_option
@click.option("--search", "do_search", is_flag=True,
              help="Also search the study's [search] policy family (NSGA-II; needs "
                   "escsim[search]) and write search.csv with the robust front.")
def study(study_file: str, executor: str, jobs: int | None, scheduler: str | None,
          chunk_runs: int | None, runs: int | None, out: Path | None, resume: bool, force: bool,
          no_plots: bool, do_search: bool, tail_method: str = "none", rung: int | None = None,
          tail_repetitions: int = 20, tail_effort: int = 500) -> None:
    """Run every doctrine of a STUDY file in every state of the world, paired, and rank them.

    STUDY is a TOML file or a bundled study's name (e.g. doctrines). Writes a folder with the
    runs (streamed; --resume finishes an interrupted study), outcomes.csv, regret.csv,
    ranking.csv (maximum regret with paired-bootstrap intervals; unresolved ranks said so),
    satisficing.csv, front.csv, drivers.csv, report.md, report.html and plots/
    (docs/howto/run-a-study.md).
    """
    from dataclasses import replace

    from escsim.study import load_study, run_study

    spec = load_study(study_file)
    if runs is not None:
        spec = replace(spec, runs=runs)
    target = output_folder(out, f"study-{spec.name}", force, resume)
    plan = None
    if tail_method != "none":
        from escsim.study.plan import plan_study

        plan = plan_study(spec).sweep
        tail_rungs = check_tail(plan.scenarios, tail_method, rung, "none")
    ex = make_cli_executor(executor, jobs, scheduler)
    progress = Progress(f"study {spec.name}")
    try:
        report = run_study(spec, target, executor=ex, resume=resume, force=force,
                           chunk_runs=chunk_runs, plots=not no_plots, progress=progress)
        progress.close()
        if plan is not None:  # the rare rung by splitting, per doctrine x state
            from escsim.tail.report import sweep_tail

            rungs = {sc.scenario.name: k for sc, k in zip(plan.scenarios, tail_rungs,
                                                         strict=True)}
            with Progress(f"{plan.n_points} doctrine x state points: rare rung by splitting",
                          "repetitions") as bar:
                sweep_tail(target, plan, rungs, spec.seed, tail_repetitions, tail_effort, ex,
                           progress=bar)
            echo(f"tail: {target / 'tail.csv'}")
        if do_search:
            from escsim.study.search import search_doctrines, write_search

            found = search_doctrines(spec, executor=ex)
            front = write_search(found, target, plots=not no_plots)
            echo(f"\nsearch: {len(found.table)} evaluated; robust front (worst-state "
                 f"outcomes) holds {len(front)}: " + ", ".join(front["doctrine"]))
    except KeyboardInterrupt:
        progress.close()
        click.echo(f"\ninterrupted; finished chunks are kept. Resume with:\n  escsim study "
                   f"{study_file} --resume --out {target}", err=True)
        sys.exit(130)
    finally:
        progress.close()
        ex.close()
    if OUTPUT.report:
        from escsim.results.report import write_report

        write_report(target)
    echo("")
    lines = report.summary_lines()
    for line in lines:
        echo(line)
    echo(f"results: {target}")
    emit_json({"results": str(target), "most_robust": report.most_robust,
               "ranking": report.ranking.to_dict(orient="records"), "summary": lines})
