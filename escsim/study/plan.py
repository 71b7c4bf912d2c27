"""Lay out a study as a paired sweep: every doctrine in every state of the world.

A study is a sweep of design ``table`` over the scenario ensemble, whose design points are
(state, doctrine) pairs: the doctrine's lever values then the state's uncertain values. The
lever keys are the sweep's *paired* keys (:attr:`escsim.sweep.SweepSpec.pair`), so every
doctrine in one state gets the same seed key and replication ``r`` of each doctrine the same
seed -- the comparison is paired, and with common random numbers by source of chance in the
model it becomes a comparison of the doctrines alone. Running through
:func:`escsim.sweep.run_sweep`, a study streams to disk, resumes, and gives the same bytes on
every executor.

A doctrine need not set every lever key another doctrine sets: a key it leaves out takes the
value its own settings give (its preset's), read from the first scenario of the ensemble. A
doctrine is therefore the whole US policy, whichever scenario unfolds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from escsim.analysis.outcomes import parse_outcome
from escsim.errors import InputError
from escsim.scenario import load_scenario
from escsim.scenario.keys import get_value, key_info
from escsim.scenario.loader import resolve_scenario_path
from escsim.study.spec import StudySpec, Values
from escsim.sweep.design import parse_vary, sampled_points
from escsim.sweep.plan import SweepPlan, SweepSpec, plan_sweep


@dataclass(frozen=True)
class State:
    """One state of the world: a scenario of the ensemble and the uncertain keys' values."""

    index: int
    name: str
    scenario: str
    values: Values


@dataclass
class StudyPlan:
    """A checked study: its doctrines, states, and the paired sweep that runs them."""

    spec: StudySpec
    doctrines: list[tuple[str, Values]]
    lever_keys: list[str]
    uncertainty_keys: list[str]
    states: list[State]
    sweep: SweepPlan

    @property
    def doctrine_names(self) -> list[str]:
        return [d for d, _ in self.doctrines]

    def cell(self, point: int) -> tuple[int, int]:
        """(doctrine index, state index) of a global sweep point."""
        ref, d = self.sweep.point_of(point)
        n_doctrines = len(self.doctrines)
        n_unc = len(self.sweep.design_points) // n_doctrines
        return d % n_doctrines, ref * n_unc + d // n_doctrines


def _crossed(spec: StudySpec) -> list[tuple[str, Values]]:
    """The doctrines crossed with the posture levers (troop levels), named by both."""
    if not spec.posture:
        return list(spec.doctrines)
    keys = [k for k, _ in spec.posture]
    out = []
    for name, values in spec.doctrines:
        for combo in itertools.product(*(v for _, v in spec.posture)):
            label = name + " @ " + ", ".join(f"{k.split('.')[-2] if '.' in k else k}="
                                             f"{v}" for k, v in zip(keys, combo, strict=True))
            out.append((label, tuple(sorted({**dict(values),
                                             **dict(zip(keys, combo, strict=True))}.items()))))
    return out


def _filled(spec: StudySpec, doctrines: list[tuple[str, Values]]) -> tuple[
        list[str], list[tuple[str, Values]]]:
    """Every doctrine with a value for every lever key any doctrine sets."""
    keys = sorted({k for _, values in doctrines for k, _ in values})
    ref = spec.scenarios[0]
    out = []
    for name, values in doctrines:
        own = dict(values)
        missing = [k for k in keys if k not in own]
        if missing:
            try:
                s = load_scenario(ref, own)
            except InputError as exc:
                exc.file = spec.source
                exc.message += f" (in doctrine {name!r})"
                raise
            for k in missing:
                if key_info(s, k) is None:
                    raise InputError("a lever key names no value of the scenario",
                                     file=spec.source, key=k,
                                     expected="a dotted key of `escsim show SCENARIO`")
                own[k] = get_value(s, k)
        out.append((name, tuple((k, own[k]) for k in keys)))
    return keys, out


def _uncertain_points(spec: StudySpec) -> tuple[list[str], list[tuple[Any, ...]], list[str]]:
    """The uncertain keys, their combinations -- categories crossed with LHS samples of the
    ranges (one scenario's share; every scenario of the ensemble gets the same) -- and a short
    label of each combination."""
    cat_keys = [k for k, _ in spec.categories]
    range_keys = [k for k, _, _ in spec.ranges]
    cats = list(itertools.product(*(v for _, v in spec.categories))) or [()]
    if spec.ranges:
        axes = [parse_vary(f"{k}={lo}:{hi}") for k, lo, hi in spec.ranges]
        sampled = sampled_points(axes, "lhs", spec.samples, spec.seed)
    else:
        sampled = [()]
    labels = [" ".join([*(f"{k.split('.')[-1]}={v}" for k, v in zip(cat_keys, c, strict=True)),
                        *([f"#{i + 1}"] if spec.ranges else [])])
              for c in cats for i in range(len(sampled))]
    return [*cat_keys, *range_keys], [(*c, *s) for c in cats for s in sampled], labels


def plan_study(spec: StudySpec) -> StudyPlan:
    """Check a study and lay out its paired sweep (every value checked before any run)."""
    for i, name in enumerate(spec.scenarios):  # a scenario that does not exist: the study's
        try:
            resolve_scenario_path(name)
        except InputError as exc:
            raise InputError(exc.message, file=spec.source,
                             key=f"uncertainties.scenarios[{i}]", value=name,
                             expected=exc.expected) from None
    lever_keys, doctrines = _filled(spec, _crossed(spec))
    names = [d for d, _ in doctrines]
    if len(set(names)) != len(names):
        raise InputError("two doctrines share a name", file=spec.source, value=names)
    unc_keys, unc_points, unc_labels = _uncertain_points(spec)
    clash = sorted(set(lever_keys) & set(unc_keys))
    if clash:
        raise InputError("a key is both a lever and an uncertainty", file=spec.source,
                         value=clash, expected="each key in one role")
    design = tuple((*values_of(d), *u) for u in unc_points for _, d in doctrines)
    sweep_spec = SweepSpec(scenarios=spec.scenarios, design="table", runs=spec.runs,
                           seed=spec.seed, design_table=(tuple([*lever_keys, *unc_keys]),
                                                         design),
                           kind="study", parameter_uncertainty=spec.parameter_uncertainty,
                           priors=spec.priors, posterior=spec.posterior,
                           pair=tuple(lever_keys),
                           extra={"study": spec.name})
    try:
        sweep = plan_sweep(sweep_spec)
    except InputError as exc:
        if exc.file in (None, "--vary", "--set", "--design-table"):
            exc.file = spec.source
        if exc.key in ("--vary", "--design-table", "--samples"):  # options a study has not
            exc.key = None
        raise
    states = []
    for ref, scenario in enumerate(sweep.scenarios):
        for u, values in enumerate(unc_points):
            label = " ".join([scenario.scenario.name, unc_labels[u]]).strip()
            states.append(State(ref * len(unc_points) + u, label, scenario.scenario.name,
                                tuple(zip(unc_keys, values, strict=True))))
    for o in spec.outcomes:  # before any run: a rung or column the runs will not have
        try:
            parse_outcome(o.measure).check(sweep.columns)
        except InputError as exc:
            exc.file, exc.key = spec.source, f"outcomes.{o.name}.measure"
            raise
    return StudyPlan(spec, doctrines, lever_keys, unc_keys, states, sweep)


def values_of(values: Values) -> tuple[Any, ...]:
    return tuple(v for _, v in values)
