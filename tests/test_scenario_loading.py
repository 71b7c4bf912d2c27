"""Scenario loading: defaults, ``extends`` chains, overrides, provenance, and every class of bad
input, through the Python API (``InputError`` attributes) and the command line (exit code 2 and
one line on stderr)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import escsim
from escsim.errors import InputError
from escsim.scenario.keys import leaves
from escsim.scenario.schema import MilitiaGroup, Weapon

SURGE = 'extends = "surge-2023"\n'


# ------------------------------------------------------------------------------ valid input ---
def test_bundled_surge_scenario_resolves(surge: escsim.Scenario) -> None:
    assert surge.scenario.name == "surge-2023"
    assert surge.scenario.start_date == dt.date(2023, 10, 17)
    assert surge.scenario.horizon_days == 111
    assert surge.us_policy.preset == "proportional"
    assert surge.us_policy.large_package_targets == 85  # from the preset table (PR-B9)
    assert set(surge.militias) == {"iraq_factions", "syria_groups"}
    assert surge.events["gaza_truce"].regime == "truce"
    assert len(surge.param_hash) == 12


def test_file_without_extends_gets_the_defaults(write_scenario) -> None:
    path = write_scenario("mine", '[scenario]\nname = "mine"\n')
    s = escsim.load_scenario(path)
    d = escsim.load_scenario("defaults")
    assert s.scenario == dataclasses.replace(d.scenario, name="mine")
    for table in ("regimes", "sites", "weapons", "militias", "us_policy", "iran", "baghdad",
                  "events", "ladder"):
        assert getattr(s, table) == getattr(d, table), table
    assert s.provenance["scenario.name"].endswith(f"set in {_shown(path)}")
    assert s.provenance["sites.iraq.troops"].startswith("fact S-TROOPS-IRAQ")
    assert s.provenance["sites.iraq.troops"].endswith("set in scenarios/defaults.toml")


def test_extends_chain_overrides_one_value_each(write_scenario, surge) -> None:
    write_scenario("parent", SURGE + "[militias.iraq_factions]\nbase_rate_per_day = 1.25\n")
    child = write_scenario("child", 'extends = "parent.toml"\n[scenario]\nhorizon_days = 60\n')
    s = escsim.load_scenario(child)
    assert s.militias["iraq_factions"].base_rate_per_day == 1.25
    assert s.scenario.horizon_days == 60
    # everything else is surge-2023's
    assert s.militias["syria_groups"] == surge.militias["syria_groups"]
    assert dataclasses.replace(s.militias["iraq_factions"], base_rate_per_day=surge.militias[
        "iraq_factions"].base_rate_per_day) == surge.militias["iraq_factions"]
    assert s.events == surge.events and s.us_policy == surge.us_policy
    assert s.scenario.name == "surge-2023" and s.scenario.start_date == surge.scenario.start_date
    assert s.provenance["militias.iraq_factions.base_rate_per_day"] == \
        f"unsourced -- set in {_shown(child.parent / 'parent.toml')}"
    assert s.provenance["scenario.horizon_days"].endswith(f"set in {_shown(child)}")
    assert s.provenance["events.gaza_truce.date"].endswith("set in scenarios/surge-2023.toml")
    assert s.param_hash != surge.param_hash


def test_extends_by_bundled_name_and_provenance_wrappers(write_scenario) -> None:
    path = write_scenario("cited", SURGE + '[iran]\npause_mean_days = { value = 90.0, '
                          'assumption = "a shorter lull", note = "for a test" }\n'
                          'retaliate_personnel_prob = { value = 0.5, fact = "PR-A1" }\n')
    s = escsim.load_scenario(path)
    assert s.iran.pause_mean_days == 90.0
    assert s.provenance["iran.pause_mean_days"] == \
        f"assumption: a shorter lull; for a test -- set in {_shown(path)}"
    assert s.provenance["iran.retaliate_personnel_prob"].startswith("fact PR-A1 (170 attacks")


def test_set_overrides_values_and_preset() -> None:
    s = escsim.load_scenario("surge-2023", [
        "militias.iraq_factions.base_rate_per_day=1.2",
        "us_policy.preset=punitive",
        "us_policy.targets_max=7",  # a policy value on top of the new preset's
        "iran.initial_posture=encouraging",  # bare text is read as a string
        'militias.syria_groups.reach=["syria"]',
        "scenario.start_date=2023-11-01",
    ])
    assert s.militias["iraq_factions"].base_rate_per_day == 1.2
    assert s.us_policy.preset == "punitive"
    assert s.us_policy.targets_min == 3  # the punitive table, not proportional's 1
    assert s.us_policy.targets_max == 7
    assert s.iran.initial_posture == "encouraging"
    assert s.militias["syria_groups"].reach == ("syria",)
    assert s.scenario.start_date == dt.date(2023, 11, 1)
    override = "override (--set or with_overrides), no source given -- set in --set"
    for key in ("militias.iraq_factions.base_rate_per_day", "us_policy.preset",
                "us_policy.targets_max", "iran.initial_posture"):
        assert s.provenance[key] == override, key
    assert "presets/us_policy.toml" in s.provenance["us_policy.targets_min"]


def test_set_one_item_of_a_wrapped_table_keeps_the_siblings_sources(surge) -> None:
    s = escsim.load_scenario("surge-2023", ["militias.iraq_factions.weapon_mix.drone=0.6"])
    mix = s.militias["iraq_factions"].weapon_mix
    assert mix == {**surge.militias["iraq_factions"].weapon_mix, "drone": 0.6}
    assert s.provenance["militias.iraq_factions.weapon_mix.drone"].startswith("override")
    assert s.provenance["militias.iraq_factions.weapon_mix.rocket"].startswith("fact PR-A7")


def test_scenario_file_policy_override_sits_on_top_of_the_preset(write_scenario) -> None:
    path = write_scenario("pol", SURGE + '[us_policy]\npreset = "restraint"\n'
                          "targets_max = 4\n[us_policy.respond_prob]\ninjuries = 0.3\n")
    s = escsim.load_scenario(path)
    assert s.us_policy.preset == "restraint"
    assert s.us_policy.targets_max == 4
    restraint = escsim.load_scenario("surge-2023", ["us_policy.preset=restraint"]).us_policy
    assert s.us_policy.respond_prob == {**restraint.respond_prob, "injuries": 0.3}
    assert s.us_policy == dataclasses.replace(restraint, targets_max=4,
                                              respond_prob=s.us_policy.respond_prob)


def test_with_overrides_keeps_earlier_overrides_and_provenance() -> None:
    s = escsim.load_scenario("surge-2023", ["militias.iraq_factions.base_rate_per_day=1.2"])
    s2 = escsim.with_overrides(s, {"us_policy.preset": "restraint",
                                   "iran.pause_mean_days": 30.0})
    assert s2.militias["iraq_factions"].base_rate_per_day == 1.2  # earlier override kept
    assert s2.us_policy.preset == "restraint" and s2.us_policy.leadership_strike_prob == 0.0
    assert s2.iran.pause_mean_days == 30.0
    assert s == escsim.load_scenario("surge-2023", ["militias.iraq_factions.base_rate_per_day=1.2"])
    for key in ("militias.iraq_factions.base_rate_per_day", "us_policy.preset",
                "iran.pause_mean_days"):
        assert s2.provenance[key].startswith("override (--set or with_overrides)"), key
    restraint = escsim.load_scenario("surge-2023", ["us_policy.preset=restraint"])
    assert s2.us_policy == restraint.us_policy
    assert s2.provenance["us_policy.leadership_strike_prob"] == \
        restraint.provenance["us_policy.leadership_strike_prob"]
    assert s2.provenance["us_policy.leadership_strike_prob"].endswith(
        "set in scenarios/presets/us_policy.toml")
    untouched = {k: v for k, v in s.provenance.items()
                 if not k.startswith(("us_policy.", "iran.pause_mean_days"))}
    assert {k: s2.provenance[k] for k in untouched} == untouched
    assert s2.source == s.source
    assert s2.param_hash not in (s.param_hash, "")
    # re-deriving from the recorded overrides gives the same scenario
    again = escsim.load_scenario(s2.source, dict(s2.overrides))
    assert again == s2 and again.param_hash == s2.param_hash


def test_with_overrides_validates_like_the_file(surge) -> None:
    with pytest.raises(InputError) as info:
        escsim.with_overrides(surge, {"militias.iraq_factions.base_rate_per_day": -1.0})
    assert info.value.key == "militias.iraq_factions.base_rate_per_day"
    assert info.value.file == "--set" and info.value.value == -1.0


def test_param_hash_follows_values_not_provenance(write_scenario, surge) -> None:
    same = write_scenario("same", SURGE + '[scenario]\nhorizon_days = { value = 111, '
                          'assumption = "the same number, a different source" }\n')
    other = write_scenario("other", SURGE + "[scenario]\nhorizon_days = 112\n")
    assert escsim.load_scenario(same).param_hash == surge.param_hash
    assert escsim.load_scenario(other).param_hash != surge.param_hash
    assert escsim.load_scenario("surge-2023").param_hash == surge.param_hash


@pytest.mark.parametrize("name", sorted(escsim.bundled_scenarios()))
def test_bundled_provenance_is_never_unsourced(name: str) -> None:
    s = escsim.load_scenario(name)
    unsourced = sorted(k for k, v in s.provenance.items() if v.startswith("unsourced"))
    assert unsourced == []
    # every value has a provenance, except optional fields left at the schema's default
    missing = [k for k, *_ in leaves(s) if k not in s.provenance]
    assert all(_is_optional_default(s, k) for k in missing), missing


def test_show_prints_provenance_for_every_key(cli, surge) -> None:
    result = cli("show", "surge-2023")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"# surge-2023 (hash {surge.param_hash})")
    body = lines[1:]
    keys = [k for k, *_ in leaves(surge)]
    assert len(body) == 2 * len(keys)
    for i, key in enumerate(keys):
        assert body[2 * i].startswith(f"{key} = "), (key, body[2 * i])
        provenance = body[2 * i + 1]
        assert provenance.startswith("    <- ") and len(provenance) > len("    <- ")
        assert "unsourced" not in provenance, (key, provenance)
        if key in surge.provenance:
            assert provenance == f"    <- {surge.provenance[key]}"
    rate = surge.militias["iraq_factions"].base_rate_per_day
    assert f"militias.iraq_factions.base_rate_per_day = {rate!r}\n" in result.stdout


def test_show_key_prefix_brief_and_set(cli) -> None:
    result = cli("show", "surge-2023", "--key", "iran.", "--brief",
                 "--set", "iran.pause_mean_days=30")
    assert result.exit_code == 0, result.output
    body = result.stdout.splitlines()[1:]
    assert body and all(line.startswith("iran.") for line in body)
    assert any(line.startswith("iran.pause_mean_days = 30.0") for line in body)


# -------------------------------------------------------------------------------- bad input ---
_NO_VALUE = object()


@dataclass(frozen=True)
class Bad:
    """A bad input and what its error must say."""

    id: str
    files: dict[str, str | bytes] = field(default_factory=dict)  # the first is loaded
    overrides: tuple[str, ...] = ()
    ref: str | None = None  # load this instead (a name, or a file in the temp folder)
    file: str = "bad.toml"  # fragment of InputError.file
    key: str | None = None
    value: Any = None
    expected: str | None = None  # fragment of InputError.expected
    message: str = ""  # fragment of InputError.message


def _bad(id: str, text: str | bytes, **kw: Any) -> Bad:
    return Bad(id, {"bad": text}, **kw)


BAD_INPUTS = [
    # unknown keys, with a suggestion
    _bad("unknown-key", SURGE + "[scenario]\nhorizon_dayz = 10\n", key="scenario.horizon_dayz",
         expected="horizon_days", message="unknown key; did you mean 'horizon_days'?"),
    _bad("unknown-nested-key", SURGE + "[militias.iraq_factions]\nbase_rate_pr_day = 1.0\n",
         key="militias.iraq_factions.base_rate_pr_day", expected="base_rate_per_day",
         message="did you mean 'base_rate_per_day'?"),
    _bad("unknown-table", SURGE + "[weapon.rocket]\nintercept_prob = 0.1\n", key="weapon",
         expected="weapons", message="did you mean 'weapons'?"),
    _bad("missing-key", SURGE + '[militias.new_group]\nhome_country = "iraq"\n',
         key="militias.new_group.base_rate_per_day", expected="float", message="missing key"),
    # wrong types
    _bad("wrong-type-number", SURGE + '[scenario]\nhorizon_days = "long"\n',
         key="scenario.horizon_days", value="long", expected="a number", message="wrong type"),
    _bad("wrong-type-integer", SURGE + "[sites.iraq]\ntroops = 2500.5\n",
         key="sites.iraq.troops", value=2500.5, expected="a whole number", message="wrong type"),
    _bad("wrong-type-bool", SURGE + '[ladder.regional_war]\nends_run = "yes"\n',
         key="ladder.regional_war.ends_run", value="yes", expected="bool", message="wrong type"),
    _bad("wrong-type-text", SURGE + "[iran]\ndirect_attack_weapon = 3\n",
         key="iran.direct_attack_weapon", value=3, expected="text", message="wrong type"),
    _bad("wrong-type-list", SURGE + '[militias.syria_groups]\nreach = "syria"\n',
         key="militias.syria_groups.reach", value="syria", expected="a list of names"),
    _bad("value-for-table", SURGE + "[us_policy]\nrespond_prob = 0.5\n",
         key="us_policy.respond_prob", value=0.5, expected="a TOML table",
         message="expected a table"),
    _bad("not-finite", SURGE + "[scenario]\nhorizon_days = inf\n", key="scenario.horizon_days",
         value=float("inf"), expected="a finite number"),
    _bad("bad-date", SURGE + '[scenario]\nstart_date = "2023-13-45"\n',
         key="scenario.start_date", value="2023-13-45", expected="YYYY-MM-DD",
         message="not a date"),
    # out of range
    _bad("negative-rate", SURGE + "[militias.iraq_factions]\nbase_rate_per_day = -0.5\n",
         key="militias.iraq_factions.base_rate_per_day", value=-0.5,
         expected="0 <= value <= 100 attacks/day", message="out of range"),
    _bad("probability-above-one", SURGE + "[weapons.rocket]\nintercept_prob = 1.5\n",
         key="weapons.rocket.intercept_prob", value=1.5, expected="0 <= value <= 1",
         message="out of range"),
    _bad("probability-below-zero", SURGE + "[us_policy.respond_prob]\nmiss = -0.1\n",
         key="us_policy.respond_prob.miss", value=-0.1, expected="0 <= value <= 1",
         message="out of range"),
    _bad("unknown-choice", SURGE + '[iran]\ninitial_posture = "permisive"\n',
         key="iran.initial_posture", value="permisive",
         expected="restraining | permissive | encouraging",
         message="did you mean 'permissive'?"),
    # presets and facts
    _bad("unknown-preset", SURGE + '[us_policy]\npreset = "punative"\n',
         key="us_policy.preset", value="punative", expected="proportional",
         message="unknown US policy preset; did you mean 'punitive'?"),
    _bad("unknown-preset-in-event", SURGE + '[events.switch]\nkind = "policy"\n'
         'date = 2023-12-01\npreset = "hawkish"\n', key="events.switch.preset",
         value="hawkish", expected="punitive", message="unknown US policy preset"),
    _bad("unknown-fact", SURGE + '[scenario]\nhorizon_days = { value = 50, fact = "PR-A99" }\n',
         key="scenario.horizon_days", value="PR-A99", expected="an id from seeds/",
         message="unknown fact id"),
    _bad("fact-and-assumption", SURGE + '[scenario]\nhorizon_days = { value = 50, '
         'fact = "PR-A1", assumption = "both" }\n', key="scenario.horizon_days",
         message="either fact or assumption"),
    _bad("empty-assumption", SURGE + '[scenario]\nhorizon_days = { value = 50, '
         'assumption = " " }\n', key="scenario.horizon_days.assumption", value=" ",
         expected="a reason", message="non-empty text"),
    # files and extends
    Bad("missing-file", ref="nope.toml", file="nope.toml", message="scenario file not found",
        expected=None),
    Bad("unknown-bundled-name", ref="surge-2032", file="surge-2032",
        message="scenario file not found; did you mean 'surge-2023'?"),
    _bad("extends-missing", 'extends = "nope"\n', key="extends", value="nope",
         expected="an existing scenario", message="scenario file not found"),
    _bad("extends-not-text", "extends = 5\n", key="extends", value=5,
         expected="a scenario name or path", message="'extends' must name one scenario"),
    Bad("extends-cycle", {"a": 'extends = "b.toml"\n', "b": 'extends = "a.toml"\n'},
        file="a.toml", key="extends", expected="ends at defaults",
        message="'extends' cycle"),
    _bad("extends-itself", 'extends = "bad.toml"\n', key="extends", message="'extends' cycle"),
    _bad("invalid-toml", SURGE + "[scenario\nhorizon_days = 5\n",
         message="invalid TOML: Expected ']'"),
    _bad("duplicate-toml-key", SURGE + "[scenario]\nhorizon_days = 5\nhorizon_days = 6\n",
         message="invalid TOML"),
    _bad("not-utf8", SURGE.encode() + b"# caf\xe9\n", message="not UTF-8",
         expected="UTF-8"),
    # ranges given the wrong way round
    _bad("reversed-delays", SURGE + "[us_policy]\ndelay_min_days = 9.0\ndelay_max_days = 2.0\n",
         key="us_policy.delay_max_days", value=2.0, expected=">= delay_min_days (9)",
         message="delay range reversed"),
    _bad("reversed-targets", SURGE + "[us_policy]\ntargets_min = 5\ntargets_max = 2\n",
         key="us_policy.targets_max", value=2, expected=">= targets_min (5)",
         message="target range reversed"),
    _bad("event-ends-before-start", SURGE + "[events.gaza_truce]\nuntil = 2023-11-01\n",
         key="events.gaza_truce.until", value="2023-11-01", expected="on or after 2023-11-24",
         message="ends before it starts"),
    # references to things that do not exist
    _bad("unknown-weapon", SURGE + "[militias.syria_groups]\n"
         "weapon_mix = { rocket = 0.5, laser = 0.5 }\n",
         key="militias.syria_groups.weapon_mix.laser", value="laser", expected="rocket | drone",
         message="unknown weapon"),
    _bad("unknown-site", SURGE + '[militias.syria_groups]\nreach = ["syria", "kuwait"]\n',
         key="militias.syria_groups.reach", value="kuwait", expected="syria | iraq | tower_22",
         message="unknown site"),
    _bad("unknown-iran-weapon", SURGE + '[iran]\ndirect_attack_weapon = "nuke"\n',
         key="iran.direct_attack_weapon", value="nuke", expected="iranian_brbm_salvo",
         message="unknown weapon"),
    _bad("unknown-iran-site", SURGE + '[iran]\ndirect_attack_site = "kuwait"\n',
         key="iran.direct_attack_site", value="kuwait", expected="tower_22",
         message="unknown site"),
    _bad("unknown-event-site", SURGE + '[events.cut]\nkind = "troops"\ndate = 2023-12-01\n'
         'site = "kuwait"\ntroops = 0\n', key="events.cut.site", value="kuwait",
         expected="syria | iraq | tower_22", message="unknown site"),
    _bad("unknown-regime", SURGE + '[scenario]\ninitial_regime = "peace"\n',
         key="scenario.initial_regime", value="peace", expected="gaza_war",
         message="unknown regime"),
    _bad("event-missing-field", SURGE + '[events.cut]\nkind = "troops"\ndate = 2023-12-01\n'
         'site = "iraq"\n', key="events.cut.troops", expected="troops for kind 'troops'",
         message="needs troops"),
    _bad("weapon-shares-zero", SURGE + "[militias.syria_groups]\n"
         "weapon_mix = { rocket = 0.0, rocket_salvo = 0.0, drone = 0.0 }\n",
         key="militias.syria_groups.weapon_mix",
         value={"rocket": 0.0, "rocket_salvo": 0.0, "drone": 0.0},
         expected="positive shares", message="sum to zero"),
    _bad("unknown-outcome-class", SURGE + "[us_policy.respond_prob]\nfatal = 1.0\n",
         key="us_policy.respond_prob.fatal", value="fatal", expected="fatalities",
         message="unknown outcome class; did you mean 'fatalities'?"),
    # the ladder
    _bad("bad-condition", SURGE + '[ladder.us_killed]\ncondition = "us_killed > 1"\n',
         key="ladder.us_killed.condition", value="us_killed > 1",
         expected="a ladder condition", message="cannot read term 'us_killed > 1'"),
    _bad("bad-condition-counter", SURGE + '[ladder.us_killed]\ncondition = "us_kiled >= 1"\n',
         key="ladder.us_killed.condition", value="us_kiled >= 1",
         expected="a ladder condition", message="unknown counter 'us_kiled'"),
    _bad("duplicate-ladder-level", SURGE + '[ladder.extra]\nlevel = 4\n'
         'condition = "us_killed >= 2"\n', key="ladder.extra.level", value=4,
         expected="one rung per level", message="level already used by rung 'us_killed'"),
    _bad("ladder-level-zero", SURGE + '[ladder.extra]\nlevel = 0\ncondition = "attacks >= 1"\n',
         key="ladder.extra.level", value=0, expected="a level of 1 or more"),
    # --set overrides
    Bad("set-syntax", ref="surge-2023", overrides=("foo",), file="--set", value="foo",
        expected="base_rate_per_day=1.2", message="override must look like KEY=VALUE"),
    Bad("set-no-key", ref="surge-2023", overrides=("=3",), file="--set", value="=3",
        expected="KEY=VALUE", message="override has no key"),
    Bad("set-unknown-key", ref="surge-2023", overrides=("scenario.horizon_dayz=3",),
        file="--set", key="scenario.horizon_dayz", expected="horizon_days",
        message="did you mean 'horizon_days'?"),
    Bad("set-unknown-table", ref="surge-2023", overrides=("nosuch=1",), file="--set",
        key="nosuch", expected="militias", message="unknown key"),
    Bad("set-wrong-type", ref="surge-2023", overrides=("scenario.horizon_days=abc",),
        file="--set", key="scenario.horizon_days", value="abc", expected="a number"),
    Bad("set-out-of-range", ref="surge-2023", overrides=("iran.pause_after_us_killed_prob=2",),
        file="--set", key="iran.pause_after_us_killed_prob", value=2.0,
        expected="0 <= value <= 1"),
    Bad("set-unknown-preset", ref="surge-2023", overrides=("us_policy.preset=punative",),
        file="--set", key="us_policy.preset", value="punative",
        message="did you mean 'punitive'?"),
    Bad("set-unknown-outcome-class", ref="surge-2023",
        overrides=("us_policy.respond_prob.fatal=1",), file="--set",
        key="us_policy.respond_prob.fatal", value="fatal",
        message="did you mean 'fatalities'?"),
]


def _materialise(case: Bad, folder: Path) -> str:
    """Write the case's files; return the scenario reference to load."""
    for name, text in case.files.items():
        path = folder / f"{name}.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    if case.ref is None:
        return str(folder / f"{next(iter(case.files))}.toml")
    return str(folder / case.ref) if case.ref.endswith(".toml") else case.ref


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_bad_input_raises_input_error(case: Bad, tmp_path: Path) -> None:
    ref = _materialise(case, tmp_path)
    with pytest.raises(InputError) as info:
        escsim.load_scenario(ref, list(case.overrides))
    err = info.value
    assert err.file is not None and case.file in err.file, err
    assert err.key == case.key, err
    assert err.value == case.value, err
    if case.expected is not None:
        assert err.expected is not None and case.expected in err.expected, err
    assert case.message in err.message, err
    text = str(err)
    assert "\n" not in text
    assert text.startswith(err.file)


