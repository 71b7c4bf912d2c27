"""Run a study and report which doctrine is most robust, by how much, and where it flips.

:func:`run_study` runs the study's paired sweep (:mod:`escsim.study.plan`) into a folder --
streamed, resumable, on any executor -- then :func:`report_study` reads the run table back and
writes, beside the sweep's own files:

* ``outcomes.csv``: each outcome of each doctrine in each state, with its 95% interval;
* ``regret.csv``: each doctrine's regret in each state, per outcome and combined;
* ``robustness.csv``: per doctrine and outcome, maximum, 90th-percentile and mean regret;
* ``ranking.csv``: doctrines ranked by maximum regret, with paired-bootstrap intervals;
* ``satisficing.csv``, ``front.csv`` (the non-dominated set), ``drivers.csv`` (which
  uncertainties move each outcome and the regret), ``flips.txt`` (where the top doctrine is
  beaten beyond noise, and PRIM over the uncertainties that change the outcome there:
  :mod:`escsim.study.flips`), ``report.md``, and the plots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escsim.analysis.outcomes import parse_outcome
from escsim.analysis.robustness import (
    RELATIVE_REGRET,
    Cube,
    factor_scores,
    non_dominated,
    ranking,
    regret_summary,
    regret_table,
    relative_regret,
    satisficing,
    unresolved_pairs,
)
from escsim.analysis.runs import binomial_intervals
from escsim.errors import InputError
from escsim.executors import Executor
from escsim.feedback import ProgressArg, as_feedback
from escsim.results import sweep as tables
from escsim.results.columns import write_columns
from escsim.results.files import atomic_write_text, write_json
from escsim.results.provenance import display_path
from escsim.results.tables import read_shaped
from escsim.study.flips import ALPHA, discover_flips, flips_beyond_noise, replication_loss
from escsim.study.plan import StudyPlan, plan_study
from escsim.study.spec import StudySpec, load_study
from escsim.sweep.run import SweepResult, run_sweep

#: Bootstrap resamples behind the ranking intervals.
RANKING_BOOTSTRAP = 400


@dataclass
class StudyReport:
    """The tables of a finished study (also written to its folder)."""

    plan: StudyPlan
    folder: Path
    outcomes: pd.DataFrame
    regret: pd.DataFrame
    robustness: pd.DataFrame
    ranking: pd.DataFrame
    satisficing: pd.DataFrame
    front: pd.DataFrame
    drivers: pd.DataFrame
    flips: list[str] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    run: SweepResult | None = None

    @property
    def most_robust(self) -> str:
        return str(self.ranking["doctrine"].iloc[0])

    def summary_lines(self) -> list[str]:
        """The report's conclusion in a few lines (printed by ``escsim study``)."""
        from escsim.analysis.format import interval_text, sig

        r = self.ranking
        spec = self.plan.spec
        lines = [f"study {spec.name}: {len(self.plan.doctrines)} doctrines x "
                 f"{len(self.plan.states)} states x {spec.runs} runs, root seed {spec.seed}",
                 f"ranked by maximum {r['rank_by'].iloc[0].replace('_', ' ')} over states "
                 f"({int(r['confidence'].iloc[0] * 100)}% paired-bootstrap intervals):"]
        width = max(len(str(d)) for d in r["doctrine"])
        for row in r.itertuples():
            rank = f"{row.rank}" if row.resolved else f"{row.rank} [{row.rank_low}-{row.rank_high}]"
            sat = self.satisficing.set_index("doctrine")["satisficing_share"].get(row.doctrine)
            lines.append(f"  {rank:<8} {row.doctrine:<{width}} max regret "
                         f"{interval_text(row.max_regret, row.max_regret_low, row.max_regret_high)}"
                         f"  P(best) {sig(row.p_best)}"
                         + (f"  satisficing {sig(sat)}" if sat is not None else ""))
        top = r.iloc[0]
        if len(r) > 1:
            second = r.iloc[1]
            lines.append(f"most robust: {top.doctrine}; its maximum regret is "
                         f"{sig(second.max_regret - top.max_regret)} below the next "
                         f"({second.doctrine})")
        if self.unresolved:
            pairs = ", ".join(f"{a} vs {b}" for a, b in self.unresolved)
            lines.append(f"not resolved by these runs (rank intervals overlap): {pairs}")
        else:
            lines.append("every rank is resolved at this confidence")
        front = ", ".join(self.front.loc[self.front["non_dominated"], "doctrine"])
        lines.append(f"non-dominated on the outcomes' worst states: {front}")
        lines.extend(self.flips)
        top = self.most_robust
        d = self.drivers
        drivers = d[(d["doctrine"] == top) & d["target"].str.startswith("regret")] \
            if not d.empty else d
        if not drivers.empty:
            best = drivers.sort_values("score", ascending=False).iloc[0]
            lines.append(f"what moves {top}'s regret most across states: {best.uncertainty} "
                         f"(explains a share {sig(best.score, 2)} of its variance alone)")
        return lines


