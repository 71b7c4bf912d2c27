"""Rolling out-of-sample evaluation: forecast from many origins, score against the record.

For each origin (by default every month start from January 2020 to October 2024) and each window
(30 and 90 days), every forecaster is fitted to what was known on the eve of the origin and
forecasts the window ``origin .. origin + days - 1``; the forecast is scored against the record.

**What is known at an origin.** The forecasters see the record's days from its first day (1 Oct
2019) through the day before the origin, and nothing else (:meth:`DailySeries.until`); a
forecaster fitted once per information date serves every window from it.

**Two sets, kept apart** (column ``set``):

* ``rolling``: origins up to the seed's date (11 Nov 2024). A window is scored against the whole
  record: one that runs past the seed's date (a 90-day window from September or October 2024)
  is scored with the post-seed rows, which is what they are for (scoring); such rows are marked
  ``crosses_seed`` so they can be left out.
* ``after_seed``: the year after the seed, the genuine out-of-sample test. Origins are the day
  after the seed (12 Nov 2024) and every month start from December 2024 whose window ends by the
  record's last day (30 Nov 2025). By default every forecast of this set knows only the record as
  it stood on the seed's date (``after_seed_information="seed"``: post-seed rows only score, as
  the record's rules say; the later origins are forecasts with a lead time). With ``"rolling"``
  each origin knows the record up to its eve, as in the first set.

**Seeds.** Each forecast draws from its own generator, seeded by ``numpy.random.SeedSequence``
from the root seed, the origin, the window and the forecaster's name (not its position in the
list): the ``seed`` column re-creates it (``numpy.random.default_rng(seed)``), and adding a
forecaster changes no other forecaster's numbers. The PIT's uniform draws use
``default_rng([seed, 1])``.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from escsim.forecast.benchmarks import (
    BINARY_EVENTS,
    Fitted,
    Forecast,
    Forecaster,
    default_benchmarks,
)
from escsim.forecast.events import (
    FIRST_DATE,
    LAST_DATE,
    SEED_DATE,
    TOTAL,
    DailySeries,
    _as_date,
    daily_series,
    events_from_record,
    window_truth,
)
from escsim.forecast.scores import (
    brier_score,
    count_scores,
    log_score,
    pit_histogram,
    skill_interval,
    skill_score,
)

if TYPE_CHECKING:
    from escsim.record import Record

__all__ = [
    "COUNT_COLUMNS", "EVENT_COLUMNS", "Evaluation", "after_seed_origins", "evaluate",
    "forecast_seed", "month_starts", "record_series",
]

#: The columns of :attr:`Evaluation.counts`, one row per (forecast, country).
COUNT_COLUMNS = ("set", "origin", "window_days", "info_through", "lead_days", "crosses_seed",
                 "forecaster", "country", "observed", "mean", "median", "q05", "q95", "crps",
                 "pit", "in50", "in90", "seed", "samples")
#: The columns of :attr:`Evaluation.events`, one row per (forecast, binary event).
EVENT_COLUMNS = ("set", "origin", "window_days", "info_through", "lead_days", "crosses_seed",
                 "forecaster", "event", "probability", "observed", "brier", "log_score", "seed")
#: The default windows, in days.
WINDOWS = (30, 90)
#: The default origins of the rolling set: month starts from ... to ... (inclusive).
ROLLING_FIRST, ROLLING_LAST = "2020-01", "2024-10"


def month_starts(first: str | dt.date = ROLLING_FIRST,
                 last: str | dt.date = ROLLING_LAST) -> list[dt.date]:
    """The first days of the months from ``first`` to ``last`` (inclusive).

    Args:
        first: a month (``YYYY-MM``) or a day in it.
        last: a month (``YYYY-MM``) or a day in it.

    Returns:
        The month starts, in order.
    """
    def month(x: str | dt.date) -> pd.Timestamp:
        return pd.Timestamp(str(x)[:7] + "-01")

    return [d.date() for d in pd.date_range(month(first), month(last), freq="MS")]


def after_seed_origins(end: dt.date = LAST_DATE, window_days: int = min(WINDOWS)
                       ) -> list[dt.date]:
    """The origins of the year after the seed: the day after it, then every month start whose
    ``window_days`` window ends by ``end``.

    Args:
        end: the record's last day.
        window_days: the shortest window scored (longer ones are dropped per window when they
            do not fit).

    Returns:
        The origins, in order.
    """
    first = SEED_DATE + dt.timedelta(days=1)
    out = [first] if first + dt.timedelta(days=window_days - 1) <= end else []
    for d in month_starts(first, end):
        if d > first and d + dt.timedelta(days=window_days - 1) <= end:
            out.append(d)
    return out


def forecast_seed(root: int, origin: dt.date, window_days: int, forecaster: str) -> int:
    """The seed of one forecast: from the root seed, the origin, the window and the
    forecaster's name (independent streams by ``numpy.random.SeedSequence``).

    Args:
        root: the evaluation's root seed.
        origin: the window's first day.
        window_days: the window's length.
        forecaster: the forecaster's name.

    Returns:
        A 32-bit seed for ``numpy.random.default_rng``.
    """
    key = [int(root), origin.toordinal(), int(window_days),
           zlib.crc32(forecaster.encode("utf-8"))]
    return int(np.random.SeedSequence(key).generate_state(1)[0])


def record_series(record: Record | None = None) -> DailySeries:
    """The record's day-by-day series, from its first to its last covered day.

    Args:
        record: a :class:`escsim.record.Record`; the bundled record when ``None``.

    Returns:
        The :class:`~escsim.forecast.events.DailySeries` of the whole record (post-seed days
        included: for scoring).
    """
    from escsim.record import read_record

    rec = read_record() if record is None else record
    return daily_series(events_from_record(rec), FIRST_DATE, LAST_DATE)


@dataclass(frozen=True)
class Evaluation:
    """The scores of a rolling evaluation: tidy tables (one row per scored forecast).

    ``counts`` (:data:`COUNT_COLUMNS`): attack counts per country and in total; ``events``
    (:data:`EVENT_COLUMNS`): binary events; ``params``: each fitted forecaster's parameters
    (``forecaster``, ``info_through``, ``param``, ``value``).
    """

    counts: pd.DataFrame
    events: pd.DataFrame
    params: pd.DataFrame

    def summary(self, by: Sequence[str] = ("set", "window_days", "country", "forecaster")
                ) -> pd.DataFrame:
        """Mean CRPS, interval coverage and mean PIT per group of count forecasts.

        Args:
            by: the columns to group by.

        Returns:
            One row per group: ``forecasts``, ``crps`` (mean), ``in50``, ``in90`` (shares of
            outcomes inside the intervals), ``pit_mean``, ``observed_mean``, ``forecast_mean``.
        """
        g = self.counts.groupby(list(by), sort=True)
        return g.agg(forecasts=("crps", "size"), crps=("crps", "mean"), in50=("in50", "mean"),
                     in90=("in90", "mean"), pit_mean=("pit", "mean"),
                     observed_mean=("observed", "mean"),
                     forecast_mean=("mean", "mean")).reset_index()

    def skill(self, reference: str = "bootstrap",
              by: Sequence[str] = ("set", "window_days", "country"), level: float = 0.9,
              block: int = 6, seed: int = 2024) -> pd.DataFrame:
        """CRPS skill of every forecaster against ``reference`` on the same forecasts:
        ``1 - mean CRPS / mean CRPS of the reference``, with a block-bootstrap interval over
        the origins (:func:`~escsim.forecast.scores.skill_interval`).

        Args:
            reference: the reference forecaster's name.
            by: the columns to group by (``forecaster`` is added).
            level: the interval's probability.
            block: consecutive origins resampled together.
            seed: the seed of the resampling.

        Returns:
            One row per group and forecaster: ``forecasts``, ``crps``, ``reference_crps``,
            ``skill``, ``skill_low``, ``skill_high``.
        """
        keys = ["set", "origin", "window_days", "country"]
        ref = self.counts[self.counts["forecaster"] == reference][[*keys, "crps"]]
        joined = self.counts.merge(ref, on=keys, suffixes=("", "_ref"))
        rows = []
        for group, part in joined.groupby([*by, "forecaster"], sort=True):
            part = part.sort_values("origin", kind="stable")
            low, high = skill_interval(part["crps"], part["crps_ref"],
                                       np.random.default_rng(seed), level, block)
            rows.append({**dict(zip([*by, "forecaster"], group, strict=True)),
                         "forecasts": len(part), "crps": part["crps"].mean(),
                         "reference_crps": part["crps_ref"].mean(),
                         "skill": skill_score(part["crps"], part["crps_ref"]),
                         "skill_low": low, "skill_high": high})
        return pd.DataFrame(rows)

    def event_summary(self, by: Sequence[str] = ("set", "window_days", "event", "forecaster")
                      ) -> pd.DataFrame:
        """Mean Brier and log scores per group of binary-event forecasts.

        Args:
            by: the columns to group by.

        Returns:
            One row per group: ``forecasts``, ``observed`` (the share with the event),
            ``probability`` (mean), ``brier``, ``log_score``.
        """
        g = self.events.groupby(list(by), sort=True)
        return g.agg(forecasts=("brier", "size"), observed=("observed", "mean"),
                     probability=("probability", "mean"), brier=("brier", "mean"),
                     log_score=("log_score", "mean")).reset_index()

    def pit(self, bins: int = 10, by: Sequence[str] = ("set", "window_days", "forecaster"),
            country: str = TOTAL) -> pd.DataFrame:
        """PIT histograms of one country's (or the total's) count forecasts, per group.

        Args:
            bins: equal bins of (0, 1).
            by: the columns to group by.
            country: the country, or ``"total"``.

        Returns:
            One row per group and bin (see :func:`~escsim.forecast.scores.pit_histogram`).
        """
        part = self.counts[self.counts["country"] == country]
        frames = []
        for group, rows in part.groupby(list(by), sort=True):
            h = pit_histogram(rows["pit"], bins)
            for k, v in zip(by, group, strict=True):
                h[k] = v
            frames.append(h)
        cols = [*by, "low", "high", "count", "share", "expected"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(
            columns=cols)


def _score_forecast(rows_c: list[dict], rows_e: list[dict], base: dict, forecast: Forecast,
                    truth_attacks: dict[str, int], truth_events: dict[str, bool],
                    seed: int) -> None:
    if forecast.attacks is not None:
        pit_rng = np.random.default_rng([seed, 1])
        for country in (*forecast.countries, TOTAL):
            s = forecast.samples(country)
            row = count_scores(truth_attacks[country], s, pit_rng)
            rows_c.append({**base, "country": country, **row, "seed": seed,
                           "samples": len(s)})
    for event in BINARY_EVENTS:
        if event not in forecast.probabilities:
            continue
        p = forecast.probabilities[event]
        y = truth_events[event]
        rows_e.append({**base, "event": event, "probability": p, "observed": int(y),
                       "brier": float(brier_score(y, p)), "log_score": float(log_score(y, p)),
                       "seed": seed})


def evaluate(forecasters: Iterable[Forecaster] | None = None, record: Record | None = None,
             origins: Sequence[dt.date | str] | None = None,
             windows: Sequence[int] = WINDOWS, samples: int = 2000, seed: int = 2024,
             after_seed: bool | Sequence[dt.date | str] = True,
             after_seed_information: str = "seed",
             series: DailySeries | None = None) -> Evaluation:
    """Forecast from every origin and window with every forecaster, and score the forecasts.

    Args:
        forecasters: the forecasters (:func:`~escsim.forecast.benchmarks.default_benchmarks`
            when ``None``); anything with a ``name`` and ``fit(history)`` (the model's
            forecaster too).
        record: the record scored against (the bundled one when ``None``).
        origins: the origins of the ``rolling`` set (month starts 2020-01 to 2024-10 when
            ``None``); an origin after the seed's date is an input error (use ``after_seed``).
        windows: the windows' lengths in days.
        samples: samples per forecast.
        seed: the root seed (see :func:`forecast_seed`).
        after_seed: score the year after the seed as well (``True``: the origins of
            :func:`after_seed_origins`; or a list of origins; ``False``: not).
        after_seed_information: ``"seed"`` (the after-seed forecasts know the record as of the
            seed's date) or ``"rolling"`` (each knows the record up to its eve).
        series: the record's day-by-day series, if already computed (else from ``record``).

    Returns:
        The :class:`Evaluation`.
    """
    from escsim.errors import InputError

    if after_seed_information not in ("seed", "rolling"):
        raise InputError("unknown after-seed information", key="after_seed_information",
                         value=after_seed_information, expected="seed | rolling")
    full = series if series is not None else record_series(record)
    fs = list(default_benchmarks() if forecasters is None else forecasters)
    names = [f.name for f in fs]
    if len(set(names)) != len(names):
        raise InputError("two forecasters share a name", key="forecasters", value=names)
    rolling = [_as_date(o) for o in (month_starts() if origins is None else origins)]
    late = [o for o in rolling if o > SEED_DATE]
    if late:
        raise InputError("a rolling origin after the seed's date", key="origins",
                         value=str(late[0]), expected=f"on or before {SEED_DATE}")
    if after_seed is True:
        later = after_seed_origins(full.last, min(windows))
    elif after_seed is False:
        later = []
    else:
        later = [_as_date(o) for o in after_seed]
    early = [o for o in later if o <= SEED_DATE]
    if early:
        raise InputError("an after-seed origin on or before the seed's date", key="after_seed",
                         value=str(early[0]), expected=f"after {SEED_DATE}")
    plan: list[tuple[str, dt.date, dt.date]] = [
        ("rolling", o, o - dt.timedelta(days=1)) for o in rolling]
    plan += [("after_seed", o, SEED_DATE if after_seed_information == "seed"
              else o - dt.timedelta(days=1)) for o in later]

    rows_c: list[dict] = []
    rows_e: list[dict] = []
    rows_p: list[dict] = []
    fitted: dict[tuple[str, dt.date], Fitted] = {}
    for kind, origin, through in plan:
        if through < FIRST_DATE:
            raise InputError("an origin before the record starts", key="origins",
                             value=str(origin), expected=f"after {FIRST_DATE}")
        history = full.until(through)
        for days in windows:
            end = origin + dt.timedelta(days=days - 1)
            if end > full.last:
                continue  # the record does not cover the window
            truth = window_truth(full, origin, days)
            events = {"us_killed": truth.us_killed, "us_round": truth.us_round}
            for f in fs:
                key = (f.name, through)
                if key not in fitted:
                    fitted[key] = f.fit(history)
                    rows_p += [{"forecaster": f.name, "info_through": through, "param": k,
                                "value": float(v)} for k, v in fitted[key].params().items()]
                s = forecast_seed(seed, origin, days, f.name)
                forecast = fitted[key].sample(origin, days, samples, np.random.default_rng(s))
                base = {"set": kind, "origin": origin, "window_days": days,
                        "info_through": through, "lead_days": (origin - through).days - 1,
                        "crosses_seed": bool(origin <= SEED_DATE < end),
                        "forecaster": f.name}
                _score_forecast(rows_c, rows_e, base, forecast, truth.attacks, events, s)
    counts = pd.DataFrame(rows_c, columns=list(COUNT_COLUMNS))
    events_t = pd.DataFrame(rows_e, columns=list(EVENT_COLUMNS))
    params = pd.DataFrame(rows_p, columns=["forecaster", "info_through", "param", "value"])
    return Evaluation(counts, events_t, params)
