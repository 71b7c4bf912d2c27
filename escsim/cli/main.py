"""The ``escsim`` command line: a thin layer over the applications (:mod:`escsim.apps`): each
command parses its options, calls one application and prints what it returns.

Exit codes: 0 success, 1 an unexpected internal error, 2 bad input (a scenario, an override, an
option, a missing file or an existing output folder), with one message on stderr naming the file,
the key, the value and what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from escsim.cli.common import (
    OUTPUT,
    CliFeedback,
    EscsimGroup,
    add_output_options,
    echo,
    executor_options,
    force_option,
    format_option,
    horizon_option,
    out_option,
    out_options,
    policy_module_option,
    print_result,
    priors_option,
    report_option,
    resumable,
    seed_option,
    set_option,
    tail_options,
    tail_request,
    uncertainty_option,
)
from escsim.version import __version__


@click.group(cls=EscsimGroup, context_settings={"help_option_names": ["-h", "--help"],
                                           "max_content_width": 100})
@click.version_option(__version__, prog_name="escsim")
def main() -> None:
    """Escalation-risk simulation of US-militia-Iran tit-for-tat exchanges.

    Scenarios are TOML files (or names of bundled ones: see `escsim scenarios`). Results explore
    the consequences of stated assumptions; they are not forecasts.
    """


# ------------------------------------------------------------------------------------- run ---
@main.command()
@click.argument("scenarios", nargs=-1)
@click.option("--all", "run_all", is_flag=True,
              help="Run every bundled outlook scenario (from Nov 2024; the history windows "
                   "era-2019-20, era-2021 and surge-2023 are left out) and compare.")
@click.option("--runs", "-n", default=500, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Replications per scenario.")
@seed_option()
@horizon_option()
@set_option
@executor_options
@out_options("results/<scenario> or results/compare",
             resume="Finish an interrupted run in --out, running only the missing chunks.")
@click.option("--base", metavar="SCENARIO",
              help="With several scenarios: the one the others are read against (drawn first, "
                   "in black, on top) and the paired differences of each from it "
                   "(differences.csv, plots/differences.png; as escsim compare).")
@click.option("--name", metavar="NAME",
              help="Name of the result folder and title of its tables and figures [default: "
                   "the scenario's name, +N-overrides when --set changed it].")
@report_option
@uncertainty_option("Draw each replication's uncertain parameters from the scenario's priors "
                    "or from the posterior of escsim calibrate (adds drawn_* columns).")
@priors_option
@click.option("--posterior", type=click.Path(path_type=Path),
              help="Calibration folder or posterior.csv [default: results/calibrate-<scenario>].")
@tail_options
@format_option
@policy_module_option
def run(scenarios: tuple[str, ...], run_all: bool, runs: int, seed: int, horizon: float | None,
        overrides: tuple[str, ...], executor: str, jobs: int | None, scheduler: str | None,
        out: Path | None, force: bool, resume: bool, no_plots: bool, base: str | None,
        name: str | None, uncertainty: str, priors: Path | None, posterior: Path | None,
        runs_format: str, **tail: Any) -> None:
    """Run Monte Carlo replications of one or more SCENARIOS (paths or bundled names).

    Writes runs.csv, daily.csv, summary.json, manifest.json, plots/ and report.html into the
    output folder; with several scenarios, one subfolder each plus a side-by-side comparison
    (and, with --base, paired differences). Rows stream to disk as chunks finish (memory stays
    flat in --runs); an interrupted run (Ctrl-C, SIGTERM, a crash) continues from its folder
    alone: escsim run --resume --out DIR (or escsim run --resume DIR). With
    --parameter-uncertainty, outcome distributions include parameter uncertainty, not only
    chance (docs/backtest.md).
    """
    from escsim.apps.run import run as run_app

    folder = out if out is not None else (Path(scenarios[0]) if len(scenarios) == 1 else None)
    if resume and folder is not None and (not scenarios or (out is None and folder.is_dir())):
        _resume_from(folder)  # the folder alone: the command that wrote it, again
        return
    feedback = CliFeedback()
    with resumable(feedback, "run", "escsim run --resume --out {out}"):
        print_result(run_app(scenarios, run_all, runs, seed, horizon, overrides, executor, jobs,
                     scheduler, out, force, resume, not no_plots, base, name, OUTPUT.report,
                     uncertainty, priors, posterior, tail_request(**tail), feedback,
                     runs_format))


def _resume_from(folder: Path) -> None:
    """Finish an interrupted ``escsim run`` or ``escsim compare`` from its folder alone."""
    from escsim.apps.run import recorded_arguments

    args = recorded_arguments(folder)
    echo(f"resuming: escsim {' '.join(args)} --resume --out {folder}", err=True)
    command = main.get_command(click.get_current_context(), args[0])
    assert command is not None
    command.main([*args[1:], "--resume", "--out", str(folder)], prog_name=f"escsim {args[0]}",
                 standalone_mode=False)


@main.command()
@click.argument("base")
@click.argument("variants", nargs=-1, required=True)
@click.option("--runs", "-n", default=500, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Replications of each scenario (replication r shares its seed across all).")
@seed_option("Root seed, common to every scenario (this pairs them).")
@horizon_option()
@set_option
@executor_options
@out_options("results/compare-<base>", resume="Finish an interrupted comparison in --out.")
@report_option
@click.option("--across-mechanisms", is_flag=True,
              help="Run the comparison again under every alternative of each contested "
                   "mechanism (same seeds) and say where another alternative reverses the "
                   "sign (mechanisms.csv, plots/mechanisms.png).")
@format_option
@policy_module_option
def compare(base: str, variants: tuple[str, ...], runs: int, seed: int, horizon: float | None,
            overrides: tuple[str, ...], executor: str, jobs: int | None, scheduler: str | None,
            out: Path | None, force: bool, resume: bool, no_plots: bool,
            across_mechanisms: bool, runs_format: str) -> None:
    """Differences of VARIANTS from BASE, paired replication by replication.

    Runs every scenario on the same seeds (as `escsim run BASE VARIANT... --base BASE`) and
    writes differences.csv (per rung and main count: the difference with a paired 95%
    interval and the ratio) and plots/differences.png (a forest plot), beside each scenario's
    run folder. --across-mechanisms repeats it under each alternative of every contested
    mechanism and says when one reverses the sign.
    """
    from escsim.apps.compare import compare as compare_app

    feedback = CliFeedback()
    with resumable(feedback, "run", "escsim run --resume --out {out}"):
        print_result(compare_app(base, variants, runs, seed, horizon, overrides, executor, jobs,
                         scheduler, out, force, resume, not no_plots, OUTPUT.report, feedback,
                         across_mechanisms, runs_format))


# ---------------------------------------------------------------------------------- trace ---
@main.command()
@click.argument("scenario")
@click.option("--seed", "-s", type=click.IntRange(0),
              help="A replication seed (the seed column of runs.csv).")
@click.option("--replication", "-r", type=click.IntRange(0), metavar="K",
              help="With a result folder as SCENARIO: replay its replication K (its seed, "
                   "resolved scenario and any drawn parameters are read from the folder) and "
                   "check the row reproduces.")
@click.option("--point", type=click.IntRange(0), default=0, show_default=True,
              help="With a sweep folder: the point of the replication.")
@set_option
@horizon_option("the scenario's")
@out_option("results/trace-<scenario>-<seed>")
@force_option
@policy_module_option
def trace(scenario: str, seed: int | None, replication: int | None, point: int,
          overrides: tuple[str, ...], horizon: float | None, out: Path | None,
          force: bool) -> None:
    """Write one replication's event log (trace.csv) and a timeline plot (timeline.png).

    SCENARIO is a scenario with --seed, or a result folder with --replication K: the folder's
    own resolved scenario and the row's seed are replayed (a row drawn with
    --parameter-uncertainty draws its parameters again from the priors the folder keeps), and
    the counts and drawn values are checked against the row of runs.csv.
    """
    from escsim.apps.trace import trace as trace_app

    print_result(trace_app(scenario, seed, replication, point, overrides, horizon, out, force,
                   CliFeedback()))


# ------------------------------------------------------------------------------ scenarios ---
@main.command("scenarios")
def list_scenarios() -> None:
    """List the bundled scenarios (and those of the ESCSIM_SCENARIOS folders) and the question
    each answers."""
    import shutil

    from escsim.apps.inputs import scenarios

    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
    print_result(scenarios(width, CliFeedback()))


@main.command()
@click.argument("scenario")
@set_option
@click.option("--key", "prefix", default="", metavar="PREFIX",
              help="Show only keys starting with PREFIX (e.g. militias.iraq_factions).")
@click.option("--brief", is_flag=True, help="Values only, no provenance.")
@policy_module_option
def show(scenario: str, overrides: tuple[str, ...], prefix: str, brief: bool) -> None:
    """Print the fully resolved SCENARIO with the provenance of every value."""
    from escsim.apps.inputs import show as show_app

    print_result(show_app(scenario, overrides, prefix, brief))


@main.command()
@click.option("--id", "fact_id", default="", help="Show one fact in full.")
def facts(fact_id: str) -> None:
    """List the fact base (seeds/): id, figure, date and paraphrase."""
    from escsim.apps.inputs import facts as facts_app

    print_result(facts_app(fact_id))


# ------------------------------------------------------------------- situation, score ---
@main.command()
@click.argument("date")
@click.option("--horizon", default=90, show_default=True, type=click.IntRange(1), help="Days.")
def situation(date: str, horizon: int) -> None:
    """Print the scenario as it stood on DATE (YYYY-MM-DD), from the record's rows up to it."""
    from escsim.apps.situation import situation as app
    print_result(app(date, horizon, feedback=CliFeedback()))


