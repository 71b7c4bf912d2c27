"""Plan a sweep: check its spec, lay out its design points and the scenario of every point.

A :class:`SweepSpec` is everything that defines a sweep's results (stored in its manifest and
compared on resume); :func:`plan_sweep` checks it -- every point with the loader's checks, before
any run -- and returns a :class:`SweepPlan`: the points, their base scenarios and patches, and
the columns of the run table. ``escsim run`` is the one-point plan of design ``single``: no swept
key, the scenario's own run columns, and the daily series tallied as it streams.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from escsim.engine import run_columns
from escsim.errors import InputError
from escsim.records import BASE_COLUMNS, DEFAULT_SEED, RUNG_DAY_PREFIX, WEAPON_PREFIX
from escsim.results.sweep import PointInfo
from escsim.scenario.keys import inert_notes
from escsim.scenario.priors import ParameterSampler, PartialSampler
from escsim.scenario.schema import Scenario
from escsim.sweep.design import (
    SWEEP_DESIGNS,
    Axis,
    check_axes,
    grid_points,
    morris_points,
    parse_vary,
    saltelli_points,
    sampled_points,
)
from escsim.sweep.parameters import SweepUncertainty, plan_uncertainty, single_uncertainty
from escsim.sweep.points import Patch, PointBuilder, build_point, check_key
from escsim.sweep.work import DailyMode

#: Designs a plan accepts: the sweep designs, a user table, the sensitivity designs, and
#: ``single`` (one scenario, nothing swept: ``escsim run``).
DESIGNS = (*SWEEP_DESIGNS, "table", "saltelli", "morris", "single")
#: Replications per chunk are at most this many (a chunk is also the unit of resume).
MAX_CHUNK_RUNS = 500


@dataclass(frozen=True)
class SweepSpec:
    """Everything that defines a sweep's results; stored in the manifest, compared on resume.

    Args:
        scenarios: scenario references (bundled names or TOML paths).
        vary: ``KEY=SPEC`` texts (see :mod:`escsim.sweep.design`); for ``design="table"`` the
            swept keys come from the table instead.
        design: ``grid``, ``lhs``, ``sobol``, ``table``, ``saltelli`` or ``morris``.
        samples: points of an LHS/Sobol' design; base samples ``n`` of a Saltelli design;
            trajectories of a Morris design.
        runs: replications per point.
        seed: the root seed.
        overrides: ``KEY=VALUE`` texts applied to every point before the swept values.
        design_table: rows of a user's design (a CSV read by
            :func:`~escsim.sweep.design.read_design_table`), as ``[keys, points]``.
        levels: grid levels of a Morris design.
        seeds: ``point`` (each design point its own seeds) or ``common`` (the same seeds at
            every point).
        kind: ``sweep``, ``sensitivity`` or ``run`` (what the folder holds and ``escsim plot``
            draws).
        extra: anything else the kind needs (sensitivity: outcomes, method), JSON-ready.
        parameter_uncertainty: ``none``, ``prior`` or ``posterior``: draw each point x
            replication's uncertain parameters (those the sweep does not set) from the
            scenario's priors or a posterior of ``escsim calibrate``
            (:mod:`escsim.sweep.parameters`).
        priors: priors file [default: ``scenarios/priors/<scenario>.toml``].
        posterior: calibration folder or ``posterior.csv`` [default:
            ``results/calibrate-<scenario>``].
        pair: swept keys that are *levers*: design points that differ only in these keys
            share their seeds (``seeds="point"``), so replication ``r`` of every lever
            setting is paired (``escsim sweep --pair KEY``, and every study).
    """

    scenarios: tuple[str, ...]
    vary: tuple[str, ...] = ()
    design: str = "grid"
    samples: int | None = None
    runs: int = 100
    seed: int = DEFAULT_SEED
    overrides: tuple[str, ...] = ()
    design_table: tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]] | None = None
    levels: int | None = None
    seeds: str = "point"
    kind: str = "sweep"
    extra: dict[str, Any] = field(default_factory=dict)
    parameter_uncertainty: str = "none"
    priors: str | None = None
    posterior: str | None = None
    pair: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        return json.loads(json.dumps(d, default=str))

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SweepSpec:
        table = d.get("design_table")
        return cls(scenarios=tuple(d["scenarios"]), vary=tuple(d.get("vary", ())),
                   design=d["design"], samples=d.get("samples"), runs=int(d["runs"]),
                   seed=int(d["seed"]), overrides=tuple(d.get("overrides", ())),
                   design_table=None if table is None else
                   (tuple(table[0]), tuple(tuple(p) for p in table[1])),
                   levels=d.get("levels"), seeds=d.get("seeds", "point"),
                   kind=d.get("kind", "sweep"), extra=dict(d.get("extra", {})),
                   parameter_uncertainty=d.get("parameter_uncertainty", "none"),
                   priors=d.get("priors"), posterior=d.get("posterior"),
                   pair=tuple(d.get("pair", ())))


@dataclass
class SweepPlan:
    """A checked sweep: the design points, the scenario of every point, the output columns."""

    spec: SweepSpec
    axes: list[Axis]
    keys: list[str]
    design_points: list[tuple[Any, ...]]
    builder: PointBuilder | None
    columns: list[str]
    run_columns: list[str]
    points: list[PointInfo]
    ladders: dict[str, dict[str, int]]
    design_extra: dict[str, Any] = field(default_factory=dict)
    #: Per point: (index into ``bases``, checked patch), so chunks need no second check.
    resolved: list[tuple[int, Patch]] = field(default_factory=list, repr=False)
    bases: list[Scenario] = field(default_factory=list, repr=False)
    #: ``--parameter-uncertainty``: what each scenario draws (None: nothing drawn).
    uncertainty: SweepUncertainty | None = None
    #: Per base: the draws of its scenario (None: no parameter uncertainty).
    base_draws: list[PartialSampler | None] = field(default_factory=list, repr=False)
    _pair_keys: list[int] | None = field(default=None, repr=False)
    #: What the reader should know before the runs: e.g. a swept key that the scenarios'
    #: mechanisms never read (:func:`escsim.scenario.keys.inert_notes`).
    notes: list[str] = field(default_factory=list)

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def total_runs(self) -> int:
        return self.n_points * self.spec.runs

    @property
    def rungs(self) -> list[int]:
        return sorted({r for p in self.points for r in p.rungs})

    @property
    def scenarios(self) -> list[Scenario]:
        """The scenario of each reference of the spec, as loaded (before any swept value)."""
        return self.builder.scenarios if self.builder is not None else list(self.bases)

    def unit(self, key: str) -> str:
        """The unit of a swept key ("" if the schema gives none)."""
        info = self.builder.info(key) if self.builder is not None else None
        return info.unit if info is not None else ""

    @property
    def single(self) -> bool:
        """A one-point plan (``escsim run``): rows carry the scenario's own run columns."""
        return self.spec.design == "single"

    @property
    def daily(self) -> DailyMode:
        """What chunks return of the daily series: a run folder's ``daily.csv`` tallies them."""
        return "tally" if self.single else "none"

    def prefix(self, point: int) -> tuple[Any, ...]:
        """The leading cells of a point's rows: its index, design point and swept values."""
        if self.single:
            return ()
        info = self.points[point]
        return (point, info.design_point, *info.values)

    def point_of(self, point: int) -> tuple[int, int]:
        """(scenario index, design index) of a global point index."""
        return divmod(point, len(self.design_points))

    def seed_key(self, point: int) -> int:
        """The seed key of a point's replications: 0 for every point (``seeds="common"``), the
        design point, or -- with ``pair`` keys -- the index of the design point's values
        without the paired keys, so lever settings in one state share seeds."""
        if self.spec.seeds == "common":
            return 0
        d = self.point_of(point)[1]
        if not self.spec.pair:
            return d
        if self._pair_keys is None:
            keep = [i for i, k in enumerate(self.keys) if k not in self.spec.pair]
            index: dict[str, int] = {}
            self._pair_keys = [index.setdefault(repr(tuple(p[i] for i in keep)), len(index))
                               for p in self.design_points]
        return self._pair_keys[d]

    def draws(self, point: int) -> PartialSampler | None:
        """What a point's replications draw (``--parameter-uncertainty``), or None."""
        if not (self.base_draws and self.resolved):
            return None
        return self.base_draws[self.resolved[point][0]]

    def resolve(self, point: int) -> tuple[Scenario, Patch]:
        """The base scenario and checked patch of a point."""
        if self.resolved:
            b, patch = self.resolved[point]
            return self.bases[b], patch
        ref, d = self.point_of(point)
        assert self.builder is not None  # a plan without a builder is resolved up front
        return self.builder.resolve(ref, self.design_points[d])

    def scenario(self, point: int) -> Scenario:
        """The full scenario of one point (e.g. to trace one of its runs)."""
        return build_point(*self.resolve(point))


