"""Figures of a backtest and a calibration: simulated bands beside the observed record.

Every function takes tables -- the bands (``bands.csv``), the comparison (``comparison.csv``), the
simulated value of each observation per run (``simulated.csv``), a posterior sample -- and an
optional matplotlib ``ax`` (``axes`` for small multiples), and returns the Figure it drew on.
Figures are built on the Agg canvas with :class:`matplotlib.figure.Figure`: no pyplot state.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from escsim.plotting.style import axes_for as _axes
from escsim.plotting.style import date_axis, footnote, save_figure, style_axes
from escsim.plotting.style import grid_axes as _grid_axes
from escsim.records import label

#: The caveat of every figure (MODEL.md, "Known limits").
CAVEAT = ("Simulated under stated assumptions; the record is press-reported and short, the "
          "decision rules stylised. A check of consistency, not a forecast.")
_BAND, _MEDIAN, _INSIDE, _OUTSIDE, _GREY = "#2b6a99", "#1b4565", "#111111", "#d1495b", "0.45"



def _short(noun: str) -> str:
    return noun.split(" (")[0]


def _label(measure: str) -> tuple[str, str]:
    found = label(measure)
    return found.title[0].lower() + found.title[1:], found.unit


def _dates(start: dt.date, days: Any) -> np.ndarray:
    """Matplotlib date numbers of ``start`` + ``days``."""
    return np.asarray(mdates.date2num(np.datetime64(start) + np.asarray(days, dtype="int64")
                                      .astype("timedelta64[D]")), dtype=float)


def _num(day: dt.date) -> float:
    return float(mdates.date2num(day))


def _as_date(text: Any) -> dt.date:
    return text if isinstance(text, dt.date) else dt.date.fromisoformat(str(text))


def _is_true(x: Any) -> bool:
    return bool(x) and not (isinstance(x, float) and math.isnan(x)) and str(x) != "False"


# ------------------------------------------------------------------------ cumulative series ---
def plot_cumulative(bands: pd.DataFrame, comparison: pd.DataFrame, series: str,
                    start_date: dt.date | str, ax: Axes | None = None, *,
                    title: str | None = None) -> Figure:
    """A cumulative daily series: simulated median, 50% and 90% bands, and the observed counts.

    Count observations of ``series`` whose window starts on ``start_date`` are cumulative
    figures, drawn at their last date (a bar for a range, a triangle for "at least"); other
    windows of the series are shaded and labelled with the observed count. Markers are red
    where the observation falls outside the simulated 90% interval.
    """
    start = _as_date(start_date)
    fig, ax, own = _axes(ax, 8.0, 4.2)
    b = bands[bands["series"] == series]
    if b.empty:
        raise ValueError(f"no bands for series {series!r}")
    x = _dates(start, b["day"])
    ax.fill_between(x, b["q05"], b["q95"], color=_BAND, alpha=0.18, lw=0, step="post")
    ax.fill_between(x, b["q25"], b["q75"], color=_BAND, alpha=0.35, lw=0, step="post")
    ax.step(x, b["q50"], where="post", color=_MEDIAN, lw=1.6)
    rows = comparison[(comparison["measure"] == series) & (comparison["kind"] == "count")
                      & comparison["covered"].map(_is_true)]
    for r in rows.itertuples():
        w0, w1 = _as_date(r.window_start), _as_date(r.window_end)
        x0, x1 = _num(w0), _num(w1)
        color = _INSIDE if _is_true(r.inside_90) else _OUTSIDE
        low = r.observed_low if r.observed_low is not None and not pd.isna(r.observed_low) \
            else None
        high = r.observed_high if r.observed_high is not None and not pd.isna(r.observed_high) \
            else None
        if w0 == start:
            if low is not None and high is not None and low != high:
                ax.vlines(x1, low, high, color=color, lw=2.2, zorder=5)
                ax.plot([x1, x1], [low, high], "_", color=color, ms=8, mew=2, zorder=5)
            elif low is not None and high is None:
                ax.plot(x1, low, "^", color=color, ms=7, zorder=5)
            elif low is not None:
                ax.plot(x1, low, "o", color=color, ms=6, zorder=5)
        else:
            ax.axvspan(x0, x1 + 1, color="0.5", alpha=0.15, lw=0)
            ax.annotate(f"{r.id.removeprefix('OBS-').lower()}: {r.observed} observed",
                        xy=(x0, 0.02), xycoords=("data", "axes fraction"), fontsize=7.5,
                        rotation=90, va="bottom", ha="right", color=color)
    noun, unit = _label(series)
    ax.set_ylabel(f"cumulative {_short(noun)} ({unit})")
    ax.set_xlabel("date")
    ax.set_title(title or f"Cumulative {noun}: simulated vs observed", fontsize=11, loc="left")
    ax.set_ylim(bottom=0)
    style_axes(ax, "y")
    handles = [Line2D([], [], color=_MEDIAN, lw=1.6, label="simulated median"),
               Patch(color=_BAND, alpha=0.45, label="simulated 50% band"),
               Patch(color=_BAND, alpha=0.18, label="simulated 90% band"),
               Line2D([], [], marker="o", ls="", color=_INSIDE, label="observed (inside 90%)"),
               Line2D([], [], marker="o", ls="", color=_OUTSIDE,
                      label="observed (outside 90%)")]
    ax.legend(handles=handles, fontsize=7.5, loc="upper left", frameon=False)
    date_axis(ax)
    if own:
        footnote(fig, CAVEAT)
    return fig


# ------------------------------------------------------------------------------ attack tempo ---
def plot_tempo(bands: pd.DataFrame, comparison: pd.DataFrame, start_date: dt.date | str,
               ax: Axes | None = None, *, title: str | None = None) -> Figure:
    """Attacks per day (7-day average): simulated bands beside the observed average rate of
    every attack-count window (the surge, the truce, the lull after the US package), with the
    observed first dates as dashed lines."""
    start = _as_date(start_date)
    fig, ax, own = _axes(ax, 8.0, 4.0)
    b = bands[bands["series"] == "attacks_per_day_7d"]
    x = _dates(start, b["day"])
    ax.fill_between(x, b["q05"], b["q95"], color=_BAND, alpha=0.18, lw=0)
    ax.fill_between(x, b["q25"], b["q75"], color=_BAND, alpha=0.35, lw=0)
    ax.plot(x, b["mean"], color=_MEDIAN, lw=1.4)
    rows = comparison[(comparison["measure"] == "attacks") & (comparison["kind"] == "count")
                      & comparison["covered"].map(_is_true)]
    for r in rows.itertuples():
        w0, w1 = _as_date(r.window_start), _as_date(r.window_end)
        x0, x1 = _num(w0), _num(w1)
        days = (w1 - w0).days + 1
        if r.observed_low is None or pd.isna(r.observed_low):
            continue
        rate = float(r.observed_low) / days
        color = _INSIDE if _is_true(r.inside_90) else _OUTSIDE
        ax.plot([x0, x1 + 1], [rate, rate], color=color, lw=2.4, solid_capstyle="butt")
        ax.annotate(f"{r.observed} in {days} d", xy=(x1, rate), fontsize=7.5, color=color,
                    xytext=(2, 3), textcoords="offset points")
    firsts = comparison[(comparison["kind"] == "first_date")
                        & comparison["covered"].map(_is_true)]
    for r in firsts.itertuples():
        try:
            when = _as_date(r.observed)
        except ValueError:
            continue
        ax.axvline(_num(when), color=_GREY, ls="--", lw=0.9)
        ax.annotate(f"first {r.measure} (observed)", xy=(_num(when), 0.02),
                    xycoords=("data", "axes fraction"), rotation=90, fontsize=7, va="bottom",
                    ha="right", color=_GREY)
    ax.set_ylabel("attacks per day (trailing 7-day mean)")
    ax.set_xlabel("date")
    ax.set_title(title or "Attack tempo: simulated vs observed window averages", fontsize=11,
                 loc="left", pad=24)
    ax.set_ylim(bottom=0)
    style_axes(ax, "y")
    handles = [Line2D([], [], color=_MEDIAN, lw=1.4, label="simulated mean"),
               Patch(color=_BAND, alpha=0.45, label="simulated 50% band"),
               Patch(color=_BAND, alpha=0.18, label="simulated 90% band"),
               Line2D([], [], color=_INSIDE, lw=2.4, label="observed average over a window")]
    ax.legend(handles=handles, fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0),
              ncol=2, frameon=False, borderaxespad=0.2)
    date_axis(ax)
    if own:
        footnote(fig, CAVEAT)
    return fig


# -------------------------------------------------------------------------------- percentiles ---
def plot_percentiles(comparison: pd.DataFrame, ax: Axes | None = None, *,
                     title: str | None = None) -> Figure:
    """Where each observation falls in its simulated distribution: percentile (dot; a bar from
    P(X < low) to P(X <= high) for ties and ranges) against the central 50% and 90% zones."""
    rows = comparison[comparison["covered"].map(_is_true)].reset_index(drop=True)
    fig, ax, own = _axes(ax, 7.5, 0.9 + 0.28 * max(1, len(rows)))
    ax.axvspan(5, 95, color=_BAND, alpha=0.14, lw=0)
    ax.axvspan(25, 75, color=_BAND, alpha=0.22, lw=0)
    y = np.arange(len(rows))[::-1]
    for yi, r in zip(y, rows.itertuples(), strict=True):
        color = _INSIDE if _is_true(r.inside_90) else _OUTSIDE
        ax.plot([float(r.p_below), float(r.p_at_or_below)], [yi, yi], color=color, lw=1.2,
                alpha=0.6, zorder=3)
        ax.plot(float(r.percentile), yi, "o", color=color, ms=5, zorder=4)
    ax.set_yticks(y, [str(i).removeprefix("OBS-") for i in rows["id"]], fontsize=7.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("percentile of the observation in the simulated distribution (%)")
    ax.set_title(title or "Observations within the simulated distributions", fontsize=11,
                 loc="left", pad=18)
    style_axes(ax, "x")
    handles = [Patch(color=_BAND, alpha=0.36, label="central 50%"),
               Patch(color=_BAND, alpha=0.14, label="central 90%"),
               Line2D([], [], marker="o", ls="", color=_OUTSIDE, label="outside 90% interval")]
    ax.legend(handles=handles, fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0),
              ncol=3, frameon=False, borderaxespad=0.2)
    if own:
        footnote(fig, "Mid-rank percentile: ties with simulated values count half. " + CAVEAT)
    return fig


# ------------------------------------------------------------------------------ distributions ---
def plot_distributions(simulated: pd.DataFrame, comparison: pd.DataFrame,
                       ids: Sequence[str] | None = None, axes: Sequence[Axes] | None = None, *,
                       ncols: int = 4, title: str | None = None) -> Figure:
    """Small multiples: the simulated distribution of each observation (histogram over runs),
    its 90% interval (shaded) and the observed value or range (red when outside)."""
    by_id = comparison.set_index("id")
    ids = [i for i in (ids if ids is not None else simulated.columns) if i in simulated.columns]
    n = len(ids)
    fig, axes, own = _grid_axes(n, ncols, 3.0, 2.3, axes)
    for ax, oid in zip(axes, ids, strict=False):
        r = by_id.loc[oid]
        values = simulated[oid].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        first_date = r["kind"] == "first_date"
        if len(finite):
            lo, hi = float(finite.min()), float(finite.max())
            if hi - lo <= 60:
                bins = np.arange(lo - 0.5, hi + 1.5, 1.0).tolist()
            else:
                bins = np.linspace(lo, hi, 31).tolist()
            ax.hist(finite, bins=bins, color=_BAND, alpha=0.75, edgecolor="white", lw=0.4,
                    weights=np.full(len(finite), 1.0 / len(values)))
        if r["ci90_low"] is not None and not pd.isna(r["ci90_low"]):
            right = r["ci90_high"] if r["ci90_high"] is not None and not pd.isna(r["ci90_high"]) \
                else (finite.max() if len(finite) else r["ci90_low"])
            ax.axvspan(float(r["ci90_low"]) - 0.5, float(right) + 0.5, color=_BAND, alpha=0.12,
                       lw=0)
        color = _INSIDE if _is_true(r["inside_90"]) else _OUTSIDE
        low, high = r["observed_low"], r["observed_high"]
        if low is not None and not pd.isna(low):
            ax.axvline(float(low), color=color, lw=1.8)
        if high is not None and not pd.isna(high) and high != low:
            ax.axvline(float(high), color=color, lw=1.8, ls="--")
        never = int(np.sum(~np.isfinite(values)))
        label = f"{oid.removeprefix('OBS-')}\nobserved {r['observed']}"
        if never:
            label += f"; none in {never / len(values):.0%} of runs"
        ax.set_title(label, fontsize=7.5)
        noun, unit = _label(str(r["measure"]))
        if first_date:
            ax.set_xlabel(f"days after {r['window_start']}", fontsize=7.5)
        elif r["kind"] == "max_day":
            ax.set_xlabel(f"most {noun} in one day ({unit})", fontsize=7.5)
        else:
            ax.set_xlabel(f"{noun} ({unit})", fontsize=7.5)
        ax.set_ylabel("share of runs", fontsize=7.5)
        ax.tick_params(labelsize=7)
        style_axes(ax, "y")
    if own:
        fig.suptitle(title or "Simulated distribution of each observation (shaded: 90% "
                     "interval; line: observed)", fontsize=10.5)
        footnote(fig, CAVEAT)
    return fig


# ------------------------------------------------------------------------------ calibration ---
def plot_prior_posterior(prior_draws: pd.DataFrame, posterior: pd.DataFrame,
                         columns: Sequence[str], weights: Sequence[float] | None = None,
                         axes: Sequence[Axes] | None = None, *, reference: dict[str, float]
                         | None = None, xlabels: dict[str, str] | None = None, ncols: int = 4,
                         title: str | None = None) -> Figure:
    """Per parameter: the prior (grey) and the weighted posterior (blue) histograms, with the
    scenario's own value (``reference``, dashed) for comparison; ``xlabels`` name each
    parameter's unit."""
    n = len(columns)
    fig, axes, own = _grid_axes(n, ncols, 3.0, 2.3, axes)
    w = None if weights is None else np.asarray(weights, dtype=float)
    for ax, col in zip(axes, columns, strict=False):
        pr = prior_draws[col].to_numpy(dtype=float)
        po = posterior[col].to_numpy(dtype=float)
        lo, hi = float(min(pr.min(), po.min())), float(max(pr.max(), po.max()))
        bins: list[float] | int = np.linspace(lo, hi, 16).tolist() if hi > lo else 10
        ax.hist(pr, bins=bins, density=True, color="0.6", alpha=0.5, label="prior")
        ax.hist(po, bins=bins, density=True, weights=w, color=_BAND, alpha=0.7,
                label="posterior")
        if reference and col in reference:
            ax.axvline(reference[col], color=_INSIDE, ls="--", lw=1.2, label="scenario value")
        _density_panel(ax, col.removeprefix("drawn_"), (xlabels or {}).get(col, "value"))
    return _finish_densities(fig, axes, own,
                             title or "Prior and ABC posterior of each uncertain parameter")