def _outcome_values(runs: pd.DataFrame, spec: StudySpec) -> dict[str, np.ndarray]:
    out = {}
    for o in spec.outcomes:
        try:
            out[o.name] = parse_outcome(o.measure).values(runs)
        except InputError as exc:
            exc.file = spec.source
            exc.key = f"outcomes.{o.name}.measure"
            raise
    return out


def outcome_intervals(cube: Cube, spec: StudySpec, confidence: float = 0.95) -> pd.DataFrame:
    """Each outcome of each doctrine in each state with its interval: exact binomial for a
    probability, a t interval for a mean."""
    from scipy import stats

    rows = []
    for o in spec.outcomes:
        v = cube.values[o.name]
        n = v.shape[2]
        mean = v.mean(axis=2)
        if parse_outcome(o.measure).is_probability:
            lo, hi = binomial_intervals(v.sum(axis=2), np.full(mean.shape, n), confidence)
            method = "Clopper-Pearson"
        else:
            sem = v.std(axis=2, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(mean)
            t = float(stats.t.ppf(0.5 + confidence / 2, max(1, n - 1)))
            lo, hi = mean - t * sem, mean + t * sem
            method = "t interval"
        for i, d in enumerate(cube.doctrines):
            for j, s in enumerate(cube.states):
                rows.append({"doctrine": d, "state": s, "outcome": o.name, "measure": o.measure,
                             "direction": o.direction, "value": mean[i, j], "low": lo[i, j],
                             "high": hi[i, j], "runs": n, "interval": method})
    return pd.DataFrame(rows)


def states_table(plan: StudyPlan) -> pd.DataFrame:
    """One row per state: its name, scenario and uncertain values."""
    return pd.DataFrame([{"state": s.name, "scenario": s.scenario, **dict(s.values)}
                         for s in plan.states])


#: The study tables with one row per state (or per doctrine x state): each row carries its
#: state's window, since the states of an ensemble of scenarios may cover different ones.
_PER_STATE = ("outcomes", "regret", "states")


def state_windows(plan: StudyPlan) -> pd.DataFrame:
    """One row per state: its ``start_date`` and ``horizon_days`` (those of its points)."""
    seen: dict[int, tuple[str, float]] = {}
    for info in plan.sweep.points:
        seen.setdefault(plan.cell(info.point)[1], (info.start_date, info.horizon_days))
    return pd.DataFrame([{"state": s.name, "start_date": seen[s.index][0],
                          "horizon_days": seen[s.index][1]} for s in plan.states
                         if s.index in seen])


def with_windows(table: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its rows' state windows after the ``scenario`` (else ``state``) column."""
    if "state" not in table.columns or table.empty:
        return table
    merged = table.merge(windows, on="state", how="left")
    cols = [c for c in table.columns if c not in ("start_date", "horizon_days")]
    at = cols.index("scenario" if "scenario" in cols else "state") + 1
    return merged[[*cols[:at], "start_date", "horizon_days", *cols[at:]]]


def read_cube(plan: StudyPlan, folder: Path) -> Cube:
    """The per-replication outcomes of a finished study folder."""
    runs = tables.read_sweep(folder).read_runs(
        sorted({"point", "replication", *(parse_outcome(o.measure).column
                                          for o in plan.spec.outcomes)}))
    cells = np.array([plan.cell(p) for p in range(plan.sweep.n_points)])
    point = runs["point"].to_numpy()
    names = plan.doctrine_names
    state_names = [s.name for s in plan.states]
    runs = runs.assign(doctrine=[names[i] for i in cells[point, 0]],
                       state=[state_names[i] for i in cells[point, 1]])
    return Cube.from_runs(runs, _outcome_values(runs, plan.spec), names, state_names)


def report_study(plan: StudyPlan, folder: Path, plots: bool = True) -> StudyReport:
    """Compute and write the study's tables (and plots) from its finished run table."""
    spec = plan.spec
    cube = read_cube(plan, folder)
    outcomes = outcome_intervals(cube, spec)
    values = outcomes[["doctrine", "state", "outcome", "value"]]
    regret = regret_table(values, spec.directions)
    combined = relative_regret(regret, spec.weights)
    all_regret = pd.concat([regret[["doctrine", "state", "outcome", "value", "best", "regret"]],
                            combined], ignore_index=True)
    robustness = regret_summary(all_regret)
    rank = ranking(cube, spec.directions, spec.rank_by, spec.weights, RANKING_BOOTSTRAP,
                   spec.seed)
    sat = satisficing(values, spec.directions, spec.thresholds)
    worst = values.pivot_table(index="doctrine", columns="outcome", values="value",
                               aggfunc=lambda v: v.max())
    for o, direction in spec.directions.items():  # the worst state of a "max" outcome
        if direction == "max":
            worst[o] = values[values.outcome == o].groupby("doctrine")["value"].min()
    worst = worst.reindex(plan.doctrine_names)
    front = worst.reset_index().rename_axis(None, axis=1)
    front["non_dominated"] = non_dominated(front, spec.directions)
    states = states_table(plan)
    loss = replication_loss(cube, spec.directions, spec.rank_by, spec.weights)
    drivers, flips = _drivers(plan, states, values, all_regret, rank, loss)
    report = StudyReport(plan, folder, outcomes, all_regret, robustness, rank, sat, front,
                         drivers, flips, unresolved_pairs(rank))
    _write(report, states, plots)
    return report


def _drivers(plan: StudyPlan, states: pd.DataFrame, values: pd.DataFrame,
             regret: pd.DataFrame, rank: pd.DataFrame, loss: np.ndarray
             ) -> tuple[pd.DataFrame, list[str]]:
    """Which uncertainties move each outcome and the regret (correlation ratio), and where the
    top doctrine is beaten beyond noise (:mod:`escsim.study.flips`)."""
    x = states.drop(columns=["state"]).set_index(states["state"])
    x = x.loc[:, [c for c in x.columns if x[c].nunique() > 1]]
    rows = []
    if x.shape[1] == 0:
        return pd.DataFrame(columns=["doctrine", "target", "uncertainty", "score", "groups"]), [
            "one state of the world only: nothing to attribute the ranking to"]
    spec = plan.spec
    for d in plan.doctrine_names:
        for o in [*(o.name for o in spec.outcomes)]:
            y = values[(values.doctrine == d) & (values.outcome == o)].set_index("state")["value"]
            for r in factor_scores(x, y.reindex(x.index)).itertuples():
                rows.append({"doctrine": d, "target": o, "uncertainty": r.uncertainty,
                             "score": r.score, "groups": r.groups})
        reg = regret[(regret.doctrine == d) & (regret.outcome == spec.rank_by)]
        y = reg.set_index("state")["regret"].reindex(x.index)
        for r in factor_scores(x, y).itertuples():
            rows.append({"doctrine": d, "target": f"regret ({spec.rank_by})",
                         "uncertainty": r.uncertainty, "score": r.score, "groups": r.groups})
    top = str(rank["doctrine"].iloc[0])
    return pd.DataFrame(rows), flip_lines(x, loss, plan.doctrine_names.index(top), top)


def flip_lines(x: pd.DataFrame, loss: np.ndarray, top_index: int, top: str) -> list[str]:
    """Where ``top`` is beaten beyond the noise between copies of one state, and the PRIM box
    over the uncertainties that change the outcome there (one row of ``x`` per state)."""
    tested = flips_beyond_noise(loss, top_index)
    n, k, m = len(tested.flips), int(tested.flips.sum()), int(tested.within_noise.sum())
    noise = (f"; in {m} more another doctrine does better by less than the noise between "
             f"copies of one state (paired t-tests, false discovery rate {ALPHA:g})"
             if m else "")
    if k == 0:
        if m == 0:
            return [f"{top} is the best doctrine in every state: the answer does not flip"]
        return [f"{top} is beaten beyond noise in no state: the answer does not flip{noise}"]
    if k == n:
        return [f"{top} is beaten beyond noise in every state; it wins on the worst case"]
    found = discover_flips(x, loss, tested.flips)
    lost = [str(s) for s, f in zip(x.index, tested.flips, strict=True) if f]
    # name a few states: the rest are in regret.csv (60 names made one 900-character line)
    where = "; ".join(lost[:3]) + (f"; and {len(lost) - 3} more" if len(lost) > 3 else "")
    line = f"{top} is beaten beyond noise in {k} of {n} states ({where}){noise}"
    if found.result is None:
        line += "; no uncertainty that changes the outcome there describes them"
    else:
        res = found.result
        rules = res.rules() or ["(no simpler rule than the list of states)"]
        line += (f"; PRIM box (coverage {res.box.coverage:.2g}, density "
                 f"{res.box.density:.2g}): " + " and ".join(rules))
    if found.left_out:
        line += ("; left out of the box search, without effect beyond noise in the states it "
                 "describes: " + ", ".join(found.left_out))
    return [line]


def _write(report: StudyReport, states: pd.DataFrame, plots: bool) -> None:
    folder = report.folder
    spec = report.plan.spec
    from escsim.results.files import atomic_open

    windows = state_windows(report.plan)
    for name, table in (("outcomes", report.outcomes), ("regret", report.regret),
                        ("robustness", report.robustness), ("ranking", report.ranking),
                        ("satisficing", report.satisficing), ("front", report.front),
                        ("drivers", report.drivers), ("states", states)):
        if name in _PER_STATE:
            table = with_windows(table, windows)
        with atomic_open(folder / f"{name}.csv") as fh:
            table.to_csv(fh, index=False)
    doctrines = [{"doctrine": d, **dict(v)} for d, v in report.plan.doctrines]
    with atomic_open(folder / "doctrines.csv") as fh:
        pd.DataFrame(doctrines).to_csv(fh, index=False)
    write_json(folder / "study.json", {
        "name": spec.name, "source": display_path(spec.source), "runs": spec.runs,
        "seed": spec.seed,
        "rank_by": spec.rank_by, "lever_keys": report.plan.lever_keys,
        "uncertainty_keys": report.plan.uncertainty_keys,
        "outcomes": [o.__dict__ for o in spec.outcomes],
        "doctrines": report.plan.doctrine_names,
        "states": [s.name for s in report.plan.states],
        "pairing": "every doctrine in one state shares its replication seeds "
                   "(seed_key of points.csv)",
        "most_robust": report.most_robust})
    lines = [f"# Study {spec.name}", "", spec.description.strip(), "",
             "Results explore the consequences of stated assumptions; they are not forecasts.",
             "", "```", *report.summary_lines(), "```", "", "## Ranking", "",
             _markdown(report.ranking[["doctrine", "rank", "rank_low", "rank_high",
                                       "max_regret", "max_regret_low", "max_regret_high",
                                       "p90_regret", "p_best", "resolved"]]), "",
             "## Satisficing (share of states meeting every threshold)", "",
             _markdown(report.satisficing), "",
             "## Worst state of each outcome, and the non-dominated set", "",
             _markdown(report.front), "",
             "Tables: outcomes.csv (each outcome per state, with intervals), regret.csv, "
             "robustness.csv, drivers.csv, states.csv, doctrines.csv. Plots: plots/.", ""]
    atomic_write_text(folder / "report.md", "\n".join(lines))
    atomic_write_text(folder / "flips.txt", "\n".join(report.flips) + "\n")
    # the study's own tables join the sweep's in the column dictionary
    worst = {o.name: ("outcome units", f"The doctrine's worst value over the states of the "
                                       f"study's outcome {o.name} ({o.measure}; "
                                       f"{o.direction} is better).") for o in spec.outcomes}
    write_columns(folder, {k: report.plan.sweep.unit(k) for k in report.plan.sweep.keys},
                  {"front.csv": worst})
    if plots:
        from escsim.plotting.study import plot_study_folder

        plot_study_folder(folder, spec.rank_by)


def _markdown(table: pd.DataFrame) -> str:
    """A small table as Markdown, numbers in significant digits."""
    from escsim.analysis.format import sig

    def cell(v: Any) -> str:
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, float | np.floating):
            return sig(float(v))
        return str(v)

    head = "| " + " | ".join(str(c) for c in table.columns) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |"
            for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def run_study(study: str | Path | StudySpec, out: str | Path, executor: Executor | None = None,
              resume: bool = False, force: bool = False, chunk_runs: int | None = None,
              plots: bool = True, progress: ProgressArg = None,
              runs_format: str = "csv") -> StudyReport:
    """Run every doctrine of a study in every state (paired), then write its report.

    Replication ``r`` of every doctrine in one state shares its seed; the runs stream to
    ``out`` and resume; the tables are the same bytes on every executor.

    Args:
        study: a study file, the name of a bundled study, or a :class:`StudySpec`.
        out: the study folder.
        executor: serial (default), process pool or Dask (``make_executor``).
        resume: finish an interrupted study in ``out`` (only missing chunks run).
        force: replace an existing ``out``.
        chunk_runs: replications per chunk (default: the sweep's).
        plots: draw the regret heat map, the trade-off scatter and the parallel coordinates.
        progress: ``True`` for a tqdm bar (when tqdm is installed), or a callable
            ``progress(runs_done, total_runs)`` (:func:`escsim.feedback.as_feedback`).
        runs_format: the run table's format, ``csv`` or ``parquet`` (``runs.parquet``).

    Returns:
        A :class:`StudyReport` (``.ranking``, ``.regret``, ``.front``, ``.summary_lines()``).
    """
    spec = study if isinstance(study, StudySpec) else load_study(study)
    plan = plan_study(spec)
    with as_feedback(progress).progress(f"study {spec.name}") as bar:
        result = run_sweep(plan.sweep, Path(out), executor=executor, resume=resume, force=force,
                           chunk_runs=chunk_runs, progress=bar, runs_format=runs_format)
    report = report_study(plan, Path(out), plots=plots)
    report.run = result
    return report


def read_study(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a finished study folder, by name.

    Args:
        folder: the ``--out`` folder of ``escsim study`` (or of :func:`run_study`).

    Returns:
        ``{"ranking": DataFrame, "regret": ..., "outcomes": ..., "front": ..., ...}``.
    """
    folder = Path(folder)
    if not (folder / "study.json").is_file():
        raise InputError("not a finished study folder (no study.json)", file=str(folder),
                         expected="the --out folder of escsim study")
    return {p.stem: read_shaped(folder, "study", p.name) for p in sorted(folder.glob("*.csv"))
            if p.stem not in ("runs", "summary", "points")}


__all__ = ["RELATIVE_REGRET", "StudyReport", "read_study", "report_study", "run_study"]
