"""The situation on any date, from the record (``escsim situation DATE``). It lives beside the
forecasters, not in the scenario layer, which never reads the record; it writes a scenario tree
that the scenario loader reads like any file.

:func:`situation` writes the scenario as it stood on a day, from the record's rows dated on or
before it (``read_record(as_of=day)``: a later row cannot change the output) and the bundled
facts; everything else is the shared defaults (``extends = "defaults"``), frozen:

* **the regime**: the Gaza war from its start (Oct 2023, PR-A1), a truce or ceasefire in Gaza
  while the last such announcement in the record says one holds (``truce_start``/``truce_end``,
  ``ceasefire_start``/``ceasefire_end`` with ``Gaza`` as the place); before the war the 2019-20
  confrontation until the Iraqi factions' truce of Oct 2020, then the quieter after-2020 regime;
* **Iran's posture and any pause**: ``restraining`` once the record holds a ``pause_start``
  announcement since the war began; under the ``erodes`` pause end a group whose country has a
  later ``pause_end`` announcement has returned (``initial_state.returned_from_pause``);
* **troops**: the garrison facts of the period (2019-20 or 2024);
* **recent US rounds**: every US strike round of the 30 days up to the day (the day included)
  is a dated ``us_strike`` event, so its excitation, lost capability and pressure carry over;
* **events ahead**: only what was announced by the day: the end announced with the truce or
  ceasefire in force (the record's ``announced_end``; a later extension is a later row, read by
  a later day's situation) is a dated ``regime`` event back to the war. Nothing that was not
  announced is put in the future: no hazard of a ceasefire, no strike on Iran, no shock (the
  hand-written ``baseline-2024-11`` adds those as stated assumptions;
  ``tests/test_situation.py`` prints the difference).

Every value cites the record rows it comes from (``assumption = "record: R-..."``: the record's
ids are not facts of ``seeds/``, so the citation is spelled out in the reason) or a fact.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from escsim.errors import InputError

if TYPE_CHECKING:
    from escsim.record import Record

__all__ = ["RECENT_ROUND_DAYS", "situation", "situation_toml"]

#: US rounds this many days before the day (and on it) are the initial state.
RECENT_ROUND_DAYS = 30
#: The Gaza war (and the campaign against US forces it set off) began in Oct 2023.
GAZA_WAR_START = dt.date(2023, 10, 7)
#: Which militia group a US round in a country answers.
GROUP_OF_COUNTRY = {"iraq": "iraq_factions", "syria": "syria_groups", "jordan": "iraq_factions"}


def _leaf(value: Any, *, fact: str | None = None, assumption: str | None = None,
          note: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value}
    if fact:
        out["fact"] = fact
    else:
        out["assumption"] = assumption or "stated by the situation builder"
    if note:
        out["note"] = note
    return out


def _day(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError("not a date", key="DATE", value=value, expected="YYYY-MM-DD") from None


def _announcements(events: pd.DataFrame, subkinds: tuple[str, ...]) -> pd.DataFrame:
    rows = events[(events["kind"] == "announcement") & events["subkind"].isin(subkinds)]
    return rows.sort_values(["date", "id"], kind="stable")


def _regime(events: pd.DataFrame, day: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The regime on ``day`` and the end announced for it, if one lies ahead (a dated
    ``regime`` event)."""
    if day >= GAZA_WAR_START:
        gaza = _announcements(events, ("truce_start", "truce_end", "ceasefire_start",
                                       "ceasefire_end", "truce_extension"))
        gaza = gaza[gaza["place"].fillna("").str.contains("Gaza")]
        gaza = gaza[gaza["date"] >= pd.Timestamp(GAZA_WAR_START)]
        if len(gaza):
            return _gaza_regime(gaza.iloc[-1], day)
        return _leaf("gaza_war", fact="PR-A1", note="the Gaza war since Oct 2023; no truce or "
                     "ceasefire announced in the record by this day"), {}
    truce = _announcements(events, ("truce_start",))
    truce = truce[truce["country"] == "iraq"]
    if len(truce):
        last = truce.iloc[-1]
        return _leaf("after_2020", assumption=f"record: {last['id']} (the Iraqi factions' truce "
                     f"of {last['date'].date()}) ends the 2019-20 confrontation"), {}
    return _leaf("max_pressure_2019", fact="E20-ATTACKS-BEFORE-K1",
                 note="no truce of the Iraqi factions in the record by this day"), {}


