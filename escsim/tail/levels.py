"""Levels of a splitting estimator on the escalation ladder, and the check that they are nested.

The importance function of a history at time t is the highest rung *at or below the target*
that it has reached by t::

    phi(t) = max{ level of a rung reached by t : level <= K }   (0 if none)

A rung counts as reached from the first moment its condition holds (``Tally.rung_day`` is set
once and never cleared), so ``phi`` never decreases, and the level events
``{phi reaches L_j within the horizon}`` are nested for L_1 < L_2 < ... < L_m = K whatever
the rungs' conditions are: a history that reaches rung K has phi = K >= every L_j, even if it
skipped the rungs in between. That nesting is what makes the product of the conditional level
probabilities unbiased (see docs/explanation/tail-splitting.md).

What nesting needs from a rung is that "reached" is a *first-passage* event of counters that
only grow. Today's condition language (``escsim.scenario.conditions``) only has ``>=``
thresholds on counters that are incremented and never decremented; a windowed term
(``counter[60d] >= 2``) can become false again, but the rung stays reached, so the event is
still monotone. :func:`check_monotone` refuses anything else the language may grow (a ``<`` or
``==`` comparison, ``or``/``not``, a counter that can fall), because a level defined by such a
condition is not a stopping event of the history and the splitting product would be biased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from escsim.errors import InputError
from escsim.records import LADDER_COUNTERS
from escsim.scenario.conditions import ConditionError, parse_condition
from escsim.scenario.schema import Scenario

#: Counters the model only ever increments (``Recorder.count`` ignores non-positive amounts).
#: A counter added to the condition language that can fall must not be listed here.
NONDECREASING_COUNTERS = frozenset(LADDER_COUNTERS)

#: Pieces of condition text that would make a condition non-monotone in the history.
_NON_MONOTONE = re.compile(r"<|!=|==|(?<![<>])=(?!=)|\bor\b|\bnot\b")


@dataclass(frozen=True)
class LevelPlan:
    """The levels of a splitting estimate of P(rung ``target`` reached within the horizon).

    Attributes:
        target: the level K of the rung whose probability is estimated.
        target_name: that rung's name in the scenario's ladder.
        levels: increasing rung levels L_1 < ... < L_m, the last one ``target``; a history
            crosses L_j when the highest rung at or below K it has reached is L_j or above.
    """

    target: int
    target_name: str
    levels: tuple[int, ...]


def check_monotone(name: str, condition: str) -> None:
    """Refuse a rung condition whose truth is not a monotone function of the history.

    Raises:
        InputError: naming the rung, its condition and what a splitting level needs.
    """
    key = f"ladder.{name}.condition"
    expected = ("a conjunction of 'counter >= N' or 'counter[Wd] >= N' terms on counters that "
                "only grow, so that reaching the rung is a first-passage event")
    if _NON_MONOTONE.search(condition):
        raise InputError("this rung is not a monotone function of the history, so it cannot "
                         "be a splitting level", key=key, value=condition, expected=expected)
    try:
        terms = parse_condition(condition)
    except ConditionError as e:
        raise InputError(f"cannot read the rung's condition: {e}", key=key, value=condition,
                         expected=expected) from None
    for term in terms:
        op = getattr(term, "op", ">=")  # the language may one day carry other comparisons
        if op != ">=" or term.counter not in NONDECREASING_COUNTERS:
            raise InputError("this rung is not a monotone function of the history, so it "
                             "cannot be a splitting level", key=key, value=condition,
                             expected=expected)


def plan_levels(scenario: Scenario, rung: int, levels: tuple[int, ...] | None = None
                ) -> LevelPlan:
    """The levels for estimating P(rung ``rung`` reached) in ``scenario``.

    Args:
        scenario: a loaded scenario; its ladder may be user-defined.
        rung: the level K of the target rung.
        levels: intermediate rung levels (below K) to split at; default every rung of the
            ladder below K. K itself is always the last level.

    Raises:
        InputError: the rung is not on the ladder, an intermediate level is not a rung below
            it, or a rung used as a level is not monotone in the history.
    """
    by_level = {r.level: (name, r) for name, r in scenario.ladder.items()}
    ladder_levels = sorted(by_level)
    if rung not in by_level:
        raise InputError("no rung at this level on the scenario's ladder", key="rung",
                         value=rung, expected="one of " + ", ".join(map(str, ladder_levels)))
    below = [lv for lv in ladder_levels if lv < rung]
    if levels is None:
        chosen = below
    else:
        chosen = sorted(set(levels))
        bad = [lv for lv in chosen if lv not in below]
        if bad:
            raise InputError("a splitting level must be a rung below the target", key="levels",
                             value=bad[0], expected="one of " + ", ".join(map(str, below)))
    for lv in (*chosen, rung):
        name, r = by_level[lv]
        check_monotone(name, r.condition)
    return LevelPlan(target=rung, target_name=by_level[rung][0],
                     levels=(*chosen, rung))
