"""Figures of forecast scores, drawn from the tables of a rolling evaluation.

Works on tables only: ``counts`` is :attr:`escsim.forecast.Evaluation.counts` (one row per
origin, window, country and forecaster, with ``observed``, ``q05``, ``q95``, ``crps``, ``pit``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from escsim.plotting.style import (
    OKABE_ITO,
    TICK_PT,
    footnote,
    new_figure,
    set_labels,
    style_axes,
    suptitle,
)

__all__ = ["plot_forecast_scores", "plot_pit_histograms"]


#: Okabe-Ito colours in the order forecasters take them (orange, blue, green, vermilion, ...):
#: neighbours far apart.
_ORDER = (1, 4, 3, 5, 6, 2, 7)


def _colours(names: list[str]) -> dict[str, str]:
    return {n: OKABE_ITO[_ORDER[i % len(_ORDER)]] for i, n in enumerate(names)}


def _select(counts: pd.DataFrame, set_name: str, window_days: int, country: str
            ) -> pd.DataFrame:
    part = counts[(counts["set"] == set_name) & (counts["window_days"] == window_days)
                  & (counts["country"] == country)]
    if part.empty:
        raise ValueError(f"no {set_name} forecasts of {country} over {window_days} days")
    return part.assign(origin=pd.to_datetime(part["origin"])).sort_values("origin")


def plot_forecast_scores(counts: pd.DataFrame, window_days: int = 30, country: str = "total",
                         set_name: str = "rolling", bands: tuple[str, ...] = ("bootstrap",
                                                                              "hawkes")
                         ) -> Figure:
    """Forecasts and their CRPS by origin: what happened against the forecasters' 90%
    intervals (top), and each forecaster's CRPS (bottom, symmetric-log scale).

    Args:
        counts: the count scores of a rolling evaluation.
        window_days: the window drawn.
        country: a country or ``"total"``.
        set_name: ``"rolling"`` or ``"after_seed"``.
        bands: the forecasters whose 90% intervals are drawn (the others only score).

    Returns:
        The figure.
    """
    part = _select(counts, set_name, window_days, country)
    names = list(dict.fromkeys(part["forecaster"]))
    colour = _colours(names)
    fig = new_figure(10.0, 6.2)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.2, 1.0])
    truth = part.drop_duplicates("origin")
    for name in [b for b in bands if b in names]:
        f = part[part["forecaster"] == name]
        top.fill_between(f["origin"], f["q05"], f["q95"], step="mid", alpha=0.22,
                         color=colour[name], linewidth=0, label=f"{name}: 90% interval")
        top.step(f["origin"], f["median"], where="mid", color=colour[name], linewidth=0.9,
                 label=f"{name}: median")
    top.plot(truth["origin"], truth["observed"], "o", color="#000000", markersize=3.2,
             label="Observed (dated in the record)")
    top.set_yscale("symlog", linthresh=5)
    style_axes(top, "y")
    set_labels(top, "", f"Attacks in the\n{window_days} days from the origin")
    top.legend(fontsize=TICK_PT - 0.5, frameon=False, loc="upper left",
               bbox_to_anchor=(1.01, 1.0))
    for name in names:
        f = part[part["forecaster"] == name]
        bottom.plot(f["origin"], f["crps"], color=colour[name], linewidth=1.1,
                    label=f"{name} (mean {f['crps'].mean():.2f})")
    bottom.set_yscale("symlog", linthresh=1)
    style_axes(bottom, "y")
    set_labels(bottom, "Forecast origin (first day of the window)", "CRPS (attacks)")
    bottom.legend(fontsize=TICK_PT - 0.5, frameon=False, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0))
    where = "all countries" if country == "total" else country.capitalize()
    suptitle(fig, f"{window_days}-day forecasts of attacks on US forces ({where}), "
             f"{set_name.replace('_', ' ')} origins")
    footnote(fig, "Each origin's forecasters know the record up to the day before it (the "
             "after-seed set: up to 11 Nov 2024). CRPS: the continuous ranked probability "
             "score of the forecast's samples against the dated count, in attacks; lower is "
             "better; a forecast of zero scores the count itself. Both axes are linear near "
             "zero and logarithmic above.")
    return fig


def plot_pit_histograms(counts: pd.DataFrame, window_days: int = 30, country: str = "total",
                        set_name: str = "rolling", bins: int = 10) -> Figure:
    """Histograms of the randomised PIT per forecaster: flat for a calibrated forecaster, a
    U for too narrow, a hump for too wide, a slope for biased.

    Args:
        counts: the count scores of a rolling evaluation.
        window_days: the window drawn.
        country: a country or ``"total"``.
        set_name: ``"rolling"`` or ``"after_seed"``.
        bins: equal bins of (0, 1).

    Returns:
        The figure.
    """
    part = _select(counts, set_name, window_days, country)
    names = list(dict.fromkeys(part["forecaster"]))
    colour = _colours(names)
    fig = new_figure(2.4 * len(names) + 0.6, 2.6)
    axes = np.atleast_1d(fig.subplots(1, len(names), sharey=True))
    for ax, name in zip(axes, names, strict=True):
        pit = part.loc[part["forecaster"] == name, "pit"].to_numpy()
        counts_b, edges = np.histogram(pit, bins=bins, range=(0.0, 1.0))
        share = counts_b / max(len(pit), 1)
        ax.bar(edges[:-1], share, width=1.0 / bins, align="edge", color=colour[name],
               linewidth=0)
        ax.axhline(1.0 / bins, color="#000000", linewidth=0.8, linestyle="--")
        style_axes(ax, "y")
        set_labels(ax, "PIT", "Share of forecasts" if ax is axes[0] else "",
                   f"{name} ({len(pit)})")
        ax.set_xlim(0, 1)
    where = "all countries" if country == "total" else country.capitalize()
    suptitle(fig, f"Calibration of {window_days}-day forecasts ({where}, "
             f"{set_name.replace('_', ' ')} origins)")
    footnote(fig, "Randomised PIT of each count forecast; dashed: the share of a calibrated "
             "forecaster. Mass at the right: the outcome above the forecast; at the left: "
             "below it.")
    return fig
