"""Read any result folder back: the inverse of writing it.

:func:`read_run` opens a folder written by ``escsim run`` (or :func:`escsim.write_simulation`),
``sweep``, ``sensitivity``, ``backtest`` or ``calibrate`` and returns its tables as pandas
DataFrames with its manifest, summary and column dictionary, so a notebook can pick up where a
command left off.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from escsim.errors import InputError
from escsim.results.columns import COLUMNS_JSON
from escsim.results.kinds import recognise
from escsim.results.provenance import SCENARIO_TOML
from escsim.results.tables import read_table


@dataclass
class ResultFolder:
    """A result folder read back.

    Attributes:
        path: the folder.
        kind: the folder's kind (:data:`escsim.results.kinds.KINDS`): ``run``,
            ``comparison``, ``sweep``, ``sensitivity``, ``study``, ``backtest``,
            ``backtest-eras``, ``calibrate`` or ``trace``.
        manifest: ``manifest.json`` (command, overrides, versions, seeds, scenarios).
        summary: ``summary.json`` when the folder has one (else an empty dict).
        tables: every CSV table of the folder, by file stem (``runs``, ``daily``, ``summary``,
            ``points``, ``comparison``, ``posterior``, ...), as DataFrames, each read and
            checked on first use (:class:`LazyTables`).
        columns: the column dictionary (table file -> DataFrame of name, unit, definition).
    """

    path: Path
    kind: str
    manifest: dict[str, Any]
    summary: dict[str, Any]
    tables: MutableMapping[str, pd.DataFrame] = field(repr=False)
    columns: dict[str, pd.DataFrame] = field(repr=False)

    def __repr__(self) -> str:
        return (f"ResultFolder({self.kind} at {self.path}: tables "
                f"{', '.join(self.tables) or 'none'})")

    @property
    def runs(self) -> pd.DataFrame:
        """The run table (``runs.csv``): one row per replication; of a comparison, every
        scenario's rows pooled, with a ``scenario`` column."""
        return self._table("runs")

    @property
    def daily(self) -> pd.DataFrame:
        """The daily bands (``daily.csv``); of a comparison, pooled with a ``scenario``
        column."""
        return self._table("daily")

    @property
    def scenario_file(self) -> Path | None:
        """The resolved scenario (``scenario.toml``), loadable by :func:`escsim.load_scenario`."""
        p = self.path / SCENARIO_TOML
        return p if p.is_file() else None

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self.tables and self.kind == "comparison":
            pooled = [_table(p).assign(scenario=p.parent.name)
                      for p in sorted(self.path.glob(f"*/{name}.csv"))]
            if pooled:
                self.tables[name] = pd.concat(pooled, ignore_index=True)
        if name not in self.tables:
            raise KeyError(f"{self.path} has no {name}.csv (tables: {', '.join(self.tables)})")
        return self.tables[name]


def read_run(folder: str | Path) -> ResultFolder:
    """Read a result folder back (the inverse of writing it).

    Args:
        folder: a folder written by ``escsim run``, ``sweep``, ``sensitivity``, ``backtest``,
            ``calibrate`` (or a comparison folder of ``escsim run`` with several scenarios).

    Returns:
        A :class:`ResultFolder`: ``runs``, ``daily``, every table in ``tables``, ``manifest``,
        ``summary`` and ``columns``.

    Raises:
        InputError: not a result folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no such result folder", file=str(folder),
                         expected="a folder written by escsim")
    manifest = _json(folder / "manifest.json")
    summary = _json(folder / "summary.json")
    kind = recognise(folder) or "run"  # the one table of kinds (results/kinds.py)
    runs = summary.get("runs") if kind == "run" else None
    tables = LazyTables({p.stem: p for p in sorted(folder.glob("*.csv"))},
                        {"runs": runs} if isinstance(runs, int) else {},
                        _NEEDS if kind in _TYPED_KINDS else {}, typed=kind in _TYPED_KINDS)
    if not tables:
        raise InputError("not a result folder (no tables)", file=str(folder),
                         expected="a folder written by escsim run, sweep, backtest or "
                                  "calibrate")
    described = _json(folder / COLUMNS_JSON).get("tables", {})
    columns = {name: pd.DataFrame(rows) for name, rows in described.items()}
    return ResultFolder(folder, kind, manifest, summary, tables, columns)


#: Per table stem, the columns every reader of it needs and whether it must have rows.
_NEEDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "runs": ((), True), "daily": (("day", "series"), True), "points": (("point",), True),
    "summary": (("point",), True)}


#: Kinds whose tables' columns are checked by type (the column dictionary describes them).
_TYPED_KINDS = ("run", "sweep", "sensitivity")


class LazyTables(MutableMapping[str, pd.DataFrame]):
    """A folder's tables by file stem, each read (and checked, :func:`read_table`) on first
    use: a report built from ``summary.json`` never holds ``runs.csv`` in memory.

    Args:
        paths: the table files by stem.
        rows: the rows some tables must have (from the folder's summary), by stem.
        needs: the columns some tables must have, and whether they must have rows, by stem.
        typed: check the columns' types (:func:`read_table`).
    """

    def __init__(self, paths: dict[str, Path], rows: dict[str, int] | None = None,
                 needs: dict[str, tuple[tuple[str, ...], bool]] | None = None,
                 typed: bool = True):
        self._paths = dict(paths)
        self._typed = typed
        self._rows = rows or {}
        self._needs = needs or {}
        self._read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._read:
            if name not in self._paths:
                raise KeyError(name)
            required, need_rows = self._needs.get(name, ((), False))
            self._read[name] = read_table(self._paths[name], required=required,
                                          need_rows=need_rows, rows=self._rows.get(name),
                                          typed=self._typed)
        return self._read[name]

    def __setitem__(self, name: str, table: pd.DataFrame) -> None:
        self._paths.setdefault(name, Path(f"{name}.csv"))
        self._read[name] = table

    def __delitem__(self, name: str) -> None:
        del self._paths[name]
        self._read.pop(name, None)

    def __contains__(self, name: object) -> bool:  # without reading the table
        return name in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _table(path: Path) -> pd.DataFrame:
    return read_table(path)


def _json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return data if isinstance(data, dict) else {"data": data}
