"""Replay a row of a result folder: its resolved scenario and seed, read back from the folder.

``escsim trace DIR --replication K`` replays replication K of a run folder (or of point P of a
sweep folder) from what the folder itself keeps -- the resolved ``scenario.toml``, the row's
``seed`` in ``runs.csv`` and, for a row drawn with ``--parameter-uncertainty``, the priors (and
posterior) under ``parameters/`` -- and checks that the replay reproduces the row, drawn
parameters included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from escsim.errors import InputError
from escsim.paths import SAFE_NAME_RULE, is_safe_name
from escsim.records import DRAWN_PREFIX
from escsim.results import runs_table
from escsim.results.files import check_csv_table, inside_folder, read_json_input
from escsim.results.provenance import SCENARIO_TOML, SCENARIOS_DIR
from escsim.scenario.loader import load_scenario
from escsim.scenario.priors import PartialSampler, make_sampler
from escsim.scenario.schema import Scenario

#: The run table's file names (``runs.csv``, or ``runs.parquet`` with ``--format parquet``).
RUNS_FILES = (runs_table.RUNS_CSV, runs_table.RUNS_PARQUET)

MANIFEST = "manifest.json"
#: Columns a replay does not compare (they say where the row sits, not what happened).
_PLACE = {"scenario", "param_hash", "point", "replication", "seed"}


@dataclass(frozen=True)
class Replay:
    """What replays a stored row: the scenario (with the row's drawn parameters in place), the
    seed, the stored row, and the values drawn again (``drawn_*`` columns; empty without
    parameter uncertainty) to check against the row with the replayed counts."""

    scenario: Scenario
    seed: int
    row: dict[str, Any]
    drawn: dict[str, float] = field(default_factory=dict)


def replay_input(folder: Path, replication: int, point: int = 0) -> Replay:
    """The scenario, seed and stored row of replication ``replication`` (of ``point``).

    A row drawn with ``--parameter-uncertainty`` gets its parameters drawn again, exactly as
    the run drew them: from the priors (and posterior) the folder keeps under ``parameters/``,
    checked against the manifest's content hash, with the stream of the row's seed, without
    the keys the sweep set at the point.

    Raises:
        InputError: not a result folder, no such row, a resolved scenario that does not match
            the row, or a drawn row whose sources the folder does not keep (or keeps altered).
    """
    folder = Path(folder)
    runs_path = runs_table.runs_path(folder)
    if not runs_path.is_file():
        inside = sorted({p.parent.relative_to(folder).as_posix()
                         for pattern in ("*/runs.*", "*/simulation/runs.*")
                         for p in folder.glob(pattern) if p.name in RUNS_FILES})
        if inside:  # a comparison, a backtest or an eras folder: its runs are below it
            raise InputError("the runs of this folder are in its subfolders", file=str(folder),
                             expected="one of them: " + ", ".join(
                                 str(folder / name) for name in inside))
        raise InputError("not a result folder (no runs.csv)", file=str(folder),
                         expected="a folder written by escsim run or escsim sweep")
    runs = _read_checked(runs_path, {"replication": "int64", "point": "int64", "seed": "int64",
                                     "scenario": "str", "param_hash": "str"})
    pick = runs[(runs["replication"] == replication) & (runs["point"] == point)]
    if pick.empty:
        raise InputError("no such replication in runs.csv", file=str(runs_path),
                         key="--replication" if point == 0 else "--replication/--point",
                         value=replication if point == 0 else (replication, point),
                         expected=f"a replication in 0..{int(runs['replication'].max())}"
                                  f" and a point in 0..{int(runs['point'].max())}")
    row = {k: (None if isinstance(v, float) and math.isnan(v) else v)
           for k, v in pick.iloc[0].to_dict().items()}
    manifest = read_json_input(folder / MANIFEST, "the result folder's manifest",
                               "manifest.json as escsim wrote it") \
        if (folder / MANIFEST).is_file() else {}
    if not isinstance(manifest, dict):
        raise InputError("manifest.json is not a JSON object", file=str(folder / MANIFEST),
                         expected="manifest.json as escsim wrote it")
    if not is_safe_name(str(row["scenario"])):  # it names a file of the folder: never a path
        raise InputError("a scenario name in runs.csv is not a name", file=str(runs_path),
                         key="scenario", value=str(row["scenario"]), expected=SAFE_NAME_RULE)
    try:
        scenario = _scenario_of(folder, manifest, str(row["scenario"]), point)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"the folder's manifest or points.csv is not as escsim wrote it "
                         f"({type(exc).__name__}: {exc})", file=str(folder),
                         expected="a result folder as escsim wrote it") from None
    if scenario.param_hash != row["param_hash"]:
        raise InputError("the folder's resolved scenario does not match the row",
                         file=str(folder), value=scenario.param_hash,
                         expected=f"parameter hash {row['param_hash']} of runs.csv")
    seed = int(str(row["seed"]))
    if not any(k.startswith(DRAWN_PREFIX) and v is not None for k, v in row.items()):
        return Replay(scenario, seed, row)
    try:
        draws = _draws_of(folder, manifest, str(row["scenario"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"the folder's manifest is not as escsim wrote it "
                         f"({type(exc).__name__}: {exc})", file=str(folder / MANIFEST),
                         expected="a result folder as escsim wrote it") from None
    drawn_scenario, drawn = draws.scenario_for(scenario, seed)
    return Replay(drawn_scenario, seed, row, drawn)


def _draws_of(folder: Path, manifest: dict[str, Any], name: str) -> PartialSampler:
    """The draws of scenario ``name``'s rows, rebuilt from the copies the folder keeps."""
    block = manifest.get("parameter_uncertainty") or {}
    entry = next((e for e in block.get("scenarios", []) if e.get("scenario") == name), None)
    if entry is None or not entry.get("kept"):
        raise InputError("this row drew its parameters (--parameter-uncertainty) but the folder "
                         "keeps no copy of the priors they were drawn from (written by an older "
                         "escsim, or by write_simulation?)", file=str(folder / MANIFEST),
                         key=f"parameter_uncertainty of {name}",
                         expected="parameter_uncertainty.scenarios[].kept naming the files "
                                  "under parameters/")
    kept = entry["kept"]
    base = load_scenario(_resolved_path(folder, name))  # what the priors were checked against
    mode = str(block.get("mode"))
    sampler = make_sampler(base, mode, inside_folder(folder, kept["priors"], "the kept priors"),
                           inside_folder(folder, kept["posterior"], "the kept posterior")
                           if mode == "posterior" else None)
    assert sampler is not None  # mode is prior or posterior when rows drew parameters
    if sampler.content_hash() != entry.get("content_sha256"):
        raise InputError("the kept priors or posterior differ from those the rows were drawn "
                         "from", file=str(folder / kept.get("posterior", kept["priors"])),
                         value=sampler.content_hash(),
                         expected=f"content hash {entry.get('content_sha256')} of "
                                  f"{MANIFEST}")
    fixed = {k for keys in entry.get("fixed_by_sweep", {}).values() for k in keys}
    draws, _ = sampler.without(fixed)
    if draws is None:
        raise InputError("the manifest says the sweep fixed every uncertain parameter, yet the "
                         "row has drawn values", file=str(folder / MANIFEST),
                         key=f"parameter_uncertainty of {name}",
                         expected="a manifest escsim wrote for this runs.csv")
    return draws


def _read_checked(path: Path, types: dict[str, str], more: list[str] | None = None
                  ) -> pd.DataFrame:
    """A table of the folder, checked (columns, whole rows, types): a damaged one is an
    InputError naming it."""
    if path.suffix != ".parquet":  # a Parquet file checks its own structure when read
        check_csv_table(path, [*types, *(more or [])])
    try:
        text = {k: v for k, v in types.items() if v == "str"}
        table = runs_table.read_runs_file(path).astype(text) if path.suffix == ".parquet" \
            else pd.read_csv(path, dtype=text)
        for column, kind in types.items():
            if kind == "int64":
                table[column] = table[column].astype("int64")
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"a column does not hold what escsim writes ({type(exc).__name__}: "
                         f"{str(exc)[:160]})", file=str(path),
                         expected="a CSV table as escsim wrote it (whole numbers in "
                                  + ", ".join(k for k, v in types.items() if v == "int64")
                                  + ")") from None
    return table


