"""Run a sweep: points x replications in chunks, streamed to disk, resumable.

The work of a sweep is the sequence of (point, replication) pairs in that order, cut into chunks
of ``chunk_runs`` replications. Each chunk runs on any executor (:func:`run_sweep_chunk` is
pure and picklable and calls :func:`escsim.engine.run_replication`), and its rows are written to
``parts/chunk-NNNNNN.csv`` atomically as soon as it finishes. The replication ``r`` of a point
gets ``replication_seed(root_seed, r, seed_key)`` where ``seed_key`` is the point's index in the
design (scenarios at the same design point share seeds, a paired comparison), or 0 for every
point with ``seeds="common"`` (common random numbers, used by sensitivity analysis). So the
tables depend on neither the executor, the number of workers, the chunk size nor the order in
which chunks finish.

Interrupted (Ctrl-C, a killed process, a crashed worker), a sweep keeps its finished parts;
``run_sweep(..., resume=True)`` runs only the missing chunks, then builds ``runs.csv`` and
``summary.csv``, identical to an uninterrupted run's.

With ``parameter_uncertainty`` (``prior`` or ``posterior``) each replication also draws the
uncertain parameters the sweep does not set from a stream derived from its seed
(:mod:`escsim.sweep.parameters`); the values are extra ``drawn_<name>`` columns of ``runs.csv``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import platform
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escsim.engine import BASE_COLUMNS, replication_seed, run_columns, run_replication
from escsim.errors import InputError
from escsim.executors import SerialExecutor, available_cores
from escsim.scenario.schema import Scenario
from escsim.sweep import tables
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
from escsim.sweep.parameters import SweepDraws, SweepUncertainty, plan_uncertainty
from escsim.sweep.points import Patch, PointBuilder, build_point, check_key
from escsim.version import __version__

DESIGNS = (*SWEEP_DESIGNS, "table", "saltelli", "morris")
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
        kind: ``sweep`` or ``sensitivity`` (what ``escsim plot`` draws).
        extra: anything else the kind needs (sensitivity: outcomes, method), JSON-ready.
        parameter_uncertainty: ``none``, ``prior`` or ``posterior``: draw each point x
            replication's uncertain parameters (those the sweep does not set) from the
            scenario's priors or a posterior of ``escsim calibrate``
            (:mod:`escsim.sweep.parameters`).
        priors: priors file [default: ``scenarios/priors/<scenario>.toml``].
        posterior: calibration folder or ``posterior.csv`` [default:
            ``results/calibrate-<scenario>``].
    """

    scenarios: tuple[str, ...]
    vary: tuple[str, ...] = ()
    design: str = "grid"
    samples: int | None = None
    runs: int = 100
    seed: int = 20231017
    overrides: tuple[str, ...] = ()
    design_table: tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]] | None = None
    levels: int | None = None
    seeds: str = "point"
    kind: str = "sweep"
    extra: dict[str, Any] = field(default_factory=dict)
    parameter_uncertainty: str = "none"
    priors: str | None = None
    posterior: str | None = None

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
                   priors=d.get("priors"), posterior=d.get("posterior"))


