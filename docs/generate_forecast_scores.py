"""Regenerate what docs/explanation/forecast-scores.md shows: the model's and the benchmark
forecasters' scores over the rolling origins and the year after the seed (tables), and two figures
(docs/images/forecast-scores.png, docs/images/forecast-pit.png)::

    python docs/generate_forecast_scores.py           # rewrite the block and the figures
    python docs/generate_forecast_scores.py --check   # exit 1 if the block is out of date

The numbers are those of ``escsim score`` with its defaults: ``escsim.forecast.evaluate()`` with
its defaults (root seed 2024, 2000 samples per benchmark forecast) and the model's forecaster
(``escsim.history.forecaster.ModelForecaster``, 200 runs per forecast) beside the benchmarks.
``tests/test_forecast_docs.py`` fails when the committed block differs.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from escsim.forecast import Evaluation, default_benchmarks, evaluate, record_series
from escsim.forecast.hawkes import fit_hawkes, standard_errors
from escsim.history.forecaster import DEFAULT_RUNS, ModelForecaster
from escsim.record import SEED_DATE

DOCS = Path(__file__).resolve().parent
PAGE = DOCS / "explanation" / "forecast-scores.md"
FIGURES = {"scores": DOCS / "images" / "forecast-scores.png",
           "pit": DOCS / "images" / "forecast-pit.png"}
START, END = "<!-- forecast-scores:start -->", "<!-- forecast-scores:end -->"
ORDER = ["model", "zeros", "bootstrap", "negbin", "hawkes"]
BENCHMARKS = ORDER[1:]


def forecasters() -> list:
    """The model (200 runs per forecast, as ``escsim score``) and the benchmarks."""
    return [ModelForecaster(runs=DEFAULT_RUNS), *default_benchmarks()]


def run() -> Evaluation:
    """The evaluation the page shows (``escsim score`` with its defaults)."""
    return evaluate(forecasters())


def _md(table: pd.DataFrame) -> list[str]:
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    return [header, rule, *("| " + " | ".join(str(v) for v in row) + " |"
                            for row in table.itertuples(index=False))]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _counts_table(ev: Evaluation, set_name: str) -> pd.DataFrame:
    summary = ev.summary()
    skill = ev.skill("bootstrap")
    rows = []
    for name in ORDER:
        row: dict[str, str] = {"forecaster": name}
        for days in (30, 90):
            s = summary[(summary["set"] == set_name) & (summary["window_days"] == days)
                        & (summary["country"] == "total") & (summary["forecaster"] == name)]
            k = skill[(skill["set"] == set_name) & (skill["window_days"] == days)
                      & (skill["country"] == "total") & (skill["forecaster"] == name)]
            if s.empty:
                continue
            row[f"{days} d: n"] = str(int(s["forecasts"].iloc[0]))
            row[f"{days} d: CRPS"] = f"{s['crps'].iloc[0]:.2f}"
            low, high = k["skill_low"].iloc[0], k["skill_high"].iloc[0]
            interval = f" ({low:+.2f}, {high:+.2f})" if name != "bootstrap" else ""
            row[f"{days} d: skill vs bootstrap"] = f"{k['skill'].iloc[0]:+.2f}{interval}"
            row[f"{days} d: in 50%"] = _pct(s["in50"].iloc[0])
            row[f"{days} d: in 90%"] = _pct(s["in90"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows)


def _model_skill_table(ev: Evaluation) -> pd.DataFrame:
    rows = []
    for set_name in ("rolling", "after_seed"):
        for days in (30, 90):
            row = {"set": set_name.replace("_", " "), "window": f"{days} d"}
            for ref in BENCHMARKS:
                k = ev.skill(ref)
                k = k[(k["set"] == set_name) & (k["window_days"] == days)
                      & (k["country"] == "total") & (k["forecaster"] == "model")]
                if k.empty:
                    continue
                r = k.iloc[0]
                row[f"vs {ref}"] = (f"{r['skill']:+.2f} ({r['skill_low']:+.2f}, "
                                    f"{r['skill_high']:+.2f})")
            rows.append(row)
    return pd.DataFrame(rows)


def _pit_table(ev: Evaluation) -> pd.DataFrame:
    p = ev.pit(bins=5)
    p = p[p["set"] == "rolling"]
    rows = []
    for (days, name), part in p.groupby(["window_days", "forecaster"], sort=True):
        rows.append({"window": f"{days} d", "forecaster": name,
                     **{f"PIT {lo:.1f}-{hi:.1f}": _pct(s) for lo, hi, s in
                        zip(part["low"], part["high"], part["share"], strict=True)}})
    out = pd.DataFrame(rows)
    out["order"] = out["forecaster"].map(ORDER.index)
    return out.sort_values(["window", "order"]).drop(columns="order")


PERIODS = (("Jan 2020 - Sep 2023 (quiet years)", "2020-01-01", "2023-09-01"),
           ("Oct 2023 - Jan 2024 (the surge)", "2023-10-01", "2024-01-01"),
           ("Feb - Oct 2024 (the pause)", "2024-02-01", "2024-10-01"))


def _period_table(ev: Evaluation) -> pd.DataFrame:
    c = ev.counts
    c = c[(c["set"] == "rolling") & (c["country"] == "total")]
    origin = pd.to_datetime(c["origin"])
    rows = []
    for label, a, b in PERIODS:
        part = c[origin.between(pd.Timestamp(a), pd.Timestamp(b))]
        row = {"origins": f"{label}, {part['origin'].nunique()}"}
        for days in (30, 90):
            m = part[part["window_days"] == days].groupby("forecaster")["crps"].mean()
            row.update({f"{days} d: {n}": f"{m[n]:.2f}" for n in ORDER})
        rows.append(row)
    return pd.DataFrame(rows)


def _country_table(ev: Evaluation, set_name: str, days: int) -> pd.DataFrame:
    s = ev.summary()
    s = s[(s["set"] == set_name) & (s["window_days"] == days)]
    rows = []
    for name in ORDER:
        part = s[s["forecaster"] == name].set_index("country")
        rows.append({"forecaster": name, **{c.capitalize(): f"{part.loc[c, 'crps']:.2f}"
                                            for c in ("iraq", "syria", "jordan", "total")}})
    obs = s[s["forecaster"] == "zeros"].set_index("country")["observed_mean"]
    rows.append({"forecaster": "(mean observed)",
                 **{c.capitalize(): f"{obs[c]:.2f}" for c in ("iraq", "syria", "jordan",
                                                               "total")}})
    return pd.DataFrame(rows)


def _events_table(ev: Evaluation) -> pd.DataFrame:
    e = ev.event_summary()
    rows = []
    for r in e.itertuples():
        rows.append({"set": r.set.replace("_", " "), "window": f"{r.window_days} d",
                     "event": r.event.replace("_", " "), "n": r.forecasts,
                     "happened": _pct(r.observed), "forecaster": r.forecaster,
                     "mean P": f"{r.probability:.2f}", "Brier": f"{r.brier:.3f}",
                     "log score": f"{r.log_score:.3f}"})
    out = pd.DataFrame(rows)
    return out.sort_values(["set", "window", "event", "forecaster"], ascending=[False, True,
                                                                                True, True])


def _hawkes_table() -> pd.DataFrame:
    history = record_series().until(SEED_DATE)
    fit = fit_hawkes(history.total(), history.rounds)
    se = standard_errors(fit, history.total(), history.rounds)
    names = {"mu": "mu: background attacks per day", "alpha": "alpha: attacks one attack "
             "triggers", "beta": "beta: decay per day", "gamma": "gamma: attacks one US round "
             "triggers"}
    rows = [{"parameter": names[p], "estimate": f"{v:.3f}", "standard error": f"{s:.3f}"}
            for p, v, s in zip(names, fit.theta, se, strict=True)]
    lag = 1.0 / (1.0 - np.exp(-fit.beta))
    rows.append({"parameter": "mean lag of the excitation (days)", "estimate": f"{lag:.1f}",
                 "standard error": ""})
    return pd.DataFrame(rows)


def _surge_share(ev: Evaluation) -> str:
    c = ev.counts
    part = c[(c["set"] == "rolling") & (c["window_days"] == 30) & (c["country"] == "total")]
    surge = part["origin"].between(pd.Timestamp("2023-10-01").date(),
                                   pd.Timestamp("2024-01-01").date())
    shares = []
    for name in ORDER:
        f = part[part["forecaster"] == name]
        share = f.loc[surge.loc[f.index], "crps"].sum() / f["crps"].sum()
        shares.append(f"{name} {_pct(share)}")
    return (f"The {int(surge.sum() / len(ORDER))} origins from Oct 2023 to Jan 2024 (the surge) "
            f"hold this share of each forecaster's summed 30-day CRPS: {', '.join(shares)}.")


def _rolling_information() -> pd.DataFrame:
    ev = evaluate(forecasters(), origins=[], after_seed_information="rolling")
    s = ev.summary()
    s = s[s["country"] == "total"]
    rows = []
    for name in ORDER:
        row = {"forecaster": name}
        for days in (30, 90):
            x = s[(s["forecaster"] == name) & (s["window_days"] == days)]
            row[f"{days} d: CRPS"] = f"{x['crps'].iloc[0]:.2f}"
            row[f"{days} d: in 90%"] = _pct(x["in90"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows)


def block(ev: Evaluation | None = None) -> str:
    """The generated part of the page."""
    ev = run() if ev is None else ev
    c = ev.counts
    rolling = c[c["set"] == "rolling"]
    later = c[c["set"] == "after_seed"]
    lines = [START, "",
             f"Rolling origins: {rolling['origin'].nunique()} month starts from "
             f"{rolling['origin'].min():%b %Y} to {rolling['origin'].max():%b %Y}; the year after "
             f"the seed: {later['origin'].nunique()} origins from {later['origin'].min():%d %b %Y}"
             f" to {later['origin'].max():%d %b %Y}, all knowing the record as of "
             f"{SEED_DATE:%d %b %Y}. {DEFAULT_RUNS} model runs and "
             f"{int(c['samples'].max())} benchmark samples per forecast, root seed 2024.", "",
             "**Attacks on US forces, all countries, rolling origins** (CRPS in attacks, lower "
             "is better; skill = 1 - CRPS / CRPS of the bootstrap):", "",
             *_md(_counts_table(ev, "rolling")), "",
             "**The model's CRPS skill against each benchmark**, attacks in all countries "
             "(`1 - CRPS of the model / CRPS of the benchmark`; a 90% block-bootstrap interval "
             "over the origins in brackets):", "",
             *_md(_model_skill_table(ev)), "",
             "**PIT histograms, rolling origins**, attacks in all countries (share of "
             "forecasts per fifth; 20% each for a calibrated forecaster):", "",
             *_md(_pit_table(ev)), "",
             "Skill in brackets: a 90% interval from a moving-block bootstrap over the origins "
             "(blocks of 6). " + _surge_share(ev), "",
             "**By period, rolling origins** (mean CRPS of all attacks):", "",
             *_md(_period_table(ev)), "",
             "**By country, 30-day windows, rolling origins** (mean CRPS):", "",
             *_md(_country_table(ev, "rolling", 30)), "",
             "**The year after the seed** (the genuine out-of-sample test; the forecasts know "
             "only the record up to 11 Nov 2024):", "",
             *_md(_counts_table(ev, "after_seed")), "",
             "The same origins when each forecast knows the record up to its eve "
             "(`after_seed_information=\"rolling\"`; all countries):", "",
             *_md(_rolling_information()), "",
             "**Binary events** (US personnel killed; a US strike round; in the window):", "",
             *_md(_events_table(ev)), "",
             "**The Hawkes benchmark as fitted on the seed's date** (maximum likelihood, "
             "asymptotic standard errors):", "",
             *_md(_hawkes_table()), "", END]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    t0, c0 = time.perf_counter(), time.process_time()
    ev = run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    new = pattern.sub(lambda _: block(ev), text)
    if "--check" in argv:
        return 0 if new == text else 1
    PAGE.write_text(new, encoding="utf-8")
    from escsim.plotting.scores import plot_forecast_scores, plot_pit_histograms
    from escsim.plotting.style import save_figure

    save_figure(plot_forecast_scores(ev.counts, 30, bands=("model", "hawkes")),
                FIGURES["scores"])
    save_figure(plot_pit_histograms(ev.counts, 30), FIGURES["pit"])
    sys.stdout.write(f"evaluation: {wall:.1f} s wall, {cpu:.1f} s CPU; wrote {PAGE.name} and "
                     f"{', '.join(p.name for p in FIGURES.values())}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