@pytest.mark.parametrize("command", ["show", "run"])
@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_bad_input_on_the_command_line(case: Bad, command: str, tmp_path: Path, cli,
                                       cli_input_error, leftovers) -> None:
    ref = _materialise(case, tmp_path)
    sets = [a for o in case.overrides for a in ("--set", o)]
    if command == "show":
        result = cli("show", ref, *sets)
    else:
        result = cli("run", ref, *sets, "--runs", "2", "--jobs", "1", "--no-plots",
                     "--out", tmp_path / "out")
    fragments = [case.file, case.message]
    if case.key is not None:
        fragments.append(f"key '{case.key}'")
    if case.value is not None:
        fragments.append(f"(got {case.value!r}")
    if case.expected is not None:
        fragments.append(case.expected)
    cli_input_error(result, *fragments)
    assert leftovers(tmp_path, "out") == []


# A property over the schema: every bounded number accepts its range and rejects what lies outside.
_BOUNDED = [(f"weapons.rocket.{f.name}", f.metadata) for f in dataclasses.fields(Weapon)] + \
    [(f"militias.iraq_factions.{f.name}", f.metadata) for f in dataclasses.fields(MilitiaGroup)
     if f.metadata.get("hi") is not None and f.name != "weapon_mix"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_BOUNDED), st.floats(0, 1), st.sampled_from(["inside", "below", "above"]))