@dataclass
class SweepPlan:
    """A checked sweep: the design points, the scenario of every point, the output columns."""

    spec: SweepSpec
    axes: list[Axis]
    keys: list[str]
    design_points: list[tuple[Any, ...]]
    builder: PointBuilder
    columns: list[str]
    run_columns: list[str]
    points: list[tables.PointInfo]
    ladders: dict[str, dict[str, int]]
    design_extra: dict[str, Any] = field(default_factory=dict)
    #: Per point: (index into ``bases``, checked patch), so chunks need no second check.
    resolved: list[tuple[int, Patch]] = field(default_factory=list, repr=False)
    bases: list[Scenario] = field(default_factory=list, repr=False)
    #: ``--parameter-uncertainty``: what each scenario draws (None: nothing drawn).
    uncertainty: SweepUncertainty | None = None
    #: Per base: the draws of its scenario (None: no parameter uncertainty).
    base_draws: list[SweepDraws | None] = field(default_factory=list, repr=False)

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def total_runs(self) -> int:
        return self.n_points * self.spec.runs

    @property
    def rungs(self) -> list[int]:
        return sorted({r for p in self.points for r in p.rungs})

    def point_of(self, point: int) -> tuple[int, int]:
        """(scenario index, design index) of a global point index."""
        return divmod(point, len(self.design_points))

    def seed_key(self, point: int) -> int:
        return 0 if self.spec.seeds == "common" else self.point_of(point)[1]

    def draws(self, point: int) -> SweepDraws | None:
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
        return self.builder.resolve(ref, self.design_points[d])

    def scenario(self, point: int) -> Scenario:
        """The full scenario of one point (e.g. to trace one of its runs)."""
        return build_point(*self.resolve(point))


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
    if spec.design == "table":
        assert spec.design_table is not None
        return [tuple(p) for p in spec.design_table[1]], {}
    raise InputError("unknown design", key="--design", value=spec.design,
                     expected=" | ".join(DESIGNS))


def plan_sweep(spec: SweepSpec, design: dict[str, Any] | None = None) -> SweepPlan:
    """Check a sweep spec and build its plan.

    Every point is checked up front (the loader's checks, or its type/range/cross-key checks
    on a patch), so a bad value stops the sweep before any run. ``design`` is a stored
    ``design.json`` (on resume the exact stored values are re-run).
    """
    if spec.runs < 1:
        raise InputError("runs must be at least 1", key="--runs", value=spec.runs)
    if spec.seeds not in ("point", "common"):
        raise InputError("unknown seeding", key="--seeds", value=spec.seeds,
                         expected="point | common")
    if not spec.scenarios:
        raise InputError("no scenario to sweep", expected="at least one SCENARIO")
    if spec.design == "table":
        if spec.design_table is None:
            raise InputError("a table design needs a design table", key="--design-table")
        if spec.vary:
            raise InputError("give either --vary or --design-table, not both", key="--vary",
                             value=list(spec.vary))
        keys = list(spec.design_table[0])
        axes: list[Axis] = []
    else:
        if not spec.vary:
            raise InputError("nothing to vary", key="--vary",
                             expected="at least one --vary KEY=SPEC, or --design-table")
        axes = [parse_vary(v) for v in spec.vary]
        check_axes(axes)
        keys = [a.key for a in axes]
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
    integer = builder.integer_keys()
    axes = [a.with_integer(a.key in integer) for a in axes]
    if design is not None:
        points_list = [tuple(p) for p in design["points"]]
        extra = {k: v for k, v in design.items() if k not in ("keys", "points", "units")}
    else:
        points_list, extra = _design_points(spec, axes)
    if not points_list:
        raise InputError("the design has no points", key="--vary", value=list(spec.vary))
    infos: list[tables.PointInfo] = []
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
                weapon_cols.update(c for c in cols if c.startswith("attacks_weapon_"))
                rung_levels.update(r.level for r in base.ladder.values())
                ladders[base.scenario.name] = {n: r.level for n, r in base.ladder.items()}
            resolved.append((base_index[base.param_hash], patch))
            horizon = dict(patch).get("scenario.horizon_days", base.scenario.horizon_days)
            infos.append(tables.PointInfo(ref * n_design + d, base.scenario.name, d,
                                          tuple(values), float(horizon),
                                          tuple(sorted(r.level for r in base.ladder.values()))))
    uncertainty = plan_uncertainty(
        spec.parameter_uncertainty, spec.priors, spec.posterior, builder.scenarios,
        [[b for b, r in zip(bases, base_refs, strict=True) if r == ref]
         for ref in range(len(spec.scenarios))], keys)
    base_draws = [None if uncertainty is None else uncertainty.scenarios[r].draws
                  for r in base_refs]
    run_cols = [c for c in BASE_COLUMNS if c != "point"] + sorted(weapon_cols) + \
        [f"day_rung_{r}" for r in sorted(rung_levels)] + \
        (uncertainty.columns if uncertainty is not None else [])
    columns = ["point", "design_point", *keys, *run_cols]
    return SweepPlan(spec, axes, keys, points_list, builder, columns, run_cols, infos, ladders,
                     extra, resolved, bases, uncertainty, base_draws)


