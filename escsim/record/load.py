"""Reading the record: every ``events-*.csv`` and ``sources-*.csv`` of a folder, as one table each.

Reading does not judge the rows (that is :mod:`escsim.record.validate`); it only turns text into
types: dates into ``datetime64``, counts into nullable integers, empty cells into missing values.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from escsim.errors import InputError, read_text_bounded
from escsim.paths import seeds_dir
from escsim.record.schema import EVENT_COLUMNS, SOURCE_COLUMNS

RECORD_FOLDER = "record"


@dataclass(frozen=True)
class RawTable:
    """The rows of one record file as text, with the line each came from (for messages)."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    lines: tuple[int, ...]


def default_record_dir() -> Path:
    """The bundled record: ``seeds/record/``."""
    return seeds_dir() / RECORD_FOLDER


def record_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The events and sources files of a record folder, in name order."""
    if not folder.is_dir():
        raise InputError("no record folder", file=str(folder),
                         expected="a folder of events-*.csv and sources-*.csv files")
    return sorted(folder.glob("events-*.csv")), sorted(folder.glob("sources-*.csv"))


def read_raw(path: Path) -> RawTable:
    """One CSV file as text rows; a file that is not UTF-8 CSV is an input error naming it."""
    try:
        text = read_text_bounded(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the record file: {exc}", file=str(path)) from None
    reader = csv.DictReader(io.StringIO(text))
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"not a CSV file: {exc}", file=str(path)) from None
    return RawTable(path, tuple(reader.fieldnames or ()), tuple(rows), tuple(lines))


def to_frames(events: list[RawTable], sources: list[RawTable]):  # -> (DataFrame, DataFrame)
    """The text rows as two typed DataFrames, each row knowing its file."""
    import pandas as pd

    from escsim.record.schema import INTEGER_COLUMNS

    def frame(tables: list[RawTable], columns: tuple[str, ...]) -> pd.DataFrame:
        records = [{**{c: row.get(c, "") for c in columns}, "file": t.path.name}
                   for t in tables for row in t.rows]
        df = pd.DataFrame.from_records(records, columns=[*columns, "file"])
        return df.replace("", pd.NA)

    ev = frame(events, EVENT_COLUMNS)
    ev["date"] = pd.to_datetime(ev["date"], format="%Y-%m-%d", errors="coerce")
    ev["window_start"] = pd.to_datetime(ev["window_start"], format="%Y-%m-%d", errors="coerce")
    ev["announced_end"] = pd.to_datetime(ev["announced_end"], format="%Y-%m-%d",
                                         errors="coerce")
    for col in INTEGER_COLUMNS:
        ev[col] = pd.to_numeric(ev[col], errors="coerce").astype("Int64")
    ev = ev.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    src = frame(sources, SOURCE_COLUMNS)
    src["report_date"] = pd.to_datetime(src["report_date"], format="%Y-%m-%d", errors="coerce")
    return ev, src
