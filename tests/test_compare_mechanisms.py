"""Comparisons that know their assumptions: ratios beside differences, the comparison under
every alternative of each contested mechanism (from the registry), and the sign flips said."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escsim.analysis.paired import MECHANISM_COLUMNS, across_mechanisms


def _diff(d: float, lo: float, hi: float, measure: str = "rung_4_reached") -> pd.DataFrame:
    return pd.DataFrame([{"base": "b", "variant": "v", "measure": measure,
                          "base_estimate": 0.2, "variant_estimate": 0.2 + d,
                          "difference": d, "low": lo, "high": hi}])


def test_a_settled_reversal_is_a_flip_and_an_unsettled_one_is_not() -> None:
    t = across_mechanisms([("strike_effect", "backlash", True, _diff(0.02, 0.01, 0.03)),
                           ("strike_effect", "denial", False, _diff(-0.02, -0.03, -0.01)),
                           ("pause_rule", "context", True, _diff(0.02, 0.01, 0.03)),
                           ("pause_rule", "coin_flip", False, _diff(-0.001, -0.01, 0.01))])
    assert list(t.columns) == MECHANISM_COLUMNS
    assert t.set_index("alternative")["flips"].to_dict() == {
        "backlash": False, "denial": True, "context": False, "coin_flip": True}
    t = across_mechanisms([("pause_rule", "context", True, _diff(0.001, -0.01, 0.01)),
                           ("pause_rule", "coin_flip", False, _diff(-0.001, -0.01, 0.01))])
    assert not t["flips"].any()  # neither interval settles a sign
    assert np.isclose(t["ratio"].iloc[0], 0.201 / 0.2)


@pytest.fixture(scope="module")
def across(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from click.testing import CliRunner

    from escsim.cli import main

    out = tmp_path_factory.mktemp("mech") / "cmp"
    res = CliRunner().invoke(main, ["compare", "baseline-2024-11", "us-punitive", "--runs", "40",
                                    "--horizon", "90", "--jobs", "1", "--across-mechanisms",
                                    "--out", str(out)])
    assert res.exit_code == 0, (res.output, res.exception)
    return out, res.stdout


def test_across_mechanisms_runs_every_registered_alternative(across: tuple[Path, str]) -> None:
    from escsim.model.mechanisms import MECHANISMS

    out, printed = across
    t = pd.read_csv(out / "mechanisms.csv")
    assert list(t.columns) == MECHANISM_COLUMNS
    for key, alternatives in MECHANISMS.items():
        if len(alternatives) > 1:
            assert set(t.loc[t["mechanism"] == key, "alternative"]) == set(alternatives), key
    assert (t.groupby(["mechanism", "measure"])["default"].sum() == 1).all()
    assert "under each alternative of the contested mechanisms" in printed
    assert "strike_effect=denial" in printed and "ratio" in printed
    assert (out / "plots" / "mechanisms.png").is_file()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Under each alternative of the contested mechanisms" in page
    d = pd.read_csv(out / "differences.csv")
    assert "ratio" in d and np.allclose(
        d["ratio"], d["variant_estimate"] / d["base_estimate"].replace(0, np.nan),
        equal_nan=True)


def test_read_run_pools_a_comparisons_runs(across: tuple[Path, str]) -> None:
    import escsim

    folder = escsim.read_run(across[0])
    runs = folder.runs
    assert set(runs["scenario"]) == {"baseline-2024-11+90d", "us-punitive+90d"} or \
        set(runs["scenario"]) == {"baseline-2024-11", "us-punitive"}
    assert len(runs) == 80 and "comparison" in repr(folder)
