"""Tables read back from a result folder, checked in one place.

``escsim plot``, ``escsim report``, ``escsim trace`` and :func:`escsim.read_run` read what an
earlier command wrote, and a folder may have been edited, cut short or copied from elsewhere
since. :func:`read_table` is the one reader: it checks the file is a whole table
(:func:`~escsim.results.files.check_csv_table`), holds the columns the caller needs, that a
column whose unit is a number (the column dictionary of :func:`escsim.records.describe_column`:
days, counts, probabilities, seeds, ...) holds numbers, that seeds and indices are whole
numbers, and (when the caller knows it) that it has the rows it should. A table that fails is an
:class:`~escsim.errors.InputError` naming the file, the column and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandas.api import types as ptypes

from escsim.errors import InputError
from escsim.records import describe_column
from escsim.results.files import check_csv_table

#: Units (:func:`escsim.records.describe_column`) of columns that hold numbers.
NUMERIC_UNITS = frozenset({
    "count", "days", "persons", "index", "seed", "level", "probability", "ratio", "rank",
    "share", "share of variance", "outcome units", "outcome units squared",
    "same as the series", "probability or count", "as estimate", "as measure"})
#: Units of columns that hold whole numbers (a row's seed, a point's or replication's index).
WHOLE_UNITS = frozenset({"seed", "index"})

_EXPECTED = "a CSV table as escsim wrote it (rerun the command that made the folder)"


@dataclass(frozen=True)
class Shape:
    """What a table of a result folder holds, declared once for every reader of it.

    Attributes:
        required: columns every reader needs (present, any type).
        numbers: columns that must hold numbers (``"*"``: every column).
        flags: columns that must hold ``True``/``False``.
        dates: columns that must hold dates (parsed; empty cells allowed).
        need_rows: a table without rows is refused.
        typed: also check each column by its unit in the column dictionary.
    """

    required: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    need_rows: bool = False
    typed: bool = False


_PAIRED = Shape(("base", "variant", "measure"), ("difference", "low", "high", "runs"))
#: The shape of each table read back, by (folder kind, file name).
SHAPES: dict[tuple[str, str], Shape] = {
    ("comparison", "differences.csv"): _PAIRED,
    ("sweep", "differences.csv"): _PAIRED,
    ("comparison", "mechanisms.csv"): Shape(("mechanism", "variant", "measure", "alternative"),
                                         ("difference", "low", "high"), ("default", "flips"),
                                         need_rows=True),
    ("sweep", "points.csv"): Shape(("point", "scenario", "seed_key"), ("point",),
                                   need_rows=True, typed=True),
    ("sweep", "runs.csv"): Shape(("point",), need_rows=True, typed=True),
    ("sweep", "summary.csv"): Shape(("point", "runs"), need_rows=True, typed=True),
    ("sensitivity", "sensitivity.csv"): Shape(("outcome", "parameter", "method"),
                                              need_rows=True, typed=True),
    ("calibrate", "posterior.csv"): Shape(numbers=("*",), need_rows=True),
    ("calibrate", "prior_predictive.csv"): Shape(numbers=("*",), need_rows=True),
    ("calibrate", "check/scores.csv"): Shape(),
    ("backtest", "bands.csv"): Shape(("series",), ("day", "mean", "q05", "q50", "q95"),
                                     need_rows=True),
    ("backtest", "comparison.csv"): Shape(("id", "measure", "kind", "window_start",
                                           "window_end"), ("mean", "q05", "q95"),
                                          need_rows=True),
    ("backtest", "simulated.csv"): Shape(numbers=("*",), need_rows=True),
    ("score", "counts.csv"): Shape(("origin", "country", "forecaster"),
                                   ("window_days", "observed", "crps", "pit"), need_rows=True),
    ("score", "skill.csv"): Shape(("set", "country", "forecaster"),
                                  ("window_days", "crps", "skill", "skill_low", "skill_high")),
    ("score", "coverage.csv"): Shape(("set", "country", "forecaster"),
                                     ("window_days", "crps", "in50", "in90")),
    ("score", "event_scores.csv"): Shape(("set", "event", "forecaster"),
                                         ("window_days", "brier", "log_score")),
    ("record", "events.csv"): Shape(("id", "kind", "subkind", "country"),
                                    dates=("date", "window_start")),
    ("record", "monthly.csv"): Shape(("country",), ("attacks",), dates=("month",)),
    ("record", "tallies.csv"): Shape(("id", "country"), dates=("window_start", "date")),
    ("study", "regret.csv"): Shape(("doctrine", "state", "outcome"), ("regret", "value"),
                                   need_rows=True),
    ("study", "front.csv"): Shape(("doctrine",), flags=("non_dominated",), need_rows=True),
    ("study", "ranking.csv"): Shape(("doctrine",), ("rank", "max_regret"), need_rows=True),
    ("study", "outcomes.csv"): Shape(("doctrine", "state", "outcome"), ("value",),
                                     need_rows=True),
    ("study", "satisficing.csv"): Shape(("doctrine",), ("satisficing_share",),
                                        need_rows=True),
    ("study", "robustness.csv"): Shape(("doctrine", "outcome"), ("max_regret",)),
    ("comparison", "comparison.csv"): Shape(("scenario", "measure"),
                                            ("estimate", "low", "high", "runs"), need_rows=True),
    ("calibrate", "posterior_summary.csv"): Shape(("parameter",), ("posterior_mean",)),
}
#: Kinds whose run, point and summary tables are a sweep's.
_SWEEP_LIKE = ("study", "sensitivity")


def shape_of(kind: str, name: str) -> Shape | None:
    """The declared shape of table ``name`` of a ``kind`` folder (None: not declared)."""
    found = SHAPES.get((kind, name))
    if found is None and kind in _SWEEP_LIKE:
        found = SHAPES.get(("sweep", name))
    return found


def read_shaped(folder: Path, kind: str, name: str, *,
                usecols: Sequence[str] | None = None, rows: int | None = None) -> pd.DataFrame:
    """Read table ``name`` of a ``kind`` result folder, checked against its declared
    :data:`SHAPES` (a name not declared: read as a whole table, untyped); ``rows``: the rows it
    must have, when the folder says.

    Raises:
        InputError: naming the file and the column, as :func:`read_table`.
    """
    shape = shape_of(kind, name) or Shape()
    path = Path(folder) / name
    every = "*" in shape.numbers
    wanted = [*shape.required, *(c for c in shape.numbers if c != "*"), *shape.flags,
              *shape.dates]
    table = read_table(path, required=wanted, usecols=usecols, need_rows=shape.need_rows,
                       typed=shape.typed, rows=rows)
    for column in table.columns if every else [c for c in shape.numbers if c in table]:
        _check_numbers(path, str(column), table[column])
    for column in (c for c in shape.flags if c in table):
        if not ptypes.is_bool_dtype(table[column]):
            bad = next((v for v in table[column] if v not in (True, False)), None)
            raise InputError(f"column {column!r} must hold True or False", file=str(path),
                             key=column, value=bad, expected=f"True/False in {column!r} "
                                                             f"({_EXPECTED})")
    for column in (c for c in shape.dates if c in table):
        table[column] = _dates(path, column, table[column])
    return table


def _check_numbers(path: Path, name: str, values: pd.Series) -> None:
    if values.isna().all() or (ptypes.is_numeric_dtype(values)
                               and not ptypes.is_bool_dtype(values)):
        return
    bad = next((v for v in values.dropna() if not _is_number(v)), values.dropna().iloc[0])
    raise InputError(f"column {name!r} holds text where escsim writes numbers",
                     file=str(path), key=name, value=bad,
                     expected=f"numbers in {name!r} ({_EXPECTED})")


def _dates(path: Path, name: str, values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = values[parsed.isna() & values.notna()]
    if len(bad):
        raise InputError(f"column {name!r} must hold dates", file=str(path), key=name,
                         value=bad.iloc[0], expected=f"YYYY-MM-DD dates in {name!r}")
    return parsed


def read_table(path: Path, *, required: Sequence[str] = (), usecols: Sequence[str] | None = None,
               rows: int | None = None, need_rows: bool = False, typed: bool = True
               ) -> pd.DataFrame:
    """Read a CSV table of a result folder, checked.

    Args:
        path: the table.
        required: columns it must have.
        usecols: read only these columns (each must be present).
        rows: the number of rows it must have, when the folder says (e.g. ``summary.json``'s
            runs for ``runs.csv``).
        need_rows: a table without rows is refused.
        typed: check each column's type by its unit (for the tables of runs, sweeps and
            sensitivity analyses, whose columns the dictionary describes; a record's or a
            score's tables reuse some names with other meanings, such as a source's
            ``confidence``).

    Raises:
        InputError: naming the file (and the column): unreadable, cut short, a column missing,
            text where numbers belong, fractions where whole numbers belong, or the wrong
            number of rows.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no {path.name} in the result folder", file=str(path.parent),
                         expected=f"a folder escsim wrote, with its {path.name}")
    wanted = list(dict.fromkeys([*(usecols or ()), *required]))
    check_csv_table(path, wanted, rows=need_rows)
    try:
        table = pd.read_csv(path, usecols=wanted if usecols is not None else None)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"unreadable table ({type(exc).__name__}: {str(exc)[:160]})",
                         file=str(path), expected=_EXPECTED) from None
    for column in table.columns if typed else ():
        check_column(path, str(column), table[column])
    if rows is not None and len(table) != rows:
        raise InputError(f"{len(table):,} rows where the folder's summary says {rows:,}",
                         file=str(path), expected=f"{rows:,} rows ({_EXPECTED})")
    return table


def check_column(path: Path, name: str, values: pd.Series) -> None:
    """A column of a table read back holds what its unit says (numbers, whole numbers)."""
    unit, _ = describe_column(name)
    if unit not in NUMERIC_UNITS or values.isna().all():
        return
    if ptypes.is_bool_dtype(values) or not ptypes.is_numeric_dtype(values):
        bad = next((v for v in values.dropna() if not _is_number(v)), values.dropna().iloc[0])
        raise InputError(f"column {name!r} holds text where escsim writes numbers ({unit})",
                         file=str(path), key=name, value=bad,
                         expected=f"numbers in {name!r} ({_EXPECTED})")
    if unit in WHOLE_UNITS:
        present = values.dropna()
        fractional = present[present != present.round()]
        if len(fractional) or len(present) < len(values):
            raise InputError(f"column {name!r} must hold whole numbers ({unit})",
                             file=str(path), key=name,
                             value=fractional.iloc[0] if len(fractional) else "an empty cell",
                             expected=f"a whole number in every row of {name!r}")


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True
