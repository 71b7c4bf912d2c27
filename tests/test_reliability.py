"""The roots of issue 12, one test per class, each written to fail on the code before the fix:
ladder conditions, threshold-0 rungs, empty files, ``extends``, names used as paths, dates,
manifests, request sizes, counters, Dask addresses, worker lifetimes, the output lock.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import escsim
from escsim.errors import InputError
from escsim.scenario.conditions import (
    MAX_CONDITION_CHARS,
    MAX_THRESHOLD,
    ConditionError,
    Term,
    parse_condition,
)

SURGE = 'extends = "surge-2023"\n'


# ---- 4. ladder conditions -------------------------------------------------------------------
def test_conditions_still_read_what_they_read() -> None:
    assert parse_condition("us_killed >= 1") == (Term("us_killed", 1),)
    assert parse_condition("iran_direct_attacks[60d] >= 2 and us_strikes_on_iran[ 7.5 d ]>=1") \
        == (Term("iran_direct_attacks", 2, 60.0), Term("us_strikes_on_iran", 1, 7.5))


@pytest.mark.parametrize("text,message", [
    ("attacks >= " + "9" * 5000, "too long"),                 # was: int-string limit traceback
    ("attacks" + " " * 200_000 + "x", "too long"),            # was: quadratic regex, no answer
    ("attacks >= " + "9" * 14, "number too long"),
    (f"attacks >= {MAX_THRESHOLD + 1}", "too large"),
    ("attacks >= 1" + " and attacks >= 1" * 16, "too many terms"),
    ("attacks[0d] >= 1", "window"),
    ("attacks[4000d] >= 1", "window"),
    ("attacks > 1", "cannot read term 'attacks > 1'"),
    ("attacks >= 1.5", "whole-number threshold"),
    ("attacks >= 1 or us_killed >= 1", "'and'"),
    ("nope >= 1", "unknown counter"),
    ("", "expected a counter"),
])
def test_bad_conditions_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ConditionError, match=message.replace("[", r"\[")):
        parse_condition(text)


def test_whitespace_runs_below_the_length_bound_are_read_in_one_pass() -> None:
    """Runs of whitespace between tokens (the quadratic case of the old regex) at the longest
    length accepted: the tokenizer skips them once."""
    pad = " " * ((MAX_CONDITION_CHARS - 20) // 2)
    assert parse_condition(f"attacks{pad}>={pad}3") == (Term("attacks", 3),)
    with pytest.raises(ConditionError):
        parse_condition("attacks" + " " * (MAX_CONDITION_CHARS - 10) + "x")


# ---- 14. threshold-0 rungs -------------------------------------------------------------------
def test_a_threshold_0_rung_is_reached_on_day_0(write_scenario) -> None:
    path = write_scenario("zero", SURGE + '[ladder.always]\nlevel = 9\ncondition = '
                                          '"us_strikes_on_iran >= 0 and attacks[5d] >= 0"\n')
    s = escsim.load_scenario(path)
    runs = escsim.simulate(s, runs=5, seed=1).runs
    assert (runs["day_rung_9"] == 0.0).all()
    assert (runs["max_rung"] == 9).all()


def test_a_threshold_0_rung_that_ends_the_run_ends_it_on_day_0(write_scenario) -> None:
    path = write_scenario("zero", SURGE + '[ladder.always]\nlevel = 9\ncondition = '
                                          '"attacks >= 0"\nends_run = true\n')
    runs = escsim.simulate(escsim.load_scenario(path), runs=3, seed=1).runs
    assert (runs["end_day"] == 0.0).all() and (runs["attacks"] == 0).all()


# ---- 5, 6. empty files and extends -----------------------------------------------------------
def _load_error(path: Path) -> InputError:
    with pytest.raises(InputError) as err:
        escsim.load_scenario(path)
    return err.value


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "  # indented\n\t\n"])
def test_empty_and_comment_only_files_are_refused(write_scenario, text: str) -> None:
    err = _load_error(write_scenario("blank", text))
    assert "empty scenario file" in err.message and err.file.endswith("blank.toml")


def test_extends_is_resolved_against_the_file_not_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "parent.toml").write_text(SURGE + "[scenario]\nhorizon_days = 40\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "child.toml").write_text('extends = "parent.toml"\n[scenario]\nname = "c"\n')
    monkeypatch.chdir(tmp_path)  # parent.toml is in the working folder, not beside the child
    err = _load_error(sub / "child.toml")
    assert err.key == "extends" and err.value == "parent.toml"
    (sub / "base").mkdir()
    (sub / "base" / "common.toml").write_text(SURGE + "[scenario]\nhorizon_days = 40\n")
    (sub / "child.toml").write_text('extends = "base/common.toml"\n[scenario]\nname = "c"\n')
    assert escsim.load_scenario(sub / "child.toml").scenario.horizon_days == 40


@pytest.mark.parametrize("ref,message", [
    ("/etc/hostname", "absolute"), ("../parent.toml", "leave the folder"),
    ("~/x.toml", "absolute"), ("notes.txt", "must name a .toml"),
])
def test_extends_is_limited_to_scenario_files_beside_or_below(write_scenario, ref: str,
                                                              message: str) -> None:
    err = _load_error(write_scenario("child", f'extends = "{ref}"\n'))
    assert err.key == "extends" and err.value == ref and message in err.message
    assert "(extends chain: " in err.message and "child.toml)" in err.message
    assert "bundled scenario name" in err.expected


def test_a_foreign_toml_in_the_chain_is_blamed_for_its_own_tables(write_scenario) -> None:
    write_scenario("foreign", '[tool.black]\nline-length = 99\n')
    err = _load_error(write_scenario("child", 'extends = "foreign.toml"\n'))
    assert err.file.endswith("foreign.toml") and err.key == "tool"
    assert "child.toml -> " in err.message and "foreign.toml" in err.message


# ---- 3, 8. names used as paths; dates the calendar cannot reach ------------------------------
@pytest.mark.parametrize("name", ["../escaped", "/abs", "a/b", "..", ".hidden", "a\\b", "",
                                  "x" * 65, "name with space"])
def test_scenario_names_must_be_safe_folder_names(name: str) -> None:
    with pytest.raises(InputError) as err:
        escsim.load_scenario("surge-2023", {"scenario.name": name})
    assert err.value.key == "scenario.name"


def test_every_bundled_scenario_name_is_a_safe_folder_name() -> None:
    from escsim.scenario import bundled_scenarios

    for ref in bundled_scenarios():
        assert escsim.load_scenario(ref).scenario.name == ref


def test_the_last_start_date_the_calendar_allows_runs() -> None:
    horizon = 30
    last = dt.date.max - dt.timedelta(days=horizon + 1)
    s = escsim.load_scenario("surge-2023", {"scenario.start_date": last,
                                            "scenario.horizon_days": horizon})
    escsim.trace(s, 1)  # dates of every event
    with pytest.raises(InputError, match="last calendar date") as err:
        escsim.load_scenario("surge-2023", {"scenario.start_date": last + dt.timedelta(days=1),
                                            "scenario.horizon_days": horizon})
    assert err.value.key == "scenario.start_date"


# ---- 7. manifests ----------------------------------------------------------------------------
@pytest.mark.parametrize("text,message", [
    ('{"spec": {', "truncated"), ("[]", "not a JSON object"), ("null", "not a JSON object"),
    ('{"spec": {}, "scenarios": [], "chunking": {"chunk_runs": "5"}}', "chunk_runs"),
    ('{"spec": {}, "scenarios": [{}], "chunking": {"chunk_runs": 5}}', "param_hash"),
    ('{"spec": {}, "scenarios": [], "chunking": {"chunk_runs": 5}}', "spec"),
    (b'\xff\xfe', "cannot read manifest"),
])
def test_a_damaged_manifest_is_an_input_error(tmp_path: Path, text: str | bytes,
                                              message: str) -> None:
    from escsim.sweep.run import read_manifest

    (tmp_path / "manifest.json").write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(InputError, match=message) as err:
        read_manifest(tmp_path)
    assert err.value.file.endswith("manifest.json")


def test_a_damaged_daily_tally_is_run_again(tmp_path: Path, surge) -> None:
    from escsim.simulation import run_to_folder
    from escsim.sweep.run import _RunningTally

    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "daily-tally.npz").write_bytes(b"PK\x03\x04 truncated")
    tally = _RunningTally(tmp_path)
    assert tally.tally is None and tally.chunks == set()
    run_to_folder(surge, tmp_path / "ok", runs=3, seed=1, plots=False)


# ---- 12. request sizes -----------------------------------------------------------------------
def test_request_sizes_are_checked_before_anything_is_allocated(monkeypatch) -> None:
    import escsim.sweep.plan as plan
    from escsim.sweep import SweepSpec, plan_sweep

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("points were built before the size check")

    monkeypatch.setattr(plan, "_design_points", never)
    for spec, key in (
            (SweepSpec(("surge-2023",), ("iran.retaliate_personnel_prob=0:1",), design="lhs",
                       samples=10**9), "--samples"),
            (SweepSpec(("surge-2023",), ("iran.retaliate_personnel_prob=0:1:1000",
                                         "iran.retaliate_territory_prob=0:1:1000")), "--vary"),
            (SweepSpec(("surge-2023",), ("iran.retaliate_personnel_prob=0:1:1000",),
                       runs=10**6), "--runs")):
        with pytest.raises(InputError) as err:
            plan_sweep(spec)
        assert err.value.key == key and ("split" in err.value.expected
                                         or "several" in err.value.expected)


def test_in_memory_runs_are_checked_against_free_memory(surge, monkeypatch) -> None:
    import escsim.simulation as simulation

    monkeypatch.setattr(simulation, "_available_memory", lambda: 10 * 2**20)
    with pytest.raises(InputError, match="escsim run") as err:
        simulation.simulate(surge, runs=10_000)
    assert err.value.key == "--runs"


# ---- 13. counters ----------------------------------------------------------------------------
def test_daily_counts_beyond_int32_are_exact() -> None:
    """The issue saw ``us_wounded = -2147483648`` in daily.csv: cumulative daily series were
    int32. Counts above 2^31 go through the tally and the bands exactly."""
    from escsim.analysis.daily import DailyTally
    from escsim.analysis.runs import daily_bands

    big = np.array([[2**31 - 5, 2**31 + 7, 2**33], [0, 2**40, 2**40 + 1]], dtype=np.int64)
    tally = DailyTally(3, ("us_wounded",))
    tally.add_many({"us_wounded": big})
    assert tally.bands().equals(daily_bands({"us_wounded": big}))
    assert (tally.bands()[["q05", "q50", "q95"]] >= 0).all().all()


def test_extreme_in_range_parameters_keep_every_table_consistent(tmp_path: Path) -> None:
    """Every attack a casualty event with the largest wounded count the schema allows, the
    highest base rate: runs.csv, daily.csv and summary.json agree and nothing wraps."""
    from escsim.simulation import run_to_folder

    extreme = {"scenario.horizon_days": 60, "scenario.name": "extreme"}
    s = escsim.load_scenario("surge-2023", extreme)
    for w in s.weapons:
        extreme.update({f"weapons.{w}.intercept_prob": 0.0, f"weapons.{w}.damage_prob": 1.0,
                        f"weapons.{w}.casualty_prob": 1.0, f"weapons.{w}.wounded_mean": 500.0,
                        f"weapons.{w}.wounded_dispersion": 0.01})
    for g in s.militias:
        extreme[f"militias.{g}.base_rate_per_day"] = 100.0
    s = escsim.load_scenario("surge-2023", extreme)
    run_to_folder(s, tmp_path / "x", runs=4, seed=2, plots=False)
    runs = pd.read_csv(tmp_path / "x" / "runs.csv")
    daily = pd.read_csv(tmp_path / "x" / "daily.csv")
    assert (runs["us_wounded"] > 10**4).all()
    assert (runs["us_casualties"] == runs["us_wounded"] + runs["us_killed"]).all()
    last = daily[daily["day"] == daily["day"].max()].set_index("series")
    assert last.loc["us_wounded", "mean"] == pytest.approx(runs["us_wounded"].mean(), rel=1e-12)
    assert (daily[["mean", "q05", "q50", "q95"]] >= 0).all().all()


# ---- 1. Dask addresses -----------------------------------------------------------------------
@pytest.mark.parametrize("address,expected", [
    ("10.0.0.5:8786", "tcp://10.0.0.5:8786"), ("tcp://h:1", "tcp://h:1"),
    ("tls://h.example:8786", "tls://h.example:8786"), ("tcp://[::1]:8786", "tcp://[::1]:8786")])
def test_scheduler_addresses_that_are_well_formed(address: str, expected: str) -> None:
    pytest.importorskip("distributed")
    from escsim.sweep.executors.dask import check_scheduler_address

    assert check_scheduler_address(address) == expected


@pytest.mark.parametrize("address", ["", "tcp://", "tcp://host", "tcp://host:0",
                                     "tcp://host:65536", "tcp://host:port", "udp://h:1",
                                     "tcp://a b:1", "tcp://user@h:1", "tcp://h:1/path"])
def test_malformed_scheduler_addresses(address: str) -> None:
    pytest.importorskip("distributed")
    from escsim.sweep.executors.dask import check_scheduler_address

    with pytest.raises(InputError) as err:
        check_scheduler_address(address)
    assert err.value.key == "--scheduler"


# ---- 9. workers die with their parent --------------------------------------------------------
def test_pool_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """A parent holding a pool is killed with SIGKILL (no clean-up runs): its workers end."""
    import psutil

    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        "from escsim.sweep.executors import ProcessExecutor\n"
        "ex = ProcessExecutor(2)\n"
        "list(ex.map_unordered(abs, [-1, -2, -3, -4]))\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n", encoding="utf-8")
    root = str(Path(__file__).resolve().parents[1])
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": root})
    assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
    workers = psutil.Process(parent.pid).children(recursive=True)
    assert len(workers) >= 2
    parent.kill()
    parent.wait()
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, "workers outlived their killed parent"


# ---- 11. the output lock ---------------------------------------------------------------------
def test_the_lock_is_exclusive_and_released_on_exit(tmp_path: Path) -> None:
    from escsim.results import OutputBusy, output_lock

    out = tmp_path / "out"
    with output_lock(out):
        with pytest.raises(OutputBusy), output_lock(out):
            pass
    with output_lock(out):  # released: taken again
        pass
    assert list(tmp_path.iterdir()) == []


def test_the_lock_of_a_killed_holder_is_free(tmp_path: Path) -> None:
    from escsim.results import output_lock

    out = tmp_path / "out"
    code = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); "
            "import time; time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / ".out.lock")],
                              stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    holder.kill()
    holder.wait()
    with output_lock(out):
        pass


def test_summary_json_is_still_valid_json(tmp_path: Path, surge) -> None:
    from escsim.simulation import run_to_folder

    run_to_folder(surge, tmp_path / "r", runs=3, seed=1, plots=False)
    s = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert not any(isinstance(v, float) and math.isnan(v) for v in s.values())
