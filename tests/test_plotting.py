"""Plots: each function returns a Figure with labelled axes, folders get their PNGs, and edge
cases (a rung nobody reaches, one run, all-zero counts, runs ended early) draw without error."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot; escsim.plotting itself never does

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from escsim import plotting  # noqa: E402
from escsim.analysis import rung_levels  # noqa: E402
from escsim.engine import run_replication  # noqa: E402
from escsim.plotting import style  # noqa: E402
from escsim.scenario import load_scenario, with_overrides  # noqa: E402
from escsim.simulation import (  # noqa: E402
    simulate,
    trace,  # noqa: E402
    write_simulation,
)

# a plot that warns (layout failed, bad date units, undefined intervals leaking out) is a bug
pytestmark = pytest.mark.filterwarnings("error::UserWarning", "error::RuntimeWarning")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("surge-2023")


@pytest.fixture(scope="module")
def sim(scenario):
    return simulate(scenario, runs=50, seed=7)


@pytest.fixture(scope="module")
def runs(sim) -> pd.DataFrame:
    return sim.runs


@pytest.fixture(scope="module")
def daily(sim) -> pd.DataFrame:
    return sim.daily


@pytest.fixture(scope="module")
def names(scenario) -> dict[int, str]:
    return {r.level: name for name, r in scenario.ladder.items()}


@pytest.fixture(scope="module")
def start(scenario):
    return scenario.scenario.start_date


@pytest.fixture(scope="module")
def horizon(scenario) -> float:
    return scenario.scenario.horizon_days


@pytest.fixture(scope="module")
def log(scenario, runs) -> pd.DataFrame:
    return trace(scenario, int(runs["seed"].iloc[0]))


def assert_labelled(fig: Figure) -> None:
    """Every visible axes has an x label, a y label and something drawn."""
    assert isinstance(fig, Figure)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert shown
    for ax in shown:
        assert ax.get_xlabel().strip(), ax
        assert ax.get_ylabel().strip(), ax
        assert ax.has_data()


def figure_text(fig: Figure) -> str:
    parts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        parts += [ax.get_title(loc) for loc in ("left", "center", "right")]
    return "\n".join(parts)


def render(fig: Figure, tmp_path: Path, name: str = "fig.png") -> Path:
    path = plotting.save_figure(fig, tmp_path / name)
    assert path.read_bytes()[:8] == PNG_MAGIC
    return path


# ---------------------------------------------------------------------- each function ---
def test_rung_probabilities(runs, names, tmp_path):
    fig = plotting.plot_rung_probabilities(runs, rung_names=names, horizon_days=111)
    assert_labelled(fig)
    ax = fig.axes[0]
    assert "111 days" in ax.get_xlabel()
    assert "surge-2023" in ax.get_title(loc="left") and "50 runs" in ax.get_title(loc="left")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == len(rung_levels(runs))
    assert any("regional war" in label for label in labels)
    assert "not forecasts" in figure_text(fig)
    render(fig, tmp_path)


def test_rung_labels_default_to_levels(runs):
    ax = plotting.plot_rung_probabilities(runs).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["rung 1", "rung 2"]


def test_rung_distribution(runs, names):
    fig = plotting.plot_rung_distribution(runs, rung_names=names)
    assert_labelled(fig)
    ax = fig.axes[0]
    bars = [p.get_width() for p in ax.patches]
    assert math.isclose(sum(bars), 100.0)  # shares of all runs, in percent
    assert ax.get_yticklabels()[0].get_text() == "0: no incident"


def test_count_distributions(runs):
    counts = ("attacks", "us_killed", "militia_killed", "iran_direct_attacks")
    fig = plotting.plot_count_distributions(runs, counts, ncols=2)
    assert_labelled(fig)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(counts)
    assert shown[0].get_xlabel() == "attacks per run (count)"
    # counts report observed values (inverted-CDF quantiles), as analysis.count_quantiles does
    median = float(np.quantile(runs["attacks"], 0.5, method="inverted_cdf"))
    assert f"median {median:.0f}" in shown[0].get_title(loc="left")
    assert "surge-2023" in figure_text(fig)


def test_survival(runs, horizon, start, names, tmp_path):
    fig = plotting.plot_survival(runs, horizon, rung_names=names, start_date=start)
    assert_labelled(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "days since 2023-10-17"
    assert ax.get_xlim() == (0, horizon)
    reached = [lv for lv in rung_levels(runs) if runs[f"day_rung_{lv}"].notna().any()]
    assert len(ax.get_legend().get_texts()) == len(reached)
    render(fig, tmp_path)


def test_survival_band_collapses_where_every_run_reached(runs, horizon):
    # every run has an attack within days: the Greenwood interval is undefined after that and
    # must not be drawn as a [0, 1] band
    km = style.km_band(runs, 1, horizon, 0.95, cumulative=True)
    after = km[km["day"] > runs["day_rung_1"].max()]
    assert len(after)
    assert np.allclose(after["estimate"], 1.0)
    assert np.allclose(after["low"], 1.0) and np.allclose(after["high"], 1.0)
    assert (km["low"] <= km["estimate"] + 1e-12).all()
    assert (km["estimate"] <= km["high"] + 1e-12).all()


def test_daily_bands_dates_and_days(daily, start, tmp_path):
    fig = plotting.plot_daily_bands(daily, start)
    assert_labelled(fig)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == daily["series"].nunique()
    assert panels[0].get_ylabel() == "cumulative attacks (count)"
    render(fig, tmp_path)  # draws the ticks
    ticks = [t.get_text() for t in panels[0].get_xticklabels()]
    assert any("2023" in t for t in ticks) and any("2024" in t for t in ticks)

    by_day = plotting.plot_daily_bands(daily, start, dates=False, series=["us_killed"])
    assert by_day.axes[0].get_xlabel() == "days since 2023-10-17"
    no_start = plotting.plot_daily_bands(daily)
    assert no_start.axes[0].get_xlabel() == "days since scenario start"


def test_daily_bands_takes_start_from_date_column(daily, start):
    with_dates = daily.copy()
    with_dates.insert(1, "date", [str(start + pd.Timedelta(days=int(d)))
                                  for d in with_dates["day"]])
    fig = plotting.plot_daily_bands(with_dates)
    assert fig.axes[0].get_xlabel() == "date"


def test_trace_timeline(log, start, tmp_path):
    fig = plotting.plot_trace_timeline(log, start)
    assert_labelled(fig)
    ax = fig.axes[0]
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    assert "US forces" in lanes and "timeline" in lanes
    assert lanes[0] not in ("US forces", "Iran", "Baghdad (Iraqi government)", "timeline")
    assert ax.get_legend() is not None
    text = figure_text(fig)
    assert "surge-2023" in text and f"seed {log.attrs['row']['seed']}" in text
    render(fig, tmp_path)


def test_trace_timeline_from_record_log_and_empty(scenario, start, runs):
    record = run_replication(scenario, int(runs["seed"].iloc[1]), trace=True)
    assert_labelled(plotting.plot_trace_timeline(record.log or [], start, title="one run"))
    empty = plotting.plot_trace_timeline([], start, horizon_days=30)
    assert empty.axes[0].get_xlabel()


def test_trace_timeline_marks_a_run_that_ended_early(log, start):
    ended = log.copy()
    ended.attrs["row"] = {**log.attrs["row"], "end_day": 40.0, "max_rung": 8}
    ax = plotting.plot_trace_timeline(ended[ended["day"] <= 40], start, horizon_days=111).axes[0]
    assert any("run ends, day 40" in t.get_text() for t in ax.texts)


# ------------------------------------------------------------------------- comparisons ---
@pytest.fixture(scope="module")
def by_scenario(scenario, runs) -> dict[str, pd.DataFrame]:
    restraint = with_overrides(scenario, {"us_policy.preset": "restraint"})
    return {"proportional": runs, "restraint": simulate(restraint, runs=30, seed=7).runs}


def test_compare_rungs(by_scenario, names):
    fig = plotting.plot_compare_rungs(by_scenario, rung_names=names)
    assert_labelled(fig)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["proportional (50 runs)", "restraint (30 runs)"]


def test_compare_counts(by_scenario):
    fig = plotting.plot_compare_counts(by_scenario, "us_strikes")
    assert_labelled(fig)
    ax = fig.axes[0]
    ticks = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert ticks["proportional"] > ticks["restraint"]  # first scenario on top
    assert ax.get_xlabel() == "strike rounds per run (count)"


def test_compare_survival(by_scenario, horizon, names):
    fig = plotting.plot_compare_survival(by_scenario, 4, horizon, rung_names=names)
    assert_labelled(fig)
    assert "US killed" in fig.axes[0].get_title(loc="left")


def test_plot_functions_draw_into_a_given_ax(runs, by_scenario, horizon, log, start):
    host = Figure()
    axes = host.subplots(2, 3).ravel()
    drawn = [
        plotting.plot_rung_probabilities(runs, axes[0]),
        plotting.plot_rung_distribution(runs, axes[1]),
        plotting.plot_survival(runs, horizon, [4, 5], axes[2]),
        plotting.plot_compare_rungs(by_scenario, axes[3]),
        plotting.plot_compare_counts(by_scenario, "attacks", axes[4]),
        plotting.plot_trace_timeline(log, start, axes[5]),
    ]
    assert all(fig is host for fig in drawn)
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    assert not host.texts  # footnotes belong to figures the functions create


# ------------------------------------------------------------------------------ folders ---
RESULT_PNGS = {"rungs.png", "max_rung.png", "counts.png", "survival.png", "daily.png"}


def test_result_folder(runs, daily, sim, tmp_path):
    written = plotting.plot_result_folder(tmp_path, runs, daily, sim.summary())
    assert {p.name for p in written} == RESULT_PNGS
    for name in RESULT_PNGS:
        data = (tmp_path / "plots" / name).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 10_000


def test_result_folder_replots_saved_tables(sim, tmp_path):
    out = write_simulation(sim, tmp_path / "surge", plots=False)
    runs = pd.read_csv(out / "runs.csv")
    daily = pd.read_csv(out / "daily.csv")
    summary = {"scenario": "surge-2023", "horizon_days": 111, "start_date": "2023-10-17",
               "rung_names": {"4": "us_killed"}}
    plotting.plot_result_folder(out, runs, daily, summary)
    assert {p.name for p in (out / "plots").iterdir()} == RESULT_PNGS


def test_comparison_folder(by_scenario, horizon, names, tmp_path):
    written = plotting.plot_comparison_folder(tmp_path, by_scenario, horizon, rung_names=names)
    expected = {"compare_rungs.png", "compare_counts.png", "compare_survival.png"}
    assert expected <= {p.name for p in written} <= expected | {"compare_rare_rungs.png"}
    for name in expected:
        assert (tmp_path / "plots" / name).stat().st_size > 10_000


# --------------------------------------------------------------------------- edge cases ---
def never_reached(runs: pd.DataFrame, *levels: int) -> pd.DataFrame:
    out = runs.copy()
    for lv in levels:
        out[f"day_rung_{lv}"] = np.nan
    out["max_rung"] = out["max_rung"].clip(upper=min(levels) - 1)
    return out


def test_rungs_never_reached(runs, horizon, names, tmp_path):
    quiet = never_reached(runs, 6, 7, 8)
    fig = plotting.plot_rung_probabilities(quiet, rung_names=names)
    assert_labelled(fig)
    right = fig.axes[0].child_axes[0]
    assert right.get_yticklabels()[-1].get_text().startswith("0.000 [0.000, ")
    survival = plotting.plot_survival(quiet, horizon, levels=[7, 8])
    legend = [t.get_text() for t in survival.axes[0].get_legend().get_texts()]
    assert all("never reached" in t for t in legend)
    assert_labelled(plotting.plot_compare_survival({"a": quiet, "b": runs}, 8, horizon))
    render(survival, tmp_path)


def test_no_rung_reached_at_all(runs, horizon):
    silent = never_reached(runs, *rung_levels(runs))
    assert (silent["max_rung"] == 0).all()
    assert_labelled(plotting.plot_rung_distribution(silent))
    fig = plotting.plot_survival(silent, horizon)  # falls back to every rung, all flat at 0
    assert len(fig.axes[0].get_legend().get_texts()) == len(rung_levels(runs))


def test_single_run(scenario, tmp_path):
    one = simulate(scenario, runs=1, seed=3)
    written = plotting.plot_result_folder(tmp_path, one.runs, one.daily, one.summary())
    assert {p.name for p in written} == RESULT_PNGS
    assert_labelled(plotting.plot_compare_counts({"one": one.runs, "two": one.runs}, "attacks"))


def test_all_zero_counts(runs):
    zero = runs.copy()
    for c in ("us_killed", "iran_direct_attacks", "us_strikes_on_iran"):
        zero[c] = 0
    fig = plotting.plot_count_distributions(zero, ("us_killed", "iran_direct_attacks",
                                                   "us_strikes_on_iran"))
    assert_labelled(fig)
    assert "median 0, 90% range 0\u20130" in fig.axes[0].get_title(loc="left")
    assert_labelled(plotting.plot_compare_counts({"zero": zero}, "us_killed"))


def test_runs_that_ended_early(runs, horizon):
    # regional war (an ends_run rung) stops some runs: they are censored at their end day
    ended = runs.copy()
    stop = ended.index[:10]
    ended.loc[stop, "end_day"] = 40.0
    ended.loc[stop, "day_rung_8"] = 40.0
    ended.loc[stop, "max_rung"] = 8
    for lv in rung_levels(ended):
        late = ended.loc[stop, f"day_rung_{lv}"] > 40
        ended.loc[stop[late.to_numpy()], f"day_rung_{lv}"] = np.nan
    fig = plotting.plot_survival(ended, horizon, levels=[4, 8])
    assert_labelled(fig)
    km = style.km_band(ended, 8, horizon, 0.95, cumulative=True)
    # every run that reached rung 8 did so by its end day, so the final cumulative incidence is
    # the share of runs that reached it (the 10 planted ones plus any the model produced)
    assert ended["day_rung_8"].notna().sum() >= 10
    assert math.isclose(km["estimate"].iloc[-1], ended["day_rung_8"].notna().mean())
    assert_labelled(plotting.plot_rung_distribution(ended))


def test_bad_input_names_the_problem(runs, daily):
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_rung_probabilities(runs.iloc[:0])
    with pytest.raises(ValueError, match="no_such_count"):
        plotting.plot_count_distributions(runs, ["attacks", "no_such_count"])
    with pytest.raises(ValueError, match="rung 42"):
        plotting.plot_survival(runs, 111, levels=[42])
    with pytest.raises(ValueError, match="no daily series"):
        plotting.plot_daily_bands(daily, series=["nope"])
    with pytest.raises(ValueError, match="start_date"):
        plotting.plot_trace_timeline([], None)
