"""The record in one figure: attacks on US forces per month by country, 2019-2025, with the US
strike rounds, the pauses and truces, and Iran's direct actions marked; below it, each tally set
beside the dated count of the same window, so the completeness of the record is seen, not assumed.

Drawn from the tables of :func:`escsim.read_record` (``events``) and
:meth:`escsim.record.Record.monthly_attacks`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from escsim.plotting.style import (
    OKABE_ITO,
    TICK_PT,
    footnote,
    new_figure,
    set_labels,
    style_axes,
    suptitle,
)

#: Countries in stacking order, with their colours (Okabe-Ito: colour-blind safe).
COUNTRY_COLOURS = {"iraq": OKABE_ITO[4], "syria": OKABE_ITO[1], "jordan": OKABE_ITO[5]}
#: Markers along the top of the monthly panel: (kind, subkind) -> (label, marker, colour).
EVENT_MARKS = {
    ("us_strike", None): ("US strike round", "v", "#000000"),
    ("iran_attack", "on_us"): ("Iranian attack on US forces", "*", "#CC79A7"),
    ("iran_attack", "on_israel"): ("Iranian attack on Israel", "P", "#CC79A7"),
    ("strike_on_iran", None): ("Strike on Iranian territory", "X", "#009E73"),
}
#: Announcements drawn as vertical lines: subkind -> (label, colour, line style).
REGIME_LINES: dict[str, tuple[str, str, Literal["-", "--", ":"]]] = {
    "pause_start": ("Pause announced", "#009E73", "-"),
    "pause_end": ("Pause declared over", "#D55E00", "--"),
    "truce_start": ("Gaza truce / ceasefire", "0.45", ":"),
    "ceasefire_start": ("Gaza truce / ceasefire", "0.45", ":"),
}


def _mark_events(ax: Axes, events: pd.DataFrame, top: float) -> list[Line2D]:
    handles: list[Line2D] = []
    for i, ((kind, subkind), (label, marker, colour)) in enumerate(EVENT_MARKS.items()):
        rows = events[events["kind"] == kind]
        if subkind is not None:
            rows = rows[rows["subkind"] == subkind]
        if rows.empty:
            continue
        y = np.full(len(rows), top * (1.06 + 0.07 * i))
        ax.scatter(rows["date"], y, marker=marker, s=26, color=colour, linewidths=0, zorder=4)
        handles.append(Line2D([], [], marker=marker, color=colour, linestyle="", label=label))
    return handles


def _regime_lines(ax: Axes, events: pd.DataFrame) -> list[Line2D]:
    handles: dict[str, Line2D] = {}
    rows = events[events["kind"] == "announcement"]
    for subkind, (label, colour, style) in REGIME_LINES.items():
        days = rows.loc[rows["subkind"] == subkind, "date"]
        for day in days:
            ax.axvline(day, color=colour, linestyle=style, linewidth=0.9, zorder=1)
        if len(days):
            handles.setdefault(label, Line2D([], [], color=colour, linestyle=style, label=label))
    return list(handles.values())


def monthly_panel(ax: Axes, monthly: pd.DataFrame, events: pd.DataFrame) -> list:
    """Stacked monthly bars by country, with rounds, Iranian actions and regimes marked."""
    wide = monthly.pivot_table(index="month", columns="country", values="attacks",
                               aggfunc="sum", fill_value=0)
    bottom = np.zeros(len(wide))
    handles: list = []
    for country in [c for c in COUNTRY_COLOURS if c in wide] + \
            [c for c in wide if c not in COUNTRY_COLOURS]:
        colour = COUNTRY_COLOURS.get(country, "0.6")
        ax.bar(wide.index, wide[country], width=26, bottom=bottom, align="edge", color=colour,
               linewidth=0)
        bottom += wide[country].to_numpy()
        handles.append(Patch(color=colour, label=country.capitalize()))
    top = max(float(bottom.max(initial=0)), 1.0)
    ax.set_ylim(0, top * (1.06 + 0.07 * len(EVENT_MARKS)))  # room for the marker rows
    handles += _mark_events(ax, events, top)
    handles += _regime_lines(ax, events)
    style_axes(ax, "y")
    set_labels(ax, "", "Dated attacks on US\nforces per month")
    ax.legend(handles=handles, fontsize=TICK_PT - 0.5, frameon=False, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    return handles


def tally_panel(ax: Axes, tallies: pd.DataFrame) -> None:
    """Each tally (grey) above the record's dated count of the same window (blue), at the
    tally's date, joined by a line: the line's length is what the dated record misses."""
    for r in tallies.itertuples():
        ax.plot([r.date, r.date], [r.dated, r.tally], color="0.75", linewidth=0.8, zorder=1)
    ax.scatter(tallies["date"], tallies["tally"], s=14, color="0.45", zorder=2,
               label="Tally as reported (official or press count)")
    ax.scatter(tallies["date"], tallies["dated"], s=14, color=OKABE_ITO[4], zorder=3,
               label="Dated in the record, same window and scope")
    style_axes(ax, "y")
    set_labels(ax, "Date of the tally", "Attacks in the\ntally's window")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=TICK_PT - 0.5, frameon=False, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))


def record_figure(events: pd.DataFrame, monthly: pd.DataFrame,
                  tallies: pd.DataFrame) -> Figure:
    """The record's figure: monthly attacks (top) and tallies against dated counts (bottom)."""
    if len(tallies):
        fig = new_figure(11.0, 6.6)
        top, bottom = fig.subplots(2, 1, height_ratios=[3.2, 1.8], sharex=True)
    else:
        fig = new_figure(11.0, 4.4)
        top, bottom = fig.subplots(1, 1), None
    monthly_panel(top, monthly, events)
    if bottom is not None:
        tally_panel(bottom, tallies)
    suptitle(fig, "Attacks on US forces in Iraq, Syria and Jordan, as dated in the record")
    first, last = monthly["month"].min(), monthly["month"].max()
    footnote(fig, f"Bars: militia attacks on bases and diplomatic sites hosting US personnel, "
             f"dated in press and official reports ({first:%b %Y} to {last:%b %Y}); convoy "
             "bombs and other targets left out; one report of several attacks counts each. "
             "Markers above the bars: US strike rounds, Iran's direct attacks, strikes on "
             "Iranian territory. Lines: pauses announced or declared over, truces. Lower panel: "
             "each official or press running count at its date, above the record's dated count "
             "of the same window and country (the record is a floor where it falls short). "
             "Source: seeds/record (escsim record).")
    return fig
