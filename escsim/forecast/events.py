"""The common input of summaries, forecasters and scores: a tidy table of dated events.

The record and a simulated history are both reduced to the same table, one row per event:

========== =====================================================================================
column     meaning
========== =====================================================================================
``run``    which history the row belongs to: ``0`` for the record; the replication for simulated
           runs (any integer; rows of many runs may share one table)
``date``   the local calendar day of the event (``datetime64``)
``kind``   the record's kinds: ``militia_attack``, ``us_strike``, ``iran_attack``,
           ``strike_on_iran``, ``announcement``
``subkind`` the record's subkinds (``base``, ``embassy``, ``convoy``, ``other`` for attacks;
           ``facilities``, ``leadership``, ``self_defense`` for US rounds; ``on_us`` ...)
``country`` ``iraq``, ``syria``, ``jordan``, ... (a US round on both: ``iraq;syria``)
``count``  the events the row stands for (a day's several attacks reported together: > 1)
``us_wounded``, ``us_killed``  US personnel hurt by the event (0 when none or not reported)
========== =====================================================================================

A simulated event log maps onto it row by row: each attack becomes a ``militia_attack`` row
(``subkind`` ``base`` or ``embassy`` by its target, ``country`` by the site's country, ``count``
1, its casualties), each US round a ``us_strike`` row, each Iranian direct attack on US forces an
``iran_attack``/``on_us`` row, with ``date = start_date + floor(day)``. The words are the record's
(``seeds/record/README.md``), so one definition of "an attack on US forces" serves both.

:func:`daily_series` turns the table into the day-by-day arrays the forecasters read
(:class:`DailySeries`); :func:`window_truth` gives what happened in a forecast window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from escsim.errors import InputError
from escsim.record.schema import ATTACKS_ON_US_FORCES, FIRST_DATE, LAST_DATE, SEED_DATE

if TYPE_CHECKING:
    from escsim.record import Record

#: The columns of the tidy event table, in order.
EVENT_TABLE_COLUMNS = ("run", "date", "kind", "subkind", "country", "count", "us_wounded",
                       "us_killed")
#: Countries whose attacks on US forces are forecast and scored one by one (and as a total).
ATTACK_COUNTRIES = ("iraq", "syria", "jordan")
#: The name of the all-countries total in tables.
TOTAL = "total"
#: Rows whose US casualties count (the record's definition: militia attacks on bases, the
#: embassy and convoys, and Iranian attacks on US forces; ``escsim.record.derive``).
US_HARM_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("militia_attack", ("base", "embassy", "convoy")),
    ("iran_attack", ("on_us",)),
)
#: US strike rounds: every subkind (a self-defence strike on a launch team included).
US_ROUND_SUBKINDS = ("facilities", "leadership", "self_defense")

__all__ = [
    "ATTACK_COUNTRIES", "EVENT_TABLE_COLUMNS", "FIRST_DATE", "LAST_DATE", "SEED_DATE", "TOTAL",
    "DailySeries", "daily_series", "event_table", "events_from_record", "window_truth",
]


def _as_date(day: object) -> dt.date:
    """A day given as a date, a timestamp or ``YYYY-MM-DD``."""
    if isinstance(day, dt.datetime):  # pd.Timestamp too
        return day.date()
    if isinstance(day, dt.date):
        return day
    if isinstance(day, str):
        try:
            return dt.date.fromisoformat(day)
        except ValueError:
            pass
    raise InputError("not a day", value=day, expected="a date or YYYY-MM-DD")


def event_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of dated events checked and typed as the tidy event table.

    Args:
        frame: rows with at least ``date``, ``kind``, ``subkind``, ``country`` and ``count``;
            ``run`` defaults to 0, ``us_wounded`` and ``us_killed`` to 0 (missing = none
            reported, the record's floor).

    Returns:
        The columns of :data:`EVENT_TABLE_COLUMNS`: ``date`` as ``datetime64``, counts as
        ``int64``, sorted by run and date.

    Raises:
        InputError: a required column is missing, a date does not parse, or a count is
            negative.
    """
    missing = [c for c in ("date", "kind", "subkind", "country", "count") if c not in frame]
    if missing:
        raise InputError("not an event table", key=", ".join(missing),
                         expected=f"columns {', '.join(EVENT_TABLE_COLUMNS)}")
    out = pd.DataFrame({
        "run": frame["run"] if "run" in frame else 0,
        "date": pd.to_datetime(frame["date"], errors="coerce"),
        "kind": frame["kind"].astype("object"),
        "subkind": frame["subkind"].astype("object"),
        "country": frame["country"].astype("object"),
    }, index=frame.index)
    if out["date"].isna().any():
        bad = frame["date"][out["date"].isna()].iloc[0]
        raise InputError("an event without a date", key="date", value=bad,
                         expected="YYYY-MM-DD")
    for column in ("count", "us_wounded", "us_killed"):
        values = (pd.to_numeric(frame[column], errors="coerce") if column in frame
                  else pd.Series(0, index=frame.index))
        values = values.fillna(1 if column == "count" else 0).astype("int64")
        if (values < 0).any():
            raise InputError("a negative count", key=column, value=int(values.min()),
                             expected="a whole number >= 0")
        out[column] = values
    out["run"] = pd.to_numeric(out["run"]).astype("int64")
    out["date"] = out["date"].dt.normalize()
    return (out[list(EVENT_TABLE_COLUMNS)].sort_values(["run", "date"], kind="stable")
            .reset_index(drop=True))