def test_bounds_of_every_number_are_enforced(bounded, fraction, where) -> None:
    key, meta = bounded
    lo, hi = meta["lo"], meta["hi"]
    table, name, field_name = key.split(".")
    if where == "inside":
        value = lo + fraction * (hi - lo)
        s = escsim.load_scenario("surge-2023", {key: value})
        assert getattr(getattr(s, table)[name], field_name) == value
        return
    value = lo - 0.001 - fraction if where == "below" else hi + 0.001 + fraction * hi
    with pytest.raises(InputError) as info:
        escsim.load_scenario("surge-2023", {key: value})
    assert (info.value.key, info.value.value, info.value.file) == (key, value, "--set")
    assert info.value.expected == f"{lo:g} <= value <= {hi:g} {meta['unit']}".rstrip()


# ---------------------------------------------------------------------------------- helpers ---
def _shown(path: Path) -> str:
    """How the loader names a file in messages and provenance."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _is_optional_default(s: escsim.Scenario, key: str) -> bool:
    """Whether ``key`` is an optional schema field left at its default."""
    parts = key.split(".")
    obj: Any = s
    for part in parts[:-1]:
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    if not dataclasses.is_dataclass(obj):
        return False
    f = next(f for f in dataclasses.fields(obj) if f.name == parts[-1])
    return bool(f.metadata.get("optional")) and getattr(obj, f.name) == f.metadata.get("default")


def test_a_table_of_keys_merges_into_a_parents_wrapped_table(tmp_path: Path) -> None:
    """defaults.toml writes weapon_mix as one wrapped value; a child overriding one weapon keeps
    the others (and their provenance), while a child's own wrapped value replaces the whole."""
    child = tmp_path / "child.toml"
    child.write_text('extends = "surge-2023"\n[militias.iraq_factions.weapon_mix]\n'
                     'rocket = { value = 0.9, assumption = "more rockets" }\n')
    s = escsim.load_scenario(child)
    parent = escsim.load_scenario("surge-2023")
    mix = s.militias["iraq_factions"].weapon_mix
    assert mix["rocket"] == 0.9
    assert mix["drone"] == parent.militias["iraq_factions"].weapon_mix["drone"]
    assert "more rockets" in s.provenance["militias.iraq_factions.weapon_mix.rocket"]
    assert "PR-A7" in s.provenance["militias.iraq_factions.weapon_mix.drone"]
    whole = tmp_path / "whole.toml"
    whole.write_text('extends = "surge-2023"\n[militias.iraq_factions]\n'
                     'weapon_mix = { value = { rocket = 1.0 }, assumption = "rockets only" }\n')
    assert escsim.load_scenario(whole).militias["iraq_factions"].weapon_mix == {"rocket": 1.0}


