"""Hostile tables: every table ``plot``, ``report``, ``trace`` and ``read_run`` read back is
checked in one place (:func:`escsim.results.tables.read_table`): columns, types and lengths. A
mistyped, truncated or shortened table is an input error naming the file, the column and what
was expected (exit 2, one message, no traceback), never a traceback or a figure of nonsense."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from escsim.cli.main import main
from escsim.errors import InputError
from escsim.results.read import read_run
from escsim.results.tables import read_table


def _invoke(args: list[str]) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small run folder and a small sweep folder, copied by each test that damages one."""
    root = tmp_path_factory.mktemp("hostile-tables")
    run, sweep = root / "run", root / "sweep"
    done = _invoke(["run", "surge-2023", "-n", "4", "--horizon", "30", "--executor", "serial",
                    "--no-plots", "--no-report", "--out", str(run)])
    assert done.exit_code == 0, done.output
    done = _invoke(["sweep", "surge-2023", "--vary", "iran.retaliate_personnel_prob=0:1:2",
                    "--runs", "2", "--horizon", "20", "--executor", "serial", "--no-plots",
                    "--no-report", "--out", str(sweep)])
    assert done.exit_code == 0, done.output
    return {"run": run, "sweep": sweep}


def _set(path: Path, column: str, value: str, row: int = 0) -> None:
    """Write ``value`` into ``column`` of data row ``row`` (the rest of the file unchanged)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    fields = lines[1 + row].rstrip("\n").split(",")
    fields[header.index(column)] = value
    lines[1 + row] = ",".join(fields) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def _rename(path: Path, column: str) -> None:
    text = path.read_text(encoding="utf-8")
    header, _, rest = text.partition("\n")
    path.write_text(",".join("renamed" if c == column else c for c in header.split(","))
                    + "\n" + rest, encoding="utf-8")


def _drop_last_row(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")


# --------------------------------------------------------------------- run folders: plot ---
RUN_DAMAGE = {
    "a text day": ("runs.csv", lambda p: _set(p, "day_rung_1", "soon"), "day_rung_1"),
    "a text count": ("runs.csv", lambda p: _set(p, "attacks", "many"), "attacks"),
    "a text seed": ("runs.csv", lambda p: _set(p, "seed", "abc"), "seed"),
    "a fractional seed": ("runs.csv", lambda p: _set(p, "seed", "1.5"), "seed"),
    "an empty seed": ("runs.csv", lambda p: _set(p, "seed", ""), "seed"),
    "a text end day": ("runs.csv", lambda p: _set(p, "end_day", "never"), "end_day"),
    "a text max rung": ("runs.csv", lambda p: _set(p, "max_rung", "top", 1), "max_rung"),
    "a boolean count": ("runs.csv", lambda p: _set(p, "us_killed", "True"), "us_killed"),
    "a row fewer": ("runs.csv", _drop_last_row, "rows"),
    "daily text mean": ("daily.csv", lambda p: _set(p, "mean", "lots"), "mean"),
    "daily text day": ("daily.csv", lambda p: _set(p, "day", "monday"), "day"),
    "daily without series": ("daily.csv", lambda p: _rename(p, "series"), "series"),
    "daily header only": ("daily.csv", lambda p: p.write_text(
        p.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8"),
        "daily.csv"),
}


@pytest.mark.parametrize("damage", sorted(RUN_DAMAGE))
def test_plot_of_a_run_folder_with_a_mistyped_table_is_an_input_error(
        damage: str, copy: Callable[[str], Path], cli_input_error) -> None:
    folder = copy("run")
    name, spoil, what = RUN_DAMAGE[damage]
    spoil(folder / name)
    if damage == "a row fewer":
        # plot reads the table as it is; the Python reader checks its rows against the summary
        with pytest.raises(InputError, match="rows where the folder's summary says 4"):
            _ = read_run(folder).runs
        return
    line = cli_input_error(_invoke(["plot", str(folder)]), name, what)
    assert not (folder / "plots").exists() or not any((folder / "plots").iterdir())
    assert "Traceback" not in line


@pytest.mark.parametrize("damage", sorted(RUN_DAMAGE))
def test_read_run_checks_a_table_when_it_is_first_used(damage: str,
                                                       copy: Callable[[str], Path]) -> None:
    folder = copy("run")
    name, spoil, what = RUN_DAMAGE[damage]
    spoil(folder / name)
    result = read_run(folder)  # nothing read yet: a report from summary.json needs no table
    assert result.summary["runs"] == 4
    with pytest.raises(InputError) as caught:
        result.tables[name.removesuffix(".csv")]
    assert name in str(caught.value) and what in str(caught.value)


def test_report_of_a_run_reads_no_runs_table(copy: Callable[[str], Path]) -> None:
    folder = copy("run")
    result = read_run(folder)
    from escsim.results.report import report_html

    report_html(result)
    assert "runs" in result.tables and "runs" not in result.tables._read  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- sweep folders ---
SWEEP_DAMAGE = {
    "points text index": ("points.csv", lambda p: _set(p, "point", "first"), "point"),
    "points fractional index": ("points.csv", lambda p: _set(p, "point", "0.5"), "point"),
    "points text horizon": ("points.csv", lambda p: _set(p, "horizon_days", "a month"),
                            "horizon_days"),
    "summary text probability": ("summary.csv", lambda p: _set(p, "p_rung_1", "likely"),
                                 "p_rung_1"),
    "summary text runs": ("summary.csv", lambda p: _set(p, "runs", "two"), "runs"),
    "summary without point": ("summary.csv", lambda p: _rename(p, "point"), "point"),
    "summary header only": ("summary.csv", lambda p: p.write_text(
        p.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8"),
        "summary.csv"),
    "runs text count": ("runs.csv", lambda p: _set(p, "attacks", "x"), "attacks"),
    "runs text seed": ("runs.csv", lambda p: _set(p, "seed", "s33d"), "seed"),
}


@pytest.mark.parametrize("damage", sorted(SWEEP_DAMAGE))
def test_plot_of_a_sweep_folder_with_a_mistyped_table_is_an_input_error(
        damage: str, copy: Callable[[str], Path], cli_input_error) -> None:
    folder = copy("sweep")
    name, spoil, what = SWEEP_DAMAGE[damage]
    spoil(folder / name)
    cli_input_error(_invoke(["plot", str(folder)]), name, what)


@pytest.mark.parametrize("damage", ["summary without point", "summary text probability",
                                    "summary header only"])
def test_report_of_a_sweep_folder_with_a_mistyped_table_is_an_input_error(
        damage: str, copy: Callable[[str], Path], cli_input_error) -> None:
    folder = copy("sweep")
    name, spoil, what = SWEEP_DAMAGE[damage]
    spoil(folder / name)
    cli_input_error(_invoke(["report", str(folder)]), name, what)
    assert not (folder / "report.html").exists()


def test_trace_of_a_sweep_with_a_mistyped_points_table_is_an_input_error(
        copy: Callable[[str], Path], tmp_path: Path, cli_input_error) -> None:
    folder = copy("sweep")
    _set(folder / "points.csv", "point", "first")
    cli_input_error(_invoke(["trace", str(folder), "--replication", "0", "--point", "1",
                             "--out", str(tmp_path / "t")]), "points.csv", "point")


# ------------------------------------------------------------------- the reader by itself ---
def test_read_table_by_itself(tmp_path: Path) -> None:
    good = tmp_path / "t.csv"
    good.write_text("seed,attacks,scenario,day_rung_3\n5,2,a,\n6,0,b,3.5\n", encoding="utf-8")
    table = read_table(good, required=("seed",), rows=2)
    assert list(table.columns) == ["seed", "attacks", "scenario", "day_rung_3"]
    assert list(read_table(good, usecols=("attacks",)).columns) == ["attacks"]
    # a column no one wrote a number into (a rung never reached) is fine; a name is text
    pd.testing.assert_series_equal(table["scenario"], pd.Series(["a", "b"], name="scenario"))
    cases = {
        "seed,attacks\n5,two\n": "'attacks'",
        "seed,attacks\n5.5,2\n": "whole numbers",
        "seed,attacks\n,2\n5,3\n": "whole numbers",
        "seed\n5\n": "no attacks",
        "": "empty",
        "seed,attacks\n5,2\n6": "cut short",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message) as caught:
            read_table(bad, required=("seed", "attacks"))
        assert "bad.csv" in str(caught.value)
    with pytest.raises(InputError, match="2 rows where the folder's summary says 3"):
        read_table(good, rows=3)
    with pytest.raises(InputError, match="no missing.csv"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="without rows"):
        (tmp_path / "h.csv").write_text("seed\n", encoding="utf-8")
        read_table(tmp_path / "h.csv", need_rows=True)
