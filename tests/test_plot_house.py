"""The plot house: one survival convention, one naming of rungs, colour-blind-safe colours, the
baseline emphasised, rare rungs on their own scale, a highest-rung chart that cannot be read as
"no deaths", no 'pooled' note when nothing was pooled, and a timeline that shades a pause in
force at day 0 and has no empty lane."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import escsim  # noqa: E402
from escsim import plotting  # noqa: E402
from escsim.analysis import rung_probabilities, survival_curve  # noqa: E402
from escsim.plotting import style  # noqa: E402
from escsim.plotting.sweeps import plot_outcomes_along_axis, plot_survival_by_point  # noqa: E402
from escsim.sweep import parse_outcome  # noqa: E402


@pytest.fixture(scope="module")
def base() -> escsim.Scenario:
    return escsim.load_scenario("baseline-2024-11", ["scenario.horizon_days=120"])


@pytest.fixture(scope="module")
def runs(base) -> pd.DataFrame:
    return escsim.simulate(base, runs=60, seed=11).runs


def _ended_early(runs: pd.DataFrame, level: int = 8, at: float = 30.0) -> pd.DataFrame:
    """A copy where a third of the runs were ended by the regional-war rung on day ``at``
    without reaching ``level - 2``."""
    out = runs.copy()
    idx = out.index[::3]
    out.loc[idx, f"day_rung_{level}"] = at
    out.loc[idx, f"day_rung_{level - 2}"] = np.nan
    out.loc[idx, "end_day"] = at
    return out


def test_survival_right_edge_is_the_reported_share(runs) -> None:
    """A run ended by the regional war is not censored early: the curve ends at the share."""
    table = _ended_early(runs)
    for level in (6, 8):
        km = survival_curve(table, level, 120)
        share = rung_probabilities(table).set_index("rung").loc[level, "probability"]
        assert 1 - km["survival"].iloc[-1] == pytest.approx(share, abs=1e-12)


def test_one_survival_convention_and_one_rung_naming(runs, base) -> None:
    names = {r.level: n for n, r in base.ladder.items()}
    run_fig = plotting.plot_survival(runs, 120, levels=[3], rung_names=names)
    points = pd.DataFrame({"point": [0], "scenario": [base.scenario.name],
                           "horizon_days": [120.0]})
    sweep_fig = plot_survival_by_point(runs.assign(point=0), points, 3, rung_names=names)
    rising = []
    for fig in (run_fig, sweep_fig):
        ax = fig.axes[0]
        y = np.asarray(ax.lines[0].get_ydata(), dtype=float)
        rising.append(bool(y[-1] >= y[0]))
        title = ax.get_title(loc="left") + ax.get_title()
        assert "us_wounded" not in title and "us wounded" not in title
    assert rising == [True, True]  # both show P(reached by day), rising
    assert style.rung_label(3, names) in sweep_fig.axes[0].get_title(loc="left")
    assert style.rung_label(4, names) == "4: US killed"


def test_comparison_palette_is_okabe_ito_with_the_baseline_in_black(runs) -> None:
    by = {"us-punitive": runs.assign(scenario="us-punitive"),
          "baseline-2024-11": runs, "us-restraint": runs.assign(scenario="us-restraint")}
    fig = plotting.plot_compare_survival(by, 3, 120)
    lines = [ln for ln in fig.axes[0].lines if ln.get_label() and
             not ln.get_label().startswith("_")]
    colours = [mcolors.to_hex(ln.get_color()).lower() for ln in lines]
    okabe = [c.lower() for c in style.OKABE_ITO]
    assert all(c in okabe for c in colours)
    first = lines[0]
    assert first.get_label().startswith("baseline-2024-11")
    assert mcolors.to_hex(first.get_color()) == "#000000"
    assert first.get_linewidth() > max(ln.get_linewidth() for ln in lines[1:])


def test_rare_rungs_get_a_zoomed_scale(runs) -> None:
    by = {"baseline-2024-11": runs, "other": runs.assign(scenario="other")}
    rare = [int(r.rung) for r in rung_probabilities(runs).itertuples() if r.probability < 0.2]
    assert rare, "the fixture should have rare rungs"
    fig = plotting.plot_compare_rungs(by, levels=rare, zoom=True)
    high = rung_probabilities(runs).set_index("rung").loc[rare, "ci_high"].max()
    left, right = fig.axes[0].get_xlim()
    assert right < 1.0 and right >= high  # the intervals fit, on their own scale


def test_highest_rung_chart_shows_what_was_reached(runs, base) -> None:
    names = {r.level: n for n, r in base.ladder.items()}
    fig = plotting.plot_rung_distribution(runs, rung_names=names)
    ax = fig.axes[0]
    reached = [ln for ln in ax.lines if ln.get_label() == "reached at some point in the run"]
    assert reached, "the chart marks the share that reached each rung"
    share4 = rung_probabilities(runs).set_index("rung").loc[4, "probability"]
    xs = np.asarray(reached[0].get_xdata(), dtype=float)
    assert np.isclose(xs, share4 * 100).any()
    labels = [t.get_text() for t in ax.child_axes[0].get_yticklabels()]
    assert any("reached" in t for t in labels)


def test_no_pooled_note_when_nothing_was_pooled(runs) -> None:
    table = runs.assign(point=np.repeat([0, 1, 2], 20), **{
        "us_policy.preset": np.repeat(["restrained", "proportional", "punitive"], 20)})
    fig = plot_outcomes_along_axis(table, "us_policy.preset", [parse_outcome("rung:4")])
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "pooled" not in notes
    # categories are not joined by lines
    ax = fig.axes[0]
    assert all(ln.get_linestyle() in ("None", "", " ") for ln in ax.lines
               if len(ln.get_xdata()) > 1)


def test_timeline_shades_a_pause_in_force_at_day_0_and_has_no_empty_lane(base, runs) -> None:
    assert base.iran.initial_posture == "restraining"
    log = escsim.trace(base, int(runs.seed[0]))
    fig = plotting.plot_trace_timeline(log, base.scenario.start_date, horizon_days=120)
    ax = fig.axes[0]
    spans = [p for p in ax.patches if p.get_facecolor()[:3] == mcolors.to_rgb("#a1d99b")]
    assert spans, "the pause in force at day 0 is shaded"
    x0 = min(p.get_x() for p in spans)
    assert x0 <= matplotlib.dates.date2num(np.datetime64(base.scenario.start_date)) + 1e-6
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    actors = set(log["actor"])
    assert not ({"timeline"} - actors) or "timeline" not in lanes


# ----------------------------------------------------------- comparisons drawn at speed ---
def _by_scenario(runs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Three scenarios, one with a long name (the layout must make room for it)."""
    return {"baseline-2024-11": runs,
            "a-much-longer-scenario-name-than-usual": runs.assign(
                scenario="a-much-longer-scenario-name-than-usual"),
            "quiet": runs.assign(scenario="quiet", day_rung_4=np.nan, day_rung_5=np.nan)}


