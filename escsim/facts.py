"""The fact base: documented figures the scenarios cite.

Facts live in ``seeds/*.toml`` as ``[[fact]]`` tables. Each has an ``id``, a ``value`` or a
``range = [low, high]``, a ``unit``, a ``date`` or ``window = [start, end]``, a ``source`` (the seed
document's file name or a public address) and a one-line ``paraphrase``. Loading checks every fact;
a fact without a source is an error.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from escsim.errors import InputError
from escsim.paths import seeds_dir

_REQUIRED = ("id", "unit", "source", "paraphrase")
_ALLOWED = {"id", "value", "range", "unit", "date", "window", "source", "paraphrase", "note"}


@dataclass(frozen=True)
class Fact:
    """One documented figure of the fact base.

    Attributes:
        id: the id scenarios cite (``fact = "PR-A1"``).
        unit: what the figure counts or measures.
        source: the seed document's file name or a public address.
        paraphrase: one line, in our own words.
        value: the figure (a number or text), when it is a single value.
        range: ``(low, high)``, when sources disagree or give a range.
        date: the date it refers to (facts about one day).
        window: the ``(start, end)`` dates it covers (facts about a period).
        note: how it was derived, when not read directly off the source.
        file: the ``seeds/`` file it was loaded from.
    """

    id: str
    unit: str
    source: str
    paraphrase: str
    value: float | str | None = None
    range: tuple[float, float] | None = None
    date: dt.date | None = None
    window: tuple[dt.date, dt.date] | None = None
    note: str | None = None
    file: str = ""

    def figure(self) -> str:
        """The figure as text: the value, or the range ``low-high``, with its unit."""
        if self.range is not None:
            return f"{self.range[0]:g}-{self.range[1]:g} {self.unit}"
        if isinstance(self.value, float | int):
            return f"{self.value:g} {self.unit}"
        return f"{self.value} {self.unit}"

    def when(self) -> str:
        """The date, or the window ``start to end``, as text."""
        if self.window is not None:
            return f"{self.window[0]:%Y-%m-%d} to {self.window[1]:%Y-%m-%d}"
        return f"{self.date:%Y-%m-%d}" if self.date else ""


def _as_date(value: object, file: str, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError("not a date", file=file, key=key, value=value, expected="YYYY-MM-DD")


def _parse_fact(raw: dict, file: str, index: int) -> Fact:
    where = f"fact[{index}]" + (f" ({raw['id']})" if "id" in raw else "")
    for key in raw:
        if key not in _ALLOWED:
            raise InputError("unknown field", file=file, key=f"{where}.{key}",
                             expected=", ".join(sorted(_ALLOWED)))
    for key in _REQUIRED:
        if not str(raw.get(key, "")).strip():
            raise InputError(f"fact has no {key}", file=file, key=f"{where}.{key}")
    if ("value" in raw) == ("range" in raw):
        raise InputError("a fact needs exactly one of value or range", file=file, key=where)
    rng = None
    if "range" in raw:
        r = raw["range"]
        if not (isinstance(r, list) and len(r) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                        for x in r)):
            raise InputError("bad range", file=file, key=f"{where}.range", value=r,
                             expected="[low, high] finite numbers")
        if r[0] > r[1]:
            raise InputError("range low above high", file=file, key=f"{where}.range", value=r,
                             expected="low <= high")
        rng = (float(r[0]), float(r[1]))
    value = raw.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = float(value)
    date = _as_date(raw["date"], file, f"{where}.date") if "date" in raw else None
    window = None
    if "window" in raw:
        w = raw["window"]
        if not (isinstance(w, list) and len(w) == 2):
            raise InputError("bad window", file=file, key=f"{where}.window", value=w,
                             expected="[start, end] dates")
        window = (_as_date(w[0], file, f"{where}.window"), _as_date(w[1], file, f"{where}.window"))
    if date is None and window is None:
        raise InputError("fact has no date or window", file=file, key=where)
    return Fact(id=str(raw["id"]), unit=str(raw["unit"]), source=str(raw["source"]),
                paraphrase=str(raw["paraphrase"]), value=value, range=rng, date=date,
                window=window, note=raw.get("note"), file=file)


def load_facts(folder: Path | None = None) -> dict[str, Fact]:
    """Load and check every fact of a fact base (``escsim facts``).

    Args:
        folder: a folder of ``*.toml`` files of ``[[fact]]`` tables (default: the bundled
            ``seeds/``).

    Returns:
        Fact id -> :class:`Fact`, in file order.

    Raises:
        InputError: a missing folder, invalid TOML, a fact without a source, value, date or
            paraphrase, or a duplicate id.
    """
    folder = Path(folder) if folder is not None else seeds_dir()
    if not folder.is_dir():
        raise InputError("fact base folder not found", file=str(folder))
    facts: dict[str, Fact] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"invalid TOML: {exc}", file=str(path)) from None
        entries = doc.get("fact", [])
        if not (isinstance(entries, list) and all(isinstance(e, dict) for e in entries)):
            raise InputError("facts must be [[fact]] tables", file=path.name, key="fact",
                             expected="an array of tables, [[fact]]")
        for i, raw in enumerate(entries):
            fact = _parse_fact(raw, path.name, i)
            if fact.id in facts:
                raise InputError("duplicate fact id", file=path.name, key=fact.id,
                                 expected=f"unique ids (also in {facts[fact.id].file})")
            facts[fact.id] = fact
    return facts


@lru_cache(maxsize=4)
def bundled_facts() -> dict[str, Fact]:
    """The bundled fact base, loaded once."""
    return load_facts()
