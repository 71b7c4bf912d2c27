"""Analysis: pure functions from saved tables to summaries.

Run summaries (:mod:`.runs`), comparisons of scenarios (:mod:`.compare`) and their paired
differences (:mod:`.paired`), robustness across states of the world (:mod:`.robustness`:
regret, satisficing, non-dominated set, ranking), printed number formats (:mod:`.format`),
outcomes of a sweep
and their values along its axes (:mod:`.outcomes`, :mod:`.along`), global sensitivity
(:mod:`.sensitivity`), scenario discovery (:mod:`.discovery`) and forecast scores
(:mod:`.scoring`). Nothing here runs the model: it reads tables.
"""

from escsim.analysis.runs import (
    QUANTILES,
    binomial_interval,
    count_quantiles,
    daily_bands,
    rung_levels,
    rung_probabilities,
    summarize,
    survival_curve,
)
from escsim.records import MAIN_COUNTS

__all__ = ["MAIN_COUNTS", "QUANTILES", "binomial_interval", "count_quantiles", "daily_bands",
           "rung_levels", "rung_probabilities", "summarize", "survival_curve"]
