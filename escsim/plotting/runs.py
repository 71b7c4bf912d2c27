"""Figures of one scenario's runs: rung probabilities, highest rung, counts, time to rung, days.

Every function takes tables (the run table of ``runs.csv``, the bands of ``daily.csv``, the event
log of ``escsim trace``) and an optional matplotlib ``ax`` (``axes`` for small multiples), and
returns the :class:`matplotlib.figure.Figure` it drew on. Figures are built with
``matplotlib.figure.Figure`` on the Agg canvas: no pyplot state, nothing global to close, and the
same code runs headless in the CLI, in tests and in notebooks (where a Figure displays itself).

Figures that the function creates carry a footnote saying what the intervals are and that the
results explore stated assumptions rather than forecast; when you pass your own ``ax`` the
footnote is left to you (:data:`NOT_A_FORECAST`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from escsim.analysis import (
    binomial_interval,
    count_quantiles,
    rung_levels,
    rung_probabilities,
)
from escsim.plotting.style import (
    BLUE,
    CI_NOTE,
    LABEL_PT,
    NOT_A_FORECAST,
    TICK_PT,
    TITLE_PT,
    DateLike,
    RungNames,
    as_date,
    axes_for,
    check_runs,
    count_text,
    date_axis,
    dates_on_top,
    day_label,
    fixed_panels,
    fmt_number,
    grid_axes,
    horizon_of,
    integer_bins,
    km_band,
    legend_width_in,
    pin_titles,
    points_with_ci,
    probability_xlabel,
    right_labels,
    rung_label,
    save_figure,
    scenario_of,
    set_labels,
    step_bands,
    style_axes,
    text_size_in,
    to_dates,
    widest_in,
    with_scenario,
)
from escsim.records import MAIN_COUNTS, RUN_FIGURES


# ---------------------------------------------------------------------- one scenario: rungs ---
def _rows_figure(ax: Axes | None, ticks: Sequence[str], values: Sequence[str], rows: int,
                 caption: Sequence[str], title: str) -> tuple[Figure, Axes, bool]:
    """The caller's ``ax``, or one panel of ``rows`` labelled rows with a value printed beside
    each (:func:`~escsim.plotting.style.right_labels`), laid out at fixed distances from the
    labels' widths so it is drawn once; and whether it was made here."""
    if ax is not None:
        return axes_for(ax, 0, 0)
    fig, panels = fixed_panels(
        1, 1, (5.0, 0.42 * rows + 0.2), left_in=widest_in(ticks, TICK_PT) + 0.55,
        right_in=widest_in(values, TICK_PT - 0.5) + 0.5, wspace_in=0.0, hspace_in=0.0,
        bottom_in=0.6, caption=caption, first_title=title)
    return fig, panels[0], True


def plot_rung_probabilities(runs: pd.DataFrame, ax: Axes | None = None, *,
                            rung_names: RungNames = None, title: str | None = None,
                            horizon_days: float | None = None,
                            confidence: float = 0.95) -> Figure:
    """P(reach rung K within the horizon) for each rung, with exact binomial intervals.

    Args:
        runs: a run table (``runs.csv`` or ``Simulation.runs``) with ``day_rung_K`` columns.
        ax: axes to draw on; a new figure if omitted.
        rung_names: ``{level: name}`` for the tick labels (e.g. the scenario's ladder keys).
        title: the axes title; by default it names the scenario and the number of runs.
        horizon_days: shown in the axis label (default: the runs' last end day).
        confidence: level of the Clopper-Pearson interval.
    """
    check_runs(runs)
    probs = rung_probabilities(runs, confidence)
    if probs.empty:
        raise ValueError("the run table has no day_rung_K columns")
    y = np.arange(len(probs), dtype=float)
    p = probs["probability"].to_numpy(dtype=float)
    low, high = probs["ci_low"].to_numpy(dtype=float), probs["ci_high"].to_numpy(dtype=float)
    ticks = [rung_label(int(r), rung_names) for r in probs["rung"]]
    values = [f"{a:.3f} [{b:.3f}, {c:.3f}], {k} of {n}" for a, b, c, k, n in zip(
        p, low, high, probs["reached"], probs["runs"], strict=True)]
    title = title or with_scenario("Probability of reaching each rung", scenario_of(runs),
                                   len(runs))
    fig, ax, created = _rows_figure(ax, ticks, values, len(probs), (
        CI_NOTE.replace("95%", f"{confidence:.0%}"), NOT_A_FORECAST), title)
    points_with_ci(ax, y, p, low, high, BLUE)
    ax.set_yticks(y, labels=ticks)
    ax.set_ylim(-0.6, len(probs) - 0.4)
    ax.set_xlim(-0.02, 1.02)
    right_labels(ax, y, values, f"P [{confidence:.0%} interval], reached/runs")
    style_axes(ax, "x")
    set_labels(ax, probability_xlabel(horizon_of(runs, horizon_days)), "escalation rung", title)
    if created:
        pin_titles([ax])
    return fig


