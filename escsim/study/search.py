"""Search a parameterised policy family for doctrines on the robust front.

The family is a preset (``[search] base``) with some of its ``us_policy.*`` values free within
ranges (``[search.ranges]``). NSGA-II (Deb, Pratap, Agarwal and Meyarivan 2002, as implemented
by pymoo -- the optional ``escsim[search]`` extra) evolves candidates; each candidate is run in
every state of the study's world on the same replication seeds as every other candidate and as
the study's own doctrines (common random numbers: the ranking of two candidates is not a draw of
luck). A candidate's objectives are its outcomes in its worst state (a robust, minimax
criterion), signed so that all are minimised.

Evaluations run through the sweep machinery: each generation is a paired table sweep (lever
keys paired) mapped over :func:`escsim.sweep.work.run_chunk` on the given executor, so the same
seed gives the same front on every executor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escsim.analysis.outcomes import parse_outcome
from escsim.analysis.robustness import non_dominated
from escsim.errors import InputError
from escsim.executors import Executor, SerialExecutor
from escsim.scenario import load_scenario
from escsim.scenario.keys import key_info
from escsim.study.plan import plan_study
from escsim.study.spec import StudySpec
from escsim.sweep.run import default_chunk_runs, make_chunk
from escsim.sweep.work import run_chunk


@dataclass
class SearchResult:
    """Every evaluated candidate (and the study's doctrines) with its worst-state outcomes."""

    table: pd.DataFrame
    keys: list[str]
    outcomes: list[str]

    @property
    def front(self) -> pd.DataFrame:
        """The non-dominated rows (candidates and doctrines together)."""
        return self.table[self.table["non_dominated"]].reset_index(drop=True)


def _worst_outcomes(spec: StudySpec, doctrines: list[tuple[str, tuple[tuple[str, Any], ...]]],
                    runs: int, executor: Executor) -> pd.DataFrame:
    """Run ``doctrines`` in every state of ``spec`` (paired); each doctrine's outcomes in its
    worst state."""
    sub = replace(spec, doctrines=tuple(doctrines), runs=runs, posture=())
    plan = plan_study(sub)
    sweep = plan.sweep
    chunk_runs = default_chunk_runs(sweep.total_runs, int(getattr(executor, "workers", 1) or 1))
    n_chunks = -(-sweep.total_runs // chunk_runs)
    rows: list[list[Any]] = []
    outputs = sorted(executor.map_unordered(run_chunk, (make_chunk(sweep, i, chunk_runs)
                                                        for i in range(n_chunks))),
                     key=lambda o: o.chunk_id)
    for out in outputs:
        rows.extend(out.rows)
    runs_table = pd.DataFrame(rows, columns=sweep.columns)
    cells = np.array([plan.cell(p) for p in range(sweep.n_points)])
    runs_table["doctrine"] = cells[runs_table["point"].to_numpy(), 0]
    runs_table["state"] = cells[runs_table["point"].to_numpy(), 1]
    out = pd.DataFrame({"doctrine": [d for d, _ in plan.doctrines]})
    for o in spec.outcomes:
        v = parse_outcome(o.measure).values(runs_table)
        means = pd.Series(v).groupby([runs_table["doctrine"], runs_table["state"]]).mean()
        per = means.groupby(level=0)
        out[o.name] = (per.max() if o.direction == "min" else per.min()).to_numpy()
    return out


def search_doctrines(spec: StudySpec, executor: Executor | None = None, seed: int | None = None
                     ) -> SearchResult:
    """NSGA-II over the study's policy family; returns every candidate and the study's own
    doctrines with their worst-state outcomes, the non-dominated ones marked.

    Raises:
        InputError: the study has no ``[search]`` table, or pymoo is not installed.
    """
    if spec.search is None:
        raise InputError("the study has no [search] table", file=spec.source, key="search",
                         expected="[search] with base and ranges (see docs/howto)")
    try:
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.problem import Problem
        from pymoo.optimize import minimize
    except ImportError:
        raise InputError("the doctrine search needs pymoo", key="--search",
                         expected="pip install 'escsim[search]'") from None
    runner: Executor = executor or SerialExecutor()
    search = spec.search
    keys = [k for k, _, _ in search.ranges]
    lo = np.array([a for _, a, _ in search.ranges])
    hi = np.array([b for _, _, b in search.ranges])
    sign = np.array([1.0 if o.direction == "min" else -1.0 for o in spec.outcomes])
    names = [o.name for o in spec.outcomes]
    evaluated: list[dict[str, Any]] = []
    first = load_scenario(spec.scenarios[0], dict(search.base))
    whole = {k for k in keys if (info := key_info(first, k)) is not None and info.type is int}

    def value(k: str, v: float) -> Any:
        return int(round(float(v))) if k in whole else round(float(v), 6)

    def doctrine_of(x: np.ndarray, i: int) -> tuple[str, tuple[tuple[str, Any], ...]]:
        values = {**dict(search.base), **{k: value(k, v) for k, v in zip(keys, x, strict=True)}}
        return f"candidate {len(evaluated) + i + 1}", tuple(sorted(values.items()))

    class RobustDoctrine(Problem):
        def _evaluate(self, x: np.ndarray, out: dict[str, Any], *args: Any, **kw: Any) -> None:
            doctrines = [doctrine_of(row, i) for i, row in enumerate(x)]
            worst = _worst_outcomes(spec, doctrines, search.runs, runner)
            for (name, values), row in zip(doctrines, worst.itertuples(), strict=True):
                evaluated.append({"doctrine": name, "kind": "candidate", **dict(values),
                                  **{o: getattr(row, o) for o in names}})
            out["F"] = worst[names].to_numpy(dtype=float) * sign

    problem = RobustDoctrine(n_var=len(keys), n_obj=len(names), xl=lo, xu=hi)
    minimize(problem, NSGA2(pop_size=search.population), ("n_gen", search.generations),
             seed=int(spec.seed if seed is None else seed) % (2**32), verbose=False)
    presets = _worst_outcomes(spec, list(spec.doctrines), search.runs, runner)
    for (name, values), row in zip(spec.doctrines, presets.itertuples(), strict=True):
        evaluated.append({"doctrine": name, "kind": "study doctrine", **dict(values),
                          **{o: getattr(row, o) for o in names}})
    table = pd.DataFrame(evaluated)
    table["non_dominated"] = non_dominated(table, spec.directions)
    return SearchResult(table, keys, names)


def write_search(found: Any, folder: Path, plots: bool = True) -> pd.DataFrame:
    """Write a search's candidates (``search.csv``) and, with ``plots``, the trade-off of its
    first two outcomes with the robust front (``plots/search-front.png``); return the front."""
    from escsim.results.files import atomic_open

    with atomic_open(Path(folder) / "search.csv") as fh:
        found.table.to_csv(fh, index=False)
    if plots and len(found.outcomes) >= 2:
        from escsim.plotting.study import plot_tradeoff
        from escsim.plotting.style import save_figure

        save_figure(plot_tradeoff(found.table, found.outcomes[0], found.outcomes[1],
                                  labels=False), Path(folder) / "plots" / "search-front.png")
    return found.front