def test_user_scenario_folders_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       cli) -> None:
    """ESCSIM_SCENARIOS: scenarios of the user's folders are found by name, after the bundled
    ones; a bundled name is never shadowed; a missing folder is named."""
    own = tmp_path / "own"
    own.mkdir()
    (own / "quiet-iraq.toml").write_text(
        'extends = "surge-2023"\n[scenario]\nname = "quiet-iraq"\n'
        'description = "The surge with calmer Iraqi factions: how many fewer attacks?"\n'
        '[militias.iraq_factions]\nbase_rate_per_day = { value = 0.5, assumption = "a test" }\n',
        encoding="utf-8")
    other = tmp_path / "other"  # a scenario of a user's folder named like a bundled one
    other.mkdir()
    (other / "surge-2023.toml").write_text('extends = "baseline-2024-11"\n[scenario]\n'
                                           'name = "x"\n', encoding="utf-8")
    monkeypatch.setenv("ESCSIM_SCENARIOS", os.pathsep.join([str(own), str(other)]))
    s = escsim.load_scenario("quiet-iraq")
    assert s.militias["iraq_factions"].base_rate_per_day == 0.5
    assert escsim.load_scenario("surge-2023").scenario.name == "surge-2023"  # bundled wins
    listed = cli("scenarios")
    assert listed.exit_code == 0 and "quiet-iraq" in listed.stdout
    monkeypatch.setenv("ESCSIM_SCENARIOS", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="ESCSIM_SCENARIOS"):
        escsim.load_scenario("quiet-iraq")