def plot_rung_distribution(runs: pd.DataFrame, ax: Axes | None = None, *,
                           rung_names: RungNames = None, title: str | None = None,
                           confidence: float = 0.95) -> Figure:
    """Share of runs by the highest rung reached (``max_rung``), with binomial intervals."""
    check_runs(runs, "max_rung")
    top = runs["max_rung"].to_numpy(dtype=float)
    levels = sorted({0, *rung_levels(runs), *(int(v) for v in top[np.isfinite(top)])})
    n = len(runs)
    k = np.array([int(np.sum(top == lv)) for lv in levels])
    share = k / n
    ci = np.array([binomial_interval(int(x), n, confidence) for x in k])
    ever = {int(r.rung): r for r in rung_probabilities(runs, confidence).itertuples()}
    ticks = [rung_label(lv, rung_names) if lv else "0: no incident" for lv in levels]
    values = [f"highest {s:.1%}" + (f", reached {ever[lv].probability:.1%}" if lv in ever else "")
              for s, lv in zip(share, levels, strict=True)]
    title = title or with_scenario("Highest rung reached", scenario_of(runs), n)
    fig, ax, created = _rows_figure(ax, ticks, values, len(levels), (
        "Bars: share of runs whose highest rung is this one; circles: share that reached the "
        "rung at some point (rungs are not nested: a run that ends at a higher rung may also "
        "have passed through this one).", CI_NOTE.replace("95%", f"{confidence:.0%}"),
        NOT_A_FORECAST), title)
    y = np.arange(len(levels), dtype=float)
    ax.barh(y, share * 100, height=0.62, color=BLUE, alpha=0.85, zorder=2)
    ax.errorbar(share * 100, y, xerr=np.vstack([share - ci[:, 0], ci[:, 1] - share]) * 100,
                fmt="none", ecolor="0.15", elinewidth=1.1, capsize=3, zorder=3)
    # Rungs are not nested (a run whose highest rung is 5 may well have had US deaths, rung 4):
    # beside each bar, the share of runs that reached the rung at some point, so a short bar is
    # not read as "this rarely happens"
    ys = [i for i, lv in enumerate(levels) if lv in ever]
    if ys:
        ax.plot([ever[levels[i]].probability * 100 for i in ys], ys, "o", mfc="white",
                mec="0.1", mew=1.4, ms=6.5, ls="", zorder=4,
                label="reached at some point in the run")
        ax.legend(loc="lower right", fontsize=TICK_PT - 0.5, frameon=False)
    ax.set_yticks(y, labels=ticks)
    ax.set_ylim(-0.6, len(levels) - 0.4)
    ax.set_xlim(0, 103)  # room for a circle at 100%
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    right_labels(ax, y, values, "share of runs")
    style_axes(ax, "x")
    set_labels(ax, "share of runs (%)", "highest rung reached", title)
    if created:
        pin_titles([ax])
    return fig


