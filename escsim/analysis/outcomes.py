"""Outcomes of a run that sweeps, sensitivity analysis and scenario discovery ask about.

An outcome is written as text on the command line:

* ``rung:K``          reached ladder rung ``K`` within the horizon (a probability);
* ``COLUMN>=X``       a threshold on any run column, e.g. ``us_killed>=1`` (also ``>``, ``<=``,
  ``<``, ``==``): a probability;
* ``COLUMN``          the mean of a count, e.g. ``militia_killed``.

:meth:`Outcome.values` turns a run table into one number per run (0/1 for probabilities), so the
same definition serves a per-point probability, a Sobol' index and a PRIM box.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from escsim.errors import InputError

_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}
_THRESHOLD = re.compile(r"^([a-z_][a-z0-9_]*)\s*(>=|<=|==|>|<)\s*(-?[0-9.eE+\-]+)$")
_RUNG = re.compile(r"^rung\s*:\s*(\d+)$")
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]*$")
EXPECTED = "rung:K (e.g. rung:4), COLUMN>=X (e.g. us_killed>=1) or a count column (e.g. attacks)"


@dataclass(frozen=True)
class Outcome:
    """One outcome per run: an indicator (``is_probability``) or a count."""

    text: str
    column: str
    op: str | None = None
    threshold: float | None = None

    @property
    def is_probability(self) -> bool:
        return self.op is not None

    @property
    def rung(self) -> int | None:
        m = re.match(r"^day_rung_(\d+)$", self.column)
        return int(m.group(1)) if m and self.op == "notna" else None

    def label(self, rung_names: dict[int, str] | None = None) -> str:
        """Readable text for axes and tables."""
        if self.rung is not None:
            name = (rung_names or {}).get(self.rung)
            return f"rung {self.rung}" + (f" ({name.replace('_', ' ')})" if name else "")
        if self.op is None:
            return f"mean {self.column}"
        return f"{self.column} {self.op} {self.threshold:g}"

    def check(self, columns: Sequence[str]) -> None:
        """Raise (before any run, when ``columns`` are a plan's) if the runs will not have the
        outcome's column: a rung the ladders lack, or a misspelt column (did you mean ...?)."""
        if self.column in columns:
            return
        if self.rung is not None:
            rungs = sorted(int(c[len("day_rung_"):]) for c in columns
                           if re.match(r"^day_rung_\d+$", c))
            raise InputError("no such rung on the scenario's ladder", key="--outcome",
                             value=self.text, expected="rung:K with K one of "
                             + ", ".join(map(str, rungs)))
        close = difflib.get_close_matches(self.column, _outcome_columns(columns), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError("outcome names a column the runs do not have" + hint,
                         key="--outcome", value=self.text,
                         expected=f"{EXPECTED}; columns: "
                                  f"{', '.join(_outcome_columns(columns))}")

    def values(self, runs: pd.DataFrame) -> np.ndarray:
        """One value per run: 0/1 for a probability outcome, the count otherwise."""
        self.check(list(runs.columns))
        col = runs[self.column]
        if self.op == "notna":
            return col.notna().to_numpy(dtype=float)
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        if self.op is None:
            return x
        assert self.threshold is not None
        with np.errstate(invalid="ignore"):
            return np.where(np.isnan(x), 0.0, _OPS[self.op](x, self.threshold)).astype(float)


def _outcome_columns(columns: Sequence[str]) -> list[str]:
    skip = {"point", "design_point", "replication", "seed", "scenario", "param_hash"}
    return [c for c in columns if c not in skip and "." not in c]


def parse_outcome(text: str) -> Outcome:
    """Parse an outcome written as ``rung:K``, ``COLUMN>=X`` or ``COLUMN``."""
    t = text.strip()
    m = _RUNG.match(t)
    if m:
        return Outcome(t, f"day_rung_{int(m.group(1))}", "notna", None)
    m = _THRESHOLD.match(t)
    if m:
        try:
            threshold = float(m.group(3))
        except ValueError:
            raise InputError("bad outcome", key="--outcome", value=text,
                             expected=EXPECTED) from None
        return Outcome(t, m.group(1), m.group(2), threshold)
    if _COLUMN.match(t):
        return Outcome(t, t)
    raise InputError("bad outcome", key="--outcome", value=text, expected=EXPECTED)


def rung_outcome(level: int) -> Outcome:
    return parse_outcome(f"rung:{level}")
