"""The plot house style: sizes, colours, captions and how a figure is made and saved.

Every figure module draws through these helpers, so a run, a sweep, a comparison and a backtest
look like one publication. Sizes are explicit arguments rather than ``rcParams``, so library
code never touches matplotlib's global state; figures are plain
:class:`~matplotlib.figure.Figure` objects on the Agg canvas (no pyplot).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
import warnings
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import Formatter

from escsim.analysis import survival_curve
from escsim.records import label

#: The caveat every figure of simulated histories carries (MODEL.md, "Known limits").
NOT_A_FORECAST = ("Simulated histories under stated assumptions (press-reported counts, stylised "
                  "decision rules): they explore consequences of assumptions, not forecasts.")
#: Resolution of saved PNGs: sharp in a paper column, small on disk.
DPI = 150
#: Font sizes in points: title, axis label, tick label, caption.
TITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 11.5, 10, 9, 7.5
#: The house blue (one series), caption grey.
BLUE, GREY = "#2b6a99", "0.35"

#: Okabe & Ito's colour-blind-safe qualitative palette (black first: the emphasised series).
#: Okabe-Ito's colour-blind-safe colours, its yellow darkened to read on white (#F0E442 was
#: pale) and Tol's wine added, so the nine bundled outlook scenarios each get their own colour.
OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7",
             "#A08C00", "#882255")

Grid = Literal["x", "y", "both", ""]


def palette(n: int) -> list[str]:
    """``n`` colour-blind-safe colours (:data:`OKABE_ITO`): black for the first, the
    emphasised series, alone; the other eight repeat past the ninth (tell those apart by
    :func:`palette_pass`)."""
    others = len(OKABE_ITO) - 1
    return [OKABE_ITO[0] if i == 0 else OKABE_ITO[1 + (i - 1) % others] for i in range(n)]


def palette_pass(i: int) -> int:
    """Which pass through :func:`palette`'s colours the ``i``-th series is in (0 for the first
    nine, 1 for the next eight, ...)."""
    return 0 if i == 0 else (i - 1) // (len(OKABE_ITO) - 1)


def base_first(names: Sequence[str], base: str | None = None) -> list[str]:
    """The names with the emphasised one first: ``base``, else a ``baseline*`` name, else the
    first. The first series is drawn in black, thicker and on top."""
    names = list(names)
    if base is None:
        base = next((n for n in names if n.startswith("baseline")), names[0] if names else None)
    return [base, *[n for n in names if n != base]] if base in names else names


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches on the Agg canvas, laid out to fit."""
    fig = Figure(figsize=(width, height), layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    show_in_notebook(fig)
    return fig


# ----------------------------------------------------------------- shown in Jupyter ---
#: Figures drawn in the running notebook cell and not yet shown or saved.
_PENDING: list[Figure] = []
_HOOKED: list[Any] = []


def show_in_notebook(fig: Figure) -> None:
    """In a Jupyter kernel, show ``fig`` when the cell ends, unless the cell shows it itself
    (its last expression) or saves it to a file: so an escsim figure shows whether the cell
    ends in ``;`` or ``plt.show()`` or returns it, and shows once. Elsewhere, nothing."""
    try:
        from IPython import get_ipython  # only present where a notebook could run
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return
    if shell not in _HOOKED:
        shell.events.register("post_run_cell", _show_pending)
        _HOOKED.append(shell)
    _PENDING.append(fig)
    saving = fig.savefig

    def savefig(*args: Any, **kwargs: Any) -> Any:  # saved (a file, a widget's bytes): not shown
        if fig in _PENDING:
            _PENDING.remove(fig)
        return saving(*args, **kwargs)

    fig.savefig = savefig  # type: ignore[method-assign]


def _show_pending(result: Any) -> None:
    """After a cell: show each figure it drew that it neither returned nor saved."""
    from IPython.display import Image, display

    shown = getattr(result, "result", None)
    pending = list(_PENDING)
    _PENDING.clear()
    for fig in pending:
        if fig is shown:
            continue
        buffer = io.BytesIO()
        Figure.savefig(fig, buffer, format="png", dpi=100, facecolor="white",
                    bbox_inches=None if fig in _FIXED or isinstance(
                        fig.get_layout_engine(), ConstrainedLayoutEngine) else "tight")
        display(Image(data=buffer.getvalue(), format="png"))


_MEASURE: list[Any] = []
#: Figures of :func:`fixed_panels`: laid out by their maker, saved as they are.
_FIXED: weakref.WeakSet[Figure] = weakref.WeakSet()


def text_size_in(text: str, size_pt: float) -> tuple[float, float]:
    """Width and height of one line of ``text`` at ``size_pt`` in the house font, in inches,
    measured as the Agg canvas will draw it (no figure needed)."""
    if not _MEASURE:
        from matplotlib.backends.backend_agg import RendererAgg

        _MEASURE.append(RendererAgg(1, 1, 72))  # at 72 dpi a pixel is a point
    from matplotlib.font_manager import FontProperties

    width, height, _ = _MEASURE[0].get_text_width_height_descent(
        text, FontProperties(size=size_pt), False)
    return width / 72, height / 72


def widest_in(texts: Sequence[str], size_pt: float) -> float:
    """The width in inches of the widest of ``texts`` at ``size_pt``."""
    return max((text_size_in(t, size_pt)[0] for t in texts), default=0.0)


def wrap_caption(width_in: float, *lines: str) -> str:
    """Caption lines wrapped to a figure ``width_in`` inches wide."""
    width = max(60, int(width_in * 17))
    return "\n".join(textwrap.fill(line, width=width) for line in lines if line)


def fixed_panels(n: int, ncols: int, panel_in: tuple[float, float], *,
                 left_in: float, right_in: float, wspace_in: float, hspace_in: float,
                 bottom_in: float, title: str | None = None, caption: Sequence[str] = (),
                 heights: Sequence[float] | None = None,
                 panel_title_in: float | None = None,
                 first_title: str | None = None,
                 legend_entries: int = 0) -> tuple[Figure, list[Axes]]:
    """``n`` panels placed at fixed distances in inches, for figures drawn many at a time.

    The caller states each margin (from :func:`widest_in` of the labels it will draw), so
    matplotlib draws the figure once: a layout engine, or cropping to the content, lays it out
    in a draw of its own first. The title sits at the top left, the caption (wrapped) under
    the panels; ``heights`` (one per row, in inches) overrides ``panel_in``'s height;
    ``panel_title_in`` is the room above the first row for panel titles (default one line);
    ``first_title``, the first panel's title when it may run past the panels (the figure is
    widened to hold it); ``legend_entries``, the entries of a legend in the right margin
    (:func:`legend_right_of`; the figure is made tall enough to hold it above the caption).

    Returns:
        The figure (no layout engine) and its ``n`` axes, row by row.
    """
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    panel_w, panel_h = panel_in
    row_h = list(heights) if heights is not None else [panel_h] * nrows
    width = left_in + ncols * panel_w + (ncols - 1) * wspace_in + right_in
    if first_title:
        width = max(width, left_in + text_size_in(first_title, TITLE_PT)[0] + 0.2)
    # the figure's title, then room for the first row's panel titles
    if panel_title_in is None:
        panel_title_in = text_size_in("Tg", TITLE_PT)[1] + 0.12
    top_in = 0.15 + (text_size_in(title, TITLE_PT + 0.5)[1] + 0.15 if title else 0.0) \
        + panel_title_in
    caption_text = wrap_caption(width, *caption)
    strip_in = ((caption_text.count("\n") + 1) * NOTE_PT * 1.25 + 8) / 72 if caption_text else 0
    height = top_in + sum(row_h) + (nrows - 1) * hspace_in + bottom_in + strip_in
    if legend_entries:  # the legend hangs from the top of the first row: room for all of it
        # an entry at the tick size takes 1.62 of its font size (label spacing included),
        # the title and padding about 0.25 in, as measured on the Agg canvas
        legend_in = legend_entries * TICK_PT * 1.62 / 72 + 0.3
        height = max(height, top_in - 0.3 + legend_in + strip_in + 0.15)
    fig = Figure(figsize=(width, height), facecolor="white")
    FigureCanvasAgg(fig)
    _FIXED.add(fig)
    show_in_notebook(fig)
    axes = []
    for i in range(n):
        row, col = divmod(i, ncols)
        x_in = left_in + col * (panel_w + wspace_in)
        top_of_panel = top_in + sum(row_h[:row]) + row * hspace_in
        y_in = height - top_of_panel - row_h[row]
        axes.append(fig.add_axes((x_in / width, y_in / height, panel_w / width,
                                  row_h[row] / height)))
    if title:
        fig.text(0.08 / width, 1 - 0.12 / height, title, ha="left", va="top",
                 fontsize=TITLE_PT + 0.5)
    if caption_text:
        fig.text(0.005, (strip_in - 3 / 72) / height, caption_text, ha="left", va="top",
                 fontsize=NOTE_PT, color=GREY)
    return fig, axes


def pin_titles(axes: Sequence[Axes], size_pt: float = TITLE_PT) -> None:
    """Fix each panel's left title just above its axes. matplotlib otherwise moves a title
    clear of any top tick labels, measuring every tick at each draw; fixed-layout panels have
    none there."""
    for ax in axes:
        ax.set_title(ax.get_title(loc="left"), loc="left", fontsize=size_pt, y=1.0)


def legend_width_in(labels: Sequence[str], title: str = "") -> float:
    """The width of a house legend (line handles, tick-size text) of ``labels``, in inches."""
    return max(widest_in(labels, TICK_PT) + 2.8 * TICK_PT / 72,
               text_size_in(title, TICK_PT)[0] if title else 0.0) + 0.25


def legend_right_of(fig: Figure, ax: Axes, handles: Sequence[Any], title: str) -> None:
    """A figure legend at the top right of ``ax``'s column (in a fixed layout's right margin)."""
    box = ax.get_position()
    fig.legend(handles=list(handles), title=title, loc="upper left",
               bbox_to_anchor=(box.x1 + 0.12 / fig.get_figwidth(), box.y1 + 0.3 /
                               fig.get_figheight()),
               fontsize=TICK_PT, title_fontsize=TICK_PT, frameon=False, borderaxespad=0)


def root_figure(ax: Axes) -> Figure:
    """The top-level figure of ``ax`` (through subfigures)."""
    fig = ax.figure
    return fig if isinstance(fig, Figure) else fig.figure


def axes_for(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes, bool]:
    """The figure and axes to draw on (the caller's ``ax`` or a new figure), and whether this
    call created them."""
    if ax is not None:
        return root_figure(ax), ax, False
    fig = new_figure(width, height)
    return fig, fig.add_subplot(), True


def grid_axes(n: int, ncols: int, width: float, height: float,
              axes: Sequence[Axes] | None) -> tuple[Figure, list[Axes], bool]:
    """``n`` panels: the caller's ``axes``, or a new figure of ``ncols`` columns of panels
    ``width`` x ``height`` inches each; and whether this call created them."""
    if axes is not None:
        axes = list(axes)
        if len(axes) < n:
            raise ValueError(f"need {n} axes, got {len(axes)}")
        return root_figure(axes[0]), axes[:n], False
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = new_figure(width * ncols, height * nrows)
    grid = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for extra in grid[n:]:
        extra.set_visible(False)
    return fig, list(grid[:n]), True


def style_axes(ax: Axes, grid: Grid = "x") -> None:
    """Open axes (no top or right spine), tick labels at the house size, a light ``grid``."""
    ax.tick_params(labelsize=TICK_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if grid:
        ax.grid(axis=grid, color="0.88", linewidth=0.7)
        ax.set_axisbelow(True)


def set_labels(ax: Axes, xlabel: str, ylabel: str, title: str | None = None) -> None:
    """Axis labels (with units, by the caller) and a left-aligned title."""
    ax.set_xlabel(xlabel, fontsize=LABEL_PT)
    ax.set_ylabel(ylabel, fontsize=LABEL_PT)
    if title:
        ax.set_title(title, fontsize=TITLE_PT, loc="left")


def footnote(fig: Figure, *lines: str) -> None:
    """A caption under the figure, each line wrapped to the figure's width.

    The figure grows by the caption's height and its layout leaves that strip free, so the PNG
    is laid out and drawn once (cropping to a tight bounding box would draw it twice).
    """
    width = max(60, int(fig.get_figwidth() * 17))
    text = "\n".join(textwrap.fill(line, width=width) for line in lines if line)
    engine = fig.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine):  # a caller's own layout: below it
        fig.text(0.005, -0.005, text, ha="left", va="top", fontsize=NOTE_PT, color=GREY)
        return
    strip_in = ((text.count("\n") + 1) * NOTE_PT * 1.25 + 8) / 72
    height_in = fig.get_figheight() + strip_in
    fig.set_figheight(height_in)
    strip = strip_in / height_in
    engine.set(rect=(0, strip, 1, 1 - strip))
    fig.text(0.005, strip - 3 / 72 / height_in, text, ha="left", va="top", fontsize=NOTE_PT,
             color=GREY)


def suptitle(fig: Figure, title: str) -> None:
    """The figure's title, left-aligned above its panels."""
    fig.suptitle(title, fontsize=TITLE_PT + 0.5, x=0.005, ha="left")


def plain_text(fig: Figure) -> None:
    """Draw every text of ``fig`` as written: names from files (a scenario, rung, doctrine or
    outcome with a ``$``) become titles, labels and ticks, and matplotlib would read a pair of
    ``$`` as mathtext (and fail on it). escsim's own labels use no mathtext."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)


def save_figure(fig: Figure, path: str | Path, dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) at ``dpi``; the folder is made if
    needed. A house figure (constrained or fixed layout) is drawn as laid out; any other is
    cropped to its content. Every text is drawn as written (:func:`plain_text`)."""
    path = Path(path)
    plain_text(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fig in _PENDING:  # saved, not shown
        _PENDING.remove(fig)
    laid_out = fig in _FIXED or isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    # zlib level 3 rather than PIL's 6: a third less time encoding for a tenth more bytes
    extra: dict[str, Any] = ({"pil_kwargs": {"compress_level": 3}}
                             if path.suffix.lower() == ".png" else {})
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False}):  # tick labels made while drawing
        fig.savefig(path, dpi=dpi, bbox_inches=None if laid_out else "tight",
                    facecolor="white", **extra)
    return path


