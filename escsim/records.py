"""The output vocabulary: what a replication counts, the columns it writes, and their labels.

One home for the names every layer shares, so the model, the tables on disk, the analysis, the
observations and the plots cannot drift apart: the ladder's counters (what a rung may test), the
columns of ``runs.csv``, the daily series, and the words and units a figure or a column reference
uses for each. This module imports nothing of escsim; everything else imports it.
"""

from __future__ import annotations

from typing import NamedTuple

#: Counters a ladder condition may test; the model increments them as events happen.
#: The root seed when none is given (every command, every Python entry point): 17 Oct 2023, the
#: first attack of the surge the model is calibrated to. Every output row carries its own seed.
DEFAULT_SEED = 20231017

LADDER_COUNTERS = (
    "attacks",
    "us_strikes",
    "us_wounded",
    "us_killed",
    "major_us_strikes",
    "leadership_strikes",
    "militia_killed",
    "iran_personnel_killed",
    "iran_direct_attacks",
    "us_strikes_on_iran",
    "israeli_strikes_on_iran",
    "restraint_orders",
)

#: Daily series every run keeps (cumulative counts at the end of each day).
DAILY_SERIES = ("attacks", "us_wounded", "us_killed", "us_strikes")
#: A daily series a run's record also carries but no output writes: militia attacks that
#: killed or wounded US personnel (the calibration's outcome-conditioned statistics).
HARMFUL_ATTACKS = "harmful_attacks"

#: Daily series an observation may be checked against: the kept ones plus their derived sum.
DAILY_MEASURES = ("attacks", "us_wounded", "us_killed", "us_casualties", "us_strikes")

#: The run columns every record has, in order (per-weapon and ladder columns follow; see
#: :func:`escsim.engine.run_columns`).
BASE_COLUMNS = (
    "scenario", "param_hash", "point", "replication", "seed", "end_day",
    "attacks", "attacks_in_iraq", "attacks_in_syria", "attacks_in_jordan", "intercepted",
    "us_wounded", "us_killed", "us_casualties", "us_strikes", "us_targets_struck",
    "leadership_strikes", "major_us_strikes", "militia_killed", "iran_personnel_killed",
    "iran_senior_commanders_killed", "iran_direct_attacks", "us_strikes_on_iran",
    "israeli_strikes_on_iran", "restraint_orders", "defections", "days_under_restraint",
    "troops_end", "max_rung",
)

#: Counts most summaries, printed tables and comparisons report.
MAIN_COUNTS = ("attacks", "us_wounded", "us_killed", "us_strikes", "militia_killed",
               "iran_direct_attacks")

#: The figures of a run folder, ``plots/<name>.png``, the costliest to draw first (each can be
#: drawn on its own; see :func:`escsim.plotting.plot_result_folder`).
RUN_FIGURES = ("counts", "daily", "survival", "max_rung", "rungs")
#: The figures of a comparison folder, ``plots/compare_<name>.png`` (each can be drawn on its
#: own, e.g. in parallel; see :func:`escsim.plotting.plot_comparison_folder`).
COMPARISON_FIGURES = ("rungs", "counts", "survival", "daily")
#: The ones ``escsim run`` draws for a comparison, the costliest first (``escsim plot DIR``
#: draws every one).
RUN_COMPARISON_FIGURES = ("survival", "counts", "rungs")

#: Prefixes of the columns whose names carry a key (a weapon, a ladder level, a drawn parameter).
WEAPON_PREFIX = "attacks_weapon_"
RUNG_DAY_PREFIX = "day_rung_"
DRAWN_PREFIX = "drawn_"


class Label(NamedTuple):
    """How a figure or a column reference names a count."""

    title: str  #: a panel title
    noun: str  #: a short noun for axis labels
    unit: str  #: the unit (persons, days, count, ...)
    definition: str = ""  #: what the column holds, for the column reference


