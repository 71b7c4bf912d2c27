"""Score folders (``escsim score``): escsim's forecasts and the benchmarks' scored against the
record from every month start between two months, for 30 and 90 days (the rolling set), and
the year after the seed scored once, apart (the ``after_seed`` set: the model and its
parameters as they stood on 11 Nov 2024, the record as known that day).

The model is :class:`escsim.history.forecaster.ModelForecaster` (the situation of each origin
from the record, behaviour frozen at the defaults); the benchmarks are those of
:func:`escsim.forecast.benchmarks.default_benchmarks`; the driver is
:func:`escsim.forecast.rolling.evaluate`. A folder holds the tidy tables (:data:`TABLES`), the
figures (``plots/``), ``manifest.json`` and ``report.html``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escsim.apps.common import (
    SILENT,
    AppResult,
    Feedback,
    check_out,
    open_executor,
    output_folder,
    write_report_if,
)
from escsim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: Model runs per forecast by default: ``escsim score`` with the defaults runs on two cores in
#: a few minutes (docs/explanation/forecast-scores.md gives the measured time).
DEFAULT_RUNS = 200
#: Samples per benchmark forecast.
BENCHMARK_SAMPLES = 2000
#: The tables of a score folder.
TABLES = ("counts.csv", "events.csv", "skill.csv", "coverage.csv", "pit.csv",
          "event_scores.csv", "params.csv")
#: The benchmarks the model's skill is measured against.
REFERENCES = ("zeros", "bootstrap", "negbin", "hawkes")
#: The columns of ``counts.csv`` (the tidy table: one row per origin, window, country and
#: forecaster).
COUNT_TABLE = ("set", "origin", "window_days", "country", "forecaster", "observed", "mean",
               "median", "q05", "q95", "crps", "pit", "in50", "in90", "seed", "samples",
               "info_through", "lead_days", "crosses_seed")


def _month(text: str, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text)[:7] + "-01")
    except ValueError:
        raise InputError("not a month", key=key, value=text, expected="YYYY-MM") from None


def tables(evaluation: Any) -> dict[str, pd.DataFrame]:
    """The tables of a score folder from an :class:`escsim.forecast.Evaluation`."""
    import pandas as pd

    names = set(evaluation.counts["forecaster"])
    skill = pd.concat([evaluation.skill(reference=r).assign(reference=r)
                       for r in REFERENCES if r in names], ignore_index=True)
    skill = skill[skill["forecaster"] != skill["reference"]]
    pit = pd.concat([evaluation.pit(country=c).assign(country=c)
                     for c in sorted(set(evaluation.counts["country"]))], ignore_index=True)
    return {"counts": evaluation.counts[list(COUNT_TABLE)],
            "events": evaluation.events, "skill": skill.reset_index(drop=True),
            "coverage": evaluation.summary(), "pit": pit,
            "event_scores": evaluation.event_summary(), "params": evaluation.params}


def _lines(t: dict[str, pd.DataFrame]) -> list[str]:
    sk, cov = t["skill"], t["coverage"]
    lines = ["CRPS skill of the model, attacks in total (1 - CRPS / benchmark's; 90% "
             "interval over origins):"]
    for (s, w), part in sk[(sk["forecaster"] == "model") & (sk["country"] == "total")
                           ].groupby(["set", "window_days"], sort=True):
        cells = [f"{r.reference} {r.skill:+.2f} [{r.skill_low:+.2f}, {r.skill_high:+.2f}]"
                 for r in part.itertuples()]
        lines.append(f"  {s:10} {w:>3} days: " + "; ".join(cells))
    lines.append("Coverage and PIT, attacks in total (share in the 50% / 90% intervals, "
                 "mean PIT):")
    for r in cov[cov["country"] == "total"].itertuples():
        lines.append(f"  {r.set:10} {r.window_days:>3} days {r.forecaster:10} CRPS "
                     f"{r.crps:7.2f}  in50 {r.in50:.2f}  in90 {r.in90:.2f}  PIT "
                     f"{r.pit_mean:.2f}  ({r.forecasts} forecasts)")
    return lines


def score(first: str = "2020-01", last: str = "2024-10", runs: int = DEFAULT_RUNS,
          seed: int = 2024, windows: Sequence[int] = (30, 90), after_seed: bool = True,
          jobs: int | None = None, out: Path | None = None, force: bool = False,
          figures: bool = True, report: bool = True, record_folder: Path | None = None,
          samples: int = BENCHMARK_SAMPLES, feedback: Feedback = SILENT) -> AppResult:
    """Rolling out-of-sample scores of the model and the benchmarks (see the module).

    Args:
        first: the first origin's month (``YYYY-MM``).
        last: the last origin's month (at most 2024-11: the seed's month).
        runs: model runs per forecast.
        seed: the root seed (every forecast's seed derives from it, the origin, the window
            and the forecaster; ``counts.csv`` keeps each).
        windows: the windows, in days.
        after_seed: score the year after the seed too (kept apart).
        jobs: worker processes for the model's runs (default: none, all in this process,
            which is faster for these small simulations).
        out: the folder (default ``results/score``); ``force`` replaces one.
        figures: draw the figures; ``report``: write ``report.html``.
        record_folder: another record folder than the bundled one.
        samples: samples per benchmark forecast.
        feedback: progress and notes.
    """
    from escsim.forecast.benchmarks import default_benchmarks
    from escsim.forecast.events import FIRST_DATE, SEED_DATE
    from escsim.forecast.rolling import (
        after_seed_origins,
        evaluate,
        month_starts,
        record_series,
    )
    from escsim.history.forecaster import ModelForecaster
    from escsim.record import read_record

    a, b = _month(first, "--from"), _month(last, "--to")
    if a > b:
        raise InputError("the first month is after the last", key="--from", value=first,
                         expected=f"on or before {last}")
    if a <= FIRST_DATE or b > SEED_DATE:
        raise InputError("origins outside the record's rolling part", key="--from/--to",
                         value=f"{first}..{last}", expected="months from 2019-11 to 2024-11")
    if runs < 1 or not windows or min(windows) < 1:
        raise InputError("runs and windows must be at least 1", key="--runs", value=runs)
    target = output_folder(out, "score", force, feedback=feedback)
    check_out(target, force)
    record = read_record(record_folder)
    series = record_series(record)
    origins = month_starts(a, b)
    later = after_seed_origins(series.last, min(windows)) if after_seed else []
    total = sum(o + dt.timedelta(days=w - 1) <= series.last
                for o in [*origins, *later] for w in windows)
    # the model's forecasts are many small simulations: in this process they run faster than
    # through a pool (measured with the defaults: 68 s against 96 s with -j 2); -j N pools
    with open_executor("serial" if jobs is None else "process", jobs) as executor:
        model = _Counted(ModelForecaster(runs, record, executor))
        with feedback.counted("model forecasts", total) as update:
            model.tick = lambda: update(1)
            evaluation = evaluate([model, *default_benchmarks()], origins=origins,
                                  windows=tuple(windows), samples=samples, seed=seed,
                                  after_seed=after_seed, series=series)
    t = tables(evaluation)
    _write(target, force, figures, t, seed,
           {"first": str(a), "last": str(b), "runs": runs, "windows": list(windows),
            "samples": samples, "after_seed": after_seed})
    write_report_if(target, report)
    lines = [*_lines(t), f"results: {target}"]
    data = {"results": str(target),
            "skill": t["skill"][t["skill"]["forecaster"] == "model"].to_dict("records")}
    return AppResult(target, lines, data, value=evaluation)


class _Counted:
    """The model forecaster, ticking the progress bar once per forecast."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name = inner, inner.name
        self.tick: Any = lambda: None

    def fit(self, history: Any) -> Any:
        fitted, owner = self.inner.fit(history), self

        class Ticking:
            def params(self) -> dict[str, float]:
                return dict(fitted.params())

            def sample(self, *args: Any) -> Any:
                out = fitted.sample(*args)
                owner.tick()
                return out

        return Ticking()


