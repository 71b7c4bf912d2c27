"""pytest-benchmark view of the reference replication (not part of the test suite).

Run with ``pytest benchmarks/test_replication_benchmark.py --benchmark-only`` (``pip install
escsim[bench]``). It times the same two things as ``bench_replication.py`` -- one bare SimPy
timeout and one replication of the reference scenario -- in pytest-benchmark's tables, for
comparing commits with ``--benchmark-autosave`` / ``--benchmark-compare``. No assertion here
depends on time.
"""

from __future__ import annotations

from typing import Any

import pytest
import simpy

import escsim

pytest.importorskip("pytest_benchmark")


@pytest.fixture(scope="module")
def reference() -> escsim.Scenario:
    return escsim.load_scenario("surge-2023", ["scenario.horizon_days=365"])


def test_bare_timeouts(benchmark: Any) -> None:
    """10,000 bare timeouts: the engine's floor."""

    def run() -> None:
        env = simpy.Environment()

        def loop(env: simpy.Environment) -> Any:
            for _ in range(10_000):
                yield env.timeout(1)

        env.process(loop(env))
        env.run()

    benchmark(run)


def test_reference_replications(benchmark: Any, reference: escsim.Scenario) -> None:
    """20 replications of surge-2023 over 365 days (the same seeds each round)."""
    seeds = [escsim.replication_seed(2024, r) for r in range(20)]

    def run() -> int:
        return sum(escsim.run_replication(reference, s).row["attacks"] for s in seeds)

    assert benchmark(run) > 0