@main.command()
@click.option("--from", "first", default="2020-01", show_default=True, metavar="MONTH")
@click.option("--to", "last", default="2024-10", show_default=True, metavar="MONTH")
@click.option("--runs", "-n", default=200, show_default=True, type=click.IntRange(1))
@click.option("--seed", "-s", default=2024, show_default=True, type=click.IntRange(0))
@click.option("--jobs", "-j", type=click.IntRange(1), help="Workers [default: in-process].")
@out_options("results/score")
@report_option
def score(first: str, last: str, runs: int, seed: int, jobs: int | None, out: Path | None,
          force: bool, no_plots: bool) -> None:
    """Score forecasts of attacks from every month start (model, benchmarks) against the record."""
    from escsim.apps.score import score as app
    print_result(app(first, last, runs, seed, jobs=jobs, out=out, force=force,
                     figures=not no_plots, report=OUTPUT.report, feedback=CliFeedback()))


# ---------------------------------------------------------------------------------- report ---
@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def report(folder: Path) -> None:
    """Write FOLDER/report.html: one self-contained page (figures embedded, tables, provenance
    of every non-default value, the not-a-forecast caveat) to share a result, readable offline.

    run, sweep and backtest write it by default (--no-report skips it).
    """
    from escsim.apps.folders import report as report_app

    print_result(report_app(folder))


