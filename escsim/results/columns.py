"""``columns.json``: the dictionary of every table in a result folder (name, unit, definition).

Written beside the tables by every writer, from the one vocabulary of :mod:`escsim.records`, so a
reader of ``runs.csv`` in R or a spreadsheet knows what each column holds and in what unit;
``docs/reference/columns.md`` is generated from the same functions.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from escsim.records import describe_column
from escsim.results.files import write_json
from escsim.results.runs_table import runs_columns

COLUMNS_JSON = "columns.json"


def describe_columns(columns: Sequence[str]) -> list[dict[str, str]]:
    """One ``{name, unit, definition}`` per column."""
    out = []
    for name in columns:
        unit, definition = describe_column(name)
        out.append({"name": name, "unit": unit, "definition": definition})
    return out


def _header(path: Path) -> list[str]:
    if path.suffix == ".parquet":  # runs.parquet (--format parquet): its schema's names
        return runs_columns(path)
    with open(path, encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh), [])


def write_columns(folder: Path, units: dict[str, str] | None = None,
                  defined: dict[str, dict[str, tuple[str, str]]] | None = None) -> Path:
    """Write ``columns.json`` for every CSV (or Parquet) table in ``folder`` (and its
    subfolders, keyed by relative path); swept keys take their unit from ``units`` (a key
    without one, such as a preset's name, says so); ``defined`` gives, per table, (unit,
    definition) of columns the folder names itself (a study's outcomes)."""
    folder = Path(folder)
    tables: dict[str, Any] = {}
    for path in sorted([*folder.rglob("*.csv"), *folder.rglob("*.parquet")]):
        if any(part.startswith(".") or part == "parts" for part in
               path.relative_to(folder).parts):
            continue
        described = describe_columns(_header(path))
        own = (defined or {}).get(path.relative_to(folder).as_posix(), {})
        for entry in described:
            if units and entry["name"] in units:
                entry["unit"] = units[entry["name"]] or "none (a name or a flag)"
                entry["definition"] = f"The swept value of the scenario key {entry['name']}."
            if entry["name"] in own:
                entry["unit"], entry["definition"] = own[entry["name"]]
        tables[path.relative_to(folder).as_posix()] = described
    target = folder / COLUMNS_JSON
    write_json(target, {"about": "The columns of every table in this folder: name, unit, "
                                 "definition (docs/reference/columns.md).", "tables": tables})
    return target
