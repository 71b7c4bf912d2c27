"""The calibration that learns from the record: the shared behaviour of every era fitted to the
record's summaries (``escsim calibrate --record``).

* **What is fitted**: the behavioural parameters every era shares (``scenarios/priors/
  record.toml``: the groups' propensity and targeting, revenge for US rounds, weapon effects,
  how the US answers attacks as a multiple of each era's own practice, Iran's pause and its
  fraying). One draw is applied to all four eras before the seed (:data:`FIT_ERAS`); each era
  keeps its situation (regime, troops, the US practice of the time).
* **Against what**: the summaries of :func:`escsim.forecast.summaries.summarise` in each era's
  window (attacks, their monthly dispersion and empty months, days with attacks and the gaps
  between them, US rounds, the attacks before and after each round, the share of harmful
  attacks answered and the delay, the share of rounds with no harm in the 30 days up to them,
  the share of days with attacks that hurt nobody answered within a week, the share of harmful
  attacks answered within a week, the attacks that hurt nobody, the days from the latest attack
  to each round, the shares of attacks in the window's first and last thirds, US wounded and
  killed, casualties per attack; and the share of attacks in Syria), computed by the same
  function from the record and from every simulated run: both are first reduced to the same
  day-by-day series (attacks on US forces and those among them that killed or wounded US
  personnel, US rounds, US wounded and killed per day; :func:`day_events`), so a day of
  several attacks counts the same in both.
* **How**: ABC with a reference table of prior simulations, summaries fitted by regression and a
  local-linear regression adjustment (:mod:`escsim.history.regression_abc`, which says why).
  The reference table also serves the recovery check of ``benchmarks/bench_calibration.py``:
  synthetic records simulated from known parameters, each fitted as the record is
  (:func:`recovery`), give the coverage of the 50% and 90% intervals and the ranks of the truth
  (simulation-based calibration, Talts et al. 2018).
* **Reproducible**: table row ``i`` runs every era on ``replication_seed(seed, i,
  TABLE_STREAM)``, synthetic truth ``j`` on ``replication_seed(seed, j, TRUTH_STREAM)``; the
  prior draws come from their own ``SeedSequence`` streams; rows are put in place by index, so
  the result does not depend on the executor or the number of workers.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from escsim.executors import Executor, SerialExecutor
from escsim.history.regression_abc import (
    FittedSummaries,
    RegressionPosterior,
    fit_summaries,
    from_probit,
    regression_posterior,
    to_probit,
)
from escsim.records import HARMFUL_ATTACKS
from escsim.scenario.priors import PriorSet
from escsim.scenario.schema import Scenario
from escsim.sweep.work import Chunk, Task, run_chunk

if TYPE_CHECKING:
    from escsim.record import Record

#: The eras fitted: every era scenario before the seed date (11 Nov 2024).
FIT_ERAS = ("era-2019-20", "era-2021", "surge-2023", "pause-2024")
#: ``replication_seed(seed, i, TABLE_STREAM)`` runs table row ``i``; truths use TRUTH_STREAM.
TABLE_STREAM = 0x726566  # "ref"
TRUTH_STREAM = 0x747275  # "tru"
#: Statistics of :data:`escsim.forecast.summaries.STATISTICS` used per era, each with its
#: transform (``log1p`` for counts and days) and the value a run without the event gets.
STATISTICS: tuple[tuple[str, str, float], ...] = (
    ("attacks", "log1p", 0.0),
    ("syria_share", "", 0.5),
    ("monthly_dispersion", "log1p", 1.0),
    ("zero_month_share", "", 1.0),
    ("attack_days", "log1p", 0.0),
    ("gap_mean", "log1p", math.nan),  # a run with fewer than two attack days: the window
    ("gap_max", "log1p", math.nan),
    ("rounds", "log1p", 0.0),
    ("attacks_before_rounds", "log1p", 0.0),
    ("attacks_after_rounds", "log1p", 0.0),
    ("after_minus_before", "", 0.0),
    ("round_lag_median", "log1p", math.nan),  # no round, or none after an attack: the window
    ("unprovoked_round_share", "", 0.0),
    ("late_attack_share", "", 1 / 3),
    ("early_attack_share", "", 1 / 3),
    ("harmless_attacks", "log1p", 0.0),
    ("harmless_days_answered_share", "", 0.0),
    ("answered_soon_share", "", 0.0),
    ("harmful_events", "log1p", 0.0),
    ("answered_share", "", 0.0),
    ("response_delay_median", "", 31.0),
    ("us_wounded", "log1p", 0.0),
    ("us_killed", "log1p", 0.0),
    ("casualties_per_attack", "", 0.0),
)
#: Rows of the reference table by default (``escsim calibrate --record --table-size``).
DEFAULT_TABLE_SIZE = 10_000
#: The share of the table kept by the rejection step.
ACCEPT_SHARE = 0.05
#: Parameters whose posterior sd is more than this share of the prior's are called unidentified.
UNIDENTIFIED_RATIO = 0.9
#: Runs of the table simulated (and summarised) at a time: bounds the memory of daily series.
WAVE = 400
BATCH = 20

Progress = Callable[[str, int, int], None]


# ------------------------------------------------------------------------- the summaries ---
def day_events(attacks: np.ndarray, rounds: np.ndarray, wounded: np.ndarray,
               killed: np.ndarray, start: dt.date, harmful: np.ndarray | None = None
               ) -> pd.DataFrame:
    """Histories given day by day (``runs x days`` arrays) as the tidy event table: one US
    round row per day with rounds, and attack rows: with ``harmful`` (the attacks that killed
    or wounded US personnel per day), one row of the day's harmful attacks with the day's US
    wounded and killed and one of its harmless attacks; without it, one row per day with
    attacks carrying the day's casualties. ``run`` is the row of the arrays."""
    if harmful is None:
        harmful = np.where((wounded + killed) > 0, attacks, 0)
    harmful = np.minimum(harmful, attacks)
    rows = []
    for kind, counts, hurt in (("militia_attack", harmful, True),
                               ("militia_attack", attacks - harmful, False),
                               ("us_strike", rounds, False)):
        run, day = np.nonzero(counts)
        frame = pd.DataFrame({"run": run, "day": day, "kind": kind,
                              "subkind": "base" if kind == "militia_attack" else "facilities",
                              "country": "iraq", "count": counts[run, day]})
        if hurt:
            frame["us_wounded"], frame["us_killed"] = wounded[run, day], killed[run, day]
        rows.append(frame)
    # harm on a day without a harmful attack (an Iranian salvo): its own row, no attack counted
    run, day = np.nonzero(((wounded + killed) > 0) & (harmful == 0))
    rows.append(pd.DataFrame({"run": run, "day": day, "kind": "iran_attack", "subkind": "on_us",
                              "country": "iraq", "count": 1, "us_wounded": wounded[run, day],
                              "us_killed": killed[run, day]}))
    frame = pd.concat(rows, ignore_index=True)
    frame["date"] = pd.Timestamp(start) + pd.to_timedelta(frame.pop("day"), unit="D")
    return frame.fillna({"us_wounded": 0, "us_killed": 0})


