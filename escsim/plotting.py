"""Figures of saved results: rung probabilities, counts, time to rung, daily bands, one timeline.

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
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter

from escsim.analysis import (
    MAIN_COUNTS,
    binomial_interval,
    count_quantiles,
    rung_levels,
    rung_probabilities,
    survival_curve,
)

__all__ = [
    "NOT_A_FORECAST",
    "plot_compare_counts",
    "plot_compare_rungs",
    "plot_compare_survival",
    "plot_comparison_folder",
    "plot_count_distributions",
    "plot_daily_bands",
    "plot_result_folder",
    "plot_rung_distribution",
    "plot_rung_probabilities",
    "plot_survival",
    "plot_trace_timeline",
    "save_figure",
]

#: The caveat every figure of simulated histories carries (MODEL.md, "Known limits").
NOT_A_FORECAST = ("Simulated histories under stated assumptions (press-reported counts, stylised "
                  "decision rules): they explore consequences of assumptions, not forecasts.")
#: Resolution of saved PNGs: sharp in a paper column, small on disk.
DPI = 150

# Explicit sizes rather than rcParams, so library code never touches matplotlib's global state.
_TITLE_PT, _LABEL_PT, _TICK_PT, _NOTE_PT = 11.5, 10, 9, 7.5
_BLUE, _GREY = "#2b6a99", "0.35"
_CI_NOTE = "Error bars: 95% Clopper-Pearson interval (Monte Carlo uncertainty only)."

#: (panel title, short noun for axis labels, unit) of run-table counts; others fall back to
#: the column name.
COUNT_LABELS: dict[str, tuple[str, str, str]] = {
    "attacks": ("Militia attacks on US forces", "attacks", "count"),
    "attacks_in_iraq": ("Attacks in Iraq", "attacks", "count"),
    "attacks_in_syria": ("Attacks in Syria", "attacks", "count"),
    "attacks_in_jordan": ("Attacks in Jordan", "attacks", "count"),
    "intercepted": ("Attacks intercepted", "intercepted attacks", "count"),
    "us_wounded": ("US service members wounded", "US wounded", "persons"),
    "us_killed": ("US service members killed", "US killed", "persons"),
    "us_casualties": ("US casualties (wounded + killed)", "US casualties", "persons"),
    "us_strikes": ("US strike rounds", "strike rounds", "count"),
    "us_targets_struck": ("Targets struck by the US", "targets struck", "count"),
    "leadership_strikes": ("US leadership strikes", "leadership strikes", "count"),
    "major_us_strikes": ("Major US strike packages", "major strikes", "count"),
    "militia_killed": ("Militia members killed", "militia killed", "persons"),
    "iran_personnel_killed": ("Iranian personnel killed", "Iranians killed", "persons"),
    "iran_direct_attacks": ("Iranian direct attacks on US forces", "direct attacks", "count"),
    "us_strikes_on_iran": ("US strikes on Iranian territory", "strikes on Iran", "count"),
    "restraint_orders": ("Restraint orders to the militias", "restraint orders", "count"),
    "days_under_restraint": ("Days under Iranian restraint", "restraint", "days"),
    "troops_end": ("US troops at the end", "troops", "persons"),
}

RungNames = Mapping[int, str] | None
DateLike = dt.date | str | None


# ------------------------------------------------------------------------------- helpers ---
def save_figure(fig: Figure, path: str | Path, dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) at ``dpi``, cropped to its content."""
    path = Path(path)
    fig.savefig(path, dpi=dpi, bbox_inches="tight", facecolor="white")
    return path


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _axes(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes, bool]:
    """The figure and axes to draw on, and whether this call created them."""
    if ax is not None:
        return _root_figure(ax), ax, False
    fig = _new_figure(width, height)
    return fig, fig.add_subplot(), True


def _grid_axes(n: int, ncols: int, width: float, height: float,
               axes: Sequence[Axes] | None) -> tuple[Figure, list[Axes], bool]:
    """``n`` panels: the caller's ``axes``, or a new figure of ``ncols`` columns."""
    if axes is not None:
        axes = list(axes)
        if len(axes) < n:
            raise ValueError(f"need {n} axes, got {len(axes)}")
        return _root_figure(axes[0]), axes[:n], False
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = _new_figure(width * ncols, height * nrows)
    grid = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for extra in grid[n:]:
        extra.set_visible(False)
    return fig, list(grid[:n]), True


def _root_figure(ax: Axes) -> Figure:
    fig = ax.figure
    return fig if isinstance(fig, Figure) else fig.figure


