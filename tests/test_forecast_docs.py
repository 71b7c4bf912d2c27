"""The forecast-scores page shows what the code gives, and its figures draw from the tables."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from escsim.forecast import Bootstrap, Hawkes, Zeros, evaluate  # noqa: E402
from escsim.plotting.scores import plot_forecast_scores, plot_pit_histograms  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.slow
def test_forecast_scores_page_is_what_the_evaluation_gives() -> None:
    spec = importlib.util.spec_from_file_location("generate_forecast_scores",
                                                  DOCS / "generate_forecast_scores.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    text = (DOCS / "explanation" / "forecast-scores.md").read_text(encoding="utf-8")
    assert module.block() in text, ("docs/explanation/forecast-scores.md: tables out of date; "
                                    "run python docs/generate_forecast_scores.py")
    for path in module.FIGURES.values():
        assert path.stat().st_size > 10_000


def test_score_figures_draw_from_the_tables() -> None:
    ev = evaluate([Zeros(), Bootstrap(), Hawkes()], origins=["2023-09-01", "2023-10-01",
                                                             "2023-11-01"],
                  windows=(30,), samples=200, after_seed=False)
    fig = plot_forecast_scores(ev.counts, 30)
    assert len(fig.axes) == 2
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert [label.split(" ")[0] for label in labels] == ["zeros", "bootstrap", "hawkes"]
    pit = plot_pit_histograms(ev.counts, 30, country="iraq")
    assert len(pit.axes) == 3
    with pytest.raises(ValueError, match="no after_seed forecasts"):
        plot_forecast_scores(ev.counts, 30, set_name="after_seed")
