"""Load a scenario: read TOML, follow ``extends``, apply overrides, fill defaults, validate.

This is the only module that reads scenario TOML. It works in three steps, after Ciw's
``import_params`` (fill out, then validate):

1. *read*: each file becomes a tree whose leaves are :class:`Leaf` (value + provenance + file);
   a value may be written bare or as ``{ value = ..., fact = "ID" }`` /
   ``{ value = ..., assumption = "why" }`` (optionally with ``note``);
2. *fill*: ``scenarios/defaults.toml`` is the root of every ``extends`` chain; the US policy
   preset's values from ``scenarios/presets/us_policy.toml`` sit under the scenario's overrides;
   ``--set KEY=VALUE`` overrides go on top;
3. *validate and freeze*: one walk over the schema checks keys, types, ranges and cross-references
   and builds the frozen :class:`~escsim.scenario.schema.Scenario`.

Every problem raises :class:`~escsim.errors.InputError` naming file, key, value and expectation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escsim.errors import InputError, read_text_bounded
from escsim.facts import Fact, bundled_facts
from escsim.paths import SAFE_NAME, SAFE_NAME_RULE, scenarios_dir
from escsim.plugins import POLICY_PRESETS
from escsim.scenario.conditions import ConditionError, parse_condition
from escsim.scenario.keys import schema_fields
from escsim.scenario.schema import OUTCOME_CLASSES, TARGET_KINDS, Scenario, USPolicy

DEFAULTS_NAME = "defaults"
_PROVENANCE_KEYS = {"fact", "assumption", "note"}
#: What a scenario (or study) name may be: it names result folders (the one rule, in paths).
_NAME = SAFE_NAME


@dataclass(frozen=True)
class Leaf:
    """One parameter value with where it came from."""

    value: Any
    file: str
    fact: str | None = None
    assumption: str | None = None
    note: str | None = None

    def describe(self, facts: dict[str, Fact]) -> str:
        if self.fact:
            f = facts[self.fact]
            text = f"fact {f.id} ({f.figure()}, {f.when()}): {f.paraphrase} [{f.source}]"
        elif self.assumption:
            text = f"assumption: {self.assumption}"
        elif self.file == "--set":
            text = "override (--set or with_overrides), no source given"
        else:
            text = "unsourced"
        if self.note:
            text += f"; {self.note}"
        return f"{text} -- set in {self.file}"


Tree = dict[str, Any]


# ----------------------------------------------------------------------------------- reading ---
def bundled_scenarios() -> dict[str, Path]:
    """The bundled scenarios (``escsim scenarios``).

    Returns:
        Scenario name -> path of its TOML file, sorted by name (``defaults`` excluded).
    """
    return {p.stem: p for p in sorted(scenarios_dir().glob("*.toml")) if p.stem != DEFAULTS_NAME}


#: The bundled scenarios of past windows, oldest first: the eras escsim is backtested on (each
#: states its era's situation and shares every behavioural parameter with the others).
#: ``surge-2023`` is also the calibration window.
HISTORY_SCENARIOS = ("era-2019-20", "era-2021", "surge-2023")
#: Every bundled scenario of a past window: the eras, and ``pause-2024`` (the 2024 pause, checked
#: against the record in the tests rather than by dated observations).
PAST_SCENARIOS = (*HISTORY_SCENARIOS, "pause-2024")


def outlook_scenarios() -> list[str]:
    """The bundled scenarios that look ahead from the seed's date (``escsim run --all``): every
    bundled one but the past windows, whose start and horizon differ, so their probabilities
    are not comparable number for number with the others'."""
    return [n for n in bundled_scenarios() if n not in PAST_SCENARIOS]


#: Environment variable: folders of a user's own scenarios (separated like PATH), whose files
#: are found by name after the bundled ones (``escsim run my-scenario``).
SCENARIOS_ENV = "ESCSIM_SCENARIOS"


def user_scenario_dirs() -> list[Path]:
    """The folders of ``ESCSIM_SCENARIOS``, in order (none if it is unset or empty)."""
    text = os.environ.get(SCENARIOS_ENV, "")
    dirs = [Path(d).expanduser() for d in text.split(os.pathsep) if d.strip()]
    for d in dirs:
        if not d.is_dir():
            raise InputError("not a folder", key=SCENARIOS_ENV, value=str(d),
                             expected="folders of scenario files, separated by "
                                      f"'{os.pathsep}'")
    return dirs


