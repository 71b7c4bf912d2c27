"""The scenario schema: every parameter the model reads, as frozen dataclasses.

This module is the one description of a scenario. The loader validates TOML against it, the
model reads the dataclasses it produces, and the reference documentation is generated from the
field metadata (type, range, unit, meaning). Default *values* are not here: they live, each with
its provenance, in ``scenarios/defaults.toml`` and the policy presets in ``scenarios/presets/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

#: Outcome classes of an attack on US forces, from least to most severe.
OUTCOME_CLASSES = ("intercepted", "miss", "damage", "injuries", "fatalities")
#: Iran's postures toward its partners.
IRAN_POSTURES = ("restraining", "permissive", "encouraging")
#: Kinds of dated events in a scenario's timeline.
EVENT_KINDS = ("regime", "shock", "troops", "policy", "iran_posture", "us_strike",
               "strike_on_iran")
#: What a US strike round hits, which decides whether Iranian personnel may die in it (who, not
#: where): a leadership strike on a commander, a facility the IRGC uses with its partners, an
#: ordinary militia site.
TARGET_KINDS = ("leadership", "irgc_linked_site", "militia_site")
#: Whom Iran lost in a US round: nobody, IRGC officers, or a senior commander.
IRANIAN_LOSSES = ("none", "officers", "senior_commander")
#: Who strikes Iranian territory in a ``strike_on_iran`` event.
STRIKERS = ("israel", "us")
#: Named alternatives of each contested mechanism (classes in escsim/model/mechanisms.py).
MECHANISM_CHOICES: dict[str, tuple[str, ...]] = {
    "strike_effect": ("backlash", "denial", "denial_and_backlash", "deterrence"),
    "pause_rule": ("context", "coin_flip"),
    "pause_end": ("erodes", "lapses"),
    "compliance": ("defections", "leaky"),
    "partner_leaders": ("iranian_losses_only", "partner_leaders_count"),
    "iranian_casualties": ("by_target", "syria_rounds_only"),
}


def param(doc: str, unit: str = "", lo: float | None = None, hi: float | None = None,
          choices: tuple[str, ...] | None = None, optional: bool = False,
          default: Any = None, acts_under: tuple[str, tuple[str, ...]] | None = None) -> Any:
    """A schema field: its meaning, unit and admissible range, kept as dataclass metadata.

    ``optional`` fields may be left out (they are ``None`` or ``default``); all others must be
    given, by the scenario or by what it extends. ``acts_under = (mechanism, alternatives)``:
    the model reads the field only when ``mechanisms.<mechanism>`` is one of ``alternatives``
    (a sweep that varies it under another alternative is told it changes nothing).
    """
    if acts_under is not None:
        mechanism, alternatives = acts_under
        unknown = set(alternatives) - set(MECHANISM_CHOICES[mechanism])
        assert not unknown, f"acts_under names no alternative of {mechanism}: {unknown}"
    meta = {"doc": doc, "unit": unit, "lo": lo, "hi": hi, "choices": choices,
            "optional": optional, "default": default, "acts_under": acts_under}
    if optional:
        return field(default=default, metadata=meta)
    return field(metadata=meta)


@dataclass(frozen=True)
class Meta:
    """What the scenario is and the question it answers."""

    name: str = param("Short identifier of the scenario.")
    description: str = param("What the scenario represents and the question it answers.")
    start_date: dt.date = param("Calendar date of day 0.", unit="date")
    horizon_days: float = param("Length of each replication.", unit="days", lo=1, hi=3650)
    initial_regime: str = param("Conflict regime at day 0 (a key of [regimes]).")


@dataclass(frozen=True)
class Regime:
    """A period of the wider conflict that scales every militia group's base rate."""

    rate_multiplier: float = param("Factor on militia base rates while the regime holds (the "
                                   "era's tempo; it does not scale tit-for-tat excitation).",
                                   unit="ratio", lo=0, hi=20)
    excitation_multiplier: float = param("Factor on the excited part of militia rates (revenge "
                                         "for US strikes) while the regime holds: 1 unless the "
                                         "regime stops revenge too (a truce).", unit="ratio",
                                         lo=0, hi=20, optional=True, default=1.0)
    regional_war: bool = param("A regional war is under way (Iran's partners fight Israel): a "
                               "reason for Iran to restrain its partners against the US.",
                               optional=True, default=False)


