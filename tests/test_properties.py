"""Property tests over the scenario schema's whole ranges: any value the loader accepts runs
without a crash, a NaN or a negative count, and the tables of a result folder agree with each
other (runs.csv, daily.csv, summary.json) and with ``max_rung``.

Every numeric key of the calibration scenario (weapons, militias, the US policy, Iran, Baghdad,
events) is drawn anywhere in its range, boundaries included; only the horizon is held to at most
20 days, so the highest rates the schema allows still run in a moment. The example count stays
small: the suite runs these on every commit.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import escsim
from escsim.errors import InputError
from escsim.records import DAILY_SERIES, RUNG_DAY_PREFIX
from escsim.scenario.keys import leaves
from escsim.simulation import run_to_folder

_BASE = escsim.load_scenario("surge-2023")
#: (key, type, lo, hi) of every numeric parameter; keys without an upper bound get lo + 1000.
NUMERIC = [(leaf.key, leaf.info.type, leaf.info.meta.get("lo"), leaf.info.meta.get("hi"))
           for leaf in leaves(_BASE) if leaf.info.type in (int, float)
           and not leaf.key.startswith(("ladder.", "scenario."))]
MAX_HORIZON_DAYS = 20


def _value(kind: type, lo: float | None, hi: float | None) -> st.SearchStrategy[Any]:
    lo = 0 if lo is None else lo
    hi = lo + 1000 if hi is None else hi
    if kind is int:
        return st.integers(int(math.ceil(lo)), int(hi))
    edges = st.sampled_from([float(lo), float(hi)])
    return st.one_of(edges, st.floats(float(lo), float(hi), allow_nan=False))


@st.composite
def overrides(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(NUMERIC), min_size=1, max_size=12,
                           unique_by=lambda k: k[0]))
    values = {key: draw(_value(kind, lo, hi)) for key, kind, lo, hi in chosen}
    values["scenario.horizon_days"] = draw(st.integers(1, MAX_HORIZON_DAYS))
    return values


def _check_folder(folder: Path) -> pd.DataFrame:
    runs = pd.read_csv(folder / "runs.csv")
    daily = pd.read_csv(folder / "daily.csv")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    rung_cols = [c for c in runs.columns if c.startswith(RUNG_DAY_PREFIX)]
    counts = runs.drop(columns=[*rung_cols, "scenario", "param_hash"])
    assert not counts.isna().any().any(), "a NaN outside the rung days"
    assert (counts.select_dtypes("number") >= 0).all().all(), "a negative count"
    assert (runs["us_casualties"] == runs["us_wounded"] + runs["us_killed"]).all()
    by_place = runs["attacks_in_iraq"] + runs["attacks_in_syria"] + runs["attacks_in_jordan"]
    assert (by_place == runs["attacks"]).all()
    weapons = [c for c in runs.columns if c.startswith("attacks_weapon_")]
    assert (runs[weapons].sum(axis=1) == runs["attacks"]).all()
    # the last day of daily.csv is the runs' totals
    last = daily[daily["day"] == daily["day"].max()].set_index("series")
    for s in DAILY_SERIES:
        assert math.isclose(last.loc[s, "mean"], runs[s].mean(), rel_tol=1e-12, abs_tol=1e-9), s
        assert last.loc[s, "q05"] <= last.loc[s, "q50"] <= last.loc[s, "q95"] <= runs[s].max()
    assert not daily[["mean", "q05", "q50", "q95"]].isna().any().any()
    assert (daily[["mean", "q05", "q50", "q95"]] >= 0).all().all()
    # rung days agree with max_rung, with each other and with the end of the run
    for _, row in runs.iterrows():
        reached = [int(c[len(RUNG_DAY_PREFIX):]) for c in rung_cols if not pd.isna(row[c])]
        assert row["max_rung"] == max(reached, default=0)
        for c in rung_cols:
            if not pd.isna(row[c]):
                assert 0 <= row[c] <= row["end_day"] + 1e-9
    # summary.json counts what runs.csv holds
    assert summary["runs"] == len(runs)
    for r in summary["rung_probability"]:
        column = f"{RUNG_DAY_PREFIX}{r['rung']}"
        assert r["reached"] == int(runs[column].notna().sum())
        assert 0 <= r["ci_low"] <= r["probability"] <= r["ci_high"] <= 1
    means = {q["count"]: q["mean"] for q in summary["count_quantiles"]}
    for s in DAILY_SERIES:
        assert math.isclose(means[s], runs[s].mean(), rel_tol=1e-9, abs_tol=1e-9)
    return runs


@given(overrides(), st.integers(0, 2**32))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_accepted_scenario_gives_consistent_tables(values: dict[str, Any], seed: int) -> None:
    try:
        scenario = escsim.load_scenario("surge-2023", values)
    except InputError:
        assume(False)  # a pair the cross checks refuse (e.g. delay_min > delay_max)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run_to_folder(scenario, Path(tmp) / "a", runs=3, seed=seed, plots=False)
        runs = _check_folder(Path(tmp) / "a")
        again = escsim.simulate(scenario, runs=3, seed=seed).runs
        for c in ("attacks", "us_wounded", "us_killed", "max_rung", "seed"):
            assert runs[c].tolist() == again[c].tolist(), c  # the same runs, in memory


@given(st.lists(st.sampled_from(["attacks", "us_killed", "us_wounded", "us_strikes",
                                 "iran_direct_attacks"]), min_size=1, max_size=3),
       st.lists(st.integers(0, 3), min_size=3, max_size=3),
       st.lists(st.one_of(st.none(), st.integers(1, 30)), min_size=3, max_size=3),
       st.integers(0, 2**32))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_ladder_gives_rung_days_consistent_with_max_rung(counters: list[str],
                                                             thresholds: list[int],
                                                             windows: list[int | None],
                                                             seed: int) -> None:
    """Extra rungs over any counters, thresholds (0 included) and windows."""
    values: dict[str, Any] = {"scenario.horizon_days": 15}
    for i, counter in enumerate(counters):
        window = f"[{windows[i]}d]" if windows[i] else ""
        values[f"ladder.extra{i}.level"] = 20 + i
        values[f"ladder.extra{i}.condition"] = f"{counter}{window} >= {thresholds[i]}"
    scenario = escsim.load_scenario("surge-2023", values)
    with tempfile.TemporaryDirectory() as tmp:
        run_to_folder(scenario, Path(tmp) / "a", runs=3, seed=seed, plots=False)
        runs = _check_folder(Path(tmp) / "a")
    for i, t in enumerate(thresholds[:len(counters)]):
        if t == 0:
            assert (runs[f"{RUNG_DAY_PREFIX}{20 + i}"] == 0.0).all()