# --------------------------------------------------------------------- one scenario: counts ---
def plot_count_distributions(runs: pd.DataFrame, counts: Sequence[str] = MAIN_COUNTS,
                             axes: Sequence[Axes] | None = None, *, title: str | None = None,
                             ncols: int = 3) -> Figure:
    """Small multiples: a histogram of each count across runs, median and 5-95% range marked.

    ``axes`` (one per count) draws into existing axes; otherwise a new figure of ``ncols``
    columns is made.
    """
    counts = list(counts)
    check_runs(runs, *counts)
    if not counts:
        raise ValueError("no counts to plot")
    if axes is None:  # laid out here, so it is drawn once (see style.fixed_panels)
        tick_in = widest_in(["00000"], TICK_PT)
        fig, panels = fixed_panels(
            len(counts), ncols, (2.9, 2.0), left_in=tick_in + 0.55, right_in=0.25,
            wspace_in=tick_in + 0.6, hspace_in=1.1, bottom_in=0.6,
            title=title or with_scenario("Counts per run", scenario_of(runs), len(runs)),
            caption=("Bars: runs per value; black line: median; shaded: 5\u201395% of runs "
                     "(the 90% range).", NOT_A_FORECAST),
            panel_title_in=2 * text_size_in("Tg", LABEL_PT)[1] + 0.2)
    else:
        fig, panels, _ = grid_axes(len(counts), ncols, 3.9, 3.0, axes)
    quant = count_quantiles(runs, counts).set_index("count")
    for ax, count in zip(panels, counts, strict=True):
        values = runs[count].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        long, short, unit = count_text(count)
        q = quant.loc[count]
        if len(values):
            ax.axvspan(q["q05"] - 0.5, q["q95"] + 0.5, color=BLUE, alpha=0.10, lw=0, zorder=0)
            ax.hist(values, bins=integer_bins(values).tolist(), color=BLUE, alpha=0.85,
                    edgecolor="white", linewidth=0.4, zorder=2)
            ax.axvline(q["q50"], color="0.1", lw=1.6, zorder=3)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=1))
        style_axes(ax, "y")
        set_labels(ax, f"{short} per run ({unit})", "runs (count)")
        ax.set_title(f"{long}\nmedian {fmt_number(q['q50'])}, 90% range {fmt_number(q['q05'])}"
                     f"\u2013{fmt_number(q['q95'])}", fontsize=LABEL_PT, loc="left")
    if axes is None:
        pin_titles(panels, LABEL_PT)
    elif title:
        panels[0].set_title(title, fontsize=TITLE_PT, loc="left")
    return fig


