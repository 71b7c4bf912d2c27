"""The ``escsim`` command line: a thin layer over the scenario loader, runner and plots.

Exit codes: 0 success, 1 an unexpected internal error, 2 bad input (a scenario, an override, an
option, a missing file or an existing output folder), with one message on stderr naming the file,
the key, the value and what was expected.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from escsim.cli.common import (
    EscsimGroup,
    Progress,
    check_out,
    check_tail,
    executor_options,
    load_scenario_arg,
    make_cli_executor,
    out_options,
    set_option,
    tail_options,
)
from escsim.errors import InputError
from escsim.version import __version__


@click.group(cls=EscsimGroup, context_settings={"help_option_names": ["-h", "--help"],
                                           "max_content_width": 100})
@click.version_option(__version__, prog_name="escsim")
def main() -> None:
    """Escalation-risk simulation of US-militia-Iran tit-for-tat exchanges.

    Scenarios are TOML files (or names of bundled ones: see `escsim scenarios`). Results explore
    the consequences of stated assumptions; they are not forecasts.
    """


# ---------------------------------------------------------------------------------- helpers ---
def _print_summary(folder: Path) -> None:
    """The compact table of a run folder: rung probabilities with intervals, median and 90%
    range of the main counts (read back from ``summary.json``)."""
    from escsim.analysis.format import sig
    from escsim.records import MAIN_COUNTS
    from escsim.results import read_summary

    s = read_summary(folder)
    names = {int(k): v for k, v in s.get("rung_names", {}).items()}
    click.echo(f"\n{s['scenario']}: {s['runs']} runs, {s['horizon_days']:g} days from "
               f"{s['start_date']}, root seed {s['root_seed']}")
    click.echo(f"  {'rung':<28}{'P(reached)':>11}   95% interval")
    for r in s["rung_probability"]:
        label = f"{r['rung']} {names.get(int(r['rung']), '')}"
        # significant digits: a tail of 5e-05 must not print as 0.000
        click.echo(f"  {label:<28}{sig(r['probability']):>11}   "
                   f"[{sig(r['ci_low'])}, {sig(r['ci_high'])}]")
    if s.get("tail"):
        from escsim.tail.report import tail_line

        click.echo(tail_line(s["tail"]))
    click.echo(f"  {'count':<28}{'median':>11}   90% range")
    for q in s["count_quantiles"]:
        if q["count"] in MAIN_COUNTS:
            click.echo(f"  {q['count']:<28}{q['q50']:>11g}   [{q['q05']:g}, {q['q95']:g}]")


@contextlib.contextmanager
def _resumable(command: str, out: Path, bar: Progress) -> Iterator[None]:
    """On Ctrl-C (exit 130) or a crash such as a killed worker (exit 1): one message saying
    that finished chunks are kept and how to resume, not a traceback."""
    try:
        yield
    except KeyboardInterrupt:
        bar.close()
        click.echo(f"\ninterrupted; finished chunks are kept. Resume with:\n  escsim {command} "
                   f"... --resume --out {out}", err=True)
        sys.exit(130)
    except (InputError, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except Exception as exc:
        bar.close()
        click.echo(f"\nescsim: error: the {command} stopped: {type(exc).__name__}: {exc}\n"
                   f"finished chunks are kept; resume with the same command and --resume "
                   f"--out {out}", err=True)
        sys.exit(1)


def _default_out(name: str) -> Path:
    return Path("results") / name


# ------------------------------------------------------------------------------------- run ---
@main.command()
@click.argument("scenarios", nargs=-1)
@click.option("--all", "run_all", is_flag=True, help="Run every bundled scenario and compare.")
@click.option("--runs", "-n", default=500, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Replications per scenario.")
@click.option("--seed", "-s", default=20231017, show_default=True, type=click.IntRange(0),
              help="Root seed; replication seeds derive from it.")
@click.option("--horizon", type=click.FloatRange(1, 3650), metavar="DAYS",
              help="Override each scenario's horizon (days).")
@set_option
@executor_options
@out_options("results/<scenario> or results/compare",
             resume="Finish an interrupted run in --out, running only the missing chunks.")
@click.option("--parameter-uncertainty", "uncertainty", default="none", show_default=True,
              type=click.Choice(["none", "prior", "posterior"]),
              help="Draw each replication's uncertain parameters from the scenario's priors or "
                   "from the posterior of escsim calibrate (adds drawn_* columns).")
@click.option("--priors", type=click.Path(dir_okay=False, path_type=Path),
              help="Priors file [default: scenarios/priors/<scenario>.toml].")
@click.option("--posterior", type=click.Path(path_type=Path),
              help="Calibration folder or posterior.csv [default: results/calibrate-<scenario>].")
@tail_options
@click.option("--base", metavar="SCENARIO",
              help="With several scenarios: also the paired differences of each from this one "
                   "(differences.csv, plots/differences.png; as escsim compare).")
def run(scenarios: tuple[str, ...], run_all: bool, runs: int, seed: int, horizon: float | None,
        overrides: tuple[str, ...], executor: str, jobs: int | None, scheduler: str | None,
        out: Path | None, force: bool, resume: bool, no_plots: bool, uncertainty: str = "none",
        priors: Path | None = None, posterior: Path | None = None,
        tail_method: str = "none", rung: int | None = None, tail_repetitions: int = 20,
        tail_effort: int = 500, base: str | None = None) -> None:
    """Run Monte Carlo replications of one or more SCENARIOS (paths or bundled names).

    Writes runs.csv, daily.csv, summary.json, manifest.json and plots/ into the output folder;
    with several scenarios, one subfolder each plus a side-by-side comparison. Rows stream to
    disk as chunks finish (memory stays flat in --runs); an interrupted run continues with
    --resume. With --parameter-uncertainty, outcome distributions include parameter
    uncertainty, not only chance (docs/backtest.md).
    """
    from escsim.scenario import bundled_scenarios
    from escsim.scenario.priors import make_sampler
    from escsim.simulation import add_tail_estimate, run_to_folder

    refs = list(scenarios)
    if run_all:
        refs += [name for name in bundled_scenarios() if name not in refs]
    if not refs:
        raise click.UsageError("give at least one SCENARIO, or --all")
    # validate every scenario before running any
    loaded = [load_scenario_arg(r, overrides, horizon) for r in refs]
    samplers = [make_sampler(s, uncertainty, priors, posterior) for s in loaded]
    names = [s.scenario.name for s in loaded]
    if len(set(names)) != len(names):
        raise InputError("two scenarios share a name", value=names,
                         expected="distinct scenario.name values")
    tail_rungs = check_tail(loaded, tail_method, rung, uncertainty)
    base_name = None
    if base is not None:  # by reference or by scenario name
        matches = [n for r, n in zip(refs, names, strict=True) if base in (r, n)]
        if not matches or len(loaded) < 2:
            raise InputError("the base must be one of two or more scenarios run", key="--base",
                             value=base, expected=" | ".join(refs))
        base_name = matches[0]
    target = out or _default_out(names[0] if len(loaded) == 1 else "compare")
    check_out(target, force, resume)
    single = len(loaded) == 1
    folders = [target] if single else [target / n for n in names]
    total = runs * len(loaded)
    with make_cli_executor(executor, jobs, scheduler) as ex, \
            Progress(f"{len(loaded)} scenario(s) x {runs} runs") as bar, \
            _resumable("run", target, bar):
        for i, (s, sampler, folder) in enumerate(zip(loaded, samplers, folders, strict=True)):
            def advance(done: int, _total: int, before: int = i * runs) -> None:
                bar(before + done, total)

            run_to_folder(s, folder, runs, seed, ex, parameters=sampler, progress=advance,
                          resume=resume and folder.exists(), force=force, plots=False)
        for s, folder, k in zip(loaded, folders, tail_rungs, strict=True):
            if k is not None:
                with Progress(f"{s.scenario.name}: rung {k} by splitting", "repetitions") as tb:
                    def one_more(n: int, bar: Progress = tb) -> None:
                        bar.add(n, tail_repetitions)

                    add_tail_estimate(folder, s, k, seed, tail_repetitions, tail_effort, ex,
                                      progress=one_more)
    if not no_plots:
        from escsim.simulation import plot_run_folder

        for folder in folders:
            plot_run_folder(folder)
    if not single:
        from escsim.simulation import write_comparison

        write_comparison(target, folders, plots=not no_plots)
    if base_name is not None:
        from escsim.simulation import write_differences

        write_differences(target, folders, base_name, plots=not no_plots)
    for folder in folders:
        _print_summary(folder)
    if base_name is not None:
        from escsim.cli.study import print_differences

        print_differences(target / "differences.csv")
    if not single:
        click.echo(f"\ncomparison: {target / 'comparison.csv'}")
    for described in sorted({sm.describe() for sm in samplers if sm is not None}):
        click.echo(f"parameter uncertainty: {described}")
    click.echo(f"results: {target}")


# ---------------------------------------------------------------------------------- trace ---
@main.command()
@click.argument("scenario")
@click.option("--seed", "-s", required=True, type=click.IntRange(0),
              help="A replication seed (the seed column of runs.csv).")
@set_option
@click.option("--horizon", type=click.FloatRange(1, 3650), metavar="DAYS",
              help="Override the scenario's horizon (days).")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: results/trace-<scenario>-<seed>].")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
def trace(scenario: str, seed: int, overrides: tuple[str, ...], horizon: float | None,
          out: Path | None, force: bool) -> None:
    """Write one replication's event log (trace.csv) and a timeline plot (timeline.png)."""
    from escsim.plotting import plot_trace_timeline
    from escsim.results import atomic_folder
    from escsim.simulation import trace as make_trace

    s = load_scenario_arg(scenario, overrides, horizon)
    target = out or _default_out(f"trace-{s.scenario.name}-{seed}")
    check_out(target, force)  # before the replication, not after
    with atomic_folder(target, force=force) as tmp:
        table = make_trace(s, seed)
        table.to_csv(tmp / "trace.csv", index=False)
        fig = plot_trace_timeline(table, s.scenario.start_date,
                                  horizon_days=s.scenario.horizon_days)
        fig.savefig(tmp / "timeline.png", dpi=150, bbox_inches="tight")
    row = table.attrs["row"]
    click.echo(f"{len(table)} events; attacks {row['attacks']}, US wounded {row['us_wounded']}, "
               f"killed {row['us_killed']}, US strike rounds {row['us_strikes']}, "
               f"highest rung {row['max_rung']}")
    click.echo(f"results: {target}")