#: Labels of the run-table counts; :func:`label` falls back to the column name for others.
LABELS: dict[str, Label] = {
    "attacks": Label("Militia attacks on US forces", "attacks", "count",
                     "Militia attacks launched on US forces in the run (every weapon, every "
                     "site), including intercepted ones."),
    "attacks_in_iraq": Label("Attacks in Iraq", "attacks", "count",
                             "Attacks on US sites in Iraq."),
    "attacks_in_syria": Label("Attacks in Syria", "attacks", "count",
                              "Attacks on US sites in Syria."),
    "attacks_in_jordan": Label("Attacks in Jordan", "attacks", "count",
                               "Attacks on US sites in Jordan."),
    "intercepted": Label("Attacks intercepted", "intercepted attacks", "count",
                         "Attacks stopped by air defences (no damage, no casualties)."),
    "us_wounded": Label("US service members wounded", "US wounded", "persons",
                        "US service members wounded over the run."),
    "us_killed": Label("US service members killed", "US killed", "persons",
                       "US service members killed over the run."),
    "us_casualties": Label("US casualties (wounded + killed)", "US casualties", "persons",
                           "us_wounded + us_killed."),
    "us_strikes": Label("US strike rounds", "strike rounds", "count",
                        "US retaliation rounds (one decision to strike, whatever the number of "
                        "targets)."),
    "us_targets_struck": Label("Targets struck by the US", "targets struck", "count",
                               "Targets hit by all US strike rounds together."),
    "leadership_strikes": Label("US leadership strikes", "leadership strikes", "count",
                                "US strikes aimed at militia leaders."),
    "major_us_strikes": Label("Major US strike packages", "major strikes", "count",
                              "US strike rounds at or above us_policy.major_round_targets "
                              "targets."),
    "militia_killed": Label("Militia members killed", "militia killed", "persons",
                            "Militia members killed by US strikes."),
    "iran_personnel_killed": Label("Iranian personnel killed", "Iranians killed", "persons",
                                   "Iranian personnel (advisers, IRGC) killed by US strikes."),
    "iran_direct_attacks": Label("Iranian direct attacks on US forces", "direct attacks", "count",
                                 "Attacks on US forces launched by Iran itself (not through "
                                 "partners)."),
    "iran_senior_commanders_killed": Label("Senior Iranian commanders killed",
                                           "senior commanders killed", "persons",
                                           "Senior Iranian commanders killed by US strikes."),
    "israeli_strikes_on_iran": Label("Israeli strikes on Iran", "Israeli strikes", "count",
                                     "Israeli strikes on Iranian territory (dated or drawn "
                                     "from the scenario's hazard)."),
    "defections": Label("Defections from a pause (attacks ordered against it)", "defections",
                        "count", "Defection episodes: a group attacking while Iran's pause "
                                 "order is in force."),
    "us_strikes_on_iran": Label("US strikes on Iranian territory", "strikes on Iran", "count",
                                "US strikes on Iranian territory."),
    "restraint_orders": Label("Restraint orders to the militias", "restraint orders", "count",
                              "Times Iran ordered its partners to pause attacks."),
    "days_under_restraint": Label("Days under Iranian restraint", "restraint", "days",
                                  "Days of the run during which an Iranian pause order was in "
                                  "force."),
    "troops_end": Label("US troops at the end", "troops", "persons",
                        "US troops at all sites when the run ended."),
}