def user_scenarios() -> dict[str, Path]:
    """The scenarios of the ``ESCSIM_SCENARIOS`` folders by name (a bundled name, or a name an
    earlier folder already has, is not shadowed: the first wins)."""
    bundled = bundled_scenarios()
    found: dict[str, Path] = {}
    for d in user_scenario_dirs():
        for p in sorted(d.glob("*.toml")):
            if p.stem not in bundled and p.stem not in found and p.stem != DEFAULTS_NAME:
                found[p.stem] = p
    return found


def resolve_scenario_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """A scenario reference is a path to a TOML file, the name of a bundled scenario, or the
    name of a scenario in an ``ESCSIM_SCENARIOS`` folder (bundled names first)."""
    text = str(ref)
    candidates = []
    p = Path(text)
    if relative_to is not None and not p.is_absolute():
        candidates.append(relative_to / p)
        if p.suffix != ".toml":
            candidates.append(relative_to / f"{text}.toml")
    candidates.append(p)
    by_name = p.suffix != ".toml" and "/" not in text
    if by_name:
        candidates.append(scenarios_dir() / f"{text}.toml")
    for c in candidates:
        if c.is_file():
            return c
    own = user_scenarios() if by_name else {}
    if text in own:
        return own[text]
    names = sorted(bundled_scenarios()) + sorted(own) + [DEFAULTS_NAME]
    close = difflib.get_close_matches(text, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; bundled: {', '.join(names)}"
    raise InputError("scenario file not found" + hint, file=text)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        root = scenarios_dir().resolve()
        try:
            return "scenarios/" + str(path.resolve().relative_to(root))
        except ValueError:
            return str(path)


def _is_wrapper(obj: Any) -> bool:
    return isinstance(obj, dict) and "value" in obj and set(obj) - {"value"} <= _PROVENANCE_KEYS \
        and len(obj) > 1


def _to_tree(raw: Any, file: str, key: str) -> Any:
    """Turn parsed TOML into a tree of dicts whose leaves are :class:`Leaf`."""
    if _is_wrapper(raw):
        if "fact" in raw and "assumption" in raw:
            raise InputError("give either fact or assumption, not both", file=file, key=key)
        for k in ("fact", "assumption", "note"):
            if k in raw and not (isinstance(raw[k], str) and raw[k].strip()):
                raise InputError(f"'{k}' must be non-empty text", file=file, key=f"{key}.{k}",
                                 value=raw[k], expected="a fact id or a reason")
        return Leaf(raw["value"], file, raw.get("fact"), raw.get("assumption"), raw.get("note"))
    if isinstance(raw, dict):
        return {k: _to_tree(v, file, f"{key}.{k}" if key else k) for k, v in raw.items()}
    return Leaf(raw, file)


def _expand(leaf: Leaf, key: str) -> Tree:
    """A table written as one wrapped value (``{ value = { ... }, fact = "ID" }``): its items
    inherit the wrapper's fact or assumption (and note) unless they carry their own."""

    def inherit(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: inherit(v) for k, v in node.items()}
        if node.fact is None and node.assumption is None:
            return dataclasses.replace(node, fact=leaf.fact, assumption=leaf.assumption,
                                       note=node.note or leaf.note)
        return node

    tree: Tree = inherit(_to_tree(leaf.value, leaf.file, key))
    return tree


def _read_toml(path: Path) -> Tree:
    shown = _display(path)
    try:
        text = read_text_bounded(path)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=shown) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=shown,
                         expected="a UTF-8 encoded TOML file") from None
    try:
        return _to_tree(tomllib.loads(text), shown, "")
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", file=shown) from None
    except RecursionError:  # tomllib recurses per nesting level of arrays and tables
        raise InputError("invalid TOML: values nested too deeply", file=shown) from None


def _merge(base: Tree, top: Tree) -> Tree:
    """``top`` over ``base``. A table of keys overrides key by key (also into a table the parent
    wrote as one wrapped value); a wrapped value replaces what it overrides as a whole."""
    out = dict(base)
    for k, v in top.items():
        below = out.get(k)
        if isinstance(v, dict) and isinstance(below, Leaf) and isinstance(below.value, dict):
            below = _expand(below, k)
        if isinstance(v, dict) and isinstance(below, dict):
            out[k] = _merge(below, v)
        else:
            out[k] = v
    return out