def era_statistics(attacks: np.ndarray, rounds: np.ndarray, wounded: np.ndarray,
                   killed: np.ndarray, syria_share: np.ndarray, start: dt.date,
                   harmful: np.ndarray | None = None) -> np.ndarray:
    """The statistics of :data:`STATISTICS` of histories in one era's window (``runs x
    days`` arrays from ``start``; ``harmful``: see :func:`day_events`): shape (runs,
    statistics), transformed and filled."""
    from escsim.forecast.summaries import summarise

    runs, days = attacks.shape
    last = start + dt.timedelta(days=days - 1)
    events = day_events(attacks, rounds, wounded, killed, start, harmful)
    wide = summarise(events, {"era": (start, last)}, runs=range(runs)).wide()
    # a statistic no run has (no US round in any run: no delay) is dropped by the pivot
    wide = wide.set_index("run").reindex(index=range(runs),
                                         columns=[name for name, _, _ in STATISTICS])
    wide["syria_share"] = syria_share
    out = np.empty((runs, len(STATISTICS)))
    for j, (name, transform, fill) in enumerate(STATISTICS):
        v = wide[name].to_numpy(dtype=float)
        v = np.where(np.isfinite(v), v, days if math.isnan(fill) else fill)
        out[:, j] = np.log1p(v) if transform == "log1p" else v
    return out


