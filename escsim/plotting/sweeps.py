"""Figures of sweeps and sensitivity analyses, drawn from the saved tables.

Every function takes tables (``runs.csv``, ``points.csv``, ``sensitivity.csv`` or a PRIM result)
and an optional matplotlib ``ax``, and returns the :class:`~matplotlib.figure.Figure` it drew on.
Figures are plain ``matplotlib.figure.Figure`` objects on the Agg canvas: no pyplot state.
:func:`plot_sweep_folder` (``escsim plot DIR``) redraws every figure of a sweep folder.

Probabilities along an axis pool the runs at each swept value over the other swept values;
bands and bars are exact 95% Clopper-Pearson intervals (Monte Carlo uncertainty only).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from escsim.analysis import rung_levels, survival_curve
from escsim.analysis.along import along_axis, is_numeric, on_grid
from escsim.analysis.discovery import PrimResult
from escsim.analysis.outcomes import Outcome, parse_outcome, rung_outcome
from escsim.plotting.style import (
    LABEL_PT as _LABEL_PT,
)
from escsim.plotting.style import (
    NOT_A_FORECAST,
    palette,
    rung_label,
    save_figure,
    style_axes,
)
from escsim.plotting.style import (
    NOTE_PT as _NOTE_PT,
)
from escsim.plotting.style import (
    TICK_PT as _TICK_PT,
)
from escsim.plotting.style import (
    TITLE_PT as _TITLE_PT,
)
from escsim.plotting.style import (
    axes_for as _axes,
)
from escsim.plotting.style import (
    footnote as _footnote,
)
from escsim.results import sweep as tables
from escsim.results.tables import read_shaped

_BAND_NOTE = ("Bands: 95% Clopper-Pearson intervals (Monte Carlo uncertainty only), pooled over "
              "the other swept values.")

__all__ = ["plot_heatmap", "plot_morris", "plot_outcomes_along_axis", "plot_prim_trajectory",
           "plot_scenarios", "plot_survival_by_point", "plot_sweep_folder", "plot_tornado"]


def axis_label(key: str, unit: str = "") -> str:
    """``militias.iraq_factions.excitation_per_round [attacks/day]``."""
    return f"{key} [{unit}]" if unit else key


def _outcome_ylabel(outcomes: Sequence[Outcome]) -> str:
    if all(o.is_probability for o in outcomes):
        return "probability within the horizon"
    if len(outcomes) == 1:
        return f"mean {outcomes[0].column} per run [count]"
    return "estimate"


# ------------------------------------------------------------------------------ along axis ---
def plot_outcomes_along_axis(runs: pd.DataFrame, axis: str, outcomes: Sequence[Outcome],
                             ax: Axes | None = None, *, by: str | None = None, unit: str = "",
                             rung_names: dict[int, str] | None = None, confidence: float = 0.95,
                             title: str | None = None) -> Figure:
    """Each outcome (or, with ``by``, one outcome per value of ``by``) along a swept axis, with
    confidence bands (numeric axis) or interval bars (listed values)."""
    if by is not None and len(outcomes) != 1:
        raise ValueError("with 'by', give exactly one outcome")
    fig, ax, created = _axes(ax, 7.2, 4.2)
    numeric = is_numeric(runs[axis])
    series: list[tuple[str, pd.DataFrame]] = []
    for o in outcomes:
        t = along_axis(runs, axis, o, by=by, confidence=confidence)
        if by is None:
            series.append((o.label(rung_names), t))
        else:
            series += [(f"{by} = {g}", sub) for g, sub in t.groupby("group", sort=False)]
    colors = colormaps["viridis"](np.linspace(0.0, 0.9, max(1, len(series))))
    cats: list[Any] = []
    if not numeric:
        cats = list(dict.fromkeys(v for _, t in series for v in t["x"]))
    for i, ((label, t), color) in enumerate(zip(series, colors, strict=True)):
        if numeric:
            x = t["x"].to_numpy(dtype=float)
            ax.plot(x, t["estimate"], "o-", color=color, lw=1.6, ms=3.5, label=label)
            ax.fill_between(x, t["low"], t["high"], color=color, alpha=0.18, lw=0)
        else:
            off = (i - (len(series) - 1) / 2) * min(0.08, 0.6 / max(1, len(series)))
            x = np.array([cats.index(v) for v in t["x"]], dtype=float) + off
            est = t["estimate"].to_numpy(dtype=float)
            ax.errorbar(x, est, yerr=[est - t["low"].to_numpy(dtype=float),
                                      t["high"].to_numpy(dtype=float) - est],
                        fmt="o", color=color, ms=4, lw=1.2, capsize=2.5, label=label)
    if not numeric:
        ax.set_xticks(range(len(cats)), labels=[str(c) for c in cats])
    if all(o.is_probability for o in outcomes):
        ax.set_ylim(-0.02, 1.02)
    style_axes(ax, "y")
    ax.set_xlabel(axis_label(axis, unit), fontsize=_LABEL_PT)
    ax.set_ylabel(_outcome_ylabel(outcomes), fontsize=_LABEL_PT)
    what = outcomes[0].label(rung_names) if len(outcomes) == 1 else "Outcomes"
    ax.set_title(title or f"{what[0].upper()}{what[1:]} along {axis.split('.')[-1]}",
                 fontsize=_TITLE_PT, loc="left")
    ax.legend(fontsize=_TICK_PT - 0.5, frameon=False, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    if created:
        # pooled only when several points share a value of the axis (other keys swept too)
        pooled = "point" in runs and bool((runs.groupby(axis)["point"].nunique() > 1).any())
        note = _BAND_NOTE if pooled else _BAND_NOTE.split(", pooled")[0] + "."
        _footnote(fig, note.replace("95%", f"{confidence:.0%}"), NOT_A_FORECAST)
    return fig


# --------------------------------------------------------------------------------- heatmap ---
def plot_heatmap(runs: pd.DataFrame, x: str, y: str, outcome: Outcome, ax: Axes | None = None,
                 *, units: dict[str, str] | None = None,
                 rung_names: dict[int, str] | None = None, bins: int = 8,
                 confidence: float = 0.95) -> Figure:
    """The outcome over two swept axes (pooled over any others); each cell is annotated with
    its estimate and interval when the grid is small."""
    units = units or {}
    fig, ax, created = _axes(ax, 7.0, 5.2)
    t, xs, ys = on_grid(runs, x, y, outcome, bins, confidence)
    xi = {v: i for i, v in enumerate(xs.index)}
    yi = {v: i for i, v in enumerate(ys.index)}
    grid = np.full((len(ys), len(xs)), np.nan)
    for r in t.itertuples():
        grid[yi[r.y_level], xi[r.x_level]] = r.estimate
    vmax = 1.0 if outcome.is_probability else float(np.nanmax(grid))
    mesh = ax.pcolormesh(np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5, grid,
                         cmap="magma_r", vmin=0.0, vmax=vmax, shading="flat")
    if grid.size <= 64:
        for r in t.itertuples():
            value = float(r.estimate)
            shade = value / vmax if vmax else 0
            text = f"{value:.2f}\n[{r.low:.2f}, {r.high:.2f}]" if outcome.is_probability \
                else f"{value:.3g}"
            ax.text(xi[r.x_level], yi[r.y_level], text, ha="center", va="center",
                    fontsize=_NOTE_PT, color="white" if shade > 0.55 else "black")

    def ticks(values: pd.Series) -> list[str]:
        return [f"{v:.3g}" if isinstance(v, float) else str(v) for v in values]

    ax.set_xticks(range(len(xs)), labels=ticks(xs), rotation=30 if len(xs) > 6 else 0)
    ax.set_yticks(range(len(ys)), labels=ticks(ys))
    ax.tick_params(labelsize=_TICK_PT)
    ax.set_xlabel(axis_label(x, units.get(x, "")), fontsize=_LABEL_PT)
    ax.set_ylabel(axis_label(y, units.get(y, "")), fontsize=_LABEL_PT)
    label = outcome.label(rung_names)
    ax.set_title(f"{'P' if outcome.is_probability else 'Mean'}: {label}", fontsize=_TITLE_PT,
                 loc="left")
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label("probability within the horizon" if outcome.is_probability
                   else f"mean {outcome.column} per run [count]", fontsize=_LABEL_PT)
    if created:
        binned = [k for k, v in ((x, xs), (y, ys)) if is_numeric(runs[k]) and
                  runs[k].nunique() > len(v)]
        _footnote(fig, "Cells: estimate and 95% Clopper-Pearson interval, pooled over the other "
                       "swept values." + (f" Binned by quantile: {', '.join(binned)}; ticks are "
                                          "bin means." if binned else ""), NOT_A_FORECAST)
    return fig


# ------------------------------------------------------------------------------- survival ---
def plot_survival_by_point(runs: pd.DataFrame, points: pd.DataFrame, level: int,
                           ax: Axes | None = None, *, color_by: str | None = None,
                           unit: str = "", rung_names: dict[int, str] | None = None,
                           max_curves: int = 8, confidence: float = 0.95) -> Figure:
    """Kaplan-Meier probability of having reached rung ``level`` by each day (rising, as in
    ``escsim run``'s plots), one curve per point (at most ``max_curves``, spread over the
    values of ``color_by``), with confidence bands."""
    fig, ax, created = _axes(ax, 7.6, 4.4)
    pts = points.copy()
    if color_by is not None:
        pts = pts.sort_values(color_by, kind="stable")
    if len(pts) > max_curves:
        pts = pts.iloc[np.unique(np.linspace(0, len(pts) - 1, max_curves).round().astype(int))]
    numeric = color_by is not None and is_numeric(points[color_by])
    if numeric:
        assert color_by is not None
        norm = Normalize(float(points[color_by].min()), float(points[color_by].max()))
        cmap = colormaps["viridis"]
        colors: list[Any] = [cmap(norm(float(v))) for v in pts[color_by]]
    else:
        colors = list(palette(len(pts)))
    by_point = runs.groupby("point")
    for (_, p), color in zip(pts.iterrows(), colors, strict=True):
        sub = by_point.get_group(p["point"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # undefined CI where S(t) is 0 or 1
            km = survival_curve(sub, level, float(p["horizon_days"]), confidence)
        label = f"point {int(p['point'])}" if color_by is None else \
            f"{color_by.split('.')[-1]} = {p[color_by]:.3g}" if numeric else \
            f"{color_by.split('.')[-1]} = {p[color_by]}"
        if points["scenario"].nunique() > 1:
            label += f" ({p['scenario']})"
        ax.step(km["day"], 1 - km["survival"], where="post", color=color, lw=1.5, label=label)
        ax.fill_between(km["day"], 1 - km["ci_high"], 1 - km["ci_low"], step="post",
                        color=color, alpha=0.12, lw=0)
    ax.set_ylim(-0.02, 1.02)
    style_axes(ax, "y")
    ax.set_xlabel("days from the scenario start [days]", fontsize=_LABEL_PT)
    ax.set_ylabel("P(rung reached by day), Kaplan-Meier", fontsize=_LABEL_PT)
    ax.set_title(f"Time to {rung_label(level, rung_names)}, by sweep point",
                 fontsize=_TITLE_PT, loc="left")
    if numeric:
        assert color_by is not None
        cbar = fig.colorbar(_scalar_mappable(norm), ax=ax)
        cbar.set_label(axis_label(color_by.split(".")[-1], unit), fontsize=_LABEL_PT)
    else:
        ax.legend(fontsize=_TICK_PT - 0.5, frameon=False, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0))
    if created:
        _footnote(fig, "Kaplan-Meier estimate; a run ended by the regional-war rung counts as "
                       "not reaching the other rungs; bands: 95% pointwise intervals.",
                  NOT_A_FORECAST)
    return fig


def _scalar_mappable(norm: Normalize) -> Any:
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=colormaps["viridis"])


# ------------------------------------------------------------------------------ scenarios ---
def plot_scenarios(runs: pd.DataFrame, ax: Axes | None = None, *,
                   rung_names: dict[int, str] | None = None, levels: Sequence[int] | None = None,
                   confidence: float = 0.95) -> Figure:
    """The scenarios side by side: P(reach each rung) per scenario, pooled over the design
    points (each scenario ran the same design points with the same seeds)."""
    from escsim.analysis import rung_probabilities

    levels = list(levels) if levels is not None else rung_levels(runs)
    names = list(dict.fromkeys(runs["scenario"]))
    fig, ax, created = _axes(ax, 8.4, 1.3 + len(levels) * (0.22 + 0.12 * len(names)))
    colors = palette(len(names))
    offsets = np.linspace(-0.2, 0.2, len(names)) if len(names) > 1 else np.zeros(1)
    base = np.arange(len(levels), dtype=float)
    for name, off, color in zip(names, offsets, colors, strict=True):
        sub = runs[runs["scenario"] == name]
        p = rung_probabilities(sub, confidence).set_index("rung")
        present = [lv for lv in levels if lv in p.index]
        y = base[[levels.index(lv) for lv in present]] + off
        est = p.loc[present, "probability"].to_numpy(dtype=float)
        ax.errorbar(est, y, xerr=[est - p.loc[present, "ci_low"].to_numpy(dtype=float),
                                  p.loc[present, "ci_high"].to_numpy(dtype=float) - est],
                    fmt="o", color=color, ms=5, capsize=2.5, lw=1.2,
                    label=f"{name} ({len(sub):,} runs)")
    labels = [rung_label(lv, rung_names) for lv in levels]
    ax.set_yticks(base, labels=labels)
    ax.set_xlim(-0.02, 1.02)
    ax.invert_yaxis()
    style_axes(ax, "x")
    ax.set_xlabel("probability within the horizon", fontsize=_LABEL_PT)
    ax.set_ylabel("escalation rung", fontsize=_LABEL_PT)
    ax.set_title("Scenarios side by side (all sweep points pooled)", fontsize=_TITLE_PT,
                 loc="left")
    ax.legend(fontsize=_TICK_PT - 0.5, frameon=False, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    if created:
        _footnote(fig, "Bars: 95% Clopper-Pearson intervals (Monte Carlo uncertainty only).",
                  NOT_A_FORECAST)
    return fig


# ---------------------------------------------------------------------------- sensitivity ---
def plot_tornado(results: pd.DataFrame, outcome: str | None = None, ax: Axes | None = None,
                 *, units: dict[str, str] | None = None) -> Figure:
    """Sobol' indices of one outcome as a tornado: total order (light) over first order (dark),
    parameters sorted by total order, with bootstrap intervals."""
    r = results[results["method"] == "sobol"]
    outcome = outcome or str(r["outcome"].iloc[0])
    r = r[r["outcome"] == outcome].sort_values("ST", kind="stable")
    fig, ax, created = _axes(ax, 7.4, 1.2 + 0.42 * len(r))
    y = np.arange(len(r))
    for col, color, h, label in (("ST", "#9ecae1", 0.7, "total order ST"),
                                 ("S1", "#2b6a99", 0.38, "first order S1")):
        est = r[col].to_numpy(dtype=float)
        low = r[f"{col}_low"].to_numpy(dtype=float)
        high = r[f"{col}_high"].to_numpy(dtype=float)
        ax.barh(y, est, height=h, color=color, label=label)
        ok = np.isfinite(low) & np.isfinite(high)
        ax.errorbar(est[ok], y[ok], xerr=[np.maximum(est[ok] - low[ok], 0),
                                          np.maximum(high[ok] - est[ok], 0)],
                    fmt="none", ecolor="0.2", capsize=2.5, lw=1)
    ax.set_yticks(y, labels=list(r["parameter"]))
    ax.axvline(0, color="0.3", lw=0.8)
    style_axes(ax, "x")
    ax.set_xlabel("Sobol' index [share of output variance]", fontsize=_LABEL_PT)
    label = str(r["label"].iloc[0]) if "label" in r and len(r) else outcome
    ax.set_title(f"Sensitivity of {label}", fontsize=_TITLE_PT, loc="left")
    ax.legend(fontsize=_TICK_PT - 0.5, frameon=False, loc="lower right")
    if created and len(r):
        share = float(r["noise_share"].iloc[0])
        _footnote(fig, f"Saltelli (S1) and Jansen (ST) estimators; bars: 95% BCa bootstrap "
                       f"intervals. Monte Carlo noise share of the output variance: "
                       f"{share:.2f}.", NOT_A_FORECAST)
    return fig


def plot_morris(results: pd.DataFrame, outcome: str | None = None, ax: Axes | None = None
                ) -> Figure:
    """Morris screening of one outcome: ``mu*`` (influence) against ``sigma`` (non-linearity
    and interactions), with bootstrap intervals of ``mu*``."""
    r = results[results["method"] == "morris"]
    outcome = outcome or str(r["outcome"].iloc[0])
    r = r[r["outcome"] == outcome]
    fig, ax, created = _axes(ax, 7.0, 4.8)
    mu = r["mu_star"].to_numpy(dtype=float)
    ax.errorbar(mu, r["sigma"], xerr=[np.maximum(mu - r["mu_star_low"].to_numpy(dtype=float), 0),
                                      np.maximum(r["mu_star_high"].to_numpy(dtype=float) - mu,
                                                 0)],
                fmt="o", color="#2b6a99", ms=6, capsize=2.5, lw=1)
    sigma = r["sigma"].to_numpy(dtype=float)
    top = float(np.nanmax([*mu, *sigma, 1e-9]))
    placed: list[tuple[float, float]] = []  # label anchors, in units of the axes' range
    for i in np.lexsort((mu, sigma)):
        x, y = mu[i] / top, sigma[i] / top
        lift = 0
        while any(abs(x - px) < 0.3 and abs(y + lift * 0.035 - py) < 0.03 for px, py in placed):
            lift += 1
        placed.append((x, y + lift * 0.035))
        # the whole key: militias.iraq_factions.x and militias.syria_groups.x differ only
        # in their prefix
        ax.annotate(str(r["parameter"].iloc[i]), (mu[i], sigma[i]),
                    xytext=(4, 3 + 10 * lift), textcoords="offset points", fontsize=_NOTE_PT,
                    arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.5} if lift else None)
    ax.plot([0, top], [0, top], ls="--", color="0.6", lw=0.8, label="sigma = mu*")
    style_axes(ax, "both")
    ax.set_xlabel("mu* [mean |elementary effect| per unit of normalised range]",
                  fontsize=_LABEL_PT)
    ax.set_ylabel("sigma [spread of elementary effects]", fontsize=_LABEL_PT)
    label = str(r["label"].iloc[0]) if len(r) else outcome
    ax.set_title(f"Morris screening of {label}", fontsize=_TITLE_PT, loc="left")
    ax.legend(fontsize=_TICK_PT - 0.5, frameon=False)
    if created:
        _footnote(fig, "Bars: 95% bootstrap intervals of mu* over trajectories. Far right: "
                       "influential; above the line: non-linear or interacting.", NOT_A_FORECAST)
    return fig


def plot_prim_trajectory(result: PrimResult, ax: Axes | None = None) -> Figure:
    """PRIM's peeling trajectory: coverage against density, the chosen box circled."""
    fig, ax, created = _axes(ax, 6.4, 4.6)
    t = result.trajectory_table()
    sc = ax.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=18)
    b = result.box
    ax.scatter([b.coverage], [b.density], s=140, facecolors="none", edgecolors="crimson",
               lw=1.6, label="chosen box")
    ax.axhline(result.outcome_share, color="0.5", ls="--", lw=0.8, label="share of all runs")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    style_axes(ax, "both")
    ax.set_xlabel("coverage [share of outcome runs inside the box]", fontsize=_LABEL_PT)
    ax.set_ylabel("density [share of runs inside with the outcome]", fontsize=_LABEL_PT)
    ax.set_title("PRIM peeling trajectory", fontsize=_TITLE_PT, loc="left")
    cbar = fig.colorbar(sc, ax=ax)
    cbar.locator = MaxNLocator(integer=True)
    cbar.update_ticks()
    cbar.set_label("swept values restricted", fontsize=_LABEL_PT)
    ax.legend(fontsize=_TICK_PT - 0.5, frameon=False, loc="lower left")
    if created:
        _footnote(fig, NOT_A_FORECAST)
    return fig