@dataclass(frozen=True)
class Site:
    """A US site (or a cluster of sites in one country)."""

    country: str = param("Country of the site.", choices=("iraq", "syria", "jordan"))
    troops: int = param("US personnel present at the start.", unit="personnel", lo=0, hi=200000)
    target_weight: float = param("Relative attractiveness as a militia target (per site, "
                                 "before troop presence).", unit="weight", lo=0)
    calibration_troops: int = param("Troops present when the weapons' casualty probabilities "
                                    "were calibrated (the 2023-24 surge); exposure scales with "
                                    "troops / calibration_troops.", unit="personnel", lo=1,
                                    hi=200000)


@dataclass(frozen=True)
class Weapon:
    """A weapon type: what happens when it is fired at a US site."""

    intercept_prob: float = param("Probability the attack is intercepted.", "probability", 0, 1)
    damage_prob: float = param("Probability an attack that is not intercepted hits and does "
                               "damage (otherwise a miss).", "probability", 0, 1)
    casualty_prob: float = param("Probability a damaging hit wounds or kills personnel, at the "
                                 "site's starting troop level.", "probability", 0, 1)
    wounded_mean: float = param("Mean number wounded in an attack with casualties.",
                                "personnel/attack", 1, 500)
    wounded_dispersion: float = param("Negative-binomial shape of the wounded count (small = "
                                      "heavy tail).", "shape", 0.01, 1000)
    fatal_prob: float = param("Probability an attack with casualties kills someone.",
                              "probability", 0, 1)
    killed_mean: float = param("Mean number killed in a fatal attack.", "personnel/attack", 1, 100)


@dataclass(frozen=True)
class MilitiaGroup:
    """An Iran-aligned militia group (or a coalition of factions acting together)."""

    home_country: str = param("Where the group is based and struck.", choices=("iraq", "syria"))
    base_rate_per_day: float = param("Attack rate without excitation, at full capability, in a "
                                     "regime with multiplier 1.", "attacks/day", 0, 100)
    weapon_mix: dict[str, float] = param("Share of attacks by weapon (keys name weapons).",
                                         "weights", 0, 1000)
    reach: tuple[str, ...] = param("Sites the group can target (names of sites).")
    excitation_per_round: float = param("Jump in attack rate after each US strike round on the "
                                        "group (tit-for-tat).", "attacks/day", 0, 100)
    excitation_per_target: float = param("Extra jump per target struck in the round.",
                                         "attacks/day", 0, 10)
    excitation_leader_bonus: float = param("Extra jump when a leader is killed.", "attacks/day",
                                           0, 100)
    excitation_decay_days: float = param("Mean lifetime of an excitation jump (exponential "
                                         "decay).", "days", 0.1, 365)
    excitation_cap_per_day: float = param("Ceiling on the excited part of the rate.",
                                          "attacks/day", 0, 1000)
    capability_loss_per_target: float = param("Fraction of launch capability destroyed per "
                                              "target struck (the 'denial' and "
                                              "'denial_and_backlash' strike effects).",
                                              "fraction", 0, 1,
                                              acts_under=("strike_effect",
                                                          ("denial", "denial_and_backlash")))
    # (also read for the initial state's capability lost, so not denial-only)
    capability_floor: float = param("Lowest capability strikes can leave.", "fraction", 0, 1)
    regeneration_days: float = param("Mean time to rebuild lost capability (exponential "
                                     "recovery).", "days", 0.1, 3650)
    restraint_compliance: float = param("Fraction of attacks withheld while Iran orders a pause "
                                        "(the 'leaky' compliance alternative only).",
                                        "fraction", 0, 1,
                                        acts_under=("compliance", ("leaky",)))
    defection_rate_per_day: float = param("Rate of defections while Iran orders a pause (the "
                                          "'defections' compliance alternative): each is an "
                                          "episode of unrestrained attacks by a cell.",
                                          "defections/day", 0, 10,
                                          acts_under=("compliance", ("defections",)))
    baghdad_influence: float = param("How strongly Baghdad's pressure (0-1) cuts the group's "
                                     "rate: rate x (1 - influence x pressure).", "fraction", 0, 1)


