"""The rare rung by multilevel splitting, beside the plain estimate of a run, a sweep or a study
(``--tail splitting``): the request checked before any work, the estimate added to the folder,
and the lines that print it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escsim.apps.common import SILENT, Feedback, UsageError
from escsim.executors import Executor


@dataclass(frozen=True)
class TailRequest:
    """``--tail``, ``--rung``, ``--tail-repetitions``, ``--tail-effort`` and ``--level`` of a
    command (``levels``: empty for the default levels)."""

    method: str = "none"
    rung: int | None = None
    repetitions: int = 20
    effort: int = 700
    levels: tuple[str, ...] = ()

    @property
    def wanted(self) -> bool:
        return self.method != "none"


#: No tail estimate (the default).
NO_TAIL = TailRequest()


def check_tail(scenarios: list[Any], request: TailRequest,
               uncertainty: str = "none", points: int | None = None) -> list[int | None]:
    """The rung the request estimates in each scenario, checked before anything runs, with
    the request's size (``points``: how many estimates, default one per scenario)."""
    if not request.wanted:
        if request.rung is not None:
            raise UsageError("--rung needs --tail splitting")
        if request.levels:
            raise UsageError("--level needs --tail splitting")
        return [None] * len(scenarios)
    if uncertainty != "none":
        raise UsageError("--tail splitting estimates chance for the scenario as given; "
                         "it cannot be combined with --parameter-uncertainty")
    from escsim.tail.levels import plan_levels
    from escsim.tail.report import check_tail_request
    from escsim.tail.splitting import check_tail_size

    rungs = [check_tail_request(s, request.rung, request.levels) for s in scenarios]
    levels = max((len(plan_levels(s, k, request.levels or None).levels)
                  for s, k in zip(scenarios, rungs, strict=True)), default=1)
    check_tail_size(request.repetitions, request.effort, levels,
                    points if points is not None else len(scenarios),
                    ("--tail-repetitions", "--tail-effort"))
    return list(rungs)


def add_to_runs(folders: list[Path], scenarios: list[Any], rungs: list[int | None], seed: int,
                request: TailRequest, executor: Executor, feedback: Feedback = SILENT) -> None:
    """Each run folder's rare rung by splitting, written into its ``summary.json``."""
    from escsim.simulation import add_tail_estimate

    for s, folder, k in zip(scenarios, folders, rungs, strict=True):
        if k is not None:
            with feedback.progress(f"{s.scenario.name}: rung {k} by splitting",
                                   "repetitions") as bar:
                def one_more(n: int, shown: Any = bar) -> None:
                    shown.add(n, request.repetitions)

                add_tail_estimate(folder, s, k, seed, request.repetitions, request.effort,
                                  executor, progress=one_more, levels=request.levels)


def add_to_sweep(folder: Path, plan: Any, rungs: list[int | None], seed: int,
                 request: TailRequest, executor: Executor, label: str,
                 feedback: Feedback = SILENT) -> Any:
    """Every point's rare rung by splitting (``tail.csv`` in the sweep or study folder)."""
    from escsim.tail.report import sweep_tail

    by_scenario = {s.scenario.name: k for s, k in zip(plan.scenarios, rungs, strict=True)}
    with feedback.progress(label, "repetitions") as bar:
        return sweep_tail(folder, plan, by_scenario, seed, request.repetitions, request.effort,
                          executor, progress=bar, levels=request.levels)


def tail_line(tail: dict[str, Any]) -> str:
    """A run's splitting estimate as its summary prints it."""
    from escsim.tail.report import tail_line as line

    return line(tail)


def tail_table_lines(table: Any) -> list[str]:
    """Per point: the splitting estimate of the rare rung beside the plain one."""
    lines = ["", "  point  rung  splitting estimate [95%]            plain [95%]"]
    for r in table.itertuples():
        split = f"{r.estimate:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}]"
        plain = f"{r.plain_estimate:.3g} [{r.plain_ci_low:.3g}, {r.plain_ci_high:.3g}]"
        lines.append(f"  {r.point:>5}  {r.rung:>4}  {split:<34} {plain}")
    return lines