def _resolved_path(folder: Path, name: str) -> Path:
    single = inside_folder(folder, SCENARIO_TOML, "the resolved scenario")
    path = single if single.is_file() else \
        inside_folder(folder, f"{SCENARIOS_DIR}/{name}.toml", "a resolved scenario")
    if not path.is_file():
        raise InputError("the folder keeps no resolved scenario (written by an older escsim?)",
                         file=str(path), expected="scenario.toml beside runs.csv")
    return path


def _scenario_of(folder: Path, manifest: dict[str, Any], name: str, point: int) -> Scenario:
    """The scenario of a point: the folder's resolved scenario with the point's swept values;
    where a swept value reloaded the scenario (a policy preset), the resolved file of that
    base (``reloaded_bases`` of the manifest) with the point's other values."""
    keys = list(manifest.get("design", {}).get("keys", []))
    if not keys:
        return load_scenario(_resolved_path(folder, name))
    points = _read_checked(folder / "points.csv", {"point": "int64"}, list(keys))
    found = points[points["point"] == point]
    if found.empty:
        raise InputError("the row's point is not in points.csv", file=str(folder / "points.csv"),
                         key="point", value=point,
                         expected=f"one of {', '.join(str(p) for p in points['point'])}")
    row = found.iloc[0]
    values = {k: _plain(row[k]) for k in keys}
    for entry in manifest.get("reloaded_bases", []):
        if entry.get("scenario") == name and all(
                k in values and values[k] == v for k, v in entry.get("values", {}).items()):
            rest = {k: v for k, v in values.items() if k not in entry["values"]}
            return load_scenario(inside_folder(folder, entry["resolved"],
                                               "a reloaded scenario"), rest)
    return load_scenario(_resolved_path(folder, name), values)


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
