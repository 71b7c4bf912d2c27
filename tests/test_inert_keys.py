"""Keys that only some alternatives of a contested mechanism read (``acts_under`` in the schema):
the declaration is checked against the model, and a sweep that varies such a key where it is not
read says so before any run."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

from escsim import load_scenario, replication_seed, run_replication
from escsim.engine import RunRecord
from escsim.scenario import schema
from escsim.scenario.keys import inert_notes, inert_under, schema_patterns

#: Every declared key, with ``<group>`` filled in by a group of the bundled scenarios.
DECLARED = [p for p in schema_patterns(schema.Scenario) if p.meta.get("acts_under")]


def _key(pattern: str) -> str:
    return pattern.replace("<group>", "iraq_factions")


def _outcome(record: RunRecord) -> tuple[object, ...]:
    """What a run produced: its row (less the hash of the parameters) and its daily series."""
    row = {k: v for k, v in record.row.items() if k != "param_hash"}
    return (row, {k: v.tolist() for k, v in record.daily.items()})


def _two_values(meta: dict, tp: type) -> tuple[object, object]:
    if tp is bool:
        return "false", "true"
    if typing.get_origin(tp) is tuple:
        return "[]", '["iraq_factions"]'
    lo, hi = meta["lo"], meta["hi"]
    return lo, (lo + hi) / 2 if hi > 1 else hi


def test_the_declarations_name_real_alternatives_and_say_so_in_their_doc() -> None:
    assert len(DECLARED) >= 15
    for p in DECLARED:
        mechanism, alternatives = p.meta["acts_under"]
        assert set(alternatives) < set(schema.MECHANISM_CHOICES[mechanism]), p.pattern
        # the reference page shows the doc: it must name the alternative too
        assert any(a in p.meta["doc"] for a in alternatives), p.pattern


@pytest.mark.parametrize("scenario", ["baseline-2024-11", "pause-2024"])
@pytest.mark.parametrize("pattern", [p.pattern for p in DECLARED])
def test_a_key_declared_unread_changes_no_run(pattern: str, scenario: str) -> None:
    """Where the declaration says the model does not read a key, two far-apart values of it give
    identical runs from the same seeds (a wrong declaration, or a model that starts reading the
    key elsewhere, fails here)."""
    p = next(q for q in DECLARED if q.pattern == pattern)
    mechanism, alternatives = p.meta["acts_under"]
    other = next(a for a in schema.MECHANISM_CHOICES[mechanism] if a not in alternatives)
    key = _key(pattern)
    a, b = _two_values(dict(p.meta), p.type)
    rows = []
    for value in (a, b):
        s = load_scenario(scenario, [f"mechanisms.{mechanism}={other}", f"{key}={value}",
                                     "scenario.horizon_days=240"])
        assert inert_under(s, key) == (mechanism, tuple(alternatives), other)
        rows.append([_outcome(run_replication(s, replication_seed(5, r))) for r in range(6)])
    assert rows[0] == rows[1], f"{key} changed the runs under {mechanism}={other}"


def test_a_key_that_acts_is_not_reported() -> None:
    s = load_scenario("baseline-2024-11", ["mechanisms.pause_end=lapses"])
    assert inert_under(s, "iran.pause_mean_days") is None
    assert inert_under(s, "iran.pause_erosion_days") is not None
    assert inert_under(s, "militias.iraq_factions.base_rate_per_day") is None
    assert inert_notes([s], ["iran.pause_mean_days", "nonsense.key"]) == []


def test_notes_need_every_scenario_to_leave_the_key_unread() -> None:
    erodes = load_scenario("baseline-2024-11")
    lapses = load_scenario("baseline-2024-11", ["mechanisms.pause_end=lapses"])
    [note] = inert_notes([erodes], ["iran.pause_mean_days"])
    assert "mechanisms.pause_end = lapses" in note and "uses erodes" in note
    assert "--set mechanisms.pause_end=lapses" in note
    assert inert_notes([erodes, lapses], ["iran.pause_mean_days"]) == []
    # varying the mechanism too: some points read the key
    assert inert_notes([erodes], ["iran.pause_mean_days", "mechanisms.pause_end"]) == []


def _escsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "escsim.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_a_sweep_of_an_unread_key_warns_before_running(tmp_path: Path) -> None:
    res = _escsim("sweep", "baseline-2024-11", "--vary", "iran.pause_mean_days=90:1080:2",
                  "--runs", "2", "--no-plots", "--no-report", "-j", "1", "--out", "w",
                  cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    warning = res.stderr[res.stderr.index("escsim: warning:"):].split("\n\n")[0]
    assert "iran.pause_mean_days" in warning and "changes no run" in warning
    assert max(len(line) for line in res.stderr.splitlines()) <= 100
    quiet = _escsim("sweep", "baseline-2024-11", "--vary", "iran.pause_mean_days=90:1080:2",
                    "--set", "mechanisms.pause_end=lapses", "--runs", "2", "--no-plots",
                    "--no-report", "-j", "1", "--out", "q", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "warning" not in quiet.stderr


def test_the_python_api_warns_too(tmp_path: Path) -> None:
    from escsim.sweep import sweep

    with pytest.warns(UserWarning, match="iran.pause_weight_baghdad is read only under"):
        sweep("baseline-2024-11", vary=["iran.pause_weight_baghdad=0:1:2"], runs=1,
              out=tmp_path / "s", executor="serial",
              overrides=["mechanisms.pause_rule=coin_flip"])


def test_show_marks_the_values_the_model_does_not_read() -> None:
    from escsim.apps.inputs import show

    shown = show("baseline-2024-11", prefix="iran.pause_").lines
    assert any(line.startswith("iran.pause_mean_days = ") and "(not read: "
               "mechanisms.pause_end is erodes, not lapses)" in line for line in shown)
    assert not any(line.startswith("iran.pause_erosion_days") and "not read" in line
                   for line in shown)
    lapses = show("baseline-2024-11", ("mechanisms.pause_end=lapses",), "iran.pause_").json
    unread = {v["key"] for v in lapses["values"] if v["unread_under"]}
    assert "iran.pause_mean_days" not in unread and "iran.pause_erosion_days" in unread
