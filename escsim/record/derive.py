"""Observations computed from the record: the counts, dates and maxima the backtests and the
calibration compare simulated histories with.

What each observation measures is written down once, in ``seeds/record/observations.toml`` (its
window, the measure, which rows count, and how the dated count becomes the observed value); this
module applies those definitions to the record and writes ``seeds/observations.csv`` (one row per
observation, stating its definition and the dated figure) and ``seeds/observation-rows.csv`` (the
record rows behind each). ``python -m escsim.record derive`` regenerates both; a test proves the
committed files are up to date.

How a dated count becomes an observation (``value`` in a definition):

* ``exact``: the record is taken as complete for this measure (US deaths, US strike rounds).
* ``floor``: the dated count is a lower bound ("at least"): no tally covers the window.
* ``official``: the value is an official or press tally (a record ``tally`` row, or a fact); the
  dated count is printed beside it as its floor, so the gap is shown, not hidden.
* ``dated_to_official``: the range from the dated count up to the tally.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from escsim.errors import InputError, read_text_bounded
from escsim.record.schema import ATTACKS_ON_US_FORCES

if TYPE_CHECKING:
    import pandas as pd

    from escsim.facts import Fact
    from escsim.record import Record

DEFINITIONS_FILE = "observations.toml"
OBSERVATIONS_COLUMNS = ("id", "scenario", "kind", "measure", "window_start", "window_end", "value",
                        "low", "high", "fact", "source", "note", "definition", "dated")
LINK_COLUMNS = ("observation", "event_id")
VALUE_MODES = ("exact", "floor", "official", "dated_to_official")
OBS_KINDS = ("count", "first_date", "max_day")

_US_HARMED = ("base", "embassy", "convoy")  # attacks whose US casualties count (not "other")


@dataclass(frozen=True)
class Selection:
    """Which record rows a measure counts and what it adds up.

    ``column`` is summed over the rows (``count`` for attacks, ``us_killed`` for deaths); ``None``
    counts the rows themselves (a strike round is one row).
    """

    parts: tuple[tuple[str, tuple[str, ...]], ...]
    column: str | None
    weapon: str | None = None
    country: str | None = None
    text: str = ""


def _attacks(country: str | None = None, weapon: str | None = None,
             where: str = "") -> Selection:
    return Selection((("militia_attack", ATTACKS_ON_US_FORCES),), "count", weapon, country,
                     f"militia attacks on bases and diplomatic sites hosting US personnel{where}"
                     " (sum of count; convoys and other targets excluded)")


def _harm(column: str, what: str) -> Selection:
    return Selection((("militia_attack", _US_HARMED), ("iran_attack", ("on_us",))), column,
                     text=f"{what} in militia attacks (bases, embassy, convoys) and Iranian "
                          "attacks on US forces, as officially reported")


#: The measures of the simulation (daily series and run totals) the record can observe.
MEASURES: dict[str, Selection] = {
    "attacks": _attacks(),
    "attacks_in_iraq": _attacks("iraq", where=" in Iraq"),
    "attacks_in_syria": _attacks("syria", where=" in Syria"),
    "attacks_in_jordan": _attacks("jordan", where=" in Jordan"),
    "attacks_weapon_crbm": _attacks(weapon="ballistic_missile", where=" by ballistic missile"),
    "us_killed": _harm("us_killed", "US service members and contractors killed"),
    "us_wounded": _harm("us_wounded", "US service members and contractors wounded"),
    "us_casualties": _harm("us_casualties", "US killed and wounded"),
    "us_strikes": Selection((("us_strike", ("facilities", "leadership", "self_defense")),), None,
                            text="US strike rounds (one row per round and day)"),
    "us_targets_struck": Selection((("us_strike", ("facilities", "leadership", "self_defense")),),
                                   "targets_struck",
                                   text="targets or facilities struck by US rounds (official)"),
    "leadership_strikes": Selection((("us_strike", ("leadership",)),), None,
                                    text="US strikes aimed at named commanders"),
    "militia_killed": Selection((("us_strike", ("facilities", "leadership", "self_defense")),),
                                "killed_low",
                                text="people killed by US rounds, the lowest reported figure"),
    "iran_direct_attacks": Selection((("iran_attack", ("on_us",)),), None,
                                     text="Iranian direct attacks on US forces"),
    "us_strikes_on_iran": Selection((("strike_on_iran", ("by_us",)),), None,
                                    text="US strikes on Iranian territory"),
    "israeli_strikes_on_iran": Selection((("strike_on_iran", ("by_israel",)),), None,
                                         text="Israeli strikes on Iranian territory"),
    "restraint_orders": Selection((("announcement", ("pause_start",)),), None,
                                  text="announced pauses of the militias' attacks"),
}


@dataclass(frozen=True)
class Definition:
    """One observation as ``seeds/record/observations.toml`` defines it."""

    id: str
    scenario: str
    kind: str
    measure: str
    start: dt.date
    end: dt.date
    value: str
    official: str | None
    definition: str
    note: str
    facts: tuple[str, ...]
    optional: tuple[str, ...] = ()


def _as_date(value: object, where: str, key: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise InputError("not a date", file=where, key=key, value=value, expected="a TOML date")


def load_definitions(path: Path) -> list[Definition]:
    """The observation definitions, checked: an unknown measure, kind or mode names the entry."""
    try:
        data = tomllib.loads(read_text_bounded(path))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read observation definitions: {exc}", file=str(path)) from None
    out: list[Definition] = []
    for i, entry in enumerate(data.get("observation", [])):
        key = f"observation[{i}] ({entry.get('id', '?')})"

        def need(name: str, choices: tuple[str, ...] | None = None, *, _e=entry,
                 _k=key) -> str:
            value = _e.get(name)
            if not isinstance(value, str) or not value or (choices and value not in choices):
                raise InputError("bad or missing entry", file=str(path), key=f"{_k}.{name}",
                                 value=value, expected=" | ".join(choices) if choices else "text")
            return value

        window = entry.get("window")
        if not isinstance(window, list) or len(window) != 2:
            raise InputError("bad window", file=str(path), key=f"{key}.window", value=window,
                             expected="[start, end] as TOML dates")
        mode = need("value", VALUE_MODES)
        official = entry.get("official")
        if mode in ("official", "dated_to_official") and not isinstance(official, str):
            raise InputError("an official figure is needed", file=str(path),
                             key=f"{key}.official", value=official,
                             expected="a record tally id (R-...) or a fact id")
        facts = entry.get("facts", [])
        optional = entry.get("optional", [])
        if not isinstance(optional, list) or not all(isinstance(o, str) for o in optional):
            raise InputError("bad optional subkinds", file=str(path), key=f"{key}.optional",
                             value=optional, expected="a list of subkinds")
        out.append(Definition(
            need("id"), entry.get("scenario", ""), need("kind", OBS_KINDS),
            need("measure", tuple(MEASURES)), _as_date(window[0], str(path), f"{key}.window"),
            _as_date(window[1], str(path), f"{key}.window"), mode,
            official if isinstance(official, str) else None, str(entry.get("definition", "")),
            entry.get("note", ""), tuple(facts) if isinstance(facts, list) else (),
            tuple(optional)))
    return out


def select_rows(events: pd.DataFrame, selection: Selection, start: dt.date,
                end: dt.date) -> pd.DataFrame:
    """The record rows a measure counts in ``start..end`` (inclusive)."""
    import pandas as pd

    in_window = events["date"].between(pd.Timestamp(start), pd.Timestamp(end))
    chosen = pd.Series(False, index=events.index)
    for kind, subkinds in selection.parts:
        chosen |= (events["kind"] == kind) & events["subkind"].isin(subkinds)
    rows = events[in_window & chosen]
    if selection.country is not None:
        rows = rows[rows["country"] == selection.country]
    if selection.weapon is not None:
        rows = rows[rows["weapon"] == selection.weapon]
    return rows


def row_amounts(rows: pd.DataFrame, selection: Selection) -> pd.Series:
    """What each row adds to the measure (missing figures count as 0: the dated floor)."""
    import pandas as pd

    if selection.column is None:
        return pd.Series(1, index=rows.index, dtype="int64")
    if selection.column == "us_casualties":
        return (rows["us_killed"].fillna(0) + rows["us_wounded"].fillna(0)).astype("int64")
    return rows[selection.column].fillna(0).astype("int64")


def monthly_counts(attacks: pd.DataFrame, start: str | None = None,
                   end: str | None = None) -> pd.DataFrame:
    """Attacks per calendar month and country (sum of ``count``), zeros filled in: a tidy table
    with columns ``month``, ``country``, ``attacks``."""
    import pandas as pd

    if attacks.empty and (start is None or end is None):
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"),
                             "country": pd.Series(dtype="object"),
                             "attacks": pd.Series(dtype="int64")})
    first = pd.Timestamp(start) if start else attacks["date"].min()
    last = pd.Timestamp(end) if end else attacks["date"].max()
    months = pd.date_range(first.to_period("M").to_timestamp(),
                           last.to_period("M").to_timestamp(), freq="MS")
    countries = sorted(attacks["country"].dropna().unique()) or ["iraq", "syria", "jordan"]
    month = attacks["date"].dt.to_period("M").dt.to_timestamp()
    sums = attacks.assign(month=month).groupby(["month", "country"])["count"].sum()
    index = pd.MultiIndex.from_product([months, countries], names=["month", "country"])
    table = sums.reindex(index, fill_value=0).astype("int64").rename("attacks").reset_index()
    return table


def around_rounds(record: Record, days: int = 7) -> pd.DataFrame:
    """For each US strike round: dated attacks on US forces in the ``days`` days before it and
    in the ``days`` days after it (the tit-for-tat signature), one row per round."""
    import pandas as pd

    attacks = record.attacks()
    per_day = attacks.groupby("date")["count"].sum()
    rounds = record.of_kind("us_strike")
    rows = []
    for _, r in rounds.iterrows():
        day = r["date"]
        before = per_day[(per_day.index >= day - pd.Timedelta(days=days))
                         & (per_day.index < day)].sum()
        after = per_day[(per_day.index > day)
                        & (per_day.index <= day + pd.Timedelta(days=days))].sum()
        rows.append({"round": r["id"], "date": day, "country": r["country"],
                     "subkind": r["subkind"], f"attacks_{days}d_before": int(before),
                     f"attacks_{days}d_after": int(after)})
    return pd.DataFrame(rows)


def _official_figure(ref: str, record: Record, facts: dict[str, Fact],
                     where: str) -> tuple[float, float, str, str]:
    """(low, high, fact ids, source text) of a tally row or a fact."""
    if ref.startswith("R-"):
        hit = record.events[(record.events["id"] == ref) & (record.events["kind"] == "tally")]
        if hit.empty:
            raise InputError("no such tally in the record", file=where, key="official", value=ref,
                             expected="the id of a kind=tally row of seeds/record")
        row = hit.iloc[0]
        src = record.sources_of(ref)
        text = "; ".join(f"{s.outlet} ({s.url})" for s in src.itertuples())
        return float(row["count"]), float(row["count"]), "", f"{row['actor']} tally: {text}"
    if ref not in facts:
        raise InputError("no such fact", file=where, key="official", value=ref,
                         expected="a fact id of seeds/*.toml or a tally id R-...")
    fact = facts[ref]
    if fact.range is not None:
        return fact.range[0], fact.range[1], ref, fact.source
    if not isinstance(fact.value, float | int):
        raise InputError("the fact is not a number", file=where, key="official", value=ref,
                         expected="a fact with a numeric value or range")
    return float(fact.value), float(fact.value), ref, fact.source


def _fmt(x: float) -> str:
    return "" if not math.isfinite(x) else f"{x:g}"


def derive(record: Record, definitions: list[Definition], facts: dict[str, Fact],
           where: str = DEFINITIONS_FILE) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The observation rows and the (observation, record row) links, from the definitions."""
    rows: list[dict[str, str]] = []
    links: list[dict[str, str]] = []
    for d in definitions:
        sel = MEASURES[d.measure]
        chosen = select_rows(record.events, sel, d.start, d.end)
        amounts = row_amounts(chosen, sel)
        counted = chosen[amounts > 0] if sel.column is not None else chosen
        fact_ids = list(d.facts)
        source = f"seeds/record: {len(counted)} rows"
        value = low = high = ""
        if d.kind == "count":
            dated = float(amounts.sum())
        elif d.kind == "max_day":
            dated = float(amounts.groupby(chosen["date"]).sum().max()) if len(chosen) else 0.0
        else:
            dated = math.nan
            if len(counted):
                value = f"{counted['date'].min():%Y-%m-%d}"
            counted = counted[counted["date"] == counted["date"].min()]
        certain = float(amounts[~chosen["subkind"].isin(d.optional)].sum())
        if d.kind != "first_date":
            if d.value == "exact" and d.kind == "count" and certain < dated:
                low, high = _fmt(certain), _fmt(dated)
            elif d.value == "exact":
                value = _fmt(dated)
            elif d.value == "floor":
                low = _fmt(certain if d.kind == "count" else dated)
            else:
                assert d.official is not None
                o_low, o_high, o_fact, o_source = _official_figure(d.official, record, facts,
                                                                   where)
                fact_ids += [o_fact] if o_fact else []
                source = f"{o_source}; dated floor from {source}"
                if d.value == "official":
                    if o_low == o_high:
                        value = _fmt(o_low)
                    else:
                        low, high = _fmt(o_low), _fmt(o_high)
                else:
                    low, high = _fmt(min(dated, o_low)), _fmt(max(dated, o_high))
        rows.append({
            "id": d.id, "scenario": d.scenario, "kind": d.kind, "measure": d.measure,
            "window_start": d.start.isoformat(), "window_end": d.end.isoformat(),
            "value": value, "low": low, "high": high, "fact": ";".join(dict.fromkeys(fact_ids)),
            "source": source, "note": d.note,
            "definition": f"{d.value}: {sel.text}"
                          + (f"; {', '.join(d.optional)} rows widen the range" if d.optional
                             else "") + (f" [{d.definition}]" if d.definition else ""),
            "dated": _fmt(dated) if d.kind != "first_date" else value,
        })
        links += [{"observation": d.id, "event_id": eid} for eid in counted["id"]]
    return rows, links


