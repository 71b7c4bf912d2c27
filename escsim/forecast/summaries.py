"""Summaries that identify behaviour, computed by one function from the record or from runs.

:func:`summarise` reads the tidy event table (:mod:`escsim.forecast.events`): the record's rows
(``events_from_record``) or simulated runs mapped onto the same columns (a ``run`` column tells
the runs apart). Everything is counted inside each window (an era, a period): a simulated run
only has its window, so the record is read the same way, and what lies outside a window does not
count in it.

The summaries (tables of :class:`Summaries`):

* ``monthly``: attacks on US forces per calendar month and country (every month of the window,
  zeros included; ``days`` says how many of the month's days are inside the window).
* ``around_rounds``: for each US round, the attacks in the ``around_days`` days before it and
  in the ``around_days`` days after it (the day itself in neither): the tit-for-tat signature.
* ``gaps``: the days between consecutive days with attacks.
* ``responses``: each event that killed or wounded US personnel and the days until the next US
  round (on a later day; missing if none came within ``response_days`` or before the window's
  end, ``censored`` when the window ended first).
* ``casualties``: the rows whose US casualties count (attacks on bases, the embassy and convoys;
  Iranian attacks on US forces) with their attacks, wounded and killed.
* ``table``: the scalar summaries per run and window (``statistic``, ``value``), the vector a
  calibration compares: see :data:`STATISTICS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from escsim.forecast.events import (
    ATTACK_COUNTRIES,
    _as_date,
    attack_rows,
    harm_rows,
    round_rows,
)
from escsim.record.schema import ATTACKS_ON_US_FORCES

__all__ = ["RECORD_PERIODS", "STATISTICS", "Summaries", "summarise"]

#: The record's periods (the windows its completeness is read in), as summary windows.
RECORD_PERIODS: dict[str, tuple[str, str]] = {
    "2019-10..2020-12": ("2019-10-01", "2020-12-31"),
    "2021": ("2021-01-01", "2021-12-31"),
    "2022-01..2023-10-16": ("2022-01-01", "2023-10-16"),
    "surge-2023-24": ("2023-10-17", "2024-02-04"),
    "pause-2024": ("2024-02-05", "2024-11-11"),
    "after-seed": ("2024-11-12", "2025-11-30"),
}

#: The scalar summaries of ``Summaries.table`` and what each is.
STATISTICS: dict[str, str] = {
    "days": "days in the window",
    "attacks": "attacks on US forces (sum of count)",
    "attacks_<country>": "attacks on US forces in the country",
    "attacks_per_30d": "attacks per 30 days",
    "months": "calendar months wholly inside the window",
    "monthly_mean": "mean attacks per whole month",
    "monthly_dispersion": "variance / mean of attacks per whole month (1 for Poisson)",
    "zero_month_share": "share of whole months without attacks",
    "attack_days": "days with at least one attack",
    "gap_mean": "mean days between consecutive attack days",
    "gap_median": "median days between consecutive attack days",
    "gap_max": "longest gap between consecutive attack days",
    "rounds": "US strike rounds",
    "attacks_before_rounds": "attacks in the around_days days before each round, summed",
    "attacks_after_rounds": "attacks in the around_days days after each round, summed",
    "after_minus_before": "mean over rounds of (attacks after - attacks before)",
    "round_lag_median": "median over rounds of the days since the latest attack (that day: 0)",
    "unprovoked_round_share": "share of rounds with no harmful event in the response_days "
                              "days up to them (rounds after attacks that hurt nobody)",
    "late_attack_share": "share of the window's attacks in its last third (a tempo that "
                         "changes inside the window)",
    "early_attack_share": "share of the window's attacks in its first third",
    "harmless_attacks": "attacks on US forces that killed or wounded no US personnel",
    "unprovoked_rounds": "rounds with no harmful event in the response_days days up to them",
    "harmless_days_answered_share": "share of days with attacks none of which hurt anyone "
                                    "followed by a round within around_days",
    "harmful_events": "events that killed or wounded US personnel",
    "answered_share": "share of harmful events answered by a round within response_days",
    "answered_soon_share": "share of harmful events answered by a round within around_days",
    "response_delay_median": "median days from a harmful event to the next round (answered)",
    "us_wounded": "US personnel wounded",
    "us_killed": "US personnel killed",
    "casualties_per_attack": "US killed and wounded per attack (bases, embassy, convoys, Iran)",
    "attacks_with_casualties_share": "share of those rows with US killed or wounded",
}


@dataclass(frozen=True)
class Summaries:
    """The summaries of one or many histories per window (see the module)."""

    monthly: pd.DataFrame
    around_rounds: pd.DataFrame
    gaps: pd.DataFrame
    responses: pd.DataFrame
    casualties: pd.DataFrame
    table: pd.DataFrame

    def wide(self) -> pd.DataFrame:
        """``table`` with one row per run and window and one column per statistic."""
        return (self.table.pivot_table(index=["run", "window"], columns="statistic",
                                       values="value", sort=False)
                .reset_index().rename_axis(columns=None))


def _windows(events: pd.DataFrame, windows: Mapping[str, tuple[object, object]] | None
             ) -> dict[str, tuple[dt.date, dt.date]]:
    if windows is None:
        if events.empty:
            raise ValueError("no events and no window: give the windows")
        return {"all": (events["date"].min().date(), events["date"].max().date())}
    out = {}
    for name, (first, last) in windows.items():
        a, b = _as_date(first), _as_date(last)
        if b < a:
            raise ValueError(f"window {name!r} ends before it starts")
        out[name] = (a, b)
    return out


def _per_day(runs: np.ndarray, run_pos: np.ndarray, day: np.ndarray, weights: np.ndarray,
             n_days: int) -> np.ndarray:
    grid = np.zeros((len(runs), n_days), dtype=np.int64)
    np.add.at(grid, (run_pos, day), weights.astype(np.int64))
    return grid


def summarise(events: pd.DataFrame,
              windows: Mapping[str, tuple[dt.date | str, dt.date | str]] | None = None,
              runs: Sequence[int] | None = None, around_days: int = 7,
              response_days: int = 30, subkinds: tuple[str, ...] = ATTACKS_ON_US_FORCES,
              countries: tuple[str, ...] = ATTACK_COUNTRIES) -> Summaries:
    """The summaries of the histories in an event table, per window.

    Args:
        events: the tidy event table (:func:`~escsim.forecast.events.event_table`); the
            record's (``events_from_record``) or simulated runs' (one ``run`` per history).
        windows: name -> (first day, last day), inclusive (e.g. :data:`RECORD_PERIODS`, or a
            simulated run's span); ``None``: one window ``all`` from the first to the last event.
        runs: the runs to summarise (a run without events is a quiet history, not a missing
            one, so simulated runs should be listed); the runs in ``events`` when ``None``.
        around_days: the days before and after each US round counted (the tit-for-tat).
        response_days: how long after a harmful event a round counts as its answer.
        subkinds: the attack subkinds counted as attacks on US forces (bases and the embassy,
            as the record's observations count them).
        countries: the countries whose attacks are counted one by one.

    Returns:
        The :class:`Summaries`.
    """
    from escsim.forecast.events import event_table

    ev = event_table(events)
    run_ids = np.array(sorted(set(ev["run"].unique())) if runs is None else list(runs),
                       dtype=np.int64)
    ev = ev[ev["run"].isin(run_ids)]
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in (
        "monthly", "around_rounds", "gaps", "responses", "casualties", "table")}
    for name, (first, last) in _windows(ev, windows).items():
        got = _one_window(ev, name, first, last, run_ids, around_days, response_days,
                          subkinds, countries)
        for k, frame in got.items():
            parts[k].append(frame)
    return Summaries(**{k: pd.concat(v, ignore_index=True) for k, v in parts.items()})


def _one_window(ev: pd.DataFrame, name: str, first: dt.date, last: dt.date,
                run_ids: np.ndarray, around_days: int, response_days: int,
                subkinds: tuple[str, ...], countries: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    start = pd.Timestamp(first)
    n_days = (last - first).days + 1
    inside = ev[ev["date"].between(start, pd.Timestamp(last))].reset_index(drop=True)
    day = (inside["date"] - start).dt.days.to_numpy()
    pos = np.searchsorted(run_ids, inside["run"].to_numpy())
    stats: dict[str, np.ndarray] = {"days": np.full(len(run_ids), float(n_days))}

    # attacks per run, day and country
    attacks = attack_rows(inside, subkinds)
    a_idx = attacks.index.to_numpy()
    a_country = attacks["country"].to_numpy()
    by_country = {c: _per_day(run_ids, pos[a_idx][a_country == c], day[a_idx][a_country == c],
                              attacks["count"].to_numpy()[a_country == c], n_days)
                  for c in countries}
    daily = sum(by_country.values(), np.zeros((len(run_ids), n_days), dtype=np.int64))
    total = daily.sum(axis=1)
    stats["attacks"] = total.astype(float)
    for c in countries:
        stats[f"attacks_{c}"] = by_country[c].sum(axis=1).astype(float)
    stats["attacks_per_30d"] = total * 30.0 / n_days
    with np.errstate(invalid="ignore", divide="ignore"):
        stats["late_attack_share"] = np.where(
            total > 0, daily[:, (2 * n_days) // 3:].sum(axis=1) / np.maximum(total, 1), np.nan)
        stats["early_attack_share"] = np.where(
            total > 0, daily[:, :n_days // 3].sum(axis=1) / np.maximum(total, 1), np.nan)
    # attacks that hurt no US personnel (a row's casualties are its attacks')
    harmless = (attacks["us_wounded"] + attacks["us_killed"]).to_numpy() == 0
    stats["harmless_attacks"] = np.bincount(pos[a_idx][harmless],
                                            attacks["count"].to_numpy()[harmless].astype(float),
                                            len(run_ids))

    dates = pd.date_range(start, pd.Timestamp(last), freq="D")
    monthly = _months(run_ids, name, dates, by_country, countries, stats)
    gaps_t = _gaps(run_ids, name, dates, daily, stats)
    around, r_pos, r_day = _around(inside, run_ids, name, pos, day, daily, around_days, stats)
    responses, casualties = _responses(inside, run_ids, name, pos, day, r_pos, r_day,
                                       n_days, response_days, around_days, stats)
    stats["harmless_days_answered_share"] = _harmless_days_answered(
        daily, responses, run_ids, start, r_pos, r_day, around_days)
    table = pd.concat([pd.DataFrame({"run": run_ids, "window": name, "statistic": k,
                                     "value": np.asarray(v, dtype=float)})
                       for k, v in stats.items()], ignore_index=True)
    return {"monthly": monthly, "around_rounds": around, "gaps": gaps_t,
            "responses": responses, "casualties": casualties, "table": table}


def _months(run_ids: np.ndarray, name: str, dates: pd.DatetimeIndex,
            by_country: dict[str, np.ndarray], countries: tuple[str, ...],
            stats: dict[str, np.ndarray]) -> pd.DataFrame:
    """Attacks per run, month and country; the monthly mean, dispersion and zero share."""
    n_days = len(dates)
    # months
    month_of = dates.to_period("M")
    months = month_of.unique()
    month_pos = np.searchsorted(np.asarray(months.asi8), np.asarray(month_of.asi8))
    month_days = np.bincount(month_pos, minlength=len(months))
    monthly_rows = []
    per_month_total = np.zeros((len(run_ids), len(months)), dtype=np.int64)
    in_month = np.zeros((n_days, len(months)), dtype=np.int64)
    in_month[np.arange(n_days), month_pos] = 1
    for c in countries:
        m = by_country[c] @ in_month
        per_month_total += m
        monthly_rows.append(pd.DataFrame({
            "run": np.repeat(run_ids, len(months)), "window": name,
            "month": np.tile(months.to_timestamp(), len(run_ids)),
            "days": np.tile(month_days, len(run_ids)), "country": c,
            "attacks": m.ravel()}))
    monthly = (pd.concat(monthly_rows, ignore_index=True)
               .sort_values(["run", "month", "country"], kind="stable").reset_index(drop=True))
    whole = month_days == np.array([p.days_in_month for p in months])
    stats["months"] = np.full(len(run_ids), float(whole.sum()))
    wm = per_month_total[:, whole].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = wm.mean(axis=1) if wm.shape[1] else np.full(len(run_ids), np.nan)
        var = wm.var(axis=1, ddof=1) if wm.shape[1] > 1 else np.full(len(run_ids), np.nan)
        stats["monthly_mean"] = mean
        stats["monthly_dispersion"] = np.where(mean > 0, var / mean, np.nan)
        stats["zero_month_share"] = ((wm == 0).mean(axis=1) if wm.shape[1]
                                     else np.full(len(run_ids), np.nan))

    return monthly


def _gaps(run_ids: np.ndarray, name: str, dates: pd.DatetimeIndex, daily: np.ndarray,
          stats: dict[str, np.ndarray]) -> pd.DataFrame:
    """The gaps between attack days of each run."""
    # gaps between attack days
    gap_rows = []
    g_mean, g_med, g_max = (np.full(len(run_ids), np.nan) for _ in range(3))
    attack_days = (daily > 0).sum(axis=1)
    for i, run in enumerate(run_ids):
        on = np.flatnonzero(daily[i] > 0)
        if len(on) > 1:
            gaps = np.diff(on)
            g_mean[i], g_med[i], g_max[i] = gaps.mean(), np.median(gaps), gaps.max()
            gap_rows.append(pd.DataFrame({"run": run, "window": name,
                                          "date": dates[on[1:]], "gap_days": gaps}))
    stats.update(attack_days=attack_days.astype(float), gap_mean=g_mean, gap_median=g_med,
                 gap_max=g_max)
    gaps_t = (pd.concat(gap_rows, ignore_index=True) if gap_rows else pd.DataFrame(
        {"run": pd.Series(dtype="int64"), "window": pd.Series(dtype="object"),
         "date": pd.Series(dtype="datetime64[ns]"), "gap_days": pd.Series(dtype="int64")}))

    return gaps_t


def _around(inside: pd.DataFrame, run_ids: np.ndarray, name: str, pos: np.ndarray,
            day: np.ndarray, daily: np.ndarray, around_days: int,
            stats: dict[str, np.ndarray]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Attacks in the days before and after each US round."""
    n_days = daily.shape[1]
    # the days around each US round
    rounds = round_rows(inside)
    r_idx = rounds.index.to_numpy()
    r_pos, r_day = pos[r_idx], day[r_idx]
    cum = np.concatenate([np.zeros((len(run_ids), 1), dtype=np.int64), daily.cumsum(axis=1)],
                         axis=1)
    lo = np.maximum(r_day - around_days, 0)
    hi = np.minimum(r_day + around_days, n_days - 1)
    before = cum[r_pos, r_day] - cum[r_pos, lo]
    after = cum[r_pos, hi + 1] - cum[r_pos, r_day + 1]
    around = pd.DataFrame({
        "run": run_ids[r_pos], "window": name, "date": rounds["date"].to_numpy(),
        "subkind": rounds["subkind"].to_numpy(), "country": rounds["country"].to_numpy(),
        "before": before, "after": after, "before_days": r_day - lo, "after_days": hi - r_day})
    n_rounds = np.bincount(r_pos, minlength=len(run_ids))
    stats["rounds"] = n_rounds.astype(float)
    # the days since the latest attack at each round (-1: no attack yet in the window)
    latest = np.maximum.accumulate(np.where(daily > 0, np.arange(n_days), -1), axis=1)
    last = latest[r_pos, r_day]
    lag = pd.Series(np.where(last >= 0, r_day - last, np.nan)).groupby(r_pos).median()
    stats["round_lag_median"] = np.full(len(run_ids), np.nan)
    stats["round_lag_median"][lag.index.to_numpy(dtype=np.int64)] = lag.to_numpy()
    stats["attacks_before_rounds"] = np.bincount(r_pos, before, len(run_ids))
    stats["attacks_after_rounds"] = np.bincount(r_pos, after, len(run_ids))
    with np.errstate(invalid="ignore", divide="ignore"):
        stats["after_minus_before"] = np.where(
            n_rounds > 0, (stats["attacks_after_rounds"] - stats["attacks_before_rounds"])
            / np.maximum(n_rounds, 1), np.nan)

    return around, r_pos, r_day


def _responses(inside: pd.DataFrame, run_ids: np.ndarray, name: str, pos: np.ndarray,
               day: np.ndarray, r_pos: np.ndarray, r_day: np.ndarray, n_days: int,
               response_days: int, around_days: int, stats: dict[str, np.ndarray]
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """US rounds after events that hurt US personnel (and their delay); casualties per attack."""
    # responses to harmful events
    harm = harm_rows(inside)
    h_idx = harm.index.to_numpy()
    hurt = (harm["us_wounded"] + harm["us_killed"]).to_numpy()
    casualties = pd.DataFrame({
        "run": run_ids[pos[h_idx]], "window": name, "date": harm["date"].to_numpy(),
        "kind": harm["kind"].to_numpy(), "subkind": harm["subkind"].to_numpy(),
        "country": harm["country"].to_numpy(), "count": harm["count"].to_numpy(),
        "us_wounded": harm["us_wounded"].to_numpy(), "us_killed": harm["us_killed"].to_numpy()})
    harmful = hurt > 0
    hp, hd = pos[h_idx][harmful], day[h_idx][harmful]
    key_r = np.sort(r_pos.astype(np.int64) * (n_days + 1) + r_day)
    nxt = np.searchsorted(key_r, hp.astype(np.int64) * (n_days + 1) + hd, side="right")
    found = np.full(len(hp), np.nan)
    ok = nxt < len(key_r)
    same_run = np.zeros(len(hp), dtype=bool)
    same_run[ok] = key_r[nxt[ok]] // (n_days + 1) == hp[ok]
    found[same_run] = key_r[nxt[same_run]] % (n_days + 1) - hd[same_run]
    delay = np.where(found <= response_days, found, np.nan)
    # rounds with no harmful event in the response_days days up to them (that day included)
    harm_cum = np.zeros((len(run_ids), n_days + 1), dtype=np.int64)
    np.add.at(harm_cum, (hp, hd + 1), 1)
    harm_cum = harm_cum.cumsum(axis=1)
    provoked = (harm_cum[r_pos, r_day + 1]
                - harm_cum[r_pos, np.maximum(r_day - response_days, 0)]) > 0
    n_rounds = np.bincount(r_pos, minlength=len(run_ids))
    censored = np.isnan(delay) & (n_days - 1 - hd < response_days)
    responses = pd.DataFrame({
        "run": run_ids[hp], "window": name, "date": harm["date"].to_numpy()[harmful],
        "kind": harm["kind"].to_numpy()[harmful],
        "us_wounded": harm["us_wounded"].to_numpy()[harmful],
        "us_killed": harm["us_killed"].to_numpy()[harmful], "delay_days": delay,
        "censored": censored})
    n_harm = np.bincount(hp, minlength=len(run_ids))
    answered = np.bincount(hp, ~np.isnan(delay), len(run_ids))
    soon = np.bincount(hp, delay <= around_days, len(run_ids))  # NaN compares False
    unprovoked = np.bincount(r_pos, ~provoked, len(run_ids))
    med = np.full(len(run_ids), np.nan)
    if len(responses):
        got = responses.dropna(subset=["delay_days"]).groupby("run")["delay_days"].median()
        med[np.searchsorted(run_ids, got.index.to_numpy())] = got.to_numpy()
    h_pos = pos[h_idx]
    h_attacks = np.bincount(h_pos, harm["count"].to_numpy(dtype=float), len(run_ids))
    wounded = np.bincount(h_pos, harm["us_wounded"].to_numpy(dtype=float), len(run_ids))
    killed = np.bincount(h_pos, harm["us_killed"].to_numpy(dtype=float), len(run_ids))
    with np.errstate(invalid="ignore", divide="ignore"):
        stats.update(
            harmful_events=n_harm.astype(float),
            answered_share=np.where(n_harm > 0, answered / np.maximum(n_harm, 1), np.nan),
            answered_soon_share=np.where(n_harm > 0, soon / np.maximum(n_harm, 1), np.nan),
            unprovoked_rounds=unprovoked,
            response_delay_median=med, us_wounded=wounded, us_killed=killed,
            unprovoked_round_share=np.where(
                n_rounds > 0, unprovoked / np.maximum(n_rounds, 1), np.nan),
            casualties_per_attack=np.where(h_attacks > 0, (wounded + killed) / h_attacks,
                                           np.nan),
            attacks_with_casualties_share=np.where(
                np.bincount(h_pos, minlength=len(run_ids)) > 0,
                np.bincount(h_pos, hurt > 0, len(run_ids))
                / np.maximum(np.bincount(h_pos, minlength=len(run_ids)), 1), np.nan))

    return responses, casualties


def _harmless_days_answered(daily: np.ndarray, responses: pd.DataFrame, run_ids: np.ndarray,
                            start: pd.Timestamp, r_pos: np.ndarray, r_day: np.ndarray,
                            around_days: int) -> np.ndarray:
    """Per run: the share of days with attacks and no harmful event that a round follows
    within ``around_days`` (on a later day); NaN for a run without such days."""
    runs, n_days = daily.shape
    harmed = np.zeros((runs, n_days), dtype=bool)
    harmed[np.searchsorted(run_ids, responses["run"].to_numpy()),
           (responses["date"] - start).dt.days.to_numpy()] = True
    quiet = (daily > 0) & ~harmed
    rounds = np.zeros((runs, n_days + 1), dtype=np.int64)
    np.add.at(rounds, (r_pos, r_day + 1), 1)
    rounds = rounds.cumsum(axis=1)  # rounds[:, d]: rounds before day d
    days = np.arange(n_days)
    soon = (rounds[:, np.minimum(days + around_days + 1, n_days)] - rounds[:, days + 1]) > 0
    n_quiet = quiet.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_quiet > 0, (quiet & soon).sum(axis=1) / np.maximum(n_quiet, 1),
                        np.nan)