# ------------------------------------------------------------------------------ scenarios ---
@main.command("scenarios")
def list_scenarios() -> None:
    """List the bundled scenarios and the question each answers."""
    from escsim.scenario import bundled_scenarios, load_scenario

    for name in bundled_scenarios():
        s = load_scenario(name)
        first = " ".join(s.scenario.description.split())
        click.echo(f"{name:<22} {s.scenario.start_date}  {s.scenario.horizon_days:>5g} d  "
                   f"{first}")


@main.command()
@click.argument("scenario")
@set_option
@click.option("--key", "prefix", default="", metavar="PREFIX",
              help="Show only keys starting with PREFIX (e.g. militias.iraq_factions).")
@click.option("--brief", is_flag=True, help="Values only, no provenance.")
def show(scenario: str, overrides: tuple[str, ...], prefix: str, brief: bool) -> None:
    """Print the fully resolved SCENARIO with the provenance of every value."""
    s = load_scenario_arg(scenario, overrides)
    click.echo(f"# {s.scenario.name} (hash {s.param_hash})  from {s.source}")
    from escsim.scenario.keys import leaves

    for key, _, value, _ in leaves(s):
        if not key.startswith(prefix):
            continue
        click.echo(f"{key} = {_fmt(value)}")
        if not brief:
            click.echo(f"    <- {s.provenance.get(key, 'default of the schema')}")


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if "\n" not in value else repr(" ".join(value.split()))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return repr(list(value))
    return repr(value)


