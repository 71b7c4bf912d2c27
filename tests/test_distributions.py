"""The model's distributions before and after the replication speed-up (issue 22).

Making a replication cheaper changed how random numbers are derived (one keyed generator per
replication instead of a seeded generator per purpose), so every seed gives other numbers; every
distribution must stay where it was. ``tests/data/distribution_reference.csv.gz`` holds the
per-run outcomes of 2,000 runs of three bundled scenarios made by the code before the change
(commit 8fa1098: the model before it, the scenarios after the salvo class; root seed 11;
``benchmarks/bench_distributions.py --write-reference``); the current code runs the same
scenarios under another root seed, and each outcome column is compared by two-sample
Kolmogorov-Smirnov and chi-square tests, the family held at 1% by Bonferroni's correction.
The benchmark script runs the full version (10,000 runs of every bundled scenario, against the
old code itself).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "data" / "distribution_reference.csv.gz"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_distributions",
                                                  ROOT / "benchmarks" / "bench_distributions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_outcome_distributions_match_the_code_before_the_speed_up() -> None:
    bench = _bench()
    reference = pd.read_csv(REFERENCE)
    scenarios = list(dict.fromkeys(reference.scenario))
    runs = int((reference.scenario == scenarios[0]).sum())
    assert runs == 2000 and len(scenarios) == 3
    current = bench.emit(scenarios, runs, bench.CURRENT_SEED)
    results = bench.tests(reference, current)
    # every scenario contributes tests on its counts, its rungs and its end day
    assert len(results) >= 40
    assert {"attacks", "us_killed", "max_rung"} <= set(results.outcome)
    rejected = bench.verdict(results, alpha=0.01)
    assert rejected.empty, rejected.to_string()


def test_the_comparison_rejects_a_shifted_distribution() -> None:
    """The tests have power: the reference against itself with attacks scaled by 1.1."""
    bench = _bench()
    reference = pd.read_csv(REFERENCE)
    surge = reference[reference.scenario == "surge-2023"]
    half = len(surge) // 2
    first, second = surge.iloc[:half].copy(), surge.iloc[half:].copy()
    assert bench.verdict(bench.tests(first, second), alpha=0.01).empty
    second["attacks"] = (second["attacks"] * 1.1).round()
    rejected = bench.verdict(bench.tests(first, second), alpha=0.01)
    assert list(rejected.outcome) == ["attacks"]
