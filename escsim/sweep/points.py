"""The scenario of each sweep point, built cheaply and validated like a loaded one.

Loading a scenario from TOML costs several replications' worth of time, so a sweep of many
one-replication points must not load one per point. Swept keys come in two kinds:

* *patchable* keys name an existing number (or flag) of the scenario, outside the ladder (the
  ladder decides the table's columns). A point's value is checked by the loader's own type and
  range checks and its cross-key checks, then set with :func:`dataclasses.replace`; the point's
  ``param_hash`` is the loader's hash of the patched values.
* every other key (a policy preset, a name, a date, a new table) goes through
  :func:`~escsim.scenario.load_scenario`, once per distinct combination of such values.

So ``point_scenario(...)`` equals ``load_scenario(ref, overrides + point)`` -- same values, same
``param_hash`` -- at a small fraction of the cost (``tests/test_sweep_design.py`` pins this).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from escsim.errors import InputError
from escsim.scenario import load_scenario, parse_override
from escsim.scenario import loader as _loader
from escsim.scenario.keys import KeyInfo, key_info
from escsim.scenario.patch import set_values
from escsim.scenario.schema import Scenario

Patch = tuple[tuple[str, Any], ...]
_PATCHABLE_TYPES = (float, int, bool)
_INTERNAL = ("provenance", "param_hash", "source", "overrides")  # as loader.param_hash drops


def check_key(scenario: Scenario, key: str) -> None:
    """Catch a misspelt table entry (``militias.iraq_faction.x``) before the loader reads it as
    a new, incomplete entry and reports a missing key."""
    import difflib

    obj: Any = scenario
    for i, part in enumerate(key.split(".")):
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            obj = getattr(obj, part, None)
            if obj is None:
                return  # the loader names unknown fields itself
        elif isinstance(obj, dict):
            if part not in obj:
                close = difflib.get_close_matches(part, list(obj), n=1)
                if close:
                    table = ".".join(key.split(".")[:i])
                    raise InputError(f"no '{part}' in [{table}]; did you mean '{close[0]}'?",
                                     file="--vary", key=key,
                                     expected=" | ".join(f"{table}.{k}" for k in obj))
                return
            obj = obj[part]
        else:
            return


def is_patchable(scenario: Scenario, key: str) -> bool:
    """Whether a swept ``key`` can be set on a loaded ``scenario`` without reloading it."""
    if key.split(".")[0] == "ladder":
        return False
    info = key_info(scenario, key)
    return info is not None and info.type in _PATCHABLE_TYPES


def check_patch(base: Scenario, patch: Patch) -> Patch:
    """Check patch values with the loader's type, range and cross-key checks; return them
    coerced (``1`` -> ``1.0`` for a number key) so hashes match a loaded scenario."""
    coerced = []
    for key, value in patch:
        info = key_info(base, key)
        assert info is not None, key
        coerced.append((key, _loader.check_value(info.type, value, key, info.meta, "--vary")))
    out = tuple(coerced)
    patched = apply_patch(base, out)
    # The events' and the ladder's checks involve no value a patch can change (and the events'
    # read the policy presets from disk): the base scenario's load made them.
    try:
        _loader.check_cross_keys(dataclasses.replace(patched, events={}, ladder={}),
                                 {k: "--vary" for k, _ in out})
    except InputError as exc:  # a pair of values out of order: say which point
        exc.file = "--vary"
        exc.message += " at the point " + ", ".join(f"{k}={v!r}" for k, v in out)
        raise
    return out


def apply_patch(base: Scenario, patch: Patch, param_hash: str | None = None) -> Scenario:
    """``base`` with the (checked) values of ``patch`` set; provenance and overrides follow."""
    if not patch:
        return base
    s = set_values(base, patch)
    describe = _loader.Leaf(None, "--set").describe({})
    return dataclasses.replace(s, provenance={**base.provenance, **{k: describe for k, _ in patch}},
                               overrides=(*base.overrides, *patch),
                               param_hash=param_hash if param_hash is not None else base.param_hash)


_TEMPLATES: dict[tuple[str, tuple[str, ...]], list[str]] = {}


def _template(base: Scenario, keys: tuple[str, ...]) -> list[str]:
    """The loader's JSON view of ``base`` cut at the values of ``keys``, cached per process.

    The values go in sorted-key order, so a point's JSON is these pieces joined with its
    values, byte for byte what :func:`escsim.scenario.loader.param_hash` would serialise.
    """
    cache_key = (base.param_hash, keys)
    pieces = _TEMPLATES.get(cache_key)
    if pieces is None:
        data = dataclasses.asdict(base)
        for k in _INTERNAL:
            data.pop(k, None)
        marks = [f"@@escsim-patch-{i}@@" for i in range(len(keys))]
        for key, mark in zip(keys, marks, strict=True):
            node = data
            parts = key.split(".")
            for p in parts[:-1]:
                node = node[p]
            node[parts[-1]] = mark
        text = json.dumps(data, sort_keys=True, default=str)
        pieces = re.split(r'"@@escsim-patch-(\d+)@@"', text)
        if len(_TEMPLATES) > 64:
            _TEMPLATES.clear()
        _TEMPLATES[cache_key] = pieces
    return pieces


def patched_hash(base: Scenario, patch: Patch) -> str:
    """:func:`escsim.scenario.loader.param_hash` of ``apply_patch(base, patch)``, from a cached
    template of the base's values (a sweep point costs one hash, not one serialisation)."""
    if not patch:
        return base.param_hash
    keys = tuple(k for k, _ in patch)
    pieces = _template(base, keys)
    out = [pieces[0]]
    for i in range(1, len(pieces), 2):
        out.append(json.dumps(patch[int(pieces[i])][1]))
        out.append(pieces[i + 1])
    return hashlib.sha256("".join(out).encode()).hexdigest()[:12]