@main.command()
@click.option("--id", "fact_id", default="", help="Show one fact in full.")
def facts(fact_id: str) -> None:
    """List the fact base (seeds/): id, figure, date and paraphrase."""
    import difflib

    from escsim.facts import bundled_facts

    all_facts = bundled_facts()
    if fact_id:
        if fact_id not in all_facts:
            close = difflib.get_close_matches(fact_id, list(all_facts), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError("unknown fact id" + hint, key="--id", value=fact_id,
                             expected="an id from `escsim facts`")
        f = all_facts[fact_id]
        for label, value in (("id", f.id), ("figure", f.figure()), ("when", f.when()),
                             ("source", f.source), ("paraphrase", f.paraphrase),
                             ("file", f.file), ("note", f.note or "")):
            click.echo(f"{label:>10}: {value}")
        return
    for f in all_facts.values():
        click.echo(f"{f.id:<26} {f.figure():<34} {f.when():<24} {f.paraphrase}")


# ------------------------------------------- commands of their own modules: sweeps, backtest ---
from escsim.cli.history import backtest, calibrate  # noqa: E402
from escsim.cli.study import compare, study  # noqa: E402
from escsim.cli.sweep import discover, plot, sensitivity, sweep  # noqa: E402

for _command in (sweep, sensitivity, plot, discover, backtest, calibrate, compare, study):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
