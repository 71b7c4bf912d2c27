"""Golden summaries under fixed seeds (after Ciw's tests): the exact output of 100 runs of
surge-2023 with root seed 1.

The golden file pins the random stream, not just the model's distributions: it must be
regenerated -- deliberately, with `python tests/golden/regenerate.py`, and a commit message saying
why the numbers moved -- whenever the model, the bundled defaults or the way random numbers are
drawn changes on purpose. A failure without such a change is a reproducibility bug.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def _regenerate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("golden_regenerate",
                                                  GOLDEN_DIR / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGENERATE = _regenerate_module()


@pytest.mark.parametrize("name", sorted(REGENERATE.GOLDEN))
def test_golden_summary(name: str) -> None:
    stored = json.loads((GOLDEN_DIR / name).read_text(encoding="utf-8"))
    scenario, runs, seed = REGENERATE.GOLDEN[name]
    fresh = REGENERATE.golden_summary(scenario, runs, seed)
    assert fresh["scenario_hash"] == stored["scenario_hash"], (
        f"{scenario}'s parameters changed; if that is deliberate, run "
        "tests/golden/regenerate.py and commit the new golden file")
    assert fresh.keys() == stored.keys()
    for key, value in stored.items():
        if key == "count_mean":
            assert fresh[key].keys() == value.keys()
            for count, mean in value.items():
                assert fresh[key][count] == pytest.approx(mean, rel=0, abs=1e-12), count
        else:
            assert fresh[key] == value, key


def test_golden_file_is_plausible() -> None:
    """The stored numbers are a summary of real runs (guards against a hand-edited file)."""
    stored = json.loads((GOLDEN_DIR / "surge-2023-seed1.json").read_text(encoding="utf-8"))
    probs = [stored["rung_probability"][str(k)] for k in range(1, 9)]
    assert probs[0] == 1.0  # every surge run sees an attack
    assert all(0 <= p <= 1 for p in probs)
    assert sum(stored["max_rung_counts"].values()) == stored["runs"] == 100
    assert stored["count_median"]["us_killed"] <= stored["count_median"]["us_casualties"]
