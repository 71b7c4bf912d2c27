"""escsim's own forecaster: the model, run from the situation of each origin, scored like the
benchmarks of :mod:`escsim.forecast.benchmarks` (same interface: ``fit(history).sample(start,
days, n, rng) -> Forecast``).

* ``fit(history)`` keeps the last day known (``history.through``); nothing else of the history
  is used: the situation is rebuilt from the record's rows dated on or before that day
  (:func:`escsim.forecast.situation.situation`), so no later row can reach it.
* ``sample(start, days, n, rng)`` writes the situation with day 0 on the day after the last day
  known and a horizon reaching the window's end, and runs it ``runs`` times with
  :func:`escsim.simulate` under a root seed drawn from ``rng`` (which the rolling driver seeds
  from the root seed, the origin, the window and the forecaster's name): same seed, same
  forecast. ``n`` is ignored: the model gives ``runs`` samples (its runs are costlier than a
  benchmark's draws). The probabilities of the binary events are ``(k + 1/2) / (runs + 1)``
  for ``k`` runs with the event, the rule every forecaster follows.

**Parameters frozen.** Every behavioural parameter stays at the shared defaults
(``scenarios/defaults.toml``), as they stood when the record was written: the calibration is
**not** refitted per origin, so the rolling scores before Nov 2024 are in-sample for the
parameters (the defaults were set with the eras of 2019-24 in view); only the year after the
seed is out of sample for them.

**Counts on the record's definition.** The record counts attacks on US bases and the embassy by
country (convoys apart, "other" not at all). The model's attacks are attacks on US sites in
Iraq, Syria and Jordan (the Tower 22 outpost), intercepted ones included, as the record's are;
it has no convoys or embassy of its own (an attack on the embassy is an attack on a site in
Iraq), so it includes nothing the record excludes. When the window starts after day 0 (a
forecast with a lead), the window's total comes from the daily series and is split among
countries by the run's own shares over its whole horizon.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from escsim.forecast.benchmarks import Forecast
from escsim.forecast.events import ATTACK_COUNTRIES, DailySeries
from escsim.forecast.scores import probability_from_samples

if TYPE_CHECKING:
    from escsim.executors import Executor
    from escsim.record import Record

__all__ = ["DEFAULT_RUNS", "ModelForecaster"]

#: Runs per forecast by default.
DEFAULT_RUNS = 200
_COLUMNS = tuple(f"attacks_in_{c}" for c in ATTACK_COUNTRIES)


@dataclass
class ModelForecaster:
    """The model as a forecaster (see the module)."""

    runs: int = DEFAULT_RUNS
    record: Record | None = None
    executor: Executor | None = field(default=None, repr=False)
    name: str = "model"

    def fit(self, history: DailySeries) -> _FittedModel:
        """The model knowing the record through ``history.through`` (see the module)."""
        if self.record is None:
            from escsim.record import read_record

            self.record = read_record()
        return _FittedModel(self, history.through)


@dataclass
class _FittedModel:
    owner: ModelForecaster
    through: dt.date
    _scenarios: dict[int, Any] = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, float]:
        return {"runs": float(self.owner.runs)}

    def scenario(self, horizon: int) -> Any:
        """The situation the day after :attr:`through`, ``horizon`` days long (loaded)."""
        if horizon not in self._scenarios:
            from escsim.forecast.situation import situation, situation_toml
            from escsim.scenario.loader import load_scenario

            day0 = self.through + dt.timedelta(days=1)
            tree = situation(day0, horizon, known_through=self.through,
                             record=self.owner.record)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "situation.toml"
                path.write_text(situation_toml(tree), encoding="utf-8")
                self._scenarios[horizon] = load_scenario(path)
        return self._scenarios[horizon]

    def sample(self, start: dt.date, days: int, n: int, rng: np.random.Generator) -> Forecast:
        from escsim.simulation import simulate

        lead = (start - self.through).days - 1
        if lead < 0:
            raise ValueError(f"the window starts on {start}, inside the history (known "
                             f"through {self.through})")
        sim = simulate(self.scenario(lead + days), runs=self.owner.runs,
                       seed=int(rng.integers(2**31 - 1)), executor=self.owner.executor)
        by_country = sim.runs[list(_COLUMNS)].to_numpy(dtype=float)

        def window(series: str) -> np.ndarray:
            cum = sim.daily_by_run[series]
            before = cum[:, lead - 1] if lead > 0 else 0
            return np.asarray(cum[:, lead + days - 1] - before)

        if lead == 0:
            attacks = by_country.astype(int)
        else:
            total = window("attacks").astype(int)
            attacks = np.zeros_like(by_country, dtype=int)
            sums = by_country.sum(axis=1)
            for i in range(len(total)):
                p = (by_country[i] / sums[i]) if sums[i] > 0 else \
                    np.full(len(_COLUMNS), 1 / len(_COLUMNS))
                attacks[i] = rng.multinomial(total[i], p)
        probabilities = {"us_killed": float(probability_from_samples(window("us_killed") > 0)),
                         "us_round": float(probability_from_samples(window("us_strikes") > 0))}
        return Forecast(ATTACK_COUNTRIES, attacks, probabilities)
