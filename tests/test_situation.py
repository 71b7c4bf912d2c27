"""The situation on a day from the record (escsim situation): it loads, it cannot look ahead,
and the hand-written baseline-2024-11 is the situation of 11 Nov 2024 plus stated assumptions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import escsim
from escsim.errors import InputError
from escsim.forecast.situation import situation, situation_toml
from escsim.record.schema import EVENT_COLUMNS
from tests.test_record import _event, _record


def _load(tree: dict, tmp_path: Path, name: str = "situation.toml") -> Any:
    path = tmp_path / name
    path.write_text(situation_toml(tree), encoding="utf-8")
    return escsim.load_scenario(path)


def _flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): obj}


#: What baseline-2024-11 states by hand beyond the record's situation of 11 Nov 2024, each a
#: stated assumption of its file: the horizon of a year, the Syria-based groups back from the
#: pause (answered by the day-0 round), and the events ahead (an Iranian reply to Israel, the
#: hazards of strikes on Iran and of a Gaza ceasefire), which the record cannot give.
HAND_ASSUMPTIONS = ("scenario.horizon_days", "initial_state.returned_from_pause",
                    "events.iran_israel_exchange", "events.israeli_strikes_on_iran",
                    "events.us_strike_on_iran", "events.ceasefire_prospect")


def test_situation_of_the_seed_date_is_the_baseline_without_its_hand_assumptions(
        tmp_path: Path) -> None:
    built = _flat(_load(situation("2024-11-11", 90), tmp_path))
    base = _flat(escsim.load_scenario("baseline-2024-11"))
    # the day-0 round carries another name; set it beside the baseline's under its name
    ours = {k.replace("events.round_20241111_us_strikes_syria", "events.us_strikes_2024_11_11"): v
            for k, v in built.items()}
    skip = ("scenario.name", "scenario.description", "provenance", "param_hash", "source")
    differ = sorted(k for k in set(ours) | set(base)
                    if not k.startswith(skip) and ours.get(k) != base.get(k))
    print("keys that differ (situation 2024-11-11 vs baseline-2024-11):")
    for k in differ:
        print(f"  {k}: {ours.get(k)!r} -> {base.get(k)!r}")
    assert differ, "the baseline adds assumptions to the record's situation"
    assert all(k.startswith(HAND_ASSUMPTIONS) for k in differ), differ
    for k in ("scenario.initial_regime", "iran.initial_posture", "sites.syria.troops",
              "sites.iraq.troops", "events.us_strikes_2024_11_11.targets"):
        assert ours[k] == base[k], k
    assert set(base["initial_state.returned_from_pause"]) - set(
        ours["initial_state.returned_from_pause"]) == {"syria_groups"}


def _fake(tmp_path: Path, later: list[dict[str, str]]) -> Path:
    rows = [
        _event("R-20231020-ASAD", "2023-10-20"),
        _event("R-20240130-KH-PAUSE", "2024-01-30", kind="announcement", subkind="pause_start",
               country="iraq"),
        _event("R-20240301-STRIKE", "2024-03-01", kind="us_strike", subkind="facilities",
               country="iraq", targets_struck=3, killed_low=2),
        *later,
    ]
    return _record(tmp_path, rows)


LATER = [
    _event("R-20240310-PAUSE-END", "2024-03-10", kind="announcement", subkind="pause_end",
           country="iraq"),
    _event("R-20240311-CEASEFIRE", "2024-03-11", kind="announcement",
           subkind="ceasefire_start", country="israel", place="Gaza"),
    _event("R-20240312-STRIKE", "2024-03-12", kind="us_strike", subkind="leadership",
           country="syria", targets_struck=1),
]


def test_no_row_after_the_day_changes_the_situation(tmp_path: Path) -> None:
    without = situation("2024-03-05", record_folder=_fake(tmp_path / "a", []))
    with_later = situation("2024-03-05", record_folder=_fake(tmp_path / "b", LATER))
    assert situation_toml(without) == situation_toml(with_later)
    s = _load(with_later, tmp_path)
    assert s.iran.initial_posture == "restraining"
    assert s.initial_state.returned_from_pause == ()
    assert s.scenario.initial_regime == "gaza_war"
    assert [e.date for e in s.events.values()] == [dt.date(2024, 3, 1)]


def test_rows_up_to_the_day_set_the_situation(tmp_path: Path) -> None:
    tree = situation("2024-03-12", record_folder=_fake(tmp_path, LATER))
    s = _load(tree, tmp_path)
    assert s.scenario.initial_regime == "ceasefire"
    assert s.initial_state.returned_from_pause == ("iraq_factions",)
    assert sorted(e.target_kind for e in s.events.values()) == ["leadership", "militia_site"]
    text = situation_toml(tree)
    for rid in ("R-20240130-KH-PAUSE", "R-20240310-PAUSE-END", "R-20240311-CEASEFIRE"):
        assert rid in text
    # a day known only through the eve: the day's own rows are not read
    eve = situation("2024-03-12", record_folder=_fake(tmp_path / "c", LATER),
                    known_through="2024-03-11")
    assert "R-20240312-STRIKE" not in situation_toml(eve)


def test_every_value_cites_a_fact_or_a_reason() -> None:
    text = situation_toml(situation("2024-02-15"))
    for line in text.splitlines():
        if "value =" in line:
            assert "fact =" in line or "assumption =" in line, line
    assert len(EVENT_COLUMNS) > 0


@pytest.mark.parametrize("day", ["2024-13-01", "2019-01-01", "2030-01-01"])
def test_bad_days_are_input_errors(day: str) -> None:
    with pytest.raises(InputError):
        situation(day)


def test_cli_prints_a_loadable_scenario_and_refuses_bad_dates(cli, tmp_path: Path) -> None:
    ok = cli("situation", "2020-03-01", "--horizon", "30")
    assert ok.exit_code == 0, ok.output
    path = tmp_path / "s.toml"
    path.write_text(ok.stdout, encoding="utf-8")
    s = escsim.load_scenario(path)
    assert s.scenario.start_date == dt.date(2020, 3, 1) and s.scenario.horizon_days == 30
    assert s.sites["iraq"].troops == 5200
    bad = cli("situation", "not-a-date")
    assert bad.exit_code == 2


def _regime_events(s: Any) -> dict[str, tuple[dt.date, str]]:
    return {k: (e.date, e.regime) for k, e in s.events.items() if e.kind == "regime"}


@pytest.mark.parametrize(("day", "regime", "ahead"), [
    # the truce began on 24 Nov for four days: the situation of the 25th knows its announced
    # end (28 Nov) and nothing of the extensions announced on 27 and 30 Nov
    ("2023-11-25", "truce", {"truce_ends_20231128": (dt.date(2023, 11, 28), "gaza_war")}),
    ("2023-11-28", "truce", {"truce_ends_20231130": (dt.date(2023, 11, 30), "gaza_war")}),
    ("2023-11-30", "truce", {"truce_ends_20231201": (dt.date(2023, 12, 1), "gaza_war")}),
    ("2023-12-02", "gaza_war", {}),
])
def test_an_announced_end_is_a_known_event_ahead_and_no_later_announcement_is(
        tmp_path: Path, day: str, regime: str, ahead: dict) -> None:
    tree = situation(day)
    s = _load(tree, tmp_path)
    assert s.scenario.initial_regime == regime
    assert _regime_events(s) == ahead
    text = situation_toml(tree)
    later = {"2023-11-25": ("R-20231127-TRUCE-EXT", "R-20231130-TRUCE-EXT"),
             "2023-11-28": ("R-20231130-TRUCE-EXT",)}.get(day, ())
    assert not any(rid in text for rid in later)


def test_an_announced_end_already_passed_without_extension_ends_the_truce(tmp_path: Path) -> None:
    rows = [_event("R-20231124-TRUCE", "2023-11-24", kind="announcement",
                   subkind="truce_start", country="other", place="Gaza",
                   announced_end="2023-11-28")]
    s = _load(situation("2023-11-29", record_folder=_fake(tmp_path / "r", rows)), tmp_path)
    assert s.scenario.initial_regime == "gaza_war"
    assert _regime_events(s) == {}