#: Most design points one sweep plans: every point is checked and held in memory up front.
MAX_DESIGN_POINTS = 100_000
#: Most replications one sweep (or run) may request: rows stream to disk, but the tables, the
#: manifest's chunk log and the time grow with it; larger studies are split.
MAX_TOTAL_RUNS = 100_000_000


def design_size(spec: SweepSpec, axes: list[Axis]) -> int:
    """How many design points ``spec`` asks for, computed from the axes before any is built."""
    d = len(axes)
    n = int(spec.samples or 0)
    if spec.design == "grid":
        return math.prod(len(a.items) if a.kind == "list" else int(a.count or 1) for a in axes)
    if spec.design in ("lhs", "sobol"):
        return n
    if spec.design == "saltelli":
        return n * (d + 2)
    if spec.design == "morris":
        return n * (d + 1)
    if spec.design == "table" and spec.design_table is not None:
        return len(spec.design_table[1])
    return 1


def check_request_size(spec: SweepSpec, n_design: int) -> None:
    """Refuse, before allocating anything, a design or a run count too large to plan, with a
    message on how to split it."""
    if n_design > MAX_DESIGN_POINTS:
        key = "--samples" if spec.design in ("lhs", "sobol", "saltelli", "morris") else \
            "--design-table" if spec.design == "table" else "--vary"
        raise InputError(f"the design has {n_design:,} points, more than the "
                         f"{MAX_DESIGN_POINTS:,} one sweep plans", key=key,
                         value=spec.samples if key == "--samples" else list(spec.vary) or None,
                         expected="fewer points, or several sweeps over slices of the ranges "
                                  "(each with its own --out)")
    total = n_design * len(spec.scenarios) * spec.runs
    if total > MAX_TOTAL_RUNS:
        raise InputError(f"{total:,} replications requested, more than the "
                         f"{MAX_TOTAL_RUNS:,} one command runs", key="--runs", value=spec.runs,
                         expected="fewer --runs or points, or several commands with different "
                                  "--seed and --out whose runs.csv can be concatenated")


