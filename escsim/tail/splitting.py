"""Fixed-effort multilevel splitting for P(rung K reached within the horizon).

One *repetition* of the estimator (Glasserman, Heidelberger, Shahabuddin & Zajic 1999; Cérou,
Del Moral, Le Gland & Lezaud 2006; the fixed-effort variant as in Garvels 2000 and L'Ecuyer,
Le Gland, Lezaud & Tuffin 2009) runs:

* stage 0: ``effort`` independent histories from the start, each stopped when it crosses the
  first level L_1 (or when its run ends); p_1 = crossed / effort, and the crossing states are
  kept (as :class:`~escsim.tail.history.Recipe` s);
* stage j: ``effort`` clones of the level-j crossing states, every state cloned
  ``effort // R_j`` times and the remainder given to states drawn without replacement, each
  clone continued with its own stream until it crosses L_{j+1} or its run ends;
  p_{j+1} = crossed / effort;
* the repetition's estimate is the product p_1 x ... x p_m (0 once a stage has no crossing).

Every state is cloned equally often in expectation given the states, so, as for multinomial
resampling, the product is an unbiased estimate of P(rung K) (the Feynman-Kac argument of Cérou
et al. 2006 needs only E[clones of a state | states] = effort / R_j; the steps are in
docs/explanation/tail-splitting.md). Its variance has
no simple unbiased estimate from one repetition (the stages are dependent through the shared
ancestors), so the interval comes from ``repetitions`` independent repetitions: their mean and a
Student-t interval on it. With 10 or more repetitions of a product estimator whose relative
variance is moderate, the t interval's coverage is close to nominal; the validation in
``tests/test_tail.py`` and ``benchmarks/bench_tail.py`` checks that against plain Monte Carlo.

Effort: the same number of histories at every level. For a fixed budget the relative variance
of the product is about sum_j (1 - p_j) / (N_j p_j) (L'Ecuyer et al. 2009; the limit for large
N when clones of a state are no more alike than independent histories), minimised with levels
of equal conditional
probability and equal effort; rungs are not placed to make the p_j equal, but the cheap levels
(rungs reached early and almost surely) cost little because a history stops at its next level,
and equal effort avoids a pilot run that would itself need a budget and a seed. Repetitions are
the unit of parallel work: each is mapped by the executors as one picklable task, so the result
depends only on the root seed, never on the executor or its number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from escsim.errors import InputError
from escsim.executors import Executor
from escsim.scenario.schema import Scenario
from escsim.tail.history import Recipe, continue_history
from escsim.tail.levels import Level, LevelPlan, plan_levels

#: The method name reported in summaries.
METHOD = "fixed-effort multilevel splitting"
#: The spawn-key tag of the generator that allocates a stage's remainder clones.
_ALLOCATION_TAG = 1


def _seed(root_seed: int, *key: int) -> int:
    """A non-negative int64 seed from ``SeedSequence(root_seed, spawn_key=key)``."""
    ss = np.random.SeedSequence(root_seed, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class RepetitionTask:
    """One independent repetition of the splitting estimator (a picklable unit of work)."""

    scenario: Scenario
    plan: LevelPlan
    root_seed: int
    repetition: int
    effort: tuple[int, ...]
    point: int = 0


@dataclass(frozen=True)
class RepetitionResult:
    """The outcome of one repetition.

    Attributes:
        repetition: its index.
        estimate: the product of its conditional level probabilities.
        crossed: per level, how many of the stage's histories crossed it (stages after one
            with no crossing are not run and have no entry).
        cost_days: per stage run, simulated days of every history, replays included.
        ancestors: per level, the distinct stage-0 histories its crossing states descend
            from (few ancestors: clones that are alike, see docs/explanation/tail-splitting.md).
    """

    repetition: int
    estimate: float
    crossed: tuple[int, ...]
    cost_days: tuple[float, ...]
    #: per level, how many distinct stage-0 histories the crossing states descend from
    ancestors: tuple[int, ...] = ()


def base_seed(root_seed: int, point: int, repetition: int, history: int) -> int:
    """The seed of history ``history`` of stage 0 of repetition ``repetition``; the spawn key
    (point, repetition, history) has three entries, so these seeds never coincide with the
    plain replications' (point, replication)."""
    return _seed(root_seed, point, repetition, history)


