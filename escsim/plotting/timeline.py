"""Figure of one traced replication: its events on a timeline, one lane per actor.

Drawn from the event log of ``escsim trace`` (:func:`escsim.trace`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from escsim.plotting.style import (
    NOT_A_FORECAST,
    NOTE_PT,
    TICK_PT,
    DateLike,
    as_date,
    axes_for,
    date_axis,
    footnote,
    pretty_key,
    set_labels,
    style_axes,
    to_dates,
)

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
    "Israeli strike on Iran": ("P", "#1b7837", 110, "Israeli strike on Iran"),
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


def _shade_restraint(ax: Axes, table: pd.DataFrame, start: dt.date, end: float,
                     initial_posture: str | None, legend: dict[str, Any]) -> None:
    """Shade the periods of Iranian restraint across all lanes."""
    postures = table[(table["actor"] == "iran") & (table["action"] == "posture")]
    if initial_posture is None:
        initial_posture = table.attrs.get("initial_posture")
    since: float | None = 0.0 if str(initial_posture or "").startswith("restraining") else None
    for day, outcome in zip(postures["day"], postures["outcome"].astype(str), strict=True):
        if since is not None:
            ax.axvspan(*to_dates(start, [since, day]), color="#a1d99b", alpha=0.22, lw=0)
            since = None
        if outcome.startswith("restraining"):
            since = float(day)
    if since is not None:
        ax.axvspan(*to_dates(start, [since, end]), color="#a1d99b", alpha=0.22, lw=0)
    if since == 0.0 or len(postures[postures["outcome"].astype(str).str.startswith(
            "restraining")]):
        legend["restraint"] = Patch(color="#a1d99b", alpha=0.45, label="Iran restraining")


def _draw_attacks(ax: Axes, table: pd.DataFrame, start: dt.date, lane_y: dict[str, float],
                  legend: dict[str, Any]) -> pd.DataFrame:
    """The attacks: coloured by outcome, a marker shape per weapon; returns their rows."""
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
            ax.scatter(to_dates(start, part["day"]), part["actor"].map(lane_y), s=size,
                       marker=marker_of[weapon], color=color, edgecolor="0.25", linewidth=0.4,
                       alpha=0.9, zorder=3)
            legend.setdefault(f"o:{outcome}", Line2D([], [], ls="", marker="o", color=color,
                                                     markeredgecolor="0.25", markersize=7,
                                                     label=f"attack: {outcome}"))
        legend[f"w:{weapon}"] = Line2D([], [], ls="", marker=marker_of[weapon], color="0.55",
                                       markersize=7, label=weapon.replace("_", " "))
        other = of_weapon[~kind.isin(list(_SEVERITY))]
        if len(other):
            ax.scatter(to_dates(start, other["day"]), other["actor"].map(lane_y), s=20,
                       marker=marker_of[weapon], color="0.6", zorder=3)
    return attacks


def _draw_events(ax: Axes, rest: pd.DataFrame, start: dt.date, lane_y: dict[str, float],
                 end: float, legend: dict[str, Any]) -> None:
    """Every other event: strike rounds sized by targets, regimes as lines, labels."""
    flip = 1
    actions = rest["action"].astype(str).where(  # Israel's strikes are not the US's
        ~((rest["action"].astype(str) == "strike on Iran")
          & (rest["actor"].astype(str) == "israel")), "Israeli strike on Iran")
    for action, part in rest.groupby(actions, sort=False):
        marker, color, size, label = _EVENTS.get(action, (".", "0.45", 30, action))
        sizes: Any = size
        if action in ("strike round", "leadership strike"):
            targets = part["outcome"].astype(str).str.extract(r"(\d+) targets", expand=False)
            n_targets = targets.astype(float).fillna(1).clip(lower=1).to_numpy()
            sizes = np.minimum(size * np.sqrt(n_targets), 6 * size)
            label += " (area \u221d targets)"
        x = to_dates(start, part["day"])
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
            for day, xi, yi, text in zip(part["day"], x, y, part["outcome"].astype(str),
                                         strict=True):
                flip = -flip
                # labels in the last third run leftwards, so none runs off the right edge
                left = float(day) > 0.66 * end
                ax.annotate(_short(text), (xi, yi), xytext=(-4 if left else 4, 9 * flip),
                            textcoords="offset points", fontsize=NOTE_PT, color="0.2",
                            ha="right" if left else "left",
                            va="bottom" if flip > 0 else "top", zorder=5)


def plot_trace_timeline(log: pd.DataFrame | Sequence[tuple[float, str, str, str, str]],
                        start_date: DateLike, ax: Axes | None = None, *,
                        title: str | None = None, horizon_days: float | None = None,
                        initial_posture: str | None = None) -> Figure:
    """One replication's event log as a timeline: a lane per actor, x = date.

    Attacks are coloured by outcome (miss, intercepted, damage, injuries, fatalities) with one
    marker shape per weapon; US strike rounds are sized by targets struck; posture changes,
    regimes and shocks are labelled; periods of Iranian restraint are shaded.

    Args:
        log: the table of ``escsim.trace`` / ``trace.csv`` (day, actor, action, target,
            outcome), or ``RunRecord.log`` as tuples.
        start_date: the scenario's start date (day 0).
        horizon_days: the x range (default: the run's end day, or the last event).
        initial_posture: Iran's posture at day 0 (default: ``log.attrs["initial_posture"]``,
            set by :func:`escsim.trace`); a pause in force at the start is shaded from day 0.
    """
    table = log if isinstance(log, pd.DataFrame) else pd.DataFrame(list(log),
                                                                    columns=_TRACE_COLUMNS)
    missing = [c for c in _TRACE_COLUMNS if c not in table]
    if missing:
        raise ValueError(f"event log lacks columns {missing}")
    start = as_date(start_date)
    if start is None:
        raise ValueError("plot_trace_timeline needs the scenario's start_date")
    row: dict[str, Any] = dict(table.attrs.get("row") or {})
    table = table.sort_values("day", kind="stable")
    actors = list(dict.fromkeys(table["actor"].astype(str)))
    militias = [a for a in actors if a not in _STATE_ACTORS and a != "iran"]
    # a lane per actor that did something (an empty lane only takes room)
    lanes = [*militias, *[a for a in _STATE_ACTORS if a in actors]] or ["us"]
    lane_y = {a: float(len(lanes) - 1 - i) for i, a in enumerate(lanes)}
    end = horizon_days if horizon_days is not None else row.get("end_day")
    if end is None or not np.isfinite(float(end)):
        end = float(table["day"].max()) if len(table) else 1.0
    end = max(float(end), 1.0)
    if row.get("end_day") is not None and np.isfinite(float(row["end_day"])):
        end = max(min(end, float(row["end_day"])), 1.0)  # no axis past a run that ended
    fig, ax, created = axes_for(ax, 12.0, 1.6 + 0.62 * len(lanes))
    legend: dict[str, Any] = {}

    # periods of Iranian restraint, shaded across all lanes
    _shade_restraint(ax, table, start, end, initial_posture, legend)
    attacks = _draw_attacks(ax, table, start, lane_y, legend)
    _draw_events(ax, table[~table.index.isin(attacks.index)], start, lane_y, end, legend)

    ax.set_yticks(list(lane_y.values()),
                  labels=[_LANE_NAMES.get(a, pretty_key(a)) for a in lanes])
    ax.set_ylim(-0.85, len(lanes) - 0.15)  # room for the labels above the top lane
    ax.set_xlim(*to_dates(start, [-0.015 * end, 1.015 * end]))
    run_end = row.get("end_day")
    if horizon_days is not None and run_end is not None and float(run_end) < horizon_days - 1e-6:
        x_end = to_dates(start, [float(run_end)])[0]
        ax.axvline(x_end, color="#7f0000", lw=1.2, zorder=1)
        ax.annotate(f"run ends, day {float(run_end):.0f} (rung {row.get('max_rung', '?')})",
                    (x_end, 1.0), xycoords=("data", "axes fraction"), xytext=(-4, -2),
                    textcoords="offset points", ha="right", va="top", fontsize=NOTE_PT,
                    color="#7f0000")
    date_axis(ax)
    for yv in lane_y.values():
        ax.axhline(yv, color="0.9", lw=0.8, zorder=0)
    style_axes(ax, "x")
    scenario = row.get("scenario")
    seed = row.get("seed")
    default_title = "Event timeline of one replication" + (
        f": {scenario}" if scenario else "") + (f", seed {seed}" if seed is not None else "")
    set_labels(ax, f"date (day 0 = {start.isoformat()})", "actor", title or default_title)
    order = sorted(legend, key=lambda k: _LEGEND_ORDER.get(k[0], 9))
    ax.legend(handles=[legend[k] for k in order], loc="upper center", ncols=5,
              bbox_to_anchor=(0.5, -0.13), fontsize=TICK_PT - 0.5, frameon=False,
              handletextpad=0.3, columnspacing=1.2)
    if created:
        tally = ""
        if row:
            tally = (f"This run: {row.get('attacks', '?')} attacks, {row.get('us_wounded', '?')}"
                     f" US wounded, {row.get('us_killed', '?')} killed, "
                     f"{row.get('us_strikes', '?')} US strike rounds; highest rung "
                     f"{row.get('max_rung', '?')}.")
        footnote(fig, tally, "One simulated history among many; " + NOT_A_FORECAST[0].lower()
                  + NOT_A_FORECAST[1:])
    return fig
