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


def contested_alternatives(scenario: Any) -> list[tuple[str, str, list[str]]]:
    """(mechanism, alternative in force in ``scenario``, every alternative) of each contested
    mechanism with more than one reading, from the mechanism registry."""
    from escsim.model.mechanisms import MECHANISMS

    return [(key, str(getattr(scenario.mechanisms, key)), list(alternatives))
            for key, alternatives in MECHANISMS.items() if len(alternatives) > 1]


def headline_measure(table: Any) -> str:
    """The measure a comparison's answer is about: the lowest rung reached in under half the
    runs of base or variant and by some run; else the first measure."""
    rungs = table[table["measure"].str.match(r"rung_\d+_reached")]
    for r in rungs.itertuples():
        low, high = sorted((r.base_estimate, r.variant_estimate))
        if low < 0.5 and high > 0:
            return str(r.measure)
    return str(table["measure"].iloc[0]) if len(table) else ""


def mechanism_lines(table: Any) -> list[str]:
    """What ``--across-mechanisms`` prints: the headline measure's difference as run and under
    each other alternative of each contested mechanism, and which reverse its sign."""
    from escsim.analysis.format import sig, signed

    if table.empty:
        return []
    measure = headline_measure(table)
    lines = []
    for (variant, base), rows in table[table["measure"] == measure].groupby(
            ["variant", "base"], sort=False):
        ref = rows[rows["default"]].iloc[0]
        in_force = ", ".join(f"{r.mechanism}={r.alternative}"
                             for r in rows[rows["default"]].itertuples())
        lines += [f"\n{variant} - {base}, {measure}, under each alternative of the contested "
                  "mechanisms (paired, same seeds):",
                  f"  {'as run':<44}{signed(ref.difference):>11}   "
                  f"{f'[{signed(ref.low)}, {signed(ref.high)}]':<22}ratio {sig(ref.ratio, 3)}",
                  f"  ({in_force})"]
        for r in rows[~rows["default"]].itertuples():
            ratio = sig(r.ratio, 3) if r.ratio == r.ratio else "-"
            lines.append(f"  {f'{r.mechanism}={r.alternative}':<44}{signed(r.difference):>11}   "
                         f"{f'[{signed(r.low)}, {signed(r.high)}]':<22}ratio {ratio}"
                         + ("   <- sign reversed" if r.flips else ""))
    flips = table[table["flips"]]
    for (mechanism, variant), part in flips.groupby(["mechanism", "variant"], sort=False):
        alts = ", ".join(dict.fromkeys(part["alternative"]))
        measures = ", ".join(dict.fromkeys(part["measure"]))
        lines.append(f"careful: the sign of {variant} - {part['base'].iloc[0]} rests on "
                     f"{mechanism}: under {alts} it reverses for {measures}")
    if flips.empty:
        lines.append("no alternative of a contested mechanism reverses a sign")
    return lines


def _across(base: str, variants: tuple[str, ...] | list[str], target: Path, runs: int, seed: int,
            horizon: float | None, overrides: tuple[str, ...], executor: str | Executor,
            jobs: int | None, scheduler: str | None, force: bool, resume: bool,
            feedback: Feedback) -> Any:
    """The comparison again under every other alternative of each contested mechanism (same
    seeds), into ``target/mechanisms/KEY=ALT``; writes ``mechanisms.csv`` and returns it."""
    from escsim.analysis.paired import across_mechanisms
    from escsim.apps.common import load
    from escsim.results.files import atomic_open
    from escsim.results.tables import read_shaped

    scenario = load(base, overrides, horizon)
    reference = read_shaped(target, "comparison", "differences.csv")
    tables = []
    for key, in_force, alternatives in contested_alternatives(scenario):
        tables.append((key, in_force, True, reference))
        for alternative in alternatives:
            if alternative == in_force:
                continue
            feedback.note(f"the comparison under {key}={alternative}")
            done = run((base, *variants), runs=runs, seed=seed, horizon=horizon,
                       overrides=(*overrides, f"mechanisms.{key}={alternative}"),
                       executor=executor, jobs=jobs, scheduler=scheduler,
                       out=target / "mechanisms" / f"{key}={alternative}", force=force,
                       resume=resume, plots=False, base=base, report=False, tail=NO_TAIL,
                       feedback=feedback)
            assert done.folder is not None
            tables.append((key, alternative, False,
                           read_shaped(done.folder, "comparison", "differences.csv")))
    table = across_mechanisms(tables)
    with atomic_open(target / "mechanisms.csv") as fh:
        table.to_csv(fh, index=False)
    return table


def _sign_lines(base: str, variants: list[str] | tuple[str, ...], horizon: float | None,
                overrides: tuple[str, ...]) -> list[str]:
    """What a plain comparison says of its sign and the contested mechanisms: the stored
    measurement where it covers these scenarios, else which mechanisms could matter."""
    from escsim.apps.common import load
    from escsim.apps.comparison_text import measured_flip_lines
    from escsim.apps.sweep import wrapped

    scenario = load_base(base, overrides, horizon)
    measured = measured_flip_lines(scenario, [load(v, overrides, horizon) for v in variants],
                                   horizon, overrides)
    if measured is not None:
        return measured
    contested = [f"{k} ({' | '.join(alts)})" for k, _, alts in contested_alternatives(scenario)]
    return wrapped("not measured for these scenarios: the sign may rest on a contested "
                   "mechanism; --across-mechanisms runs the comparison under each alternative of "
                   + ", ".join(contested), "")


