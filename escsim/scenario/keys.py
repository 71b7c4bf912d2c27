"""Dotted keys: the one walker over the scenario schema and its values.

A scenario's parameters are named by dotted keys (``militias.iraq_factions.base_rate_per_day``):
fields of frozen dataclasses, and entries of their named tables (``militias``, ``sites``,
``ladder``, ...). Everything that names a parameter -- the loader's checks, sweeps, priors,
``escsim show`` and the generated key reference -- walks the schema through this module, so the
rules (internal fields are skipped, ``X | None`` is ``X``, a table's entries are keys) live in one
place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple

#: How the key reference names the entries of each named table.
PLACEHOLDERS = {
    "regimes": "<regime>",
    "sites": "<site>",
    "weapons": "<weapon>",
    "militias": "<group>",
    "events": "<event>",
    "ladder": "<rung>",
    "respond_prob": "<outcome>",
    "weapon_mix": "<weapon>",
    "iranians_killed_prob": "<target_kind>",
    "excitation_per_day": "<group>",
    "capability_lost": "<group>",
}


class KeyInfo(NamedTuple):
    """What the schema says of one key: its type (``X | None`` stripped) and field metadata
    (``doc``, ``unit``, ``lo``, ``hi``, ``choices``, ...)."""

    type: Any
    meta: Mapping[str, Any]

    @property
    def unit(self) -> str:
        return str(self.meta.get("unit", "") or "")

    @property
    def doc(self) -> str:
        return str(self.meta.get("doc", "") or "")

    @property
    def is_int(self) -> bool:
        return self.type is int


class Leaf(NamedTuple):
    """One value of a scenario: its dotted key, the path to it, the value and its schema."""

    key: str
    parts: tuple[str, ...]
    value: Any
    info: KeyInfo


class Pattern(NamedTuple):
    """One leaf key of the schema, with table entries as placeholders
    (``militias.<group>.base_rate_per_day``)."""

    pattern: str
    section: str  # the top-level table
    type: Any
    meta: Mapping[str, Any]
    owner: str  # the schema class that holds the field


def strip_optional(tp: Any) -> Any:
    """``X`` for ``X | None``; other types unchanged."""
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def is_optional(tp: Any) -> bool:
    """Whether ``tp`` admits None."""
    return typing.get_origin(tp) in (types.UnionType, typing.Union) and \
        type(None) in typing.get_args(tp)


@cache
def schema_fields(cls: type) -> tuple[tuple[dataclasses.Field[Any], Any], ...]:
    """The user-facing fields of a schema class with their resolved type hints (internal
    fields, which the loader fills itself, are left out)."""
    hints = typing.get_type_hints(cls)
    return tuple((f, hints[f.name]) for f in dataclasses.fields(cls)
                 if not f.metadata.get("internal"))


def is_table(tp: Any) -> bool:
    """Whether a (stripped) schema type holds keys below it: a dataclass or a named table."""
    return dataclasses.is_dataclass(tp) or typing.get_origin(tp) is dict


def leaves(obj: Any) -> Iterator[Leaf]:
    """Every value of a scenario (or a part of one) by dotted key, in schema order."""
    yield from _leaves(obj, (), KeyInfo(type(obj), {}))


def _leaves(obj: Any, parts: tuple[str, ...], info: KeyInfo) -> Iterator[Leaf]:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f, hint in schema_fields(type(obj)):
            yield from _leaves(getattr(obj, f.name), (*parts, f.name),
                               KeyInfo(strip_optional(hint), f.metadata))
    elif isinstance(obj, dict):
        item = strip_optional(typing.get_args(info.type)[1]) \
            if typing.get_origin(info.type) is dict else Any
        for k, v in obj.items():
            yield from _leaves(v, (*parts, str(k)), KeyInfo(item, info.meta))
    else:
        yield Leaf(".".join(parts), parts, obj, info)


def key_info(obj: Any, key: str) -> KeyInfo | None:
    """Type and metadata of the value at dotted ``key`` of ``obj``; None if the key names no
    single existing value (a table, or nothing)."""
    tp: Any = type(obj)
    meta: Mapping[str, Any] = {}
    for part in key.split("."):
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            found = next(((f, h) for f, h in schema_fields(type(obj)) if f.name == part), None)
            if found is None:
                return None
            tp, meta = strip_optional(found[1]), found[0].metadata
            obj = getattr(obj, part)
        elif isinstance(obj, dict) and typing.get_origin(tp) is dict:
            if part not in obj:
                return None
            tp = strip_optional(typing.get_args(tp)[1])
            obj = obj[part]
        else:
            return None
    return None if is_table(tp) else KeyInfo(tp, meta)


def get_value(obj: Any, parts: tuple[str, ...] | str) -> Any:
    """The value at a dotted key (or its parts) of ``obj``."""
    for part in parts.split(".") if isinstance(parts, str) else parts:
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def schema_patterns(cls: type, prefix: str = "", section: str = "") -> Iterator[Pattern]:
    """Every leaf key of the schema class ``cls`` as a dotted pattern, in schema order."""
    for f, hint in schema_fields(cls):
        tp = strip_optional(hint)
        path = f"{prefix}{f.name}"
        top = section or f.name
        if dataclasses.is_dataclass(tp):
            yield from schema_patterns(typing.cast(type, tp), f"{path}.", top)
        elif typing.get_origin(tp) is dict:
            item = strip_optional(typing.get_args(tp)[1])
            entry = f"{path}.{PLACEHOLDERS.get(f.name, '<name>')}"
            if dataclasses.is_dataclass(item):
                yield from schema_patterns(typing.cast(type, item), f"{entry}.", top)
            else:
                yield Pattern(entry, top, item, f.metadata, cls.__name__)
        else:
            yield Pattern(path, top, tp, f.metadata, cls.__name__)


def type_name(tp: Any) -> str:
    """A schema type in words (``number``, ``whole number``, ``date (YYYY-MM-DD)``, ...)."""
    tp = strip_optional(tp)
    names = {float: "number", int: "whole number", bool: "true or false", str: "text",
             dt.date: "date (YYYY-MM-DD)"}
    if tp in names:
        return names[tp]
    if typing.get_origin(tp) is tuple:
        return "list of names"
    return getattr(tp, "__name__", str(tp))


def inert_under(scenario: Any, key: str) -> tuple[str, tuple[str, ...], str] | None:
    """Why the model ignores ``key`` in ``scenario``, if it does: ``(mechanism, the alternatives
    that read it, the alternative in force)``; None if the key acts (or names nothing).

    A field declared with ``acts_under`` (``escsim.scenario.schema.param``) is read only under
    some alternatives of a contested mechanism, e.g. ``iran.pause_mean_days`` only when a pause
    lapses whole: varying it under the eroding pause changes no run.
    """
    info = key_info(scenario, key)
    under = None if info is None else info.meta.get("acts_under")
    if under is None:
        return None
    mechanism, alternatives = under
    in_force = str(getattr(scenario.mechanisms, mechanism))
    return None if in_force in alternatives else (mechanism, tuple(alternatives), in_force)


def inert_notes(scenarios: Sequence[Any], keys: Sequence[str]) -> list[str]:
    """One line for each of ``keys`` that the mechanisms of every one of ``scenarios`` leave
    unread, so that varying it changes nothing -- unless the mechanism itself is among ``keys``
    (then some points read it)."""
    notes = []
    for key in keys:
        why = [inert_under(s, key) for s in scenarios]
        if not why or any(w is None for w in why):
            continue
        mechanism, alternatives, _ = typing.cast(tuple[str, tuple[str, ...], str], why[0])
        if f"mechanisms.{mechanism}" in keys:
            continue
        in_force = sorted({w[2] for w in why if w is not None})
        names = ", ".join(sorted({s.scenario.name for s in scenarios}))
        notes.append(f"{key} is read only under mechanisms.{mechanism} = "
                     f"{' or '.join(alternatives)}, and {names} "
                     f"use{'s' if len(scenarios) == 1 else ''} {' and '.join(in_force)}: "
                     f"varying it changes no run (to study it, add --set "
                     f"mechanisms.{mechanism}={alternatives[0]})")
    return notes