def _many(runs: pd.DataFrame, n: int = 22) -> dict[str, pd.DataFrame]:
    return {f"scenario-{i:02d}": runs.assign(scenario=f"scenario-{i:02d}") for i in range(n)}


def _fixed_figure(kind: str, runs: pd.DataFrame, base: escsim.Scenario):
    from escsim.plotting.compare import _comparison_figure

    long = runs.assign(scenario="a-much-longer-scenario-name-than-usual-for-a-title")
    if kind == "run counts":
        return plotting.plot_count_distributions(runs.assign(attacks=runs.attacks * 1000))
    if kind == "run rungs":
        return plotting.plot_rung_probabilities(long)
    if kind == "run max_rung":
        return plotting.plot_rung_distribution(long)
    if kind == "run survival":
        return plotting.plot_survival(long, 120, start_date=base.scenario.start_date)
    if kind == "run daily":
        sim = escsim.simulate(base, runs=20, seed=3)
        return plotting.plot_daily_bands(sim.daily, base.scenario.start_date)
    if kind == "differences":  # ten variants, one with a long name, counts over decades
        from escsim.plotting.study import plot_differences

        rows = [{"variant": ("a-variant-with-a-very-long-name-indeed-for-a-legend" if v == 0
                             else f"variant-{v}"), "base": "baseline-2024-11", "kind": kind_,
                 "measure": m, "difference": d, "base_estimate": 0.2 if kind_ == "probability"
                 else 40.0, "low": d - 0.5 * abs(d) - 0.01,
                 "high": d + 0.5 * abs(d) + 0.01, "method": "paired", "runs": 100,
                 "confidence": 0.95}
                for v in range(10)
                for kind_, m, d in (("probability", "rung_4_reached", 0.01 * v),
                                    ("probability", "rung_8_reached", -0.002 * v),
                                    ("mean", "attacks_mean", -30.0 * v),
                                    ("mean", "us_wounded_mean", 150.0 * v))]
        return plot_differences(pd.DataFrame(rows), {4: "us_killed", 8: "regional_war"})
    if kind.startswith("many "):  # a legend taller than the panels beside it
        return _comparison_figure(kind.removeprefix("many "), _many(runs), 120, None,
                                  ("attacks",), [8])
    return _comparison_figure(kind, _by_scenario(runs), 120, None, ("attacks", "us_killed"),
                              None)


@pytest.mark.parametrize("kind", ["rungs", "counts", "survival", "run counts", "run daily",
                                  "run rungs", "run max_rung", "run survival", "many survival",
                                  "many rungs", "differences"])