def _allocate(states: int, effort: int, rng: np.random.Generator) -> np.ndarray:
    """Clones per state: ``effort // states`` each, plus one for ``effort % states`` states
    drawn without replacement (every state gets ``effort / states`` in expectation)."""
    counts = np.full(states, effort // states, dtype=np.int64)
    extra = effort % states
    if extra:
        counts[rng.choice(states, size=extra, replace=False)] += 1
    return counts


def run_repetition(task: RepetitionTask) -> RepetitionResult:
    """Run one repetition; pure and picklable, so any executor can map it."""
    scenario, plan, effort = task.scenario, task.plan, task.effort
    costs: list[float] = []
    crossed_counts: list[int] = []
    entrances: list[Recipe] = []
    cost = 0.0
    for h in range(effort[0]):
        recipe = Recipe(base_seed(task.root_seed, task.point, task.repetition, h))
        outcome, _ = continue_history(scenario, plan, recipe, 0)
        cost += outcome.day
        if outcome.crossed:
            entrances.append(recipe)
    costs.append(cost)
    crossed_counts.append(len(entrances))
    ancestors = [len(entrances)]
    estimate = len(entrances) / effort[0]
    for j in range(1, len(plan.levels)):
        if not entrances:
            estimate = 0.0
            break
        rng = np.random.default_rng(np.random.SeedSequence(
            task.root_seed, spawn_key=(task.point, task.repetition, _ALLOCATION_TAG, j)))
        counts = _allocate(len(entrances), effort[j], rng)
        nxt: list[Recipe] = []
        key = 0  # clone index within the stage: with the base seed and level, names the stream
        cost = 0.0
        for parent, n in zip(entrances, counts, strict=True):
            for _ in range(int(n)):
                recipe = parent.cloned(j - 1, key)
                key += 1
                outcome, _ = continue_history(scenario, plan, recipe, j)
                cost += outcome.day
                if outcome.crossed:
                    nxt.append(recipe)
        costs.append(cost)
        crossed_counts.append(len(nxt))
        ancestors.append(len({r.seed for r in nxt}))
        estimate *= len(nxt) / effort[j]
        entrances = nxt
    return RepetitionResult(task.repetition, estimate, tuple(crossed_counts), tuple(costs),
                            tuple(ancestors))


@dataclass(frozen=True)
class TailEstimate:
    """A rare-event estimate of P(rung K reached within the horizon).

    Attributes:
        method: the estimator (:data:`METHOD`).
        scenario: the scenario's name.
        rung: the target level K; ``rung_name`` its name.
        levels: the levels split at (the last is K): rung levels and condition texts.
        estimate: the mean of the repetitions' estimates (unbiased).
        interval: the ``confidence`` Student-t interval over repetitions, clipped at 0; NaN
            bounds when it cannot be formed (one repetition, or none reached the rung).
        effective_sample_size: plain Monte Carlo runs with the same variance,
            ``p (1 - p) / Var(estimate)``.
        cost_replications: simulated days of every history run (replays included) divided
            by the horizon: the work in plain-replication equivalents.
        conditional_probabilities: per level, the pooled fraction of a stage's histories that
            crossed it (the factors of the product).
        repetition_estimates: each repetition's estimate, in repetition order.
        repetitions, effort, root_seed: how it was run.
    """

    method: str
    scenario: str
    rung: int
    rung_name: str
    levels: tuple[Level, ...]
    estimate: float
    interval: tuple[float, float]
    confidence: float
    effective_sample_size: float
    cost_replications: float
    conditional_probabilities: tuple[float, ...]
    repetition_estimates: tuple[float, ...] = field(repr=False)
    repetitions: int = 0
    effort: tuple[int, ...] = ()
    root_seed: int = 0
    #: Per level, the mean cost of one history of that stage, in replication equivalents
    #: (input to :func:`allocate_effort`).
    cost_per_history: tuple[float, ...] = ()
    #: Per level, the mean over repetitions of the distinct stage-0 histories its crossing
    #: states descend from (0 for a repetition that did not reach the level).
    ancestors: tuple[float, ...] = ()

    @property
    def relative_half_width(self) -> float:
        """Half the interval's width over the estimate (NaN if either is missing)."""
        low, high = self.interval
        if not self.estimate or math.isnan(low) or math.isnan(high):
            return math.nan
        return (high - low) / 2.0 / self.estimate

    @property
    def standard_error(self) -> float:
        """Standard error of the estimate, from the spread of the repetitions."""
        r = len(self.repetition_estimates)
        return float(np.std(self.repetition_estimates, ddof=1) / math.sqrt(r)) if r > 1 \
            else math.nan

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the ``tail`` entry of ``summary.json``)."""
        def num(x: float) -> float | None:
            return None if x is None or math.isnan(x) or math.isinf(x) else float(x)

        return {
            "method": self.method,
            "scenario": self.scenario,
            "rung": self.rung,
            "rung_name": self.rung_name,
            "levels": list(self.levels),
            "estimate": self.estimate,
            "ci_low": num(self.interval[0]),
            "ci_high": num(self.interval[1]),
            "confidence": self.confidence,
            "relative_half_width": num(self.relative_half_width),
            "standard_error": num(self.standard_error),
            "effective_sample_size": num(self.effective_sample_size),
            "cost_replications": round(self.cost_replications, 3),
            "conditional_probabilities": [
                {"level": lv, "probability": p}
                for lv, p in zip(self.levels, self.conditional_probabilities, strict=True)],
            "repetitions": self.repetitions,
            "effort_per_level": list(self.effort),
            "root_seed": self.root_seed,
            "repetition_estimates": list(self.repetition_estimates),
        }


#: The most repetitions, histories per level, and histories in all one request may ask for
#: (checked arithmetically before any task is built).
MAX_REPETITIONS = 100_000
MAX_EFFORT = 10_000_000
MAX_HISTORIES = 100_000_000


def check_tail_size(repetitions: int, effort: int | Sequence[int], levels: int, points: int = 1,
                    keys: tuple[str, str] = ("repetitions", "effort")) -> None:
    """Refuse, before anything is built, a splitting request too large to finish:
    ``repetitions`` x the histories of every level x ``points`` must be at most
    :data:`MAX_HISTORIES`."""
    per_level = [effort] * max(levels, 1) if isinstance(effort, int) else list(effort)
    if repetitions > MAX_REPETITIONS:
        raise InputError("too many repetitions", key=keys[0], value=repetitions,
                         expected=f"at most {MAX_REPETITIONS:,} (10 to 100 give an interval)")
    if per_level and max(per_level) > MAX_EFFORT:
        raise InputError("too many histories per level", key=keys[1], value=max(per_level),
                         expected=f"at most {MAX_EFFORT:,}")
    total = repetitions * sum(per_level) * max(points, 1)
    if total > MAX_HISTORIES:
        raise InputError(f"{total:,} histories requested, more than the {MAX_HISTORIES:,} one "
                         "command runs", key=keys[1], value=per_level[0] if per_level else effort,
                         expected="fewer repetitions, histories per level or points")


def estimate_tail(scenario: Scenario, rung: int, *, root_seed: int, repetitions: int = 20,
                  effort: int | tuple[int, ...] = 700, levels: Sequence[Level] | None = None,
                  executor: Executor | None = None, confidence: float = 0.95, point: int = 0,
                  progress: Callable[[int], None] | None = None,
                  allocation: str = "pilot") -> TailEstimate:
    """Estimate P(rung ``rung`` reached within the horizon) by fixed-effort splitting.

    Args:
        scenario: a loaded scenario (any ladder, including a user-defined one).
        rung: the level K of the target rung.
        root_seed: every history's seed derives from it (and from ``point``).
        repetitions: independent repetitions; the interval comes from their spread
            (at least 2; 10 or more for a trustworthy interval).
        effort: histories per level in each repetition: one number for every level, or one
            per level (see :func:`allocate_effort`). With ``allocation="pilot"`` one number is
            the work of that many histories at every level, spent as a pilot says
            (:func:`pilot_plan`).
        levels: the levels below K to split at: rung levels and conditions (``--level``;
            see :func:`~escsim.tail.levels.plan_levels`); default every rung below K and K's
            own terms, chosen from by the pilot.
        executor: where repetitions run (default: in this process); the result does not
            depend on it.
        confidence: of the interval.
        point: a sweep point's index, so points get independent histories.
        progress: called with 1 as each repetition finishes.
        allocation: ``"pilot"`` (the default, when ``effort`` is one number): a small pilot
            run first drops the levels almost always crossed (unless ``levels`` are given) and
            shares the effort out where it lowers the variance most (:func:`pilot_plan`);
            ``"equal"``: ``effort`` histories at every level.

    Returns:
        A :class:`TailEstimate`.

    Raises:
        InputError: an unknown or non-monotone rung, or fewer than 2 repetitions or effort
            below 1.
    """
    if repetitions < 2:
        raise InputError("the interval needs independent repetitions", key="repetitions",
                         value=repetitions, expected="2 or more (10 or more advised)")
    plan = plan_levels(scenario, rung, levels)
    check_tail_size(repetitions, effort if isinstance(effort, int) else tuple(effort),
                    len(plan.levels))
    per_level = (effort,) * len(plan.levels) if isinstance(effort, int) else tuple(effort)
    if len(per_level) != len(plan.levels) or min(per_level) < 1:
        raise InputError("each level needs histories", key="effort", value=effort,
                         expected=f"a whole number of 1 or more, or {len(plan.levels)} of them "
                                  f"(one per level {', '.join(map(str, plan.levels))})")
    if allocation not in ("pilot", "equal"):
        raise InputError("unknown effort allocation", key="allocation", value=allocation,
                         expected="'pilot' or 'equal'")
    if executor is None:
        from escsim.executors import SerialExecutor

        executor = SerialExecutor()
    pilot_cost = 0.0
    if allocation == "pilot" and isinstance(effort, int):
        plan, per_level, pilot_cost = pilot_plan(scenario, plan, effort, root_seed=root_seed,
                                                 executor=executor, point=point,
                                                 drop=levels is None)
    results = _repetitions(executor, [RepetitionTask(scenario, plan, root_seed, r, per_level,
                                                     point) for r in range(repetitions)],
                           progress)
    return summarise(scenario, plan, results, root_seed=root_seed, effort=per_level,
                     confidence=confidence, pilot_cost=pilot_cost)


def _repetitions(executor: Executor, tasks: list[RepetitionTask],
                 progress: Callable[[int], None] | None = None) -> list[RepetitionResult]:
    """Run the repetitions on ``executor``, in repetition order."""
    results: list[RepetitionResult] = []
    for res in executor.map_unordered(run_repetition, tasks):
        results.append(res)
        if progress is not None:
            progress(1)
    results.sort(key=lambda r: r.repetition)
    return results


#: The pilot: its repetitions, and its histories per level as a share of ``effort``.
PILOT_REPETITIONS = 2
PILOT_SHARE = 0.25
#: A level the pilot's histories crossed at least this often is left out of the estimate.
DROP_ABOVE = 0.9
#: The fewest histories a level gets, as a share of the level with the most (:func:`_floored`).
MIN_SHARE = 0.5


def pilot_plan(scenario: Scenario, plan: LevelPlan, effort: int, *, root_seed: int,
               executor: Executor, point: int = 0, drop: bool = True
               ) -> tuple[LevelPlan, tuple[int, ...], float]:
    """The levels and the histories per level an estimate uses, from a small pilot run.

    The pilot is :data:`PILOT_REPETITIONS` repetitions of ``PILOT_SHARE x effort`` (at least
    100, or ``effort`` if smaller) histories per level, with seeds of their own (repetition
    indices above :data:`MAX_REPETITIONS`, which no estimate uses), so the estimate that follows is
    independent of it and stays unbiased whatever the pilot says; the pilot only chooses.

    * Levels (with ``drop``): a level the pilot crossed with probability :data:`DROP_ABOVE`
      or more is left out. Leaving out any level keeps the level events nested (the target is
      always kept), so the estimate stays unbiased; a level almost always crossed adds
      nothing to the product's precision, but its stage costs histories and hands the next
      stage fewer distinct states, whose clones are correlated.
    * Effort: the work of ``effort`` histories at every level of the full plan (as the pilot
      measured each stage's cost) is shared out by :func:`allocate_effort`.

    A level no pilot history crossed counts as crossed half a time (rare, not impossible). If
    a stage of the pilot was never reached, or every level was crossed every time, the pilot
    cannot say where the effort goes, and the plan is returned with ``effort`` at every level.

    Returns:
        The levels, the histories per level, and the pilot's cost in replication equivalents.
    """
    first = MAX_REPETITIONS
    pilot_effort = max(min(effort, 100), round(PILOT_SHARE * effort))
    tasks = [RepetitionTask(scenario, plan, root_seed, first + r,
                            (pilot_effort,) * len(plan.levels), point)
             for r in range(PILOT_REPETITIONS)]
    results = _repetitions(executor, tasks)
    pilot = summarise(scenario, plan, results, root_seed=root_seed,
                      effort=(pilot_effort,) * len(plan.levels))
    equal = (plan, (effort,) * len(plan.levels), pilot.cost_replications)
    costs = pilot.cost_per_history
    if any(math.isnan(c) for c in costs):
        return equal
    # a level no pilot history crossed is given half a crossing: rare, not impossible
    histories = pilot_effort * PILOT_REPETITIONS
    probabilities = tuple(max(p, 0.5 / histories) for p in pilot.conditional_probabilities)
    budget = effort * sum(costs)
    keep = _levels_to_keep(probabilities, costs, plan) if drop else \
        list(range(len(plan.levels)))
    kept = plan.kept(tuple(plan.levels[j] for j in keep))
    merged_p, merged_cost = _merged(probabilities, costs, keep)
    if all(p >= 1.0 for p in merged_p):
        return equal
    return kept, _floored(allocate_effort(tuple(merged_p), tuple(merged_cost), budget),
                          merged_cost, budget), pilot.cost_replications


def _merged(probabilities: Sequence[float], costs: Sequence[float], keep: list[int]
            ) -> tuple[list[float], list[float]]:
    """The crossing probability and cost per history of each stage when only the levels
    ``keep`` are split at: a stage runs from the previous kept level through the dropped ones.
    A history is replayed from day 0, so one that does not cross runs the whole horizon (cost
    1) and one that crosses stops at its crossing: stage j's cost per history ``c_j = (1 -
    p_j) + p_j t_j`` gives the crossing's mean time ``t_j`` (a share of the horizon), and a
    merged stage that crosses with probability P costs ``(1 - P) + P t`` of its last level."""
    merged_cost, merged_p, start = [], [], 0
    for j in keep:
        p = math.prod(probabilities[start:j + 1])
        crossing = min(1.0, max(0.0, (costs[j] - (1.0 - probabilities[j])) / probabilities[j]))
        merged_cost.append((1.0 - p) + p * crossing)
        merged_p.append(p)
        start = j + 1
    return merged_p, merged_cost


def work_variance(probabilities: Sequence[float], costs: Sequence[float]) -> float:
    """The relative variance of the product times the work, at the best allocation:
    ``(sum_j sqrt((1 - p_j) c_j / p_j))**2`` (L'Ecuyer et al. 2009, with the allocation of
    :func:`allocate_effort`); plain Monte Carlo's is ``(1 - p) / p``."""
    return sum(math.sqrt(max(1.0 - p, 0.0) * c / p) for p, c in
               zip(probabilities, costs, strict=True)) ** 2