# ------------------------------------------------------------------- one scenario: survival ---
def plot_survival(runs: pd.DataFrame, horizon_days: float, levels: Sequence[int] | None = None,
                  ax: Axes | None = None, *, rung_names: RungNames = None,
                  title: str | None = None, start_date: DateLike = None,
                  cumulative: bool = True, confidence: float = 0.95) -> Figure:
    """Time to rung: Kaplan-Meier curves with confidence bands, one per rung.

    Runs that do not reach a rung are censored at their end day (the horizon, or earlier when a
    rung such as regional war ended the run).

    Args:
        levels: rungs to draw; by default every rung reached by at least one run (or all rungs
            if none was reached).
        start_date: the scenario's start; labels the day axis and adds dates along the top.
        cumulative: plot P(reached by day t) = 1 - S(t); ``False`` plots S(t) itself.
    """
    check_runs(runs)
    all_levels = rung_levels(runs)
    if levels is None:
        reached = [lv for lv in all_levels if runs[f"day_rung_{lv}"].notna().any()]
        levels = reached or all_levels
    levels = list(levels)
    for lv in levels:
        if f"day_rung_{lv}" not in runs:
            raise ValueError(f"rung {lv} is not in the run table (rungs: {all_levels})")
    start = as_date(start_date)
    curves, labels = [], []
    for lv in levels:
        km = km_band(runs, lv, horizon_days, confidence, cumulative)
        hit = int(runs[f"day_rung_{lv}"].notna().sum())
        end = km["estimate"].iloc[-1]
        note = f"{end:.2f} by day {km['day'].iloc[-1]:g}" if hit else "never reached"
        curves.append(km)
        labels.append(f"{rung_label(lv, rung_names)} ({note})")
    caption = (f"Shaded: {confidence:.0%} pointwise confidence band (Kaplan-Meier). A run ended "
               "by the regional-war rung counts as not reaching the other rungs, so each curve "
               "ends at the share of runs that reached its rung.", NOT_A_FORECAST)
    if ax is None:  # laid out here, so it is drawn once (see style.fixed_panels)
        fig, panels = fixed_panels(
            1, 1, (6.0, 3.6), left_in=widest_in(["0.0"], TICK_PT) + 0.6,
            right_in=legend_width_in(labels, "rung"), legend_entries=len(labels),
            wspace_in=0.0, hspace_in=0.0,
            bottom_in=0.6, caption=caption,
            # the title above the calendar dates along the top
            panel_title_in=text_size_in("Tg", TITLE_PT)[1] + 0.2
            + (text_size_in("Nov 2024", TICK_PT - 1)[1] + 0.15 if start else 0.0),
            first_title=title or with_scenario("Time to each rung", scenario_of(runs),
                                               len(runs)))
        ax, created = panels[0], True
    else:
        fig, ax, created = axes_for(ax, 8.6, 4.6)
    colors = colormaps["viridis"](np.linspace(0.0, 0.85, max(len(levels), 2)))
    bands = []
    for color, km, text in zip(colors, curves, labels, strict=False):
        ax.step(km["day"], km["estimate"], where="post", color=color, lw=1.8, label=text)
        bands.append((km["day"], km["low"], km["high"], color, 0.16))
    step_bands(ax, bands)
    ax.set_xlim(0, horizon_days)
    ax.set_ylim(-0.02, 1.02)
    if start is not None:
        dates_on_top(ax, start)
    style_axes(ax, "both")
    what = "P(rung reached by day)" if cumulative else "P(rung not yet reached)"
    set_labels(ax, day_label(start), f"{what}, Kaplan-Meier",
            title or with_scenario("Time to each rung", scenario_of(runs), len(runs)))
    ax.legend(title="rung", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=TICK_PT - 0.5,
              title_fontsize=TICK_PT, frameon=False)
    return fig


# ---------------------------------------------------------------------- one scenario: daily ---
def plot_daily_bands(daily: pd.DataFrame, start_date: DateLike = None,
                     axes: Sequence[Axes] | None = None, *, series: Sequence[str] | None = None,
                     title: str | None = None, dates: bool | None = None,
                     ncols: int = 2) -> Figure:
    """Small multiples of the cumulative daily series: median, 5-95% band across runs, mean.

    Args:
        daily: the table of ``daily.csv`` / ``Simulation.daily`` (day, series, mean, q05, q50,
            q95; a ``date`` column, if present, supplies the start date).
        start_date: the scenario's start date.
        series: which series to draw (default: all, in table order).
        dates: x axis in calendar dates (default when a start date is known) or in days.
    """
    need = {"day", "series", "mean", "q05", "q50", "q95"}
    if not need <= set(daily.columns):
        raise ValueError(f"daily table lacks columns {sorted(need - set(daily.columns))}")
    if len(daily) == 0:
        raise ValueError("the daily table is empty: nothing to plot")
    start = as_date(start_date)
    if start is None and "date" in daily:
        first = as_date(daily.loc[daily["day"] == daily["day"].min(), "date"].iloc[0])
        if first is not None:
            start = first - dt.timedelta(days=int(daily["day"].min()))
    use_dates = (start is not None) if dates is None else dates
    if use_dates and start is None:
        raise ValueError("dates=True needs a start_date (or a 'date' column)")
    names = list(series) if series is not None else list(dict.fromkeys(daily["series"]))
    if axes is None:  # laid out here, so it is drawn once (see style.fixed_panels)
        tick_in = widest_in(["00000"], TICK_PT)
        fig, panels = fixed_panels(
            len(names), ncols, (4.0, 2.3), left_in=tick_in + 0.55, right_in=0.3,
            wspace_in=tick_in + 0.6, hspace_in=1.05, bottom_in=0.8,
            title=title or "Cumulative counts by day across runs",
            caption=("Each run's cumulative count at the end of each day; runs that end early "
                     "keep their final count.", NOT_A_FORECAST),
            panel_title_in=text_size_in("Tg", LABEL_PT)[1] + 0.15)
    else:
        fig, panels, _ = grid_axes(len(names), ncols, 5.0, 3.1, axes)
    for ax, name in zip(panels, names, strict=True):
        part = daily[daily["series"] == name].sort_values("day")
        if part.empty:
            raise ValueError(f"no daily series {name!r} (have {sorted(set(daily['series']))})")
        x: Any = to_dates(start, part["day"]) if use_dates and start else part["day"]
        ax.fill_between(x, part["q05"], part["q95"], color=BLUE, alpha=0.2, lw=0, step="post",
                        label="5\u201395% of runs")
        ax.plot(x, part["q50"], color=BLUE, lw=1.8, drawstyle="steps-post", label="median")
        ax.plot(x, part["mean"], color="0.15", lw=1.1, ls="--", label="mean")
        long, short, unit = count_text(name)
        if use_dates:
            date_axis(ax)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))
        style_axes(ax, "both")
        set_labels(ax, "date" if use_dates else day_label(start), f"cumulative {short} ({unit})")
        ax.set_title(long, fontsize=LABEL_PT, loc="left")
    panels[0].legend(loc="upper left", fontsize=TICK_PT - 0.5, frameon=False)
    if axes is None:
        pin_titles(panels, LABEL_PT)
    elif title:
        panels[0].set_title(title, fontsize=TITLE_PT, loc="left")
    return fig



