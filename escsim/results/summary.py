"""A run's summary as a notebook wants it: the dict of ``summary.json`` whose parts are also
DataFrames. :meth:`escsim.Simulation.summary` returns one; :func:`escsim.read_run` reads one
back from a folder, so a summary computed in memory and one read from disk look the same."""

from __future__ import annotations

from typing import Any

import pandas as pd


class Summary(dict[str, Any]):
    """The summary of a simulation: a dict (the content of ``summary.json``) whose parts are
    also DataFrames, for notebooks: ``.rungs`` and ``.counts``. Of several scenarios read
    back (a comparison), the rows carry a ``scenario`` column first."""

    @property
    def rungs(self) -> pd.DataFrame:
        """One row per rung: rung, name, runs, reached, probability, ci_low, ci_high."""
        table = pd.DataFrame(self["rung_probability"])
        names = {int(k): v for k, v in self.get("rung_names", {}).items()}
        table.insert(1 + int("scenario" in table), "name",
                     [names.get(int(r), "") for r in table["rung"]])
        return _scenario_first(table)

    @property
    def counts(self) -> pd.DataFrame:
        """One row per count: mean and 5/25/50/75/95% quantiles across runs."""
        return _scenario_first(pd.DataFrame(self["count_quantiles"]))

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (what ``summary.json`` holds)."""
        return dict(self)

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.get('title') or self.get('scenario')}</b>: {self.get('runs')} "
                f"runs, root seed {self.get('root_seed')}</p>")
        return head + self.rungs.to_html(index=False) + self.counts.to_html(index=False)


def pooled_summary(summaries: dict[str, dict[str, Any]]) -> Summary:
    """The summaries of several scenarios (by name) as one :class:`Summary` whose ``rungs``
    and ``counts`` rows carry a ``scenario`` column (rung names: the first scenario's that
    names a level)."""
    names: dict[str, str] = {}
    for s in summaries.values():
        for level, name in s.get("rung_names", {}).items():
            names.setdefault(str(level), name)
    return Summary({
        "scenarios": list(summaries),
        "runs": sum(int(s.get("runs", 0)) for s in summaries.values()),
        "rung_probability": [{"scenario": n, **r} for n, s in summaries.items()
                             for r in s.get("rung_probability", [])],
        "count_quantiles": [{"scenario": n, **c} for n, s in summaries.items()
                            for c in s.get("count_quantiles", [])],
        "rung_names": names,
    })


def _scenario_first(table: pd.DataFrame) -> pd.DataFrame:
    if "scenario" in table.columns:
        return table[["scenario", *(c for c in table.columns if c != "scenario")]]
    return table
