"""What people read: the help's command list, console summaries, figure labels and colours,
titles and provenance (issue 21, item 8). Each test pins one defect seen by a user."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from escsim.cli import main


# -------------------------------------------------------------------------------- --help ---
def test_every_command_summary_is_whole_in_the_group_help(cli) -> None:
    """``escsim --help`` cut 13 of 14 summaries with "..." at 80 columns."""
    out = cli("--help").stdout
    listing = out.split("Commands:", 1)[1].splitlines()
    rows = [line for line in listing if line.strip()]
    assert len(rows) == len(main.commands)
    assert not [row for row in rows if row.rstrip().endswith("...")], rows
    assert all(len(row) <= 80 for row in rows)


# ------------------------------------------------------------------- the forest plot ---
def _differences(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """A differences.csv with variants x (measure, kind, base mean, difference)."""
    return pd.DataFrame(
        [
            {
                "variant": v,
                "base": "baseline-2024-11",
                "kind": kind,
                "measure": m,
                "base_estimate": base,
                "difference": d,
                "low": d - 0.03 * abs(d) - 0.001,
                "high": d + 0.03 * abs(d) + 0.001,
                "method": "paired",
                "runs": 200,
                "confidence": 0.95,
            }
            for v in ("us-punitive", "us-restraint")
            for m, kind, base, d in rows
        ]
    )


def _x_pixels(ax, x: float) -> float:
    return float(ax.transData.transform((x, 0))[0])


def test_a_small_count_difference_is_drawn_apart_from_zero_beside_a_large_one() -> None:
    """+0.095 US killed sat on zero beside +150 attacks (a symmetric-log axis)."""
    from escsim.plotting.study import plot_differences

    table = _differences(
        [
            ("rung_4_reached", "probability", 0.15, 0.03),
            ("attacks_mean", "mean", 53.8, 150.0),
            ("us_killed_mean", "mean", 0.335, 0.095),
        ]
    )
    fig = plot_differences(table)
    counts = fig.axes[1]
    assert counts.get_xscale() == "linear"
    fig.canvas.draw()
    xs = np.concatenate(
        [np.asarray(c.lines[0].get_xdata(), dtype=float) for c in counts.containers]
    )
    assert np.isfinite(xs).all()
    # every point, the small one included, lies at least 10 pixels from the zero line
    zero = _x_pixels(counts, 0.0)
    assert min(abs(_x_pixels(counts, x) - zero) for x in xs) > 10
    assert "%" in counts.get_xlabel()
    assert not any("$" in t.get_text() for t in counts.get_xticklabels())


def test_a_count_with_nothing_in_the_base_is_labelled_not_drawn() -> None:
    from escsim.plotting.study import plot_differences

    fig = plot_differences(
        _differences(
            [("iran_direct_attacks_mean", "mean", 0.0, 0.2), ("attacks_mean", "mean", 50.0, 5.0)]
        )
    )
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("base 0" in t for t in labels) and sum("base 0" in t for t in labels) == 1


def test_each_scenario_keeps_its_colour_from_the_comparison_to_the_forest_plot() -> None:
    """Variants took tab10's colours in the forest plot and the house palette elsewhere (so
    us-restraint was orange in one figure and blue in the next)."""
    from escsim.plotting.compare import rung_legend_handles
    from escsim.plotting.study import plot_differences

    names = ["baseline-2024-11", "us-punitive", "us-restraint"]
    compared = {
        h.get_label().split(" (")[0]: to_hex(h.get_color())
        for h in rung_legend_handles({n: pd.DataFrame() for n in names})
    }
    forest = plot_differences(_differences([("rung_4_reached", "probability", 0.15, 0.03)]))
    drawn = {
        c.get_label().split(" - ")[0]: to_hex(c.lines[0].get_color())
        for c in forest.axes[0].containers
    }
    assert drawn == {n: compared[n] for n in names[1:]}
    assert len(set(compared.values())) == len(names)


def test_the_nine_outlook_scenarios_get_nine_distinct_colours_none_pale_on_white() -> None:
    """drawdown-2025 and us-restraint shared orange; us-punitive was pale yellow on white
    (both fixed on main before this test: it keeps them fixed)."""
    from matplotlib.colors import to_rgb

    from escsim.plotting.style import palette
    from escsim.scenario import outlook_scenarios

    names = list(outlook_scenarios())
    colours = palette(len(names))
    assert len(names) == 9 and len(set(colours)) == 9

    def luminance(colour: str) -> float:  # WCAG relative luminance
        c = np.array(to_rgb(colour))
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])

    assert max(luminance(c) for c in colours) < luminance("#F0E442") - 0.2


# ------------------------------------------------------------------ console summaries ---
def test_a_sensitivity_summary_keeps_lines_short_values_rounded_and_the_noise_note_once(
    cli, tmp_path
) -> None:
    """Lines ran to 370 characters with floats such as 0.20204487198759893, and the noise
    note came once per outcome."""
    result = cli(
        "sensitivity",
        "baseline-2024-11",
        "--vary",
        "us_policy.leadership_strike_prob=0:0.5",
        "--vary",
        "iran.retaliate_personnel_prob=0:1",
        "--vary",
        "militias.iraq_factions.excitation_per_round=0:2",
        "--outcome",
        "rung:4",
        "--outcome",
        "us_killed",
        "--outcome",
        "attacks",
        "--samples",
        4,
        "--runs",
        3,
        "--executor",
        "serial",
        "--horizon",
        90,
        "--no-plots",
        "--no-report",
        "--out",
        tmp_path / "s",
    )
    assert result.exit_code == 0, result.output
    text = result.stdout + result.stderr
    assert "min at point" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert not re.search(r"\d\.\d{6,}", text)
    assert text.count("Monte Carlo noise is a large share") <= 1


# ---------------------------------------------------------------------- sweep --pair ---
def test_a_paired_sweep_writes_each_lever_settings_paired_difference_in_each_state(
    cli, tmp_path
) -> None:
    """``sweep --pair`` gave lever settings common seeds and then wrote nothing paired."""
    lever, state = "us_policy.preset", "militias.iraq_factions.excitation_per_round"
    out = tmp_path / "s"
    result = cli(
        "sweep",
        "baseline-2024-11",
        "--vary",
        f"{lever}=restraint,punitive",
        "--vary",
        f"{state}=0.5,1.5",
        "--pair",
        lever,
        "--runs",
        8,
        "--horizon",
        60,
        "--executor",
        "serial",
        "--no-plots",
        "--no-report",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "differences.csv" in result.stdout
    table = pd.read_csv(out / "differences.csv")
    assert set(table["base"].str.extract(r"preset=(\w+)")[0]) == {"restraint"}
    assert set(table["variant"].str.extract(r"preset=(\w+)")[0]) == {"punitive"}
    # each row compares the two lever settings within one state
    assert (
        table["base"].str.extract(r"round=([\d.]+)")[0]
        == table["variant"].str.extract(r"round=([\d.]+)")[0]
    ).all()
    assert table["base"].nunique() == 2 and (table["runs"] == 8).all()
    # the difference is the paired one: recomputed from runs.csv for one state and measure
    runs = pd.read_csv(out / "runs.csv")
    row = table[(table["measure"] == "attacks_mean")].iloc[0]
    points = pd.read_csv(out / "points.csv")
    b, v = (int(re.match(r"point (\d+)", row[c]).group(1)) for c in ("base", "variant"))
    assert (
        points.loc[points.point == b, "seed_key"].item()
        == points.loc[points.point == v, "seed_key"].item()
    )
    expected = (
        runs[runs.point == v].sort_values("replication")["attacks"].to_numpy()
        - runs[runs.point == b].sort_values("replication")["attacks"].to_numpy()
    ).mean()
    assert row["difference"] == pytest.approx(expected)
    assert "differences.csv" in json.loads((out / "columns.json").read_text())["tables"]
    assert cli("report", out).exit_code == 0
    assert "Paired differences of the lever settings" in (out / "report.html").read_text()


# ----------------------------------------------------------------------- the timeline ---
def test_the_timeline_names_israels_strikes_and_stops_where_the_run_ended() -> None:
    """Israel's strikes were drawn as "US strike on Iran" and the axis ran to the horizon past
    a run that had ended (both fixed on main before this test: it keeps them fixed)."""
    import datetime as dt

    import matplotlib.dates as mdates

    from escsim.plotting.timeline import plot_trace_timeline

    log = pd.DataFrame(
        [
            (3.0, "kataib_hezbollah", "attack (drone)", "us", "damage"),
            (10.0, "israel", "strike on Iran", "iran", "2 targets"),
            (20.0, "us", "strike on Iran", "iran", "1 targets"),
            (40.0, "iran", "direct attack", "us", "regional war"),
        ],
        columns=["day", "actor", "action", "target", "outcome"],
    )
    log.attrs["row"] = {"end_day": 40.0, "max_rung": 8, "scenario": "s", "seed": 1}
    fig = plot_trace_timeline(log, "2024-11-11", horizon_days=365)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Israeli strike on Iran" in labels and "US strike on Iran" in labels
    right = mdates.num2date(ax.get_xlim()[1]).date()
    assert right <= dt.date(2024, 11, 11) + dt.timedelta(days=42)
    assert any("run ends, day 40" in t.get_text() for t in ax.texts)


# ------------------------------------------------------------------- names and titles ---
def test_a_horizon_names_a_variant_by_its_days_never_as_an_override(
    cli, tmp_path, monkeypatch
) -> None:
    """``--horizon`` labelled a variant "+1-override" (fixed on main before this test)."""
    monkeypatch.chdir(tmp_path)
    result = cli(
        "run",
        "baseline-2024-11",
        "--horizon",
        90,
        "--runs",
        3,
        "--jobs",
        1,
        "--no-plots",
        "--no-report",
    )
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name == "baseline-2024-11+90d"
    manifest = (folder / "manifest.json").read_text()
    assert "override" not in json.loads(manifest).get("title", "")
    together = cli(
        "run",
        "baseline-2024-11",
        "us-punitive",
        "--set",
        "iran.retaliate_personnel_prob=0.5",
        "--runs",
        3,
        "--jobs",
        1,
        "--no-plots",
        "--no-report",
    )
    assert together.exit_code == 0, together.output
    assert (tmp_path / "results" / "compare+1-override").is_dir()


def test_the_console_and_the_report_give_one_statistic_for_counts_and_say_which(
    cli, tmp_path
) -> None:
    """The console printed mean attacks (124) where the report printed the median (21) for
    the same runs (fixed on main before this test: both give the mean of a comparison, the
    median of one run, and say so)."""
    from escsim.analysis.format import sig

    out = tmp_path / "two"
    twelve = ("--runs", 12, "--horizon", 120, "--jobs", 1, "--no-plots")
    result = cli("run", "baseline-2024-11", "us-punitive", *twelve, "--out", out)
    assert result.exit_code == 0, result.output
    assert "mean counts per run" in result.stdout
    page = (out / "report.html").read_text()
    assert "mean attacks" in page
    for name in ("baseline-2024-11", "us-punitive"):
        mean = pd.read_csv(out / name / "runs.csv")["attacks"].mean()
        line = next(x for x in result.stdout.splitlines() if x.strip().startswith(name))
        assert sig(mean) in line.split() and f">{sig(mean)}<" in page.replace(" ", ""), name
    one = cli("run", "baseline-2024-11", *twelve, "--out", tmp_path / "one")
    row = next(x for x in one.stdout.splitlines() if x.strip().startswith("attacks"))
    text = re.sub(r"<[^>]+>", " ", (tmp_path / "one" / "report.html").read_text())
    assert "median" in one.stdout
    assert re.search(rf"\battacks\s+{re.escape(row.split()[1])}\s", text)
    assert "Median and 90% range" in (tmp_path / "one" / "report.html").read_text()


def test_no_figure_or_report_heading_has_double_spaces_or_a_float_day_count(
    cli, tmp_path, monkeypatch
) -> None:
    """Titles read "Time to 4  US killed" and "365.0 days"."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    texts: list[str] = []
    saving = Figure.savefig

    def savefig(fig, *args, **kwargs):
        texts.extend(t.get_text() for t in fig.findobj(Text))
        return saving(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    out = tmp_path / "two"
    result = cli(
        "run",
        "baseline-2024-11",
        "us-punitive",
        "--runs",
        8,
        "--horizon",
        90,
        "--jobs",
        1,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert cli("plot", out).exit_code == 0  # each scenario's own figures too
    assert len(texts) > 100
    assert [t for t in texts if "  " in t.strip()] == []
    assert [t for t in texts if re.search(r"\d\.0 ?(days|d)\b", t)] == []
    page = (out / "report.html").read_text()
    headings = re.findall(r"<(h\d|figcaption|caption|title)[^>]*>(.*?)</\1>", page, re.S)
    shown = [re.sub(r"<[^>]+>", "", h) for _, h in headings]
    assert shown and [h for h in shown if "  " in h.strip() or re.search(r"\d\.0 days", h)] == []


# ------------------------------------------------------------------------ provenance ---
#: A run small enough for a test of what it records.
SMALL_RUN = ("--runs", 3, "--horizon", 30, "--jobs", 1, "--no-plots")

def test_an_absolute_output_folder_elsewhere_is_recorded_by_its_own_name(
    cli, tmp_path, monkeypatch
) -> None:
    """The provenance showed ``--out /x/y`` as ``../../x/y``: neither what was typed nor free
    of the sharer's folders."""
    here = tmp_path / "home" / "alice" / "work"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    out = tmp_path / "elsewhere" / "shared-run"
    result = cli("run", "baseline-2024-11", *SMALL_RUN, "--out", out)
    assert result.exit_code == 0, result.output
    command = json.loads((out / "manifest.json").read_text())["command"]
    assert command.endswith("--out shared-run"), command
    for name in ("manifest.json", "report.html", "scenario.toml"):
        text = (out / name).read_text()
        assert "../" not in text and str(tmp_path) not in text, name
    inside = cli("run", "baseline-2024-11", *SMALL_RUN, "--no-report",
                 f"--out={here / 'sub' / 'r'}")
    assert inside.exit_code == 0, inside.output
    recorded = json.loads((here / "sub" / "r" / "manifest.json").read_text())["command"]
    assert recorded.endswith("--out=sub/r"), recorded


# ---------------------------------------------------------------------------- a study ---
def test_a_studys_printed_answer_keeps_lines_short_and_the_search_gives_values(
    cli, tmp_path
) -> None:
    """ "not the best in 8 of 60 states (...)" was one 900-character line, and ``--search``
    printed the robust front's names without what they set or how they did."""
    from tests.test_study import STUDY

    study_file = tmp_path / "study.toml"
    study_file.write_text(STUDY.replace("runs = 8", "runs = 6"), encoding="utf-8")
    result = cli(
        "study",
        study_file,
        "--search",
        "--executor",
        "serial",
        "--no-plots",
        "--no-report",
        "--out",
        tmp_path / "s",
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100, max(lines, key=len)
    at = next(i for i, x in enumerate(lines) if x.startswith("search:"))
    block = "\n".join(lines[at + 1 : lines.index("", at)])
    front = re.split(r"\n  (?=\S)", "\n" + block)[1:]  # one member per unindented-by-2 line
    assert front and all(re.search(r"us_killed [\d.e-]+", x) for x in front), block
    candidates = [x for x in front if x.startswith("candidate")]
    assert all("us_policy.delay_max_days=" in x for x in candidates)
    assert not re.search(r"\d\.\d{5,}", block)
    search = pd.read_csv(tmp_path / "s" / "search.csv")
    assert len(front) == int(search["non_dominated"].sum())


@pytest.mark.parametrize("n_states", [4, 60])
def test_the_regret_heat_map_stays_readable_whatever_the_number_of_states(n_states) -> None:
    """60 states made a 9810 x 640 pixel map with 60 overlapping four-line labels."""
    from escsim.plotting.study import plot_regret_heatmap

    states = [
        f"baseline-2024-11 strike_effect=s{i} pause_rule=context reaction=0.{i}"
        for i in range(n_states)
    ]
    regret = pd.DataFrame(
        [
            {
                "doctrine": d,
                "state": s,
                "outcome": "relative_regret",
                "regret": (i * 7 + j) % 5 / 10,
            }
            for i, d in enumerate(["restraint", "proportional", "punitive"])
            for j, s in enumerate(states)
        ]
    )
    fig = plot_regret_heatmap(regret, "relative_regret")
    width, height = fig.get_size_inches()
    assert width <= 12.0 and width / height < 6
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    if n_states <= 12:
        assert labels == [s.replace(" ", "\n") for s in states]
    else:
        assert all(t.isdigit() for t in labels) and labels[0] == "1"
        assert "states.csv" in fig.axes[0].get_xlabel()
    fig.canvas.draw()  # the labels do not overlap
    boxes = [t.get_window_extent() for t in fig.axes[0].get_xticklabels()]
    assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:], strict=False))


