"""Read any result folder back: the inverse of writing it.

:func:`read_run` opens a folder of any kind in :data:`escsim.results.kinds.KINDS` (run,
comparison, sweep, sensitivity, study, backtest, backtest over the eras, calibration, trace,
record, score) and returns its tables as pandas DataFrames with its manifest, summary and column
dictionary, so a notebook can pick up where a command left off. Whatever the kind, the run
table is one DataFrame: a folder whose runs sit in one folder per scenario (a comparison, a
backtest over the eras) gives them pooled, with a ``scenario`` column.
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
from escsim.results.runs_table import RUNS_PARQUET, has_runs, read_runs_file, runs_path
from escsim.results.summary import Summary, pooled_summary
from escsim.results.tables import read_shaped, read_table, shape_of

#: The most scenario names a repr shows before it counts the rest.
_REPR_SCENARIOS = 3


@dataclass
class ResultFolder:
    """A result folder read back.

    Attributes:
        path: the folder.
        kind: the folder's kind (:data:`escsim.results.kinds.KINDS`): ``run``,
            ``comparison``, ``sweep``, ``sensitivity``, ``study``, ``backtest``,
            ``backtest-eras``, ``calibrate``, ``trace``, ``record`` or ``score``.
        manifest: ``manifest.json`` (command, overrides, versions, seeds, scenarios).
        summary: ``summary.json`` (empty without one) as a :class:`~escsim.Summary`: a dict
            whose ``.rungs`` and ``.counts`` are DataFrames, as
            :meth:`escsim.Simulation.summary` gives. :attr:`rungs` and :attr:`counts` give
            them for every kind with runs, pooled over scenarios.
        tables: every table of the folder, by file stem (``runs``, ``daily``, ``summary``,
            ``points``, ``comparison``, ``posterior``, ...), as DataFrames, each read and
            checked on first use (:class:`LazyTables`); ``runs`` is read from ``runs.csv`` or
            ``runs.parquet`` alike.
        columns: the column dictionary (table file -> DataFrame of name, unit, definition).
    """

    path: Path
    kind: str
    manifest: dict[str, Any]
    summary: Summary
    tables: MutableMapping[str, pd.DataFrame] = field(repr=False)
    columns: dict[str, pd.DataFrame] = field(repr=False)

    def __repr__(self) -> str:
        names = self.scenarios
        shown = ", ".join(names[:_REPR_SCENARIOS]) + (
            f", ... ({len(names)} in all)" if len(names) > _REPR_SCENARIOS else "")
        runs = self._run_count()
        seed = self.manifest.get("root_seed", self.summary.get("root_seed"))
        parts = [f"{self.kind} at {self.path}",
                 f"scenarios: {shown or 'none named'}",
                 *([f"{runs:,} runs"] if runs else []),
                 *([f"root seed {seed}"] if seed is not None else []),
                 f"tables: {', '.join(self.tables) or 'none'}"]
        return f"ResultFolder({'; '.join(parts)})"

    @property
    def scenarios(self) -> list[str]:
        """The names of the scenarios the folder holds (from its manifest)."""
        listed = self.manifest.get("scenarios", [])
        names = [str(s.get("name", s.get("ref", ""))) if isinstance(s, dict) else str(s)
                 for s in listed] if isinstance(listed, list) else []
        if not names and self.summary.get("scenario"):
            names = [str(self.summary["scenario"])]
        return list(dict.fromkeys(n for n in names if n))

    @property
    def runs(self) -> pd.DataFrame:
        """The run table: one row per replication (``runs.csv`` or ``runs.parquet``); of a
        folder with one run folder per scenario (a comparison, a backtest), every scenario's
        rows pooled, with a ``scenario`` column naming the scenario's folder."""
        return self._table("runs")

    @property
    def daily(self) -> pd.DataFrame:
        """The daily bands (``daily.csv``); pooled like :attr:`runs`."""
        return self._table("daily")

    @property
    def rungs(self) -> pd.DataFrame:
        """Rung probabilities with 95% intervals (one row per rung, and per scenario where the
        folder holds several), as ``Simulation.summary().rungs``; of a sweep or a
        sensitivity, its per-point ``summary`` table."""
        return self._summary_part("rungs")

    @property
    def counts(self) -> pd.DataFrame:
        """Count quantiles across runs (one row per count, and per scenario), as
        ``Simulation.summary().counts``; of a sweep, its per-point ``summary`` table."""
        return self._summary_part("counts")

    @property
    def scenario_file(self) -> Path | None:
        """The resolved scenario (``scenario.toml``), loadable by :func:`escsim.load_scenario`."""
        p = self.path / SCENARIO_TOML
        return p if p.is_file() else None

    def _summary_part(self, part: str) -> pd.DataFrame:
        if "rung_probability" in self.summary:
            return getattr(self.summary, part)
        if "summary" in self.tables:
            return self.tables["summary"]
        subs = _run_folders(self.path)
        if not subs:
            raise KeyError(f"{self.path} ({self.kind}) has no summary of runs "
                           f"(tables: {', '.join(self.tables)})")
        pooled = pooled_summary({name: _json(sub / "summary.json") for name, sub in subs})
        return getattr(pooled, part)

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            pooled = []
            for label, sub in _run_folders(self.path):
                table = read_runs_file(runs_path(sub)) if name == "runs" else \
                    _table(sub / f"{name}.csv") if (sub / f"{name}.csv").is_file() else None
                if table is not None:
                    pooled.append(table.assign(scenario=label) if label else table)
            if pooled:
                self.tables[name] = pd.concat(pooled, ignore_index=True)
        if name not in self.tables:
            raise KeyError(f"{self.path} ({self.kind}) has no {name} table "
                           f"(tables: {', '.join(self.tables) or 'none'})")
        return self.tables[name]

    def _run_count(self) -> int:
        for source in (self.manifest.get("total_runs"), self.summary.get("runs")):
            if isinstance(source, int):
                return source
        return sum(int(_json(sub / "summary.json").get("runs", 0))
                   for _, sub in _run_folders(self.path))