def _design_points(spec: SweepSpec, axes: list[Axis]) -> tuple[list[tuple[Any, ...]],
                                                                dict[str, Any]]:
    if spec.design == "grid":
        return grid_points(axes), {}
    if spec.design in ("lhs", "sobol"):
        if not spec.samples or spec.samples < 1:
            raise InputError(f"a {spec.design} design needs a number of samples",
                             key="--samples", value=spec.samples, expected="e.g. --samples 64")
        return sampled_points(axes, spec.design, spec.samples, spec.seed), {}
    if spec.design == "saltelli":
        return saltelli_points(axes, int(spec.samples or 0), spec.seed), {}
    if spec.design == "morris":
        m = morris_points(axes, int(spec.samples or 0), int(spec.levels or 4), spec.seed)
        return m.points, {"morris_order": m.order, "morris_signs": m.signs,
                          "morris_delta": m.delta}
    if spec.design == "single":
        return [()], {}
    if spec.design == "table":
        assert spec.design_table is not None
        return [tuple(p) for p in spec.design_table[1]], {}
    raise InputError("unknown design", key="--design", value=spec.design,
                     expected=" | ".join(DESIGNS))


def _keys_and_axes(spec: SweepSpec) -> tuple[list[str], list[Axis]]:
    """The spec's settings checked, and its swept keys and axes (none for a table or a single
    point)."""
    if spec.runs < 1:
        raise InputError("runs must be at least 1", key="--runs", value=spec.runs)
    if spec.seeds not in ("point", "common"):
        raise InputError("unknown seeding", key="--seeds", value=spec.seeds,
                         expected="point | common")
    if not spec.scenarios:
        raise InputError("no scenario to sweep", expected="at least one SCENARIO")
    if spec.pair and spec.seeds == "common":
        raise InputError("--pair gives lever settings common seeds already under --seeds point",
                         key="--pair", value=list(spec.pair), expected="--seeds point")
    if spec.design == "single":
        if spec.vary or spec.design_table is not None or len(spec.scenarios) != 1:
            raise InputError("a single-point plan runs one scenario and varies nothing",
                             value=list(spec.scenarios), expected="one SCENARIO, no --vary")
        return [], []
    elif spec.design == "table":
        if spec.design_table is None:
            raise InputError("a table design needs a design table", key="--design-table")
        if spec.vary:
            raise InputError("give either --vary or --design-table, not both", key="--vary",
                             value=list(spec.vary))
        return list(spec.design_table[0]), []
    else:
        if not spec.vary:
            raise InputError("nothing to vary", key="--vary",
                             expected="at least one --vary KEY=SPEC, or --design-table")
        axes = [parse_vary(v) for v in spec.vary]
        check_axes(axes)
        return [a.key for a in axes], axes


