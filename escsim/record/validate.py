"""The record's validator: dates, places, kinds, duplicates, every row sourced, counts not negative.

:func:`check_folder` returns every problem it finds (not only the first), each naming the file, the
line, the column, the value and what was expected, so a compiler of the record can fix a file in one
pass. ``python -m escsim.record check`` prints them; the tests require none for the bundled record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from escsim.record.load import RawTable, read_raw, record_files
from escsim.record.schema import (
    ANNOUNCED_END_SUBKINDS,
    CONFIDENCES,
    COUNTRIES,
    EVENT_COLUMNS,
    FIRST_DATE,
    ID_PATTERN,
    INTEGER_COLUMNS,
    LAST_DATE,
    OUTCOMES,
    POST_SEED_MARK,
    REQUIRED_EVENT_COLUMNS,
    REQUIRED_SOURCE_COLUMNS,
    SEED_DATE,
    SOURCE_COLUMNS,
    SUBKINDS,
    WEAPONS,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row) of the record."""

    file: str
    line: int
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{self.file}:{self.line}: {self.column} = {shown!r}: expected {self.expected}"


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, table: RawTable, line: int, column: str, value: str, expected: str) -> None:
        self.problems.append(Problem(table.path.name, line, column, value, expected))

    def header(self, table: RawTable, columns: tuple[str, ...]) -> bool:
        if table.header != columns:
            self.add(table, 1, "(header)", ",".join(table.header), ",".join(columns))
            return False
        return True

    def event(self, table: RawTable, row: dict[str, str], line: int) -> None:
        for col in REQUIRED_EVENT_COLUMNS:
            if not row[col]:
                self.add(table, line, col, "", "a value (the column is required)")
        if row["id"] and not re.match(ID_PATTERN, row["id"]):
            self.add(table, line, "id", row["id"],
                     "R-YYYYMMDD-SLUG (upper-case letters, digits, -)")
        day = _date(row["date"]) if row["date"] else None
        if row["date"] and day is None:
            self.add(table, line, "date", row["date"], "a date YYYY-MM-DD")
        if day is not None:
            if not FIRST_DATE <= day <= LAST_DATE:
                self.add(table, line, "date", row["date"],
                         f"a date from {FIRST_DATE} to {LAST_DATE}")
            if row["id"] and re.match(ID_PATTERN, row["id"]) and row["id"][2:10] != f"{day:%Y%m%d}":
                self.add(table, line, "id", row["id"], f"an id starting R-{day:%Y%m%d}- (its date)")
            if day > SEED_DATE and POST_SEED_MARK not in table.path.name:
                self.add(table, line, "date", row["date"],
                         f"a date on or before {SEED_DATE} (later rows go in a "
                         f"'{POST_SEED_MARK}' file)")
        self._vocabulary(table, row, line)
        self._numbers(table, row, line)
        if row["kind"] == "tally":
            start = _date(row["window_start"]) if row["window_start"] else None
            if start is None:
                self.add(table, line, "window_start", row["window_start"],
                         "the first day a tally counts, YYYY-MM-DD")
            elif day is not None and start > day:
                self.add(table, line, "window_start", row["window_start"],
                         f"a day on or before the tally's date {day}")
        elif row["window_start"]:
            self.add(table, line, "window_start", row["window_start"], "empty (tallies only)")
        self._announced_end(table, row, line, day)

    def _announced_end(self, table: RawTable, row: dict[str, str], line: int,
                       day: dt.date | None) -> None:
        text = row.get("announced_end", "")
        if not text:
            return
        if row["kind"] != "announcement" or row["subkind"] not in ANNOUNCED_END_SUBKINDS:
            self.add(table, line, "announced_end", text, "empty (only an announcement of "
                     + ", ".join(ANNOUNCED_END_SUBKINDS) + " states an end)")
            return
        end = _date(text)
        if end is None:
            self.add(table, line, "announced_end", text,
                     "the first day the announced period no longer holds, YYYY-MM-DD")
        elif day is not None and end <= day:
            self.add(table, line, "announced_end", text, f"a day after the row's date {day}")

    def _vocabulary(self, table: RawTable, row: dict[str, str], line: int) -> None:
        kind = row["kind"]
        if kind and kind not in SUBKINDS:
            self.add(table, line, "kind", kind, "one of " + ", ".join(SUBKINDS))
        elif kind and row["subkind"] and row["subkind"] not in SUBKINDS[kind]:
            self.add(table, line, "subkind", row["subkind"],
                     f"for {kind}, one of " + ", ".join(SUBKINDS[kind]))
        if kind == "militia_attack" and ";" in row["country"]:
            self.add(table, line, "country", row["country"],
                     "one country for an attack (several attacks: one row per country)")
        for country in filter(None, row["country"].split(";")):
            if country.strip() not in COUNTRIES:
                self.add(table, line, "country", row["country"],
                         "one or more of " + ", ".join(COUNTRIES) + " separated by ';'")
                break
        if row["weapon"] and row["weapon"] not in WEAPONS:
            self.add(table, line, "weapon", row["weapon"], "one of " + ", ".join(WEAPONS))
        if row["outcome"] and row["outcome"] not in OUTCOMES:
            self.add(table, line, "outcome", row["outcome"], "one of " + ", ".join(OUTCOMES))

    def _numbers(self, table: RawTable, row: dict[str, str], line: int) -> None:
        values: dict[str, int] = {}
        for col in INTEGER_COLUMNS:
            text = row[col]
            if not text:
                continue
            if not re.fullmatch(r"\d+", text):
                self.add(table, line, col, text, "a whole number, not negative (or empty)")
                continue
            values[col] = int(text)
        if values.get("count") == 0 and row["kind"] != "tally":  # a tally may count none
            self.add(table, line, "count", row["count"], "at least 1 (a row is an event)")
        low, high = values.get("killed_low"), values.get("killed_high")
        if low is not None and high is not None and low > high:
            self.add(table, line, "killed_high", row["killed_high"], f"at least killed_low ({low})")

    def source(self, table: RawTable, row: dict[str, str], line: int, events: set[str]) -> None:
        for col in REQUIRED_SOURCE_COLUMNS:
            if not row[col]:
                self.add(table, line, col, "", "a value (every source names its report)")
        if row["event_id"] and row["event_id"] not in events:
            self.add(table, line, "event_id", row["event_id"], "the id of an event of the record")
        if row["confidence"] and row["confidence"] not in CONFIDENCES:
            self.add(table, line, "confidence", row["confidence"],
                     "one of " + ", ".join(CONFIDENCES))
        if row["report_date"] and _date(row["report_date"]) is None:
            self.add(table, line, "report_date", row["report_date"], "a date YYYY-MM-DD or empty")
        if row["url"] and (" " in row["url"] or "." not in row["url"]):
            self.add(table, line, "url", row["url"], "the stored page's address")
        for pair in filter(None, (p.strip() for p in row["figures"].split(";"))):
            key, sep, _ = pair.partition("=")
            if not sep or key.strip() not in EVENT_COLUMNS:
                self.add(table, line, "figures", pair, "key=value with an event column as key")