# ------------------------------------------------------------------------------- the work ---
@dataclass(frozen=True)
class PointTask:
    """Replications ``start..stop-1`` of one point: a base scenario and a patch."""

    point: int
    seed_key: int
    base: int  # index into SweepChunk.bases
    patch: Patch
    prefix: tuple[Any, ...]  # point, design point and swept values, as written
    start: int
    stop: int


@dataclass(frozen=True)
class SweepChunk:
    """One unit of work: consecutive (point, replication) pairs."""

    chunk_id: int
    root_seed: int
    bases: tuple[Scenario, ...]
    tasks: tuple[PointTask, ...]
    run_columns: tuple[str, ...]
    #: Per base: what its replications draw (``--parameter-uncertainty``); empty: nothing.
    draws: tuple[SweepDraws | None, ...] = ()


@dataclass(frozen=True)
class ChunkOutput:
    chunk_id: int
    rows: list[list[Any]]
    seconds: float
    worker: str


def run_sweep_chunk(chunk: SweepChunk) -> ChunkOutput:
    """Run one chunk; pure and picklable, so any executor can map it."""
    started = time.perf_counter()
    rows = []
    for task in chunk.tasks:
        scenario = build_point(chunk.bases[task.base], task.patch)
        draws = chunk.draws[task.base] if chunk.draws else None
        for r in range(task.start, task.stop):
            seed = replication_seed(chunk.root_seed, r, task.seed_key)
            if draws is None:
                rec = run_replication(scenario, seed, replication=r, point=task.point)
            else:  # the point's own values stand; the free uncertain ones are drawn
                drawn_scenario, drawn = draws.scenario_for(scenario, seed)
                rec = run_replication(drawn_scenario, seed, replication=r, point=task.point)
                rec.row.update(drawn)
            rows.append([*task.prefix, *(rec.row.get(c) for c in chunk.run_columns)])
    return ChunkOutput(chunk.chunk_id, rows, time.perf_counter() - started,
                       f"{socket.gethostname()}:{os.getpid()}")


def default_chunk_runs(total_runs: int, workers: int) -> int:
    """About eight chunks per worker, at most :data:`MAX_CHUNK_RUNS` replications each."""
    return max(1, min(MAX_CHUNK_RUNS, math.ceil(total_runs / (8 * max(1, workers)))))


def make_chunk(plan: SweepPlan, chunk_id: int, chunk_runs: int) -> SweepChunk:
    """Chunk ``chunk_id``: global runs ``[id * chunk_runs, (id + 1) * chunk_runs)``, where the
    global run index of replication ``r`` of point ``p`` is ``p * runs + r``."""
    runs = plan.spec.runs
    first = chunk_id * chunk_runs
    last = min(first + chunk_runs, plan.total_runs)
    bases: list[Scenario] = []
    draws: list[SweepDraws | None] = []
    tasks = []
    g = first
    while g < last:
        p, r = divmod(g, runs)
        stop = min(runs, r + (last - g))
        base, patch = plan.resolve(p)
        idx = next((i for i, b in enumerate(bases) if b is base), None)
        if idx is None:
            bases.append(base)
            draws.append(plan.draws(p))
            idx = len(bases) - 1
        info = plan.points[p]
        tasks.append(PointTask(p, plan.seed_key(p), idx, patch,
                               (p, info.design_point, *info.values), r, stop))
        g += stop - r
    return SweepChunk(chunk_id, plan.spec.seed, tuple(bases), tuple(tasks),
                      tuple(plan.run_columns),
                      tuple(draws) if any(d is not None for d in draws) else ())


