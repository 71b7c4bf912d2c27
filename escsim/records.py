"""The output vocabulary: what a replication counts, the columns it writes, and their labels.

One home for the names every layer shares, so the model, the tables on disk, the analysis, the
observations and the plots cannot drift apart: the ladder's counters (what a rung may test), the
columns of ``runs.csv``, the daily series, and the words and units a figure or a column reference
uses for each. This module imports nothing of escsim; everything else imports it.
"""

from __future__ import annotations

from typing import NamedTuple

#: Counters a ladder condition may test; the model increments them as events happen.
LADDER_COUNTERS = (
    "attacks",
    "us_strikes",
    "us_wounded",
    "us_killed",
    "major_us_strikes",
    "leadership_strikes",
    "militia_killed",
    "iran_personnel_killed",
    "iran_direct_attacks",
    "us_strikes_on_iran",
    "israeli_strikes_on_iran",
    "restraint_orders",
)

#: Daily series every run keeps (cumulative counts at the end of each day).
DAILY_SERIES = ("attacks", "us_wounded", "us_killed", "us_strikes")

#: Daily series an observation may be checked against: the kept ones plus their derived sum.
DAILY_MEASURES = ("attacks", "us_wounded", "us_killed", "us_casualties", "us_strikes")

#: The run columns every record has, in order (per-weapon and ladder columns follow; see
#: :func:`escsim.engine.run_columns`).
BASE_COLUMNS = (
    "scenario", "param_hash", "point", "replication", "seed", "end_day",
    "attacks", "attacks_in_iraq", "attacks_in_syria", "attacks_in_jordan", "intercepted",
    "us_wounded", "us_killed", "us_casualties", "us_strikes", "us_targets_struck",
    "leadership_strikes", "major_us_strikes", "militia_killed", "iran_personnel_killed",
    "iran_senior_commanders_killed", "iran_direct_attacks", "us_strikes_on_iran",
    "israeli_strikes_on_iran", "restraint_orders", "defections", "days_under_restraint",
    "troops_end", "max_rung",
)

#: Counts most summaries, printed tables and comparisons report.
MAIN_COUNTS = ("attacks", "us_wounded", "us_killed", "us_strikes", "militia_killed",
               "iran_direct_attacks")

#: Prefixes of the columns whose names carry a key (a weapon, a ladder level, a drawn parameter).
WEAPON_PREFIX = "attacks_weapon_"
RUNG_DAY_PREFIX = "day_rung_"
DRAWN_PREFIX = "drawn_"


class Label(NamedTuple):
    """How a figure or a column reference names a count."""

    title: str  #: a panel title
    noun: str  #: a short noun for axis labels
    unit: str  #: the unit (persons, days, count, ...)


#: Labels of the run-table counts; :func:`label` falls back to the column name for others.
LABELS: dict[str, Label] = {
    "attacks": Label("Militia attacks on US forces", "attacks", "count"),
    "attacks_in_iraq": Label("Attacks in Iraq", "attacks", "count"),
    "attacks_in_syria": Label("Attacks in Syria", "attacks", "count"),
    "attacks_in_jordan": Label("Attacks in Jordan", "attacks", "count"),
    "intercepted": Label("Attacks intercepted", "intercepted attacks", "count"),
    "us_wounded": Label("US service members wounded", "US wounded", "persons"),
    "us_killed": Label("US service members killed", "US killed", "persons"),
    "us_casualties": Label("US casualties (wounded + killed)", "US casualties", "persons"),
    "us_strikes": Label("US strike rounds", "strike rounds", "count"),
    "us_targets_struck": Label("Targets struck by the US", "targets struck", "count"),
    "leadership_strikes": Label("US leadership strikes", "leadership strikes", "count"),
    "major_us_strikes": Label("Major US strike packages", "major strikes", "count"),
    "militia_killed": Label("Militia members killed", "militia killed", "persons"),
    "iran_personnel_killed": Label("Iranian personnel killed", "Iranians killed", "persons"),
    "iran_direct_attacks": Label("Iranian direct attacks on US forces", "direct attacks",
                                 "count"),
    "iran_senior_commanders_killed": Label("Senior Iranian commanders killed",
                                           "senior commanders killed", "persons"),
    "us_strikes_on_iran": Label("US strikes on Iranian territory", "strikes on Iran", "count"),
    "israeli_strikes_on_iran": Label("Israeli strikes on Iran", "Israeli strikes", "count"),
    "defections": Label("Defections from a pause (attacks ordered against it)", "defections",
                        "count"),
    "restraint_orders": Label("Restraint orders to the militias", "restraint orders", "count"),
    "days_under_restraint": Label("Days under Iranian restraint", "restraint", "days"),
    "troops_end": Label("US troops at the end", "troops", "persons"),
}


def label(count: str) -> Label:
    """The label of a run-table count (the column name, spelled out, when none is listed)."""
    found = LABELS.get(count)
    if found is not None:
        return found
    return Label(count.replace("_", " ").capitalize(), count.replace("_", " "), "count")