def _gaza_regime(last: Any, day: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The regime the last Gaza announcement set, and its announced end as a known event
    ahead: the war resumes on that day unless a later announcement (which the situation of a
    later day reads) extends the truce."""
    regime = {"truce_start": "truce", "truce_extension": "truce",
              "ceasefire_start": "ceasefire"}.get(last["subkind"], "gaza_war")
    cite = f"record: {last['id']} ({last['subkind']}, {last['date'].date()})"
    end = last.get("announced_end")
    if regime == "gaza_war" or pd.isna(end):
        return _leaf(regime, assumption=f"{cite} is the last Gaza announcement by this day"), {}
    end = end.date()
    if end <= day:
        return _leaf("gaza_war", assumption=f"{cite} announced the {regime} to end on {end}, "
                     "and no later announcement by this day extended it"), {}
    ahead = {f"{regime}_ends_{end:%Y%m%d}": {
        "kind": "regime",
        "date": _leaf(end, assumption=f"{cite}: the {regime}'s announced end",
                      note="known ahead because it was announced; it may yet be extended (a "
                           "later announcement, which a later day's situation reads)"),
        "regime": "gaza_war"}}
    return _leaf(regime, assumption=f"{cite} is the last Gaza announcement by this day"), ahead


def _posture(events: pd.DataFrame, day: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    """Iran's posture and the groups back from the pause."""
    pauses = _announcements(events, ("pause_start",))
    pauses = pauses[pauses["date"] >= pd.Timestamp(GAZA_WAR_START)]
    if not len(pauses):
        return (_leaf("permissive", assumption="record: no pause_start announcement since the "
                      "Gaza war began by this day"), {})
    start = pauses.iloc[-1]
    posture = _leaf("restraining", assumption=f"record: {start['id']} (pause_start, "
                    f"{start['date'].date()}); the pause is in force until Iran lifts it")
    ends = _announcements(events, ("pause_end",))
    ends = ends[ends["date"] > start["date"]]
    groups = sorted({GROUP_OF_COUNTRY[c] for c in ends["country"] if c in GROUP_OF_COUNTRY})
    if not groups:
        return posture, {}
    ids = ", ".join(ends["id"])
    return posture, {"returned_from_pause": _leaf(
        groups, assumption=f"record: {ids} (pause_end): these groups declared the pause over "
        "and are back at the frayed tempo ('erodes' pause end)")}


def _troops(day: dt.date) -> dict[str, Any]:
    if day < dt.date(2021, 1, 1):
        return {"syria": {"troops": _leaf(600, fact="E20-TROOPS-SYRIA")},
                "iraq": {"troops": _leaf(5200, fact="E20-TROOPS-IRAQ")}}
    return {"syria": {"troops": _leaf(900, fact="S-TROOPS-SYRIA")},
            "iraq": {"troops": _leaf(2500, fact="S-TROOPS-IRAQ")}}


def _recent_rounds(events: pd.DataFrame, day: dt.date) -> dict[str, Any]:
    first = pd.Timestamp(day - dt.timedelta(days=RECENT_ROUND_DAYS))
    events = events[events["date"] <= pd.Timestamp(day)]
    rows = events[(events["kind"] == "us_strike") & (events["date"] >= first)]
    out: dict[str, Any] = {}
    for r in rows.sort_values(["date", "id"], kind="stable").itertuples():
        country = r.country if r.country in GROUP_OF_COUNTRY else None
        if country is None:
            continue
        cite = f"record: {r.id}"
        targets = r.targets_struck if pd.notna(r.targets_struck) and r.targets_struck else 1
        killed = r.killed_low if pd.notna(r.killed_low) else 0
        key = "round_" + r.id.removeprefix("R-").lower().replace("-", "_")
        out[key] = {
            "kind": "us_strike",
            "date": _leaf(r.date.date(), assumption=cite),
            "target_kind": _leaf("leadership" if r.subkind == "leadership" else "militia_site",
                                 assumption=f"{cite} ({r.subkind})"),
            "targets": _leaf(int(targets), assumption=cite + (
                "" if pd.notna(r.targets_struck) else ": targets not reported, one assumed")),
            "country": country if country != "jordan" else "iraq",
            "groups": [GROUP_OF_COUNTRY[country]],
            "militia_killed": _leaf(int(killed), assumption=cite + " (the low figure)"),
        }
    return out


def situation(day: dt.date | str, horizon_days: int = 90,
              record_folder: str | Path | None = None,
              known_through: dt.date | str | None = None,
              record: Record | None = None) -> dict[str, Any]:
    """The scenario as it stood on ``day``, as a TOML-ready tree (see the module).

    Args:
        day: the day (``YYYY-MM-DD``), the scenario's day 0.
        horizon_days: the scenario's length.
        record_folder: the record (the bundled ``seeds/record`` when ``None``).
        known_through: the last day whose rows are read (``day`` when ``None``; a forecast
            from an origin knows the record through its eve, or through the seed's date).
        record: a record already read (instead of ``record_folder``); only its rows dated on
            or before ``known_through`` are used.

    Returns:
        The tree :func:`situation_toml` writes; it loads with :func:`escsim.load_scenario`.

    Raises:
        InputError: a day outside the record.
    """
    from escsim.record import read_record
    from escsim.record.schema import FIRST_DATE, LAST_DATE

    d = _day(day)
    if not FIRST_DATE <= d <= LAST_DATE:
        raise InputError("a day outside the record", key="DATE", value=str(d),
                         expected=f"{FIRST_DATE} to {LAST_DATE}")
    if int(horizon_days) < 1:
        raise InputError("the horizon must be at least a day", key="--horizon",
                         value=horizon_days, expected="a whole number of days, 1 or more")
    known = d if known_through is None else min(_day(known_through), d)
    events = (read_record(record_folder, as_of=known) if record is None
              else record.as_of(known)).events
    posture, state = _posture(events, d)
    regime, ahead = _regime(events, d)
    tree: dict[str, Any] = {
        "extends": "defaults",
        "scenario": {
            "name": f"situation-{d.isoformat()}",
            "description": f"The situation of {d.isoformat()} from the record's rows dated on "
                           "or before it (escsim situation); behaviour at the shared defaults; "
                           "no events ahead beyond what was announced.",
            "start_date": _leaf(d, assumption="the day asked for (escsim situation DATE)"),
            "horizon_days": _leaf(int(horizon_days), assumption="the forecast window asked for"),
            "initial_regime": regime,
        },
        "iran": {"initial_posture": posture},
        "sites": _troops(d),
    }
    if state:
        tree["initial_state"] = state
    rounds = _recent_rounds(events, d)
    if rounds or ahead:
        tree["events"] = {**rounds, **ahead}
    return tree


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def situation_toml(tree: dict[str, Any]) -> str:
    """The tree of :func:`situation` as a scenario file (values wrapped with their citation)."""
    lines = ["# Written by `escsim situation`: the situation from the record as of the start",
             "# date (rows dated on or before it only); behaviour at the shared defaults.",
             f"extends = {_toml_value(tree['extends'])}", ""]

    def table(path: str, body: dict[str, Any]) -> None:
        leaves = {k: v for k, v in body.items()
                  if not isinstance(v, dict) or "value" in v}
        subs = {k: v for k, v in body.items() if k not in leaves}
        if leaves:
            lines.append(f"[{path}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in leaves.items())
            lines.append("")
        for k, v in subs.items():
            table(f"{path}.{k}", v)

    for name in ("scenario", "iran", "sites", "initial_state", "events"):
        if name in tree:
            table(name, tree[name])
    return "\n".join(lines)