#: What the columns that are not counts hold (name -> (unit, definition)).
PLACE_COLUMNS: dict[str, tuple[str, str]] = {
    "definition": ("text", "How the observation is computed from the documented record "
                           "(seeds/record/observations.toml): exact, floor, official or "
                           "dated_to_official, and which rows count."),
    "dated": ("as the observation", "The record's own dated figure for the observation (the "
                                    "floor of a tally)."),
    "observation": ("id", "The observation (seeds/observations.csv) a record row stands behind."),
    "event_id": ("id", "A row of the documented record (seeds/record/events-*.csv)."),
    "scenario": ("name", "The scenario's name (scenario.name)."),
    "param_hash": ("hash", "Short hash of the scenario's parameter values: rows with the same "
                           "hash ran the same parameters."),
    "point": ("index", "The sweep point (0 for escsim run)."),
    "design_point": ("index", "The design point (points of several scenarios at the same "
                              "swept values share it, and their seeds)."),
    "seed_key": ("index", "The key of the point's replication seeds (the design point, or 0 "
                          "with common random numbers)."),
    "replication": ("index", "The replication within its point (0, 1, ...)."),
    "seed": ("seed", "The replication's seed, below 2**53 so any CSV reader keeps it exact; "
                     "`escsim trace DIR --replication K` (or `escsim trace SCENARIO --seed "
                     "SEED`) replays the row."),
    "end_day": ("days", "Day the run ended: the horizon, or earlier when a rung that ends the "
                        "run (the regional war) was reached."),
    "max_rung": ("level", "The highest ladder level reached (0: none). Rungs are not nested: "
                          "a run at level 5 may not have reached level 4."),
    "horizon_days": ("days", "Length of each replication: with start_date, the window the "
                             "row's numbers cover (rows of different windows are not "
                             "comparable number for number)."),
    "start_date": ("date", "Calendar date of day 0 of the row's scenario."),
    "runs": ("count", "Number of replications."),
    "day": ("days", "Day since the start date (0 is the start date)."),
    "date": ("date", "Calendar date of the day."),
    "series": ("name", "The daily series: a cumulative count (attacks, us_wounded, ...)."),
    "mean": ("same as the series", "Mean across runs of the cumulative count at the end of "
                                   "the day."),
    "q05": ("same as the series", "5% quantile across runs."),
    "q50": ("same as the series", "Median across runs."),
    "q95": ("same as the series", "95% quantile across runs."),
    "measure": ("name", "What the row estimates: rung_K_reached (probability of reaching rung "
                        "K within the horizon), COUNT_median, or (differences.csv) "
                        "COUNT_mean; in a study's outcomes.csv the outcome's measure "
                        "(rung:K, COLUMN>=X or a count column)."),
    "estimate": ("probability or count", "The estimate: a probability, or a median count."),
    "low": ("as estimate", "Lower end of the interval (the interval or method column says "
                           "which)."),
    "high": ("as estimate", "Upper end of the interval."),
    "interval": ("text", "What low-high is: a 95% Clopper-Pearson interval (Monte Carlo "
                         "uncertainty only) or the 5-95% range of runs."),
    # sensitivity.csv
    "outcome": ("text", "The outcome explained (rung:K, COLUMN>=X or a count column); in a "
                        "study's tables, an outcome named in the study file (or "
                        "relative_regret, every outcome's regret combined)."),
    "label": ("text", "The outcome in words."),
    "parameter": ("key", "The varied scenario key."),
    "method": ("name", "How the row was computed: sobol (variance-based indices) or morris "
                       "(elementary effects) in sensitivity.csv; the paired interval's method "
                       "in differences.csv."),
    # differences.csv
    "base": ("name", "The scenario the variant is read against (--base)."),
    "variant": ("name", "The scenario compared with the base."),
    "base_start_date": ("date", "Calendar date of day 0 of the base scenario."),
    "base_horizon_days": ("days", "Length of each replication of the base scenario."),
    "kind": ("name", "What the row holds: in differences.csv probability (a rung reached) or "
                     "mean (of a count); in a backtest's comparison.csv the kind of "
                     "observation."),
    "base_estimate": ("as measure", "The measure in the base scenario's runs."),
    "variant_estimate": ("as measure", "The measure in the variant's runs."),
    "difference": ("as measure", "variant_estimate - base_estimate, over replications paired "
                                 "by seed."),
    "confidence": ("probability", "Confidence level of the interval low-high."),
    "variance_ratio": ("ratio", "Variance of the paired difference over that of an unpaired "
                                "one (below 1: the pairing helped)."),
    "ratio": ("ratio", "variant_estimate / base_estimate: for a rung, the risk ratio (empty "
                       "when the base is 0)."),
    # mechanisms.csv (escsim compare --across-mechanisms)
    "mechanism": ("name", "A contested mechanism ([mechanisms] of a scenario)."),
    "alternative": ("name", "The alternative of the mechanism in force for the row."),
    "default": ("yes/no", "Whether the alternative is the one in force in the comparison as "
                          "run (the reference of the mechanism's rows)."),
    "sign": ("text", "+ when the interval low-high lies above 0, - below, 0? when it holds 0."),
    "flips": ("yes/no", "The difference has the other sign from the reference's, and one of "
                        "the two intervals excludes 0: the sign rests on this mechanism."),
    # a study's tables (escsim study; docs/explanation/regret-and-satisficing.md)
    "doctrine": ("name", "A doctrine of the study: a setting of the US levers."),
    "state": ("name", "A state of the world: a scenario and the uncertain keys' values."),
    "direction": ("text", "min or max: whether less or more of the outcome is better."),
    "value": ("outcome units", "The outcome of the doctrine in the state: a probability or "
                               "the mean of a count over the replications."),
    "best": ("outcome units", "The best value of the outcome over the doctrines in the state."),
    "regret": ("outcome units", "How far the doctrine's value is from the state's best (0: "
                                "the best); relative_regret rows: a share of the outcome's "
                                "scale, averaged over outcomes."),
    "max_regret": ("outcome units", "The largest regret of the doctrine over the states."),
    "max_regret_low": ("outcome units", "Lower end of the paired-bootstrap interval of "
                                        "max_regret."),
    "max_regret_high": ("outcome units", "Upper end of the paired-bootstrap interval of "
                                         "max_regret."),
    "p90_regret": ("outcome units", "The 90th percentile of the doctrine's regret over the "
                                    "states."),
    "mean_regret": ("outcome units", "The mean regret of the doctrine over the states."),
    "states": ("count", "Number of states of the world."),
    "rank_by": ("name", "The outcome the ranking uses (relative_regret: all combined)."),
    "rank": ("rank", "The doctrine's rank by maximum regret (1: most robust)."),
    "rank_low": ("rank", "Best rank in the bootstrap interval."),
    "rank_high": ("rank", "Worst rank in the bootstrap interval."),
    "p_best": ("probability", "Share of bootstrap resamples in which the doctrine has the "
                              "smallest maximum regret."),
    "resolved": ("yes/no", "Whether the rank interval is a single rank."),
    "bootstrap": ("count", "Bootstrap resamples behind the intervals."),
    "states_met": ("count", "States in which the doctrine meets every threshold of the "
                            "study."),
    "satisficing_share": ("share", "states_met / states."),
    "non_dominated": ("yes/no", "Whether no other doctrine is at least as good on every "
                                "outcome's worst state and better on one."),
    "target": ("text", "What the scores explain: an outcome, or the regret of the ranking "
                       "outcome."),
    "uncertainty": ("key", "An uncertain key of the study (or scenario)."),
    "score": ("share of variance", "Correlation ratio: the share of the target's variance "
                                   "across states between the groups of this uncertainty."),
    "groups": ("count", "Groups of states the uncertainty's values form."),
    "S1": ("share of variance", "Sobol' first-order index: the share of the outcome's variance "
                                "due to this parameter alone."),
    "S1_low": ("share of variance", "Lower end of the bootstrap interval of S1."),
    "S1_high": ("share of variance", "Upper end of the bootstrap interval of S1."),
    "ST": ("share of variance", "Sobol' total-order index: the share of variance due to this "
                                "parameter with all its interactions."),
    "ST_low": ("share of variance", "Lower end of the bootstrap interval of ST."),
    "ST_high": ("share of variance", "Upper end of the bootstrap interval of ST."),
    "mu": ("outcome units", "Morris: mean elementary effect (signed)."),
    "mu_star": ("outcome units", "Morris: mean absolute elementary effect (importance)."),
    "mu_star_low": ("outcome units", "Lower end of the bootstrap interval of mu_star."),
    "mu_star_high": ("outcome units", "Upper end of the bootstrap interval of mu_star."),
    "sigma": ("outcome units", "Morris: spread of the elementary effects (interactions or "
                               "non-linearity)."),
    "outcome_mean": ("outcome units", "Mean of the outcome across the design's points."),
    "outcome_var": ("outcome units squared", "Variance of the outcome across the points."),
    "noise_share": ("share", "Share of that variance that is Monte Carlo noise (too few "
                             "--runs when large)."),
    # scores.csv of an eras folder (escsim backtest --eras; check/ of escsim calibrate --eras)
    "simulated_horizon_days": ("days", "Days each replication of the backtest ran: the "
                                       "scenario's horizon, extended to cover its "
                                       "observations."),
    "root_seed": ("seed", "The root seed the row's replication seeds derive from (each "
                          "replication's own seed is in the seed column of its runs.csv)."),
    "parameter_uncertainty": ("name", "Where each replication's uncertain parameters came "
                                      "from: none (the scenario's values), prior, or "
                                      "posterior (a posterior predictive check)."),
    "observations_compared": ("count", "Observations of the record compared with the runs."),
    "observations_not_covered": ("count", "Observations the runs could not be compared with "
                                          "(the reason is in comparison.csv)."),
    "observations_inside_90": ("count", "Compared observations inside the simulated central "
                                        "90% interval."),
    "observations_inside_50": ("count", "Compared observations inside the simulated central "
                                        "50% interval."),
    "mean_crps_ratio": ("ratio", "Mean CRPS ratio over the observations with simulated "
                                 "spread (about 1: as good as the model can score)."),
    "above_median": ("count", "Observations above their simulated median."),
    "below_median": ("count", "Observations below their simulated median."),
}


