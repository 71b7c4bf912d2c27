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
    OUTPUT,
    EscsimGroup,
    Progress,
    add_output_options,
    check_out,
    check_tail,
    detail,
    echo,
    emit_json,
    executor_options,
    horizon_option,
    load_scenario_arg,
    make_cli_executor,
    out_options,
    output_folder,
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
    from escsim.results import read_summary

    echo("")
    for line in summary_lines(read_summary(folder)):
        echo(line)


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
        from escsim.tail.report import tail_line

        lines.append(tail_line(s["tail"]))
    lines.append(f"  {'count':<28}{'median':>11}   90% range")
    for q in s["count_quantiles"]:
        if q["count"] in MAIN_COUNTS:
            lines.append(f"  {q['count']:<28}{q['q50']:>11g}   [{q['q05']:g}, {q['q95']:g}]")
    return lines


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


def print_differences(path: Path) -> None:
    """The differences table of ``differences.csv``: each measure's paired difference from the
    base with its interval, in significant digits."""
    import pandas as pd

    from escsim.analysis.format import sig, signed

    table = pd.read_csv(path)
    for variant, rows in table.groupby("variant", sort=False):
        first = rows.iloc[0]
        echo(f"\n{variant} - {first['base']}: paired on {int(first['runs'])} common seeds "
                   f"({int(first['confidence'] * 100)}% intervals)")
        windows = [(first.get(f"{who}start_date"), first.get(f"{who}horizon_days"))
                   for who in ("base_", "")]
        if "start_date" in table and windows[0] != windows[1]:
            (b_start, b_days), (v_start, v_days) = windows
            echo(f"  windows differ: {first['base']} from {b_start} for {b_days:g} days, "
                       f"{variant} from {v_start} for {v_days:g} days (not comparable number "
                       "for number)")
        echo(f"  {'measure':<26}{'base':>10}{'variant':>10}{'difference':>12}   interval"
                   f"{'var. ratio':>22}")
        for r in rows.itertuples():
            echo(f"  {r.measure:<26}{sig(r.base_estimate):>10}{sig(r.variant_estimate):>10}"
                       f"{signed(r.difference):>12}   [{signed(r.low)}, {signed(r.high)}]"
                       f"{sig(r.variance_ratio, 2):>14}")
    methods = "; ".join(dict.fromkeys(table["method"]))
    echo(f"intervals: {methods}. var. ratio: variance of the paired difference over the "
               "unpaired one (below 1: the pairing helped)")


def _default_out(name: str) -> Path:
    return Path("results") / name


# ------------------------------------------------------------------------------------- run ---
@main.command()
@click.argument("scenarios", nargs=-1)
@click.option("--all", "run_all", is_flag=True,
              help="Run every bundled outlook scenario (from Nov 2024; the history windows "
                   "era-2019-20, era-2021 and surge-2023 are left out) and compare.")
