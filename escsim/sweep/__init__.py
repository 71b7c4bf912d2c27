"""Sweeps: designs x seeds -> an executor -> tidy tables on disk.

For notebooks::

    from escsim.sweep import sweep, read_sweep
    res = sweep(["baseline-2024-11"], vary=["us_policy.preset=restraint,proportional,punitive",
                                            "militias.iraq_factions.excitation_per_round=0:2:5"],
                runs=100, out="results/my-sweep")
    s = read_sweep("results/my-sweep")
    s.summary      # one row per point: rung probabilities with 95% intervals
    s.runs         # one row per point x replication

The command line is ``escsim sweep`` (see ``docs/sweeps.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from escsim.sweep.design import Axis, parse_vary, read_design_table
from escsim.sweep.outcomes import Outcome, parse_outcome
from escsim.sweep.run import (
    SweepPlan,
    SweepResult,
    SweepSpec,
    load_plan,
    plan_sweep,
    run_sweep,
    run_sweep_chunk,
)
from escsim.sweep.tables import SweepFolder, read_sweep

__all__ = ["Axis", "Outcome", "SweepFolder", "SweepPlan", "SweepResult", "SweepSpec",
           "load_plan", "parse_outcome", "parse_vary", "plan_sweep", "read_design_table",
           "read_sweep", "run_sweep", "run_sweep_chunk", "sweep"]


def sweep(scenarios: str | Sequence[str], vary: Sequence[str] = (), out: str | Path = "sweep",
          design: str = "grid", samples: int | None = None, runs: int = 100,
          seed: int = 20231017, overrides: Sequence[str] = (), executor: Any = None,
          resume: bool = False, force: bool = False) -> SweepResult:
    """Plan and run a sweep (serial by default: the notebook default).

    Args mirror ``escsim sweep``; ``executor`` from :func:`escsim.executors.make_executor`.
    """
    refs = (scenarios,) if isinstance(scenarios, str) else tuple(scenarios)
    spec = SweepSpec(scenarios=refs, vary=tuple(vary), design=design, samples=samples,
                     runs=runs, seed=seed, overrides=tuple(overrides))
    plan = plan_sweep(spec)
    return run_sweep(plan, Path(out), executor=executor, resume=resume, force=force)