def _style(ax: Axes, grid: Literal["x", "y", "both", ""] = "x") -> None:
    ax.tick_params(labelsize=_TICK_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if grid:
        ax.grid(axis=grid, color="0.88", linewidth=0.7)
        ax.set_axisbelow(True)


def _labels(ax: Axes, xlabel: str, ylabel: str, title: str | None = None) -> None:
    ax.set_xlabel(xlabel, fontsize=_LABEL_PT)
    ax.set_ylabel(ylabel, fontsize=_LABEL_PT)
    if title:
        ax.set_title(title, fontsize=_TITLE_PT, loc="left")


def _footnote(fig: Figure, *lines: str) -> None:
    """A caption-like note under the figure (``bbox_inches="tight"`` keeps it in the PNG)."""
    fig.text(0.005, -0.005, "\n".join(line for line in lines if line), ha="left", va="top",
             fontsize=_NOTE_PT, color=_GREY, wrap=False)


def _suptitle(fig: Figure, title: str) -> None:
    fig.suptitle(title, fontsize=_TITLE_PT + 0.5, x=0.005, ha="left")


def _scenario_of(runs: pd.DataFrame) -> str | None:
    if "scenario" in runs and len(runs) and runs["scenario"].nunique() == 1:
        return str(runs["scenario"].iloc[0])
    return None


def _with_scenario(base: str, scenario: str | None, runs: int | None = None) -> str:
    detail = ", ".join(x for x in (scenario, None if runs is None else _n_runs(runs)) if x)
    return f"{base}: {detail}" if detail else base


def _n_runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _check_runs(runs: pd.DataFrame, *columns: str) -> None:
    if len(runs) == 0:
        raise ValueError("the run table is empty: nothing to plot")
    missing = [c for c in columns if c not in runs]
    if missing:
        raise ValueError(f"the run table lacks column(s) {missing}; expected a runs.csv table")


_PROPER = {"us": "US", "iran": "Iran", "iranian": "Iranian", "iraq": "Iraq", "iraqi": "Iraqi",
           "syria": "Syria", "jordan": "Jordan", "irgc": "IRGC", "gaza": "Gaza"}


def _pretty(key: str) -> str:
    """A scenario key as words: ``us_strikes_iran`` -> ``US strikes Iran``."""
    return " ".join(_PROPER.get(w.lower(), w) for w in key.replace("_", " ").split())


def _rung_label(level: int, names: RungNames) -> str:
    name = (names or {}).get(level)
    return f"{level}  {_pretty(name)}" if name else f"rung {level}"


def _as_date(value: DateLike) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _to_dates(start: dt.date, days: Any) -> np.ndarray:
    """Simulation days (fractional) as ``datetime64[ms]`` from ``start``."""
    ms = np.round(np.asarray(days, dtype=float) * 86_400_000).astype(np.int64)
    return np.datetime64(start, "ms") + ms.astype("timedelta64[ms]")


class _DayMonthTicks(Formatter):
    """Date ticks as ``17 Oct``, with the year under the first visible tick and wherever the
    year changes (unambiguous, unlike an offset label in the corner)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        d = mdates.num2date(x)
        return f"{d.day} {d:%b %Y}"

    def format_ticks(self, values: Any) -> list[str]:
        lo, hi = sorted(self.axis.get_view_interval()) if self.axis is not None else (-np.inf,
                                                                                      np.inf)
        labels, year = [], None
        for v in values:
            d = mdates.num2date(v)
            label = f"{d.day} {d:%b}"
            if lo - 1e-9 <= v <= hi + 1e-9 and d.year != year:
                label, year = f"{label}\n{d.year}", d.year
            labels.append(label)
        return labels


def _date_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=8))
    ax.xaxis.set_major_formatter(_DayMonthTicks())


def _day_label(start: dt.date | None) -> str:
    return f"days since {start.isoformat()}" if start else "days since scenario start"


def _dates_on_top(ax: Axes, start: dt.date) -> None:
    """Calendar dates of the day ticks, on a secondary axis above the plot."""
    top = ax.secondary_xaxis("top")
    top.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _pos: (start + dt.timedelta(days=float(x))).strftime("%d %b %Y")
        .lstrip("0")))
    top.tick_params(labelsize=_TICK_PT - 1, colors=_GREY)


def _count_text(count: str) -> tuple[str, str, str]:
    return COUNT_LABELS.get(count, (count.replace("_", " ").capitalize(),
                                    count.replace("_", " "), "count"))


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 or abs(x) >= 100 else f"{x:.3g}"



def _integer_bins(values: np.ndarray, target: int = 30) -> np.ndarray:
    """Histogram edges centred on integers (counts are integers: no aliasing)."""
    lo, hi = math.floor(values.min()), math.ceil(values.max())
    width = max(1, math.ceil((hi - lo + 1) / target))
    return np.arange(lo - 0.5, hi + width + 0.5, width, dtype=float)


def _km(runs: pd.DataFrame, level: int, horizon_days: float, confidence: float,
        cumulative: bool) -> pd.DataFrame:
    """The Kaplan-Meier curve (and band) of ``level``, cut at the runs' last end day.

    Where every run has reached the rung the Greenwood interval is undefined (scipy warns and
    ``survival_curve`` widens it to [0, 1]); the plot shows it collapsed onto the estimate
    instead of a spurious full-height band.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The confidence interval is undefined",
                                category=RuntimeWarning)
        curve = survival_curve(runs, level, horizon_days, confidence)
    s = curve["survival"].to_numpy(dtype=float)
    low = curve["ci_low"].to_numpy(dtype=float)
    high = curve["ci_high"].to_numpy(dtype=float)
    undefined = ~np.isfinite(low) | ~np.isfinite(high) | ((s <= 0) & (low <= 0) & (high >= 1))
    low = np.where(undefined, s, low)
    high = np.where(undefined, s, high)
    out = pd.DataFrame({"day": curve["day"], "estimate": s, "low": low, "high": high})
    if cumulative:
        out["estimate"], out["low"], out["high"] = 1 - s, 1 - high, 1 - low
    if "end_day" in runs and len(runs):
        # beyond the last observed day the estimate is not supported by any run
        last = math.ceil(float(runs["end_day"].max()))
        out = out[out["day"] <= max(last, 1)]
    return out