# ------------------------------------------------------------------------------- manifest ---
def code_hash() -> str:
    """Hash of the model and engine source: a resumed sweep must run the same code."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted([root / "engine.py", *(root / "model").glob("*.py")]):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _file_sha(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _design_json(plan: SweepPlan) -> dict[str, Any]:
    units = {}
    for k in plan.keys:
        info = plan.builder.info(k)
        units[k] = info.unit if info is not None else ""
    return {"keys": plan.keys, "points": [list(p) for p in plan.design_points],
            "units": units, **plan.design_extra}


def _new_manifest(plan: SweepPlan, chunk_runs: int) -> dict[str, Any]:
    spec = plan.spec
    n_chunks = math.ceil(plan.total_runs / chunk_runs)
    return {
        "kind": spec.kind,
        "status": "running",
        "created": _now(),
        "escsim_version": __version__,
        "code_hash": code_hash(),
        "python": platform.python_version(),
        "spec": spec.to_json(),
        "design": {"kind": spec.design, "samples": spec.samples, "keys": plan.keys,
                   "axes": [{"key": a.key, "spec": a.spec, "kind": a.kind} for a in plan.axes],
                   "units": _design_json(plan)["units"], "design_points":
                       len(plan.design_points), "file": tables.DESIGN},
        "seeds": {"root_seed": spec.seed, "mode": spec.seeds,
                  "rule": "seed = escsim.engine.replication_seed(root_seed, replication, "
                          + ("0)" if spec.seeds == "common" else "design_point)"),
                  "design_seed": "SeedSequence(root_seed, spawn_key=(0x5EED,))"},
        "scenarios": [{"ref": ref, "name": s.scenario.name, "source": s.source,
                       "param_hash": s.param_hash, "file_sha256": _file_sha(s.source)}
                      for ref, s in zip(spec.scenarios, plan.builder.scenarios, strict=True)],
        "ladders": plan.ladders,
        "points": plan.n_points,
        "runs_per_point": spec.runs,
        "total_runs": plan.total_runs,
        "columns": plan.columns,
        **({"parameter_uncertainty": plan.uncertainty.to_json()}
           if plan.uncertainty is not None else {}),
        "chunking": {"chunk_runs": chunk_runs, "chunks": n_chunks},
        "sessions": [],
        "chunks": [],
    }


def _check_resume(plan: SweepPlan, manifest: dict[str, Any], folder: Path) -> None:
    stored = SweepSpec.from_json(manifest["spec"]).to_json()
    given = plan.spec.to_json()
    diff = sorted(k for k in given if given[k] != stored.get(k))
    if diff:
        raise InputError("the command differs from the interrupted sweep", file=str(folder),
                         value={k: given[k] for k in diff},
                         expected=f"the stored {', '.join(diff)} "
                                  f"({ {k: stored.get(k) for k in diff} }), or --force to "
                                  "start afresh")
    for entry, s in zip(manifest["scenarios"], plan.builder.scenarios, strict=True):
        if entry["param_hash"] != s.param_hash:
            raise InputError("the scenario changed since the sweep started", file=s.source,
                             value=s.param_hash,
                             expected=f"parameter hash {entry['param_hash']} as stored in "
                                      f"{folder / tables.MANIFEST}, or --force to start afresh")
    stored_u = manifest.get("parameter_uncertainty", {}).get("scenarios", [])
    given_u = plan.uncertainty.scenarios if plan.uncertainty is not None else ()
    for entry, u in zip(stored_u, given_u, strict=False):
        if entry.get("content_sha256") != u.content_sha256:
            src = u.posterior_file or u.priors_file
            raise InputError("the priors or posterior changed since the sweep started",
                             file=src, value=u.content_sha256,
                             expected=f"content hash {entry.get('content_sha256')} as stored in "
                                      f"{folder / tables.MANIFEST}, or --force to start afresh")
    if manifest.get("code_hash") != code_hash():
        raise InputError("the escsim model code changed since the sweep started",
                         file=str(folder), value=code_hash(),
                         expected=f"code hash {manifest.get('code_hash')}, or --force to start "
                                  "afresh")


def load_plan(folder: Path) -> tuple[SweepPlan, dict[str, Any]]:
    """The plan of an existing sweep folder, from its manifest and stored design."""
    folder = Path(folder)
    if not (folder / tables.MANIFEST).is_file():
        raise InputError("nothing to resume (no manifest.json)", file=str(folder),
                         expected="a folder written by escsim sweep")
    manifest = tables.read_json(folder / tables.MANIFEST)
    spec = SweepSpec.from_json(manifest["spec"])
    plan = plan_sweep(spec, design=tables.read_json(folder / tables.DESIGN))
    return plan, manifest


# ------------------------------------------------------------------------------------ run ---
@dataclass
class SweepResult:
    """Where a sweep was written and how it went."""

    folder: Path
    plan: SweepPlan
    chunks_run: int
    runs_run: int
    wall_seconds: float
    resumed: bool


def run_sweep(plan: SweepPlan, out: Path, executor: Any = None, resume: bool = False,
              force: bool = False, chunk_runs: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run (or finish) a sweep into folder ``out``.

    Args:
        plan: from :func:`plan_sweep` (or :func:`load_plan` to resume).
        out: the sweep folder.
        executor: serial (default), process pool or Dask (:func:`escsim.executors.make_executor`);
            the caller closes it.
        resume: finish an interrupted sweep in ``out``: run only the chunks without a part file.
        force: replace an existing ``out``.
        chunk_runs: replications per chunk (default: about eight chunks per worker). On resume
            the stored chunking is kept.
        progress: called as ``progress(runs_done, total_runs)`` at the start and after each
            chunk.
    """
    out = Path(out)
    executor = executor or SerialExecutor()
    workers = int(getattr(executor, "workers", 1) or 1)
    started = time.perf_counter()
    if out.exists() and resume:
        manifest = tables.read_json(out / tables.MANIFEST) if \
            (out / tables.MANIFEST).is_file() else None
        if manifest is None:
            raise InputError("nothing to resume (no manifest.json)", file=str(out),
                             expected="a folder written by escsim sweep")
        _check_resume(plan, manifest, out)
        if manifest.get("status") == "complete" and (out / tables.RUNS).is_file():
            return SweepResult(out, plan, 0, 0, 0.0, True)
        chunk_runs = int(manifest["chunking"]["chunk_runs"])
        tables.clean_partial_files(out)
    else:
        if resume:
            raise InputError("nothing to resume: the folder does not exist", file=str(out),
                             expected="the --out folder of an interrupted sweep")
        if out.exists():
            if not force:
                raise InputError("output folder exists; use --force to replace it, --resume to "
                                 "finish an interrupted sweep, or --out to choose another",
                                 file=str(out))
            shutil.rmtree(out)
        chunk_runs = chunk_runs or default_chunk_runs(plan.total_runs, workers)
        (out / tables.PARTS).mkdir(parents=True)
        manifest = _new_manifest(plan, chunk_runs)
        tables.write_json(out / tables.DESIGN, _design_json(plan))
        tables.write_table(out / tables.POINTS, ["point", "scenario", "design_point",
                                                 "seed_key", *plan.keys, "horizon_days"],
                           [[p.point, p.scenario, p.design_point, plan.seed_key(p.point),
                             *p.values, p.horizon_days] for p in plan.points])
    n_chunks = math.ceil(plan.total_runs / chunk_runs)
    (out / tables.PARTS).mkdir(parents=True, exist_ok=True)
    done = tables.done_chunks(out)
    todo = [i for i in range(n_chunks) if i not in done]
    runs_done = sum(_chunk_len(i, chunk_runs, plan.total_runs) for i in done)
    session: dict[str, Any] = {
        "started": _now(), "executor": getattr(executor, "name", type(executor).__name__),
        "workers": workers, "cores": available_cores(), "host": socket.gethostname(),
        "scheduler": getattr(executor, "scheduler_address", None),
        "chunks_before": len(done), "chunks_run": 0, "status": "running"}
    manifest["status"] = "running"
    manifest.setdefault("sessions", []).append(session)
    tables.write_json(out / tables.MANIFEST, manifest)
    if progress is not None:
        progress(runs_done, plan.total_runs)
    chunks_run = runs_run = 0
    try:
        with open(out / tables.CHUNK_LOG, "a", encoding="utf-8") as log:
            items = (make_chunk(plan, i, chunk_runs) for i in todo)
            for res in executor.map_unordered(run_sweep_chunk, items):
                tables.write_part(out, res.chunk_id, plan.columns, res.rows)
                log.write(json.dumps({"chunk": res.chunk_id, "runs": len(res.rows),
                                      "seconds": round(res.seconds, 4), "worker": res.worker,
                                      "finished": _now()}) + "\n")
                log.flush()
                chunks_run += 1
                runs_run += len(res.rows)
                runs_done += len(res.rows)
                if progress is not None:
                    progress(runs_done, plan.total_runs)
        _finish(plan, out, manifest, n_chunks)
        session["status"] = "complete"
    except BaseException as exc:
        session["status"] = f"interrupted ({type(exc).__name__})"
        manifest["status"] = "interrupted"
        raise
    finally:
        session.update(finished=_now(), chunks_run=chunks_run, runs_run=runs_run,
                       wall_seconds=round(time.perf_counter() - started, 3))
        tables.write_json(out / tables.MANIFEST, manifest)
    if manifest["status"] == "complete":
        shutil.rmtree(out / tables.PARTS, ignore_errors=True)
        (out / tables.CHUNK_LOG).unlink(missing_ok=True)
    return SweepResult(out, plan, chunks_run, runs_run, time.perf_counter() - started,
                       bool(done) or resume)


