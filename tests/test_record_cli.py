"""`escsim record` and its application: list and filter the record, monthly series, the days
around each US round, tallies, and a record folder (tables, figure, manifest) that `escsim plot`
and `escsim report` know by its kind."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import escsim
from escsim.apps import record as record_app
from escsim.record import SEED_DATE
from escsim.results.kinds import folder_kind


def test_lists_and_filters_by_date_country_and_kind(cli) -> None:
    result = cli("record", "--from", "2024-01-28", "--to", "2024-01-28", "--country", "jordan",
                 "--kind", "militia_attack")
    assert result.exit_code == 0, result.output
    assert "Tower 22" in result.stdout
    assert "1 events (1 dated attacks on US forces)" in result.stdout


def test_group_filter_matches_actor_or_target() -> None:
    result = record_app(group="kataib hezbollah", kinds=["us_strike"], limit=None)
    events = result.value.events
    assert len(events) > 0
    names = (events["actor"].fillna("") + events["target"].fillna("")).str.lower()
    assert names.str.contains("kataib hezbollah").all()


def test_monthly_series_sums_to_the_dated_attacks(cli) -> None:
    result = cli("record", "--monthly", "--from", "2023-10-17", "--to", "2024-02-04")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()[1:] if line[:4].isdigit()]
    total = sum(int(r[-1]) for r in rows)
    dated = escsim.read_record().attacks()
    window = dated[dated["date"].between("2023-10-17", "2024-02-04")]
    assert total == int(window["count"].sum())
    assert [r[0] for r in rows] == ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02"]


def test_as_of_sees_nothing_after_the_date() -> None:
    result = record_app(as_of=str(SEED_DATE), limit=None)
    assert result.value.events["date"].max() <= pd.Timestamp(SEED_DATE)
    assert f"as of {SEED_DATE}" in result.lines[-1]


def test_around_rounds_and_tallies_print_tables(cli) -> None:
    rounds = cli("record", "--around-rounds", "7", "--from", "2024-01-01", "--to", "2024-02-10")
    assert rounds.exit_code == 0 and "attacks_7d_after" in rounds.stdout
    tallies = cli("record", "--tallies", "--from", "2024-02-13", "--to", "2024-02-13")
    assert tallies.exit_code == 0 and "Pentagon" in tallies.stdout and "gap" in tallies.stdout


def test_plot_writes_a_record_folder_that_plot_and_report_know(cli, tmp_path: Path) -> None:
    out = tmp_path / "rec"
    result = cli("record", "--from", "2023-10-01", "--to", "2024-03-31", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    events = pd.read_csv(out / "events.csv")
    assert len(events) == summary["events"]
    assert set(pd.read_csv(out / "sources.csv")["event_id"]) <= set(events["id"])
    assert (out / "plots" / "record.png").stat().st_size > 10_000
    assert folder_kind(out).name == "record"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "record" and manifest["versions"]
    (out / "plots" / "record.png").unlink()
    assert cli("plot", out).exit_code == 0 and (out / "plots" / "record.png").is_file()
    assert cli("report", out).exit_code == 0 and (out / "report.html").is_file()


def test_bad_input_is_exit_2_naming_the_option(cli, tmp_path: Path) -> None:
    for args, key in ((("--kind", "raid"), "--kind"), (("--country", "mars"), "--country"),
                      (("--from", "2024-02-30"), "--from"), (("--as-of", "soon"), "--as-of")):
        result = cli("record", *args)
        assert result.exit_code == 2, (args, result.output)
        assert key in result.stderr and "Traceback" not in result.output
    missing = cli("record", "--record", tmp_path / "none")
    assert missing.exit_code == 2 and "no record folder" in missing.stderr
    assert not any(tmp_path.iterdir())
