"""The rolling evaluation: its origins, its two sets kept apart, the information each forecast
has, reproducible seeds, the truth it scores against, and any forecaster with the same two
steps (the model's, later) scored alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from escsim.errors import InputError
from escsim.forecast.benchmarks import Bootstrap, Climatology, Forecast, Hawkes, Zeros
from escsim.forecast.events import DailySeries
from escsim.forecast.rolling import (
    COUNT_COLUMNS,
    EVENT_COLUMNS,
    after_seed_origins,
    evaluate,
    forecast_seed,
    month_starts,
    record_series,
)
from escsim.record import SEED_DATE, read_record


@pytest.fixture(scope="module")
def series() -> DailySeries:
    return record_series()


@pytest.fixture(scope="module")
def small(series: DailySeries):
    return evaluate([Zeros(), Bootstrap(), Hawkes(), Climatology()],
                    origins=["2023-10-01", "2024-09-01", "2024-10-01"], windows=(30, 90),
                    samples=300, seed=11, after_seed=["2024-11-12", "2025-03-01"],
                    series=series)


def test_origins() -> None:
    starts = month_starts()
    assert starts[0] == dt.date(2020, 1, 1) and starts[-1] == dt.date(2024, 10, 1)
    assert len(starts) == 58
    later = after_seed_origins()
    assert later[0] == dt.date(2024, 11, 12) and later[1] == dt.date(2024, 12, 1)
    assert later[-1] == dt.date(2025, 11, 1)  # its 30 days end on the record's last day


def test_tables_and_sets(small) -> None:
    assert list(small.counts.columns) == list(COUNT_COLUMNS)
    assert list(small.events.columns) == list(EVENT_COLUMNS)
    c = small.counts
    assert set(c["set"]) == {"rolling", "after_seed"}
    assert set(c["country"]) == {"iraq", "syria", "jordan", "total"}
    assert set(c["forecaster"]) == {"zeros", "bootstrap", "hawkes"}  # climatology: events only
    assert set(small.events["forecaster"]) == {"bootstrap", "climatology"}
    rolling = c[c["set"] == "rolling"]
    assert (rolling["info_through"] == rolling["origin"] - dt.timedelta(days=1)).all()
    assert (rolling["lead_days"] == 0).all()
    # the year after the seed knows only the record as of the seed's date
    later = c[c["set"] == "after_seed"]
    assert (later["info_through"] == SEED_DATE).all()
    assert set(later["lead_days"]) == {0, (dt.date(2025, 3, 1) - SEED_DATE).days - 1}
    # only 90-day windows from Sep and Oct 2024 run past the seed's date
    crossing = c[c["crosses_seed"]][["origin", "window_days"]].drop_duplicates()
    assert sorted(map(tuple, crossing.to_numpy())) == [
        (dt.date(2024, 9, 1), 90), (dt.date(2024, 10, 1), 90)]


def test_observed_is_the_record_count(small) -> None:
    attacks = read_record().attacks()
    for row in small.counts[(small.counts["forecaster"] == "zeros")].itertuples():
        end = pd.Timestamp(row.origin) + pd.Timedelta(days=row.window_days - 1)
        inside = attacks[attacks["date"].between(pd.Timestamp(row.origin), end)]
        if row.country != "total":
            inside = inside[inside["country"] == row.country]
        assert row.observed == inside["count"].sum()
        assert row.crps == pytest.approx(row.observed)  # a point mass at 0: |0 - y|


def test_reproducible_and_seeded(small, series: DailySeries) -> None:
    again = evaluate([Zeros(), Bootstrap(), Hawkes(), Climatology()],
                     origins=["2023-10-01", "2024-09-01", "2024-10-01"], windows=(30, 90),
                     samples=300, seed=11, after_seed=["2024-11-12", "2025-03-01"],
                     series=series)
    pd.testing.assert_frame_equal(small.counts, again.counts)
    pd.testing.assert_frame_equal(small.events, again.events)
    # the seed column re-creates a forecast
    row = small.counts[(small.counts["forecaster"] == "hawkes")
                       & (small.counts["country"] == "total")].iloc[0]
    assert row["seed"] == forecast_seed(11, row["origin"], row["window_days"], "hawkes")
    f = Hawkes().fit(series.until(row["info_through"])).sample(
        row["origin"], row["window_days"], 300, np.random.default_rng(row["seed"]))
    assert f.samples("total").mean() == pytest.approx(row["mean"])
    # a forecaster's seed depends on its name, not on the others in the list
    alone = evaluate([Hawkes()], origins=["2023-10-01"], windows=(30,), samples=300, seed=11,
                     after_seed=False, series=series)
    first = small.counts[(small.counts["forecaster"] == "hawkes")
                         & (small.counts["origin"] == dt.date(2023, 10, 1))
                         & (small.counts["window_days"] == 30)].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.counts, first)


def test_after_seed_rolling_information(series: DailySeries) -> None:
    ev = evaluate([Bootstrap()], origins=[], windows=(30,), samples=100,
                  after_seed=["2025-03-01"], after_seed_information="rolling", series=series)
    assert (ev.counts["info_through"] == dt.date(2025, 2, 28)).all()


def test_bad_origins_and_options(series: DailySeries) -> None:
    with pytest.raises(InputError, match="after the seed"):
        evaluate([Zeros()], origins=["2025-01-01"], series=series)
    with pytest.raises(InputError, match="before the record starts"):
        evaluate([Zeros()], origins=["2019-10-01"], after_seed=False, series=series)
    with pytest.raises(InputError, match="after-seed information"):
        evaluate([Zeros()], after_seed_information="hindsight", series=series)
    with pytest.raises(InputError, match="on or before the seed"):
        evaluate([Zeros()], origins=[], after_seed=["2024-11-01"], series=series)
    with pytest.raises(InputError, match="share a name"):
        evaluate([Zeros(), Zeros()], series=series)


@dataclass(frozen=True)
class _PoissonFit:
    """A stand-in for the model's forecaster: the last 90 days' rate, Poisson."""

    history: DailySeries

    def sample(self, start: dt.date, days: int, n: int, rng: np.random.Generator) -> Forecast:
        rate = self.history.attacks[-90:].mean(axis=0) * days
        return Forecast(self.history.countries, rng.poisson(rate, size=(n, len(rate))),
                        {"us_round": 0.5})

    def params(self) -> dict[str, float]:
        return {}


@dataclass(frozen=True)
class _Poisson:
    name: str = "poisson90"

    def fit(self, history: DailySeries) -> _PoissonFit:
        return _PoissonFit(history)


def test_any_forecaster_is_scored_alike(series: DailySeries) -> None:
    ev = evaluate([_Poisson(), Bootstrap()], origins=month_starts("2023-01", "2023-12"),
                  windows=(30,), samples=500, after_seed=False, series=series)
    skill = ev.skill(reference="bootstrap")
    own = skill[skill["forecaster"] == "bootstrap"]
    perfect = own["reference_crps"] == 0  # Jordan in 2023: none forecast, none happened
    assert (own.loc[~perfect, "skill"] == 0).all() and own.loc[perfect, "skill"].isna().all()
    assert set(skill["forecaster"]) == {"poisson90", "bootstrap"}
    summary = ev.summary()
    assert {"crps", "in50", "in90", "pit_mean"} <= set(summary.columns)
    assert summary["forecasts"].eq(12).all()
    assert set(ev.event_summary()["event"]) == {"us_killed", "us_round"}
    pit = ev.pit(bins=5)
    assert pit.groupby("forecaster")["count"].sum().eq(12).all()
