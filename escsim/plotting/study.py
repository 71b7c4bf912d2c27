"""Figures of comparisons and studies: paired differences, regret, trade-offs.

* :func:`plot_differences`: a forest plot -- each variant's difference from the base on every
  rung and count, with its paired interval;
* :func:`plot_regret_heatmap`: regret of each doctrine (rows) in each state (columns);
* :func:`plot_tradeoff`: two outcomes of each doctrine in its worst state, the non-dominated
  doctrines joined as the front;
* :func:`plot_parallel`: every outcome's worst-state value per doctrine on parallel axes.

Each takes tables (as written by ``escsim compare`` and ``escsim study``) and an optional
``ax``, and returns the Figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from escsim.analysis.format import sig
from escsim.analysis.robustness import non_dominated
from escsim.plotting.style import (
    BLUE,
    NOT_A_FORECAST,
    TICK_PT,
    axes_for,
    fixed_panels,
    footnote,
    grid_axes,
    legend_right_of,
    legend_width_in,
    palette,
    pin_titles,
    save_figure,
    set_labels,
    style_axes,
    widest_in,
)
from escsim.records import label
from escsim.results.tables import read_shaped


def _measure_label(measure: str, rung_names: Mapping[int, str] | None) -> str:
    if measure.startswith("rung_") and measure.endswith("_reached"):
        level = int(measure.split("_")[1])
        name = (rung_names or {}).get(level, "")
        return f"P(rung {level}" + (f" {name.replace('_', ' ')}" if name else "") + ")"
    count = measure.removesuffix("_mean")
    return f"mean {label(count).noun}"


def plot_differences(table: pd.DataFrame, rung_names: Mapping[int, str] | None = None,
                     axes: list[Axes] | None = None) -> Figure:
    """Forest plot of paired differences from the base (``differences.csv``): one panel for
    the probabilities, one for the counts; each variant a colour, each row a measure."""
    if table.empty:
        raise ValueError("no differences to plot")
    kinds = [k for k in ("probability", "mean") if (table["kind"] == k).any()]
    measures = {k: list(dict.fromkeys(table.loc[table["kind"] == k, "measure"])) for k in kinds}
    variants = list(dict.fromkeys(table["variant"]))
    bases = {v: str(table.loc[table["variant"] == v, "base"].iloc[0]) for v in variants}
    labels = [f"{v} - {bases[v]}" for v in variants]
    names = {k: [_measure_label(m, rung_names) for m in measures[k]] for k in kinds}
    if "mean" in kinds:  # a count with nothing in the base has no percentage change
        base_mean = table[table["kind"] == "mean"].groupby("measure")["base_estimate"].max()
        names["mean"] = [n + (" (base 0: not drawn)" if base_mean.get(m, 1.0) <= 0 else "")
                         for n, m in zip(names["mean"], measures["mean"], strict=True)]
    method = "; ".join(dict.fromkeys(table["method"]))
    caption = (f"Paired differences from the base on common replication seeds, "
               f"{int(table['runs'].iloc[0])} runs each; bars: "
               f"{int(table['confidence'].iloc[0] * 100)}% intervals ({method}).",
               NOT_A_FORECAST)
    if axes is None:  # laid out from its labels, so any number of variants and names fit
        height = 0.28 * max(len(m) for m in measures.values()) * max(1.0, len(variants) / 3)
        fig, panels = fixed_panels(
            len(kinds), 2, (4.2, height + 0.3),
            left_in=widest_in(names[kinds[0]], TICK_PT) + 0.3,
            right_in=legend_width_in(labels, "variant - base"), legend_entries=len(variants),
            wspace_in=(widest_in(names[kinds[1]], TICK_PT) + 0.45) if len(kinds) > 1 else 0.0,
            hspace_in=0.0, bottom_in=0.65, caption=caption)
        created = True
    else:
        fig, panels, created = grid_axes(len(kinds), 2, 4.6,
                                         0.32 * max(len(m) for m in measures.values()) + 1.3,
                                         axes)
    # the base is black in every comparison figure; variant i takes the colour it has there
    colours = palette(len(variants) + 1)[1:]
    step = 0.7 / max(1, len(variants))
    handles = []
    for ax, kind in zip(panels, kinds, strict=True):
        rows = measures[kind]
        for i, (variant, colour) in enumerate(zip(variants, colours, strict=True)):
            sub = table[(table["kind"] == kind) & (table["variant"] == variant)] \
                .set_index("measure").reindex(rows)
            y = np.arange(len(rows)) + (i - (len(variants) - 1) / 2) * step
            d, low, high = (_shown(sub, c, kind) for c in ("difference", "low", "high"))
            drawn = ax.errorbar(d, y, xerr=np.vstack([d - low, high - d]), fmt="o", ms=4,
                                color=colour, capsize=2, lw=1.2, label=labels[i])
            if ax is panels[0]:
                handles.append(drawn)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(np.arange(len(rows)), names[kind])
        ax.invert_yaxis()
        style_axes(ax)
        set_labels(ax, "difference in probability" if kind == "probability" else
                   "difference in mean count, % of the base's mean", "",
                   "Rungs reached" if kind == "probability" else "Counts")
    if created and axes is None:
        legend_right_of(fig, panels[-1], handles, "variant - base")
        pin_titles(panels)
    elif created:
        panels[0].legend(fontsize=8, frameon=False, loc="upper center",
                         bbox_to_anchor=(0.5, -0.18), ncols=min(3, len(variants)))
        footnote(fig, *caption)
    return fig


def _shown(rows: pd.DataFrame, column: str, kind: str) -> np.ndarray:
    """A column of the forest plot as drawn: a probability as it is; a count's difference as a
    percentage of the base's mean, so each count's change shows on one linear axis whatever its
    size (a symmetric-log axis drew +0.095 US killed on zero beside +150 attacks). A count whose
    base mean is 0 has no percentage and is left out (its label says so)."""
    values = rows[column].to_numpy(dtype=float)
    if kind == "probability":
        return values
    base = rows["base_estimate"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, 100.0 * values / np.where(base > 0, base, 1.0), np.nan)


#: A regret heat map names its states up to this many, and numbers them beyond.
NAMED_STATES = 12
#: The widest regret heat map, in inches (1,800 pixels at the house resolution).
MAX_WIDTH_IN = 12.0


def plot_regret_heatmap(regret: pd.DataFrame, outcome: str, ax: Axes | None = None) -> Figure:
    """Regret of each doctrine (rows) in each state (columns) on ``outcome`` (a row of
    ``regret.csv``'s outcomes, e.g. ``relative_regret``)."""
    sub = regret[regret["outcome"] == outcome]
    if sub.empty:
        raise ValueError(f"no regret for outcome {outcome!r}")
    grid = sub.pivot(index="doctrine", columns="state", values="regret")
    grid = grid.reindex(index=list(dict.fromkeys(sub["doctrine"])),
                        columns=list(dict.fromkeys(sub["state"])))
    n_states = grid.shape[1]
    named = n_states <= NAMED_STATES
    # a readable size whatever the number of states: the width is capped, and past a dozen
    # states the columns are numbered (the row of states.csv) instead of named
    fig, ax, _ = axes_for(ax, min(2.4 + (1.05 if named else 0.16) * n_states, MAX_WIDTH_IN),
                          (1.8 if named else 1.5) + 0.42 * grid.shape[0])
    values = grid.to_numpy(dtype=float)
    im = ax.imshow(values, cmap="Reds", aspect="auto", vmin=0)
    if n_states <= 2 * NAMED_STATES:  # the numbers fit in their cells
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, sig(v, 2), ha="center", va="center", fontsize=7 if named else 5.5,
                    color="white" if v > 0.6 * np.nanmax(values) else "black")
    if named:  # a state's name is its scenario then its uncertain values: one per line
        ax.set_xticks(range(n_states), [str(c).replace(" ", "\n") for c in grid.columns],
                      fontsize=7)
    else:
        step = max(1, int(np.ceil(n_states / 30)))
        ticks = list(range(0, n_states, step))
        ax.set_xticks(ticks, [str(j + 1) for j in ticks], fontsize=7)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    fig.colorbar(im, ax=ax, label="regret (0 = best doctrine in that state)", shrink=0.8)
    set_labels(ax, "state of the world" if named else
               "state of the world (its row in states.csv)", "doctrine",
               f"Regret: {outcome.replace('_', ' ')}")
    footnote(fig, "Regret: how much worse than the best doctrine in the same state "
                  "(same replication seeds).", NOT_A_FORECAST)
    return fig