# ------------------------------------------------------------ labels, dates, intervals ---
CI_NOTE = "Error bars: 95% Clopper-Pearson interval (Monte Carlo uncertainty only)."

RungNames = Mapping[int, str] | None
DateLike = dt.date | str | None


def scenario_of(runs: pd.DataFrame) -> str | None:
    if "scenario" in runs and len(runs) and runs["scenario"].nunique() == 1:
        return str(runs["scenario"].iloc[0])
    return None


def with_scenario(base: str, scenario: str | None, runs: int | None = None) -> str:
    detail = ", ".join(x for x in (scenario, None if runs is None else n_runs_text(runs)) if x)
    return f"{base}: {detail}" if detail else base


def n_runs_text(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def check_runs(runs: pd.DataFrame, *columns: str) -> None:
    if len(runs) == 0:
        raise ValueError("the run table is empty: nothing to plot")
    missing = [c for c in columns if c not in runs]
    if missing:
        raise ValueError(f"the run table lacks column(s) {missing}; expected a runs.csv table")


_PROPER = {"us": "US", "iran": "Iran", "iranian": "Iranian", "iraq": "Iraq", "iraqi": "Iraqi",
           "syria": "Syria", "jordan": "Jordan", "irgc": "IRGC", "gaza": "Gaza"}


def pretty_key(key: str) -> str:
    """A scenario key as words: ``us_strikes_iran`` -> ``US strikes Iran``."""
    return " ".join(_PROPER.get(w.lower(), w) for w in key.replace("_", " ").split())


def rung_label(level: int, names: RungNames) -> str:
    name = (names or {}).get(level)
    return f"{level}: {pretty_key(name)}" if name else f"rung {level}"


def as_date(value: DateLike) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def to_dates(start: dt.date, days: Any) -> np.ndarray:
    """Simulation days (fractional) as ``datetime64[ms]`` from ``start``."""
    ms = np.round(np.asarray(days, dtype=float) * 86_400_000).astype(np.int64)
    return np.datetime64(start, "ms") + ms.astype("timedelta64[ms]")


class DayMonthTicks(Formatter):
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


def date_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=8))
    ax.xaxis.set_major_formatter(DayMonthTicks())


