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
    fixed_panels,
    footnote,
    grid_axes,
    horizon_of,
    km_band,
    legend_right_of,
    legend_width_in,
    n_runs_text,
    palette,
    palette_pass,
    pin_titles,
    points_with_intervals,
    probability_xlabel,
    rung_label,
    save_figure,
    set_labels,
    step_bands,
    style_axes,
    suptitle,
    widest_in,
)
from escsim.records import COMPARISON_FIGURES, DAILY_SERIES, MAIN_COUNTS

#: Runs shown as dots per scenario in a comparison's count panels: enough to show the spread
#: beside the box; each dot costs drawing time, six panels times every scenario.
COMPARISON_DOTS = 100
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


#: Past eight scenarios the Okabe-Ito colours repeat (black stays the emphasised scenario's):
#: the next seven are dashed and drawn with squares, the seven after dotted with triangles.
_LINESTYLES: tuple[Any, ...] = ("-", (0, (5, 2)), (0, (1, 1.5)))
_MARKERS = ("o", "s", "^")


def _cycle(i: int) -> int:
    """Which pass through the palette the ``i``-th scenario is drawn in."""
    return palette_pass(i) % len(_LINESTYLES)


def _line(i: int) -> Any:
    return _LINESTYLES[_cycle(i)]


def _marker(i: int) -> str:
    return _MARKERS[_cycle(i)]


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
                       zoom: bool = False, legend: bool = True,
                       probabilities: Mapping[str, pd.DataFrame] | None = None) -> Figure:
    """P(reach rung K) for several scenarios side by side, with exact binomial intervals.

    The emphasised scenario (``base``, else a baseline, else the first) is drawn in black and
    listed first. ``zoom`` sets the probability axis to the data (for rare rungs, whose
    estimates and intervals would sit flat at the bottom of a 0-1 axis). ``probabilities``:
    each scenario's :func:`~escsim.analysis.rung_probabilities` at ``confidence``, when the
    caller has them already.
    """
    _check_scenarios(runs_by_scenario)
    runs_by_scenario = _ordered(runs_by_scenario, base)
    if probabilities is None:
        probabilities = {name: rung_probabilities(runs, confidence)
                         for name, runs in runs_by_scenario.items()}
    probs = {name: probabilities[name].set_index("rung") for name in runs_by_scenario}
    levels = list(levels) if levels is not None else sorted(
        {int(r) for p in probs.values() for r in p.index})
    k = len(probs)
    fig, ax, created = axes_for(ax, 8.6, 1.4 + len(levels) * (0.2 + 0.13 * k))
    offsets = np.linspace(0.28, -0.28, k) if k > 1 else np.zeros(1)
    y_base = np.arange(len(levels), dtype=float)
    for i in range(0, len(levels), 2):
        ax.axhspan(i - 0.5, i + 0.5, color="0.965", lw=0, zorder=0)
    # every scenario's points, intervals and caps as one artist each (a comparison panel
    # holds k x rungs of them, and matplotlib's cost is per artist); the legend has its own
    # handles
    ys, ps, lows, highs, colours, sizes, markers = [], [], [], [], [], [], []
    for i, (p, off, color) in enumerate(zip(probs.values(), offsets, _palette(k), strict=True)):
        present = [lv for lv in levels if lv in p.index]
        if not present:
            continue
        sub = p.loc[present]
        ys.append(y_base[[levels.index(lv) for lv in present]] + off)
        ps.append(sub["probability"].to_numpy(dtype=float))
        lows.append(sub["ci_low"].to_numpy(dtype=float))
        highs.append(sub["ci_high"].to_numpy(dtype=float))
        colours += [color] * len(present)
        sizes += [(5.5 if k > 3 else 6.5) + (1.5 if i == 0 else 0)] * len(present)
        markers += [_marker(i)] * len(present)
    top = max((float(h.max()) for h in highs), default=0.0)
    if ys:
        points_with_intervals(ax, np.concatenate(ys), np.concatenate(ps),
                              np.concatenate(lows), np.concatenate(highs), colours, sizes,
                              markers)
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
    if legend:
        ax.legend(handles=rung_legend_handles(runs_by_scenario), title="scenario",
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=TICK_PT - 0.5,
                  title_fontsize=TICK_PT, frameon=False)
    if created:
        footnote(fig, CI_NOTE.replace("95%", f"{confidence:.0%}"), NOT_A_FORECAST)
    return fig