def events_from_record(record: Record) -> pd.DataFrame:
    """The record's events as the tidy event table (``run`` 0; tallies left out: a tally is a
    count of events, not an event).

    Args:
        record: a record (``escsim.read_record()``), or the record as of a date.

    Returns:
        The tidy event table (:func:`event_table`).
    """
    events = record.events[record.events["kind"] != "tally"]
    return event_table(events)


def _selected(events: pd.DataFrame, parts: Iterable[tuple[str, tuple[str, ...]]]) -> pd.Series:
    chosen = pd.Series(False, index=events.index)
    for kind, subkinds in parts:
        chosen |= (events["kind"] == kind) & events["subkind"].isin(subkinds)
    return chosen


def attack_rows(events: pd.DataFrame,
                subkinds: tuple[str, ...] = ATTACKS_ON_US_FORCES) -> pd.DataFrame:
    """Militia attacks on US forces (bases and the embassy by default, as the record counts)."""
    return events[_selected(events, [("militia_attack", subkinds)])]


def harm_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The rows whose US casualties count (:data:`US_HARM_PARTS`)."""
    return events[_selected(events, US_HARM_PARTS)]


def round_rows(events: pd.DataFrame) -> pd.DataFrame:
    """US strike rounds (one row per round and day)."""
    return events[_selected(events, [("us_strike", US_ROUND_SUBKINDS)])]


@dataclass(frozen=True)
class DailySeries:
    """One history day by day, from ``first`` to ``last`` (inclusive).

    ``attacks[t, c]`` is the attacks on US forces in ``countries[c]`` on day ``first + t``;
    ``rounds[t]`` the US strike rounds, ``killed[t]`` the US personnel killed, ``hurt[t]`` the
    US personnel killed or wounded that day. :attr:`through` is the last day the forecasters may
    know (see :meth:`until`).
    """

    first: dt.date
    last: dt.date
    countries: tuple[str, ...]
    attacks: np.ndarray
    rounds: np.ndarray
    killed: np.ndarray
    hurt: np.ndarray

    @property
    def days(self) -> int:
        """The number of days held."""
        return int(self.attacks.shape[0])

    @property
    def through(self) -> dt.date:
        """The last day held (``last``)."""
        return self.last

    def index(self, day: dt.date) -> int:
        """The row of ``day`` (0 for ``first``)."""
        return (day - self.first).days

    def until(self, day: dt.date | str) -> DailySeries:
        """The days from ``first`` through ``day``: what was known on the evening of ``day``."""
        day = _as_date(day)
        if day < self.first:
            raise InputError("no day of the history is known", key="through", value=str(day),
                             expected=f"a day on or after {self.first}")
        n = min(self.index(day) + 1, self.days)
        last = self.first + dt.timedelta(days=n - 1)
        return DailySeries(self.first, last, self.countries, self.attacks[:n], self.rounds[:n],
                           self.killed[:n], self.hurt[:n])

    def total(self) -> np.ndarray:
        """Attacks per day, all countries."""
        return self.attacks.sum(axis=1)


def daily_series(events: pd.DataFrame, first: dt.date | str = FIRST_DATE,
                 last: dt.date | str = LAST_DATE, countries: tuple[str, ...] = ATTACK_COUNTRIES,
                 subkinds: tuple[str, ...] = ATTACKS_ON_US_FORCES) -> DailySeries:
    """One history's day-by-day series from the tidy event table.

    Args:
        events: the tidy event table of one run (:func:`event_table`); rows outside
            ``first..last`` are ignored.
        first: the first day held (the record's first day by default: before it nothing is
            known, which is not the same as nothing happened).
        last: the last day held.
        countries: the countries whose attacks are kept apart (attacks elsewhere are dropped).
        subkinds: the attack subkinds counted as attacks on US forces.

    Returns:
        The :class:`DailySeries`.
    """
    first, last = _as_date(first), _as_date(last)
    if last < first:
        raise InputError("the series ends before it starts", key="last", value=str(last),
                         expected=f"a day on or after {first}")
    if "run" in events and events["run"].nunique() > 1:
        raise InputError("a daily series is of one run", key="run",
                         value=sorted(events["run"].unique())[:5], expected="one run")
    n = (last - first).days + 1
    start = pd.Timestamp(first)
    inside = events[events["date"].between(start, pd.Timestamp(last))].reset_index(drop=True)
    day = ((inside["date"] - start).dt.days).to_numpy()

    def per_day(rows: pd.DataFrame, weights: pd.Series | None) -> np.ndarray:
        at = day[rows.index.to_numpy()]
        w = None if weights is None else weights.to_numpy(dtype=float)
        return np.bincount(at, weights=w, minlength=n).astype(np.int64)

    attacks = attack_rows(inside, subkinds)
    by_country = np.zeros((n, len(countries)), dtype=np.int64)
    for c, country in enumerate(countries):
        rows = attacks[attacks["country"] == country]
        by_country[:, c] = per_day(rows, rows["count"])
    harm = harm_rows(inside)
    return DailySeries(
        first, last, tuple(countries), by_country,
        per_day(round_rows(inside), None),
        per_day(harm, harm["us_killed"]),
        per_day(harm, harm["us_killed"] + harm["us_wounded"]),
    )


@dataclass(frozen=True)
class WindowTruth:
    """What happened in a forecast window: attacks per country (and the total), and whether
    US personnel were killed and whether the US struck a round."""

    start: dt.date
    days: int
    attacks: dict[str, int]
    us_killed: bool
    us_round: bool


def window_truth(series: DailySeries, start: dt.date, days: int) -> WindowTruth:
    """The outcome of the window ``start .. start + days - 1`` in ``series``.

    Args:
        series: the day-by-day history holding the window (the whole record, for scoring).
        start: the window's first day.
        days: the window's length in days.

    Returns:
        The :class:`WindowTruth`.

    Raises:
        InputError: the window is not inside the series.
    """
    i = series.index(start)
    if i < 0 or i + days > series.days:
        raise InputError("the window is outside the history", key="window",
                         value=f"{start} + {days} days",
                         expected=f"inside {series.first} .. {series.last}")
    sl = slice(i, i + days)
    counts = series.attacks[sl].sum(axis=0)
    attacks = {c: int(v) for c, v in zip(series.countries, counts, strict=True)}
    attacks[TOTAL] = int(counts.sum())
    return WindowTruth(start, days, attacks, bool(series.killed[sl].sum() > 0),
                       bool(series.rounds[sl].sum() > 0))