def test_figures_drawn_many_at_a_time_are_drawn_once_and_keep_every_label_inside(
        runs, base, tmp_path, kind) -> None:
    """The figures escsim run draws for a comparison, and a run's small multiples, have a
    fixed layout: saving draws them once (a layout engine, or cropping to the content, would
    draw first to lay out), and every panel, text and legend lies inside the figure with no
    panel title crossing the figure's title (wide numbers and long names included)."""
    fig = _fixed_figure(kind, runs, base)
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    style.save_figure(fig, tmp_path / "f.png")
    assert len(draws) == 1
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    drawn = ([(f"axes {ax.get_title(loc='left')!r}", ax.get_tightbbox(renderer))
              for ax in fig.axes]
             + [(repr(t.get_text()[:40]), t.get_window_extent(renderer)) for t in fig.texts]
             + [("legend", lg.get_window_extent(renderer)) for lg in fig.legends])
    for what, ext in drawn:
        assert (ext.x0 >= box.x0 - 1 and ext.x1 <= box.x1 + 1 and ext.y0 >= box.y0 - 1
                and ext.y1 <= box.y1 + 1), f"{what} reaches outside the figure"
    if not kind.startswith(("run", "many", "differences")):
        names = [t.get_text() for lg in fig.legends for t in lg.get_texts()] + [
            t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
        assert any("a-much-longer-scenario-name-than-usual" in n for n in names)
    caption = next((t for t in fig.texts if "explore consequences" in t.get_text()), None)
    if caption is not None:  # nothing drawn over the caption, the legend included
        below = caption.get_window_extent(renderer)
        for what, ext in drawn:
            if what != repr(caption.get_text()[:40]):
                assert not ext.overlaps(below), f"{what} runs into the caption"
    titles = [t for t in fig.texts if t.get_text().startswith(("Probability", "Counts",
                                                               "Time to", "Cumulative"))]
    for title in titles:  # a figure title, where the figure has one apart from its panels'
        top = title.get_window_extent(renderer)
        for ax in fig.axes:
            assert not ax._left_title.get_window_extent(renderer).overlaps(top)


def test_time_to_rung_comparison_shows_the_rungs_in_question(runs) -> None:
    """A rung every run holds from day 0, or one every scenario reaches in most runs, is left
    to each scenario's own figure; rungs some scenario reaches in under half its runs stay."""
    from escsim.plotting.compare import survival_levels

    table = runs.copy()
    table["day_rung_2"] = 0.0  # the scenario opens on this rung in every run
    table["day_rung_1"] = 1.0  # every run reaches it on day 1
    by = {"baseline-2024-11": table, "other": table.assign(scenario="other")}
    levels = sorted(int(c.removeprefix("day_rung_")) for c in table if c.startswith("day_rung_"))
    shown = survival_levels(by, levels)
    assert 1 not in shown and 2 not in shown
    share = {lv: table[f"day_rung_{lv}"].notna().mean() for lv in levels}
    later = {lv for lv in levels if (table[f"day_rung_{lv}"] > 0).any()}
    assert set(shown) == {lv for lv in later if share[lv] < 0.5}


def test_more_scenarios_than_colours_still_look_apart(runs) -> None:
    """Past the eight Okabe-Ito colours a comparison's series differ by line style (curves)
    and marker (points), so no two of fifteen scenarios are drawn alike, and none but the
    emphasised one is black."""
    import matplotlib.colors as mc

    from escsim.plotting.compare import rung_legend_handles

    by = _many(runs, 15)
    fig = plotting.plot_compare_survival(by, 3, 120)
    lines = [ln for ln in fig.axes[0].lines if not ln.get_label().startswith("_")]
    looks = [(mc.to_hex(ln.get_color()), str(ln.get_linestyle())) for ln in lines]
    assert len(lines) == 15 and len(set(looks)) == 15
    assert [c for c, _ in looks].count("#000000") == 1  # black is the emphasised one's alone
    handles = rung_legend_handles(by)
    marks = [(mc.to_hex(h.get_color()), h.get_marker()) for h in handles]
    assert len(set(marks)) == 15 and [c for c, _ in marks].count("#000000") == 1


@pytest.mark.parametrize("horizon", [100, 365])
def test_dates_along_the_top_sit_on_month_starts(runs, horizon) -> None:
    """Each calendar label along a time-to-rung plot's top marks the first of its month, and
    no month is labelled twice (a 100-day plot once showed 'Dec 2024' twice)."""
    import datetime as dt

    start = dt.date(2024, 11, 11)
    fig = plotting.plot_survival(runs, horizon, start_date=start)
    top = fig.axes[0].child_axes[0]
    days = [float(t) for t in top.get_xticks()]
    labels = [t.get_text() for t in top.get_xticklabels()]
    assert days and len(set(labels)) == len(labels) <= 5
    for day, text in zip(days, labels, strict=True):
        date = start + dt.timedelta(days=day)
        assert date.day == 1 and 0 <= day <= horizon
        assert text.startswith(date.strftime("%b"))
