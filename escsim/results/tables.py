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