def plot_tradeoff(front: pd.DataFrame, x: str, y: str, ax: Axes | None = None,
                  labels: bool = True, directions: Mapping[str, str] | None = None) -> Figure:
    """Two outcomes of each doctrine (its worst state, ``front.csv``); the non-dominated
    doctrines (on every outcome of the study) are filled and joined. With a ``kind`` column
    (``search.csv``), the study's own doctrines are named and drawn as squares."""
    fig, ax, _ = axes_for(ax, 5.6, 4.2)
    on = front["non_dominated"].astype(bool).to_numpy()
    named = (front["kind"] != "candidate").to_numpy() if "kind" in front else \
        np.ones(len(front), dtype=bool)
    for mask, marker in ((named, "s"), (~named, "o")):
        if mask.any():
            ax.scatter(front[x][mask], front[y][mask], s=40, marker=marker,
                       facecolors=np.where(on[mask], BLUE, "white"), edgecolors=BLUE, zorder=3)
    for row, show in zip(front.itertuples(), named, strict=True):
        if labels or show:
            ax.annotate(str(row.doctrine), (front.at[row.Index, x], front.at[row.Index, y]),
                        fontsize=7, xytext=(4, 3), textcoords="offset points")
    # the line: the front on these two outcomes alone (directions default to "min")
    two = {x: (directions or {}).get(x, "min"), y: (directions or {}).get(y, "min")}
    f = front[non_dominated(front, two)].sort_values([x, y])
    if len(f) > 1:
        ax.step(f[x], f[y], where="post", color=BLUE, lw=1, alpha=0.6, zorder=2)
    style_axes(ax, "both")
    set_labels(ax, f"{x.replace('_', ' ')} (worst state)", f"{y.replace('_', ' ')} (worst state)",
               "Trade-off: filled = non-dominated on every outcome")
    footnote(fig, "Line: the front on these two outcomes alone. Squares: the study's doctrines "
                  "(in a search).", NOT_A_FORECAST)
    return fig


