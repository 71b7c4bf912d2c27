"""Reproducibility: a seed fixes a replication; results do not depend on the executor, the number
of workers, the chunking or the number of runs; every row can be replayed from its seed."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import escsim
from escsim.engine import record_of, replication_seed, run_replication
from escsim.model.draws import HASHED_KEY, Streams, purpose_key, seed_word
from escsim.model.world import World
from escsim.sweep.executors import ProcessExecutor, SerialExecutor
from escsim.sweep.plan import plan_single
from escsim.sweep.run import make_chunk
from escsim.sweep.work import run_chunk

COUNTS = ["attacks", "attacks_in_iraq", "attacks_in_syria", "attacks_in_jordan", "intercepted",
          "us_wounded", "us_killed", "us_casualties", "us_strikes", "us_targets_struck",
          "leadership_strikes", "major_us_strikes", "militia_killed", "iran_personnel_killed",
          "iran_direct_attacks", "us_strikes_on_iran", "restraint_orders", "max_rung"]


def _same_record(a: escsim.RunRecord, b: escsim.RunRecord) -> None:
    assert a.row == b.row
    assert a.daily.keys() == b.daily.keys()
    for name in a.daily:
        np.testing.assert_array_equal(a.daily[name], b.daily[name])


def _records(table: pd.DataFrame) -> list[dict]:
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def test_same_seed_same_record(surge: escsim.Scenario) -> None:
    seed = replication_seed(7, 3)
    first = run_replication(surge, seed, replication=3)
    _same_record(first, run_replication(surge, seed, replication=3))
    # a freshly loaded copy of the scenario gives the same record too
    _same_record(first, run_replication(escsim.load_scenario("surge-2023"), seed, replication=3))
    traced = run_replication(surge, seed, replication=3, trace=True)
    _same_record(first, traced)  # tracing observes, it does not change the stream
    assert traced.log and first.log is None


def test_different_seeds_differ(surge: escsim.Scenario) -> None:
    rows = [run_replication(surge, replication_seed(7, r)).row for r in range(10)]
    assert len({(r["attacks"], r["us_wounded"], r["end_day"]) for r in rows}) > 5


def test_replication_seeds_are_derived_not_counted() -> None:
    seeds = [replication_seed(1, r, p) for p in range(3) for r in range(200)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)
    assert replication_seed(1, 5) == replication_seed(1, 5, 0)
    assert replication_seed(1, 5) != replication_seed(2, 5)


@pytest.mark.parametrize("prefix", [(), (3, 141)])
def test_a_stream_is_philox_at_its_key(prefix: tuple[int, ...]) -> None:
    """Each stream is Philox-4x64 keyed by (seed word, flags | purpose key): its blocks, however
    they are cut and whatever count draws come between them, are one generator's numbers."""
    for seed in (0, 1, 2**53 - 1, replication_seed(2024, 7)):
        streams = Streams(seed, prefix)
        word, flags = seed_word(seed, prefix)
        assert (flags == HASHED_KEY) == bool(prefix)
        for purpose in ("militia/iraq_factions/timing", "us/policy", "timeline"):
            draws = streams.draws(purpose)
            got = [draws.uniform() for _ in range(300)]  # blocks of 32, 64, 128, 256
            draws.poisson(2.5)  # a count draw in between leaves the uniforms in place
            got += [draws.uniform() for _ in range(100)]
            key = np.array([word, flags | purpose_key(purpose)], dtype=np.uint64)
            expected = np.random.Generator(np.random.Philox(key=key)).random(1024)
            # each block goes in front of the pool and is popped from its end
            blocks = np.split(expected, [32, 96, 224, 480])[:5]
            order = np.concatenate([blk[::-1] for blk in blocks])
            np.testing.assert_array_equal(got, order[:400])


def test_streams_differ_by_purpose_seed_and_prefix() -> None:
    first = {(seed, prefix, purpose): tuple(_first_block(Streams(seed, prefix), purpose))
             for seed in (1, 2) for prefix in ((), (1, 0), (1, 1))
             for purpose in ("a", "b")}
    assert len(set(first.values())) == len(first)


