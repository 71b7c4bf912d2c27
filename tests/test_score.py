"""The model as a forecaster and `escsim score`: seeded, no look-ahead, a score folder end to
end on a tiny range, bad input exits 2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from escsim.apps.score import score
from escsim.forecast.rolling import record_series
from escsim.history.forecaster import ModelForecaster
from escsim.results.kinds import folder_kind


def _forecast(seed: int, start: str = "2024-03-01", days: int = 30, runs: int = 8):
    history = record_series().until(dt.date.fromisoformat(start) - dt.timedelta(days=1))
    fitted = ModelForecaster(runs=runs).fit(history)
    return fitted.sample(dt.date.fromisoformat(start), days, 999,
                         np.random.default_rng(seed))


def test_model_forecast_is_seeded_and_on_the_record_countries() -> None:
    a, b, c = _forecast(7), _forecast(7), _forecast(8)
    assert a.countries == ("iraq", "syria", "jordan")
    assert a.attacks is not None and a.attacks.shape == (8, 3)
    assert np.array_equal(a.attacks, b.attacks) and a.probabilities == b.probabilities
    assert not np.array_equal(a.attacks, c.attacks) or a.probabilities != c.probabilities
    assert set(a.probabilities) == {"us_killed", "us_round"}


def test_model_forecast_with_a_lead_splits_the_window_by_country() -> None:
    history = record_series().until(dt.date(2024, 11, 11))
    f = ModelForecaster(runs=6).fit(history).sample(dt.date(2024, 12, 1), 30, 0,
                                                    np.random.default_rng(1))
    assert f.attacks is not None and f.attacks.shape == (6, 3) and (f.attacks >= 0).all()


def test_score_end_to_end_on_two_origins(tmp_path: Path) -> None:
    out = tmp_path / "score"
    result = score("2024-01", "2024-02", runs=6, windows=(30,), after_seed=False, out=out,
                   samples=200, report=True, jobs=1)
    assert folder_kind(out).name == "score"
    counts = pd.read_csv(out / "counts.csv")
    for c in ("origin", "window_days", "country", "forecaster", "observed", "crps", "pit",
              "in50", "in90", "seed"):
        assert c in counts.columns
    assert set(counts["forecaster"]) == {"model", "zeros", "bootstrap", "negbin", "hawkes"}
    assert counts["origin"].nunique() == 2
    skill = pd.read_csv(out / "skill.csv")
    model = skill[skill["forecaster"] == "model"]
    assert set(model["reference"]) == {"zeros", "bootstrap", "negbin", "hawkes"}
    assert (model["skill_low"] <= model["skill_high"]).all()
    assert (out / "plots" / "pit-rolling-30.png").is_file() and (out / "report.html").is_file()
    assert json.loads((out / "manifest.json").read_text())["kind"] == "score"
    assert any("CRPS skill" in line for line in result.lines)
    # the same seed gives the same table
    again = score("2024-01", "2024-02", runs=6, windows=(30,), after_seed=False,
                  out=tmp_path / "again", samples=200, report=False, figures=False, jobs=1)
    assert again.value.counts.equals(result.value.counts)


def test_score_refuses_bad_ranges(cli, tmp_path: Path) -> None:
    for args in (["--from", "2024-05", "--to", "2024-01"], ["--from", "May"],
                 ["--to", "2025-06"]):
        result = cli("score", *args, "-o", tmp_path / "x")
        assert result.exit_code == 2, (args, result.output)