def statistic_names(eras: Sequence[str]) -> list[str]:
    """The columns of the statistics vector: ``<era>:<statistic>``."""
    return [f"{era}:{name}" for era in eras for name, _, _ in STATISTICS]


def record_statistics(scenarios: Sequence[Scenario], record: Record | None = None
                      ) -> np.ndarray:
    """The statistics of the record in each era's window (the scenario's start and horizon)."""
    from escsim.forecast.events import daily_series, events_from_record

    if record is None:
        from escsim.record import read_record

        record = read_record()
    events = events_from_record(record)
    parts = []
    for s in scenarios:
        start = s.scenario.start_date
        days = math.ceil(s.scenario.horizon_days)
        series = daily_series(events, start, start + dt.timedelta(days=days - 1))
        total = series.total()
        hurt, killed = series.hurt[None, :], series.killed[None, :]
        syria = series.attacks[:, series.countries.index("syria")].sum()
        share = np.array([syria / total.sum() if total.sum() else math.nan])
        parts.append(era_statistics(total[None, :], series.rounds[None, :], hurt - killed,
                                    killed, share, start,
                                    harmful_per_day(events, start, days)[None, :]))
    return np.concatenate(parts, axis=1)[0]


def harmful_per_day(events: pd.DataFrame, start: dt.date, days: int) -> np.ndarray:
    """The record's attacks on US forces that killed or wounded US personnel, per day from
    ``start``: one per such row (a row of several attacks says that at least one hurt)."""
    from escsim.forecast.events import attack_rows

    rows = attack_rows(events)
    rows = rows[(rows["us_wounded"] + rows["us_killed"]) > 0]
    day = (rows["date"] - pd.Timestamp(start)).dt.days.to_numpy()
    return np.bincount(day[(day >= 0) & (day < days)], minlength=days).astype(np.int64)


# ------------------------------------------------------------------------ the simulations ---
def _chunk(bases: tuple[Scenario, ...], priors: PriorSet, thetas: np.ndarray, seed: int,
           stream: int, first: int, chunk_id: int) -> Chunk:
    tasks = tuple(Task(point=first + i, seed_key=stream, base=k,
                       patch=priors.patch(base, theta), prefix=(k, first + i), start=first + i,
                       stop=first + i + 1)
                  for i, theta in enumerate(thetas) for k, base in enumerate(bases))
    return Chunk(chunk_id, seed, bases, tasks, ("attacks", "attacks_in_syria"),
                 daily="series", hash_points=False)


def _per_day(cumulative: np.ndarray) -> np.ndarray:
    return np.diff(cumulative, prepend=0)