def check_tables(events: list[RawTable], sources: list[RawTable]) -> list[Problem]:
    """Every problem of the given record tables."""
    checker = _Checker()
    ids: Counter[str] = Counter()
    first_line: dict[str, tuple[RawTable, int]] = {}
    for table in events:
        if not checker.header(table, EVENT_COLUMNS):
            continue
        for row, line in zip(table.rows, table.lines, strict=True):
            checker.event(table, row, line)
            ids[row["id"]] += 1
            if ids[row["id"]] > 1:
                checker.add(table, line, "id", row["id"], "an id used once in the whole record")
            first_line.setdefault(row["id"], (table, line))
    sourced: set[str] = set()
    for table in sources:
        if not checker.header(table, SOURCE_COLUMNS):
            continue
        for row, line in zip(table.rows, table.lines, strict=True):
            checker.source(table, row, line, set(ids))
            sourced.add(row["event_id"])
    for event_id, (table, line) in first_line.items():
        if event_id and event_id not in sourced:
            checker.add(table, line, "id", event_id, "at least one row of a sources-*.csv file")
    return checker.problems


def check_folder(folder: Path) -> list[Problem]:
    """Every problem of the record in ``folder`` (``seeds/record`` by default)."""
    event_files, source_files = record_files(folder)
    return check_tables([read_raw(p) for p in event_files], [read_raw(p) for p in source_files])