def rung_legend_handles(runs_by_scenario: Mapping[str, pd.DataFrame]) -> list[Line2D]:
    """Legend entries of :func:`plot_compare_rungs` (scenarios in drawing order, with runs)."""
    k = len(runs_by_scenario)
    return [Line2D([], [], color=c, marker=_marker(i), markeredgecolor="white",
                   markersize=(5.5 if k > 3 else 6.5) + (1.5 if i == 0 else 0), lw=1.4,
                   label=f"{n} ({n_runs_text(len(r))})")
            for i, ((n, r), c) in enumerate(zip(runs_by_scenario.items(), _palette(k),
                                                strict=True))]


def _strip_offsets(n: int, width: float) -> np.ndarray:
    """Deterministic, even vertical scatter (golden-ratio sequence): no random draws."""
    return ((np.arange(n) * 0.6180339887) % 1.0 - 0.5) * width


def plot_compare_counts(runs_by_scenario: Mapping[str, pd.DataFrame], count: str = "attacks",
                        ax: Axes | None = None, *, title: str | None = None,
                        points: bool = True, max_points: int = 2000) -> Figure:
    """One count across scenarios: boxes (quartiles), whiskers (5-95%), median, mean, runs.

    ``points`` overlays each run as a faint dot (at most ``max_points`` per scenario, evenly
    thinned in run order).
    """
    _check_scenarios(runs_by_scenario, count)
    runs_by_scenario = _ordered(runs_by_scenario)
    names = list(runs_by_scenario)
    k = len(names)
    fig, ax, created = axes_for(ax, 7.6, 1.4 + 0.62 * k)
    # every scenario's dots, whiskers, boxes, medians and means as one artist each: a
    # comparison draws six such panels, and matplotlib's cost is per artist
    rows, stats, dot_x, dot_y, dot_c = [], [], [], [], []
    for i, (name, color) in enumerate(zip(names, _palette(k), strict=True)):
        v = runs_by_scenario[name][count].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if not len(v):
            continue
        row = float(k - 1 - i)
        rows.append((row, color))
        stats.append([*np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95]), v.mean()])
        if points:
            shown = v[np.linspace(0, len(v) - 1, min(len(v), max_points)).astype(int)]
            dot_x.append(shown)
            dot_y.append(row + _strip_offsets(len(shown), 0.5))
            dot_c += [color] * len(shown)
    if rows:
        y = np.array([r[0] for r in rows])
        colors = [r[1] for r in rows]
        q05, q25, q50, q75, q95, mean = np.array(stats).T
        if dot_x:
            ax.scatter(np.concatenate(dot_x), np.concatenate(dot_y), s=5, c=dot_c, alpha=0.18,
                       lw=0, zorder=1)
        ax.hlines(y, q05, q95, color="0.2", lw=1.2, zorder=2)
        ax.vlines(np.r_[q05, q95], np.r_[y, y] - 0.12, np.r_[y, y] + 0.12, color="0.2", lw=1.2,
                  zorder=2)
        ax.barh(y, np.maximum(q75 - q25, 1e-9), left=q25, height=0.42, color=colors,
                alpha=0.55, edgecolor="0.2", lw=1.0, zorder=3)
        ax.vlines(q50, y - 0.21, y + 0.21, color="0.05", lw=2.2, zorder=4)
        ax.plot(mean, y, marker="D", color="white", markeredgecolor="0.05", markersize=5.5,
                zorder=5, ls="")
    ax.set_yticks(np.arange(k - 1, -1, -1, dtype=float), labels=names)
    ax.set_ylim(-0.6, k - 0.4)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=1))
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
    bands: list[tuple[Any, Any, Any, str, float]] = []
    for i, ((name, runs), color) in enumerate(zip(runs_by_scenario.items(),
                                                  _palette(len(runs_by_scenario)),
                                                  strict=True)):
        km = km_band(runs, level, horizon_days, confidence, cumulative)
        hit = int(runs[f"day_rung_{level}"].notna().sum())
        note = f"{km['estimate'].iloc[-1]:.2f} by day {km['day'].iloc[-1]:g}" if hit \
            else "never reached"
        # the emphasised scenario last-drawn on top, thicker, so no other curve hides it
        ax.step(km["day"], km["estimate"], where="post", color=color, lw=_width(i), ls=_line(i),
                label=f"{name} ({note})", zorder=4 if i == 0 else 3)
        bands.append((km["day"], km["low"], km["high"], color, 0.10 if i == 0 else 0.12))
    step_bands(ax, bands)
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