def compare(base: str, variants: list[str] | tuple[str, ...], runs: int = 500,
            seed: int = DEFAULT_SEED, horizon: float | None = None,
            overrides: tuple[str, ...] = (), executor: str | Executor = "process",
            jobs: int | None = None, scheduler: str | None = None, out: Path | None = None,
            force: bool = False, resume: bool = False, plots: bool = True, report: bool = True,
            feedback: Feedback = SILENT, across_mechanisms: bool = False,
            runs_format: str = "csv") -> AppResult:
    """Differences of ``variants`` from ``base``, paired replication by replication
    (``escsim compare``): :func:`escsim.apps.run.run` of every scenario on the same seeds with
    ``base``, into ``results/compare-<base>``. With ``across_mechanisms``, the comparison again
    under every alternative of each contested mechanism (``mechanisms.csv``, printed and in the
    report, with the alternatives that reverse a sign)."""
    from escsim.apps.common import output_folder, write_report_if

    target = output_folder(out, f"compare-{Path(base).stem}", force, resume, feedback)
    done = run((base, *variants), runs=runs, seed=seed, horizon=horizon, overrides=overrides,
               executor=executor, jobs=jobs, scheduler=scheduler, out=target, force=force,
               resume=resume, plots=plots, base=base, report=report and not across_mechanisms,
               tail=NO_TAIL, feedback=feedback, runs_format=runs_format)
    if not across_mechanisms:
        done.lines[len(done.lines) - 1:len(done.lines) - 1] = _sign_lines(
            base, variants, horizon, overrides)
        return done
    table = _across(base, variants, target, runs, seed, horizon, overrides, executor, jobs,
                    scheduler, force, resume, feedback)
    if plots:
        draw_mechanisms(target, table)
    write_report_if(target, report)
    done.lines[len(done.lines) - 1:len(done.lines) - 1] = mechanism_lines(table)
    if isinstance(done.json, dict):
        done.json["mechanisms"] = str(target / "mechanisms.csv")
        done.json["sign_flips"] = table[table["flips"]].to_dict(orient="records")
    return done


def draw_mechanisms(target: Path, table: Any) -> Path | None:
    """``plots/mechanisms.png``: the rungs' paired differences under each alternative of each
    contested mechanism (a forest plot; the alternative in force marked)."""
    import pandas as pd

    from escsim.plotting import save_figure
    from escsim.plotting.study import plot_differences
    from escsim.results.tables import read_shaped

    rows = table[table["measure"].str.match(r"rung_\d+_reached")]
    if rows.empty:
        return None
    multi = rows["variant"].nunique() > 1
    shown = pd.DataFrame({
        "kind": "probability", "measure": rows["measure"], "base": rows["base"],
        "variant": [(f"{v}: " if multi else "") + f"{m}={a}" + (" (in force)" if d else "")
                    for v, m, a, d in zip(rows["variant"], rows["mechanism"],
                                          rows["alternative"], rows["default"], strict=True)],
        "difference": rows["difference"], "low": rows["low"], "high": rows["high"],
        "method": "Newcombe (1998) paired hybrid score", "runs": 0, "confidence": 0.95})
    runs_csv = target / "differences.csv"
    if runs_csv.is_file():
        runs = read_shaped(target, "comparison", "differences.csv")["runs"]
        shown["runs"] = int(runs.iloc[0]) if len(runs) else 0
    names = {}
    for summary in sorted(target.glob("*/summary.json")):
        from escsim.results import read_json

        names = {int(k): v for k, v in read_json(summary).get("rung_names", {}).items()}
        break
    (target / "plots").mkdir(exist_ok=True)
    return save_figure(plot_differences(shown, rung_names=names),
                       target / "plots" / "mechanisms.png")


def load_base(base: str, overrides: tuple[str, ...], horizon: float | None) -> Any:
    from escsim.apps.common import load

    return load(base, overrides, horizon)


def redraw(folder: Path) -> list[Path]:
    """Redraw a comparison folder: each scenario's run folder, then the side-by-side figures
    (``comparison.csv`` is the folder's data, not redrawn)."""
    from escsim.results.runs_table import has_runs
    from escsim.results.tables import read_shaped
    from escsim.simulation import plot_run_folder, write_comparison

    subs = sorted(p for p in folder.iterdir() if p.is_dir() and has_runs(p))
    if not subs:
        raise InputError("a comparison folder without its scenarios' run folders",
                         file=str(folder), expected="a folder of escsim run with several "
                                                    "scenarios (one run folder each)")
    files = [f for sub in subs for f in plot_run_folder(sub)]
    base = None  # a comparison run with --base keeps its base drawn first
    if (folder / "differences.csv").is_file():
        bases = read_shaped(folder, "comparison", "differences.csv", usecols=["base"])["base"]
        base = str(bases.iloc[0]) if len(bases) else None
    write_comparison(folder, subs, plots=True, table=False, base=base)
    return files + sorted((folder / "plots").glob("*.png"))
