"""Contested mechanisms as named alternatives.

Where the sources disagree about how something works, the model does not pick one silently: each
reading is a small class with a ``name``, a docstring that gives the reasoning and a ``sources``
tuple, and the scenario's ``[mechanisms]`` table names the one in force (``escsim show`` prints it,
a sweep varies it like any key: ``--vary mechanisms.strike_effect=backlash,denial``). The default
of each, in ``scenarios/defaults.toml``, is the best-supported reading, and
``docs/explanation/model.md`` sets the alternatives side by side with what each implies for the
US doctrines.

Six mechanisms are contested:

* ``strike_effect``: what a US strike round does to the group it hits (revenge, denial, both,
  or deterrence by major rounds);
* ``pause_rule``: when Iran orders its partners to pause;
* ``pause_end``: how a pause ends (eroding group by group, or lifted whole on a random clock);
* ``compliance``: how the groups obey a pause;
* ``partner_leaders``: whether Iran avenges a partner's leader as it avenges its own officers;
* ``iranian_casualties``: which US rounds can kill Iranian personnel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from escsim.scenario.schema import MECHANISM_CHOICES, Mechanisms

#: mechanism key -> alternative name -> class
MECHANISMS: dict[str, dict[str, type[Alternative]]] = {key: {} for key in MECHANISM_CHOICES}


class Alternative:
    """One reading of a contested mechanism."""

    mechanism: ClassVar[str] = ""
    name: ClassVar[str] = ""
    #: Where the reading comes from: fact ids of seeds/ and published studies.
    sources: ClassVar[tuple[str, ...]] = ()


def register(cls: type[Alternative]) -> type[Alternative]:
    """Make an alternative available under ``[mechanisms] <cls.mechanism> = "<cls.name>"``."""
    MECHANISMS[cls.mechanism][cls.name] = cls
    return cls


# --- what a strike does to the group it hits ------------------------------------------------------
class StrikeEffect(Alternative):
    mechanism = "strike_effect"
    #: A round raises the group's attack rate for a while (tit-for-tat).
    excites: ClassVar[bool] = True
    #: A round destroys launch capacity (``capability_loss_per_target``).
    denies: ClassVar[bool] = True
    #: A major round (a large package or a leadership strike) deters instead of provoking: every
    #: group's rate is cut for a while and Iran may order or tighten a pause.
    deters: ClassVar[bool] = False


@register
class Backlash(StrikeEffect):
    """Strikes provoke and do not measurably deny. In every documented US round of 2019-21
    attacks on US sites followed within days (E20-ATTACKS-AFTER, E21-ASAD-MAR3, E21-REPLY-JUN28,
    E21-BURST-AFTER-JUN27); the groups struck (Kataib Hezbollah, Nujaba, Kataib Sayyid al-Shuhada)
    are old, popular and embedded in Iraq's state, the kind of organisation that Jordan's studies
    of leadership targeting (2009, 2014) find survives it; and no public record measures launch
    capacity destroyed. The quiet after Feb 2024 is accounted for by Iran's pause (PR-A6, PR-P1).
    The default: the one effect the record shows, and no unsourced size of denial."""

    name = "backlash"
    denies = False
    sources = ("E20-ATTACKS-AFTER", "E21-ASAD-MAR3", "E21-REPLY-JUN28", "E21-BURST-AFTER-JUN27",
               "Jordan 2009, Security Studies 18(4); Jordan 2014, International Security 38(4)",
               "Kocher, Pepinsky & Kalyvas 2011, AJPS 55(2) (bombing breeds insurgent control)")


@register
class Denial(StrikeEffect):
    """Strikes take away launchers, stocks and cells and do not provoke. After the 85-target
    package (PR-B9) attacks stopped; studies of leadership decapitation (Johnston 2012; Price 2012)
    and of shelling (Lyall 2009) find strikes lower violence."""

    name = "denial"
    excites = False
    sources = ("PR-B9", "Johnston 2012, International Security 36(4)",
               "Price 2012, International Security 36(4)",
               "Lyall 2009, Journal of Conflict Resolution 53(3)")


@register
class DenialAndBacklash(StrikeEffect):
    """Both at once: each round excites revenge and destroys capacity (escsim's reading before
    it had named alternatives). The size of the denial, ``capability_loss_per_target``, is an
    assumption: the record has no measure of it."""

    name = "denial_and_backlash"
    sources = ("PR-R1", "PR-B9")


@register
class Deterrence(StrikeEffect):
    """Routine rounds provoke (as under ``backlash``), but a large or credible US blow -- a large
    package or a leadership strike -- makes the groups hold back and pushes Iran to restrain them,
    for a time: for ``iran.deterrence_days`` after the last major round every group's rate is cut
    by ``iran.deterrence_rate_cut``, the major round itself brings no revenge, and Iran orders (or,
    on a frayed pause, tightens) a pause with ``iran.deterrence_pause_prob``.

    For: the Quds Force chief asked the groups to stop to keep a US blow off Iran (PR-P1), the US
    had announced a large reply (PR-B9), and the 85-target package was followed by near silence
    (PR-A1). Against: attacks went on after the killing of the Quds Force chief and after the
    rounds of 2020-21 (E20-ATTACKS-AFTER, E21-BURST-AFTER-JUN27), and the pause of Feb 2024 had
    begun, with Kataib Hezbollah's suspension (PR-A6), before the package fell. The sizes are
    assumptions: no source measures how much of the quiet deterrence bought."""

    name = "deterrence"
    denies = False
    deters = True
    sources = ("PR-P1", "PR-B9", "PR-A1", "against: E20-ATTACKS-AFTER, E21-BURST-AFTER-JUN27, "
               "PR-A6")


# --- when Iran orders a pause ---------------------------------------------------------------------
@dataclass(frozen=True)
class PauseContext:
    """What Iran weighs when deciding on a pause."""

    regional_war: bool  # the regime has a regional war under way
    us_threat: bool  # the US policy answers deaths with a major package
    baghdad_pressing: bool  # Baghdad's pressure at or above iran.pause_baghdad_pressure
    us_killed: bool  # the decision follows US deaths (else a major US package)


class PauseRule(Alternative):
    mechanism = "pause_rule"

    def pause_prob(self, iran: object, context: PauseContext) -> float:
        raise NotImplementedError


@register
class ContextPause(PauseRule):
    """A pause is a decision Iran takes when a direct war with the US is the risk it most wants to
    avoid. Each reason present -- a regional war already under way in which its partners fight
    Israel, a US threat of a major package (the US policy answers deaths with one), Baghdad
    pressing hard -- is enough on its own with its weight; reasons combine as a
    noisy OR: ``1 - prod(1 - weight)`` over the reasons present.

    After Tower 22 all three held (the Gaza war; the US announcing a large reply, PR-B9; Baghdad,
    S-BAGHDAD-OPPOSES) and the Quds Force chief asked the groups to stop (PR-P1, PR-A6). After the
    K-1 death (E20-K1-KILLED) and the Taji deaths (E20-TAJI-KILLED) none held: no regional war,
    five-target US replies (E20-STRIKES-DEC29, E20-STRIKES-MAR12), and no halt (E20-NO-PAUSE).
    Only US deaths are a decision point under this rule: a major US package alone brought no
    pause in the record (the Baghdad leadership strike of Jan 2024, PR-B7; the five-site strikes
    of 29 Dec 2019, E20-STRIKES-DEC29; the killing of the Quds Force chief, E20-SOLEIMANI). The
    default."""

    name = "context"
    sources = ("PR-A6", "PR-P1", "S-LULL-AFTER-FEB-2024", "E20-NO-PAUSE", "E20-K1-KILLED",
               "E20-TAJI-KILLED")

    def pause_prob(self, iran: object, context: PauseContext) -> float:
        if not context.us_killed:
            return 0.0
        p = iran.p  # type: ignore[attr-defined]
        stay = 1.0
        if context.regional_war:
            stay *= 1.0 - p.pause_weight_regional_war
        if context.us_threat:
            stay *= 1.0 - p.pause_weight_us_threat
        if context.baghdad_pressing:
            stay *= 1.0 - p.pause_weight_baghdad
        return 1.0 - stay


@register
class CoinFlipPause(PauseRule):
    """A fixed chance of a pause after every US death (``pause_after_us_killed_prob``) and after
    every major US package (``pause_after_major_strike_prob``), whatever the context: the one
    documented pause (S-LULL-AFTER-FEB-2024) read as typical. It makes the 2019-20 record, two
    deadly attacks without a pause (E20-NO-PAUSE), a tail event."""

    name = "coin_flip"
    sources = ("S-LULL-AFTER-FEB-2024",)

    def pause_prob(self, iran: object, context: PauseContext) -> float:
        p = iran.p  # type: ignore[attr-defined]
        return p.pause_after_us_killed_prob if context.us_killed else \
            p.pause_after_major_strike_prob


# --- how a pause ends ---------------------------------------------------------------------------
class PauseEnd(Alternative):
    mechanism = "pause_end"
    #: The pause frays group by group (else it lasts an exponential time and ends whole).
    erodes: ClassVar[bool] = False


@register
class Erodes(PauseEnd):
    """A pause frays on events and time, one group at a time: a paused group returns to attacks
    on its own after an exponential time (``iran.pause_erosion_days``), after a US round on it
    (``iran.return_after_us_round_prob``) or after an Israeli strike on Iran
    (``iran.return_after_israeli_strike_prob``); a returned group attacks at the low tempo of a
    frayed pause (``iran.frayed_rate_factor``) while Iran's pause still stands. The whole campaign
    comes back at full rates only if Iran lifts the pause, which it does when it goes to war with
    the US directly (``iran.lift_pause_on_direct_war``); a new pause order (after US deaths)
    tightens it again. A Gaza ceasefire (a regime) lowers every rate under it.

    In 2024 the pause ordered after Tower 22 held for months, frayed from July -- attacks came back
    without casualties or damage, and Iraqi factions declared the truce over in August after a US
    strike killed four Kataib Hezbollah members and amid the standoff over the killings in Beirut
    and Tehran (PR-P6, PR-P5) -- and the attacks of the autumn stayed a handful (PR-P4; the rockets
    at Shaddadi, S-STRIKES-2024-11-12), not a return to the surge. The default."""

    name = "erodes"
    erodes = True
    sources = ("PR-P6", "PR-P5", "PR-P4", "PR-P2", "S-LULL-AFTER-FEB-2024")


@register
class Lapses(PauseEnd):
    """A pause lasts an exponential time of mean ``iran.pause_mean_days`` and then ends whole:
    every group returns at once to the rates of the regime (escsim's reading before issue 19). The
    mean is a lower bound turned into a mean (the lull still held after nine months,
    S-LULL-AFTER-FEB-2024); on no event, the campaign returns at surge rates on a random clock."""

    name = "lapses"
    sources = ("S-LULL-AFTER-FEB-2024",)


# --- how groups obey a pause ----------------------------------------------------------------------
class Compliance(Alternative):
    mechanism = "compliance"
    #: Whether defection episodes break the pause.
    defects: ClassVar[bool] = False

    def factor(self, compliance: float, defecting: bool) -> float:
        """Factor on a group's rate while Iran orders a pause."""
        raise NotImplementedError


@register
class Defections(Compliance):
    """Groups obey a pause wholly, but now and then a cell breaks it -- a splinter group, a local
    grievance -- in an episode of unrestrained attacks (rate ``defection_rate_per_day`` per group,
    mean length ``iran.defection_mean_days``). After 4 Feb 2024 the record is near silence broken
    by isolated incidents (PR-A1, PR-P2, PR-P3, PR-P4) such as the seed's rockets at Shaddadi
    (S-STRIKES-2024-11-12), not a steady trickle. The default."""

    name = "defections"
    defects = True
    sources = ("PR-A1", "PR-A6", "PR-P2", "PR-P3", "PR-P4", "S-STRIKES-2024-11-12")

    def factor(self, compliance: float, defecting: bool) -> float:
        return 1.0 if defecting else 0.0


@register
class LeakyCompliance(Compliance):
    """A pause withholds a fixed share ``restraint_compliance`` of each group's attacks, so the
    rest leak through at a constant rate (escsim's reading before it had named alternatives)."""

    name = "leaky"
    sources = ("PR-A6", "S-LULL-AFTER-FEB-2024")

    def factor(self, compliance: float, defecting: bool) -> float:
        return 1.0 - compliance


# --- whether a partner's leader counts as Iran's own ----------------------------------------------
class PartnerLeaders(Alternative):
    mechanism = "partner_leaders"
    #: A leadership strike that kills no Iranian counts as a loss of Iranian officers.
    counts_as_officers: ClassVar[bool] = False


@register
class IranianLossesOnly(PartnerLeaders):
    """Iran answers US forces directly for its own dead, not its partners' leaders. The US killed
    a Nujaba commander in Baghdad (PR-B7) and a Kataib Hezbollah commander (PR-B10) in 2024 with no
    Iranian strike on US forces; it killed the Quds Force chief (E20-SOLEIMANI) and Iran fired
    missiles at US bases five days later (E20-IRAN-SALVO). The default."""

    name = "iranian_losses_only"
    sources = ("PR-B7", "PR-B10", "E20-SOLEIMANI", "E20-IRAN-SALVO")


@register
class PartnerLeadersCount(PartnerLeaders):
    """Iran treats the killing of a partner's commander as an attack on its own network and may
    answer it as it answers the loss of its officers (``retaliate_personnel_prob``). Supported by
    Iran's rhetoric after the 2024 Baghdad strikes, not by its actions (PR-B7, PR-B10)."""

    name = "partner_leaders_count"
    counts_as_officers = True
    sources = ("PR-B7", "PR-B10")


# --- which US rounds can kill Iranians ------------------------------------------------------------
class IranianCasualties(Alternative):
    mechanism = "iranian_casualties"

    def can_kill(self, country: str) -> bool:
        """Whether a round in ``country`` may kill Iranian personnel at all."""
        return True


@register
class ByTarget(IranianCasualties):
    """Who, not where: any round may kill Iranians, with a chance set by what it hits
    (``iran.iranians_killed_prob``). The one US strike that killed an Iranian commander was a
    leadership strike in Baghdad (E20-SOLEIMANI); the 2023-24 rounds in Syria hit IRGC-linked
    sites (PR-B1) without acknowledged Iranian dead. The default."""

    name = "by_target"
    sources = ("E20-SOLEIMANI", "PR-B1")


@register
class SyriaRoundsOnly(IranianCasualties):
    """Where, not who: only rounds in Syria, where IRGC personnel work beside the groups, may kill
    Iranians (escsim's reading before it had named alternatives). It cannot represent the 2020
    case (E20-SOLEIMANI: a strike in Iraq)."""

    name = "syria_rounds_only"
    sources = ("PR-B1",)

    def can_kill(self, country: str) -> bool:
        return country == "syria"


@dataclass(frozen=True)
class InForce:
    """The alternative in force of each contested mechanism, as objects."""

    strike_effect: StrikeEffect
    pause_rule: PauseRule
    pause_end: PauseEnd
    compliance: Compliance
    partner_leaders: PartnerLeaders
    iranian_casualties: IranianCasualties


def in_force(chosen: Mechanisms) -> InForce:
    """The objects of the alternatives a scenario's ``[mechanisms]`` table names."""
    return InForce(**{key: MECHANISMS[key][getattr(chosen, key)]()
                      for key in MECHANISM_CHOICES})  # type: ignore[arg-type]