def _statistics_chunk(chunk: Chunk) -> tuple[list[int], np.ndarray]:
    """Run a chunk of candidates (every era each) and summarise them where it ran: the
    candidates' indices and their statistics (candidates x statistics of every era)."""
    res = run_chunk(chunk)
    bases = chunk.bases
    first = chunk.tasks[0].start
    n = len(chunk.tasks) // len(bases)
    days = [math.ceil(b.scenario.horizon_days) for b in bases]
    arrays = {name: [np.zeros((n, d), dtype=np.int64) for d in days]
              for name in ("attacks", "us_strikes", "us_wounded", "us_killed",
                           HARMFUL_ATTACKS)}
    share = np.full((len(bases), n), math.nan)
    assert isinstance(res.daily, list)  # daily="series": one dict of series per row
    for (k, i, attacks, syria), daily in zip(res.rows, res.daily, strict=True):
        for name, per_era in arrays.items():
            per_era[k][i - first] = _per_day(daily[name])
        share[k, i - first] = syria / attacks if attacks else math.nan
    out = np.concatenate([era_statistics(arrays["attacks"][k], arrays["us_strikes"][k],
                                         arrays["us_wounded"][k], arrays["us_killed"][k],
                                         share[k], base.scenario.start_date,
                                         arrays[HARMFUL_ATTACKS][k])
                          for k, base in enumerate(bases)], axis=1)
    return list(range(first, first + n)), out


def simulate_statistics(scenarios: Sequence[Scenario], priors: PriorSet, thetas: np.ndarray,
                        seed: int, stream: int, executor: Executor | None = None,
                        progress: Progress | None = None, label: str = "") -> np.ndarray:
    """Run each parameter vector once in every era and return the statistics (rows x stats):
    row ``i`` on ``replication_seed(seed, i, stream)``, summarised by the worker that ran it
    and put in place by index."""
    executor = executor or SerialExecutor()
    bases = tuple(scenarios)
    out = np.full((len(thetas), len(STATISTICS) * len(bases)), math.nan)
    done = 0
    for w0 in range(0, len(thetas), WAVE):
        chunks = [_chunk(bases, priors, thetas[b:b + BATCH], seed, stream, b, b)
                  for b in range(w0, min(w0 + WAVE, len(thetas)), BATCH)]
        for rows, values in executor.map_unordered(_statistics_chunk, chunks):
            out[rows] = values
            done += len(rows)
            if progress:
                progress(label or "reference table", done, len(thetas))
    return out


# ----------------------------------------------------------------------------- the table ---
@dataclass
class ReferenceTable:
    """Prior draws, each simulated once in every era, with their statistics and fitted
    summaries."""

    priors: PriorSet
    scenarios: tuple[Scenario, ...]
    thetas: np.ndarray
    stats: np.ndarray
    seed: int
    #: The share of the table the rejection step keeps.
    accept_share: float = ACCEPT_SHARE
    fitted: FittedSummaries = field(init=False, repr=False)
    summaries: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.fitted = fit_summaries(self.probits(self.thetas), self.stats)
        self.summaries = self.fitted.transform(self.stats)

    @property
    def eras(self) -> tuple[str, ...]:
        return tuple(s.scenario.name for s in self.scenarios)

    def probits(self, thetas: np.ndarray) -> np.ndarray:
        """Parameters on the probit scale of their priors."""
        return np.column_stack([to_probit(p.frozen.cdf(thetas[:, j]))
                                for j, p in enumerate(self.priors.priors)])

    def values(self, z: np.ndarray) -> np.ndarray:
        """Probits back to parameter values."""
        return np.column_stack([p.ppf(from_probit(z[:, j]))
                                for j, p in enumerate(self.priors.priors)])

    def posterior(self, observed: np.ndarray) -> RegressionPosterior:
        """The regression-adjusted posterior given observed statistics."""
        return regression_posterior(self.probits(self.thetas), self.summaries,
                                    self.fitted.transform(observed)[0],
                                    max(1, round(self.accept_share * len(self.thetas))))


def prior_draws(priors: PriorSet, seed: int, stream: int, n: int) -> np.ndarray:
    """``n`` prior draws from the stream ``SeedSequence(seed, spawn_key=(stream,))``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))
    return priors.sample(rng, n)


def build_table(scenarios: Sequence[Scenario], priors: PriorSet, size: int, seed: int,
                executor: Executor | None = None, progress: Progress | None = None
                ) -> ReferenceTable:
    """The reference table: ``size`` prior draws, each simulated once in every era."""
    thetas = prior_draws(priors, seed, TABLE_STREAM, size)
    table = simulate_statistics(scenarios, priors, thetas, seed, TABLE_STREAM, executor,
                                progress)
    return ReferenceTable(priors, tuple(scenarios), thetas, table, seed)


# ------------------------------------------------------------------------ the posterior ---
def weighted_quantiles(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical CDF)."""
    order = np.argsort(x, kind="stable")
    cdf = np.cumsum(w[order]) / np.sum(w)
    idx = np.minimum(np.searchsorted(cdf, np.asarray(q) - 1e-12), len(x) - 1)
    return np.asarray(x[order][idx], dtype=float)


