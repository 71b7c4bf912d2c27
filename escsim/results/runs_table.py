"""The run table on disk: ``runs.csv`` (the default) or ``runs.parquet`` (``--format parquet``).

A run, sweep, sensitivity or study streams its rows to CSV parts (checksummed, so an interrupted
command resumes) and builds the run table from them once every chunk is done. With
``--format parquet`` that table is ``runs.parquet`` instead of ``runs.csv``: the same columns
with the dtypes pandas gives the CSV (integers stay integers, the ``seed`` column an int64;
a count with a missing value, such as the day a rung was not reached, a float; text a string),
written part by part through one :class:`pyarrow.parquet.ParquetWriter`, so memory stays at
one part, and renamed into place when whole (a reader never sees half a file). pandas
(``read_parquet``), R (``arrow::read_parquet``) and Arrow read it as they read any Parquet file.

Every reader of a run table goes through :func:`runs_path` and :func:`read_runs_file`, so a
folder of either format reads the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from escsim.errors import InputError
from escsim.results.files import atomic_binary

RUNS_CSV = "runs.csv"
RUNS_PARQUET = "runs.parquet"
#: The formats of ``--format``: the run table's file format.
FORMATS = ("csv", "parquet")
#: The optional extra that installs pyarrow (``pip install "escsim[parquet]"``).
PARQUET_EXTRA = "parquet"


def check_format(runs_format: str) -> str:
    """``runs_format``, checked: one of :data:`FORMATS`, and for Parquet pyarrow importable.

    Raises:
        InputError: an unknown format, or Parquet without pyarrow (naming the extra).
    """
    if runs_format not in FORMATS:
        raise InputError("unknown format of the run table", key="--format", value=runs_format,
                         expected=" or ".join(FORMATS))
    if runs_format == "parquet":
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise InputError("--format parquet needs pyarrow, which is not installed",
                             key="--format", value=runs_format,
                             expected=f'pip install "escsim[{PARQUET_EXTRA}]" (or --format '
                                      "csv)") from None
    return runs_format


def runs_file_name(runs_format: str) -> str:
    """The file name of the run table in ``runs_format``."""
    return RUNS_PARQUET if runs_format == "parquet" else RUNS_CSV


def runs_path(folder: Path) -> Path:
    """The run table of ``folder``: ``runs.parquet`` where there is one, else ``runs.csv``
    (which may not exist)."""
    parquet = Path(folder) / RUNS_PARQUET
    return parquet if parquet.is_file() else Path(folder) / RUNS_CSV


def has_runs(folder: Path) -> bool:
    """Whether ``folder`` holds a run table of either format."""
    return runs_path(folder).is_file()


def read_runs_file(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A run table read back (only ``columns``, when given), whichever its format."""
    cols = list(dict.fromkeys(columns)) if columns is not None else None
    path = Path(path)
    if path.suffix == ".parquet":
        check_format("parquet")
        try:
            return pd.read_parquet(path, columns=cols)
        except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
            raise InputError(f"unreadable table ({type(exc).__name__}: {exc})", file=str(path),
                             expected="a Parquet table written by escsim") from None
    return pd.read_csv(path, usecols=cols)


def runs_columns(path: Path) -> list[str]:
    """The columns of a run table, from its CSV header or its Parquet schema."""
    if Path(path).suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return list(pd.read_csv(path, nrows=0).columns)


def _widened(dtypes: list[Any]) -> str:
    """The dtype pandas gives a CSV column whose parts read as ``dtypes``."""
    kinds = {pd.api.types.is_bool_dtype(d) and "bool" or
             pd.api.types.is_integer_dtype(d) and "int" or
             pd.api.types.is_float_dtype(d) and "float" or "str" for d in dtypes}
    if kinds == {"bool"}:
        return "bool"
    if kinds == {"int"}:
        return "int64"
    if kinds <= {"int", "float"}:
        return "float64"
    return "str"


def write_runs_parquet(path: Path, parts: Sequence[Path]) -> None:
    """``runs.parquet`` from the CSV parts, in order: a first pass finds each column's dtype over
    every part (as pandas would type the whole CSV), a second writes the parts one at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    seen: dict[str, list[Any]] = {}
    for part in parts:
        for name, dtype in pd.read_csv(part).dtypes.items():
            seen.setdefault(str(name), []).append(dtype)
    dtypes = {name: _widened(found) for name, found in seen.items()}
    arrow = {"bool": pa.bool_(), "int64": pa.int64(), "float64": pa.float64(), "str": pa.string()}
    schema = pa.schema([(name, arrow[d]) for name, d in dtypes.items()])
    read_as = {name: ("string" if d == "str" else d) for name, d in dtypes.items()
               if d != "bool"}
    with atomic_binary(path) as fh, pq.ParquetWriter(fh, schema) as writer:
        for part in parts:
            frame = pd.read_csv(part, dtype=read_as, keep_default_na=True)
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
