"""The small language of escalation-ladder conditions.

A condition is one or more terms joined by ``and``; a term is ``counter >= N`` or, to count only
recent events, ``counter[Wd] >= N`` (events within the last W days). Examples::

    us_killed >= 1
    iran_direct_attacks[60d] >= 2 and us_strikes_on_iran[60d] >= 1

The parser reads the text once, left to right, with one token pattern that never backtracks
across tokens, so its time is linear in the length; the length, the number of terms and the size
of every number are bounded (:data:`MAX_CONDITION_CHARS`, :data:`MAX_TERMS`,
:data:`MAX_THRESHOLD`, :data:`MAX_WINDOW_DAYS`), so no condition can make the loader slow or
reach Python's limit on converting long digit strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from escsim.records import LADDER_COUNTERS

#: Longest condition text accepted (characters).
MAX_CONDITION_CHARS = 1000
#: Most terms joined by ``and``.
MAX_TERMS = 16
#: Largest threshold: far above any count a replication can reach, and an int64.
MAX_THRESHOLD = 10**12
#: Longest window (days): ten years, the longest horizon.
MAX_WINDOW_DAYS = 3650.0
_MAX_DIGITS = 13

# One token: a name, a number, or one of the symbols; whitespace between tokens is skipped by
# the same match. Each alternative starts with a distinct character class, so a match never
# backtracks into the previous token.
_TOKEN = re.compile(r"\s*(?:(?P<name>[a-z_]+)|(?P<number>\d+(?:\.\d+)?)"
                    r"|(?P<sym>>=|\[|\])|(?P<other>\S))")


@dataclass(frozen=True)
class Term:
    counter: str
    threshold: int
    window_days: float | None = None


class ConditionError(ValueError):
    """A condition that does not parse; the message says what was expected."""


_EXPECTED = "expected 'counter >= N' or 'counter[Wd] >= N', terms joined by 'and'"


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos, end = 0, len(text)
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            rest = text[pos:].strip()
            if not rest:
                break
            raise ConditionError(f"cannot read {rest[:40]!r}; {_EXPECTED}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "number" and len(value) > _MAX_DIGITS:
            raise ConditionError(f"number too long ({len(value)} digits); thresholds go up to "
                                 f"{MAX_THRESHOLD:,}")
        out.append((kind, value, m.start(kind)))
        pos = m.end()
    return out


def parse_condition(text: str) -> tuple[Term, ...]:
    """Parse a ladder condition into its terms (all must hold).

    Raises:
        ConditionError: the text does not parse, names an unknown counter, or exceeds a bound.
    """
    if len(text) > MAX_CONDITION_CHARS:
        raise ConditionError(f"condition too long ({len(text):,} characters); at most "
                             f"{MAX_CONDITION_CHARS:,}")
    located = _tokens(text)
    toks = [(kind, value) for kind, value, _ in located]
    terms: list[Term] = []
    i = 0

    def term_text(first: int) -> str:
        """The text of the term that starts at token ``first`` (up to the next 'and')."""
        start = located[first][2] if first < len(located) else len(text)
        end = next((pos for kind, value, pos in located[first:] if (kind, value) ==
                    ("name", "and")), len(text))
        return text[start:end].strip()

    def unreadable(first: int, reason: str) -> ConditionError:
        return ConditionError(f"cannot read term {term_text(first)!r}: {reason}")

    while True:
        first = i
        # counter
        if i >= len(toks) or toks[i][0] != "name":
            got = toks[i][1] if i < len(toks) else "end of text"
            raise unreadable(first, f"expected a counter, got {got!r}; {_EXPECTED}")
        counter = toks[i][1]
        if counter not in LADDER_COUNTERS:
            raise ConditionError(f"unknown counter {counter!r}; expected one of "
                                 + ", ".join(LADDER_COUNTERS))
        i += 1
        window: float | None = None
        if i < len(toks) and toks[i] == ("sym", "["):
            # [ W d ]: the number and the 'd' may come as one name-less pair ("60d" reads as
            # number 60 then name d)
            if not (i + 3 < len(toks) and toks[i + 1][0] == "number"
                    and toks[i + 2] == ("name", "d") and toks[i + 3] == ("sym", "]")):
                raise unreadable(first, f"cannot read the window of {counter!r}; expected "
                                     "'[Wd]' with W a number of days")
            window = float(toks[i + 1][1])
            if not 0 < window <= MAX_WINDOW_DAYS:
                raise ConditionError(f"window of {window:g} days out of range; expected "
                                     f"0 < W <= {MAX_WINDOW_DAYS:g}")
            i += 4
        if i >= len(toks) or toks[i] != ("sym", ">="):
            raise unreadable(first, f"expected '>=' after {counter!r}; "
                                   f"{_EXPECTED}")
        i += 1
        if i >= len(toks) or toks[i][0] != "number" or "." in toks[i][1]:
            raise unreadable(first, "expected a whole-number threshold after "
                                   f"'>='; {_EXPECTED}")
        threshold = int(toks[i][1])
        if threshold > MAX_THRESHOLD:
            raise ConditionError(f"threshold {threshold:,} too large; at most "
                                 f"{MAX_THRESHOLD:,}")
        i += 1
        terms.append(Term(counter, threshold, window))
        if len(terms) > MAX_TERMS:
            raise ConditionError(f"too many terms; at most {MAX_TERMS}")
        if i == len(toks):
            return tuple(terms)
        if toks[i] != ("name", "and"):
            raise ConditionError(f"expected 'and' between terms, got {toks[i][1]!r}")
        i += 1
