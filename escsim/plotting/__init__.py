"""Figures drawn from saved tables: runs, comparisons, one traced run, sweeps, the backtest.

One module per kind of figure, all in the house style of :mod:`.style`: :mod:`.runs` (one
scenario's runs), :mod:`.compare` (scenarios side by side), :mod:`.timeline` (one traced run),
:mod:`.sweeps` (sweeps, sensitivity, discovery), :mod:`.history` (backtest, calibration) and
:mod:`.study` (paired differences, regret, trade-offs of a study).
Every function takes tables and an optional matplotlib ``ax`` and returns the Figure it drew on.
"""

from escsim.plotting.compare import (
    plot_compare_counts,
    plot_compare_rungs,
    plot_compare_survival,
    plot_comparison_folder,
)
from escsim.plotting.runs import (
    plot_count_distributions,
    plot_daily_bands,
    plot_result_folder,
    plot_rung_distribution,
    plot_rung_probabilities,
    plot_survival,
)
from escsim.plotting.style import NOT_A_FORECAST, save_figure
from escsim.plotting.timeline import plot_trace_timeline

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
