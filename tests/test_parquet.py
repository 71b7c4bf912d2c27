"""``--format parquet``: the run table as runs.parquet, the same columns and dtypes as the
runs.csv of the same command, resumable, read back by read_run, trace and the figures alike,
and refused with one clear line where pyarrow is missing.

The tests that write Parquet need pyarrow (the ``test`` extra installs it, so CI runs them);
only they skip without it. The refusal is tested everywhere, with pyarrow hidden.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import escsim
from escsim.apps.run import run as run_app
from escsim.apps.sweep import sweep as sweep_app
from escsim.sweep import run_sweep

needs_pyarrow = pytest.mark.skipif(
    __import__("importlib").util.find_spec("pyarrow") is None,
    reason="pyarrow is not installed (pip install -e '.[test]' installs it)")

SWEEP = {"scenarios": ["baseline-2024-11"], "vary": ("us_policy.preset=restraint,punitive",),
         "runs": 9, "seed": 5, "horizon": 90, "executor": "serial", "chunk_runs": 4,
         "plots": False, "report": False}


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same sweep written as CSV and as Parquet."""
    pytest.importorskip("pyarrow")
    root = tmp_path_factory.mktemp("parquet")
    sweep_app(**SWEEP, out=root / "csv")
    sweep_app(**SWEEP, out=root / "parquet", runs_format="parquet")
    return root / "csv", root / "parquet"


@needs_pyarrow
def test_parquet_holds_the_csv_rows_with_the_same_dtypes(pair: tuple[Path, Path]) -> None:
    import pyarrow.parquet as pq

    csv, parquet = pair
    assert not (parquet / "runs.csv").exists() and (parquet / "runs.parquet").is_file()
    from_csv = pd.read_csv(csv / "runs.csv")
    from_parquet = pd.read_parquet(parquet / "runs.parquet")
    pd.testing.assert_frame_equal(from_parquet, from_csv)  # values, order, dtypes
    schema = pq.read_schema(parquet / "runs.parquet")
    assert str(schema.field("seed").type) == "int64"  # an integer for R and Arrow too
    assert str(schema.field("scenario").type) == "string"
    assert any(str(f.type) == "double" for f in schema if f.name.startswith("day_rung_"))
    # the summary is built from the same rows
    pd.testing.assert_frame_equal(pd.read_csv(parquet / "summary.csv"),
                                  pd.read_csv(csv / "summary.csv"))
    described = json.loads((parquet / "columns.json").read_text())["tables"]
    assert [c["name"] for c in described["runs.parquet"]] == list(from_csv.columns)


@needs_pyarrow
def test_read_run_trace_and_figures_read_parquet(pair: tuple[Path, Path], cli,
                                                 tmp_path: Path) -> None:
    csv, parquet = pair
    back = escsim.read_run(parquet)
    assert back.kind == "sweep" and "runs.parquet" not in repr(back)
    pd.testing.assert_frame_equal(back.runs, escsim.read_run(csv).runs)
    pd.testing.assert_frame_equal(escsim.read_sweep(parquet).read_runs(["seed", "attacks"]),
                                  pd.read_csv(csv / "runs.csv", usecols=["seed", "attacks"]))
    res = cli("trace", parquet, "--replication", 2, "--point", 1, "--out", tmp_path / "t")
    assert res.exit_code == 0, res.output
    assert "every count identical" in res.output
    res = cli("discover", parquet, "--outcome", "attacks>=1")
    assert res.exit_code == 0, res.output


@needs_pyarrow
def test_a_parquet_run_resumes_to_the_same_table(interrupt_after, tmp_path: Path) -> None:
    from escsim.sweep.plan import plan_single

    scenario = escsim.load_scenario("baseline-2024-11", ["scenario.horizon_days=60"])
    plan = plan_single(scenario, 20, 3)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan, tmp_path / "cut", executor=interrupt_after(2), chunk_runs=5,
                  runs_format="parquet")
    assert not (tmp_path / "cut" / "runs.parquet").exists()
    run_sweep(plan, tmp_path / "cut", resume=True)  # the stored format is kept
    run_sweep(plan, tmp_path / "whole", chunk_runs=5)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cut" / "runs.parquet"),
                                  pd.read_csv(tmp_path / "whole" / "runs.csv"))


@needs_pyarrow
def test_a_parquet_comparison_reads_back_pooled(tmp_path: Path) -> None:
    run_app(["baseline-2024-11", "us-punitive"], runs=6, seed=2, horizon=60, executor="serial",
            out=tmp_path / "c", plots=False, report=True, runs_format="parquet")
    back = escsim.read_run(tmp_path / "c")
    assert back.kind == "comparison"
    assert back.runs["scenario"].value_counts().to_dict() == {"baseline-2024-11": 6,
                                                              "us-punitive": 6}
    assert (tmp_path / "c" / "report.html").is_file()


def test_parquet_without_pyarrow_is_one_clear_refusal(cli, cli_input_error,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    for command in (["run", "baseline-2024-11", "--runs", 3],
                    ["sweep", "baseline-2024-11", "--vary", "us_policy.preset=punitive",
                     "--runs", 2],
                    ["study", "doctrines", "--runs", 2]):
        out = tmp_path / str(command[0])
        line = cli_input_error(cli(*command, "--format", "parquet", "--executor", "serial",
                                   "--out", out), "--format", 'pip install "escsim[parquet]"')
        assert "pyarrow" in line
        assert not out.exists()  # refused before any work
