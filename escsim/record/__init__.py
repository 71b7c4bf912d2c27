"""The documented record, event by event (``seeds/record/``), and what is computed from it.

:func:`read_record` returns a :class:`Record`: two DataFrames (``events``, ``sources``) and the
questions a researcher asks of them (attacks on US forces per month and country, the days around
each US round, what was known on a date). The observations that backtests and calibration use are
derived from it by :mod:`escsim.record.derive`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from escsim.errors import InputError
from escsim.record.load import default_record_dir, read_raw, record_files, to_frames
from escsim.record.schema import ATTACKS_ON_US_FORCES, SEED_DATE
from escsim.record.validate import Problem, check_folder, check_tables

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Problem", "Record", "SEED_DATE", "check_folder", "default_record_dir", "read_record"]


@dataclass(frozen=True)
class Record:
    """The record as two tables: ``events`` (one row per event) and ``sources`` (one row per
    report behind an event). Dates are ``datetime64``; counts are nullable integers."""

    events: pd.DataFrame
    sources: pd.DataFrame
    folder: Path
    through: dt.date | None = None

    def __repr__(self) -> str:
        ev = self.events
        span = (f"{ev['date'].min():%Y-%m-%d} to {ev['date'].max():%Y-%m-%d}" if len(ev)
                else "empty")
        return (f"Record({len(ev)} events, {len(self.sources)} sources, {span}"
                + (f", as of {self.through}" if self.through else "") + ")")

    def as_of(self, day: dt.date | str) -> Record:
        """What had happened (and been counted) on or before ``day``: no look-ahead."""
        import pandas as pd

        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        keep = self.events["date"] <= pd.Timestamp(day)
        events = self.events[keep].reset_index(drop=True)
        sources = self.sources[self.sources["event_id"].isin(events["id"])].reset_index(drop=True)
        return Record(events, sources, self.folder, day)

    def pre_seed(self) -> Record:
        """The record as it stood on the seed's date (11 Nov 2024)."""
        return self.as_of(SEED_DATE)

    def post_seed(self) -> pd.DataFrame:
        """The events after the seed's date: for scoring forecasts and hindsight scenarios only."""
        import pandas as pd

        return self.events[self.events["date"] > pd.Timestamp(SEED_DATE)].reset_index(drop=True)

    def of_kind(self, kind: str, subkinds: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The events of one kind (and, if given, of these subkinds)."""
        ev = self.events[self.events["kind"] == kind]
        if subkinds is not None:
            ev = ev[ev["subkind"].isin(subkinds)]
        return ev.reset_index(drop=True)

    def attacks(self, subkinds: tuple[str, ...] = ATTACKS_ON_US_FORCES) -> pd.DataFrame:
        """Militia attacks on US forces (bases and the embassy by default; README, Definitions)."""
        return self.of_kind("militia_attack", subkinds)

    def monthly_attacks(self, subkinds: tuple[str, ...] = ATTACKS_ON_US_FORCES,
                        start: str | None = None, end: str | None = None) -> pd.DataFrame:
        """Dated attacks on US forces per calendar month and country: a tidy table with columns
        ``month`` (first day), ``country``, ``attacks`` (the sum of ``count``), every month of the
        span present (zeros included) for every country that has an attack."""
        from escsim.record.derive import monthly_counts

        return monthly_counts(self.attacks(subkinds), start=start, end=end)

    def sources_of(self, event_id: str) -> pd.DataFrame:
        """The reports behind one event."""
        return self.sources[self.sources["event_id"] == event_id].reset_index(drop=True)


def read_record(folder: str | Path | None = None, *, as_of: dt.date | str | None = None,
                check: bool = True) -> Record:
    """The record of ``folder`` (default: the bundled ``seeds/record/``) as a :class:`Record`.

    Args:
        folder: a folder of ``events-*.csv`` and ``sources-*.csv`` files; the bundled record
            when not given.
        as_of: keep only the events dated on or before this day (and their sources): what was
            known then. ``None`` keeps everything, the post-seed rows included.
        check: validate first; an invalid record is an :class:`~escsim.errors.InputError` naming
            the first problem and how many there are.

    Returns:
        The record: ``events`` and ``sources`` DataFrames and the questions asked of them.
    """
    path = Path(folder) if folder is not None else default_record_dir()
    event_files, source_files = record_files(path)
    events = [read_raw(p) for p in event_files]
    sources = [read_raw(p) for p in source_files]
    if check:
        problems = check_tables(events, sources)
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise InputError(f"invalid record{more}", file=f"{path / first.file}:{first.line}",
                             key=first.column, value=first.value, expected=first.expected)
    ev, src = to_frames(events, sources)
    record = Record(ev, src, path)
    return record.as_of(as_of) if as_of is not None else record