# ------------------------------------------------------------------------------- folders ---
def _names_from(summary: Mapping[str, Any], rung_names: RungNames) -> RungNames:
    names = rung_names if rung_names is not None else summary.get("rung_names")
    return {int(k): str(v) for k, v in names.items()} if names else None


#: The figures of a run folder, and those a comparison folder already shows side by side.


def plot_result_folder(folder: str | Path, runs: pd.DataFrame, daily: pd.DataFrame,
                       summary: Mapping[str, Any], *, rung_names: RungNames = None,
                       figures: Sequence[str] = RUN_FIGURES) -> list[Path]:
    """Write the standard figures of one scenario's results into ``folder/plots/``.

    Files: ``rungs.png`` (rung probabilities), ``max_rung.png`` (highest rung), ``counts.png``
    (count distributions), ``survival.png`` (time to rung), ``daily.png`` (daily bands).
    ``summary`` is ``summary.json`` (scenario, horizon_days, start_date); rung names come from
    ``rung_names`` or ``summary["rung_names"]``, otherwise rungs are shown by level.
    Returns the paths written.
    """
    out = Path(folder) / "plots"
    out.mkdir(parents=True, exist_ok=True)
    scenario = summary.get("title") or summary.get("scenario") or scenario_of(runs)
    horizon = horizon_of(runs, summary.get("horizon_days")) or 1.0
    start = as_date(summary.get("start_date"))
    names = _names_from(summary, rung_names)
    n = len(runs)
    when = f" from {start.isoformat()}" if start else ""
    draw = {
        "rungs": lambda: plot_rung_probabilities(
            runs, rung_names=names, horizon_days=horizon,
            title=with_scenario(f"Probability of reaching each rung within {horizon:g} days",
                                 scenario, n)),
        "max_rung": lambda: plot_rung_distribution(
            runs, rung_names=names, title=with_scenario("Highest rung reached", scenario, n)),
        "counts": lambda: plot_count_distributions(
            runs, [c for c in MAIN_COUNTS if c in runs],
            title=with_scenario(f"Counts per run over {horizon:g} days{when}", scenario, n)),
        "survival": lambda: plot_survival(
            runs, horizon, rung_names=names, start_date=start,
            title=with_scenario("Time to each rung", scenario, n)),
        "daily": lambda: plot_daily_bands(
            daily, start, title=with_scenario("Cumulative counts by day", scenario, n)),
    }
    unknown = set(figures) - set(draw)
    if unknown:
        raise ValueError(f"unknown figures {sorted(unknown)} (known: {', '.join(draw)})")
    # one figure at a time: drawn, saved, released
    return [save_figure(draw[name](), out / f"{name}.png") for name in figures]