def plot_backtest_folder(folder: str | Path, bands: pd.DataFrame, comparison: pd.DataFrame,
                         simulated: pd.DataFrame, start_date: dt.date | str,
                         title: str = "") -> dict[str, Path]:
    """Write every backtest figure into ``folder`` (PNG); return their paths by name."""
    folder = Path(folder)
    out: dict[str, Path] = {}
    prefix = f"{title}: " if title else ""
    for name, series in (("attacks", "attacks"), ("casualties", "us_casualties"),
                         ("deaths", "us_killed"), ("strike_rounds", "us_strikes")):
        if (comparison["measure"] == series).any():
            noun, _ = _label(series)
            out[name] = save_figure(plot_cumulative(
                bands, comparison, series, start_date,
                title=f"{prefix}cumulative {noun}, simulated vs observed"),
                folder / f"{name}.png")
    if (comparison["measure"] == "attacks").any():
        out["tempo"] = save_figure(plot_tempo(bands, comparison, start_date,
                                              title=f"{prefix}attack tempo and the lull"),
                                   folder / "tempo.png")
    if comparison["covered"].map(_is_true).any():
        out["percentiles"] = save_figure(plot_percentiles(
            comparison, title=f"{prefix}where each observation falls"),
            folder / "percentiles.png")
        out["distributions"] = save_figure(plot_distributions(simulated, comparison),
                                           folder / "distributions.png")
    return out