# ------------------------------------------- commands of their own modules: sweeps, backtest ---
from escsim.cli.history import backtest, calibrate, record  # noqa: E402
from escsim.cli.study import study  # noqa: E402
from escsim.cli.sweep import discover, plot, sensitivity, sweep  # noqa: E402

for _own in (sweep, sensitivity, plot, discover, backtest, calibrate, study, record):
    main.add_command(_own)
for _command in main.commands.values():  # -q, -v and --json on every command
    add_output_options(_command)

#: One line per command in ``escsim --help`` (Click otherwise cuts each docstring's first
#: sentence at the terminal's width, with "...").
SHORT_HELP = {
    "backtest": "Replay a past window and score it against the record.",
    "calibrate": "Fit uncertain parameters to the record (ABC).",
    "compare": "Paired differences and ratios of variants from a base.",
    "discover": "Which swept values lead to an outcome (PRIM boxes).",
    "facts": "List the fact base (seeds/) with its sources.",
    "plot": "Redraw a result folder's figures from its tables.",
    "record": "The documented record, 2019-2025: list and filter.",
    "report": "Write a result folder's shareable report.html.",
    "run": "Run replications of one or more scenarios.",
    "scenarios": "List the bundled scenarios.",
    "score": "Score attack forecasts against the benchmarks.",
    "sensitivity": "Global sensitivity of outcomes to parameters.",
    "show": "Print a resolved scenario with its provenance.",
    "situation": "The scenario as it stood on a date.",
    "study": "Doctrines across states: ranking, regret, robustness.",
    "sweep": "Sweep scenarios over parameter values.",
    "trace": "One replication's event log and timeline.",
}
for _name, _text in SHORT_HELP.items():
    main.commands[_name].short_help = _text


if __name__ == "__main__":  # pragma: no cover
    main()
