"""The event-level record (seeds/record): it validates, observations are derived from it by code
and equal hand counts on small fixtures, the generated files are up to date, and what came after
the seed's date is kept apart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pytest

import escsim
from escsim.errors import InputError
from escsim.facts import Fact, bundled_facts
from escsim.record import SEED_DATE, check_folder, default_record_dir, read_record
from escsim.record.derive import (
    DEFINITIONS_FILE,
    around_rounds,
    derive,
    generated_files,
    load_definitions,
    tallies_beside_dated,
)
from escsim.record.schema import EVENT_COLUMNS, POST_SEED_MARK, SOURCE_COLUMNS

# ------------------------------------------------------------------------------ fixtures ---

def _event(id_: str, date: str, kind: str = "militia_attack", subkind: str = "base",
           country: str = "iraq", count: int = 1, **more: object) -> dict[str, str]:
    row = {c: "" for c in EVENT_COLUMNS}
    row.update(id=id_, date=date, kind=kind, subkind=subkind, country=country, count=str(count))
    row.update({k: str(v) for k, v in more.items()})
    return row


def _source(event_id: str, **more: str) -> dict[str, str]:
    row = {"event_id": event_id, "outlet": "Example Wire", "report_date": "",
           "url": "example.org/report", "confidence": "wire", "figures": "",
           "paraphrase": "A report of the event."}
    row.update(more)
    return row


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _record(tmp_path: Path, events: list[dict[str, str]], part: str = "test",
            sources: list[dict[str, str]] | None = None) -> Path:
    folder = tmp_path / "record"
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / f"events-{part}.csv", EVENT_COLUMNS, events)
    _write(folder / f"sources-{part}.csv", SOURCE_COLUMNS,
           [_source(e["id"]) for e in events] if sources is None else sources)
    return folder


#: A small history with hand-counted answers (see test_derived_observations_equal_hand_counts).
HISTORY = [
    _event("R-20231018-ASAD", "2023-10-18", count=2, weapon="drone"),
    _event("R-20231019-TANF", "2023-10-19", country="syria", weapon="drone", us_wounded=3),
    _event("R-20231019-ASAD", "2023-10-19", weapon="ballistic_missile", us_wounded=1),
    _event("R-20231020-CONVOY", "2023-10-20", subkind="convoy", weapon="ied", us_wounded=2),
    _event("R-20231021-OIL", "2023-10-21", subkind="other"),
    _event("R-20231026-ABUKAMAL", "2023-10-26", kind="us_strike", subkind="facilities",
           country="syria", targets_struck=2, killed_low=0, killed_high=4, weapon="aircraft"),
    _event("R-20231027-GUNSHIP", "2023-10-27", kind="us_strike", subkind="self_defense",
           killed_low=1, killed_high=1),
    _event("R-20231028-T22", "2023-10-28", country="jordan", weapon="drone", us_killed=3,
           us_wounded=30),
    _event("R-20231030-TALLY", "2023-10-30", kind="tally", subkind="attacks_on_us_forces",
           country="region", count=9, actor="Pentagon", window_start="2023-10-17"),
]


def _defs(tmp_path: Path, text: str) -> Path:
    path = tmp_path / DEFINITIONS_FILE
    path.write_text(text, encoding="utf-8")
    return path


def _obs(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in rows}


# ---------------------------------------------------------------------- the bundled record ---

def test_bundled_record_validates_and_is_sourced() -> None:
    assert check_folder(default_record_dir()) == []
    record = escsim.read_record()
    assert len(record.events) > 0
    assert set(record.events["id"]) <= set(record.sources["event_id"])
    assert record.sources["url"].notna().all()


def test_bundled_record_covers_every_year_from_2019_to_2025() -> None:
    years = set(escsim.read_record().attacks()["date"].dt.year)
    assert {2019, 2020, 2021, 2022, 2023, 2024, 2025} <= years


def test_post_seed_rows_live_only_in_post_seed_files() -> None:
    events = escsim.read_record().events
    late = events[events["date"] > pd.Timestamp(SEED_DATE)]
    assert len(late) > 0, "the record holds what came after the seed, for scoring"
    assert late["file"].str.contains(POST_SEED_MARK).all()
    early = events[events["date"] <= pd.Timestamp(SEED_DATE)]
    assert not early["file"].str.contains(POST_SEED_MARK).any()


def test_as_of_the_seed_date_sees_nothing_later() -> None:
    record = escsim.read_record(as_of=SEED_DATE)
    assert record.events["date"].max() <= pd.Timestamp(SEED_DATE)
    assert record.through == SEED_DATE
    assert set(record.sources["event_id"]) <= set(record.events["id"])
    assert record.pre_seed().events.equals(record.events)
    assert record.post_seed().empty


def test_scenarios_do_not_read_the_record() -> None:
    """Scenarios (the forecast's inputs) cite facts, never record rows: the post-seed record
    cannot leak into baseline-2024-11 through the scenario layer."""
    import escsim.scenario as scenario_pkg

    folder = Path(scenario_pkg.__file__).parent
    for path in folder.rglob("*.py"):
        assert not re.search(r"escsim\.record\b(?!s)", path.read_text(encoding="utf-8")), path


def test_generated_observations_are_up_to_date() -> None:
    folder = default_record_dir()
    texts = generated_files(read_record(folder), folder / DEFINITIONS_FILE, bundled_facts())
    for name, text in texts.items():
        committed = (folder.parent / name).read_text(encoding="utf-8")
        assert committed == text, f"seeds/{name} is stale: run python -m escsim.record derive"


def test_every_observation_states_its_definition_and_loads() -> None:
    observations = escsim.load_observations()
    assert observations
    for obs in observations:
        assert obs.definition, obs.id


# --------------------------------------------------------------------------- the validator ---

@pytest.mark.parametrize(("change", "column", "expected"), [
    ({"date": "2023-13-01"}, "date", "YYYY-MM-DD"),
    ({"date": "2018-01-01", "id": "R-20180101-X"}, "date", "from 2019-10-01"),
    ({"kind": "raid"}, "kind", "one of"),
    ({"subkind": "palace"}, "subkind", "for militia_attack"),
    ({"country": "lebanon"}, "country", "one or more of"),
    ({"country": "iraq;syria"}, "country", "one country"),
    ({"weapon": "slingshot"}, "weapon", "one of"),
    ({"outcome": "bad"}, "outcome", "one of"),
    ({"count": "-2"}, "count", "not negative"),
    ({"count": "0"}, "count", "at least 1"),
    ({"us_wounded": "2.5"}, "us_wounded", "whole number"),
    ({"id": "R-20231019-X"}, "id", "its date"),
    ({"id": "event-1"}, "id", "R-YYYYMMDD"),
    ({"killed_low": "5", "killed_high": "2"}, "killed_high", "at least killed_low"),
    ({"window_start": "2023-10-01"}, "window_start", "tallies only"),
    ({"country": ""}, "country", "required"),
    ({"announced_end": "2023-11-01"}, "announced_end", "only an announcement"),
    ({"kind": "announcement", "subkind": "truce_start", "announced_end": "2023-10-18"},
     "announced_end", "a day after"),
    ({"kind": "announcement", "subkind": "truce_start", "announced_end": "soon"},
     "announced_end", "YYYY-MM-DD"),
])
def test_validator_names_file_line_column_and_expectation(tmp_path: Path, change: dict,
                                                          column: str, expected: str) -> None:
    row = {**_event("R-20231018-ASAD", "2023-10-18"), **change}
    folder = _record(tmp_path, [row])
    problems = check_folder(folder)
    assert any(p.column == column and expected in p.expected and p.line == 2
               and p.file == "events-test.csv" for p in problems), problems


def test_validator_finds_duplicates_and_unsourced_events(tmp_path: Path) -> None:
    a = _event("R-20231018-ASAD", "2023-10-18")
    b = _event("R-20231019-TANF", "2023-10-19", country="syria")
    folder = _record(tmp_path, [a, a, b], sources=[_source(a["id"]), _source("R-20231020-NONE")])
    problems = check_folder(folder)
    assert any(p.column == "id" and "once" in p.expected for p in problems)
    assert any(p.value == "R-20231019-TANF" and "sources" in p.expected for p in problems)
    assert any(p.column == "event_id" and p.value == "R-20231020-NONE" for p in problems)


def test_validator_checks_sources(tmp_path: Path) -> None:
    a = _event("R-20231018-ASAD", "2023-10-18")
    folder = _record(tmp_path, [a], sources=[_source(a["id"], confidence="rumour", url="",
                                                     figures="wounded=3")])
    columns = {p.column for p in check_folder(folder)}
    assert {"confidence", "url", "figures"} <= columns


def test_validator_keeps_post_seed_rows_apart(tmp_path: Path) -> None:
    late = _event("R-20241215-RUMALAN", "2024-12-15", country="syria")
    problems = check_folder(_record(tmp_path, [late], part="2024"))
    assert any(p.column == "date" and POST_SEED_MARK in p.expected for p in problems)
    assert check_folder(_record(tmp_path / "b", [late], part=f"2024-{POST_SEED_MARK}")) == []


def test_validator_requires_the_header(tmp_path: Path) -> None:
    folder = tmp_path / "record"
    folder.mkdir()
    (folder / "events-x.csv").write_text("id,date\nR-20231018-A,2023-10-18\n")
    (folder / "sources-x.csv").write_text(",".join(SOURCE_COLUMNS) + "\n")
    assert [p.column for p in check_folder(folder)] == ["(header)"]


def test_read_record_refuses_an_invalid_record_naming_the_problem(tmp_path: Path) -> None:
    folder = _record(tmp_path, [_event("R-20231018-ASAD", "2023-10-18", kind="raid")])
    with pytest.raises(InputError) as err:
        read_record(folder)
    text = str(err.value)
    assert "events-test.csv:2" in text and "kind" in text and "raid" in text


def test_read_record_names_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no record folder"):
        read_record(tmp_path / "nowhere")


# ------------------------------------------------------------------ derived observations ---

DEFINITIONS = """
[[observation]]
id = "ATT"
kind = "count"
measure = "attacks"
window = [2023-10-17, 2023-10-31]
value = "floor"

[[observation]]
id = "ATT-OFFICIAL"
kind = "count"
measure = "attacks"
window = [2023-10-17, 2023-10-30]
value = "official"
official = "R-20231030-TALLY"

[[observation]]
id = "ATT-RANGE"
kind = "count"
measure = "attacks"
window = [2023-10-17, 2023-10-30]
value = "dated_to_official"
official = "R-20231030-TALLY"

[[observation]]
id = "ATT-FACT"
kind = "count"
measure = "attacks"
window = [2023-10-17, 2023-10-30]
value = "official"
official = "T-TALLY"

[[observation]]
id = "SYRIA"
kind = "count"
measure = "attacks_in_syria"
window = [2023-10-17, 2023-10-31]
value = "exact"

[[observation]]
id = "CRBM"
kind = "count"
measure = "attacks_weapon_crbm"
window = [2023-10-17, 2023-10-31]
value = "exact"

[[observation]]
id = "WOUNDED"
kind = "count"
measure = "us_wounded"
window = [2023-10-17, 2023-10-31]
value = "exact"

[[observation]]
id = "CASUALTIES"
kind = "count"
measure = "us_casualties"
window = [2023-10-17, 2023-10-31]
value = "exact"

[[observation]]
id = "WORST-DAY"
kind = "max_day"
measure = "us_wounded"
window = [2023-10-17, 2023-10-31]
value = "exact"

[[observation]]
id = "FIRST-DEATH"
kind = "first_date"
measure = "us_killed"
window = [2023-10-17, 2023-10-31]
value = "exact"

[[observation]]
id = "ROUNDS"
kind = "count"
measure = "us_strikes"
window = [2023-10-17, 2023-10-31]
value = "exact"
optional = ["self_defense"]

[[observation]]
id = "TARGETS"
kind = "count"
measure = "us_targets_struck"
window = [2023-10-17, 2023-10-31]
value = "floor"

[[observation]]
id = "KILLED-BY-US"
kind = "count"
measure = "militia_killed"
window = [2023-10-17, 2023-10-31]
value = "floor"
"""


def test_derived_observations_equal_hand_counts(tmp_path: Path) -> None:
    record = read_record(_record(tmp_path, HISTORY))
    facts = {"T-TALLY": Fact("T-TALLY", "attacks", "example.org", "A tally.", value=12)}
    rows, links = derive(record, load_definitions(_defs(tmp_path, DEFINITIONS)), facts)
    obs = _obs(rows)
    # bases and embassy only: 2 (Asad, one row of two) + Tanf + Asad missile + Tower 22 = 5;
    # the convoy and the oil field are not attacks on US forces
    assert (obs["ATT"]["low"], obs["ATT"]["high"], obs["ATT"]["dated"]) == ("5", "", "5")
    assert obs["ATT-OFFICIAL"]["value"] == "9" and obs["ATT-OFFICIAL"]["dated"] == "5"
    assert (obs["ATT-RANGE"]["low"], obs["ATT-RANGE"]["high"]) == ("5", "9")
    assert obs["ATT-FACT"]["value"] == "12" and "T-TALLY" in obs["ATT-FACT"]["fact"]
    assert obs["SYRIA"]["value"] == "1"
    assert obs["CRBM"]["value"] == "1"
    # wounded count convoys too (3 + 1 + 2 + 30), not the oil field
    assert obs["WOUNDED"]["value"] == "36"
    assert obs["CASUALTIES"]["value"] == "39"
    assert obs["WORST-DAY"]["value"] == "30"
    assert obs["FIRST-DEATH"]["value"] == "2023-10-28"
    # one certain round (facilities) and one that may or may not count (the gunship)
    assert (obs["ROUNDS"]["low"], obs["ROUNDS"]["high"]) == ("1", "2")
    assert obs["TARGETS"]["low"] == "2"
    assert obs["KILLED-BY-US"]["low"] == "1"   # lowest figures: 0 + 1
    behind = {(link["observation"], link["event_id"]) for link in links}
    assert ("ATT", "R-20231018-ASAD") in behind and ("ATT", "R-20231020-CONVOY") not in behind
    assert ("FIRST-DEATH", "R-20231028-T22") in behind


def test_derived_observations_load_as_observations(tmp_path: Path) -> None:
    from escsim.history.observations import load_observations
    from escsim.record.derive import HEADER, OBSERVATIONS_COLUMNS, render

    record = read_record(_record(tmp_path, HISTORY))
    rows, _ = derive(record, load_definitions(_defs(tmp_path, DEFINITIONS)),
                     {"T-TALLY": Fact("T-TALLY", "attacks", "x.org", "A tally.", value=12)})
    path = tmp_path / "observations.csv"
    path.write_text(render(rows, OBSERVATIONS_COLUMNS, HEADER), encoding="utf-8")
    facts = {**bundled_facts(), "T-TALLY": Fact("T-TALLY", "attacks", "x.org", "A.", value=12)}
    loaded = {o.id: o for o in load_observations(path, facts)}
    assert loaded["ATT"].low == 5 and loaded["ATT"].high == float("inf")
    assert loaded["FIRST-DEATH"].low == 11  # days after the window's start
    assert loaded["ROUNDS"].definition.startswith("exact")


@pytest.mark.parametrize(("text", "key"), [
    ('id = "X"\nkind = "count"\nmeasure = "atacks"\nwindow = [2023-10-17, 2023-10-31]\n'
     'value = "floor"', "measure"),
    ('id = "X"\nkind = "count"\nmeasure = "attacks"\nwindow = [2023-10-17]\nvalue = "floor"',
     "window"),
    ('id = "X"\nkind = "count"\nmeasure = "attacks"\nwindow = [2023-10-17, 2023-10-31]\n'
     'value = "official"', "official"),
    ('id = "X"\nkind = "mean"\nmeasure = "attacks"\nwindow = [2023-10-17, 2023-10-31]\n'
     'value = "floor"', "kind"),
])
def test_bad_definitions_name_the_entry(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(InputError) as err:
        load_definitions(_defs(tmp_path, "[[observation]]\n" + text))
    assert key in str(err.value) and "observation[0]" in str(err.value)


def test_monthly_attacks_fill_empty_months(tmp_path: Path) -> None:
    record = read_record(_record(tmp_path, HISTORY))
    table = record.monthly_attacks(start="2023-09-01", end="2023-11-30")
    wide = table.pivot(index="month", columns="country", values="attacks")
    assert list(wide.index.strftime("%Y-%m")) == ["2023-09", "2023-10", "2023-11"]
    assert wide.loc["2023-10-01"].to_dict() == {"iraq": 3, "jordan": 1, "syria": 1}
    assert wide.loc["2023-09-01"].sum() == 0 and wide.loc["2023-11-01"].sum() == 0


def test_around_rounds_counts_attacks_before_and_after(tmp_path: Path) -> None:
    record = read_record(_record(tmp_path, HISTORY))
    table = around_rounds(record, days=7).set_index("round")
    # 26 Oct: before = 19-25 Oct (Tanf, Asad missile; the 18th is 8 days before) = 2;
    # after = 27 Oct - 2 Nov: Tower 22 = 1
    assert table.loc["R-20231026-ABUKAMAL", "attacks_7d_before"] == 2
    assert table.loc["R-20231026-ABUKAMAL", "attacks_7d_after"] == 1


def test_tallies_beside_dated_show_the_gap(tmp_path: Path) -> None:
    record = read_record(_record(tmp_path, HISTORY))
    table = tallies_beside_dated(record)
    assert table[["tally", "dated", "gap"]].values.tolist() == [[9, 5, 4]]


def test_as_of_drops_later_rows_and_their_sources(tmp_path: Path) -> None:
    record = read_record(_record(tmp_path, HISTORY), as_of=dt.date(2023, 10, 19))
    assert set(record.events["id"]) == {"R-20231018-ASAD", "R-20231019-TANF", "R-20231019-ASAD"}
    assert set(record.sources["event_id"]) == set(record.events["id"])
    assert "as of 2023-10-19" in repr(record)


def test_read_record_is_public_and_returns_dataframes() -> None:
    record = escsim.read_record()
    assert isinstance(record.events, pd.DataFrame) and isinstance(record.sources, pd.DataFrame)
    assert pd.api.types.is_datetime64_any_dtype(record.events["date"])
    assert str(record.events["count"].dtype) == "Int64"
    _ = io  # keep the import list stable for helpers that extend these tests