# --------------------------------------------- a plain comparison and contested mechanisms ---
def _measured_folder(folder, hashes: dict[str, str]) -> None:
    """A finished ``compare --across-mechanisms`` folder's three files, made up."""
    folder.mkdir()
    rows = []
    for alternative, default, d in (
        ("backlash", True, 0.0225),
        ("denial", False, -0.017),
        ("deterrence", False, 0.01),
    ):
        rows.append(
            {
                "mechanism": "strike_effect",
                "alternative": alternative,
                "default": default,
                "base": "baseline-2024-11",
                "variant": "us-punitive",
                "measure": "rung_4_reached",
                "difference": d,
                "low": d - 0.009,
                "high": d + 0.009,
                "flips": alternative == "denial",
            }
        )
    pd.DataFrame(rows).to_csv(folder / "mechanisms.csv", index=False)
    pd.DataFrame([{"base": "baseline-2024-11", "variant": "us-punitive", "runs": 300}]).to_csv(
        folder / "differences.csv", index=False
    )
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "command": "escsim compare baseline-2024-11 us-punitive --across-mechanisms",
                "root_seed": 7,
                "versions": {"escsim": "0.2.0"},
                "created": "2026-12-07",
                "scenarios": [{"name": n, "param_hash": h} for n, h in hashes.items()],
            }
        )
    )