def _horizon_of(runs: pd.DataFrame, horizon_days: float | None) -> float | None:
    if horizon_days is not None:
        return float(horizon_days)
    if "end_day" in runs and len(runs):
        return float(math.ceil(runs["end_day"].max()))
    return None


def _probability_xlabel(horizon_days: float | None) -> str:
    within = f"within {horizon_days:g} days" if horizon_days else "within the horizon"
    return f"P(rung reached {within}) (share of runs)"


def _points_with_ci(ax: Axes, y: np.ndarray, p: np.ndarray, low: np.ndarray, high: np.ndarray,
                    color: str, label: str | None = None, size: float = 6.5) -> None:
    err = np.vstack([np.clip(p - low, 0, None), np.clip(high - p, 0, None)])
    ax.errorbar(p, y, xerr=err, fmt="o", color=color, ecolor=color, elinewidth=1.4, capsize=3.5,
                markersize=size, markeredgecolor="white", markeredgewidth=0.8, label=label,
                zorder=3)


def _right_labels(ax: Axes, y: np.ndarray, texts: list[str], header: str) -> None:
    """Values printed beside each row, on a secondary axis so layout leaves room for them."""
    right = ax.secondary_yaxis("right")
    right.set_yticks(y, labels=texts)
    right.tick_params(length=0, labelsize=_TICK_PT - 0.5, colors="0.2")
    right.spines["right"].set_visible(False)
    right.set_ylabel(header, fontsize=_TICK_PT, color=_GREY)


# ---------------------------------------------------------------------- one scenario: rungs ---
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
    _check_runs(runs)
    probs = rung_probabilities(runs, confidence)
    if probs.empty:
        raise ValueError("the run table has no day_rung_K columns")
    fig, ax, created = _axes(ax, 8.0, 1.3 + 0.42 * len(probs))
    y = np.arange(len(probs), dtype=float)
    p = probs["probability"].to_numpy(dtype=float)
    low, high = probs["ci_low"].to_numpy(dtype=float), probs["ci_high"].to_numpy(dtype=float)
    _points_with_ci(ax, y, p, low, high, _BLUE)
    ax.set_yticks(y, labels=[_rung_label(int(r), rung_names) for r in probs["rung"]])
    ax.set_ylim(-0.6, len(probs) - 0.4)
    ax.set_xlim(-0.02, 1.02)
    _right_labels(ax, y, [f"{a:.3f} [{b:.3f}, {c:.3f}]  {k}/{n}" for a, b, c, k, n in zip(
        p, low, high, probs["reached"], probs["runs"], strict=True)],
        f"P [{confidence:.0%} interval], reached/runs")
    _style(ax, "x")
    _labels(ax, _probability_xlabel(_horizon_of(runs, horizon_days)), "escalation rung",
            title or _with_scenario("Probability of reaching each rung", _scenario_of(runs),
                                    len(runs)))
    if created:
        _footnote(fig, _CI_NOTE.replace("95%", f"{confidence:.0%}"), NOT_A_FORECAST)
    return fig


