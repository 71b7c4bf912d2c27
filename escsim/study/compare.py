"""Paired comparison of scenarios: what changes if the US answers differently?

:func:`compare` runs a base scenario and its variants on the same root seed, so replication
``r`` of every variant gets the same seed as the base's (``replication_seed(seed, r, 0)``), and
returns the differences from the base with paired intervals (:mod:`escsim.analysis.paired`).
``escsim compare BASE VARIANT...`` and ``escsim run A B --base A`` write the same table to
``differences.csv`` with a forest plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from escsim.analysis.paired import paired_differences
from escsim.errors import InputError
from escsim.executors import Executor
from escsim.feedback import ProgressArg, as_feedback
from escsim.records import DEFAULT_SEED, MAIN_COUNTS
from escsim.scenario import load_scenario
from escsim.scenario.schema import Scenario
from escsim.simulation import Simulation, simulate


@dataclass
class Comparison:
    """A base and its variants, run paired, and their differences."""

    base: str
    simulations: dict[str, Simulation]
    differences: pd.DataFrame

    def plot(self, axes: Any = None) -> Any:
        """The forest plot of the differences."""
        from escsim.plotting.study import plot_differences

        first = next(iter(self.simulations.values()))
        return plot_differences(self.differences, rung_names=first.rung_names, axes=axes)


def _loaded(s: str | Scenario) -> Scenario:
    return s if isinstance(s, Scenario) else load_scenario(s)


def compare(base: str | Scenario, variants: Sequence[str | Scenario], runs: int = 500,
            seed: int = DEFAULT_SEED, executor: Executor | None = None,
            counts: Sequence[str] = MAIN_COUNTS, confidence: float = 0.95,
            progress: ProgressArg = None) -> Comparison:
    """Run ``base`` and each variant ``runs`` times on the same seeds; difference each from
    the base.

    Args:
        base: a scenario (bundled name, TOML path or a loaded :class:`Scenario`).
        variants: the scenarios to compare with it (e.g. ``escsim.with_overrides(s, {...})``).
        runs: replications of each.
        seed: the root seed shared by all (this is what pairs them).
        executor: where the runs go (default: this process).
        counts: the counts whose mean difference is reported.
        confidence: the intervals' confidence.
        progress: ``True`` for a tqdm bar (when tqdm is installed), or a callable
            ``progress(done, total)`` of the replications of every scenario
            (:func:`escsim.feedback.as_feedback`).

    Returns:
        A :class:`Comparison`; ``.differences`` has one row per variant x measure.
    """
    scenarios = [_loaded(base), *(_loaded(v) for v in variants)]
    if len(scenarios) < 2:
        raise InputError("nothing to compare with the base", key="VARIANT",
                         expected="at least one variant scenario")
    names = [s.scenario.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("two scenarios share a name", value=names,
                         expected="distinct scenario.name values (a variant made with "
                                  "with_overrides keeps its base's name: set scenario.name)")
    label = f"{len(scenarios)} scenarios x {runs} runs"
    with as_feedback(progress).counted(label, runs * len(scenarios)) as update:
        sims = {s.scenario.name: simulate(s, runs=runs, seed=seed, executor=executor,
                                          progress=update) for s in scenarios}
    table = paired_differences({n: sim.runs for n, sim in sims.items()}, names[0], counts,
                               confidence, windows={
                                   s.scenario.name: (str(s.scenario.start_date),
                                                     float(s.scenario.horizon_days))
                                   for s in scenarios})
    return Comparison(names[0], sims, table)
