"""The small language of escalation-ladder conditions.

A condition is one or more terms joined by ``and``; a term is ``counter >= N`` or, to count only
recent events, ``counter[Wd] >= N`` (events within the last W days). Examples::

    us_killed >= 1
    iran_direct_attacks[60d] >= 2 and us_strikes_on_iran[60d] >= 1
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

_TERM = re.compile(r"^\s*([a-z_]+)\s*(?:\[\s*(\d+(?:\.\d+)?)\s*d\s*\])?\s*>=\s*(\d+)\s*$")


@dataclass(frozen=True)
class Term:
    counter: str
    threshold: int
    window_days: float | None = None


class ConditionError(ValueError):
    """A condition that does not parse; the message says what was expected."""


def parse_condition(text: str) -> tuple[Term, ...]:
    """Parse a ladder condition into its terms (all must hold)."""
    terms = []
    for part in re.split(r"\band\b", text):
        m = _TERM.match(part)
        if not m:
            raise ConditionError(f"cannot read term {part.strip()!r}; expected "
                                 "'counter >= N' or 'counter[Wd] >= N'")
        counter, window, threshold = m.group(1), m.group(2), int(m.group(3))
        if counter not in LADDER_COUNTERS:
            raise ConditionError(f"unknown counter {counter!r}; expected one of "
                                 + ", ".join(LADDER_COUNTERS))
        terms.append(Term(counter, threshold, float(window) if window else None))
    return tuple(terms)
