"""Replay a row of a result folder: its resolved scenario and seed, read back from the folder.

``escsim trace DIR --replication K`` replays replication K of a run folder (or of point P of a
sweep folder) from what the folder itself keeps -- the resolved ``scenario.toml`` and the row's
``seed`` in ``runs.csv`` -- and checks that the replay reproduces the row.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from escsim.errors import InputError
from escsim.records import DRAWN_PREFIX
from escsim.results.files import read_json
from escsim.results.provenance import SCENARIO_TOML, SCENARIOS_DIR
from escsim.scenario.loader import load_scenario
from escsim.scenario.schema import Scenario

#: Columns a replay does not compare (they say where the row sits, not what happened).
_PLACE = {"scenario", "param_hash", "point", "replication", "seed"}


def replay_input(folder: Path, replication: int, point: int = 0
                 ) -> tuple[Scenario, int, dict[str, Any]]:
    """The scenario, seed and stored row of replication ``replication`` (of ``point``).

    Raises:
        InputError: not a result folder, no such row, or a row drawn with parameter
            uncertainty (its drawn parameters are not in the resolved scenario).
    """
    folder = Path(folder)
    runs_path = folder / "runs.csv"
    if not runs_path.is_file():
        raise InputError("not a result folder (no runs.csv)", file=str(folder),
                         expected="a folder written by escsim run or escsim sweep")
    runs = pd.read_csv(runs_path, dtype={"seed": "int64"})
    pick = runs[(runs["replication"] == replication) & (runs["point"] == point)]
    if pick.empty:
        raise InputError("no such replication in runs.csv", file=str(runs_path),
                         key="--replication" if point == 0 else "--replication/--point",
                         value=replication if point == 0 else (replication, point),
                         expected=f"a replication in 0..{int(runs['replication'].max())}"
                                  f" and a point in 0..{int(runs['point'].max())}")
    row = {k: (None if isinstance(v, float) and math.isnan(v) else v)
           for k, v in pick.iloc[0].to_dict().items()}
    if any(k.startswith(DRAWN_PREFIX) for k in row):
        raise InputError("this row drew its parameters (--parameter-uncertainty); a replay "
                         "from the resolved scenario alone would not reproduce it",
                         file=str(runs_path), expected="a folder run without parameter "
                                                       "uncertainty")
    scenario = _scenario_of(folder, str(row["scenario"]), point)
    if scenario.param_hash != row["param_hash"]:
        raise InputError("the folder's resolved scenario does not match the row",
                         file=str(folder), value=scenario.param_hash,
                         expected=f"parameter hash {row['param_hash']} of runs.csv")
    return scenario, int(str(row["seed"])), row


def _scenario_of(folder: Path, name: str, point: int) -> Scenario:
    single = folder / SCENARIO_TOML
    path = single if single.is_file() else folder / SCENARIOS_DIR / f"{name}.toml"
    if not path.is_file():
        raise InputError("the folder keeps no resolved scenario (written by an older escsim?)",
                         file=str(path), expected="scenario.toml beside runs.csv")
    manifest = read_json(folder / "manifest.json") if (folder / "manifest.json").is_file() \
        else {}
    keys = list(manifest.get("design", {}).get("keys", []))
    if not keys:
        return load_scenario(path)
    points = pd.read_csv(folder / "points.csv")
    values = points[points["point"] == point].iloc[0]
    return load_scenario(path, {k: _plain(values[k]) for k in keys})


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def row_differences(stored: dict[str, Any], replayed: dict[str, Any]) -> dict[str, Any]:
    """The columns where a replayed row differs from the stored one: ``{col: (stored,
    replayed)}`` (counts exactly, days to the 4 decimals the table keeps)."""
    diff = {}
    for k, v in stored.items():
        if k in _PLACE or k not in replayed:
            continue
        r = replayed[k]
        if v is None or r is None:
            same = v is None and r is None
        elif isinstance(r, float) or isinstance(v, float):
            same = math.isclose(float(v), float(r), abs_tol=1e-9)
        else:
            same = v == r
        if not same:
            diff[k] = (v, r)
    return diff