@pytest.mark.parametrize("fresh", [True, False])
def test_a_plain_comparison_says_when_its_sign_rests_on_a_contested_mechanism(
    cli, tmp_path, monkeypatch, fresh
) -> None:
    """A plain ``compare`` said only that the sign "may" rest on a mechanism, never whether it
    does; from the stored measurement it names the alternative that reverses it, and says it
    was not measured where the scenarios changed since."""
    import escsim
    from escsim.apps import comparison_text

    hashes = {
        n: escsim.load_scenario(n).param_hash if fresh else "0ld"
        for n in ("baseline-2024-11", "us-punitive")
    }
    _measured_folder(tmp_path / "m", hashes)
    stored = comparison_text.store_sign_flips(tmp_path / "m", tmp_path / "measured")
    table = pd.read_csv(stored)
    assert list(table["alternative"]) == ["denial"] and table["reference_difference"][0] > 0
    about = json.loads((tmp_path / "measured" / "sign-flips.json").read_text())
    assert about["runs"] == 300 and about["param_hashes"] == hashes
    monkeypatch.setattr(comparison_text, "_measured", lambda: (table, about))
    result = cli(
        "compare",
        "baseline-2024-11",
        "us-punitive",
        "--runs",
        4,
        "--jobs",
        1,
        "--no-plots",
        "--no-report",
        "--out",
        tmp_path / "c",
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    # every line but those naming a file (as long as the path given) fits 100 characters
    long = [line for line in text.splitlines() if len(line) > 100]
    assert all(str(tmp_path) in line for line in long), long
    if fresh:
        assert (
            "careful: under strike_effect=denial the sign of us-punitive - "
            "baseline-2024-11 reverses for rung_4_reached"
        ) in " ".join(text.split())
        assert "300 runs" in text and "not measured" not in text
    else:
        assert "careful" not in text and "not measured for these scenarios" in text


def test_the_stored_measurement_of_the_bundled_scenarios_is_whole() -> None:
    from escsim.apps.comparison_text import _measured
    from escsim.scenario import outlook_scenarios

    found = _measured()
    assert found is not None
    table, about = found
    assert set(about["param_hashes"]) == set(outlook_scenarios())
    assert about["runs"] >= 300 and about["command"].startswith("escsim compare")
    assert set(table["base"]) <= {"baseline-2024-11"} and table["difference"].notna().all()
    assert (np.sign(table["difference"]) * np.sign(table["reference_difference"]) < 0).all()