def plan_sweep(spec: SweepSpec, design: dict[str, Any] | None = None) -> SweepPlan:
    """Check a sweep spec and build its plan.

    Every point is checked up front (the loader's checks, or its type/range/cross-key checks
    on a patch), so a bad value stops the sweep before any run. ``design`` is a stored
    ``design.json`` (on resume the exact stored values are re-run).
    """
    keys, axes = _keys_and_axes(spec)
    builder = PointBuilder(spec.scenarios, spec.overrides, keys)
    names = [s.scenario.name for s in builder.scenarios]
    if len(set(names)) != len(names):
        raise InputError("two scenarios share a name", value=names,
                         expected="distinct scenario.name values")
    for k in keys:
        check_key(builder.scenarios[0], k)
        if builder.info(k) is None and k.split(".")[0] not in {
                f.name for f in dataclasses.fields(Scenario)}:
            raise InputError("unknown key", file="--vary", key=k,
                             expected="a dotted scenario key (see escsim show SCENARIO)")
    stray = [k for k in spec.pair if k not in keys]
    if stray:
        raise InputError("a paired key is not swept", key="--pair", value=stray,
                         expected=" | ".join(keys) or "a swept key")
    integer = builder.integer_keys()
    axes = [a.with_integer(a.key in integer) for a in axes]
    if design is not None:
        check_request_size(spec, len(design["points"]))
        points_list = [tuple(p) for p in design["points"]]
        extra = {k: v for k, v in design.items() if k not in ("keys", "points", "units")}
    else:
        check_request_size(spec, design_size(spec, axes))
        points_list, extra = _design_points(spec, axes)
    if not points_list:
        raise InputError("the design has no points", key="--vary", value=list(spec.vary))
    infos: list[PointInfo] = []
    weapon_cols: set[str] = set()
    rung_levels: set[int] = set()
    ladders: dict[str, dict[str, int]] = {}
    bases: list[Scenario] = []
    base_refs: list[int] = []
    base_index: dict[str, int] = {}
    resolved: list[tuple[int, Patch]] = []
    n_design = len(points_list)
    for ref in range(len(spec.scenarios)):
        for d, values in enumerate(points_list):
            if len(values) != len(keys):
                raise InputError("a design point has the wrong number of values", value=values,
                                 expected=f"{len(keys)} values")
            base, patch = builder.resolve(ref, values)
            if base.param_hash not in base_index:
                base_index[base.param_hash] = len(bases)
                bases.append(base)
                base_refs.append(ref)
                cols = run_columns(base)
                weapon_cols.update(c for c in cols if c.startswith(WEAPON_PREFIX))
                rung_levels.update(r.level for r in base.ladder.values())
                ladders[base.scenario.name] = {n: r.level for n, r in base.ladder.items()}
            resolved.append((base_index[base.param_hash], patch))
            horizon = dict(patch).get("scenario.horizon_days", base.scenario.horizon_days)
            start = dict(patch).get("scenario.start_date", base.scenario.start_date)
            infos.append(PointInfo(ref * n_design + d, base.scenario.name, d,
                                   tuple(values), float(horizon),
                                   tuple(sorted(r.level for r in base.ladder.values())),
                                   str(start)))
    uncertainty = plan_uncertainty(
        spec.parameter_uncertainty, spec.priors, spec.posterior, builder.scenarios,
        [[b for b, r in zip(bases, base_refs, strict=True) if r == ref]
         for ref in range(len(spec.scenarios))], keys)
    base_draws = [None if uncertainty is None else uncertainty.scenarios[r].draws
                  for r in base_refs]
    drawn = uncertainty.columns if uncertainty is not None else []
    if spec.design == "single":  # a run folder's table: the scenario's own columns
        run_cols = [*run_columns(bases[0]), *drawn]
        columns = list(run_cols)
    else:
        run_cols = [c for c in BASE_COLUMNS if c != "point"] + sorted(weapon_cols) + \
            [f"{RUNG_DAY_PREFIX}{r}" for r in sorted(rung_levels)] + drawn
        columns = ["point", "design_point", *keys, *run_cols]
    return SweepPlan(spec, axes, keys, points_list, builder, columns, run_cols, infos, ladders,
                     extra, resolved, bases, uncertainty, base_draws,
                     notes=inert_notes(builder.scenarios, keys))


