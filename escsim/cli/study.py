"""``escsim compare`` and ``escsim study``: paired differences, and doctrines ranked by regret.

Thin layers over :mod:`escsim.study` with the exit codes of :mod:`escsim.cli` (2 for bad input;
130 when interrupted, with the command that resumes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from escsim.cli.common import Progress, executor_options, make_cli_executor, set_option


def print_differences(path: Path) -> None:
    """The differences table of ``differences.csv``: each measure's paired difference from the
    base with its interval, in significant digits."""
    import pandas as pd

    from escsim.analysis.format import sig, signed

    table = pd.read_csv(path)
    for variant, rows in table.groupby("variant", sort=False):
        first = rows.iloc[0]
        click.echo(f"\n{variant} - {first['base']}: paired on {int(first['runs'])} common seeds "
                   f"({int(first['confidence'] * 100)}% intervals)")
        click.echo(f"  {'measure':<26}{'base':>10}{'variant':>10}{'difference':>12}   interval"
                   f"{'var. ratio':>22}")
        for r in rows.itertuples():
            click.echo(f"  {r.measure:<26}{sig(r.base_estimate):>10}{sig(r.variant_estimate):>10}"
                       f"{signed(r.difference):>12}   [{signed(r.low)}, {signed(r.high)}]"
                       f"{sig(r.variance_ratio, 2):>14}")
    methods = "; ".join(dict.fromkeys(table["method"]))
    click.echo(f"intervals: {methods}. var. ratio: variance of the paired difference over the "
               "unpaired one (below 1: the pairing helped)")


@click.command()
@click.argument("base")
@click.argument("variants", nargs=-1, required=True)
@click.option("--runs", "-n", default=500, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Replications of each scenario (replication r shares its seed across all).")
@click.option("--seed", "-s", default=20231017, show_default=True, type=click.IntRange(0),
              help="Root seed, common to every scenario (this pairs them).")
@click.option("--horizon", type=click.FloatRange(1, 3650), metavar="DAYS",
              help="Override each scenario's horizon (days).")
@set_option
@executor_options
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: results/compare-<base>].")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@click.option("--resume", is_flag=True, help="Finish an interrupted comparison in --out.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@click.pass_context
def compare(ctx: click.Context, base: str, variants: tuple[str, ...], runs: int, seed: int,
            horizon: float | None, overrides: tuple[str, ...], executor: str, jobs: int | None,
            scheduler: str | None, out: Path | None, force: bool, resume: bool,
            no_plots: bool) -> None:
    """Differences of VARIANTS from BASE, paired replication by replication.

    Runs every scenario on the same seeds (as `escsim run BASE VARIANT... --base BASE`) and
    writes differences.csv (per rung and main count: the difference with a paired 95%
    interval) and plots/differences.png (a forest plot), beside each scenario's run folder.
    """
    from escsim.cli.main import run

    target = out or Path("results") / f"compare-{Path(base).stem}"
    ctx.invoke(run, scenarios=(base, *variants), run_all=False, runs=runs, seed=seed,
               horizon=horizon, overrides=overrides, executor=executor, jobs=jobs,
               scheduler=scheduler, out=target, force=force, resume=resume, no_plots=no_plots,
               base=base)


@click.command()
@click.argument("study_file", metavar="STUDY")
@executor_options
@click.option("--chunk-runs", type=click.IntRange(1), metavar="N",
              help="Replications per chunk (the unit of work and of resume).")
@click.option("--runs", "-n", type=click.IntRange(1, 10_000_000),
              help="Replications per doctrine x state [default: the study file's].")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Study folder [default: results/study-<name>].")
@click.option("--resume", is_flag=True, help="Finish an interrupted study in --out.")
@click.option("--force", is_flag=True, help="Replace an existing folder.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@click.option("--search", "do_search", is_flag=True,
              help="Also search the study's [search] policy family (NSGA-II; needs "
                   "escsim[search]) and write search.csv with the robust front.")
def study(study_file: str, executor: str, jobs: int | None, scheduler: str | None,
          chunk_runs: int | None, runs: int | None, out: Path | None, resume: bool, force: bool,
          no_plots: bool, do_search: bool) -> None:
    """Run every doctrine of a STUDY file in every state of the world, paired, and rank them.

    STUDY is a TOML file or a bundled study's name (e.g. doctrines). Writes a folder with the
    runs (streamed; --resume finishes an interrupted study), outcomes.csv, regret.csv,
    ranking.csv (maximum regret with paired-bootstrap intervals; unresolved ranks said so),
    satisficing.csv, front.csv, drivers.csv, report.md and plots/ (docs/howto/run-a-study.md).
    """
    from dataclasses import replace

    from escsim.study import load_study, run_study

    spec = load_study(study_file)
    if runs is not None:
        spec = replace(spec, runs=runs)
    target = out or Path("results") / f"study-{spec.name}"
    ex = make_cli_executor(executor, jobs, scheduler)
    progress = Progress(f"study {spec.name}")
    try:
        report = run_study(spec, target, executor=ex, resume=resume, force=force,
                           chunk_runs=chunk_runs, plots=not no_plots, progress=progress)
        progress.close()
        if do_search:
            from escsim.results.files import atomic_open
            from escsim.study.search import search_doctrines

            found = search_doctrines(spec, executor=ex)
            with atomic_open(target / "search.csv") as fh:
                found.table.to_csv(fh, index=False)
            front = found.front
            if not no_plots and len(found.outcomes) >= 2:
                from escsim.plotting.study import plot_tradeoff
                from escsim.plotting.style import save_figure

                save_figure(plot_tradeoff(found.table, found.outcomes[0], found.outcomes[1],
                                          labels=False),
                            target / "plots" / "search-front.png")
            click.echo(f"\nsearch: {len(found.table)} evaluated; robust front (worst-state "
                       f"outcomes) holds {len(front)}: " + ", ".join(front["doctrine"]))
    except KeyboardInterrupt:
        progress.close()
        click.echo(f"\ninterrupted; finished chunks are kept. Resume with:\n  escsim study "
                   f"{study_file} --resume --out {target}", err=True)
        sys.exit(130)
    finally:
        progress.close()
        ex.close()
    click.echo("")
    for line in report.summary_lines():
        click.echo(line)
    click.echo(f"results: {target}")