def build_point(base: Scenario, patch: Patch) -> Scenario:
    """The scenario of a point: ``base`` with a checked patch, and its own ``param_hash``."""
    return apply_patch(base, patch, patched_hash(base, patch))


class PointBuilder:
    """Builds and checks the scenario of every point of a sweep.

    Args:
        refs: scenario references (bundled names or paths).
        overrides: ``--set`` items applied to every point (before the swept values).
        keys: the swept dotted keys, in design order.
    """

    def __init__(self, refs: Sequence[str], overrides: Sequence[str], keys: Sequence[str]):
        self.refs = list(refs)
        self.keys = list(keys)
        self.overrides = dict(parse_override(o) for o in overrides)
        self.scenarios = [load_scenario(r, self.overrides) for r in self.refs]
        self.patchable = [frozenset(k for k in self.keys if is_patchable(s, k))
                          for s in self.scenarios]
        self._bases: dict[tuple[int, tuple[tuple[str, Any], ...]], Scenario] = {}

    def info(self, key: str) -> KeyInfo | None:
        """Type and metadata of ``key`` in the first scenario that has it."""
        for s in self.scenarios:
            i = key_info(s, key)
            if i is not None:
                return i
        return None

    def integer_keys(self) -> frozenset[str]:
        return frozenset(k for k in self.keys if (i := self.info(k)) is not None
                         and i.type is int)

    def split(self, ref_index: int, values: Sequence[Any]) -> tuple[Patch, Patch]:
        """(reload part, patch part) of a point's values."""
        fast = self.patchable[ref_index]
        slow = tuple((k, v) for k, v in zip(self.keys, values, strict=True) if k not in fast)
        patch = tuple((k, v) for k, v in zip(self.keys, values, strict=True) if k in fast)
        return slow, patch

    def base(self, ref_index: int, slow: Patch) -> Scenario:
        """The loaded scenario for one combination of the values that need a reload."""
        if not slow:
            return self.scenarios[ref_index]
        cache_key = (ref_index, tuple((k, repr(v)) for k, v in slow))
        s = self._bases.get(cache_key)
        if s is None:
            try:
                s = load_scenario(self.refs[ref_index], {**self.overrides, **dict(slow)})
            except InputError as exc:
                if exc.key in self.keys and exc.file == "--set":
                    exc.file = "--vary"
                raise
            if len(self._bases) > 256:
                self._bases.clear()
            self._bases[cache_key] = s
        return s

    def resolve(self, ref_index: int, values: Sequence[Any]) -> tuple[Scenario, Patch]:
        """Check a point; return its base scenario and its coerced patch."""
        slow, patch = self.split(ref_index, values)
        base = self.base(ref_index, slow)
        return base, check_patch(base, patch)

    def scenario(self, ref_index: int, values: Sequence[Any]) -> Scenario:
        """The full scenario of one point (for notebooks and tests)."""
        base, patch = self.resolve(ref_index, values)
        return build_point(base, patch)
