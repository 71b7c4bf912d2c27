"""Summaries: one function for the record and for simulated runs, right on a history counted by
hand, and consistent with the record's own derived tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escsim.errors import InputError
from escsim.forecast.events import event_table, events_from_record
from escsim.forecast.summaries import RECORD_PERIODS, STATISTICS, summarise
from escsim.record import read_record
from escsim.record.derive import around_rounds

WINDOW = {"q1": ("2024-01-01", "2024-03-31")}


def _hand_history(run: int = 0) -> pd.DataFrame:
    rows = [
        ("2024-01-01", "militia_attack", "base", "iraq", 2, 0, 0),
        ("2024-01-05", "militia_attack", "base", "syria", 1, 0, 0),
        ("2024-01-20", "militia_attack", "embassy", "iraq", 1, 3, 0),
        ("2024-01-22", "us_strike", "facilities", "iraq", 1, 0, 0),
        ("2024-01-25", "militia_attack", "base", "iraq", 1, 0, 0),
        ("2024-02-10", "militia_attack", "convoy", "iraq", 1, 1, 1),  # hurts, not an attack
        ("2024-03-30", "militia_attack", "base", "jordan", 1, 0, 2),  # window ends first
        ("2023-12-31", "militia_attack", "base", "iraq", 5, 0, 0),  # outside the window
    ]
    cols = ["date", "kind", "subkind", "country", "count", "us_wounded", "us_killed"]
    return pd.DataFrame(rows, columns=cols).assign(run=run)


def _stat(summaries, name: str, run: int = 0, window: str = "q1") -> float:
    t = summaries.table
    return float(t[(t.run == run) & (t.window == window) & (t.statistic == name)]["value"].iloc[0])


def test_summaries_of_a_history_counted_by_hand() -> None:
    s = summarise(_hand_history(), WINDOW)
    assert _stat(s, "days") == 91 and _stat(s, "months") == 3
    assert _stat(s, "attacks") == 6  # 2 + 1 + 1 + 1 + 1; the convoy and December left out
    assert (_stat(s, "attacks_iraq"), _stat(s, "attacks_syria"),
            _stat(s, "attacks_jordan")) == (4, 1, 1)
    # months: Jan 5, Feb 0, Mar 1
    jan = s.monthly[s.monthly.month == "2024-01-01"].set_index("country")["attacks"]
    assert jan.to_dict() == {"iraq": 4, "jordan": 0, "syria": 1}
    assert _stat(s, "monthly_mean") == pytest.approx(2.0)
    assert _stat(s, "monthly_dispersion") == pytest.approx(np.var([5, 0, 1], ddof=1) / 2)
    assert _stat(s, "zero_month_share") == pytest.approx(1 / 3)
    # attack days 1, 5, 20, 25 Jan, 30 Mar: gaps 4, 15, 5, 65
    assert list(s.gaps["gap_days"]) == [4, 15, 5, 65]
    assert _stat(s, "gap_median") == 10 and _stat(s, "gap_max") == 65
    # the round of 22 Jan: 15-21 Jan hold the 20 Jan attack; 23-29 Jan the 25 Jan attack
    row = s.around_rounds.iloc[0]
    assert (row["before"], row["after"], row["before_days"]) == (1, 1, 7)
    assert _stat(s, "after_minus_before") == 0
    # harmful: 20 Jan (answered after 2 days), 10 Feb convoy (none within 30 days), 30 Mar
    # (censored: the window ends a day later)
    r = s.responses.set_index(s.responses["date"].dt.strftime("%m-%d"))
    assert r.loc["01-20", "delay_days"] == 2 and not r.loc["01-20", "censored"]
    assert np.isnan(r.loc["02-10", "delay_days"]) and not r.loc["02-10", "censored"]
    assert np.isnan(r.loc["03-30", "delay_days"]) and r.loc["03-30", "censored"]
    assert _stat(s, "answered_share") == pytest.approx(1 / 3)
    assert _stat(s, "response_delay_median") == 2
    assert (_stat(s, "us_wounded"), _stat(s, "us_killed")) == (4, 3)
    # casualty rows: bases, embassy and the convoy (7 attacks), 3 of 6 rows hurt someone
    assert _stat(s, "casualties_per_attack") == pytest.approx(7 / 7)
    assert _stat(s, "attacks_with_casualties_share") == pytest.approx(3 / 6)
    # the round of 22 Jan: the latest attack 2 days before, the 20 Jan harm 2 days before it
    assert _stat(s, "round_lag_median") == 2 and _stat(s, "unprovoked_round_share") == 0
    # the last third of the 91 days starts on day 60 (1 Mar): the 30 Mar attack, 1 of 6
    assert _stat(s, "late_attack_share") == pytest.approx(1 / 6)
    # the first third (days 0-29, 1-30 Jan) holds 5 of the 6 attacks
    assert _stat(s, "early_attack_share") == pytest.approx(5 / 6)
    # harmless: 1 Jan (2), 5 Jan, 25 Jan; the 20 Jan and 30 Mar attacks hurt; no unprovoked round
    assert _stat(s, "harmless_attacks") == 4
    assert _stat(s, "unprovoked_rounds") == 0
    # days with attacks and no harm: 1, 5 and 25 Jan; a round within 7 days after: 1 Jan? no
    # (22 Jan is 21 days on); 5 Jan no; 25 Jan no -- none of 3
    assert _stat(s, "harmless_days_answered_share") == 0
    # answered within the 7 around-days: 20 Jan only (2 days), of 3 harmful events
    assert _stat(s, "answered_soon_share") == pytest.approx(1 / 3)
    assert set(s.table["statistic"]) <= {k for k in STATISTICS if "<" not in k} | {
        "attacks_iraq", "attacks_syria", "attacks_jordan"}


def test_rounds_after_harmless_attacks_and_their_lag() -> None:
    """A round with no harm in the 30 days up to it is unprovoked (harm 31 days before does not
    count, harm on the round's day does); the lag is the days since the latest attack."""
    rows = [
        ("2024-01-01", "militia_attack", "base", "iraq", 1, 2, 0),
        ("2024-02-01", "us_strike", "facilities", "iraq", 1, 0, 0),  # harm 31 days before
        ("2024-02-10", "militia_attack", "base", "iraq", 1, 0, 0),
        ("2024-02-14", "us_strike", "facilities", "iraq", 1, 0, 0),  # harmless attack, lag 4
        ("2024-03-05", "militia_attack", "base", "syria", 1, 1, 0),
        ("2024-03-05", "us_strike", "facilities", "syria", 1, 0, 0),  # harm that day, lag 0
    ]
    cols = ["date", "kind", "subkind", "country", "count", "us_wounded", "us_killed"]
    s = summarise(pd.DataFrame(rows, columns=cols).assign(run=0), WINDOW)
    assert _stat(s, "unprovoked_round_share") == pytest.approx(2 / 3)
    assert _stat(s, "round_lag_median") == 4  # lags 31, 4, 0
    assert _stat(s, "late_attack_share") == pytest.approx(1 / 3)
    # one harmless attack (10 Feb) and two rounds without harm in the 30 days up to them
    assert _stat(s, "harmless_attacks") == 1
    assert _stat(s, "unprovoked_rounds") == 2
    # the one harmless day (10 Feb) is followed by the round of 14 Feb, 4 days on
    assert _stat(s, "harmless_days_answered_share") == 1
    # neither harmful event has a round on a later day within 7 days (31 days; the same day)
    assert _stat(s, "answered_soon_share") == 0
    assert _stat(s, "early_attack_share") == pytest.approx(1 / 3)  # 1 Jan, of 3


def test_many_runs_and_a_quiet_run() -> None:
    """Simulated runs in one table: each summarised alone; a listed run without events is a
    quiet history (zeros, no gaps), not a missing one."""
    both = pd.concat([_hand_history(0), _hand_history(7)], ignore_index=True)
    s = summarise(both, WINDOW, runs=[0, 3, 7])
    wide = s.wide().set_index("run")
    assert list(wide.index) == [0, 3, 7]
    assert wide.loc[0, "attacks"] == wide.loc[7, "attacks"] == 6
    assert wide.loc[3, "attacks"] == 0 and wide.loc[3, "rounds"] == 0
    assert np.isnan(wide.loc[3, "gap_median"]) and np.isnan(wide.loc[3, "after_minus_before"])
    one = summarise(_hand_history(0), WINDOW).wide().drop(columns="run")
    pd.testing.assert_frame_equal(wide.loc[[7]].reset_index(drop=True), one,
                                  check_dtype=False)
    assert len(s.monthly) == 3 * 3 * 3  # runs x months x countries


def test_summaries_of_the_record_agree_with_its_derived_tables() -> None:
    record = read_record()
    s = summarise(events_from_record(record), RECORD_PERIODS)
    # the days around each round: as escsim.record.derive counts them, where +-7 days fit
    # inside the period
    ours = s.around_rounds[(s.around_rounds.before_days == 7) & (s.around_rounds.after_days == 7)]
    theirs = around_rounds(record).set_index("date")
    for row in ours.itertuples():
        assert theirs.loc[row.date, "attacks_7d_before"].max() == row.before
        assert theirs.loc[row.date, "attacks_7d_after"].max() == row.after
    assert len(ours) >= 20
    # monthly attacks per country: as Record.monthly_attacks
    months = record.monthly_attacks(start="2021-01", end="2021-12").set_index(
        ["month", "country"])["attacks"]
    mine = s.monthly[s.monthly.window == "2021"].set_index(["month", "country"])["attacks"]
    for key, value in months.items():
        assert mine[key] == value
    # the surge: the dated count of the period
    surge = record.attacks()
    surge = surge[surge["date"].between("2023-10-17", "2024-02-04")]
    assert _stat(s, "attacks", window="surge-2023-24") == surge["count"].sum()


def test_default_window_and_bad_input() -> None:
    s = summarise(_hand_history())
    assert set(s.table["window"]) == {"all"}
    assert _stat(s, "days", window="all") == 91  # 31 Dec to 30 Mar
    with pytest.raises(InputError, match="not an event table"):
        summarise(pd.DataFrame({"date": ["2024-01-01"]}))
    with pytest.raises(InputError, match="negative"):
        event_table(_hand_history().assign(count=-1))
    with pytest.raises(ValueError, match="ends before"):
        summarise(_hand_history(), {"x": ("2024-02-01", "2024-01-01")})