@dataclass(frozen=True)
class USPolicy:
    """The US retaliation policy: a named preset (a policy class) and its parameters."""

    # The names are the tables of scenarios/presets/us_policy.toml (the loader checks them),
    # each a policy class of escsim.model.policies: one list, not a copy here.
    preset: str = param("Name of the retaliation policy: a table of "
                        "scenarios/presets/us_policy.toml and the policy class of that name.")
    respond_prob: dict[str, float] = param("Probability of ordering a strike round after an "
                                           "attack, by the attack's outcome class.", "probability",
                                           0, 1)
    min_days_between_rounds: float = param("Rounds are not ordered closer than this (except after "
                                           "fatalities).", "days", 0, 365)
    delay_min_days: float = param("Shortest delay from attack to strike.", "days", 0, 60)
    delay_max_days: float = param("Longest delay from attack to strike.", "days", 0, 60)
    targets_min: int = param("Fewest targets in a routine round.", "targets", 1, 500)
    targets_max: int = param("Most targets in a routine round.", "targets", 1, 500)
    large_package_targets: int = param("Targets in the package ordered after US fatalities.",
                                       "targets", 1, 1000)
    major_round_targets: int = param("A round with at least this many targets counts as major "
                                     "US retaliation.", "targets", 1, 1000)
    killed_per_target_mean: float = param("Militia members killed per target in a routine round.",
                                          "killed/target", 0, 100)
    large_package_killed_per_target: float = param("Militia members killed per target in a "
                                                   "large package.", "killed/target", 0, 100)
    iraq_strike_prob: float = param("Probability a round against an Iraq-based group strikes "
                                    "inside Iraq (else its facilities in Syria).", "probability",
                                    0, 1)
    leadership_strike_prob: float = param("Probability a round includes a leadership strike.",
                                          "probability", 0, 1)
    strike_iran_prob: float = param("Probability of striking Iranian territory after an Iranian "
                                    "direct attack on US forces.", "probability", 0, 1)
    withdrawal_after_fatalities: float = param("Fraction of troops withdrawn from a site after "
                                               "fatalities there.", "fraction", 0, 1)


