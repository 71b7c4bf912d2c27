"""Scenario discovery on a sweep folder (``escsim discover``): which swept values lead to an
outcome, by PRIM box search; writes ``prim-trajectory.csv`` and its figure into the sweep."""

from __future__ import annotations

from pathlib import Path

from escsim.apps.common import AppResult


def discover(folder: Path, outcome: str, keys: tuple[str, ...] = (),
             min_density: float | None = None, min_support: float = 0.05,
             alpha: float = 0.05) -> AppResult:
    """The PRIM box of ``outcome`` in the sweep ``folder``: its rules, coverage and density
    (``escsim discover``; the arguments are its options)."""
    from escsim.analysis.discovery import discover as run_prim
    from escsim.analysis.format import sig
    from escsim.plotting.sweeps import plot_prim_trajectory, save_figure
    from escsim.results import check_writable, write_table
    from escsim.sweep import parse_outcome, read_sweep

    folder = Path(folder)
    read_sweep(folder)  # a sweep folder, before any work
    check_writable(folder / "plots", key="FOLDER")
    res = run_prim(folder, outcome, keys or None, alpha, min_support, min_density)
    label = parse_outcome(outcome).label(read_sweep(folder).rung_names())
    b = res.box
    lines = [f"{label}: a share of {sig(res.outcome_share)} of {res.trajectory[0].runs:,} runs",
             f"box ({sig(b.support)} of runs): coverage {sig(b.coverage)}, density "
             f"{sig(b.density)} (x{b.density / res.outcome_share:.1f} the overall rate)"]
    rules = res.rules()
    lines += [f"  {r}" for r in rules or
              ["(no swept value restricts it: the outcome is spread evenly)"]]
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    path = save_figure(plot_prim_trajectory(res), plots / "prim-trajectory.png")
    traj = res.trajectory_table()
    write_table(folder / "prim-trajectory.csv", list(traj.columns), traj.itertuples(index=False))
    lines.append(f"trajectory: {path}")
    data = {"outcome": outcome, "label": label, "outcome_share": res.outcome_share,
            "support": b.support, "coverage": b.coverage, "density": b.density,
            "rules": [str(r) for r in rules], "trajectory": str(path)}
    return AppResult(folder, lines, data, value=res)