@dataclass
class LearnedPosterior:
    """The posterior of the shared behaviour given the record (see the module)."""

    table: ReferenceTable
    observed: np.ndarray
    posterior: RegressionPosterior
    wall_seconds: float = 0.0

    @property
    def values(self) -> np.ndarray:
        """The posterior sample (rows, parameters), weighted by ``posterior.weights``."""
        return self.table.values(self.posterior.z)

    def summary_table(self) -> pd.DataFrame:
        """Per parameter: prior and posterior sd, their ratio, quantiles, and how much of the
        parameter the statistics explain over the table (R squared of its fitted summary)."""
        x, w = self.values, self.posterior.weights
        rows = []
        for j, p in enumerate(self.table.priors.priors):
            mean = float(np.sum(w * x[:, j]))
            sd = float(np.sqrt(np.sum(w * (x[:, j] - mean) ** 2)))
            q = weighted_quantiles(x[:, j], w, (0.05, 0.25, 0.5, 0.75, 0.95))
            prior_sd = float(p.frozen.std())
            rows.append({"parameter": p.name, "keys": ";".join(p.keys), "mode": p.mode,
                         "prior": p.describe(), "prior_sd": prior_sd,
                         "prior_q05": float(p.frozen.ppf(0.05)),
                         "prior_q95": float(p.frozen.ppf(0.95)), "posterior_mean": mean,
                         "posterior_sd": sd, "sd_ratio": sd / prior_sd,
                         **{f"posterior_q{k}": v for k, v in
                            zip(("05", "25", "50", "75", "95"), q, strict=True)},
                         "r_squared": float(self.table.fitted.r_squared[j]),
                         "identified": bool(sd / prior_sd <= UNIDENTIFIED_RATIO)})
        return pd.DataFrame(rows)

    def posterior_csv(self) -> pd.DataFrame:
        """``posterior.csv``: one ``drawn_NAME`` column per parameter and a weight (what
        ``--parameter-uncertainty posterior`` reads), and the table row each came from."""
        frame = pd.DataFrame(self.values, columns=self.table.priors.columns)
        frame["weight"] = self.posterior.weights
        frame["table_row"] = self.posterior.rows
        return frame

    def statistics_table(self) -> pd.DataFrame:
        """``statistics.csv``: each statistic on the record beside its spread over the table
        (prior predictive) and over the accepted rows (before adjustment)."""
        names = statistic_names(self.table.eras)
        prior = np.quantile(self.table.stats, [0.05, 0.5, 0.95], axis=0)
        rows_ = self.posterior.rows
        acc = np.array([weighted_quantiles(self.table.stats[rows_, k], self.posterior.weights,
                                           (0.05, 0.5, 0.95)) for k in range(len(names))])
        return pd.DataFrame({"statistic": names, "record": self.observed,
                             "prior_q05": prior[0], "prior_q50": prior[1],
                             "prior_q95": prior[2], "accepted_q05": acc[:, 0],
                             "accepted_q50": acc[:, 1], "accepted_q95": acc[:, 2]})

    def summary(self) -> dict[str, Any]:
        t = self.summary_table()
        return {"method": "ABC with a reference table, summaries fitted by regression "
                          "(Fearnhead & Prangle 2012) and local-linear regression adjustment "
                          "(Beaumont, Zhang & Balding 2002)",
                "eras": list(self.table.eras), "priors_file": self.table.priors.file,
                "root_seed": self.table.seed, "table_size": len(self.table.thetas),
                "accepted": len(self.posterior.rows),
                "effective_sample_size": round(self.posterior.ess, 1),
                "narrowed_to_0.6": int((t["sd_ratio"] <= 0.6).sum()),
                "unidentified": t.loc[~t["identified"], "parameter"].tolist(),
                "wall_seconds": round(self.wall_seconds, 2)}