def plot_compare_daily(daily_by_scenario: Mapping[str, pd.DataFrame],
                       axes: Sequence[Axes] | None = None, *,
                       series: Sequence[str] = DAILY_SERIES, base: str | None = None,
                       start_date: DateLike = None, title: str | None = None) -> Figure:
    """The cumulative daily series of several scenarios side by side: each scenario's mean
    across runs by day, and the emphasised scenario's 5-95% band (one panel per series). The
    mean, not the median: the counts are heavy-tailed (most runs stay quiet, a few surge), so
    the medians of different scenarios lie together near zero.

    Args:
        daily_by_scenario: ``{scenario: daily table}`` (``daily.csv``: day, series, q05, q50,
            q95).
        series: the series to draw, one panel each.
        base: the emphasised scenario (default: a baseline, else the first), drawn in black.
        start_date: labels the day axis when every scenario starts on it.
    """
    if not daily_by_scenario:
        raise ValueError("no scenarios to compare")
    ordered = {n: daily_by_scenario[n] for n in base_first(list(daily_by_scenario), base)}
    k = len(ordered)
    fig, panels, created = grid_axes(len(series), 2, 4.6, 2.7, axes)
    for i, (ax, name) in enumerate(zip(panels, series, strict=True)):
        for j, ((scenario, daily), color) in enumerate(zip(ordered.items(), _palette(k),
                                                           strict=True)):
            part = daily[daily["series"] == name].sort_values("day")
            if part.empty:
                raise ValueError(f"scenario {scenario!r}: no daily series {name!r}")
            if j == 0:
                ax.fill_between(part["day"], part["q05"], part["q95"], step="post",
                                color=color, alpha=0.12, lw=0)
            ax.step(part["day"], part["mean"], where="post", color=color, lw=_width(j),
                    ls=_line(j),
                    zorder=4 if j == 0 else 3)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=1))
        style_axes(ax, "both")
        long, short, unit = count_text(name)
        set_labels(ax, day_label(as_date(start_date)), f"cumulative ({unit})")
        ax.set_title(long, fontsize=TICK_PT + 1, loc="left")
        _label_outer(ax, i, len(series), 2)
    handles = [Line2D([], [], color=c, lw=_width(j), ls=_line(j), label=name)
               for j, (name, c) in enumerate(zip(ordered, _palette(k), strict=True))]
    fig.legend(handles=handles, title="scenario (mean)", loc="outside right upper",
               fontsize=TICK_PT, title_fontsize=TICK_PT, frameon=False)
    if created:
        suptitle(fig, title or "Cumulative counts by day, by scenario")
        footnote(fig, f"Lines: each scenario's mean across runs; shaded: 5\u201395% of "
                  f"{next(iter(ordered))}'s runs. Per-scenario figures: escsim plot DIR/NAME.",
                  NOT_A_FORECAST)
    return fig


def survival_levels(runs_by_scenario: Mapping[str, pd.DataFrame],
                    levels: Sequence[int]) -> list[int]:
    """The rungs a comparison's time-to-rung figure shows: those whose timing is in question,
    reached by some run after the start and by under half the runs of some scenario (from the
    first US deaths up, on the bundled ladder). A rung nearly every run reaches early, or one
    every run holds from day 0, is in each scenario's own survival figure (``escsim plot``).
    Falls back to the rungs reached after the start, then to the first rung."""
    def day(runs: pd.DataFrame, lv: int) -> pd.Series:
        return runs[f"day_rung_{lv}"]

    later = [lv for lv in levels
             if any(bool((day(r, lv) > 0).any()) for r in runs_by_scenario.values())]
    doubtful = [lv for lv in later
                if min(float(day(r, lv).notna().mean()) for r in runs_by_scenario.values()) < 0.5]
    return doubtful or later or list(levels)[:1]


