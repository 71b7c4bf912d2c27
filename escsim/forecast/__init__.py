"""Forecasts scored against the record: summaries, scoring rules, benchmark forecasters and the
rolling out-of-sample evaluation.

The statistical foundation the model's forecasts are scored with (issue 20). It reads the record
(:mod:`escsim.record`) and knows nothing of the model: a simulated history enters as a tidy event
table, a model forecast as samples of counts.

* :mod:`escsim.forecast.events`: the common tidy event table (record or simulated runs), the
  day-by-day series a forecaster learns from, the truth of a window.
* :mod:`escsim.forecast.summaries`: :func:`summarise`: monthly attacks by country, the days
  around US rounds, gaps, responses to harmful attacks, casualties, per window and run.
* :mod:`escsim.forecast.scores`: CRPS of samples, Brier and log scores, interval coverage,
  randomised PIT, skill.
* :mod:`escsim.forecast.benchmarks`: zeros, bootstrap, negative binomial, Hawkes, climatology.
* :mod:`escsim.forecast.hawkes`: the discrete-time Hawkes process (fit and simulation).
* :mod:`escsim.forecast.rolling`: :func:`evaluate`: every origin, window and forecaster, scored.

Quick use::

    from escsim.forecast import evaluate
    ev = evaluate()                  # the benchmarks, 2020-01 .. 2024-10 and the year after
    ev.summary()                     # mean CRPS, coverage, PIT per forecaster and window
    ev.skill(reference="bootstrap")  # CRPS skill against a benchmark
"""

from __future__ import annotations

from escsim.forecast.benchmarks import (
    BINARY_EVENTS,
    Bootstrap,
    Climatology,
    Fitted,
    Forecast,
    Forecaster,
    Hawkes,
    NegBinom,
    Zeros,
    default_benchmarks,
    fit_negbin,
)
from escsim.forecast.events import (
    ATTACK_COUNTRIES,
    EVENT_TABLE_COLUMNS,
    TOTAL,
    DailySeries,
    WindowTruth,
    daily_series,
    event_table,
    events_from_record,
    window_truth,
)
from escsim.forecast.hawkes import HawkesFit, fit_hawkes, simulate_hawkes
from escsim.forecast.rolling import (
    Evaluation,
    after_seed_origins,
    evaluate,
    forecast_seed,
    month_starts,
    record_series,
)
from escsim.forecast.scores import (
    brier_score,
    central_interval,
    count_scores,
    covers,
    crps_samples,
    log_score,
    pit_histogram,
    probability_from_samples,
    randomised_pit,
    skill_interval,
    skill_score,
)
from escsim.forecast.summaries import RECORD_PERIODS, STATISTICS, Summaries, summarise

__all__ = [
    "ATTACK_COUNTRIES", "BINARY_EVENTS", "EVENT_TABLE_COLUMNS", "RECORD_PERIODS", "STATISTICS",
    "TOTAL", "Bootstrap", "Climatology", "DailySeries", "Evaluation", "Fitted", "Forecast",
    "Forecaster", "Hawkes", "HawkesFit", "NegBinom", "Summaries", "WindowTruth", "Zeros",
    "after_seed_origins", "brier_score", "central_interval", "count_scores", "covers",
    "crps_samples", "daily_series", "default_benchmarks", "evaluate", "event_table",
    "events_from_record", "fit_hawkes", "fit_negbin", "forecast_seed", "log_score",
    "month_starts", "pit_histogram", "probability_from_samples", "randomised_pit",
    "record_series", "simulate_hawkes", "skill_interval", "skill_score", "summarise",
    "window_truth",
]