def plot_rung_distribution(runs: pd.DataFrame, ax: Axes | None = None, *,
                           rung_names: RungNames = None, title: str | None = None,
                           confidence: float = 0.95) -> Figure:
    """Share of runs by the highest rung reached (``max_rung``), with binomial intervals."""
    _check_runs(runs, "max_rung")
    top = runs["max_rung"].to_numpy(dtype=float)
    levels = sorted({0, *rung_levels(runs), *(int(v) for v in top[np.isfinite(top)])})
    n = len(runs)
    k = np.array([int(np.sum(top == lv)) for lv in levels])
    share = k / n
    ci = np.array([binomial_interval(int(x), n, confidence) for x in k])
    fig, ax, created = _axes(ax, 8.0, 1.3 + 0.42 * len(levels))
    y = np.arange(len(levels), dtype=float)
    ax.barh(y, share * 100, height=0.62, color=_BLUE, alpha=0.85, zorder=2)
    ax.errorbar(share * 100, y, xerr=np.vstack([share - ci[:, 0], ci[:, 1] - share]) * 100,
                fmt="none", ecolor="0.15", elinewidth=1.1, capsize=3, zorder=3)
    ax.set_yticks(y, labels=[_rung_label(lv, rung_names) if lv else "0  no incident"
                             for lv in levels])
    ax.set_ylim(-0.6, len(levels) - 0.4)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    _right_labels(ax, y, [f"{s:.1%}  ({c})" for s, c in zip(share, k, strict=True)],
                  "share (runs)")
    _style(ax, "x")
    _labels(ax, "share of runs whose highest rung is this one (%)", "highest rung reached",
            title or _with_scenario("Highest rung reached", _scenario_of(runs), n))
    if created:
        _footnote(fig, _CI_NOTE.replace("95%", f"{confidence:.0%}"), NOT_A_FORECAST)
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
    _check_runs(runs, *counts)
    if not counts:
        raise ValueError("no counts to plot")
    fig, panels, created = _grid_axes(len(counts), ncols, 3.9, 3.0, axes)
    quant = count_quantiles(runs, counts).set_index("count")
    for ax, count in zip(panels, counts, strict=True):
        values = runs[count].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        long, short, unit = _count_text(count)
        q = quant.loc[count]
        if len(values):
            ax.axvspan(q["q05"] - 0.5, q["q95"] + 0.5, color=_BLUE, alpha=0.10, lw=0, zorder=0)
            ax.hist(values, bins=_integer_bins(values).tolist(), color=_BLUE, alpha=0.85,
                    edgecolor="white", linewidth=0.4, zorder=2)
            ax.axvline(q["q50"], color="0.1", lw=1.6, zorder=3)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=1))
        _style(ax, "y")
        _labels(ax, f"{short} per run ({unit})", "runs (count)")
        ax.set_title(f"{long}\nmedian {_fmt(q['q50'])}, 90% range {_fmt(q['q05'])}"
                     f"\u2013{_fmt(q['q95'])}", fontsize=_LABEL_PT, loc="left")
    if created:
        _suptitle(fig, title or _with_scenario("Counts per run", _scenario_of(runs), len(runs)))
        _footnote(fig, "Bars: runs per value; black line: median; shaded: 5\u201395% of runs "
                  "(the 90% range).", NOT_A_FORECAST)
    elif title:
        panels[0].set_title(title, fontsize=_TITLE_PT, loc="left")
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
    _check_runs(runs)
    all_levels = rung_levels(runs)
    if levels is None:
        reached = [lv for lv in all_levels if runs[f"day_rung_{lv}"].notna().any()]
        levels = reached or all_levels
    levels = list(levels)
    for lv in levels:
        if f"day_rung_{lv}" not in runs:
            raise ValueError(f"rung {lv} is not in the run table (rungs: {all_levels})")
    start = _as_date(start_date)
    fig, ax, created = _axes(ax, 8.6, 4.6)
    colors = colormaps["viridis"](np.linspace(0.0, 0.85, max(len(levels), 2)))
    for color, lv in zip(colors, levels, strict=False):
        km = _km(runs, lv, horizon_days, confidence, cumulative)
        hit = int(runs[f"day_rung_{lv}"].notna().sum())
        end = km["estimate"].iloc[-1]
        note = f"{end:.2f} by day {km['day'].iloc[-1]:g}" if hit else "never reached"
        ax.step(km["day"], km["estimate"], where="post", color=color, lw=1.8,
                label=f"{_rung_label(lv, rung_names)}  ({note})")
        ax.fill_between(km["day"], km["low"], km["high"], step="post", color=color, alpha=0.16,
                        lw=0)
    ax.set_xlim(0, horizon_days)
    ax.set_ylim(-0.02, 1.02)
    if start is not None:
        _dates_on_top(ax, start)
    _style(ax, "both")
    what = "P(rung reached by day)" if cumulative else "P(rung not yet reached)"
    _labels(ax, _day_label(start), f"{what}, Kaplan-Meier",
            title or _with_scenario("Time to each rung", _scenario_of(runs), len(runs)))
    ax.legend(title="rung", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=_TICK_PT - 0.5,
              title_fontsize=_TICK_PT, frameon=False)
    if created:
        _footnote(fig, f"Shaded: {confidence:.0%} pointwise confidence band. Runs that never "
                  "reach a rung are censored at their end day (the horizon, or earlier if the "
                  "run ended).", NOT_A_FORECAST)
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
    start = _as_date(start_date)
    if start is None and "date" in daily:
        first = _as_date(daily.loc[daily["day"] == daily["day"].min(), "date"].iloc[0])
        if first is not None:
            start = first - dt.timedelta(days=int(daily["day"].min()))
    use_dates = (start is not None) if dates is None else dates
    if use_dates and start is None:
        raise ValueError("dates=True needs a start_date (or a 'date' column)")
    names = list(series) if series is not None else list(dict.fromkeys(daily["series"]))
    fig, panels, created = _grid_axes(len(names), ncols, 5.0, 3.1, axes)
    for ax, name in zip(panels, names, strict=True):
        part = daily[daily["series"] == name].sort_values("day")
        if part.empty:
            raise ValueError(f"no daily series {name!r} (have {sorted(set(daily['series']))})")
        x: Any = _to_dates(start, part["day"]) if use_dates and start else part["day"]
        ax.fill_between(x, part["q05"], part["q95"], color=_BLUE, alpha=0.2, lw=0, step="post",
                        label="5\u201395% of runs")
        ax.plot(x, part["q50"], color=_BLUE, lw=1.8, drawstyle="steps-post", label="median")
        ax.plot(x, part["mean"], color="0.15", lw=1.1, ls="--", label="mean")
        long, short, unit = _count_text(name)
        if use_dates:
            _date_axis(ax)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))
        _style(ax, "both")
        _labels(ax, "date" if use_dates else _day_label(start), f"cumulative {short} ({unit})")
        ax.set_title(long, fontsize=_LABEL_PT, loc="left")
    panels[0].legend(loc="upper left", fontsize=_TICK_PT - 0.5, frameon=False)
    if created:
        _suptitle(fig, title or "Cumulative counts by day across runs")
        _footnote(fig, "Each run's cumulative count at the end of each day; runs that end early "
                  "keep their final count.", NOT_A_FORECAST)
    elif title:
        panels[0].set_title(title, fontsize=_TITLE_PT, loc="left")
    return fig