def describe_column(name: str) -> tuple[str, str]:
    """(unit, definition) of a column of any escsim table, by name or by its pattern."""
    if name in PLACE_COLUMNS:
        return PLACE_COLUMNS[name]
    if name in LABELS:
        lab = LABELS[name]
        return lab.unit, lab.definition or lab.title
    if name.startswith(WEAPON_PREFIX):
        return "count", f"Attacks with the weapon {name[len(WEAPON_PREFIX):]}."
    if name.startswith(RUNG_DAY_PREFIX):
        return "days", (f"Day rung {name[len(RUNG_DAY_PREFIX):]} was first reached (empty: "
                        "never within the run).")
    if name.startswith(DRAWN_PREFIX):
        return "as the parameter", (f"The value of {name[len(DRAWN_PREFIX):]} drawn for this "
                                    "replication (--parameter-uncertainty).")
    if name.startswith("p_rung_"):
        level, _, end = name[len("p_rung_"):].partition("_")
        if end:
            return "probability", (f"{'Lower' if end == 'low' else 'Upper'} end of the 95% "
                                   f"Clopper-Pearson interval of p_rung_{level}.")
        return "probability", f"Share of the point's runs that reached rung {level}."
    for stat, words in (("mean_", "Mean"), ("q05_", "5% quantile"), ("q50_", "Median"),
                        ("q95_", "95% quantile")):
        if name.startswith(stat) and name[len(stat):] in LABELS:
            count = name[len(stat):]
            return LABELS[count].unit, f"{words} of {count} across the point's runs."
    return "", "A swept key or a column of its own table (see the manifest)."


def label(count: str) -> Label:
    """The label of a run-table count (the column name, spelled out, when none is listed)."""
    found = LABELS.get(count)
    if found is not None:
        return found
    return Label(count.replace("_", " ").capitalize(), count.replace("_", " "), "count")