def _rungs_figure(runs_by_scenario: Mapping[str, pd.DataFrame], horizon_days: float,
                  names: RungNames) -> Figure:
    """Every rung on a 0-1 scale and, below it, the rare rungs (every estimate below
    :data:`RARE`) zoomed to their intervals: one figure, one legend."""
    by_name = {n: rung_probabilities(r) for n, r in runs_by_scenario.items()}
    probs = list(by_name.values())
    levels = sorted({int(x) for p in probs for x in p["rung"]})
    rare = [lv for lv in levels
            if max(float(p.loc[p["rung"] == lv, "probability"].max()) for p in probs
                   if (p["rung"] == lv).any()) < RARE]
    k = len(runs_by_scenario)
    row_in = 0.2 + 0.13 * k  # inches per rung
    labels = [f"{n} ({n_runs_text(len(r))})" for n, r in runs_by_scenario.items()]
    fig, panels = fixed_panels(
        2 if rare else 1, 1, (6.2, 0.0),
        left_in=widest_in([rung_label(lv, names) for lv in levels], TICK_PT) + 0.55,
        right_in=legend_width_in(labels, "scenario"), wspace_in=0.0, hspace_in=0.75,
        legend_entries=k,
        bottom_in=0.6, heights=[len(levels) * row_in] + ([len(rare) * row_in] if rare else []),
        title="Probability of reaching each rung, by scenario",
        caption=(CI_NOTE, NOT_A_FORECAST))
    plot_compare_rungs(runs_by_scenario, panels[0], rung_names=names, horizon_days=horizon_days,
                       title="Every rung", legend=False, probabilities=by_name)
    handles = rung_legend_handles(runs_by_scenario)
    if rare:
        plot_compare_rungs(runs_by_scenario, panels[1], rung_names=names,
                           horizon_days=horizon_days, levels=rare, zoom=True, legend=False,
                           probabilities=by_name,
                           title=f"Rare rungs (every estimate below {RARE:.0%}), on their own "
                                 "scale")
        panels[0].set_xlabel("")
    legend_right_of(fig, panels[0], handles, "scenario")
    pin_titles(panels)
    return fig


def _zoom_rare(ax: Axes) -> bool:
    """Give a rare rung's panel its own probability scale (its curves and bands would lie
    flat along 0 on a 0-1 axis); whether it did."""
    top = max((float(np.nanmax(np.asarray(path.vertices)[:, 1]))
               for c in ax.collections for path in c.get_paths()), default=1.0)
    if top >= 0.5:
        return False
    ax.set_ylim(-0.01 * top, max(0.01, top * 1.1))
    return True


def _label_outer(ax: Axes, i: int, n: int, ncols: int) -> None:
    """Day labels only under the lowest panel of each column, the y label only on the left:
    the panels share their day axis and their quantity."""
    # few ticks: small panels read as well with four or five, and each costs drawing time
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True, min_n_ticks=3))
    if i + ncols < n:
        ax.tick_params(labelbottom=False)
        ax.set_xlabel("")
    if i % ncols:
        ax.set_ylabel("")