def _chunk_len(i: int, chunk_runs: int, total: int) -> int:
    return max(0, min(chunk_runs, total - i * chunk_runs))


def _read_chunk_log(out: Path) -> list[dict[str, Any]]:
    entries: dict[int, dict[str, Any]] = {}
    path = out / tables.CHUNK_LOG
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a killed process
            entries[int(e["chunk"])] = e
    return [entries[k] for k in sorted(entries)]


def _finish(plan: SweepPlan, out: Path, manifest: dict[str, Any], n_chunks: int) -> None:
    """Build runs.csv and summary.csv from the parts; mark the manifest complete."""
    tables.assemble_runs(out, n_chunks, plan.columns)
    blocks = tables.iter_point_blocks(out, n_chunks, tables.summary_inputs(plan.rungs))
    cols, rows = tables.build_summary(blocks, plan.points, plan.keys, plan.rungs)
    tables.write_table(out / tables.SUMMARY, cols, rows)
    chunks = _read_chunk_log(out)
    manifest["chunks"] = chunks
    manifest["status"] = "complete"
    manifest["completed"] = _now()
    manifest["compute_seconds"] = round(sum(c["seconds"] for c in chunks), 3)


def iter_todo(plan: SweepPlan, chunk_runs: int, skip: Sequence[int] = ()) -> Iterator[SweepChunk]:
    """The chunks of a plan not in ``skip`` (for custom drivers)."""
    skipped = set(skip)
    for i in range(math.ceil(plan.total_runs / chunk_runs)):
        if i not in skipped:
            yield make_chunk(plan, i, chunk_runs)
