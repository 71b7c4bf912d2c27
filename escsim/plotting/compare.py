"""Figures of scenarios side by side: rung probabilities, counts and time to rung.

Each function takes ``{scenario name: run table}`` and an optional matplotlib ``ax``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
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
    base_first,
    check_runs,
    count_text,
    day_label,
    footnote,
    grid_axes,
    horizon_of,
    km_band,
    n_runs_text,
    palette,
    points_with_ci,
    probability_xlabel,
    rung_label,
    save_figure,
    set_labels,
    style_axes,
    suptitle,
)
from escsim.records import MAIN_COUNTS

#: Rungs whose estimates are all below this share get a zoomed figure of their own.
RARE = 0.2


# --------------------------------------------------------------------------- comparisons ---
def _ordered(runs_by_scenario: Mapping[str, pd.DataFrame], base: str | None = None
             ) -> dict[str, pd.DataFrame]:
    """The scenarios with the emphasised one (``base``, else a baseline) first."""
    return {n: runs_by_scenario[n] for n in base_first(list(runs_by_scenario), base)}


def _palette(n: int) -> list[Any]:
    """Okabe-Ito: the first (emphasised) scenario in black."""
    return palette(n)


def _width(i: int) -> float:
    return 2.6 if i == 0 else 1.5


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
                       confidence: float = 0.95, base: str | None = None,
                       zoom: bool = False) -> Figure:
    """P(reach rung K) for several scenarios side by side, with exact binomial intervals.

    The emphasised scenario (``base``, else a baseline, else the first) is drawn in black and
    listed first. ``zoom`` sets the probability axis to the data (for rare rungs, whose
    estimates and intervals would sit flat at the bottom of a 0-1 axis).
    """
    _check_scenarios(runs_by_scenario)
    runs_by_scenario = _ordered(runs_by_scenario, base)
    probs = {name: rung_probabilities(runs, confidence).set_index("rung")
             for name, runs in runs_by_scenario.items()}
    levels = list(levels) if levels is not None else sorted(
        {int(r) for p in probs.values() for r in p.index})
    k = len(probs)
    fig, ax, created = axes_for(ax, 8.6, 1.4 + len(levels) * (0.2 + 0.13 * k))
    offsets = np.linspace(0.28, -0.28, k) if k > 1 else np.zeros(1)
    y_base = np.arange(len(levels), dtype=float)
    for i in range(0, len(levels), 2):
        ax.axhspan(i - 0.5, i + 0.5, color="0.965", lw=0, zorder=0)
    top = 0.0
    for i, ((name, p), off, color) in enumerate(zip(probs.items(), offsets, _palette(k),
                                                    strict=True)):
        present = [lv for lv in levels if lv in p.index]
        if not present:
            continue
        y = y_base[[levels.index(lv) for lv in present]] + off
        sub = p.loc[present]
        top = max(top, float(sub["ci_high"].max()))
        points_with_ci(ax, y, sub["probability"].to_numpy(dtype=float),
                        sub["ci_low"].to_numpy(dtype=float), sub["ci_high"].to_numpy(dtype=float),
                        color, label=f"{name} ({n_runs_text(len(runs_by_scenario[name]))})",
                        size=(5.5 if k > 3 else 6.5) + (1.5 if i == 0 else 0))
    ax.set_yticks(y_base, labels=[rung_label(lv, rung_names) for lv in levels])
    ax.set_ylim(-0.5, len(levels) - 0.5)
    if zoom:
        ax.set_xlim(0, max(0.01, top * 1.1))
    else:
        ax.set_xlim(-0.02, 1.02)
    style_axes(ax, "x")
    horizons = {h for h in (horizon_of(r, None) for r in runs_by_scenario.values())
                if h is not None}
    if len(horizons) > 1:  # scenarios over different windows: say so, not one horizon for all
        xlabel = (f"P(rung reached within each scenario's horizon, {min(horizons):g} to "
                  f"{max(horizons):g} days) (share of runs)")
    else:
        horizon = horizon_days if horizon_days is not None else max(
            (horizon_of(r, None) or 0) for r in runs_by_scenario.values()) or None
        xlabel = probability_xlabel(horizon)
    set_labels(ax, xlabel, "escalation rung",
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
    runs_by_scenario = _ordered(runs_by_scenario)
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
    runs_by_scenario = _ordered(runs_by_scenario)
    start = as_date(start_date)
    fig, ax, created = axes_for(ax, 8.6, 4.4)
    for i, ((name, runs), color) in enumerate(zip(runs_by_scenario.items(),
                                                  _palette(len(runs_by_scenario)),
                                                  strict=True)):
        km = km_band(runs, level, horizon_days, confidence, cumulative)
        hit = int(runs[f"day_rung_{level}"].notna().sum())
        note = f"{km['estimate'].iloc[-1]:.2f} by day {km['day'].iloc[-1]:g}" if hit \
            else "never reached"
        # the emphasised scenario last-drawn on top, thicker, so no other curve hides it
        ax.step(km["day"], km["estimate"], where="post", color=color, lw=_width(i),
                label=f"{name}  ({note})", zorder=4 if i == 0 else 3)
        ax.fill_between(km["day"], km["low"], km["high"], step="post", color=color,
                        alpha=0.10 if i == 0 else 0.12, lw=0)
    ax.set_xlim(0, horizon_days)
    ax.set_ylim(-0.02, 1.02)
    style_axes(ax, "both")
    what = "P(reached by day)" if cumulative else "P(not yet reached)"
    set_labels(ax, day_label(start), what,
            title or f"Time to {rung_label(level, rung_names)}, by scenario")
    ax.legend(title="scenario", loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=TICK_PT - 0.5, title_fontsize=TICK_PT, frameon=False)
    if created:
        footnote(fig, f"Shaded: {confidence:.0%} pointwise confidence band (Kaplan-Meier); a "
                  "run ended by the regional-war rung counts as not reaching other rungs.",
                  NOT_A_FORECAST)
    return fig



#: The figures of a comparison folder (each can be drawn on its own, e.g. in parallel).
COMPARISON_FIGURES = ("rungs", "rare_rungs", "counts", "survival")


def plot_comparison_folder(folder: str | Path, runs_by_scenario: Mapping[str, pd.DataFrame],
                           horizon_days: float, *, rung_names: RungNames = None,
                           counts: Sequence[str] = MAIN_COUNTS,
                           levels: Sequence[int] | None = None,
                           base: str | None = None,
                           figures: Sequence[str] = COMPARISON_FIGURES) -> list[Path]:
    """Write side-by-side figures of several scenarios into ``folder/plots/``.

    ``base`` is the scenario the others are read against (default: a baseline, else the
    first): drawn first, in black and on top. (It is also where paired differences from the
    base, with common random numbers, will attach.)

    Files: ``compare_rungs.png``, ``compare_rare_rungs.png`` (the rungs every scenario reaches
    in under 20% of runs, zoomed; when there are such rungs), ``compare_counts.png`` (one panel
    per count) and ``compare_survival.png`` (one panel per rung; by default the rungs that some
    run reached). ``figures`` picks some of :data:`COMPARISON_FIGURES`. Returns the paths
    written.
    """
    _check_scenarios(runs_by_scenario)
    unknown = set(figures) - set(COMPARISON_FIGURES)
    if unknown:
        raise ValueError(f"unknown figures {sorted(unknown)} (known: {COMPARISON_FIGURES})")
    runs_by_scenario = _ordered(runs_by_scenario, base)
    out = Path(folder) / "plots"
    out.mkdir(parents=True, exist_ok=True)
    names = dict(rung_names) if rung_names else None
    written = []
    for figure in figures:  # one at a time: drawn, saved, released
        fig = _comparison_figure(figure, runs_by_scenario, horizon_days, names, counts, levels)
        if fig is not None:
            written.append(save_figure(fig, out / f"compare_{figure}.png"))
    return written


def _comparison_figure(figure: str, runs_by_scenario: Mapping[str, pd.DataFrame],
                       horizon_days: float, names: RungNames, counts: Sequence[str],
                       levels: Sequence[int] | None) -> Figure | None:
    k = len(runs_by_scenario)
    if figure == "rungs":
        return plot_compare_rungs(runs_by_scenario, rung_names=names, horizon_days=horizon_days)
    if figure == "rare_rungs":
        # the rare rungs (every estimate below RARE) on their own scale, with their intervals
        probs = [rung_probabilities(r) for r in runs_by_scenario.values()]
        all_levels = sorted({int(x) for p in probs for x in p["rung"]})
        rare = [lv for lv in all_levels
                if max(float(p.loc[p["rung"] == lv, "probability"].max()) for p in probs
                       if (p["rung"] == lv).any()) < RARE]
        return plot_compare_rungs(
            runs_by_scenario, rung_names=names, horizon_days=horizon_days, levels=rare,
            zoom=True, title=f"Rare rungs (every estimate below {RARE:.0%}), zoomed") \
            if rare else None
    if figure == "counts":
        present = [c for c in counts if all(c in r for r in runs_by_scenario.values())]
        fig_counts, panels, _ = grid_axes(len(present), 2, 6.4, 1.5 + 0.5 * k, None)
        for ax, count in zip(panels, present, strict=True):
            plot_compare_counts(runs_by_scenario, count, ax, title=count_text(count)[0],
                                points=k * max(len(r) for r in runs_by_scenario.values())
                                <= 20_000)
        suptitle(fig_counts, "Counts per run, by scenario")
        footnote(fig_counts, "Box: quartiles; whiskers: 5\u201395% of runs; bar: median; "
                  "diamond: mean; dots: single runs.", NOT_A_FORECAST)
        return fig_counts
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
    handles = [Line2D([], [], color=c, lw=_width(i), label=name)
               for i, (name, c) in enumerate(zip(runs_by_scenario, _palette(k), strict=True))]
    fig_surv.legend(handles=handles, title="scenario", loc="outside right upper",
                    fontsize=TICK_PT, title_fontsize=TICK_PT, frameon=False)
    suptitle(fig_surv, "Time to each rung, by scenario (Kaplan-Meier)")
    footnote(fig_surv, "Shaded: 95% pointwise confidence band; a run ended by the regional-war "
              "rung counts as not reaching the other rungs.", NOT_A_FORECAST)
    return fig_surv