def plan_single(scenario: Scenario, runs: int, seed: int,
                parameters: PartialSampler | Any = None) -> SweepPlan:
    """The one-point plan of ``escsim run``: ``runs`` replications of a loaded scenario.

    Replication ``r`` gets ``replication_seed(seed, r, 0)``; the rows carry the scenario's own
    run columns (:func:`escsim.engine.run_columns`), plus the ``drawn_*`` columns of
    ``parameters`` (a :class:`escsim.scenario.priors.ParameterSampler`) when given.
    """
    if runs < 1:
        raise InputError("runs must be at least 1", key="--runs", value=runs,
                         expected="a whole number >= 1")
    overrides = tuple(f"{k}={v}" for k, v in scenario.overrides)
    # a sampler's sources go in the manifest (and the folder keeps copies): a row replays
    uncertainty = single_uncertainty(scenario, parameters) \
        if isinstance(parameters, ParameterSampler) else None
    spec = SweepSpec(scenarios=(scenario.scenario.name,), design="single", runs=runs,
                     seed=seed, overrides=overrides, kind="run",
                     parameter_uncertainty=uncertainty.mode if uncertainty else "none")
    info = PointInfo(0, scenario.scenario.name, 0, (), float(scenario.scenario.horizon_days),
                     tuple(sorted(r.level for r in scenario.ladder.values())),
                     str(scenario.scenario.start_date))
    columns = [*run_columns(scenario), *getattr(parameters, "columns", [])]
    ladders = {scenario.scenario.name: {n: r.level for n, r in scenario.ladder.items()}}
    return SweepPlan(spec, [], [], [()], None, columns, list(columns), [info], ladders, {},
                     [(0, ())], [scenario], uncertainty, [parameters])