def plot_parallel(front: pd.DataFrame, outcomes: list[str], ax: Axes | None = None) -> Figure:
    """Parallel coordinates: each outcome's worst-state value per doctrine, each axis scaled
    from its smallest to its largest value (lower is drawn lower)."""
    fig, ax, _ = axes_for(ax, 1.5 + 1.6 * len(outcomes), 4.0)
    vals = front[outcomes].to_numpy(dtype=float)
    lo, hi = np.nanmin(vals, axis=0), np.nanmax(vals, axis=0)
    scaled = np.divide(vals - lo, hi - lo, out=np.full_like(vals, 0.5), where=hi > lo)
    colours = [colormaps["tab10"](i % 10) for i in range(len(front))]
    for row, s, c, on in zip(front.itertuples(), scaled, colours, front["non_dominated"],
                             strict=True):
        ax.plot(range(len(outcomes)), s, marker="o", color=c, lw=2.0 if on else 1.0,
                ls="-" if on else "--", label=str(row.doctrine))
    for j in range(len(outcomes)):
        ax.axvline(j, color="0.6", lw=0.8)
        ax.text(j, -0.08, sig(lo[j]), ha="center", va="top", fontsize=7)
        ax.text(j, 1.06, sig(hi[j]), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(outcomes)), [o.replace("_", " ") for o in outcomes], fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.15, 1.15)
    style_axes(ax, "")
    ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    set_labels(ax, "", "worst state (scaled per axis)", "Doctrines on every outcome")
    footnote(fig, "Solid: non-dominated doctrines; dashed: dominated.", NOT_A_FORECAST)
    return fig


def plot_study_folder(folder: str | Path, rank_by: str) -> list[Path]:
    """Draw a study folder's figures into ``plots/`` from its saved tables."""
    folder = Path(folder)
    regret = read_shaped(folder, "study", "regret.csv")
    front = read_shaped(folder, "study", "front.csv")
    outcomes = [c for c in front.columns if c not in ("doctrine", "non_dominated")]
    out = [save_figure(plot_regret_heatmap(regret, rank_by), folder / "plots" /
                       "regret-heatmap.png")]
    if len(outcomes) >= 2:
        out.append(save_figure(plot_tradeoff(front, outcomes[0], outcomes[1]),
                               folder / "plots" / "tradeoff.png"))
    out.append(save_figure(plot_parallel(front, outcomes), folder / "plots" /
                           "parallel-coordinates.png"))
    return out