# ------------------------------------------------------------------- one replication: trace ---
_SEVERITY = {  # attack outcome -> (colour, marker size): rarer and worse is darker and larger
    "miss": ("#c7c7c7", 22),
    "intercepted": ("#6baed6", 22),
    "damage": ("#fdae6b", 30),
    "injuries": ("#e6550d", 46),
    "fatalities": ("#7f0000", 90),
}
_WEAPON_MARKERS = ("o", "^", "D", "*", "p", "h", "s")
_KNOWN_WEAPONS = {"rocket": "o", "drone": "^", "crbm": "D", "iranian_brbm_salvo": "*"}
_EVENTS = {  # action -> (marker, colour, size, legend label)
    "strike round": ("v", "#08306b", 60, "US strike round"),
    "leadership strike": ("X", "#08306b", 80, "US leadership strike"),
    "strike on Iran": ("P", "#54278f", 120, "US strike on Iran"),
    "IRGC personnel killed": ("x", "#54278f", 50, "IRGC personnel killed"),
    "troop change": ("|", "0.15", 160, "troop change"),
    "policy switch": ("s", "0.15", 45, "policy switch"),
    "posture": ("s", "#238b45", 50, "Iranian posture change"),
    "decides direct retaliation": ("d", "#7a0177", 60, "Iran decides to retaliate"),
    "protests US strike": ("o", "#8c6d31", 18, "Baghdad protests a strike"),
    "demands drawdown": ("s", "#8c6d31", 50, "Baghdad demands drawdown"),
    "regime": ("|", "black", 200, "regime change"),
    "shock": ("*", "#cb181d", 110, "external shock"),
    "shock ends": ("*", "#fc9272", 70, "shock ends"),
}
_ANNOTATED = {"posture", "regime", "shock", "policy switch", "troop change", "demands drawdown"}
_STATE_ACTORS = ("us", "iran", "baghdad", "timeline")
_LANE_NAMES = {"us": "US forces", "iran": "Iran", "baghdad": "Baghdad (Iraqi government)",
               "timeline": "timeline"}
_LEGEND_ORDER = {"o": 0, "w": 1, "e": 2, "r": 3}
_TRACE_COLUMNS = ["day", "actor", "action", "target", "outcome"]


