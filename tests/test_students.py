"""What a student meets in a notebook: the summary's parts as DataFrames (and summary.json as a
dict), and figures shown by escsim.display in loops and scripts (through pyplot)."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import escsim  # noqa: E402


def test_summary_parts_are_dataframes_and_the_dict_stays() -> None:
    sim = escsim.simulate(escsim.load_scenario("surge-2023"), runs=12, seed=4)
    s = sim.summary()
    assert isinstance(s.rungs, pd.DataFrame) and isinstance(s.counts, pd.DataFrame)
    assert list(s.rungs.columns[:2]) == ["rung", "name"]
    assert s.rungs.set_index("rung").loc[4, "name"] == "us_killed"
    assert set(s.counts["count"]) >= {"attacks", "us_killed"}
    # the dict: what summary.json holds, indexable as before, JSON as is
    assert s["runs"] == 12 and s["rung_probability"][0]["rung"] == 1
    plain = s.to_dict()
    assert type(plain) is dict and json.loads(json.dumps(plain))["root_seed"] == 4
    assert "<table" in s._repr_html_()


def test_display_hands_figures_to_pyplot() -> None:
    sim = escsim.simulate(escsim.load_scenario("surge-2023"), runs=6, seed=4)
    plt.close("all")
    figures = [sim.plot_rungs(), sim.plot_survival()]
    for fig in figures:  # in a loop, as a student would
        escsim.display(fig)
        assert plt.gcf() is fig  # pyplot (and so plt.show()) now holds this very figure
    assert len(plt.get_fignums()) == 2
    plt.close("all")