def _levels_to_keep(probabilities: Sequence[float], costs: Sequence[float],
                    plan: LevelPlan) -> list[int]:
    """The levels the estimate splits at: from every level, drop one at a time the level whose
    merging with the next lowers :func:`work_variance` most, until none does; a level crossed
    with probability :data:`DROP_ABOVE` or more is dropped whatever the formula says (it adds
    nothing to the product's precision, but hands the next stage fewer distinct states, whose
    clones are alike in ways the formula does not see). The target is always kept, so the
    kept level events stay nested and the estimate unbiased."""
    keep = [j for j, p in enumerate(probabilities)
            if p < DROP_ABOVE or plan.levels[j] == plan.target]
    while len(keep) > 1:
        now = work_variance(*_merged(probabilities, costs, keep))
        options = [(work_variance(*_merged(probabilities, costs, keep[:i] + keep[i + 1:])), i)
                   for i in range(len(keep) - 1)]
        best, i = min(options)
        if best >= now:
            break
        del keep[i]
    return keep


def _floored(effort: tuple[int, ...], cost: list[float], budget: float) -> tuple[int, ...]:
    """``effort`` with every level raised to :data:`MIN_SHARE` of the largest and the whole
    scaled back to ``budget``: the histories of a level are the distinct states the next level
    clones, and clones of few states are alike in ways the variance formula of
    :func:`allocate_effort` does not see (a state that crossed late in the horizon has little
    time left in every clone)."""
    top = max(effort)
    raised = [max(n, MIN_SHARE * top) for n in effort]
    spent = sum(n * c for n, c in zip(raised, cost, strict=True))
    scale = budget / spent if spent > 0 else 1.0
    return tuple(max(1, round(n * scale)) for n in raised)