def _short(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def plot_trace_timeline(log: pd.DataFrame | Sequence[tuple[float, str, str, str, str]],
                        start_date: DateLike, ax: Axes | None = None, *,
                        title: str | None = None, horizon_days: float | None = None) -> Figure:
    """One replication's event log as a timeline: a lane per actor, x = date.

    Attacks are coloured by outcome (miss, intercepted, damage, injuries, fatalities) with one
    marker shape per weapon; US strike rounds are sized by targets struck; posture changes,
    regimes and shocks are labelled; periods of Iranian restraint are shaded.

    Args:
        log: the table of ``escsim.trace`` / ``trace.csv`` (day, actor, action, target,
            outcome), or ``RunRecord.log`` as tuples.
        start_date: the scenario's start date (day 0).
        horizon_days: the x range (default: the run's end day, or the last event).
    """
    table = log if isinstance(log, pd.DataFrame) else pd.DataFrame(list(log),
                                                                    columns=_TRACE_COLUMNS)
    missing = [c for c in _TRACE_COLUMNS if c not in table]
    if missing:
        raise ValueError(f"event log lacks columns {missing}")
    start = _as_date(start_date)
    if start is None:
        raise ValueError("plot_trace_timeline needs the scenario's start_date")
    row: dict[str, Any] = dict(table.attrs.get("row") or {})
    table = table.sort_values("day", kind="stable")
    actors = list(dict.fromkeys(table["actor"].astype(str)))
    militias = [a for a in actors if a not in _STATE_ACTORS and a != "iran"]
    lanes = [*militias, *[a for a in _STATE_ACTORS if a in actors or a in ("us", "timeline")]]
    lane_y = {a: float(len(lanes) - 1 - i) for i, a in enumerate(lanes)}
    end = horizon_days if horizon_days is not None else row.get("end_day")
    if end is None or not np.isfinite(float(end)):
        end = float(table["day"].max()) if len(table) else 1.0
    end = max(float(end), 1.0)
    fig, ax, created = _axes(ax, 12.0, 1.6 + 0.62 * len(lanes))
    legend: dict[str, Any] = {}

    # periods of Iranian restraint, shaded across all lanes
    postures = table[(table["actor"] == "iran") & (table["action"] == "posture")]
    since: float | None = None
    for day, outcome in zip(postures["day"], postures["outcome"].astype(str), strict=True):
        if since is not None:
            ax.axvspan(*_to_dates(start, [since, day]), color="#a1d99b", alpha=0.22, lw=0)
            since = None
        if outcome.startswith("restraining"):
            since = float(day)
    if since is not None:
        ax.axvspan(*_to_dates(start, [since, end]), color="#a1d99b", alpha=0.22, lw=0)
    if len(postures[postures["outcome"].astype(str).str.startswith("restraining")]):
        legend["restraint"] = Patch(color="#a1d99b", alpha=0.45, label="Iran restraining")

    attacks = table[table["action"].astype(str).str.startswith("attack")]
    weapons = list(dict.fromkeys(attacks["action"].astype(str).str.extract(
        r"\((.*)\)", expand=False).fillna("unknown")))
    spare = iter(m for m in _WEAPON_MARKERS if m not in _KNOWN_WEAPONS.values())
    marker_of = {w: _KNOWN_WEAPONS.get(w) or next(spare, "o") for w in weapons}
    for weapon in weapons:
        of_weapon = attacks[attacks["action"].astype(str) == f"attack ({weapon})"]
        kind = of_weapon["outcome"].astype(str).str.split(":").str[0].str.strip()
        for outcome, (color, size) in _SEVERITY.items():
            part = of_weapon[kind == outcome]
            if part.empty:
                continue
            ax.scatter(_to_dates(start, part["day"]), part["actor"].map(lane_y), s=size,
                       marker=marker_of[weapon], color=color, edgecolor="0.25", linewidth=0.4,
                       alpha=0.9, zorder=3)
            legend.setdefault(f"o:{outcome}", Line2D([], [], ls="", marker="o", color=color,
                                                     markeredgecolor="0.25", markersize=7,
                                                     label=f"attack: {outcome}"))
        legend[f"w:{weapon}"] = Line2D([], [], ls="", marker=marker_of[weapon], color="0.55",
                                       markersize=7, label=weapon.replace("_", " "))
        other = of_weapon[~kind.isin(list(_SEVERITY))]
        if len(other):
            ax.scatter(_to_dates(start, other["day"]), other["actor"].map(lane_y), s=20,
                       marker=marker_of[weapon], color="0.6", zorder=3)

    rest = table[~table.index.isin(attacks.index)]
    flip = 1
    for action, part in rest.groupby(rest["action"].astype(str), sort=False):
        marker, color, size, label = _EVENTS.get(action, (".", "0.45", 30, action))
        sizes: Any = size
        if action in ("strike round", "leadership strike"):
            targets = part["outcome"].astype(str).str.extract(r"(\d+) targets", expand=False)
            n_targets = targets.astype(float).fillna(1).clip(lower=1).to_numpy()
            sizes = np.minimum(size * np.sqrt(n_targets), 6 * size)
            label += " (area \u221d targets)"
        x = _to_dates(start, part["day"])
        y = part["actor"].map(lane_y).to_numpy(dtype=float)
        ax.scatter(x, y, s=sizes, marker=marker, color=color, alpha=0.9, zorder=4,
                   linewidth=1.4 if marker in ("|", "x") else 0.5,
                   edgecolor=None if marker in ("|", "x") else "white")
        legend.setdefault(f"e:{action}", Line2D([], [], ls="", marker=marker, color=color,
                                                markersize=8, markeredgewidth=1.4, label=label))
        if action == "regime":
            for xi in x:
                ax.axvline(xi, color="0.3", lw=0.8, ls=":", zorder=1)
        if action in _ANNOTATED:
            for xi, yi, text in zip(x, y, part["outcome"].astype(str), strict=True):
                flip = -flip
                ax.annotate(_short(text), (xi, yi), xytext=(4, 9 * flip), textcoords="offset "
                            "points", fontsize=_NOTE_PT, color="0.2", rotation=0,
                            va="bottom" if flip > 0 else "top", zorder=5)

    ax.set_yticks(list(lane_y.values()),
                  labels=[_LANE_NAMES.get(a, _pretty(a)) for a in lanes])
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    ax.set_xlim(*_to_dates(start, [-0.015 * end, 1.015 * end]))
    run_end = row.get("end_day")
    if horizon_days is not None and run_end is not None and float(run_end) < horizon_days - 1e-6:
        x_end = _to_dates(start, [float(run_end)])[0]
        ax.axvline(x_end, color="#7f0000", lw=1.2, zorder=1)
        ax.annotate(f"run ends, day {float(run_end):.0f} (rung {row.get('max_rung', '?')})",
                    (x_end, 1.0), xycoords=("data", "axes fraction"), xytext=(-4, -2),
                    textcoords="offset points", ha="right", va="top", fontsize=_NOTE_PT,
                    color="#7f0000")
    _date_axis(ax)
    for yv in lane_y.values():
        ax.axhline(yv, color="0.9", lw=0.8, zorder=0)
    _style(ax, "x")
    scenario = row.get("scenario")
    seed = row.get("seed")
    default_title = "Event timeline of one replication" + (
        f": {scenario}" if scenario else "") + (f", seed {seed}" if seed is not None else "")
    _labels(ax, f"date (day 0 = {start.isoformat()})", "actor", title or default_title)
    order = sorted(legend, key=lambda k: _LEGEND_ORDER.get(k[0], 9))
    ax.legend(handles=[legend[k] for k in order], loc="upper center", ncols=5,
              bbox_to_anchor=(0.5, -0.13), fontsize=_TICK_PT - 0.5, frameon=False,
              handletextpad=0.3, columnspacing=1.2)
    if created:
        tally = ""
        if row:
            tally = (f"This run: {row.get('attacks', '?')} attacks, {row.get('us_wounded', '?')}"
                     f" US wounded, {row.get('us_killed', '?')} killed, "
                     f"{row.get('us_strikes', '?')} US strike rounds; highest rung "
                     f"{row.get('max_rung', '?')}.")
        _footnote(fig, tally, "One simulated history among many; " + NOT_A_FORECAST[0].lower()
                  + NOT_A_FORECAST[1:])
    return fig


# --------------------------------------------------------------------------- comparisons ---
def _palette(n: int) -> list[Any]:
    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _check_scenarios(runs_by_scenario: Mapping[str, pd.DataFrame], *columns: str) -> None:
    if not runs_by_scenario:
        raise ValueError("no scenarios to compare")
    for name, runs in runs_by_scenario.items():
        try:
            _check_runs(runs, *columns)
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
    fig, ax, created = _axes(ax, 8.6, 1.4 + len(levels) * (0.2 + 0.13 * k))
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
        _points_with_ci(ax, y, sub["probability"].to_numpy(dtype=float),
                        sub["ci_low"].to_numpy(dtype=float), sub["ci_high"].to_numpy(dtype=float),
                        color, label=f"{name} ({_n_runs(len(runs_by_scenario[name]))})",
                        size=5.5 if k > 3 else 6.5)
    ax.set_yticks(base, labels=[_rung_label(lv, rung_names) for lv in levels])
    ax.set_ylim(-0.5, len(levels) - 0.5)
    ax.set_xlim(-0.02, 1.02)
    _style(ax, "x")
    horizon = horizon_days if horizon_days is not None else max(
        (_horizon_of(r, None) or 0) for r in runs_by_scenario.values()) or None
    _labels(ax, _probability_xlabel(horizon), "escalation rung",
            title or "Probability of reaching each rung, by scenario")
    ax.legend(title="scenario", loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize=_TICK_PT - 0.5, title_fontsize=_TICK_PT,
              frameon=False)
    if created:
        _footnote(fig, _CI_NOTE.replace("95%", f"{confidence:.0%}"), NOT_A_FORECAST)
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
    fig, ax, created = _axes(ax, 7.6, 1.4 + 0.62 * k)
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
    _style(ax, "x")
    long, short, unit = _count_text(count)
    _labels(ax, f"{short} per run ({unit})", "scenario", title or f"{long}, by scenario")
    if created:
        _footnote(fig, "Box: quartiles; whiskers: 5\u201395% of runs; bar: median; diamond: mean;"
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
    start = _as_date(start_date)
    fig, ax, created = _axes(ax, 8.6, 4.4)
    for (name, runs), color in zip(runs_by_scenario.items(), _palette(len(runs_by_scenario)),
                                   strict=True):
        km = _km(runs, level, horizon_days, confidence, cumulative)
        hit = int(runs[f"day_rung_{level}"].notna().sum())
        note = f"{km['estimate'].iloc[-1]:.2f} by day {km['day'].iloc[-1]:g}" if hit \
            else "never reached"
        ax.step(km["day"], km["estimate"], where="post", color=color, lw=1.8,
                label=f"{name}  ({note})")
        ax.fill_between(km["day"], km["low"], km["high"], step="post", color=color, alpha=0.15,
                        lw=0)
    ax.set_xlim(0, horizon_days)
    ax.set_ylim(-0.02, 1.02)
    _style(ax, "both")
    what = "P(reached by day)" if cumulative else "P(not yet reached)"
    _labels(ax, _day_label(start), what,
            title or f"Time to {_rung_label(level, rung_names)}, by scenario")
    ax.legend(title="scenario", loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=_TICK_PT - 0.5, title_fontsize=_TICK_PT, frameon=False)
    if created:
        _footnote(fig, f"Shaded: {confidence:.0%} pointwise confidence band; runs that never "
                  "reach the rung are censored at their end day.", NOT_A_FORECAST)
    return fig


# ------------------------------------------------------------------------------- folders ---
def _names_from(summary: Mapping[str, Any], rung_names: RungNames) -> RungNames:
    names = rung_names if rung_names is not None else summary.get("rung_names")
    return {int(k): str(v) for k, v in names.items()} if names else None


def plot_result_folder(folder: str | Path, runs: pd.DataFrame, daily: pd.DataFrame,
                       summary: Mapping[str, Any], *, rung_names: RungNames = None) -> list[Path]:
    """Write the standard figures of one scenario's results into ``folder/plots/``.

    Files: ``rungs.png`` (rung probabilities), ``max_rung.png`` (highest rung), ``counts.png``
    (count distributions), ``survival.png`` (time to rung), ``daily.png`` (daily bands).
    ``summary`` is ``summary.json`` (scenario, horizon_days, start_date); rung names come from
    ``rung_names`` or ``summary["rung_names"]``, otherwise rungs are shown by level.
    Returns the paths written.
    """
    out = Path(folder) / "plots"
    out.mkdir(parents=True, exist_ok=True)
    scenario = summary.get("scenario") or _scenario_of(runs)
    horizon = _horizon_of(runs, summary.get("horizon_days")) or 1.0
    start = _as_date(summary.get("start_date"))
    names = _names_from(summary, rung_names)
    n = len(runs)
    when = f" from {start.isoformat()}" if start else ""
    figures = {
        "rungs.png": plot_rung_probabilities(
            runs, rung_names=names, horizon_days=horizon,
            title=_with_scenario(f"Probability of reaching each rung within {horizon:g} days",
                                 scenario, n)),
        "max_rung.png": plot_rung_distribution(
            runs, rung_names=names, title=_with_scenario("Highest rung reached", scenario, n)),
        "counts.png": plot_count_distributions(
            runs, [c for c in MAIN_COUNTS if c in runs],
            title=_with_scenario(f"Counts per run over {horizon:g} days{when}", scenario, n)),
        "survival.png": plot_survival(
            runs, horizon, rung_names=names, start_date=start,
            title=_with_scenario("Time to each rung", scenario, n)),
        "daily.png": plot_daily_bands(
            daily, start, title=_with_scenario("Cumulative counts by day", scenario, n)),
    }
    return [save_figure(fig, out / name) for name, fig in figures.items()]


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
    fig_counts, panels, _ = _grid_axes(len(present), 2, 6.4, 1.5 + 0.5 * k, None)
    for ax, count in zip(panels, present, strict=True):
        plot_compare_counts(runs_by_scenario, count, ax, title=_count_text(count)[0],
                            points=k * max(len(r) for r in runs_by_scenario.values()) <= 20_000)
    _suptitle(fig_counts, "Counts per run, by scenario")
    _footnote(fig_counts, "Box: quartiles; whiskers: 5\u201395% of runs; bar: median; diamond: "
              "mean; dots: single runs.", NOT_A_FORECAST)

    shared = set.intersection(*(set(rung_levels(r)) for r in runs_by_scenario.values()))
    if levels is None:
        levels = [lv for lv in sorted(shared) if any(r[f"day_rung_{lv}"].notna().any()
                                                     for r in runs_by_scenario.values())]
        levels = levels or sorted(shared)[:1]
    levels = list(levels)
    fig_surv, panels, _ = _grid_axes(len(levels), 2 if len(levels) <= 4 else 3, 5.2, 3.3, None)
    for ax, lv in zip(panels, levels, strict=True):
        plot_compare_survival(runs_by_scenario, lv, horizon_days, ax, rung_names=names,
                              title=f"Time to {_rung_label(lv, names)}")
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
    handles = [Line2D([], [], color=c, lw=2, label=name)
               for name, c in zip(runs_by_scenario, _palette(k), strict=True)]
    fig_surv.legend(handles=handles, title="scenario", loc="outside right upper",
                    fontsize=_TICK_PT, title_fontsize=_TICK_PT, frameon=False)
    _suptitle(fig_surv, "Time to each rung, by scenario (Kaplan-Meier)")
    _footnote(fig_surv, "Shaded: 95% pointwise confidence band; runs that never reach a rung are "
              "censored at their end day.", NOT_A_FORECAST)
    written = {"compare_rungs.png": rungs, "compare_counts.png": fig_counts,
               "compare_survival.png": fig_surv}
    return [save_figure(fig, out / name) for name, fig in written.items()]
