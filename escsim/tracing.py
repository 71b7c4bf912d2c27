"""One replication's event log as a table (``escsim trace``)."""

from __future__ import annotations

import pandas as pd

from escsim.engine import day_to_date, run_replication
from escsim.scenario.schema import Scenario

TRACE_COLUMNS = ["day", "date", "actor", "action", "target", "outcome"]


def trace(scenario: Scenario, seed: int) -> pd.DataFrame:
    """The event log of one replication, event by event (what ``escsim trace`` writes).

    Args:
        scenario: a loaded scenario.
        seed: a replication seed, as in the ``seed`` column of a run table, so any row of a
            result can be replayed.

    Returns:
        One row per event: ``day``, ``date``, ``actor``, ``action``, ``target``, ``outcome``.
        ``table.attrs["row"]`` holds the replication's run-table row (the same counts as the
        row it replays). Draw it with :func:`escsim.plotting.plot_trace_timeline`.
    """
    record = run_replication(scenario, seed, trace=True)
    rows = [(round(day, 3), str(day_to_date(scenario, day)), actor, action, target, outcome)
            for day, actor, action, target, outcome in (record.log or [])]
    table = pd.DataFrame(rows, columns=TRACE_COLUMNS)
    table.attrs["row"] = record.row
    return table
