"""Sweeps: designs x seeds -> an executor -> tidy tables on disk.

:mod:`.design` (what to vary), :mod:`.points` (the scenario of a point), :mod:`.plan` (a checked
sweep), :mod:`.work` (the one work function every batch maps), :mod:`.executors` (serial,
process, Dask), :mod:`.run` (streaming to disk, resume).

For notebooks::

    from escsim.sweep import sweep, read_sweep
    res = sweep(["baseline-2024-11"], vary=["us_policy.preset=restraint,proportional,punitive",
                                            "militias.iraq_factions.excitation_per_round=0:2:5"],
                runs=100, out="results/my-sweep")
    s = read_sweep("results/my-sweep")
    s.summary      # one row per point: rung probabilities with 95% intervals
    s.runs         # one row per point x replication

The command line is ``escsim sweep`` (see ``docs/sweeps.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from escsim.analysis.outcomes import Outcome, parse_outcome
from escsim.executors import Executor, make_executor
from escsim.records import DEFAULT_SEED
from escsim.results.sweep import SweepFolder, read_sweep
from escsim.sweep.design import Axis, parse_vary, read_design_table
from escsim.sweep.plan import SweepPlan, SweepSpec, plan_single, plan_sweep
from escsim.sweep.run import SweepResult, load_plan, run_sweep
from escsim.sweep.work import Chunk, ChunkOutput, run_chunk

__all__ = ["Axis", "Chunk", "ChunkOutput", "Outcome", "SweepFolder", "SweepPlan", "SweepResult",
           "SweepSpec", "load_plan", "make_executor", "parse_outcome", "parse_vary",
           "plan_single", "plan_sweep", "read_design_table", "read_sweep", "run_chunk",
           "run_sweep", "sweep"]


def sweep(scenarios: str | Sequence[str], vary: Sequence[str] = (), out: str | Path = "sweep",
          design: str = "grid", samples: int | None = None, runs: int = 100,
          seed: int = DEFAULT_SEED, overrides: Sequence[str] = (),
          executor: Executor | str | None = None,
          resume: bool = False, force: bool = False, parameter_uncertainty: str = "none",
          priors: str | Path | None = None, posterior: str | Path | None = None
          ) -> SweepResult:
    """Plan and run a sweep (serial by default: the notebook default), like ``escsim sweep``.

    Args:
        scenarios: one scenario reference (a bundled name or a TOML path) or several.
        vary: ``KEY=SPEC`` texts, e.g. ``"iran.frayed_rate_factor=0.02:0.3:5"`` (LO:HI:N) or
            ``"us_policy.preset=restraint,punitive"`` (a list); sampled designs also take
            ``LO:HI`` and distributions (see :mod:`escsim.sweep.design`).
        out: the sweep folder to write.
        design: ``grid`` (cross the axes), ``lhs`` or ``sobol`` (sample them).
        samples: points of an ``lhs`` or ``sobol`` design.
        runs: replications per point.
        seed: the root seed; every point x replication seed derives from it.
        overrides: ``KEY=VALUE`` texts applied to every point before the swept values.
        executor: where chunks run (default: this process): an executor from
            :func:`escsim.executors.make_executor` (left open), or its name (``"serial"``,
            ``"process"``, ``"dask"``: made for this sweep and closed after it).
        resume: finish an interrupted sweep in ``out``, running only the missing chunks.
        force: replace an existing ``out``.
        parameter_uncertainty: ``none``, ``prior`` or ``posterior``: each point x replication
            also draws the scenario's uncertain parameters (except those the sweep sets) from
            a stream derived from its seed; the values become ``drawn_<name>`` columns of
            ``runs.csv`` (see ``docs/sweeps.md``).
        priors: priors file [default: ``scenarios/priors/<scenario>.toml``].
        posterior: calibration folder or ``posterior.csv`` [default:
            ``results/calibrate-<scenario>``].

    Returns:
        A :class:`~escsim.sweep.run.SweepResult`; read the tables back with
        :func:`read_sweep`.

    Raises:
        InputError: a bad spec, key or value, a missing or bad priors or posterior file, or an
            existing ``out`` without ``force``.
    """
    refs = (scenarios,) if isinstance(scenarios, str) else tuple(scenarios)
    spec = SweepSpec(scenarios=refs, vary=tuple(vary), design=design, samples=samples,
                     runs=runs, seed=seed, overrides=tuple(overrides),
                     parameter_uncertainty=parameter_uncertainty,
                     priors=None if priors is None else str(priors),
                     posterior=None if posterior is None else str(posterior))
    plan = plan_sweep(spec)
    if plan.notes:
        import warnings

        for note in plan.notes:  # a swept key the scenarios' mechanisms never read
            warnings.warn(note, stacklevel=2)
    if not isinstance(executor, str):
        return run_sweep(plan, Path(out), executor=executor, resume=resume, force=force)
    with make_executor(executor) as own:
        return run_sweep(plan, Path(out), executor=own, resume=resume, force=force)
