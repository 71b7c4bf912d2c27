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

import datetime as dt
import hashlib
import json
import math
import platform
import shutil
import socket
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from escsim.analysis.daily import DailyTally
from escsim.analysis.runs import summarize, summary_columns_of_run
from escsim.analysis.sweep_summary import build_summary, summary_inputs
from escsim.errors import InputError
from escsim.executors import Executor, SerialExecutor, available_cores
from escsim.results import run as run_folder
from escsim.results import sweep as tables
from escsim.results.columns import write_columns
from escsim.results.files import (
    atomic_binary,
    atomic_write_text,
    check_replaceable,
    output_lock,
    read_json_input,
    write_errors,
    write_json,
    write_table,
)
from escsim.results.provenance import (
    SCENARIOS_DIR,
    code_hash,
    command_line,
    display_path,
    provenance,
    variant_name,
    write_scenarios,
)
from escsim.results.runs_table import check_format, has_runs
from escsim.scenario.dump import scenario_toml
from escsim.scenario.priors import PartialSampler
from escsim.scenario.schema import Scenario
from escsim.sweep.plan import MAX_CHUNK_RUNS, SweepPlan, SweepSpec, plan_sweep
from escsim.sweep.work import Chunk, DailyMode, Task, run_chunk
from escsim.version import __version__

#: How often a streamed run saves its daily tally (seconds): a resume re-runs at most the chunks
#: of this long.
TALLY_SAVE_SECONDS = 5.0


def default_chunk_runs(total_runs: int, workers: int) -> int:
    """About eight chunks per worker, at most :data:`MAX_CHUNK_RUNS` replications each."""
    return max(1, min(MAX_CHUNK_RUNS, math.ceil(total_runs / (8 * max(1, workers)))))


def make_chunk(plan: SweepPlan, chunk_id: int, chunk_runs: int,
               daily: DailyMode | None = None) -> Chunk:
    """Chunk ``chunk_id``: global runs ``[id * chunk_runs, (id + 1) * chunk_runs)``, where the
    global run index of replication ``r`` of point ``p`` is ``p * runs + r``."""
    runs = plan.spec.runs
    first = chunk_id * chunk_runs
    last = min(first + chunk_runs, plan.total_runs)
    bases: list[Scenario] = []
    draws: list[PartialSampler | None] = []
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
        tasks.append(Task(p, plan.seed_key(p), idx, patch, plan.prefix(p), r, stop))
        g += stop - r
    return Chunk(chunk_id, plan.spec.seed, tuple(bases), tuple(tasks), tuple(plan.run_columns),
                 tuple(draws) if any(d is not None for d in draws) else (),
                 daily=daily or plan.daily)