def day_label(start: dt.date | None) -> str:
    return f"days since {start.isoformat()}" if start else "days since scenario start"


def dates_on_top(ax: Axes, start: dt.date) -> None:
    """Calendar months along the top of a day axis (call after its limits are set): a tick
    on the first of every month, or of every second, third, ... so at most five show, each
    labelled with its month (and the year where it changes)."""
    top = ax.secondary_xaxis("top")
    low, high = ax.get_xlim()
    first, last = start + dt.timedelta(days=max(low, 0.0)), start + dt.timedelta(days=high)
    months = []
    year, month = first.year, first.month
    while (day := dt.date(year, month, 1)) <= last:
        if day >= first:
            months.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    months = months[::max(1, math.ceil(len(months) / 5))] or [first]
    # month starts, not evenly spaced days: a label reads as the date under its tick
    labels = [m.strftime("%b %Y") if i == 0 or m.year != months[i - 1].year else m.strftime("%b")
              for i, m in enumerate(months)]
    top.set_xticks([(m - start).days for m in months], labels=labels)
    top.tick_params(labelsize=TICK_PT - 1, colors=GREY)


def count_text(count: str) -> tuple[str, str, str]:
    found = label(count)
    return found.title, found.noun, found.unit


def fmt_number(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 or abs(x) >= 100 else f"{x:.3g}"



def integer_bins(values: np.ndarray, target: int = 30) -> np.ndarray:
    """Histogram edges centred on integers (counts are integers: no aliasing)."""
    lo, hi = math.floor(values.min()), math.ceil(values.max())
    width = max(1, math.ceil((hi - lo + 1) / target))
    return np.arange(lo - 0.5, hi + width + 0.5, width, dtype=float)


def km_band(runs: pd.DataFrame, level: int, horizon_days: float, confidence: float,
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


def step_bands(ax: Axes, bands: Sequence[tuple[Any, Any, Any, str, float]]) -> None:
    """Shade several step-wise bands (``x, low, high, colour, alpha``; each value holds until
    the next ``x``, as ``fill_between(step="post")``) as one collection: a comparison panel
    has one band per scenario, and matplotlib's cost is per artist."""
    polygons, colours = [], []
    for x, low, high, colour, alpha in bands:
        x, low, high = (np.asarray(a, dtype=float) for a in (x, low, high))
        if not len(x):
            continue
        xs = np.repeat(x, 2)[1:]
        upper = np.column_stack([xs, np.repeat(high, 2)[:-1]])
        lower = np.column_stack([xs, np.repeat(low, 2)[:-1]])[::-1]
        polygons.append(np.concatenate([upper, lower]))
        colours.append(mcolors.to_rgba(colour, alpha))
    if polygons:
        ax.add_collection(PolyCollection(polygons, facecolors=colours, linewidths=0))


def horizon_of(runs: pd.DataFrame, horizon_days: float | None) -> float | None:
    if horizon_days is not None:
        return float(horizon_days)
    if "end_day" in runs and len(runs):
        return float(math.ceil(runs["end_day"].max()))
    return None


def probability_xlabel(horizon_days: float | None) -> str:
    within = f"within {horizon_days:g} days" if horizon_days else "within the horizon"
    return f"P(rung reached {within}) (share of runs)"


def points_with_ci(ax: Axes, y: np.ndarray, p: np.ndarray, low: np.ndarray, high: np.ndarray,
                    color: str, label: str | None = None, size: float = 6.5) -> None:
    err = np.vstack([np.clip(p - low, 0, None), np.clip(high - p, 0, None)])
    ax.errorbar(p, y, xerr=err, fmt="o", color=color, ecolor=color, elinewidth=1.4, capsize=3.5,
                markersize=size, markeredgecolor="white", markeredgewidth=0.8, label=label,
                zorder=3)


def points_with_intervals(ax: Axes, y: np.ndarray, p: np.ndarray, low: np.ndarray,
                          high: np.ndarray, colours: Sequence[str], sizes: Sequence[float],
                          markers: Sequence[str] | None = None) -> None:
    """Estimates with horizontal intervals and caps, each point its own colour, size (in
    points) and marker (default a circle), as a few artists however many points: what
    :func:`points_with_ci` draws for one series, for many series at once."""
    ax.hlines(y, low, high, colors=list(colours), lw=1.4, zorder=3)
    ax.scatter(np.r_[low, high], np.r_[y, y], marker="|", s=7.0 ** 2,
               c=[*colours, *colours], linewidths=1.4, zorder=3)
    shape = np.asarray(markers if markers is not None else ["o"] * len(p))
    colours_, area = np.asarray(colours), np.square(np.asarray(sizes, dtype=float))
    for marker in dict.fromkeys(shape.tolist()):  # one scatter per marker shape
        on = shape == marker
        ax.scatter(np.asarray(p)[on], np.asarray(y)[on], s=area[on], c=list(colours_[on]),
                   marker=marker, edgecolors="white", linewidths=0.8, zorder=4)


def right_labels(ax: Axes, y: np.ndarray, texts: list[str], header: str) -> None:
    """Values printed beside each row, on a secondary axis so layout leaves room for them."""
    right = ax.secondary_yaxis("right")
    right.set_yticks(y, labels=texts)
    right.tick_params(length=0, labelsize=TICK_PT - 0.5, colors="0.2")
    right.spines["right"].set_visible(False)
    right.set_ylabel(header, fontsize=TICK_PT, color=GREY)