# ----------------------------------------------------------------------------- the folder ---
def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def default_rung(runs: pd.DataFrame) -> int:
    """The rung whose pooled probability is closest to one half: the most contested one."""
    levels = rung_levels(runs)
    p = {lv: float(runs[f"day_rung_{lv}"].notna().mean()) for lv in levels}
    return min(levels, key=lambda lv: (abs(p[lv] - 0.5), -lv))


def plot_sweep_folder(folder: str | Path, outcomes: Sequence[str] = (), rung: int | None = None,
                      axes: Sequence[str] | None = None, by: str | None = None) -> list[Path]:
    """Draw every figure of a sweep folder into ``folder/plots/``; returns the files.

    Args:
        outcomes: extra outcomes (``us_killed>=1``, ``militia_killed``); the rungs are always
            drawn.
        rung: the rung of the heatmap and survival curves (default: the most contested).
        axes: swept keys to draw along (default: all, at most six).
        by: one series per value of this key (or ``scenario``) along each axis.
    """
    sweep = tables.read_sweep(Path(folder))
    out = sweep.path / "plots"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.png"):
        if old.name != "prim-trajectory.png":  # escsim discover draws that one
            old.unlink()
    runs = sweep.runs
    units = sweep.units()
    names = sweep.rung_names()
    keys = list(axes) if axes else sweep.keys[:6]
    extra = [parse_outcome(o) for o in outcomes]
    for o in extra:
        o.values(runs.head(1))  # a missing column -> InputError before drawing anything
    level = rung if rung is not None else default_rung(runs)
    rungs = [rung_outcome(lv) for lv in rung_levels(runs)]
    written: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        written.append(save_figure(fig, out / f"{name}.png"))

    multi = runs["scenario"].nunique() > 1
    for k in keys:
        save(plot_outcomes_along_axis(runs, k, rungs, unit=units.get(k, ""), rung_names=names),
             f"rungs-along-{_safe(k)}")
        group = by or ("scenario" if multi else None)
        group = None if group == k else group
        for o in extra + ([rung_outcome(level)] if group else []):
            save(plot_outcomes_along_axis(runs, k, [o], by=group, unit=units.get(k, ""),
                                          rung_names=names),
                 f"{_safe(o.text)}-along-{_safe(k)}" + (f"-by-{_safe(group)}" if group else ""))
    if len(keys) >= 2:
        for o in [rung_outcome(level), *extra]:
            save(plot_heatmap(runs, keys[0], keys[1], o, units=units, rung_names=names),
                 f"heatmap-{_safe(o.text)}")
    save(plot_survival_by_point(runs, sweep.points, level, color_by=keys[0] if keys else None,
                                unit=units.get(keys[0], "") if keys else "", rung_names=names),
         f"survival-rung-{level}")
    if multi:
        save(plot_scenarios(runs, rung_names=names), "scenarios")
    if (sweep.path / "sensitivity.csv").is_file():
        results = read_shaped(sweep.path, "sensitivity", "sensitivity.csv")
        for o in dict.fromkeys(results["outcome"]):
            method = results.loc[results["outcome"] == o, "method"].iloc[0]
            if method == "sobol":
                save(plot_tornado(results, o, units=units), f"tornado-{_safe(o)}")
            else:
                save(plot_morris(results, o), f"morris-{_safe(o)}")
    return written