HEADER = (
    "# GENERATED by `python -m escsim.record derive` from seeds/record/ (the event-level record)\n"
    "# and seeds/record/observations.toml (the definitions). Do not edit: edit those and\n"
    "# regenerate. `dated` is the record's own dated figure; where `value` or the range comes"
    " from\n"
    "# a tally, `dated` is its floor. seeds/observation-rows.csv names the record rows behind"
    " each.\n"
)


def render(rows: list[dict[str, str]], columns: tuple[str, ...], header: str = "") -> str:
    """Rows as CSV text (``\\n`` line ends), after an optional comment header."""
    buf = io.StringIO()
    buf.write(header)
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def generated_files(record: Record, definitions_path: Path,
                    facts: dict[str, Fact]) -> dict[str, str]:
    """The text of ``observations.csv`` and ``observation-rows.csv`` as the record gives them."""
    rows, links = derive(record, load_definitions(definitions_path), facts,
                         str(definitions_path))
    return {"observations.csv": render(rows, OBSERVATIONS_COLUMNS, HEADER),
            "observation-rows.csv": render(links, LINK_COLUMNS)}


def tallies_beside_dated(record: Record,
                         subkind: str = "attacks_on_us_forces") -> pd.DataFrame:
    """Each tally of attacks on US forces beside the record's dated count of its window: columns
    ``id``, ``actor``, ``country``, ``window_start``, ``date``, ``tally``, ``dated``, ``gap``
    (a tally of one country's attacks is set beside that country's dated count)."""
    import pandas as pd

    tallies = record.of_kind("tally", (subkind,))
    sel = MEASURES["attacks"]
    rows = []
    for t in tallies.itertuples():
        if pd.isna(t.window_start) or pd.isna(t.count):
            continue
        chosen = select_rows(record.events, sel, t.window_start.date(), t.date.date())
        if t.country in ("iraq", "syria", "jordan"):  # a tally of one country's attacks
            chosen = chosen[chosen["country"] == t.country]
        dated = int(row_amounts(chosen, sel).sum())
        rows.append({"id": t.id, "actor": t.actor or "", "country": t.country,
                     "window_start": t.window_start,
                     "date": t.date, "tally": int(t.count), "dated": dated,
                     "gap": int(t.count) - dated})
    columns = ["id", "actor", "country", "window_start", "date", "tally", "dated", "gap"]
    return pd.DataFrame(rows, columns=columns)


def rows_behind(observation_ids: list[str], record: Record | None = None,
                links_path: Path | None = None) -> pd.DataFrame:
    """The record rows behind each observation (``seeds/observation-rows.csv`` joined to the
    record): columns ``observation``, ``event_id``, ``date``, ``kind``, ``subkind``,
    ``country``, ``place``, ``count``; observations not derived from the record have none."""
    import pandas as pd

    from escsim.record import read_record
    from escsim.record.load import default_record_dir

    path = links_path or default_record_dir().parent / "observation-rows.csv"
    columns = ["observation", "event_id", "date", "kind", "subkind", "country", "place", "count"]
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    links = pd.read_csv(path, dtype=str)
    links = links[links["observation"].isin(observation_ids)]
    events = (record or read_record()).events.rename(columns={"id": "event_id"})
    joined = links.merge(events, on="event_id", how="left")
    joined["date"] = joined["date"].dt.strftime("%Y-%m-%d")
    return joined[columns].reset_index(drop=True)
