"""The documented record as data: dated observations a simulated history can be checked against.

Observations live in ``seeds/observations.csv``, one row each (lines starting with ``#`` are
comments)::

    id,scenario,kind,measure,window_start,window_end,value,low,high,fact,source,note

* ``kind`` says what is observed in the window ``window_start..window_end`` (inclusive dates):
  ``count`` (events of ``measure``), ``first_date`` (the date of the first ``measure`` event;
  ``value`` is a date) or ``max_day`` (the largest number of ``measure`` events on one day).
* ``measure`` is a daily series the engine keeps (:data:`DAILY_MEASURES`), or, for ``count`` only,
  a run total of ``runs.csv`` (:data:`RUN_TOTAL_MEASURES`): run totals can only be compared over a
  window that starts on the scenario's first day.
* ``value``, or ``low``/``high`` for a range (press figures often disagree); ``low`` alone means
  "at least", ``high`` alone "at most".
* ``fact`` cites one or more ids of ``seeds/*.toml`` (separated by ``;``); ``source`` the public
  address; ``scenario`` the scenario the row observes (empty: any scenario whose simulated window
  covers it).

Loading checks every row and raises :class:`~escsim.errors.InputError` naming the file, the row,
the column, the value and what was expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from escsim.errors import InputError, read_text_bounded
from escsim.facts import Fact, bundled_facts
from escsim.paths import seeds_dir
from escsim.records import BASE_COLUMNS, DAILY_MEASURES

#: Kinds of observation.
KINDS = ("count", "first_date", "max_day")
#: Run totals that can be compared over a window starting on the scenario's first day.
RUN_TOTAL_MEASURES = tuple(c for c in BASE_COLUMNS if c not in (
    "scenario", "param_hash", "point", "replication", "seed", "end_day", "troops_end",
    "max_rung", "days_under_restraint", *DAILY_MEASURES))
_WEAPON_TOTAL = re.compile(r"^attacks_weapon_[a-z0-9_]+$")
REQUIRED_COLUMNS = ("id", "kind", "measure", "window_start", "window_end", "fact", "source")
COLUMNS = ("id", "scenario", "kind", "measure", "window_start", "window_end", "value", "low",
           "high", "fact", "source", "note", "definition", "dated")
OBSERVATIONS_FILE = "observations.csv"


@dataclass(frozen=True)
class Observation:
    """One dated observation of the record.

    ``low``/``high`` bound the observed value: equal for a single figure, ``high = inf`` for
    "at least", ``low = -inf`` for "at most". For ``first_date`` they are days after
    ``window_start``.
    """

    id: str
    kind: str
    measure: str
    window_start: dt.date
    window_end: dt.date
    low: float
    high: float
    facts: tuple[str, ...]
    source: str
    scenario: str | None = None
    note: str = ""
    line: int = 0
    #: How the value was computed from the event-level record (seeds/record/observations.toml);
    #: empty for a hand-written observation.
    definition: str = ""
    #: The record's own dated figure (the floor of a tally).
    dated: str = ""

    @property
    def is_daily(self) -> bool:
        """Whether the measure is a daily series (else a run total)."""
        return self.measure in DAILY_MEASURES

    @property
    def is_point(self) -> bool:
        return self.low == self.high

    @property
    def window_days(self) -> int:
        return (self.window_end - self.window_start).days + 1

    @property
    def representative(self) -> float:
        """One number for the observation: the value, a range's midpoint, or its finite bound."""
        if math.isfinite(self.low) and math.isfinite(self.high):
            return (self.low + self.high) / 2
        return self.low if math.isfinite(self.low) else self.high

    def describe_value(self) -> str:
        """The observed value as written: ``170``, ``9-10``, ``>= 34``, ``2024-01-28``."""
        def show(x: float) -> str:
            if self.kind == "first_date":
                return (self.window_start + dt.timedelta(days=int(x))).isoformat()
            return f"{x:g}"

        if self.is_point:
            return show(self.low)
        if not math.isfinite(self.high):
            return f">= {show(self.low)}"
        if not math.isfinite(self.low):
            return f"<= {show(self.high)}"
        return f"{show(self.low)} to {show(self.high)}" if self.kind == "first_date" \
            else f"{show(self.low)}-{show(self.high)}"

    def describe_window(self) -> str:
        if self.window_start == self.window_end:
            return self.window_start.isoformat()
        return f"{self.window_start.isoformat()} to {self.window_end.isoformat()}"

    def label(self) -> str:
        """A short description: what, when, how much."""
        what = {"count": f"{self.measure}", "first_date": f"first {self.measure}",
                "max_day": f"most {self.measure} in one day"}[self.kind]
        return f"{what}, {self.describe_window()}: {self.describe_value()}"


def default_observations_path() -> Path:
    """The bundled observations file (``seeds/observations.csv``)."""
    return seeds_dir() / OBSERVATIONS_FILE


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _is_measure(name: str) -> bool:
    return name in DAILY_MEASURES or name in RUN_TOTAL_MEASURES or bool(_WEAPON_TOTAL.match(name))


class _Row:
    """One CSV row being checked, to name the file, line, id and column in every error."""

    def __init__(self, file: str, line: int, raw: dict[str, str]):
        self.file = file
        self.line = line
        self.raw = raw
        self.id = raw.get("id", "").strip()

    def fail(self, column: str, message: str, value: object = None,
             expected: str | None = None) -> InputError:
        row = f"row at line {self.line}" + (f" ({self.id})" if self.id else "")
        return InputError(message, file=self.file, key=f"{row}, column '{column}'",
                          value=value, expected=expected)

    def text(self, column: str) -> str:
        return (self.raw.get(column) or "").strip()

    def date(self, column: str) -> dt.date:
        text = self.text(column)
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise self.fail(column, "not a date", text, "YYYY-MM-DD") from None

    def number(self, column: str) -> float | None:
        text = self.text(column)
        if not text:
            return None
        try:
            x = float(text)
        except ValueError:
            raise self.fail(column, "not a number", text, "a count >= 0") from None
        if not math.isfinite(x) or x < 0:
            raise self.fail(column, "not a count", text, "a finite number >= 0")
        return x


