"""Levels of a splitting estimator, and the check that they are nested.

A level is a *monotone condition* on the history: a rung of the ladder at or below the target
(its condition), or a condition in the ladder's language that is not a rung (``--level``; by
default the sub-terms of the target rung's condition with smaller thresholds, see
:func:`condition_levels`). The candidate levels are put in one order -- every rung below the
target, then the condition levels, then the target -- and the importance function of a history
at time t is the position of the last candidate whose condition has held at some moment by t::

    phi(t) = max{ position of a candidate level whose condition has held by t }   (0 if none)

A condition counts as held from the first moment it holds (``Tally.rung_day`` is set once and
never cleared, and the splitting's watch keeps the same first-passage rule for the condition
levels), so ``phi`` never decreases, and the level events ``{phi reaches the position of L_j
within the horizon}`` are nested for L_1 < ... < L_m = K *by construction*, whatever the
conditions are and whether or not the target implies them: a history that reaches the target
has phi at its top and so has crossed every L_j, even if it skipped the conditions in between.
That nesting is what makes the product of the conditional level probabilities unbiased (see
docs/explanation/tail-splitting.md); whether the levels make it *efficient* depends on how well
they predict the target, which is why the default condition levels are ones the target implies.

What nesting needs from each condition is that "held" is a *first-passage* event of counters
that only grow. Today's condition language (``escsim.scenario.conditions``) only has ``>=``
thresholds on counters that are incremented and never decremented; a windowed term
(``counter[60d] >= 2``) can become false again, but the level stays crossed, so the event is
still monotone. :func:`check_monotone` refuses anything else the language may grow (a ``<`` or
``==`` comparison, ``or``/``not``, a counter that can fall), because a level defined by such a
condition is not a stopping event of the history and the splitting product would be biased.

A condition level may carry a deadline, ``COND before day T`` (:func:`split_deadline`): it is
crossed at the first moment COND holds if that moment is before day T, and never otherwise.
Whether it has been crossed by time t depends only on the history up to t, so its crossing is a
stopping time like any other level's, and it enters phi the same way (phi jumps to its position
then, and never falls). Nesting and the crossing order follow from phi alone: {phi reaches the
position of L_{j+1}} is inside {phi reaches the position of L_j}, and the first time phi
reaches the higher position is at or after the first time it reaches the lower one. A history
past a level's deadline can still cross that level by reaching a higher one (the target never
has a deadline), so it must not be stopped there: stopping it would drop histories that still
reach the target and bias the product low.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from escsim.errors import InputError
from escsim.records import LADDER_COUNTERS
from escsim.scenario.conditions import ConditionError, Term, parse_condition
from escsim.scenario.schema import Scenario

#: Counters the model only ever increments (``Recorder.count`` ignores non-positive amounts).
#: A counter added to the condition language that can fall must not be listed here.
NONDECREASING_COUNTERS = frozenset(LADDER_COUNTERS)

#: Pieces of condition text that would make a condition non-monotone in the history.
_NON_MONOTONE = re.compile(r"<|!=|==|(?<![<>])=(?!=)|\bor\b|\bnot\b")


#: A level: a rung's level (int) or a condition's text (str).
Level = int | str

#: The deadline suffix of a condition level: ``COND before day T``.
_DEADLINE = re.compile(r"^(?P<cond>.*?)\s+before\s+day\s+(?P<day>\S+)\s*$")


def split_deadline(text: str) -> tuple[str, float | None]:
    """A condition level's condition and its deadline: ``'us_strikes_on_iran >= 2 before day
    250'`` is ``('us_strikes_on_iran >= 2', 250.0)``; without ``before day`` the deadline is
    ``None`` (the horizon). A level with a deadline is crossed at the first moment its
    condition holds, if that moment is before the deadline, and never otherwise: still a
    first-passage event of the history (a stopping time), so it nests like any other level."""
    m = _DEADLINE.match(text)
    if m is None:
        return text, None
    try:
        day = float(m.group("day"))
    except ValueError:
        day = math.nan
    if not (0.0 < day <= MAX_DEADLINE_DAYS):
        raise InputError("a level's deadline must be a day after the start", key="--level",
                         value=text, expected=f"'COND before day T', T a number of days "
                                              f"above 0 and at most {MAX_DEADLINE_DAYS:g}")
    return m.group("cond").strip(), day


#: The latest deadline a level may carry: the longest horizon.
MAX_DEADLINE_DAYS = 3650.0


@dataclass(frozen=True)
class LevelPlan:
    """The levels of a splitting estimate of P(rung ``target`` reached within the horizon).

    Attributes:
        target: the level K of the rung whose probability is estimated.
        target_name: that rung's name in the scenario's ladder.
        levels: the levels split at, in order, the last one ``target``: rung levels (ints)
            and conditions (their text); a history crosses ``levels[j]`` when phi reaches its
            position in ``order``.
        order: every candidate level in order -- each rung below the target, then the
            condition levels, then the target: the positions phi counts (a rung or condition
            not split at still moves phi, so the level events stay nested).
    """

    target: int
    target_name: str
    levels: tuple[Level, ...]
    order: tuple[Level, ...] = ()

    def position(self, level: Level) -> int:
        """The position (from 1) of ``level`` in :attr:`order`."""
        return self.order.index(level) + 1

    @property
    def conditions(self) -> tuple[str, ...]:
        """The condition levels of :attr:`order` (not rungs), in order."""
        return tuple(lv for lv in self.order if isinstance(lv, str))

    def kept(self, levels: tuple[Level, ...]) -> LevelPlan:
        """The same order, split only at ``levels`` (a subset, the target last)."""
        return LevelPlan(self.target, self.target_name, levels, self.order)


def _monotone_terms(condition: str, key: str) -> tuple[Term, ...]:
    """The parsed terms of ``condition``, or an :class:`InputError` at ``key`` if it is not a
    monotone function of the history."""
    expected = ("a conjunction of 'counter >= N' or 'counter[Wd] >= N' terms on counters that "
                "only grow, so that reaching it is a first-passage event")
    if _NON_MONOTONE.search(condition):
        raise InputError("this condition is not a monotone function of the history, so it "
                         "cannot be a splitting level", key=key, value=condition,
                         expected=expected)
    try:
        terms = parse_condition(condition)
    except ConditionError as e:
        raise InputError(f"cannot read the condition: {e}", key=key, value=condition,
                         expected=expected) from None
    for term in terms:
        op = getattr(term, "op", ">=")  # the language may one day carry other comparisons
        if op != ">=" or term.counter not in NONDECREASING_COUNTERS:
            raise InputError("this condition is not a monotone function of the history, so "
                             "it cannot be a splitting level", key=key, value=condition,
                             expected=expected)
    return terms


def check_monotone(name: str, condition: str) -> None:
    """Refuse a rung condition whose truth is not a monotone function of the history.

    Raises:
        InputError: naming the rung, its condition and what a splitting level needs.
    """
    _monotone_terms(condition, f"ladder.{name}.condition")


def _first_passage(terms: tuple[Term, ...]) -> frozenset[tuple[str, int, float | None]]:
    """What a condition's first passage depends on: a windowed term with threshold 1 first
    holds when its counter first rises, as the unwindowed term does, so they are one level."""
    return frozenset((t.counter, t.threshold, None if t.threshold <= 1 else t.window_days)
                     for t in terms)


def _text(counter: str, threshold: int, window_days: float | None) -> str:
    window = "" if window_days is None else f"[{window_days:g}d]"
    return f"{counter}{window} >= {threshold}"


def condition_levels(condition: str) -> tuple[str, ...]:
    """The default condition levels below a target rung's ``condition``: for each counter of
    its terms, the unwindowed count at every threshold up to the *largest* threshold of the
    condition, then each windowed term itself. A count below a term's own threshold, and the
    windowed term, are implied by the target (a count in a window is at most the whole count);
    a count above it is not, but the target's terms are the two sides of an exchange (an
    Iranian salvo, a US strike on Iran), and a history that gets to the target's second salvo
    has mostly been through a second strike too (measured in docs/explanation/tail-
    splitting.md). Nesting does not need a level to be implied (see the module's note), only
    efficiency does, and the pilot drops a level that does not help (:func:`~escsim.tail.
    splitting.pilot_plan`). Ordered by threshold, then the terms that need fewer events in all
    first (at equal counts the likelier to be met first), unwindowed before windowed; e.g.
    ``iran_direct_attacks[60d] >= 2 and us_strikes_on_iran[60d] >= 1`` gives
    ``us_strikes_on_iran >= 1``, ``iran_direct_attacks >= 1``, ``us_strikes_on_iran >= 2``,
    ``iran_direct_attacks >= 2``, ``iran_direct_attacks[60d] >= 2``."""
    terms = parse_condition(condition)
    top = max((t.threshold for t in terms), default=0)
    out: list[tuple[int, int, int, int, str]] = []
    for i, term in enumerate(terms):
        for t in range(1, top + 1):
            out.append((t, term.threshold, 0, i, _text(term.counter, t, None)))
        if term.window_days is not None and term.threshold > 1:
            out.append((term.threshold, term.threshold, 1, i,
                        _text(term.counter, term.threshold, term.window_days)))
    texts = tuple(dict.fromkeys(text for *_, text in sorted(out)))
    return texts


def plan_levels(scenario: Scenario, rung: int, levels: Sequence[Level] | None = None
                ) -> LevelPlan:
    """The levels for estimating P(rung ``rung`` reached) in ``scenario``.

    Args:
        scenario: a loaded scenario; its ladder may be user-defined.
        rung: the level K of the target rung.
        levels: the levels below K to split at: rung levels (ints, or their digits as text)
            and conditions in the ladder's language (``--level``). Default: every rung of the
            ladder below K and the :func:`condition_levels` of K's condition. K itself is
            always the last level. A condition that first holds exactly when a rung below K or
            an earlier condition does is the same level, and is left out.

    Raises:
        InputError: the rung is not on the ladder, a level is neither a rung below it nor a
            readable condition, or a rung or condition used as a level is not monotone in the
            history.
    """
    by_level = {r.level: (name, r) for name, r in scenario.ladder.items()}
    ladder_levels = sorted(by_level)
    if rung not in by_level:
        raise InputError("no rung at this level on the scenario's ladder", key="rung",
                         value=rung, expected="one of " + ", ".join(map(str, ladder_levels)))
    below = [lv for lv in ladder_levels if lv < rung]
    check_monotone(by_level[rung][0], by_level[rung][1].condition)
    wanted = ([*below, *condition_levels(by_level[rung][1].condition)] if levels is None
              else [_as_level(lv, below) for lv in levels])
    # every rung split at, and the target, must be monotone; the passages of the rungs
    # below, so a condition that first holds with one of them is that rung's level
    passages: dict[frozenset[tuple[str, int, float | None]], int] = {}
    for lv in (*below, rung):
        name, r = by_level[lv]
        if lv == rung or lv in wanted:
            passages[_first_passage(_monotone_terms(r.condition,
                                                    f"ladder.{name}.condition"))] = lv
        else:
            try:
                passages.setdefault(_first_passage(parse_condition(r.condition)), lv)
            except ConditionError:
                pass  # not split at: only moves phi when the tally reaches it
    tail: list[Level] = []  # the conditions, each as the rung it equals if there is one
    for asked in wanted:
        if isinstance(asked, str):
            condition, deadline = split_deadline(asked)
            passage = _first_passage(_monotone_terms(condition, "--level"))
            level = passages.get(passage, asked) if deadline is None else asked
            if level != rung and level not in tail:
                tail.append(level)
    order: tuple[Level, ...] = (*[lv for lv in below if lv not in tail], *tail, rung)
    split = tuple(lv for lv in order[:-1] if lv in wanted or lv in tail)
    return LevelPlan(target=rung, target_name=by_level[rung][0], levels=(*split, rung),
                     order=order)


def _as_level(level: Level, below: list[int]) -> Level:
    """A requested level: a rung below the target (an int, or its digits) or a condition."""
    text = str(level).strip()
    if isinstance(level, int) or text.isdigit():
        if int(text) not in below:
            raise InputError("a splitting level must be a rung below the target or a "
                             "condition", key="levels", value=int(text),
                             expected="one of " + ", ".join(map(str, below))
                             + ", or a condition such as 'us_killed >= 2'")
        return int(text)
    condition, deadline = split_deadline(" ".join(text.split()))
    return condition if deadline is None else f"{condition} before day {deadline:g}"
