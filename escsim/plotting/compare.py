"""Figures of scenarios side by side: rung probabilities, counts and time to rung.

Each function takes ``{scenario name: run table}`` and an optional matplotlib ``ax``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from escsim.analysis import (
    rung_levels,
    rung_probabilities,
)
from escsim.plotting.style import (
    CI_NOTE,
    NOT_A_FORECAST,
    TICK_PT,
    DateLike,
    RungNames,
    as_date,
    axes_for,
    check_runs,
    count_text,
    day_label,
    footnote,
    grid_axes,
    horizon_of,
    km_band,
    n_runs_text,
    points_with_ci,
    probability_xlabel,
    rung_label,
    save_figure,
    set_labels,
    style_axes,
    suptitle,
)
from escsim.records import MAIN_COUNTS


# --------------------------------------------------------------------------- comparisons ---
def _palette(n: int) -> list[Any]:
    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _check_scenarios(runs_by_scenario: Mapping[str, pd.DataFrame], *columns: str) -> None:
    if not runs_by_scenario:
        raise ValueError("no scenarios to compare")
    for name, runs in runs_by_scenario.items():
        try:
            check_runs(runs, *columns)
        except ValueError as err:
            raise ValueError(f"scenario {name!r}: {err}") from None


def plot_compare_rungs(runs_by_scenario: Mapping[str, pd.DataFrame], ax: Axes | None = None, *,
                       rung_names: RungNames = None, levels: Sequence[int] | None = None,
                       title: str | None = None, horizon_days: float | None = None,
                       confidence: float = 0.95) -> Figure:
    """P(reach rung K) for several scenarios side by side, with exact binomial intervals."""
    _check_scenarios(runs_by_scenario)
    probs = {name: rung_probabilities(runs, confidence).set_index("rung")
             for name, runs in runs_by_scenario.items()}
    levels = list(levels) if levels is not None else sorted(
        {int(r) for p in probs.values() for r in p.index})
    k = len(probs)
    fig, ax, created = axes_for(ax, 8.6, 1.4 + len(levels) * (0.2 + 0.13 * k))
    offsets = np.linspace(0.28, -0.28, k) if k > 1 else np.zeros(1)
    base = np.arange(len(levels), dtype=float)
    for i in range(0, len(levels), 2):
        ax.axhspan(i - 0.5, i + 0.5, color="0.965", lw=0, zorder=0)
    for (name, p), off, color in zip(probs.items(), offsets, _palette(k), strict=True):
        present = [lv for lv in levels if lv in p.index]
        if not present:
            continue
        y = base[[levels.index(lv) for lv in present]] + off
        sub = p.loc[present]
        points_with_ci(ax, y, sub["probability"].to_numpy(dtype=float),
                        sub["ci_low"].to_numpy(dtype=float), sub["ci_high"].to_numpy(dtype=float),
                        color, label=f"{name} ({n_runs_text(len(runs_by_scenario[name]))})",
                        size=5.5 if k > 3 else 6.5)
    ax.set_yticks(base, labels=[rung_label(lv, rung_names) for lv in levels])
    ax.set_ylim(-0.5, len(levels) - 0.5)
    ax.set_xlim(-0.02, 1.02)
    style_axes(ax, "x")
    horizon = horizon_days if horizon_days is not None else max(
        (horizon_of(r, None) or 0) for r in runs_by_scenario.values()) or None
    set_labels(ax, probability_xlabel(horizon), "escalation rung",
            title or "Probability of reaching each rung, by scenario")
    ax.legend(title="scenario", loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize=TICK_PT - 0.5, title_fontsize=TICK_PT,
              frameon=False)
    if created:
        footnote(fig, CI_NOTE.replace("95%", f"{confidence:.0%}"), NOT_A_FORECAST)
    return fig


def _strip_offsets(n: int, width: float) -> np.ndarray:
    """Deterministic, even vertical scatter (golden-ratio sequence): no random draws."""
    return ((np.arange(n) * 0.6180339887) % 1.0 - 0.5) * width


def plot_compare_counts(runs_by_scenario: Mapping[str, pd.DataFrame], count: str = "attacks",
                        ax: Axes | None = None, *, title: str | None = None,
                        points: bool = True) -> Figure:
    """One count across scenarios: boxes (quartiles), whiskers (5-95%), median, mean, runs.

    ``points`` overlays each run as a faint dot (at most 2,000 per scenario, evenly thinned).
    """
    _check_scenarios(runs_by_scenario, count)
    names = list(runs_by_scenario)
    k = len(names)
    fig, ax, created = axes_for(ax, 7.6, 1.4 + 0.62 * k)
    for i, (name, color) in enumerate(zip(names, _palette(k), strict=True)):
        v = runs_by_scenario[name][count].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if not len(v):
            continue
        y = float(k - 1 - i)
        q05, q25, q50, q75, q95 = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])
        if points:
            shown = v[np.linspace(0, len(v) - 1, min(len(v), 2000)).astype(int)]
            ax.scatter(shown, y + _strip_offsets(len(shown), 0.5), s=5, color=color, alpha=0.18,
                       lw=0, zorder=1)
        ax.hlines(y, q05, q95, color="0.2", lw=1.2, zorder=2)
        ax.vlines([q05, q95], y - 0.12, y + 0.12, color="0.2", lw=1.2, zorder=2)
        ax.barh(y, max(q75 - q25, 1e-9), left=q25, height=0.42, color=color, alpha=0.55,
                edgecolor="0.2", lw=1.0, zorder=3)
        ax.vlines(q50, y - 0.21, y + 0.21, color="0.05", lw=2.2, zorder=4)
        ax.plot(v.mean(), y, marker="D", color="white", markeredgecolor="0.05", markersize=5.5,
                zorder=5, ls="")
    ax.set_yticks(np.arange(k - 1, -1, -1, dtype=float), labels=names)
    ax.set_ylim(-0.6, k - 0.4)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=7, integer=True, min_n_ticks=1))
    style_axes(ax, "x")
    long, short, unit = count_text(count)
    set_labels(ax, f"{short} per run ({unit})", "scenario", title or f"{long}, by scenario")
    if created:
        footnote(fig, "Box: quartiles; whiskers: 5\u201395% of runs; bar: median; diamond: mean;"
                  " dots: single runs.", NOT_A_FORECAST)
    return fig


def plot_compare_survival(runs_by_scenario: Mapping[str, pd.DataFrame], level: int,
                          horizon_days: float, ax: Axes | None = None, *,
                          rung_names: RungNames = None, title: str | None = None,
                          start_date: DateLike = None, cumulative: bool = True,
                          confidence: float = 0.95) -> Figure:
    """Time to one rung across scenarios: Kaplan-Meier curves with confidence bands.

    ``start_date`` labels the day axis when all scenarios share a start date.
    """
    _check_scenarios(runs_by_scenario, f"day_rung_{level}")
    start = as_date(start_date)
    fig, ax, created = axes_for(ax, 8.6, 4.4)
    for (name, runs), color in zip(runs_by_scenario.items(), _palette(len(runs_by_scenario)),
                                   strict=True):
        km = km_band(runs, level, horizon_days, confidence, cumulative)
        hit = int(runs[f"day_rung_{level}"].notna().sum())
        note = f"{km['estimate'].iloc[-1]:.2f} by day {km['day'].iloc[-1]:g}" if hit \
            else "never reached"
        ax.step(km["day"], km["estimate"], where="post", color=color, lw=1.8,
                label=f"{name}  ({note})")
        ax.fill_between(km["day"], km["low"], km["high"], step="post", color=color, alpha=0.15,
                        lw=0)
    ax.set_xlim(0, horizon_days)
    ax.set_ylim(-0.02, 1.02)
    style_axes(ax, "both")
    what = "P(reached by day)" if cumulative else "P(not yet reached)"
    set_labels(ax, day_label(start), what,
            title or f"Time to {rung_label(level, rung_names)}, by scenario")
    ax.legend(title="scenario", loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=TICK_PT - 0.5, title_fontsize=TICK_PT, frameon=False)
    if created:
        footnote(fig, f"Shaded: {confidence:.0%} pointwise confidence band; runs that never "
                  "reach the rung are censored at their end day.", NOT_A_FORECAST)
    return fig



def plot_comparison_folder(folder: str | Path, runs_by_scenario: Mapping[str, pd.DataFrame],
                           horizon_days: float, *, rung_names: RungNames = None,
                           counts: Sequence[str] = MAIN_COUNTS,
                           levels: Sequence[int] | None = None) -> list[Path]:
    """Write side-by-side figures of several scenarios into ``folder/plots/``.

    Files: ``compare_rungs.png``, ``compare_counts.png`` (one panel per count) and
    ``compare_survival.png`` (one panel per rung; by default the rungs that some run reached).
    Returns the paths written.
    """
    _check_scenarios(runs_by_scenario)
    out = Path(folder) / "plots"
    out.mkdir(parents=True, exist_ok=True)
    names = dict(rung_names) if rung_names else None
    k = len(runs_by_scenario)
    rungs = plot_compare_rungs(runs_by_scenario, rung_names=names, horizon_days=horizon_days)

    present = [c for c in counts if all(c in r for r in runs_by_scenario.values())]
    fig_counts, panels, _ = grid_axes(len(present), 2, 6.4, 1.5 + 0.5 * k, None)
    for ax, count in zip(panels, present, strict=True):
        plot_compare_counts(runs_by_scenario, count, ax, title=count_text(count)[0],
                            points=k * max(len(r) for r in runs_by_scenario.values()) <= 20_000)
    suptitle(fig_counts, "Counts per run, by scenario")
    footnote(fig_counts, "Box: quartiles; whiskers: 5\u201395% of runs; bar: median; diamond: "
              "mean; dots: single runs.", NOT_A_FORECAST)

    shared = set.intersection(*(set(rung_levels(r)) for r in runs_by_scenario.values()))
    if levels is None:
        levels = [lv for lv in sorted(shared) if any(r[f"day_rung_{lv}"].notna().any()
                                                     for r in runs_by_scenario.values())]
        levels = levels or sorted(shared)[:1]
    levels = list(levels)
    fig_surv, panels, _ = grid_axes(len(levels), 2 if len(levels) <= 4 else 3, 5.2, 3.3, None)
    for ax, lv in zip(panels, levels, strict=True):
        plot_compare_survival(runs_by_scenario, lv, horizon_days, ax, rung_names=names,
                              title=f"Time to {rung_label(lv, names)}")
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
    handles = [Line2D([], [], color=c, lw=2, label=name)
               for name, c in zip(runs_by_scenario, _palette(k), strict=True)]
    fig_surv.legend(handles=handles, title="scenario", loc="outside right upper",
                    fontsize=TICK_PT, title_fontsize=TICK_PT, frameon=False)
    suptitle(fig_surv, "Time to each rung, by scenario (Kaplan-Meier)")
    footnote(fig_surv, "Shaded: 95% pointwise confidence band; runs that never reach a rung are "
              "censored at their end day.", NOT_A_FORECAST)
    written = {"compare_rungs.png": rungs, "compare_counts.png": fig_counts,
               "compare_survival.png": fig_surv}
    return [save_figure(fig, out / name) for name, fig in written.items()]