@dataclass(frozen=True)
class Iran:
    """Iran's posture and the event-driven rules that move it."""

    initial_posture: str = param("Posture at day 0.", choices=IRAN_POSTURES)
    encouraging_rate_multiplier: float = param("Factor on militia rates while Iran encourages "
                                               "attacks.", "ratio", 0, 20)
    pause_after_us_killed_prob: float = param("Probability Iran (with Baghdad) orders a pause "
                                              "after US service members are killed ('coin_flip' "
                                              "pause rule).",
                                              "probability", 0, 1,
                                              acts_under=("pause_rule", ("coin_flip",)))
    pause_after_major_strike_prob: float = param("Probability of a pause order after a major US "
                                                 "strike package ('coin_flip' pause rule).",
                                                 "probability", 0, 1,
                                                 acts_under=("pause_rule", ("coin_flip",)))
    pause_mean_days: float = param("'lapses' pause end: mean length of a pause order "
                                   "(exponential).", "days", 1, 3650,
                                   acts_under=("pause_end", ("lapses",)))
    pause_weight_regional_war: float = param("'context' pause rule: weight of a regional war under "
                                             "way as a reason to order a pause (reasons combine "
                                             "as a noisy OR).", "probability", 0, 1,
                                             acts_under=("pause_rule", ("context",)))
    pause_weight_us_threat: float = param("'context' pause rule: weight of a US threat of a major "
                                          "package (a US policy that answers deaths with a major "
                                          "package).", "probability",
                                          0, 1,
                                          acts_under=("pause_rule", ("context",)))
    pause_weight_baghdad: float = param("'context' pause rule: weight of Baghdad's pressure at or "
                                        "above pause_baghdad_pressure.", "probability", 0, 1,
                                        acts_under=("pause_rule", ("context",)))
    pause_baghdad_pressure: float = param("Baghdad's pressure at which it counts as a reason for "
                                          "a pause ('context' pause rule).", "pressure (0-1)",
                                          0, 1, acts_under=("pause_rule", ("context",)))
    defection_after_strike_prob: float = param("Probability a group struck by a US round during "
                                               "a pause defects at once (a local grievance; the "
                                               "'defections' compliance alternative).",
                                               "probability", 0, 1,
                                               acts_under=("compliance", ("defections",)))
    defection_mean_days: float = param("Mean length of a defection episode (exponential; "
                                       "the 'defections' compliance alternative).",
                                       "days", 0.01, 365,
                                       acts_under=("compliance", ("defections",)))
    irgc_linked_site_share: float = param("Share of routine US rounds (not leadership strikes) "
                                          "that hit facilities the IRGC uses with its partners; "
                                          "large packages always do.", "probability", 0, 1)
    iranians_killed_prob: dict[str, float] = param("Probability a US round kills Iranian "
                                                   "personnel, by what it hits (keys: "
                                                   + ", ".join(TARGET_KINDS) + ").",
                                                   "probability", 0, 1)
    senior_commander_share: float = param("Share of leadership strikes that kill Iranians in "
                                          "which a senior commander is among the dead.",
                                          "probability", 0, 1)
    retaliate_senior_commander_prob: float = param("Probability Iran strikes US forces directly "
                                                   "after a US strike kills a senior commander.",
                                                   "probability", 0, 1)
    retaliate_personnel_prob: float = param("Probability Iran strikes US forces directly after "
                                            "a US strike kills its officers (not a senior "
                                            "commander).", "probability", 0, 1)
    retaliation_factor_restraining: float = param("Factor on Iran's retaliation probabilities "
                                                  "while it restrains its partners (it is "
                                                  "avoiding a direct war with the US).", "ratio",
                                                  0, 1)
    retaliate_israeli_strike_prob: float = param("Probability Iran answers an Israeli strike on "
                                                 "its territory by striking US forces.",
                                                 "probability", 0, 1)
    retaliate_territory_prob: float = param("Probability Iran strikes US forces directly after US "
                                            "strikes on Iranian territory.", "probability", 0, 1)
    retaliation_delay_days: float = param("Mean delay of an Iranian direct attack "
                                          "(exponential).", "days", 0, 365)
    pause_erosion_days: float = param("'erodes' pause end: mean time (exponential) before a "
                                      "paused group returns to attacks on its own, at the "
                                      "frayed tempo (a faction declaring the truce over).",
                                      "days", 1, 36500,
                                      acts_under=("pause_end", ("erodes",)))
    return_after_us_round_prob: float = param("'erodes' pause end: probability a paused group "
                                              "struck by a US round returns to attacks for "
                                              "good (at the frayed tempo).", "probability", 0, 1,
                                              acts_under=("pause_end", ("erodes",)))
    return_after_israeli_strike_prob: float = param("'erodes' pause end: probability each paused "
                                                    "group returns to attacks (at the frayed "
                                                    "tempo) after an Israeli strike on Iran.",
                                                    "probability", 0, 1,
                                                    acts_under=("pause_end", ("erodes",)))
    frayed_rate_factor: float = param("'erodes' pause end: factor on the rate (base and revenge) "
                                      "of a group that has returned to attacks while Iran's "
                                      "pause still stands (the low tempo of a frayed pause).",
                                      "ratio", 0, 1,
                                      acts_under=("pause_end", ("erodes",)))
    lift_pause_on_direct_war: bool = param("'erodes' pause end: Iran lifts its pause (the whole "
                                           "campaign returns) once it decides to strike US "
                                           "forces directly, the war the pause was to avoid.",
                                           acts_under=("pause_end", ("erodes",)))
    deterrence_rate_cut: float = param("'deterrence' strike effect: fraction of every group's "
                                       "rate withheld after a major US round (a large package "
                                       "or a leadership strike).", "fraction", 0, 1,
                                       acts_under=("strike_effect", ("deterrence",)))
    deterrence_days: float = param("'deterrence' strike effect: how long the cut lasts after "
                                   "the last major US round.", "days", 0, 3650,
                                   acts_under=("strike_effect", ("deterrence",)))
    deterrence_pause_prob: float = param("'deterrence' strike effect: probability Iran orders "
                                         "(or tightens) a pause after a major US round, to keep a "
                                         "US blow off itself.", "probability", 0, 1,
                                         acts_under=("strike_effect", ("deterrence",)))
    direct_attack_weapon: str = param("Weapon (from [weapons]) of an Iranian direct salvo.")
    direct_attack_site: str = param("Site an Iranian salvo targets.")