def fit_record(scenarios: Sequence[Scenario], priors: PriorSet, size: int, seed: int,
               executor: Executor | None = None, progress: Progress | None = None,
               record: Record | None = None, table: ReferenceTable | None = None
               ) -> LearnedPosterior:
    """Fit the shared behaviour to the record's summaries in every era (see the module)."""
    started = time.perf_counter()
    table = table or build_table(scenarios, priors, size, seed, executor, progress)
    observed = record_statistics(table.scenarios, record)
    return LearnedPosterior(table, observed, table.posterior(observed),
                            time.perf_counter() - started)


# -------------------------------------------------------------------------- the recovery ---
@dataclass
class Recovery:
    """Synthetic records from known parameters, each fitted as the record is."""

    names: list[str]
    truths: np.ndarray
    pit: np.ndarray  # (truths, parameters): the posterior's weighted CDF at the truth
    sd_ratio: np.ndarray  # (truths, parameters)

    def coverage_table(self, bins: int = 5) -> pd.DataFrame:
        """Per parameter: 50% and 90% coverage with exact binomial 95% intervals, and the rank
        uniformity tests (chi-square over ``bins`` equal bins, Kolmogorov-Smirnov)."""
        n = len(self.truths)
        rows = []
        for j, name in enumerate(self.names):
            u = self.pit[:, j]
            row: dict[str, Any] = {"parameter": name, "truths": n}
            for level in (0.5, 0.9):
                k = int(np.sum((u >= (1 - level) / 2) & (u <= (1 + level) / 2)))
                ci = sps.binomtest(k, n, level).proportion_ci(0.95, method="exact")
                row.update({f"coverage_{int(level * 100)}": k / n,
                            f"coverage_{int(level * 100)}_low": ci.low,
                            f"coverage_{int(level * 100)}_high": ci.high,
                            f"coverage_{int(level * 100)}_ok": bool(ci.low <= level <= ci.high)})
            counts = np.bincount(np.minimum((u * bins).astype(int), bins - 1), minlength=bins)
            row["rank_chi2_p"] = float(sps.chisquare(counts).pvalue)
            row["rank_ks_p"] = float(sps.kstest(u, "uniform").pvalue)
            row["mean_sd_ratio"] = float(np.mean(self.sd_ratio[:, j]))
            rows.append(row)
        return pd.DataFrame(rows)


def recovery(table: ReferenceTable, truths: int, seed: int,
             executor: Executor | None = None, progress: Progress | None = None
             ) -> Recovery:
    """Simulate ``truths`` synthetic records from prior draws (their own streams) and fit each
    with ``table``, as the record is fitted."""
    thetas = prior_draws(table.priors, seed, TRUTH_STREAM, truths)
    stats = simulate_statistics(table.scenarios, table.priors, thetas, seed, TRUTH_STREAM,
                                executor, progress, "synthetic records")
    k = len(table.priors)
    pit, ratio = np.empty((truths, k)), np.empty((truths, k))
    prior_sd = np.array([p.frozen.std() for p in table.priors.priors])
    for i in range(truths):
        post = table.posterior(stats[i])
        x, w = table.values(post.z), post.weights
        for j in range(k):
            pit[i, j] = float(np.sum(w * (x[:, j] < thetas[i, j])))
            mean = np.sum(w * x[:, j])
            ratio[i, j] = np.sqrt(np.sum(w * (x[:, j] - mean) ** 2)) / prior_sd[j]
    return Recovery(table.priors.names, thetas, pit, ratio)