def plot_comparison_folder(folder: str | Path, runs_by_scenario: Mapping[str, pd.DataFrame],
                           horizon_days: float, *, rung_names: RungNames = None,
                           counts: Sequence[str] = MAIN_COUNTS,
                           levels: Sequence[int] | None = None,
                           base: str | None = None,
                           figures: Sequence[str] = COMPARISON_FIGURES,
                           daily_by_scenario: Mapping[str, pd.DataFrame] | None = None,
                           start_date: DateLike = None) -> list[Path]:
    """Write side-by-side figures of several scenarios into ``folder/plots/``.

    ``base`` is the scenario the others are read against (default: a baseline, else the
    first): drawn first, in black and on top. (It is also where paired differences from the
    base, with common random numbers, will attach.)

    Files: ``compare_rungs.png`` (every rung and, below it when there are such rungs, the
    rungs every scenario reaches in under 20% of runs, on their own scale),
    ``compare_counts.png`` (one panel per count), ``compare_survival.png`` (one panel per rung;
    by default :func:`survival_levels`) and, given ``daily_by_scenario`` (the ``daily.csv``
    tables), ``compare_daily.png``; ``start_date`` labels day axes when every scenario starts
    on it. Each scenario's own figures are drawn by ``escsim plot`` on its folder. ``figures``
    picks some of :data:`COMPARISON_FIGURES`. Returns the paths written.
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
        if figure == "daily":
            fig = None if daily_by_scenario is None else plot_compare_daily(
                daily_by_scenario, base=next(iter(runs_by_scenario)), start_date=start_date)
        else:
            fig = _comparison_figure(figure, runs_by_scenario, horizon_days, names, counts,
                                     levels, start_date)
        if fig is not None:
            written.append(save_figure(fig, out / f"compare_{figure}.png"))
    return written


def _comparison_figure(figure: str, runs_by_scenario: Mapping[str, pd.DataFrame],
                       horizon_days: float, names: RungNames, counts: Sequence[str],
                       levels: Sequence[int] | None,
                       start_date: DateLike = None) -> Figure | None:
    k = len(runs_by_scenario)
    if figure == "rungs":
        return _rungs_figure(runs_by_scenario, horizon_days, names)
    if figure == "counts":
        present = [c for c in counts if all(c in r for r in runs_by_scenario.values())]
        fig_counts, panels = fixed_panels(
            len(present), 2, (4.4, 0.3 + 0.3 * k),
            left_in=widest_in(list(runs_by_scenario), TICK_PT) + 0.3, right_in=0.3,
            wspace_in=0.35, hspace_in=0.95, bottom_in=0.6,
            title="Counts per run, by scenario",
            caption=("Box: quartiles; whiskers: 5\u201395% of runs; bar: median; diamond: mean; "
                     f"dots: single runs (at most {COMPARISON_DOTS} a scenario, evenly thinned).",
                     NOT_A_FORECAST))
        for i, (ax, count) in enumerate(zip(panels, present, strict=True)):
            plot_compare_counts(runs_by_scenario, count, ax, title=count_text(count)[0],
                                max_points=COMPARISON_DOTS)
            ax.set_ylabel("")  # the scenarios name themselves
            if i % 2:  # the same scenarios, in the same order, as the panel on its left
                ax.set_yticks([])
        pin_titles(panels)
        return fig_counts
    shared = set.intersection(*(set(rung_levels(r)) for r in runs_by_scenario.values()))
    if levels is None:
        levels = survival_levels(runs_by_scenario, sorted(shared))
    levels = list(levels)
    ncols = 2 if len(levels) <= 4 else 3
    ticks_in = widest_in(["0.000"], TICK_PT)
    fig_surv, panels = fixed_panels(
        len(levels), ncols, (3.9, 2.4), left_in=ticks_in + 0.5,
        right_in=legend_width_in(list(runs_by_scenario), "scenario"), legend_entries=k,
        wspace_in=ticks_in + 0.3, hspace_in=0.45, bottom_in=0.6,
        title="Time to each rung, by scenario (Kaplan-Meier)",
        caption=("The rungs whose timing is in question (reached by under half the runs of some "
                 "scenario); escsim plot DIR/NAME draws every rung of one scenario. Shaded: 95% "
                 "pointwise confidence band; a rare rung (every band below 0.5) has its own "
                 "probability scale; a run ended by the regional-war rung counts as not "
                 "reaching the other rungs.", NOT_A_FORECAST))
    for i, (ax, lv) in enumerate(zip(panels, levels, strict=True)):
        plot_compare_survival(runs_by_scenario, lv, horizon_days, ax, rung_names=names,
                              title=f"Time to {rung_label(lv, names)}", start_date=start_date)
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        _zoom_rare(ax)
        _label_outer(ax, i, len(levels), ncols)
    handles = [Line2D([], [], color=c, lw=_width(i), ls=_line(i), label=name)
               for i, (name, c) in enumerate(zip(runs_by_scenario, _palette(k), strict=True))]
    legend_right_of(fig_surv, panels[min(ncols, len(panels)) - 1], handles, "scenario")
    pin_titles(panels)
    return fig_surv