#: The rule for ``extends``: the name of a bundled scenario (``extends = "surge-2023"``), or the
#: relative path of a ``.toml`` scenario file in the extending file's folder or below it
#: (``extends = "parent.toml"``, ``extends = "base/common.toml"``), resolved against that folder.
#: Absolute paths, ``..`` and files that are not scenarios (a top-level key that is not a
#: scenario table) are refused, so a shared scenario file reads only scenario files beside it.
EXTENDS_RULE = ("a bundled scenario name, or a relative path to a .toml scenario file in the "
                "same folder or below it (no absolute path, no '..')")


def _chain_text(stack: tuple[Path, ...], last: Path | None = None) -> str:
    return " -> ".join(_display(p) for p in (*stack, *([last] if last else [])))


def _held_inside(target: Path, folder: Path) -> bool:
    """Whether ``target``, symbolic links resolved, is in ``folder`` or below it."""
    root = folder.resolve()
    resolved = target.resolve()
    return resolved == root or root in resolved.parents


def _resolve_extends(ref: str, holder: Path, stack: tuple[Path, ...]) -> Path:
    """Where ``extends = ref`` in file ``holder`` points, by :data:`EXTENDS_RULE`."""
    shown = _display(holder)
    chain = _chain_text(stack)

    def refuse(message: str) -> InputError:
        return InputError(f"{message} (extends chain: {chain})", file=shown, key="extends",
                          value=ref, expected="an existing scenario: " + EXTENDS_RULE)

    p = Path(ref)
    if not ref.strip() or "\x00" in ref:
        raise refuse("'extends' is empty")
    if p.is_absolute() or ref.startswith("~"):
        raise refuse("'extends' may not be an absolute path")
    if ".." in p.parts:
        raise refuse("'extends' may not leave the folder of the file that holds it")
    if p.suffix or len(p.parts) > 1:
        if p.suffix != ".toml":
            raise refuse("'extends' must name a .toml scenario file")
        target = holder.parent / p
        if not target.is_file():
            raise refuse("scenario file not found")
        if not _held_inside(target, holder.parent):
            raise refuse("'extends' may not leave the folder of the file that holds it "
                         "(through a symbolic link)")
        return target
    for candidate in (holder.parent / f"{ref}.toml", scenarios_dir() / f"{ref}.toml"):
        if candidate.is_file():
            if candidate.parent == holder.parent and not _held_inside(candidate, holder.parent):
                raise refuse("'extends' may not leave the folder of the file that holds it "
                             "(through a symbolic link)")
            return candidate
    names = sorted(bundled_scenarios()) + [DEFAULTS_NAME]
    close = difflib.get_close_matches(ref, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; bundled: {', '.join(names)}"
    raise refuse("scenario file not found" + hint)


def _load_chain(path: Path, stack: tuple[Path, ...] = ()) -> Tree:
    """Read ``path`` and everything it extends, merged (child over parent)."""
    resolved = path.resolve()
    if resolved in stack:
        chain = " -> ".join(_display(p) for p in (*stack, resolved))
        raise InputError(f"'extends' cycle: {chain}", file=_display(path), key="extends",
                         expected="a chain of scenarios that ends at defaults")
    tree = _read_toml(path)
    if not tree:
        raise InputError("empty scenario file (no keys, only comments or blank lines)"
                         + (f" (extends chain: {_chain_text(stack, resolved)})" if stack else ""),
                         file=_display(path),
                         expected="a scenario: 'extends = \"NAME\"' and the tables that differ")
    sections = {f.name for f, _ in schema_fields(Scenario)} | {"extends"}
    for k in tree:
        if k not in sections:
            close = difflib.get_close_matches(k, sorted(sections), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            via = f" (extends chain: {_chain_text(stack, resolved)})" if stack else ""
            raise InputError("unknown key" + hint + via, file=_display(path), key=k,
                             expected="one of " + ", ".join(sorted(sections)))
    parent_leaf = tree.pop("extends", None)
    if parent_leaf is None:
        if path.stem == DEFAULTS_NAME and path.parent.resolve() == scenarios_dir().resolve():
            return tree
        parent_path = scenarios_dir() / f"{DEFAULTS_NAME}.toml"
    else:
        if not isinstance(parent_leaf, Leaf) or not isinstance(parent_leaf.value, str):
            raise InputError("'extends' must name one scenario", file=_display(path),
                             key="extends", value=getattr(parent_leaf, "value", parent_leaf),
                             expected="a scenario name or path")
        parent_path = _resolve_extends(parent_leaf.value, path, (*stack, resolved))
    return _merge(_load_chain(parent_path, (*stack, resolved)), tree)


# --------------------------------------------------------------------------------- overrides ---
def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``KEY=VALUE`` from ``--set``; VALUE is read as a TOML value, else as text."""
    if "=" not in text:
        raise InputError("override must look like KEY=VALUE", file="--set", value=text,
                         expected="e.g. militias.iraq_factions.base_rate_per_day=1.2")
    key, _, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not key:
        raise InputError("override has no key", file="--set", value=text, expected="KEY=VALUE")
    return key, parse_value(raw)


def parse_value(text: str) -> Any:
    """A value as ``--set`` reads it: a TOML value (number, boolean, date, quoted string, list),
    else the text itself."""
    raw = text.strip()
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):  # then the type check names the key
        return raw


@dataclass(frozen=True)
class _NewEntry:
    """A table (or table entry) that only an override created: ``militias.iraq_faction`` for
    ``--set militias.iraq_faction.x=1``. A typo, more often than a new militia group, site or
    rung: if the scenario then fails to build inside it, the error is the override's (with a
    did-you-mean), not the scenario file's missing key."""

    key: str  # the override's key
    name: str  # the new name
    where: str  # the table it was added to ('' at the top)
    existing: tuple[str, ...]  # the names already there

    def error(self, cause: InputError) -> InputError:
        close = difflib.get_close_matches(self.name, list(self.existing), n=1)
        place = f"[{self.where}]" if self.where else "the scenario"
        hint = f"; did you mean '{close[0]}'?" if close else ""
        if not self.where:  # a new top-level table is never valid: the loader's own words
            return InputError(cause.message, file="--set", key=self.key,
                              expected=cause.expected)
        # with a suggestion, the likely typo is the news; without one, what a new entry lacks
        lacks = "" if close else f" (here: {cause.message} {cause.key})"
        return InputError(f"unknown name '{self.name}' in {place}{hint}", file="--set",
                          key=self.key, expected=f"one of {', '.join(self.existing)}, or "
                          f"every key of a new entry{lacks}")


def _apply_override(tree: Tree, key: str, value: Any,
                    suspects: dict[str, _NewEntry] | None = None) -> None:
    parts = key.split(".")
    node = tree
    for i, part in enumerate(parts[:-1]):
        nxt = node.get(part)
        if isinstance(nxt, Leaf) and isinstance(nxt.value, dict):
            nxt = _expand(nxt, ".".join(parts[: i + 1]))
            node[part] = nxt
        if nxt is None and node and suspects is not None:
            suspects.setdefault(".".join(parts[: i + 1]), _NewEntry(
                key, part, ".".join(parts[:i]), tuple(str(k) for k in node)))
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[parts[-1]] = Leaf(value, "--set")


# ---------------------------------------------------------------------------------- presets ---
def _presets_tree() -> Tree:
    tree = _read_toml(scenarios_dir() / "presets" / "us_policy.toml")
    # a user's policy (--policy-module, escsim.plugins) reads the values of a bundled preset
    return {**tree, **{name: tree[values_from] for name, values_from in POLICY_PRESETS.items()
                       if name not in tree and values_from in tree}}


def preset_names() -> list[str]:
    """The US retaliation policies a scenario may name: the tables of
    ``scenarios/presets/us_policy.toml`` (each also a registered policy class of the model),
    then the policies of the user's modules (``--policy-module``)."""
    return list(_presets_tree())


def _fill_policy(tree: Tree) -> None:
    policy = tree.get("us_policy")
    if not isinstance(policy, dict) or "preset" not in policy:
        return  # validation reports the missing table or key
    leaf = policy["preset"]
    presets = _presets_tree()
    name = leaf.value if isinstance(leaf, Leaf) else leaf
    if not isinstance(name, str) or name not in presets:
        close = difflib.get_close_matches(str(name), list(presets), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError("unknown US policy preset" + hint, file=getattr(leaf, "file", None),
                         key="us_policy.preset", value=name, expected=" | ".join(presets))
    overrides = {k: v for k, v in policy.items() if k != "preset"}
    tree["us_policy"] = _merge(_merge(presets[name], overrides), {"preset": leaf})


# ------------------------------------------------------------------------------- validation ---
class _Builder:
    """Walk the schema, check the tree against it and build frozen dataclasses."""

    def __init__(self, facts: dict[str, Fact], main_file: str):
        self.facts = facts
        self.main_file = main_file
        self.provenance: dict[str, str] = {}

    def build(self, cls: type, node: Any, key: str) -> Any:
        if isinstance(node, Leaf) and isinstance(node.value, dict):
            node = _expand(node, key)
        if not isinstance(node, dict):
            raise InputError("expected a table", file=self._file(node), key=key or "(top)",
                             value=getattr(node, "value", node), expected=f"[{key}] table")
        fields = {f.name: f for f, _ in schema_fields(cls)}
        hints = {f.name: hint for f, hint in schema_fields(cls)}
        for k, v in node.items():
            if k not in fields:
                close = difflib.get_close_matches(k, list(fields), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise InputError("unknown key" + hint, file=self._file(v),
                                 key=f"{key}.{k}" if key else k,
                                 expected="one of " + ", ".join(fields))
        values = {}
        for name, f in fields.items():
            full = f"{key}.{name}" if key else name
            if name not in node:
                if f.metadata.get("optional"):
                    values[name] = f.metadata.get("default")
                    continue
                doc = f.metadata.get("doc", "")
                raise InputError("missing key", file=self.main_file, key=full,
                                 expected=f"{doc} ({_type_name(hints[name])})")
            values[name] = self.convert(hints[name], node[name], full, f.metadata)
        return cls(**values)

    def convert(self, tp: Any, node: Any, key: str, meta: Any) -> Any:
        origin = typing.get_origin(tp)
        if origin in (types.UnionType, typing.Union):  # "X | None": optional field
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
            origin = typing.get_origin(tp)
        if dataclasses.is_dataclass(tp):
            return self.build(typing.cast(type, tp), node, key)
        if origin is dict:
            _, item_tp = typing.get_args(tp)
            if isinstance(node, Leaf) and isinstance(node.value, dict):
                node = _expand(node, key)
            if not isinstance(node, dict):
                raise InputError("expected a table", file=self._file(node), key=key,
                                 value=getattr(node, "value", node), expected="a TOML table")
            return {k: self.convert(item_tp, v, f"{key}.{k}", meta) for k, v in node.items()}
        if isinstance(node, dict):
            raise InputError("expected a single value, found a table", file=self.main_file,
                             key=key, expected=_type_name(tp))
        leaf: Leaf = node
        if leaf.fact is not None and leaf.fact not in self.facts:
            close = difflib.get_close_matches(leaf.fact, list(self.facts), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError("unknown fact id" + hint, file=leaf.file, key=key, value=leaf.fact,
                             expected="an id from seeds/")
        value = _coerce(tp, leaf, key)
        _check_range(value, leaf, key, meta)
        if leaf.fact is None and leaf.assumption is None and _is_structural(key):
            self.provenance[key] = f"definition (structure, not a measured value) -- set in " \
                                   f"{leaf.file}"
        else:
            self.provenance[key] = leaf.describe(self.facts)
        return value

    def _file(self, node: Any) -> str:
        return node.file if isinstance(node, Leaf) else self.main_file


_STRUCTURAL = re.compile(
    r"^(scenario\.(name|description)|sites\.[^.]+\.country|militias\.[^.]+\.home_country"
    r"|ladder\..+|events\.[^.]+\.(kind|regime|site|preset|posture|striker|target_kind|country"
    r"|groups))$")


def _is_structural(key: str) -> bool:
    """Keys that define the scenario's structure (names, labels, the ladder's definition)
    rather than a measured or assumed quantity; they need no fact or assumption."""
    return bool(_STRUCTURAL.match(key))


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp)).replace("NoneType", "").strip(" |")


def _coerce(tp: Any, leaf: Leaf, key: str) -> Any:
    v = leaf.value
    bad = InputError("wrong type", file=leaf.file, key=key, value=v, expected=_type_name(tp))
    if tp is bool:
        if not isinstance(v, bool):
            raise bad
        return v
    if tp is float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise InputError("wrong type", file=leaf.file, key=key, value=v, expected="a number")
        if v != v or v in (float("inf"), float("-inf")):
            raise InputError("not a finite number", file=leaf.file, key=key, value=v,
                             expected="a finite number")
        return float(v)
    if tp is int:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int):
            raise InputError("wrong type", file=leaf.file, key=key, value=v,
                             expected="a whole number")
        return v
    if tp is str:
        if not isinstance(v, str):
            raise InputError("wrong type", file=leaf.file, key=key, value=v, expected="text")
        return v
    if tp is dt.date:
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                pass
        raise InputError("not a date", file=leaf.file, key=key, value=v, expected="YYYY-MM-DD")
    if typing.get_origin(tp) is tuple:
        if not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            raise InputError("wrong type", file=leaf.file, key=key, value=v,
                             expected="a list of names")
        return tuple(v)
    raise bad  # pragma: no cover - a schema type the loader does not know


def _check_range(value: Any, leaf: Leaf, key: str, meta: Any) -> None:
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            low = "-inf" if lo is None else f"{lo:g}"
            high = "inf" if hi is None else f"{hi:g}"
            unit = f" {meta['unit']}" if meta.get("unit") else ""
            raise InputError("value out of range", file=leaf.file, key=key, value=value,
                             expected=f"{low} <= value <= {high}{unit}")
    if choices and value is not None and value not in choices:
        close = difflib.get_close_matches(str(value), list(choices), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError("unknown choice" + hint, file=leaf.file, key=key, value=value,
                         expected=" | ".join(choices))


#: How a cross-check reports a problem: ``fail(key, message, value, expected)`` raises.
_Fail = Callable[[str, str, Any, str], None]


def _check_actors(s: Scenario, fail: _Fail) -> None:
    """The scenario's name and window, and the references of militias, US policy and Iran."""
    if not _NAME.fullmatch(s.scenario.name):
        # the name becomes a folder name (results/<name>, one subfolder per scenario): a shared
        # scenario file must never choose where escsim writes
        fail("scenario.name", "a scenario name is used as a folder name", s.scenario.name,
             SAFE_NAME_RULE)
    last_day = math.ceil(s.scenario.horizon_days) + 1
    if (dt.date.max - s.scenario.start_date).days < last_day:
        fail("scenario.start_date", "start date plus horizon runs past the last calendar date",
             str(s.scenario.start_date),
             f"a date on or before {dt.date.max - dt.timedelta(days=last_day)} for a "
             f"{s.scenario.horizon_days:g}-day horizon")
    if s.scenario.initial_regime not in s.regimes:
        fail("scenario.initial_regime", "unknown regime", s.scenario.initial_regime,
             " | ".join(s.regimes))
    for name, g in s.militias.items():
        for w in g.weapon_mix:
            if w not in s.weapons:
                fail(f"militias.{name}.weapon_mix.{w}", "unknown weapon", w,
                     " | ".join(s.weapons))
        if sum(g.weapon_mix.values()) <= 0:
            fail(f"militias.{name}.weapon_mix", "weapon shares sum to zero", g.weapon_mix,
                 "positive shares")
        for site in g.reach:
            if site not in s.sites:
                fail(f"militias.{name}.reach", "unknown site", site, " | ".join(s.sites))
    p = s.us_policy
    for k in p.respond_prob:
        if k not in OUTCOME_CLASSES:
            close = difflib.get_close_matches(k, OUTCOME_CLASSES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            fail(f"us_policy.respond_prob.{k}", "unknown outcome class" + hint, k,
                 " | ".join(OUTCOME_CLASSES))
    missing = [k for k in OUTCOME_CLASSES if k not in p.respond_prob]
    if missing:
        fail("us_policy.respond_prob", f"outcome classes missing: {', '.join(missing)}",
             sorted(p.respond_prob), " | ".join(OUTCOME_CLASSES))
    for k, v in p.respond_prob.items():
        if not 0 <= v <= 1:
            fail(f"us_policy.respond_prob.{k}", "value out of range", v, "0 <= value <= 1")
    if p.delay_min_days > p.delay_max_days:
        fail("us_policy.delay_max_days", "delay range reversed", p.delay_max_days,
             f">= delay_min_days ({p.delay_min_days:g})")
    if p.targets_min > p.targets_max:
        fail("us_policy.targets_max", "target range reversed", p.targets_max,
             f">= targets_min ({p.targets_min})")
    if s.iran.direct_attack_weapon not in s.weapons:
        fail("iran.direct_attack_weapon", "unknown weapon", s.iran.direct_attack_weapon,
             " | ".join(s.weapons))
    if s.iran.direct_attack_site not in s.sites:
        fail("iran.direct_attack_site", "unknown site", s.iran.direct_attack_site,
             " | ".join(s.sites))


def _check_ladder(s: Scenario, fail: _Fail) -> None:
    """One rung per level, none at level 0, every condition parsed."""
    levels: dict[int, str] = {}
    for name, r in s.ladder.items():
        if r.level in levels:
            fail(f"ladder.{name}.level", f"level already used by rung '{levels[r.level]}'",
                 r.level, "one rung per level")
        levels[r.level] = name
        if r.level == 0:
            fail(f"ladder.{name}.level", "level 0 is 'no incident' and needs no rung", 0,
                 "a level of 1 or more")
        try:
            parse_condition(r.condition)
        except ConditionError as exc:
            fail(f"ladder.{name}.condition", str(exc), r.condition, "a ladder condition")


def _cross_check(s: Scenario, prov_file: dict[str, str], main_file: str | None = None) -> None:
    """Checks that span several keys: references between tables, ordered pairs."""

    def file_of(key: str) -> str | None:
        # a whole table (weapon_mix) or a missing key has no provenance of its own: name the
        # file that set the nearest keys below or beside it
        parts = key.split(".")
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            if prefix in prov_file:
                return prov_file[prefix]
            below = [f for k, f in prov_file.items() if k.startswith(prefix + ".")]
            if below:
                return below[-1]
        return main_file

    def fail(key: str, message: str, value: Any, expected: str) -> None:
        raise InputError(message, file=file_of(key), key=key, value=value, expected=expected)

    _check_actors(s, fail)
    for name, e in s.events.items():
        k = f"events.{name}"
        need = {"regime": ["regime"], "shock": ["until", "militia_rate_multiplier",
                                                "iran_escalation_multiplier"],
                "troops": ["site", "troops"], "policy": ["preset"],
                "iran_posture": ["posture"],
                "us_strike": ["target_kind", "targets", "country"],
                "strike_on_iran": ["striker"]}[e.kind]
        for field_name in need:
            if getattr(e, field_name) is None:
                fail(f"{k}.{field_name}", f"a '{e.kind}' event needs {field_name}", None,
                     f"{field_name} for kind '{e.kind}'")
        if e.kind == "regime" and e.regime not in s.regimes:
            fail(f"{k}.regime", "unknown regime", e.regime, " | ".join(s.regimes))
        if e.kind == "troops" and e.site not in s.sites:
            fail(f"{k}.site", "unknown site", e.site, " | ".join(s.sites))
        if e.kind == "policy" and e.preset not in _presets_tree():
            fail(f"{k}.preset", "unknown US policy preset", e.preset,
                 " | ".join(_presets_tree()))
        for group_name in e.groups or ():
            if group_name not in s.militias:
                fail(f"{k}.groups", "unknown militia group", group_name, " | ".join(s.militias))
        if e.kind not in ("strike_on_iran", "regime") and e.hazard_per_day is not None:
            fail(f"{k}.hazard_per_day", "only a 'strike_on_iran' event (recurring) or a 'regime' "
                 "event (once) comes as a hazard", e.hazard_per_day,
                 "no hazard_per_day for kind " + repr(e.kind))
        if e.kind == "regime" and e.hazard_per_day is not None and e.until is not None:
            fail(f"{k}.until", "a regime that starts at a random time has no end date",
                 str(e.until), "no until with hazard_per_day")
        if e.us_joins_prob is not None and not (e.kind == "strike_on_iran"
                                                and e.striker == "israel"):
            fail(f"{k}.us_joins_prob", "only an Israeli strike on Iran can be joined by the US",
                 e.us_joins_prob, "us_joins_prob only with kind 'strike_on_iran', striker "
                 "'israel'")
        if e.until is not None and e.until < e.date:
            fail(f"{k}.until", "event ends before it starts", str(e.until),
                 f"a date on or after {e.date}")
    killed = s.iran.iranians_killed_prob
    for kind in killed:
        if kind not in TARGET_KINDS:
            fail(f"iran.iranians_killed_prob.{kind}", "unknown target kind", kind,
                 " | ".join(TARGET_KINDS))
    missing_kinds = [kind for kind in TARGET_KINDS if kind not in killed]
    if missing_kinds:
        fail("iran.iranians_killed_prob", f"target kinds missing: {', '.join(missing_kinds)}",
             sorted(killed), " | ".join(TARGET_KINDS))
    for returned in s.initial_state.returned_from_pause:
        if returned not in s.militias:
            fail("initial_state.returned_from_pause", "unknown militia group", returned,
                 " | ".join(s.militias))
    for table in ("excitation_per_day", "capability_lost"):
        for g in getattr(s.initial_state, table):
            if g not in s.militias:
                fail(f"initial_state.{table}.{g}", "unknown militia group", g,
                     " | ".join(s.militias))
    _check_ladder(s, fail)


def _preset_policy(name: str, facts: dict[str, Fact]) -> USPolicy:
    tree = _merge(_presets_tree()[name], {"preset": Leaf(name, "presets/us_policy.toml")})
    policy: USPolicy = _Builder(facts, "presets/us_policy.toml").build(USPolicy, tree, "us_policy")
    return policy


def check_value(tp: Any, value: Any, key: str, meta: Any, origin: str = "--set") -> Any:
    """One value for ``key`` checked as the loader checks a file's: coerced to the schema type
    ``tp`` and held to the field's range and choices (``meta``). For code that sets values on a
    loaded scenario (sweep points) without re-reading its files."""
    leaf = Leaf(value, origin)
    coerced = _coerce(tp, leaf, key)
    _check_range(coerced, leaf, key, meta)
    return coerced


def check_cross_keys(s: Scenario, files: dict[str, str]) -> None:
    """The loader's checks that span keys (ordered pairs, references between tables);
    ``files`` names, per dotted key, where its value came from."""
    _cross_check(s, files)


def param_hash(s: Scenario) -> str:
    """Hash of the parameter values (provenance and names of files excluded)."""
    data = dataclasses.asdict(s)
    data.pop("provenance", None)
    for internal in ("param_hash", "source", "overrides"):  # alt_policies stay: they act
        data.pop(internal, None)
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def load_scenario(ref: str | Path, overrides: list[str] | dict[str, Any] | None = None,
                  facts: dict[str, Fact] | None = None) -> Scenario:
    """Load, fill and validate a scenario.

    Args:
        ref: a path to a TOML file or the name of a bundled scenario (``escsim scenarios``).
        overrides: ``["key=value", ...]`` as given to ``--set``, or a ``{dotted_key: value}``
            mapping (from a notebook).
        facts: the fact base to resolve citations against (default: the bundled ``seeds/``).

    Returns:
        The resolved, validated, frozen :class:`~escsim.scenario.schema.Scenario`, with the
        provenance of every value in ``.provenance`` (dotted key -> text).

    Raises:
        InputError: anything wrong with the input, naming file, key, value and expectation.
    """
    facts = bundled_facts() if facts is None else facts
    path = resolve_scenario_path(ref)
    tree = _load_chain(path)
    items = overrides.items() if isinstance(overrides, dict) else \
        (parse_override(o) for o in (overrides or []))
    policy_overrides = []
    suspects: dict[str, _NewEntry] = {}  # tables only an override created
    for key, value in items:
        if key == "us_policy.preset" or not key.startswith("us_policy."):
            _apply_override(tree, key, value, suspects)
        else:
            policy_overrides.append((key, value))
    _fill_policy(tree)
    for key, value in policy_overrides:
        _apply_override(tree, key, value, suspects)
    builder = _Builder(facts, _display(path))
    try:
        scenario = builder.build(Scenario, tree, "")
    except InputError as exc:
        # blamed on the scenario file (a missing or unknown key) inside a table only an
        # override made: the override's error
        typo = next((e for entry, e in suspects.items()
                     if exc.file != "--set" and exc.key
                     and (exc.key == entry or exc.key.startswith(entry + "."))), None)
        if typo is not None:
            raise typo.error(exc) from None
        raise
    prov_file = {k: v.rsplit(" -- set in ", 1)[-1] for k, v in builder.provenance.items()}
    _cross_check(scenario, prov_file, builder.main_file)
    alt = {e.preset: _preset_policy(e.preset, facts) for e in scenario.events.values()
           if e.kind == "policy" and e.preset}
    scenario = dataclasses.replace(scenario, provenance=builder.provenance, alt_policies=alt,
                                   source=str(path.resolve()), overrides=tuple(
                                       parse_override(o) if isinstance(o, str) else o
                                       for o in (overrides.items() if isinstance(overrides, dict)
                                                 else overrides or [])))
    return dataclasses.replace(scenario, param_hash=param_hash(scenario))


def with_overrides(s: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A copy of a loaded scenario with some dotted keys changed, validated like the file.

    For notebooks: ``with_overrides(s, {"us_policy.preset": "punitive"})``. The scenario is
    re-read from its file with the earlier and the new overrides, so provenance stays exact.

    Args:
        s: a scenario from :func:`load_scenario` (or an earlier ``with_overrides``).
        overrides: ``{dotted_key: value}``, e.g. ``{"iran.pause_mean_days": 90}``; keys are
            those of ``docs/reference/scenario-keys.md``.

    Returns:
        A new scenario; ``s`` is unchanged.

    Raises:
        InputError: an unknown key, a wrong type or a value out of range.
    """
    merged = dict(s.overrides)
    merged.update(overrides)
    return load_scenario(s.source, merged)
