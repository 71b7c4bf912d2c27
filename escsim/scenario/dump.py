"""Write a loaded scenario back as one TOML file: the resolved scenario a result was made from.

A result folder keeps ``scenario.toml``: every value the model received (defaults, the extends
chain, the US policy preset and every ``--set`` filled in), each with its provenance as the loader
reads it (``{ value = ..., fact = "ID" }`` or ``{ value = ..., assumption = "why" }``) and a
comment naming the file that set it. ``escsim run results/X/scenario.toml`` loads it and runs the
same parameters: the loaded copy has the same :attr:`~escsim.scenario.schema.Scenario.param_hash`.

Named tables of numbers (``weapon_mix``, ``respond_prob``) are written whole, as one wrapped
value, because the loader replaces a wrapped table as a whole: written key by key, entries of
``defaults.toml`` that the scenario dropped would come back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import typing
from typing import Any

from escsim.facts import Fact, bundled_facts
from escsim.scenario.keys import schema_fields, strip_optional
from escsim.scenario.schema import Scenario

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_SET_IN = " -- set in "


def scenario_toml(s: Scenario, header: str = "", facts: dict[str, Fact] | None = None) -> str:
    """The resolved scenario ``s`` as TOML text that :func:`escsim.load_scenario` reads back to
    the same parameters (same ``param_hash``).

    Args:
        s: a loaded scenario.
        header: comment lines put on top (e.g. the command that produced a result).
        facts: the fact base its provenance cites (default: the bundled one).

    Returns:
        The TOML text.
    """
    facts = bundled_facts() if facts is None else facts
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [
        f"# The resolved scenario {s.scenario.name} (parameter hash {s.param_hash}): every value",
        "# the model received, with where it came from. `escsim run` on this file runs the same",
        "# parameters. Written by escsim; edit a copy, not the result's.",
    ]
    if s.overrides:
        lines.append("# Overrides given: " + ", ".join(f"{k}={v!r}" for k, v in s.overrides))
    # 'extends' is omitted: the file is complete, and the loader puts defaults.toml below it,
    # which every key here overrides.
    lines.append("")
    for key, value, prov in _entries(s):
        lines.extend(_entry_lines(key, value, prov, s.provenance, facts))
    return "\n".join(lines) + "\n"


def _entries(obj: Any, prefix: tuple[str, ...] = ()) -> typing.Iterator[tuple[tuple[str, ...],
                                                                             Any, Any]]:
    """(key parts, value, provenance key or keys) in schema order; named tables of scalars
    whole."""
    for f, hint in schema_fields(typing.cast(Any, type(obj))):
        tp = strip_optional(hint)
        value = getattr(obj, f.name)
        parts = (*prefix, f.name)
        if value is None:
            continue  # an optional field left out
        if dataclasses.is_dataclass(tp):
            yield from _entries(value, parts)
        elif typing.get_origin(tp) is dict:
            item = strip_optional(typing.get_args(tp)[1])
            if dataclasses.is_dataclass(item):
                for name, sub in value.items():
                    yield from _entries(sub, (*parts, str(name)))
            else:
                yield parts, dict(value), [".".join((*parts, str(k))) for k in value]
        else:
            yield parts, value, ".".join(parts)


def _entry_lines(parts: tuple[str, ...], value: Any, prov_keys: Any,
                 provenance: dict[str, str], facts: dict[str, Fact]) -> list[str]:
    key = ".".join(p if _BARE_KEY.match(p) else json.dumps(p) for p in parts)
    keys = prov_keys if isinstance(prov_keys, list) else [prov_keys]
    texts = [provenance.get(k, "") for k in keys]
    if isinstance(value, dict) and len(set(texts)) > 1:
        # entries sourced one by one: each entry wrapped with its own provenance, inside one
        # wrapped table (which the loader takes whole)
        entries = []
        for (name, v), text in zip(value.items(), texts, strict=True):
            fields = _provenance_fields(text.rsplit(_SET_IN, 1)[0], facts)
            name_key = name if _BARE_KEY.match(str(name)) else json.dumps(str(name))
            extra = "".join(f", {k} = {json.dumps(x, ensure_ascii=False)}" for k, x in fields)
            entries.append(f"{name_key} = {{ value = {_literal(v)}{extra} }}")
        wheres = sorted({t.rsplit(_SET_IN, 1)[1] for t in texts if _SET_IN in t})
        head = [f"# set in {', '.join(wheres)}"] if wheres else []
        return [*head, f"{key} = {{ value = {{ {', '.join(entries)} }}, "
                       "note = \"each entry cites its own source\" }"]
    text = texts[0] if texts else ""
    source, where = (text.rsplit(_SET_IN, 1) + [""])[:2] if _SET_IN in text else (text, "")
    fields = _provenance_fields(source, facts)
    out = [f"# set in {_plain(where)}"] if where else []
    literal = _literal(value)
    if fields:
        extra = ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in fields)
        out.append(f"{key} = {{ value = {literal}, {extra} }}")
    else:
        out.append(f"{key} = {literal}")
    return out


def _provenance_fields(text: str, facts: dict[str, Fact]) -> list[tuple[str, str]]:
    """``fact``/``assumption``/``note`` fields for one provenance text of the loader."""
    if text.startswith("fact "):
        fact_id = text.split()[1]
        fields = [("fact", fact_id)]
        f = facts.get(fact_id)
        if f is not None:
            cited = f"fact {f.id} ({f.figure()}, {f.when()}): {f.paraphrase} [{f.source}]"
            if text.startswith(cited + "; "):
                fields.append(("note", text[len(cited) + 2:]))
        return fields
    if text.startswith("assumption: "):
        return [("assumption", text[len("assumption: "):])]
    if text.startswith("override"):
        return [("assumption", "override given on the command line (--set) or in a notebook "
                               "(with_overrides), no source given")]
    return []  # definitions (structure) and unsourced values stay bare


def _plain(where: str) -> str:
    return where.replace("\n", " ")


def _literal(value: Any) -> str:
    """A TOML literal for a schema value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else \
            ("nan" if value != value else ("inf" if value > 0 else "-inf"))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k if _BARE_KEY.match(str(k)) else json.dumps(str(k))} = "
                                f"{_literal(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML literal for {type(value).__name__}")