def _choice_hint(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _parse_row(row: _Row, facts: dict[str, Fact]) -> Observation:
    if not row.id:
        raise row.fail("id", "observation has no id", expected="a unique id, e.g. OBS-LULL")
    kind = row.text("kind")
    if kind not in KINDS:
        raise row.fail("kind", "unknown kind" + _choice_hint(kind, list(KINDS)), kind,
                       " | ".join(KINDS))
    measure = row.text("measure")
    if not _is_measure(measure):
        choices = [*DAILY_MEASURES, *RUN_TOTAL_MEASURES, "attacks_weapon_<weapon>"]
        raise row.fail("measure", "unknown measure" + _choice_hint(measure, choices), measure,
                       "a daily series (" + ", ".join(DAILY_MEASURES) + ") or a run total of "
                       "runs.csv")
    if kind != "count" and measure not in DAILY_MEASURES:
        raise row.fail("measure", f"a '{kind}' observation needs a daily series", measure,
                       " | ".join(DAILY_MEASURES))
    start, end = row.date("window_start"), row.date("window_end")
    if end < start:
        raise row.fail("window_end", "window ends before it starts", end.isoformat(),
                       f"a date on or after {start.isoformat()}")

    if kind == "first_date":
        def read(column: str) -> float | None:
            if not row.text(column):
                return None
            d = row.date(column)
            if not start <= d <= end:
                raise row.fail(column, "date outside the window", d.isoformat(),
                               f"a date from {start.isoformat()} to {end.isoformat()}")
            return float((d - start).days)
    else:
        read = row.number
    value, low, high = read("value"), read("low"), read("high")
    if value is not None:
        if low is not None or high is not None:
            raise row.fail("value", "give either value or low/high, not both", row.text("value"),
                           "value alone, or low and/or high")
        low = high = value
    elif low is None and high is None:
        raise row.fail("value", "observation has no value", None,
                       "value, or low and/or high (a range)")
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    if lo > hi:
        raise row.fail("high", "range reversed", row.text("high"), f">= low ({row.text('low')})")

    fact_text = row.text("fact")
    ids = tuple(f.strip() for f in re.split(r"[;\s]+", fact_text) if f.strip())
    definition = row.text("definition") if "definition" in row.raw else ""
    if not ids and not definition:
        raise row.fail("fact", "observation cites no fact", None, "fact ids of seeds/*.toml, "
                       "separated by ';' (or a definition: a row derived from the record)")
    for fid in ids:
        if fid not in facts:
            raise row.fail("fact", "unknown fact id" + _choice_hint(fid, list(facts)), fid,
                           "an id from seeds/*.toml (escsim facts)")
    source = row.text("source")
    if not source:
        raise row.fail("source", "observation has no source", None,
                       "the public address or document of the figure")
    return Observation(id=row.id, kind=kind, measure=measure, window_start=start, window_end=end,
                       low=lo, high=hi, facts=ids, source=source,
                       scenario=row.text("scenario") or None, note=row.text("note"),
                       line=row.line, definition=definition,
                       dated=row.text("dated") if "dated" in row.raw else "")


def load_observations(path: str | Path | None = None,
                      facts: dict[str, Fact] | None = None) -> list[Observation]:
    """Read and check an observations file (default: the bundled ``seeds/observations.csv``).

    Args:
        path: the CSV file of observations (default: the bundled one).
        facts: the fact base the rows cite (default: the bundled ``seeds/``).

    Returns:
        One :class:`Observation` per row, in file order.

    Raises:
        InputError: a missing file, a bad header, or a bad row (naming file, line, id and column).
    """
    path = Path(path) if path is not None else default_observations_path()
    facts = bundled_facts() if facts is None else facts
    shown = _display(path)
    try:
        text = read_text_bounded(path)
    except FileNotFoundError:
        raise InputError("observations file not found", file=shown,
                         expected="a CSV like seeds/observations.csv") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read observations file: {exc}", file=shown) from None
    numbered = [(n, line) for n, line in enumerate(text.splitlines(keepends=True), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise InputError("observations file is empty", file=shown,
                         expected="a header line and one row per observation")
    reader = csv.reader(line for _, line in numbered)
    header = [h.strip() for h in next(reader)]
    for column in header:
        if column not in COLUMNS:
            raise InputError("unknown column" + _choice_hint(column, list(COLUMNS)), file=shown,
                             key=f"header (line {numbered[0][0]})", value=column,
                             expected=", ".join(COLUMNS))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError("missing column(s) " + ", ".join(missing), file=shown,
                         key=f"header (line {numbered[0][0]})",
                         expected=", ".join(REQUIRED_COLUMNS) + " at least")
    observations: list[Observation] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = numbered[reader.line_num - 1][0]
        if len(cells) != len(header):
            raise InputError(f"row has {len(cells)} cells, the header {len(header)}", file=shown,
                             key=f"row at line {line}",
                             expected="one cell per column (quote a note that has commas)")
        row = _Row(shown, line, dict(zip(header, cells, strict=True)))
        obs = _parse_row(row, facts)
        if obs.id in seen:
            raise row.fail("id", "duplicate observation id", obs.id,
                           f"unique ids (also on line {seen[obs.id]})")
        seen[obs.id] = line
        observations.append(obs)
    return observations