@dataclass(frozen=True)
class Baghdad:
    """The Iraqi government's political pressure on US strikes in Iraq."""

    pressure_per_iraq_round: float = param("Pressure added by each US round in Iraq.",
                                           "pressure (0-1)", 0, 1)
    pressure_per_leadership_strike: float = param("Extra pressure from a leadership strike in "
                                                  "Iraq.", "pressure (0-1)", 0, 1)
    pressure_decay_days: float = param("Mean lifetime of pressure (exponential decay).", "days",
                                       0.1, 3650)
    drawdown_threshold: float = param("Pressure at which a coalition drawdown is brought "
                                      "forward.", "pressure (0-1)", 0, 1)
    drawdown_fraction: float = param("Fraction of troops in Iraq withdrawn by that drawdown.",
                                     "fraction", 0, 1)
    drawdown_delay_days: float = param("Delay from the pressure peak to the drawdown.", "days",
                                       0, 3650)


@dataclass(frozen=True)
class Event:
    """A dated exogenous event. Which fields apply depends on ``kind``."""

    kind: str = param("What the event does.", choices=EVENT_KINDS)
    date: dt.date = param("When it happens.", unit="date")
    probability: float = param("Chance the event happens at all in a replication.",
                               "probability", 0, 1, optional=True, default=1.0)
    until: dt.date | None = param("regime/shock: when it ends (regime reverts to the previous "
                                  "one).", unit="date", optional=True)
    regime: str | None = param("regime: the regime that starts.", optional=True)
    militia_rate_multiplier: float | None = param("shock: factor on militia rates during the "
                                                  "shock.", "ratio", 0, 20, optional=True)
    iran_escalation_multiplier: float | None = param("shock: factor on Iran's retaliation "
                                                     "probabilities during the shock.", "ratio",
                                                     0, 20, optional=True)
    site: str | None = param("troops: the site whose troop level changes.", optional=True)
    troops: int | None = param("troops: the new troop level.", "personnel", 0, 200000,
                               optional=True)
    preset: str | None = param("policy: the US policy preset switched to.", optional=True)
    posture: str | None = param("iran_posture: Iran's new posture.", choices=IRAN_POSTURES,
                                optional=True)
    hazard_per_day: float | None = param("strike_on_iran: if given, strikes come as a Poisson "
                                         "process of this rate from date to until (or the "
                                         "horizon) instead of once on date; regime: the regime "
                                         "starts once, after an exponential time of this rate "
                                         "from date (if before the horizon).", "events/day", 0,
                                         1, optional=True)
    us_joins_prob: float | None = param("strike_on_iran by Israel: probability the US joins the "
                                        "strike (a US strike on Iranian territory too).",
                                        "probability", 0, 1, optional=True)
    striker: str | None = param("strike_on_iran: who strikes Iranian territory.",
                                choices=STRIKERS, optional=True)
    target_kind: str | None = param("us_strike: what the round hits.", choices=TARGET_KINDS,
                                    optional=True)
    targets: int | None = param("us_strike: targets struck.", "targets", 1, 1000, optional=True)
    country: str | None = param("us_strike: where the round strikes.",
                                choices=("iraq", "syria"), optional=True)
    groups: tuple[str, ...] | None = param("us_strike: the groups struck (default: every group).",
                                           optional=True)
    militia_killed: int | None = param("us_strike: militia members killed.", "personnel", 0,
                                       1000, optional=True)
    iranian_loss: str | None = param("us_strike: whom Iran lost, when documented (default: "
                                     "drawn from iran.iranians_killed_prob).",
                                     choices=IRANIAN_LOSSES, optional=True)