def summarise(scenario: Scenario, plan: LevelPlan, results: list[RepetitionResult], *,
              root_seed: int, effort: tuple[int, ...], confidence: float = 0.95,
              pilot_cost: float = 0.0) -> TailEstimate:
    """Combine independent repetitions into a :class:`TailEstimate`."""
    values = np.array([r.estimate for r in results], dtype=float)
    reps = len(values)
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if reps > 1 else math.nan
    if reps > 1 and mean > 0.0:
        half = float(stats.t.ppf(0.5 + confidence / 2.0, reps - 1)) * sd / math.sqrt(reps)
        interval = (max(0.0, mean - half), mean + half)
        variance = sd * sd / reps
        ess = mean * (1.0 - mean) / variance if variance > 0.0 else math.inf
    else:
        interval, ess = (math.nan, math.nan), math.nan
    # pooled conditional probabilities: crossings over histories run, per level
    horizon = scenario.scenario.horizon_days
    conditional, unit_cost = [], []
    for j in range(len(plan.levels)):
        ran = [r for r in results if len(r.crossed) > j]
        histories = effort[j] * len(ran)
        conditional.append(sum(r.crossed[j] for r in ran) / histories if ran else math.nan)
        unit_cost.append(sum(r.cost_days[j] for r in ran) / histories / horizon if ran
                         else math.nan)
    return TailEstimate(
        method=METHOD, scenario=scenario.scenario.name, rung=plan.target,
        rung_name=plan.target_name, levels=plan.levels, estimate=mean, interval=interval,
        confidence=confidence, effective_sample_size=ess,
        cost_replications=sum(sum(r.cost_days) for r in results) / horizon + pilot_cost,
        conditional_probabilities=tuple(conditional),
        repetition_estimates=tuple(float(v) for v in values), repetitions=reps,
        effort=effort, root_seed=root_seed, cost_per_history=tuple(unit_cost),
        ancestors=tuple(float(np.mean([r.ancestors[j] if len(r.ancestors) > j else 0
                                       for r in results])) if results else math.nan
                        for j in range(len(plan.levels))))


