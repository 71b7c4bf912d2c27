"""The reference replications as an EMA Workbench model (for ``bench_sweep.py ema``).

EMA Workbench maps a model function over experiments; here one experiment is one replication
(``replication``), and the function runs exactly what ``escsim sweep`` runs for that replication
of point 0: :func:`escsim.run_replication` with the same derived seed. Its outcomes are the
numeric columns of the run row, so both tools collect the same table.
"""

from __future__ import annotations

from typing import Any

import escsim
from escsim.engine import run_columns

REFERENCE = ("surge-2023", ["scenario.horizon_days=365"])
ROOT_SEED = 2024

_scenario: escsim.Scenario | None = None


def scenario() -> escsim.Scenario:
    """The reference scenario, loaded once per process (as a sweep loads it once per point)."""
    global _scenario
    if _scenario is None:
        _scenario = escsim.load_scenario(*REFERENCE)
    return _scenario


def outcome_columns() -> list[str]:
    """Numeric columns of a run row (the text columns and indices stay out of EMA's arrays)."""
    skip = {"scenario", "param_hash", "point", "replication", "seed"}
    return [c for c in run_columns(scenario()) if c not in skip]


def replicate(replication: int = 0) -> dict[str, Any]:
    """One replication, as EMA Workbench calls a model function."""
    r = int(replication)
    seed = escsim.replication_seed(ROOT_SEED, r, 0)
    row = escsim.run_replication(scenario(), seed, replication=r).row
    return {c: (float("nan") if row[c] is None else row[c]) for c in outcome_columns()}