@click.option("--runs", "-n", default=500, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Replications per scenario.")
@click.option("--seed", "-s", default=20231017, show_default=True, type=click.IntRange(0),
              help="Root seed; replication seeds derive from it.")
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
@click.option("--no-report", is_flag=True, help="Skip report.html (escsim report DIR writes it).")
@click.option("--parameter-uncertainty", "uncertainty", default="none", show_default=True,
              type=click.Choice(["none", "prior", "posterior"]),
              help="Draw each replication's uncertain parameters from the scenario's priors or "
                   "from the posterior of escsim calibrate (adds drawn_* columns).")
@click.option("--priors", type=click.Path(dir_okay=False, path_type=Path),
              help="Priors file [default: scenarios/priors/<scenario>.toml].")
@click.option("--posterior", type=click.Path(path_type=Path),
              help="Calibration folder or posterior.csv [default: results/calibrate-<scenario>].")
@tail_options
def run(scenarios: tuple[str, ...], run_all: bool, runs: int, seed: int, horizon: float | None,
        overrides: tuple[str, ...], executor: str, jobs: int | None, scheduler: str | None,
        out: Path | None, force: bool, resume: bool, no_plots: bool, base: str | None = None,
        name: str | None = None, no_report: bool = False, uncertainty: str = "none",
        priors: Path | None = None, posterior: Path | None = None,
        tail_method: str = "none", rung: int | None = None, tail_repetitions: int = 20,
        tail_effort: int = 500) -> None:
    """Run Monte Carlo replications of one or more SCENARIOS (paths or bundled names).

    Writes runs.csv, daily.csv, summary.json, manifest.json, plots/ and report.html into the
    output folder; with several scenarios, one subfolder each plus a side-by-side comparison
    (and, with --base, paired differences). Rows stream to disk as chunks finish (memory stays
    flat in --runs); an interrupted run continues with --resume. With --parameter-uncertainty,
    outcome distributions include parameter uncertainty, not only chance (docs/backtest.md).
    """
    import time

    from escsim.results.provenance import variant_name
    from escsim.scenario import outlook_scenarios
    from escsim.scenario.priors import make_sampler
    from escsim.simulation import add_tail_estimate, run_to_folder

    refs = list(scenarios)
    if run_all:
        # the history windows (the eras, the calibration period) start and end elsewhere:
        # their probabilities are not comparable number for number with the outlook's
        refs += [n for n in outlook_scenarios() if n not in refs]
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
    single = len(loaded) == 1
    compare_name = "compare" + (f"+{len(overrides)}-overrides" if overrides else "")
    target = out or _default_out(name or (variant_name(loaded[0]) if single else compare_name))
    if out is None and not resume and not force and target.exists():
        # a default folder is never overwritten, and re-running a command works: the next
        # free name is used, and said
        taken = target
        target = next(taken.with_name(f"{taken.name}-{i}") for i in range(2, 10_000)
                      if not taken.with_name(f"{taken.name}-{i}").exists())
        echo(f"note: {taken} exists (--force replaces it, --out chooses another); writing "
             f"{target}", err=True)
    check_out(target, force, resume)
    folders = [target] if single else [target / n for n in names]
    total = runs * len(loaded)
    clock = {"started": time.perf_counter()}
    with make_cli_executor(executor, jobs, scheduler) as ex:
        with Progress(f"{len(loaded)} scenario(s) x {runs} runs") as bar, \
                _resumable("run", target, bar):
            for i, (s, sampler, folder) in enumerate(zip(loaded, samplers, folders,
                                                         strict=True)):
                def advance(done: int, _total: int, before: int = i * runs) -> None:
                    bar(before + done, total)

                run_to_folder(s, folder, runs, seed, ex, parameters=sampler, progress=advance,
                              resume=resume and folder.exists(), force=force, plots=False,
                              title=name if single else None)
        for s, folder, k in zip(loaded, folders, tail_rungs, strict=True):
            if k is not None:
                with Progress(f"{s.scenario.name}: rung {k} by splitting", "repetitions") as tb:
                    def one_more(n: int, tail_bar: Progress = tb) -> None:
                        tail_bar.add(n, tail_repetitions)

                    add_tail_estimate(folder, s, k, seed, tail_repetitions, tail_effort, ex,
                                      progress=one_more)
        if not single:
            from escsim.simulation import write_comparison

            write_comparison(target, folders, plots=False, scenarios=loaded, root_seed=seed)
        if base_name is not None:
            from escsim.simulation import write_differences

            write_differences(target, folders, base_name, plots=not no_plots)
        clock["simulated"] = time.perf_counter()
        detail(f"simulation and tables: {clock['simulated'] - clock['started']:.1f}s")
        if not no_plots:
            # figures are independent: one task a figure, on the executor's workers, with
            # progress (the names come without importing matplotlib here); a comparison draws
            # its side-by-side figures, each scenario's own are drawn on request (escsim plot
            # DIR/NAME), not for every scenario at once
            from escsim.records import RUN_COMPARISON_FIGURES, RUN_FIGURES
            from escsim.simulation import draw_figures

            tasks: list[tuple[Any, ...]] = [("run", str(target), (), None, (figure,))
                                            for figure in RUN_FIGURES]
            if not single:
                tasks = [("comparison", str(target), tuple(str(f) for f in folders),
                          base_name, (figure,)) for figure in RUN_COMPARISON_FIGURES]
            with Progress("drawing figures", unit="figures") as drawing:
                draw_figures(tasks, ex, drawing)
        clock["drawn"] = time.perf_counter()
        detail(f"figures: {clock['drawn'] - clock['simulated']:.1f}s")
    if not no_report:
        from escsim.results.report import write_report

        write_report(target)
    if single or OUTPUT.verbose:
        for folder in folders:
            _print_summary(folder)
    if not single:
        from escsim.results import read_summary

        echo("")
        for line in comparison_lines([read_summary(f) for f in folders]):
            echo(line)
    if base_name is not None:
        print_differences(target / "differences.csv")
    if not single:
        echo(f"\ncomparison: {target / 'comparison.csv'}")
    for described in sorted({sm.describe() for sm in samplers if sm is not None}):
        echo(f"parameter uncertainty: {described}")
    echo(f"results: {target}")
    from escsim.results import read_summary

    emit_json({"results": str(target), "summaries": [read_summary(f) for f in folders],
               **({"comparison": str(target / "comparison.csv")} if not single else {}),
               **({"differences": str(target / "differences.csv")} if base_name else {}),
               "seconds": {"simulation": round(clock["simulated"] - clock["started"], 3),
                           "figures": round(clock["drawn"] - clock["simulated"], 3)}})


@main.command()
@click.argument("base")
@click.argument("variants", nargs=-1, required=True)
@click.option("--runs", "-n", default=500, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Replications of each scenario (replication r shares its seed across all).")
@click.option("--seed", "-s", default=20231017, show_default=True, type=click.IntRange(0),
              help="Root seed, common to every scenario (this pairs them).")
@horizon_option()
@set_option
@executor_options
@out_options("results/compare-<base>", resume="Finish an interrupted comparison in --out.")
@click.option("--no-report", is_flag=True, help="Skip report.html (escsim report DIR writes it).")
@click.pass_context
def compare(ctx: click.Context, base: str, variants: tuple[str, ...], runs: int, seed: int,
            horizon: float | None, overrides: tuple[str, ...], executor: str, jobs: int | None,
            scheduler: str | None, out: Path | None, force: bool, resume: bool,
            no_plots: bool, no_report: bool = False) -> None:
    """Differences of VARIANTS from BASE, paired replication by replication.

    Runs every scenario on the same seeds (as `escsim run BASE VARIANT... --base BASE`) and
    writes differences.csv (per rung and main count: the difference with a paired 95%
    interval) and plots/differences.png (a forest plot), beside each scenario's run folder.
    """
    target = output_folder(out, f"compare-{Path(base).stem}", force, resume)
    ctx.invoke(run, scenarios=(base, *variants), run_all=False, runs=runs, seed=seed,
               horizon=horizon, overrides=overrides, executor=executor, jobs=jobs,
               scheduler=scheduler, out=target, force=force, resume=resume, no_plots=no_plots,
               base=base, no_report=no_report)


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
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: results/trace-<scenario>-<seed>].")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
def trace(scenario: str, seed: int | None, replication: int | None, point: int,
          overrides: tuple[str, ...], horizon: float | None, out: Path | None,
          force: bool) -> None:
    """Write one replication's event log (trace.csv) and a timeline plot (timeline.png).

    SCENARIO is a scenario with --seed, or a result folder with --replication K: the folder's
    own resolved scenario and the row's seed are replayed (a row drawn with
    --parameter-uncertainty draws its parameters again from the priors the folder keeps), and
    the counts and drawn values are checked against the row of runs.csv.
    """
    from escsim.plotting import plot_trace_timeline
    from escsim.results import atomic_folder
    from escsim.simulation import trace as make_trace

    stored_row: dict[str, Any] | None = None
    redrawn: dict[str, float] = {}
    if Path(scenario).is_dir():
        if replication is None:
            raise InputError("a result folder needs --replication K", file=scenario,
                             key="--replication", expected="the replication to replay")
        if overrides or horizon is not None or seed is not None:
            raise InputError("a result folder is replayed as it was run", file=scenario,
                             key="--set/--horizon/--seed",
                             expected="no --set, --horizon or --seed with a folder")
        from escsim.results.replay import replay_input

        replay = replay_input(Path(scenario), replication, point)
        s, seed, stored_row, redrawn = replay.scenario, replay.seed, replay.row, replay.drawn
    else:
        if seed is None:
            raise InputError("give --seed (or a result folder and --replication)", key="--seed",
                             expected="a seed from the seed column of runs.csv")
        s = load_scenario_arg(scenario, overrides, horizon)
    target = output_folder(out, f"trace-{s.scenario.name}-{seed}", force)
    check_out(target, force)  # before the replication, not after
    with atomic_folder(target, force=force) as tmp:
        table = make_trace(s, seed)
        row = table.attrs["row"]
        if stored_row is not None:  # checked before anything is written
            from escsim.results.replay import row_differences

            diff = row_differences(stored_row, {**row, **redrawn})
            if diff:
                raise InputError("the replay does not reproduce the stored row (do the code "
                                 "or library versions differ from the manifest's?)",
                                 file=scenario, key=f"replication {replication}", value=diff,
                                 expected="the same counts as runs.csv")
        table.to_csv(tmp / "trace.csv", index=False)
        fig = plot_trace_timeline(table, s.scenario.start_date,
                                  horizon_days=s.scenario.horizon_days)
        fig.savefig(tmp / "timeline.png", dpi=150, bbox_inches="tight")
    echo(f"{len(table)} events; attacks {row['attacks']}, US wounded {row['us_wounded']}, "
         f"killed {row['us_killed']}, US strike rounds {row['us_strikes']}, "
         f"highest rung {row['max_rung']}")
    if stored_row is not None:
        drew = f" and its {len(redrawn)} drawn parameters" if redrawn else ""
        echo(f"reproduces replication {replication} of {scenario} (seed {seed}): every count"
             f"{drew} identical")
    echo(f"results: {target}")
    emit_json({"results": str(target), "seed": seed, "events": len(table), "row": row,
               **({"reproduces": True} if stored_row is not None else {})})


# ------------------------------------------------------------------------------ scenarios ---
@main.command("scenarios")
def list_scenarios() -> None:
    """List the bundled scenarios (and those of the ESCSIM_SCENARIOS folders) and the question
    each answers."""
    import shutil
    import textwrap

    from escsim.scenario import bundled_scenarios, load_scenario
    from escsim.scenario.loader import user_scenarios

    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
    rows = []
    own = user_scenarios()
    for name, path in [*bundled_scenarios().items(), *own.items()]:
        s = load_scenario(path if name in own else name)
        text = " ".join(s.scenario.description.split())
        if name in own:
            text = f"[{path.parent}] {text}"
        rows.append({"name": name, "start_date": str(s.scenario.start_date),
                     "horizon_days": s.scenario.horizon_days, "description": text,
                     "bundled": name not in own})
        head = f"{name:<22} {s.scenario.start_date}  {s.scenario.horizon_days:>5g} d"
        echo(head)
        for line in textwrap.wrap(text, width=width - 4):
            echo(f"    {line}")
    emit_json(rows)


@main.command()
@click.argument("scenario")
@set_option
@click.option("--key", "prefix", default="", metavar="PREFIX",
              help="Show only keys starting with PREFIX (e.g. militias.iraq_factions).")
@click.option("--brief", is_flag=True, help="Values only, no provenance.")
def show(scenario: str, overrides: tuple[str, ...], prefix: str, brief: bool) -> None:
    """Print the fully resolved SCENARIO with the provenance of every value."""
    from escsim.results.provenance import display_path
    from escsim.scenario.keys import leaves

    s = load_scenario_arg(scenario, overrides)
    shown = [{"key": key, "value": value,
              "provenance": s.provenance.get(key, "default of the schema")}
             for key, _, value, _ in leaves(s) if key.startswith(prefix)]
    if not shown:  # checked before anything is printed
        import difflib

        prefixes = sorted({".".join(k.split(".")[:n]) for k, *_ in leaves(s)
                           for n in range(1, len(k.split(".")) + 1)})
        close = difflib.get_close_matches(prefix, prefixes, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError("no key starts with this prefix" + hint, key="--key", value=prefix,
                         expected="a prefix of the keys of `escsim show " + scenario + "`")
    echo(f"# {s.scenario.name} (hash {s.param_hash})  from {display_path(s.source)}")
    for item in shown:
        echo(f"{item['key']} = {_fmt(item['value'])}")
        if not brief:
            echo(f"    <- {item['provenance']}")
    emit_json({"scenario": s.scenario.name, "param_hash": s.param_hash, "values": shown})


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
        fields = (("id", f.id), ("figure", f.figure()), ("when", f.when()),
                  ("source", f.source), ("paraphrase", f.paraphrase),
                  ("file", f.file), ("note", f.note or ""))
        for label, value in fields:
            echo(f"{label:>10}: {value}")
        emit_json(dict(fields))
        return
    for f in all_facts.values():
        echo(f"{f.id:<26} {f.figure():<34} {f.when():<24} {f.paraphrase}")
    emit_json([{"id": f.id, "figure": f.figure(), "when": f.when(), "source": f.source,
                "paraphrase": f.paraphrase, "file": f.file} for f in all_facts.values()])


# ---------------------------------------------------------------------------------- report ---
@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def report(folder: Path) -> None:
    """Write FOLDER/report.html: one self-contained page (figures embedded, tables, provenance
    of every non-default value, the not-a-forecast caveat) to share a result, readable offline.

    run, sweep and backtest write it by default (--no-report skips it).
    """
    from escsim.results.report import write_report

    if not folder.is_dir():
        raise InputError("no such result folder", file=str(folder),
                         expected="a folder written by escsim")
    path = write_report(folder)
    echo(f"report: {path}")
    emit_json({"report": str(path)})


# ------------------------------------------- commands of their own modules: sweeps, backtest ---
from escsim.cli.history import backtest, calibrate  # noqa: E402
from escsim.cli.study import study  # noqa: E402
from escsim.cli.sweep import discover, plot, sensitivity, sweep  # noqa: E402

for _command in (sweep, sensitivity, plot, discover, backtest, calibrate, study):
    main.add_command(_command)
for _command in main.commands.values():  # -q, -v and --json on every command
    add_output_options(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
