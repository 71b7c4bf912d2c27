"""Trace folders (``escsim trace``): one replication event by event (``trace.csv``) and its
timeline (``timeline.png``), from a scenario and a seed or replayed from a row of a result
folder and checked against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from escsim.apps.common import SILENT, AppResult, Feedback, check_out, load, output_folder
from escsim.errors import InputError


def _replayed(ref: str, replication: int | None, point: int, seed: int | None,
              overrides: tuple[str, ...], horizon: float | None) -> Any:
    from escsim.results.kinds import recognise
    from escsim.results.replay import replay_input

    folder = Path(ref)
    if replication is None:
        raise InputError("a result folder needs --replication K", file=ref,
                         key="--replication", expected="the replication to replay")
    if overrides or horizon is not None or seed is not None:
        raise InputError("a result folder is replayed as it was run", file=ref,
                         key="--set/--horizon/--seed",
                         expected="no --set, --horizon or --seed with a folder")
    if recognise(folder) == "trace":
        raise InputError("a trace folder is one replication already", file=ref,
                         expected="a folder written by escsim run or escsim sweep")
    return replay_input(folder, replication, point)


def trace(scenario: str, seed: int | None = None, replication: int | None = None,
          point: int = 0, overrides: tuple[str, ...] = (), horizon: float | None = None,
          out: Path | None = None, force: bool = False, feedback: Feedback = SILENT
          ) -> AppResult:
    """One replication's event log and timeline (``escsim trace``; the arguments are its
    options). ``scenario`` is a scenario with ``seed``, or a result folder with
    ``replication`` (checked to reproduce its row)."""
    from escsim.plotting import plot_trace_timeline, save_figure
    from escsim.results import atomic_folder
    from escsim.simulation import trace as make_trace

    stored_row: dict[str, Any] | None = None
    redrawn: dict[str, float] = {}
    if Path(scenario).is_dir():
        replay = _replayed(scenario, replication, point, seed, overrides, horizon)
        s, seed, stored_row, redrawn = replay.scenario, replay.seed, replay.row, replay.drawn
    else:
        if seed is None:
            raise InputError("give --seed (or a result folder and --replication)", key="--seed",
                             expected="a seed from the seed column of runs.csv")
        s = load(scenario, overrides, horizon)
    target = output_folder(out, f"trace-{s.scenario.name}-{seed}", force, feedback=feedback)
    check_out(target, force)  # before the replication, not after
    with atomic_folder(target, force=force) as tmp:
        table = make_trace(s, seed)
        row = table.attrs["row"]
        if stored_row is not None:  # checked before anything is written
            _check_reproduces(stored_row, {**row, **redrawn}, scenario, replication)
        table.to_csv(tmp / "trace.csv", index=False)
        save_figure(plot_trace_timeline(table, s.scenario.start_date,
                                        horizon_days=s.scenario.horizon_days),
                    tmp / "timeline.png")
    lines = [f"{len(table)} events; attacks {row['attacks']}, US wounded {row['us_wounded']}, "
             f"killed {row['us_killed']}, US strike rounds {row['us_strikes']}, "
             f"highest rung {row['max_rung']}"]
    if stored_row is not None:
        drew = f" and its {len(redrawn)} drawn parameters" if redrawn else ""
        lines.append(f"reproduces replication {replication} of {scenario} (seed {seed}): every "
                     f"count{drew} identical")
    lines.append(f"results: {target}")
    data = {"results": str(target), "seed": seed, "events": len(table), "row": row,
            **({"reproduces": True} if stored_row is not None else {})}
    return AppResult(target, lines, data, value=table)


def _check_reproduces(stored: dict[str, Any], replayed: dict[str, Any], scenario: str,
                      replication: int | None) -> None:
    from escsim.results.replay import row_differences

    diff = row_differences(stored, replayed)
    if diff:
        raise InputError("the replay does not reproduce the stored row (do the code "
                         "or library versions differ from the manifest's?)",
                         file=scenario, key=f"replication {replication}", value=diff,
                         expected="the same counts as runs.csv")


def redraw(folder: Path) -> list[Path]:
    """A trace folder holds its one figure already: nothing to redraw from tables."""
    raise InputError("not a result folder", file=str(folder),
                     expected="a folder written by escsim run, sweep, sensitivity, study, "
                              "backtest or calibrate (a trace folder holds its one figure "
                              "already)")