@dataclass(frozen=True)
class InitialState:
    """The state at day 0 that earlier events left (US rounds before the start are ``us_strike``
    events dated before it; their excitation, lost capability and pressure carry over, decayed)."""

    baghdad_pressure: float = param("Baghdad's pressure at day 0, besides what dated US rounds "
                                    "before the start leave.", "pressure (0-1)", 0, 1)
    excitation_per_day: dict[str, float] = param("Excitation of each named group at day 0, "
                                                 "besides what dated rounds leave.",
                                                 "attacks/day", 0, 100)
    capability_lost: dict[str, float] = param("Capability each named group has lost at day 0.",
                                              "fraction", 0, 1)
    returned_from_pause: tuple[str, ...] = param("Groups that have returned to attacks (at the "
                                                 "frayed tempo) under a pause in force at day 0 "
                                                 "('erodes' pause end).", optional=True,
                                                 default=(),
                                                 acts_under=("pause_end", ("erodes",)))


@dataclass(frozen=True)
class Mechanisms:
    """Contested mechanisms: each key names the alternative in force (a small class with its
    sources in escsim/model/mechanisms.py; docs/explanation/model.md sets them side by side)."""

    strike_effect: str = param("What US strikes do to a group's attacks: revenge attacks "
                               "(backlash), lost launch capacity (denial), both, or revenge for "
                               "routine rounds and restraint for a while after major ones "
                               "(deterrence).",
                               choices=MECHANISM_CHOICES["strike_effect"])
    pause_rule: str = param("When Iran orders its partners to pause: a decision on the context "
                            "(regional war, US threat, Baghdad), or a coin flip per US death.",
                            choices=MECHANISM_CHOICES["pause_rule"])
    pause_end: str = param("How a pause ends: it erodes group by group on events and time, "
                           "returning groups at a low tempo (erodes), or Iran lifts it whole "
                           "after an exponential time, the campaign back at full rates (lapses).",
                           choices=MECHANISM_CHOICES["pause_end"])
    compliance: str = param("How groups obey a pause: wholly, broken by discrete defections, or "
                            "with a constant leak.", choices=MECHANISM_CHOICES["compliance"])
    partner_leaders: str = param("Whether Iran answers the killing of a partner's leader as it "
                                 "answers the killing of its own officers.",
                                 choices=MECHANISM_CHOICES["partner_leaders"])
    iranian_casualties: str = param("Which US rounds can kill Iranian personnel: any, by what it "
                                    "hits, or only rounds in Syria.",
                                    choices=MECHANISM_CHOICES["iranian_casualties"])


@dataclass(frozen=True)
class Rung:
    """A rung of the escalation ladder: a level and the condition that reaches it."""

    level: int = param("Height of the rung (0 is no incident).", "level", 0, 100)
    condition: str = param("Conjunction of 'counter[window]>=N' terms, e.g. "
                           "'iran_direct_attacks[60d] >= 2 and us_strikes_on_iran >= 1'.")
    ends_run: bool = param("Stop the replication when this rung is reached.", optional=True,
                           default=False)


@dataclass(frozen=True)
class Scenario:
    """A fully resolved, validated scenario: what the model receives."""

    scenario: Meta
    regimes: dict[str, Regime] = param("Named conflict regimes.")
    sites: dict[str, Site] = param("US sites.")
    weapons: dict[str, Weapon] = param("Weapon types.")
    militias: dict[str, MilitiaGroup] = param("Militia groups.")
    us_policy: USPolicy = param("US retaliation policy.")
    iran: Iran = param("Iran.")
    baghdad: Baghdad = param("Baghdad.")
    mechanisms: Mechanisms = param("Contested mechanisms: the named alternative in force.")
    initial_state: InitialState = param("State at day 0 left by earlier events.")
    events: dict[str, Event] = param("Dated exogenous events.")
    ladder: dict[str, Rung] = param("Escalation ladder rungs.")
    #: Where every value came from (dotted key -> text); not a model parameter.
    provenance: dict[str, str] = field(default_factory=dict, compare=False, repr=False,
                                       metadata={"internal": True})
    #: Short hash of the parameter values (not provenance), to tag results.
    param_hash: str = field(default="", compare=False, metadata={"internal": True})
    #: Resolved US policies for the presets that `policy` events switch to (preset -> policy).
    alt_policies: dict[str, USPolicy] = field(default_factory=dict, compare=False, repr=False,
                                              metadata={"internal": True})
    #: The file it was loaded from and the overrides applied, so it can be re-derived.
    source: str = field(default="", compare=False, repr=False, metadata={"internal": True})
    overrides: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False,
                                                   metadata={"internal": True})
