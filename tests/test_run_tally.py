"""The run summary built part by part (``escsim run``'s summary.json) equals the summary of the
whole table, and its tallied quantiles are numpy's inverted-CDF quantiles of the values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from escsim.analysis.runs import QUANTILES, RunTally, count_quantiles, summarize


def _runs(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day = rng.uniform(0, 365, n)
    return pd.DataFrame({
        "seed": np.arange(n), "attacks": rng.poisson(40, n), "us_killed": rng.poisson(0.3, n),
        "drawn_rate": rng.gamma(2.0, 0.5, n),  # not whole numbers: kept as values
        "day_rung_1": day, "day_rung_4": np.where(rng.random(n) < 0.2, day, np.nan)})


@pytest.mark.parametrize("n,part", [(1, 1), (999, 100), (5000, 333)])
def test_parts_give_the_summary_of_the_whole(n: int, part: int) -> None:
    runs = _runs(n, n)
    whole = summarize(runs, 365.0)
    parts = summarize((runs.iloc[i:i + part] for i in range(0, n, part)), 365.0)
    assert json.dumps(parts, sort_keys=True) == json.dumps(whole, sort_keys=True)
    assert [r["reached"] for r in whole["rung_probability"]] == [
        n, int(runs["day_rung_4"].notna().sum())]


def test_tallied_quantiles_are_numpys_inverted_cdf() -> None:
    runs = _runs(2001, 7)
    table = count_quantiles(runs).set_index("count")
    assert list(table.index) == ["attacks", "us_killed", "drawn_rate"]
    for c in table.index:
        v = runs[c].to_numpy(dtype=float)
        expected = np.quantile(v, QUANTILES, method="inverted_cdf")
        got = table.loc[c, [f"q{int(q * 100):02d}" for q in QUANTILES]].to_numpy(dtype=float)
        assert np.array_equal(got, expected), c
        assert table.loc[c, "mean"] == v.mean()


def test_a_column_that_turns_out_fractional_keeps_its_values() -> None:
    tally = RunTally()
    tally.add(pd.DataFrame({"x": [1, 2, 2]}))
    tally.add(pd.DataFrame({"x": [0.5, 2.5]}))
    [row] = tally.counts()
    v = np.array([1, 2, 2, 0.5, 2.5])
    assert row["mean"] == v.mean()
    assert [row[f"q{int(q * 100):02d}"] for q in QUANTILES] == list(
        np.quantile(v, QUANTILES, method="inverted_cdf"))


def test_no_runs_gives_nan_not_an_error() -> None:
    empty = summarize(_runs(0, 1), 30.0)
    assert empty["runs"] == 0
    assert all(np.isnan(q["mean"]) for q in empty["count_quantiles"])