def _first_block(streams: Streams, purpose: str) -> list[float]:
    draws = streams.draws(purpose)
    draws.top_up()
    return list(draws.uniforms)


def test_serial_and_process_executors_give_identical_tables(surge: escsim.Scenario) -> None:
    serial = escsim.simulate(surge, runs=40, seed=99, executor=SerialExecutor())
    pool = ProcessExecutor(2)
    try:
        parallel = escsim.simulate(surge, runs=40, seed=99, executor=pool)
    finally:
        pool.close()
    assert parallel.executor == "process" and parallel.workers == 2
    pd.testing.assert_frame_equal(serial.runs, parallel.runs)
    for name in serial.daily_by_run:
        np.testing.assert_array_equal(serial.daily_by_run[name], parallel.daily_by_run[name])


def test_results_do_not_depend_on_the_number_of_runs_or_the_chunking(
        surge: escsim.Scenario) -> None:
    """Replication r of root seed S is the same run however many runs are asked for."""
    short = escsim.simulate(surge, runs=10, seed=5).runs
    long = escsim.simulate(surge, runs=35, seed=5).runs
    # compared as records (None for "never"), the form runs.csv is written from
    assert _records(short) == _records(long.iloc[:10])
    plan = plan_single(surge, 35, 5)
    for size in (1, 4, 35):
        chunks = [make_chunk(plan, i, size) for i in range(-(-35 // size))]
        rows = [row for c in chunks for row in run_chunk(c).rows]
        assert _records(pd.DataFrame(rows, columns=long.columns)) == _records(long)


def test_every_row_carries_its_seed_and_replays(surge: escsim.Scenario) -> None:
    sim = escsim.simulate(surge, runs=12, seed=42)
    runs = sim.runs
    assert list(runs.replication) == list(range(12))
    assert list(runs.seed) == [replication_seed(42, r) for r in range(12)]
    assert (runs.param_hash == surge.param_hash).all()
    for row in runs.itertuples(index=False):
        table = escsim.trace(surge, seed=int(row.seed))
        replay = table.attrs["row"]
        assert {c: replay[c] for c in COUNTS} == {c: getattr(row, c) for c in COUNTS}
        n_attacks = table.action.str.startswith("attack (") & (table.actor != "iran")
        assert n_attacks.sum() == row.attacks


@pytest.mark.slow
def test_cli_jobs_1_and_jobs_2_write_identical_runs_csv(cli, tmp_path: Path) -> None:
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        result = cli("run", "surge-2023", "--runs", "20", "--seed", "11", "--jobs", jobs,
                     "--no-plots", "--out", out)
        assert result.exit_code == 0, result.output
        outputs.append(out)
    one, two = ((o / "runs.csv").read_bytes() for o in outputs)
    assert one == two
    assert (outputs[0] / "daily.csv").read_bytes() == (outputs[1] / "daily.csv").read_bytes()
    runs = pd.read_csv(outputs[0] / "runs.csv")
    assert list(runs.seed) == [replication_seed(11, r) for r in range(20)]
    # the seed in the file replays the row (the CSV round-trip keeps the 63-bit seeds exact)
    row = runs.iloc[7]
    replay = run_replication(escsim.load_scenario("surge-2023"), int(row.seed)).row
    assert {c: replay[c] for c in COUNTS} == {c: int(row[c]) for c in COUNTS}


def test_a_world_copied_mid_run_carries_on_as_the_original(surge: escsim.Scenario) -> None:
    """The model's state is explicit (actors, the environment's queue of plain callbacks, each
    stream's key and position): ``copy.deepcopy`` of a world mid-run is a snapshot that runs on
    to the same record as the original and as an uninterrupted replication, sharing nothing
    (the original runs first, then the copy)."""
    for seed in (1, 2):
        world = World(surge, Streams(seed))
        world.env.run(until=30)
        snapshot = copy.deepcopy(world)
        world.run()
        snapshot.run()
        original, copied = record_of(world, seed), record_of(snapshot, seed)
        assert copied.row == original.row == run_replication(surge, seed).row
        for name, series in original.daily.items():
            np.testing.assert_array_equal(copied.daily[name], series)
