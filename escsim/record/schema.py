"""The record's vocabulary: columns, kinds and the words each column may hold.

``seeds/record/README.md`` explains each column; this module is the one place the code learns it
from. The validator (:mod:`escsim.record.validate`) checks every row against it.
"""

from __future__ import annotations

import datetime as dt

#: The day the project's seed report describes: rows dated after it are "post-seed" and may only
#: score forecasts or feed hindsight scenarios (the 11 Nov 2024 strikes are the last known event).
SEED_DATE = dt.date(2024, 11, 11)
#: File names holding rows after :data:`SEED_DATE` must carry this marker, so that the later
#: record sits apart on disk as well as in code.
POST_SEED_MARK = "post-seed"

#: The record covers these dates; a row outside them is a typo.
FIRST_DATE = dt.date(2019, 10, 1)
LAST_DATE = dt.date(2025, 11, 30)

EVENT_COLUMNS = (
    "id", "date", "kind", "subkind", "country", "place", "actor", "target", "weapon", "count",
    "munitions", "outcome", "us_wounded", "us_killed", "killed_low", "killed_high",
    "targets_struck", "window_start", "note", "announced_end",
)
SOURCE_COLUMNS = ("event_id", "outlet", "report_date", "url", "confidence", "figures",
                  "paraphrase")

#: Subkinds allowed for each kind.
SUBKINDS: dict[str, tuple[str, ...]] = {
    "militia_attack": ("base", "embassy", "convoy", "other"),
    "us_strike": ("facilities", "leadership", "self_defense"),
    "iran_attack": ("on_us", "on_israel", "on_other"),
    "strike_on_iran": ("by_israel", "by_us", "by_other"),
    "announcement": ("pause_start", "pause_end", "truce_start", "truce_end", "ceasefire_start",
                     "ceasefire_end", "truce_extension", "declaration"),
    "tally": ("attacks_on_us_forces", "us_casualties", "other"),
}
KINDS = tuple(SUBKINDS)
COUNTRIES = ("iraq", "syria", "jordan", "iran", "israel", "qatar", "region", "other")
WEAPONS = ("rocket", "drone", "mortar", "ied", "ballistic_missile", "cruise_missile", "aircraft",
           "mixed", "unknown")
OUTCOMES = ("intercepted", "no_damage", "damage", "wounded", "killed", "unknown")
CONFIDENCES = ("official", "wire", "claim")
#: Ranked for "the best source of an event".
CONFIDENCE_RANK = {"official": 0, "wire": 1, "claim": 2}

#: Whole-number columns (empty = not reported).
INTEGER_COLUMNS = ("count", "munitions", "us_wounded", "us_killed", "killed_low", "killed_high",
                   "targets_struck")
#: Columns that must be filled on every row.
REQUIRED_EVENT_COLUMNS = ("id", "date", "kind", "subkind", "country", "count")
#: Announcements that may state when what they start ends (``announced_end``).
ANNOUNCED_END_SUBKINDS = ("pause_start", "truce_start", "ceasefire_start", "truce_extension")
REQUIRED_SOURCE_COLUMNS = ("event_id", "outlet", "url", "confidence", "paraphrase")

#: The attacks on US forces that observations count unless they say otherwise (README,
#: "Definitions"): convoys are counted apart, "other" not at all.
ATTACKS_ON_US_FORCES = ("base", "embassy")

ID_PATTERN = r"^R-\d{8}-[A-Z0-9][A-Z0-9-]*$"