def _run_folders(folder: Path) -> list[tuple[str, Path]]:
    """The run folders below ``folder`` (one per scenario of a comparison, ``simulation/`` of
    a backtest, ``<era>/simulation/`` of the eras), each with the label its pooled rows get
    (the scenario's folder; "" for a backtest's one simulation, whose rows name theirs)."""
    found = []
    for sub in sorted([*folder.glob("*/"), *folder.glob("*/simulation/")]):
        if sub.is_dir() and has_runs(sub):
            rel = sub.relative_to(folder).as_posix()
            found.append(("" if rel == "simulation" else rel.removesuffix("/simulation"), sub))
    return found


def read_run(folder: str | Path) -> ResultFolder:
    """Read a result folder back (the inverse of writing it).

    Args:
        folder: a folder of any kind escsim writes: ``escsim run`` (one scenario, or a
            comparison of several), ``compare``, ``sweep``, ``sensitivity``, ``study``,
            ``backtest``, ``calibrate``, ``trace``, ``record --out``, ``score``.

    Returns:
        A :class:`ResultFolder`, the same for every kind: ``runs`` (every scenario's rows
        pooled with a ``scenario`` column where the folder holds one run folder per scenario;
        ``runs.csv`` and ``runs.parquet`` read alike), ``daily``, ``rungs`` and ``counts``
        (DataFrames, as ``Simulation.summary()`` gives), every table in ``tables``,
        ``manifest``, ``summary`` and ``columns``; its repr says the kind, scenarios, runs,
        root seed and tables in one line.

    Raises:
        InputError: not a result folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no such result folder", file=str(folder),
                         expected="a folder written by escsim")
    manifest = _json(folder / "manifest.json")
    summary = Summary(_json(folder / "summary.json"))
    kind = recognise(folder) or "run"  # the one table of kinds (results/kinds.py)
    paths = {p.stem: p for p in sorted(folder.glob("*.csv"))}
    if (folder / RUNS_PARQUET).is_file():
        paths["runs"] = folder / RUNS_PARQUET
    runs = summary.get("runs") if kind == "run" else None
    tables = LazyTables(paths, {"runs": runs} if isinstance(runs, int) else {},
                        _NEEDS if kind in _TYPED_KINDS else {}, typed=kind in _TYPED_KINDS,
                        kind=kind)
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
        kind: the folder's kind: a table whose shape it declares
            (:data:`escsim.results.tables.SHAPES`) is checked against it.
    """

    def __init__(self, paths: dict[str, Path], rows: dict[str, int] | None = None,
                 needs: dict[str, tuple[tuple[str, ...], bool]] | None = None,
                 typed: bool = True, kind: str = ""):
        self._kind = kind
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
            if self._paths[name].suffix == ".parquet":
                self._read[name] = read_runs_file(self._paths[name], need_rows=need_rows)
                return self._read[name]
            path = self._paths[name]
            if shape_of(self._kind, path.name) is not None:
                self._read[name] = read_shaped(path.parent, self._kind, path.name,
                                               rows=self._rows.get(name))
                return self._read[name]
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