def _write(target: Path, force: bool, figures: bool, t: dict[str, pd.DataFrame], seed: int,
           settings: dict[str, Any]) -> None:
    from escsim.results import atomic_folder
    from escsim.results.provenance import write_folder_manifest

    with atomic_folder(target, force=force) as tmp:
        for name, table in t.items():
            table.to_csv(tmp / f"{name}.csv", index=False)
        write_folder_manifest(tmp, "score", [], seed,
                              title="rolling out-of-sample scores against the record",
                              score=settings)
        if figures:
            _draw(tmp, t["counts"])


def _draw(folder: Path, counts: pd.DataFrame) -> list[Path]:
    from escsim.plotting import save_figure
    from escsim.plotting.scores import plot_forecast_scores, plot_pit_histograms

    paths = []
    for (s, w), _ in counts.groupby(["set", "window_days"], sort=True):
        bands = ("model", "bootstrap")
        paths.append(save_figure(plot_forecast_scores(counts, int(w), "total", s, bands),
                                 folder / "plots" / f"scores-{s}-{w}.png"))
        paths.append(save_figure(plot_pit_histograms(counts, int(w), "total", s),
                                 folder / "plots" / f"pit-{s}-{w}.png"))
    return paths


def redraw(folder: Path) -> list[Path]:
    """The figures of a score folder, from ``counts.csv``."""
    from escsim.results.tables import read_shaped

    folder = Path(folder)
    counts = read_shaped(folder, "score", "counts.csv")
    return _draw(folder, counts)