# ------------------------------------------------------------------------------- manifest ---
def _file_sha(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _design_json(plan: SweepPlan) -> dict[str, Any]:
    units = {k: plan.unit(k) for k in plan.keys}
    return {"keys": plan.keys, "points": [list(p) for p in plan.design_points],
            "units": units, **plan.design_extra}


def _new_manifest(plan: SweepPlan, chunk_runs: int, title: str | None = None
                  ) -> dict[str, Any]:
    spec = plan.spec
    n_chunks = math.ceil(plan.total_runs / chunk_runs)
    shared = provenance(plan.scenarios, spec.seed, title)
    return {
        "kind": spec.kind,
        "status": "running",
        "created": _now(),
        "title": shared["title"],
        "command": shared["command"],
        "caveat": shared["caveat"],
        "escsim_version": __version__,
        "code_hash": code_hash(),
        "python": platform.python_version(),
        "versions": shared["versions"],
        "root_seed": spec.seed,
        "spec": spec.to_json(),
        "design": {"kind": spec.design, "samples": spec.samples, "keys": plan.keys,
                   "axes": [{"key": a.key, "spec": a.spec, "kind": a.kind} for a in plan.axes],
                   "units": _design_json(plan)["units"], "design_points":
                       len(plan.design_points), "file": tables.DESIGN},
        "seeds": {"root_seed": spec.seed, "mode": spec.seeds,
                  "rule": "seed = escsim.engine.replication_seed(root_seed, replication, "
                          + ("0)" if spec.seeds == "common" else
                             "seed_key of points.csv)" if spec.pair else "design_point)"),
                  **({"paired_keys": list(spec.pair)} if spec.pair else {}),
                  "design_seed": "SeedSequence(root_seed, spawn_key=(0x5EED,))"},
        "scenarios": [{"ref": display_path(ref) if Path(ref).is_absolute() else ref, **entry,
                       "file_sha256": _file_sha(s.source)}
                      for ref, s, entry in zip(spec.scenarios, plan.scenarios,
                                               shared["scenarios"], strict=True)],
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


def _write_reloaded(out: Path, plan: SweepPlan) -> list[dict[str, Any]]:
    """Write the resolved scenario of every base a swept value reloaded (a policy preset, a
    date): the scenario files written beside the manifest pin every value, so a preset set
    on top of them would change nothing, and ``escsim trace DIR --replication K --point P``
    starts from the point's own base. Returns the manifest's entries: per base, its scenario,
    the swept values that made it and its file."""
    if plan.single or not plan.resolved:
        return []
    entries: list[dict[str, Any]] = []
    seen: set[int] = set()
    loaded = {s.param_hash for s in plan.scenarios}
    for info, (b, patch) in zip(plan.points, plan.resolved, strict=True):
        if b in seen:
            continue
        seen.add(b)
        patched = {k for k, _ in patch}
        values = {k: v for k, v in zip(plan.keys, info.values, strict=True) if k not in patched}
        base = plan.bases[b]
        if not values or base.param_hash in loaded:
            continue  # the scenario as loaded: its resolved file is written already
        name = f"{SCENARIOS_DIR}/reloaded/{base.scenario.name}-{base.param_hash}.toml"
        atomic_write_text(out / name, scenario_toml(base, header=f"Command: {command_line()}"
                                                    if command_line() else ""))
        entries.append({"scenario": base.scenario.name, "values": values,
                        "param_hash": base.param_hash, "resolved": name})
    return entries


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
    for entry, s in zip(manifest["scenarios"], plan.scenarios, strict=True):
        if entry["param_hash"] != s.param_hash:
            raise InputError("the scenario changed since the sweep started",
                             file=display_path(s.source),
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


_RESUMABLE = "the manifest.json of a folder written by escsim run or sweep; start afresh " \
    "with --force"


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a folder to resume, checked: readable JSON with the fields a resume
    reads (spec, scenarios, chunking). A truncated or edited manifest is an InputError."""
    path = Path(folder) / tables.MANIFEST
    if not path.is_file():
        raise InputError("nothing to resume (no manifest.json)", file=str(folder),
                         expected="a folder written by escsim sweep")
    manifest = read_json_input(path, "manifest", _RESUMABLE)

    def bad(what: str) -> InputError:
        return InputError(f"manifest is not one escsim wrote: {what}", file=str(path),
                          expected=_RESUMABLE)

    if not isinstance(manifest, dict):
        raise bad("not a JSON object")
    for key, kind in (("spec", dict), ("scenarios", list), ("chunking", dict)):
        if not isinstance(manifest.get(key), kind):
            raise bad(f"'{key}' missing or not a {kind.__name__}")
    chunk_runs = manifest["chunking"].get("chunk_runs")
    if not isinstance(chunk_runs, int) or isinstance(chunk_runs, bool) or \
            not 1 <= chunk_runs <= MAX_CHUNK_RUNS:
        raise bad(f"chunking.chunk_runs = {chunk_runs!r}, expected 1..{MAX_CHUNK_RUNS}")
    if not all(isinstance(e, dict) and isinstance(e.get("param_hash"), str)
               for e in manifest["scenarios"]):
        raise bad("'scenarios' entries need a param_hash")
    if not isinstance(manifest.get("sessions", []), list):
        raise bad("'sessions' is not a list")
    try:
        SweepSpec.from_json(manifest["spec"])
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(f"'spec' unreadable ({type(exc).__name__}: {exc})") from None
    return manifest


def load_plan(folder: Path) -> tuple[SweepPlan, dict[str, Any]]:
    """The plan of an existing sweep folder, from its manifest and stored design."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    spec = SweepSpec.from_json(manifest["spec"])
    design = read_json_input(folder / tables.DESIGN, "design", _RESUMABLE)
    if not isinstance(design, dict):
        raise InputError("design.json is not a JSON object", file=str(folder / tables.DESIGN),
                         expected=_RESUMABLE)
    try:
        plan = plan_sweep(spec, design=design)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(f"design.json unreadable ({type(exc).__name__}: {exc})",
                         file=str(folder / tables.DESIGN), expected=_RESUMABLE) from None
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


def run_sweep(plan: SweepPlan, out: Path, executor: Executor | None = None, resume: bool = False,
              force: bool = False, chunk_runs: int | None = None,
              progress: Callable[[int, int], None] | None = None,
              title: str | None = None, runs_format: str = "csv") -> SweepResult:
    """Run (or finish) a sweep into folder ``out``.

    Args:
        plan: from :func:`plan_sweep` (or :func:`load_plan` to resume).
        out: the sweep folder.
        executor: serial (default), process pool or Dask
            (:func:`escsim.executors.make_executor`); the caller closes it.
        resume: finish an interrupted sweep in ``out``: run only the chunks without a part file.
        force: replace an existing ``out``.
        chunk_runs: replications per chunk (default: about eight chunks per worker). On resume
            the stored chunking is kept.
        progress: called as ``progress(runs_done, total_runs)`` at the start and after each
            chunk.
        title: what the folder's manifest, summary and figures call the result (default: the
            scenario names, marked ``+N-overrides`` when overrides changed them).
        runs_format: the run table's format, ``csv`` (``runs.csv``) or ``parquet``
            (``runs.parquet``, needs pyarrow); on resume the stored format is kept.
    """
    out = Path(out)
    check_format(runs_format)
    with output_lock(out):
        return _run_sweep_locked(plan, out, executor or SerialExecutor(), resume, force,
                                 chunk_runs, progress, title, runs_format)


def _run_sweep_locked(plan: SweepPlan, out: Path, executor: Executor, resume: bool, force: bool,
                      chunk_runs: int | None, progress: Callable[[int, int], None] | None,
                      title: str | None, runs_format: str = "csv") -> SweepResult:
    out = Path(out)
    workers = int(getattr(executor, "workers", 1) or 1)
    started = time.perf_counter()
    resume_hint = f"; free space (or fix the folder) and finish with --resume --out {out}"
    again_hint = "; free space (or fix the folder) and run the command again"
    created = False  # whether this command made the folder (removed if it fails before a manifest)
    try:
        with write_errors(out, resume_hint if resume else again_hint):
            if out.exists() and resume:
                manifest = read_manifest(out)
                try:
                    _check_resume(plan, manifest, out)
                except (KeyError, TypeError, ValueError) as exc:
                    raise InputError(f"manifest is not one escsim wrote "
                                     f"({type(exc).__name__}: {exc})",
                                     file=str(out / tables.MANIFEST),
                                     expected=_RESUMABLE) from None
                if manifest.get("status") == "complete" and has_runs(out):
                    return SweepResult(out, plan, 0, 0, 0.0, True)
                chunk_runs = int(manifest["chunking"]["chunk_runs"])
                tables.clean_partial_files(out)
            else:
                if resume:
                    raise InputError("nothing to resume: the folder does not exist",
                                     file=str(out),
                                     expected="the --out folder of an interrupted sweep")
                if out.exists():
                    if not force:
                        raise InputError("output folder exists; use --force to replace it, "
                                         "--resume to finish an interrupted sweep, or --out to "
                                         "choose another", file=str(out))
                    check_replaceable(out)
                    shutil.rmtree(out)
                chunk_runs = chunk_runs or default_chunk_runs(plan.total_runs, workers)
                (out / tables.PARTS).mkdir(parents=True)
                created = True
                manifest = _new_manifest(plan, chunk_runs, title)
                manifest["runs_format"] = runs_format
                write_scenarios(out, plan.scenarios)
                reloaded = _write_reloaded(out, plan)
                if reloaded:
                    manifest["reloaded_bases"] = reloaded
                for u in plan.uncertainty.scenarios if plan.uncertainty is not None else ():
                    for name, text in u.copies().items():  # what a replay redraws from
                        atomic_write_text(out / name, text)
                if not plan.single:  # a run folder has one point and nothing swept
                    write_json(out / tables.DESIGN, _design_json(plan))
                    write_table(out / tables.POINTS,
                                ["point", "scenario", "design_point", "seed_key", *plan.keys,
                                 "start_date", "horizon_days"],
                                [[p.point, p.scenario, p.design_point, plan.seed_key(p.point),
                                  *p.values, p.start_date, p.horizon_days]
                                 for p in plan.points])
            n_chunks = math.ceil(plan.total_runs / chunk_runs)
            (out / tables.PARTS).mkdir(parents=True, exist_ok=True)
            done = tables.done_chunks(out)
            daily = _RunningTally(out) if plan.daily == "tally" else None
            if daily is not None:  # a part whose runs are not in the saved tally is run again
                done &= daily.chunks
            todo = [i for i in range(n_chunks) if i not in done]
            runs_done = sum(_chunk_len(i, chunk_runs, plan.total_runs) for i in done)
            session: dict[str, Any] = {
                "started": _now(),
                "executor": getattr(executor, "name", type(executor).__name__),
                "workers": workers, "cores": available_cores(), "host": socket.gethostname(),
                "scheduler": getattr(executor, "scheduler_address", None),
                "chunks_before": len(done), "chunks_run": 0, "status": "running"}
            manifest["status"] = "running"
            manifest.setdefault("sessions", []).append(session)
            write_json(out / tables.MANIFEST, manifest)
    except BaseException:
        if created:  # stopped before its first manifest: nothing to resume, so no folder
            shutil.rmtree(out, ignore_errors=True)
        raise
    with write_errors(out, resume_hint):
        return _run_chunks(plan, out, executor, manifest, session, todo, done, daily,
                           chunk_runs, n_chunks, runs_done, started, resume, progress)


def _run_chunks(plan: SweepPlan, out: Path, executor: Executor, manifest: dict[str, Any],
                session: dict[str, Any], todo: list[int], done: set[int],
                daily: _RunningTally | None, chunk_runs: int, n_chunks: int, runs_done: int,
                started: float, resume: bool,
                progress: Callable[[int, int], None] | None) -> SweepResult:
    if progress is not None:
        progress(runs_done, plan.total_runs)
    chunks_run = runs_run = 0
    try:
        with open(out / tables.CHUNK_LOG, "a", encoding="utf-8") as log:
            items = (make_chunk(plan, i, chunk_runs) for i in todo)
            for res in executor.map_unordered(run_chunk, items):
                tables.write_part(out, res.chunk_id, plan.columns, res.rows)
                if daily is not None:
                    daily.add(res.chunk_id, res.daily)
                log.write(json.dumps({"chunk": res.chunk_id, "runs": len(res.rows),
                                      "seconds": round(res.seconds, 4),
                                      "cpu_seconds": round(res.cpu_seconds, 4),
                                      "worker": res.worker,
                                      "finished": _now()}) + "\n")
                log.flush()
                chunks_run += 1
                runs_run += len(res.rows)
                runs_done += len(res.rows)
                if progress is not None:
                    progress(runs_done, plan.total_runs)
        if daily is not None:
            daily.save()
        _finish(plan, out, manifest, n_chunks, daily.tally if daily is not None else None,
                time.perf_counter() - started)
        session["status"] = "complete"
    except BaseException as exc:
        session["status"] = f"interrupted ({type(exc).__name__})"
        manifest["status"] = "interrupted"
        if daily is not None:
            daily.save()
        raise
    finally:
        session.update(finished=_now(), chunks_run=chunks_run, runs_run=runs_run,
                       wall_seconds=round(time.perf_counter() - started, 3))
        write_json(out / tables.MANIFEST, manifest)
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


def run_summary(runs: Any, scenario: Scenario, root_seed: int,
                title: str | None = None) -> dict[str, Any]:
    """The content of a run folder's ``summary.json`` (see :meth:`escsim.Simulation.summary`)."""
    s = summarize(runs, scenario.scenario.horizon_days)
    s.update({
        "scenario": scenario.scenario.name,
        "title": title or variant_name(scenario),
        "overrides": [f"{k}={v}" for k, v in scenario.overrides],
        "scenario_hash": scenario.param_hash,
        "start_date": str(scenario.scenario.start_date),
        "root_seed": root_seed,
        "escsim_version": __version__,
        "rung_names": {r.level: name for name, r in scenario.ladder.items()},
    })
    return s


def _finish(plan: SweepPlan, out: Path, manifest: dict[str, Any], n_chunks: int,
            daily: DailyTally | None, session_seconds: float) -> None:
    """Build runs.csv and the summary (a sweep's summary.csv; a run's summary.json and
    daily.csv) from the parts; mark the manifest complete."""
    runs_format = check_format(str(manifest.get("runs_format", "csv")))
    tables.assemble_runs(out, n_chunks, plan.columns, runs_format)
    if plan.single:
        scenario = plan.bases[0]
        sessions = manifest.get("sessions", [])
        session = sessions[-1] if sessions else {}
        # part by part: the summary keeps tallies, never the whole runs table in memory
        parts = tables.iter_parts(out, n_chunks, summary_columns_of_run(plan.columns))
        summary = run_summary(parts, scenario, plan.spec.seed, manifest.get("title"))
        summary.update(wall_seconds=round(sum(float(x.get("wall_seconds", 0.0)) for x in
                                              sessions[:-1]) + session_seconds, 3),
                       executor=session.get("executor", "serial"),
                       workers=session.get("workers", 1))
        assert daily is not None
        run_folder.write_daily(out, daily.bands(), scenario.scenario.start_date)
        write_json(out / run_folder.SUMMARY_JSON, summary)
    else:
        blocks = tables.iter_point_blocks(out, n_chunks, summary_inputs(plan.rungs))
        cols, rows = build_summary(blocks, plan.points, plan.keys, plan.rungs)
        write_table(out / tables.SUMMARY, cols, rows)
    write_columns(out, {k: plan.unit(k) for k in plan.keys})
    chunks = _read_chunk_log(out)
    manifest["chunks"] = chunks
    manifest["status"] = "complete"
    manifest["completed"] = _now()
    manifest["compute_seconds"] = round(sum(c["seconds"] for c in chunks), 3)
    # CPU of the chunks alone: beside the whole command's, it tells the pool's own cost from
    # replications made slower by a busy machine (see benchmarks/README.md, parallel scaling)
    manifest["compute_cpu_seconds"] = round(sum(c.get("cpu_seconds", 0.0) for c in chunks), 3)


def iter_todo(plan: SweepPlan, chunk_runs: int, skip: Sequence[int] = ()) -> Iterator[Chunk]:
    """The chunks of a plan not in ``skip`` (for custom drivers)."""
    skipped = set(skip)
    for i in range(math.ceil(plan.total_runs / chunk_runs)):
        if i not in skipped:
            yield make_chunk(plan, i, chunk_runs)


class _RunningTally:
    """The daily tally of a streamed run, saved beside the parts so a resumed run keeps it.

    Saved atomically at most every :data:`TALLY_SAVE_SECONDS` and when the run stops; chunks
    finished after the last save have parts but are not in the tally, so a resume runs them
    again (to the same bytes).
    """

    def __init__(self, out: Path):
        self.path = out / tables.PARTS / "daily-tally.npz"
        # the tally and the chunks in it, as one value replaced whole: a Ctrl-C between
        # merging a chunk and recording it (or half-way through a merge) must not leave a
        # tally that counts a chunk the resume runs again
        self.state: tuple[DailyTally | None, frozenset[int]] = (None, frozenset())
        self._saved = time.monotonic()
        if self.path.is_file():
            try:
                with np.load(self.path) as arrays:
                    self.state = (DailyTally.from_arrays(arrays),
                                  frozenset(int(c) for c in arrays["chunks"]))
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                # unreadable (a damaged or edited folder): forget it, and every chunk runs again
                self.state = (None, frozenset())

    @property
    def tally(self) -> DailyTally | None:
        return self.state[0]

    @property
    def chunks(self) -> frozenset[int]:
        return self.state[1]

    def add(self, chunk_id: int, tally: Any) -> None:
        if tally is None:
            return
        current, chunks = self.state
        if chunk_id in chunks:  # counted already (its part failed its check and ran again)
            return
        base = current if current is not None else DailyTally(tally.days, tally.series)
        self.state = (base.merged(tally), chunks | {chunk_id})
        if time.monotonic() - self._saved > TALLY_SAVE_SECONDS:
            self.save()

    def save(self) -> None:
        tally, chunks = self.state  # one consistent pair, whatever happens meanwhile
        if tally is None:
            return
        arrays = {**tally.to_arrays(), "chunks": np.array(sorted(chunks))}
        with atomic_binary(self.path) as fh:
            np.savez(fh, **arrays)
        self._saved = time.monotonic()