def plot_summary_statistics(prior_stats: pd.DataFrame, posterior_stats: pd.DataFrame,
                            observed: dict[str, tuple[float, float]],
                            weights: Sequence[float] | None = None,
                            axes: Sequence[Axes] | None = None, *, ncols: int = 4,
                            title: str | None = None) -> Figure:
    """Per summary statistic: its prior-predictive distribution (grey), its distribution in the
    accepted posterior runs (blue) and the observed value or range (black)."""
    columns = list(posterior_stats.columns)
    n = len(columns)
    fig, axes, own = _grid_axes(n, ncols, 3.0, 2.3, axes)
    w = None if weights is None else np.asarray(weights, dtype=float)
    for ax, col in zip(axes, columns, strict=False):
        pr = prior_stats[col].to_numpy(dtype=float)
        po = posterior_stats[col].to_numpy(dtype=float)
        lo, hi = float(min(pr.min(), po.min())), float(max(pr.max(), po.max()))
        bins: list[float] | int = (np.arange(lo - 0.5, hi + 1.5).tolist() if hi - lo <= 40
                                   else np.linspace(lo, hi, 31).tolist())
        ax.hist(pr, bins=bins, density=True, color="0.6", alpha=0.5, label="prior predictive")
        ax.hist(po, bins=bins, density=True, weights=w, color=_BAND, alpha=0.7,
                label="posterior (accepted runs)")
        low, high = observed.get(col.removeprefix("stat_"), (math.nan, math.nan))
        for x in {low, high}:
            if math.isfinite(x):
                ax.axvline(x, color=_INSIDE, lw=1.6)
        _density_panel(ax, col.removeprefix("stat_").removeprefix("OBS-"),
                       "value of the statistic")
    return _finish_densities(fig, axes, own, title or "Summary statistics: prior predictive, "
                                                      "posterior, observed (line)")


def _density_panel(ax: Axes, title: str, xlabel: str) -> None:
    """The small, dense labelling of one panel of a calibration's density multiples."""
    ax.set_title(title, fontsize=7.5)
    ax.set_xlabel(xlabel, fontsize=7)
    ax.set_ylabel("density", fontsize=7.5)
    ax.tick_params(labelsize=7)
    style_axes(ax, "y")


def _finish_densities(fig: Figure, axes: Any, own: bool, title: str) -> Figure:
    """One legend (the panels share their series) and, on a figure made here, the title and
    the caveat."""
    if len(axes):
        axes[0].legend(fontsize=6.5, frameon=False)
    if own:
        fig.suptitle(title, fontsize=10.5)
        footnote(fig, CAVEAT)
    return fig
