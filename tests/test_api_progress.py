"""Progress in the Python API: the long calls take ``progress=`` (a callable, ``True`` for tqdm
bars, or a Feedback), reported through the same Feedback classes as the command line, and the
results do not depend on it."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import escsim
from escsim.feedback import SILENT, CallbackFeedback, Feedback, TqdmFeedback, as_feedback
from tests.test_calibrate import _count, short, synthetic_priors  # noqa: F401  (fixtures)
from tests.test_study import STUDY


def _scenario() -> escsim.Scenario:
    return escsim.load_scenario("baseline-2024-11", ["scenario.horizon_days=30"])


def test_the_command_line_and_the_api_share_one_feedback() -> None:
    from escsim.apps import common
    from escsim.cli.common import CliFeedback

    assert common.Feedback is Feedback and common.SILENT is SILENT
    assert issubclass(CliFeedback, Feedback)
    assert as_feedback(None) is SILENT and as_feedback(False) is SILENT
    cli = CliFeedback()
    assert as_feedback(cli) is cli
    assert isinstance(as_feedback(lambda done, total: None), CallbackFeedback)
    with pytest.raises(TypeError, match="progress must be"):
        as_feedback("yes")


def test_simulate_reports_done_of_total_and_gives_the_same_runs() -> None:
    seen: list[tuple[int, int]] = []
    with_progress = escsim.simulate(_scenario(), runs=17, seed=4,
                                    progress=lambda done, total: seen.append((done, total)))
    without = escsim.simulate(_scenario(), runs=17, seed=4)
    pd.testing.assert_frame_equal(with_progress.runs, without.runs)
    assert seen and seen[-1] == (17, 17)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and {t for _, t in seen} == {17}
    # escsim's earlier one-argument callbacks still get the runs finished since the last call
    steps: list[int] = []
    escsim.simulate(_scenario(), runs=17, seed=4, progress=steps.append)
    assert sum(steps) == 17 and all(n > 0 for n in steps)


def test_progress_true_draws_tqdm_bars(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    assert isinstance(as_feedback(True), TqdmFeedback)
    escsim.compare(_scenario(), [escsim.with_overrides(
        _scenario(), {"us_policy.preset": "punitive", "scenario.name": "punitive"})],
        runs=6, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "2 scenarios x 6 runs" in err and "100%" in err and "12/12" in err


def test_progress_true_without_tqdm_warns_and_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("tqdm", "tqdm.auto"):
        monkeypatch.setitem(sys.modules, name, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sim = escsim.simulate(_scenario(), runs=3, seed=1, progress=True)
    assert len(sim.runs) == 3
    assert any("tqdm is not installed" in str(w.message) for w in caught)


def test_run_study_and_backtest_report_progress(tmp_path: Path) -> None:
    study = tmp_path / "small.toml"
    study.write_text(STUDY.replace("runs = 8", "runs = 2"), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    escsim.run_study(study, tmp_path / "study", plots=False,
                     progress=lambda done, total: seen.append((done, total)))
    total = seen[-1][1]
    assert seen[-1] == (total, total) and total == 3 * 2 * 2 * 2  # doctrines x states x runs
    staged: list[tuple[str, int, int]] = []
    escsim.run_backtest(escsim.load_scenario("surge-2023"), runs=10, seed=1,
                        progress=lambda stage, done, total: staged.append((stage, done, total)))
    assert staged and staged[-1][1] == staged[-1][2] == 10
    assert "surge-2023" in staged[-1][0]


def test_calibrate_reports_its_stages(short: escsim.Scenario, synthetic_priors) -> None:  # noqa: F811
    from escsim.history.calibration import CalibrationSettings

    start = short.scenario.start_date
    observed = [_count("attacks", 50, start), _count("us_casualties", 40, start)]
    settings = CalibrationSettings(observations=("x",), particles=12, generations=1,
                                   oversample=3, batch_size=7)
    stages: list[str] = []
    plain = escsim.calibrate(short, synthetic_priors, observed, settings, seed=5)
    seen = escsim.calibrate(short, synthetic_priors, observed, settings, seed=5,
                            progress=lambda stage, done, total: stages.append(stage))
    pd.testing.assert_frame_equal(plain.table(), seen.table())
    assert any(s.startswith("rejection step") for s in stages)
    assert any(s.startswith("generation 1") for s in stages)