def allocate_effort(conditional_probabilities: tuple[float, ...],
                    cost_per_history: tuple[float, ...], budget: float,
                    minimum: int = 50) -> tuple[int, ...]:
    """Histories per level that minimise the product's variance for a budget, from a pilot.

    With stage j costing ``c_j`` per history and crossing with probability ``p_j``, the
    relative variance of the product is about ``sum_j (1 - p_j) / (N_j p_j)`` (L'Ecuyer, Le
    Gland, Lezaud & Tuffin 2009). Minimising it subject to ``sum_j N_j c_j = budget``
    (a Lagrange multiplier) gives ``N_j`` proportional to ``sqrt((1 - p_j) / (p_j c_j))``:
    more histories where crossing is unlikely and histories are cheap. The formula would give
    a level every pilot history crossed (p_j = 1) no histories, but that level's histories are
    the distinct states the next level starts from, and clones of few states are correlated
    (which the formula ignores), so such a level gets the effort of the next level that is not
    always crossed (or of the previous one, for the last). Better still, leave such a level out
    (``levels=``).

    Args:
        conditional_probabilities, cost_per_history: from a pilot :class:`TailEstimate`.
        budget: replication equivalents per repetition.
        minimum: the fewest histories at any level.

    Returns:
        Histories per level, for ``estimate_tail(effort=...)``.
    """
    weights: list[float | None] = []
    for p, c in zip(conditional_probabilities, cost_per_history, strict=True):
        if not (p > 0.0) or math.isnan(c):
            raise InputError("the pilot estimate has a level no history crossed",
                             key="conditional_probabilities", value=p,
                             expected="a pilot in which every level was crossed")
        weights.append(math.sqrt((1.0 - p) / (p * max(c, 1e-9))) if p < 1.0 else None)
    informative = [w for w in weights if w is not None]
    if not informative:
        raise InputError("every pilot history crossed every level: nothing to allocate",
                         key="conditional_probabilities", value=conditional_probabilities,
                         expected="a level some pilot histories did not cross")
    filled: list[float] = []
    for j, w in enumerate(weights):
        later = [x for x in weights[j:] if x is not None]
        earlier = [x for x in weights[:j] if x is not None]
        filled.append(w if w is not None else (later[0] if later else earlier[-1]))
    spent = sum(filled[j] * cost_per_history[j] for j in range(len(filled)))
    scale = budget / spent if spent > 0 else 0.0
    return tuple(max(minimum, round(w * scale)) for w in filled)
