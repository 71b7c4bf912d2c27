"""Generate the reference pages of docs/ from the code itself.

* ``docs/reference/scenario-keys.md``: every scenario key, walked from the schema
  (:mod:`escsim.scenario.schema`): type, range or choices, unit, meaning, and the default value of
  ``scenarios/defaults.toml`` (and of each US policy preset) with its provenance.
* ``docs/reference/columns.md``: the columns of every result table (name, unit, definition),
  from :mod:`escsim.records`, the vocabulary ``columns.json`` is written from.
* ``docs/reference/api.md``: the public API (``escsim.__all__``) and the plot functions
  (``escsim.plotting.__all__``), from their signatures and docstrings.

Run from anywhere after changing the schema, a default, a preset or a public docstring::

    python docs/generate_reference.py           # rewrite both pages
    python docs/generate_reference.py --check   # exit 1 if a page is out of date

``tests/test_docs.py`` fails when the committed pages differ from what this script generates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import escsim
import escsim.plotting
from escsim.analysis.paired import DIFFERENCE_COLUMNS
from escsim.history.backtest import ERA_SCORE_COLUMNS
from escsim.records import (
    BASE_COLUMNS,
    DRAWN_PREFIX,
    LADDER_COUNTERS,
    RUNG_DAY_PREFIX,
    WEAPON_PREFIX,
    describe_column,
)
from escsim.scenario import schema
from escsim.scenario.keys import get_value, schema_patterns, type_name
from escsim.scenario.loader import preset_names

DOCS = Path(__file__).resolve().parent
SCENARIO_KEYS = DOCS / "reference" / "scenario-keys.md"
API = DOCS / "reference" / "api.md"
COLUMNS = DOCS / "reference" / "columns.md"

#: Placeholder for the names of a table's entries, by the table's key.
#: What the entries of a named table are, for the section introductions.
TABLE_NOTES = {
    "regimes": "Conflict regimes; the timeline switches between them ([events]), "
               "`scenario.initial_regime` names the first.",
    "sites": "US sites (or clusters of sites in one country) that militias and Iran can attack.",
    "weapons": "Weapon types: what happens when each is fired at a US site.",
    "militias": "Iran-aligned militia groups, each an attack process of its own.",
    "events": "Dated exogenous events of the timeline. Which keys apply depends on `kind` "
              "(regime: `regime`, `until`; shock: `until`, `militia_rate_multiplier`, "
              "`iran_escalation_multiplier`; troops: `site`, `troops`; policy: `preset`; "
              "iran_posture: `posture`; us_strike: `target_kind`, `targets`, `country`, "
              "`groups`, `militia_killed`, `iranian_loss` -- a round dated before the start is "
              "initial state; strike_on_iran: `striker`, `hazard_per_day`, `until`).",
    "ladder": "Rungs of the escalation ladder: a level and the condition that reaches it.",
}
SECTION_TITLES = {
    "scenario": "The scenario itself",
    "regimes": "Conflict regimes",
    "sites": "US sites",
    "weapons": "Weapons",
    "militias": "Militia groups",
    "us_policy": "US retaliation policy",
    "iran": "Iran",
    "baghdad": "Baghdad (the Iraqi government)",
    "mechanisms": "Contested mechanisms (named alternatives)",
    "initial_state": "State at day 0",
    "events": "Dated events",
    "ladder": "The escalation ladder",
}


# ------------------------------------------------------------------------ walking the schema ---
@dataclasses.dataclass(frozen=True)
class Key:
    """One documented key: a dotted pattern and what the schema says about it."""

    pattern: str  # e.g. militias.<group>.base_rate_per_day
    section: str  # the top-level table
    type_name: str
    meta: dict[str, Any]
    owner: str  # the schema class that holds the field


def _type_name(tp: Any) -> str:
    return type_name(tp)


def schema_keys(cls: type = schema.Scenario) -> list[Key]:
    """Every leaf key of the schema as a dotted pattern, in schema order."""
    return [Key(p.pattern, p.section, type_name(p.type), dict(p.meta), p.owner)
            for p in schema_patterns(cls)]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = [r"[^.]+" if re.fullmatch(r"<[^>]+>", p) else re.escape(p)
             for p in pattern.split(".")]
    return re.compile(r"^" + r"\.".join(parts) + r"$")


_get = get_value


def _fmt_value(value: Any) -> str:
    if isinstance(value, str):
        return f'`"{" ".join(value.split())}"`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    if isinstance(value, dt.date):
        return f"`{value.isoformat()}`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    return f"`{value}`"


def _fmt_range(key: Key) -> str:
    meta = key.meta
    if meta.get("choices"):
        return "choices: " + ", ".join(f"`{c}`" for c in meta["choices"])
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return ""
    low = "" if lo is None else f"{lo:g}"
    high = "" if hi is None else f"{hi:g}"
    if lo is not None and hi is not None:
        return f"{low} to {high}"
    return f"at least {low}" if lo is not None else f"at most {high}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _provenance(text: str) -> str:
    """A provenance line, without the file when it is the defaults file this page is about."""
    text = _one_line(text)
    if text.startswith("definition (structure"):
        return "definition (structure, not a measured value)"
    body, _, file = text.rpartition(" -- set in ")
    if not body:
        return text
    return body if file == "scenarios/defaults.toml" else f"{body} (set in {file})"


# ---------------------------------------------------------------- the scenario-key reference ---
def scenario_keys_markdown() -> str:
    """The text of ``docs/reference/scenario-keys.md``."""
    defaults = escsim.load_scenario("defaults")
    presets = preset_names()
    by_preset = {p: escsim.with_overrides(defaults, {"us_policy.preset": p}) for p in presets}
    bundled = {name: escsim.load_scenario(name) for name in escsim.bundled_scenarios()}
    keys = schema_keys()
    out = [
        "# Scenario keys",
        "",
        "<!-- Generated by docs/generate_reference.py from escsim/scenario/schema.py, "
        "scenarios/defaults.toml and scenarios/presets/us_policy.toml. Do not edit by hand: "
        "change the source and run `python docs/generate_reference.py`. -->",
        "",
        "Every key a scenario file may set, by its dotted name: the name used in a TOML table "
        "(`[militias.iraq_factions]` then `base_rate_per_day = ...`), in `--set KEY=VALUE`, in "
        "`escsim.with_overrides(s, {KEY: value})` and in `escsim sweep --vary KEY=SPEC`. Names in "
        "angle brackets are yours to choose: `militias.<group>.base_rate_per_day` is "
        "`militias.iraq_factions.base_rate_per_day` for the group `iraq_factions`.",
        "",
        "For each key: its type, the range the loader accepts, its unit, what it means, and its "
        "default in `scenarios/defaults.toml` (the root of every scenario's `extends` chain) "
        "with the provenance of that default: the fact of `seeds/` it rests on (`escsim facts "
        "--id ID`) or the assumption it makes. *Required* keys must be set by the scenario or by "
        "what it extends (the defaults set them all); *optional* keys may be left out. Bundled "
        "scenarios override some defaults; `escsim show SCENARIO` prints the resolved value and "
        "provenance of every key of one scenario.",
        "",
        "How a value is written (see [the how-to](../howto/write-a-scenario.md)):",
        "",
        "```toml",
        "extends = \"baseline-2024-11\"          # a bundled name or a path; default: defaults",
        "",
        "[militias.iraq_factions]",
        "base_rate_per_day = 0.9                  # a bare value (provenance: unsourced)",
        "restraint_compliance = { value = 0.8, assumption = \"why you believe it\" }",
        "excitation_decay_days = { value = 10.0, fact = \"PR-R1\", note = \"how it was derived\" }",
        "```",
        "",
        "Keys of the US policy (`us_policy.*`) default to the values of the preset that "
        "`us_policy.preset` names (`scenarios/presets/us_policy.toml`); a scenario may override "
        "any of them. Ladder conditions test these counters: "
        + ", ".join(f"`{c}`" for c in LADDER_COUNTERS)
        + " (`counter >= N`, or `counter[Wd] >= N` for events within the last W days, terms "
        "joined by `and`).",
        "",
        "## Contents",
        "",
    ]
    sections = list(dict.fromkeys(k.section for k in keys))
    for sec in sections:
        out.append(f"- [{SECTION_TITLES.get(sec, sec)}](#{_anchor(SECTION_TITLES.get(sec, sec))}) "
                   f"(`{sec}`)")
    out.append("")
    for sec in sections:
        out += [f"## {SECTION_TITLES.get(sec, sec)}", ""]
        if sec in TABLE_NOTES:
            out += [TABLE_NOTES[sec], ""]
        for key in (k for k in keys if k.section == sec):
            out += _key_entry(key, defaults, by_preset, bundled)
    return "\n".join(out).rstrip() + "\n"


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def _key_entry(key: Key, defaults: Any, by_preset: dict[str, Any],
               bundled: dict[str, Any]) -> list[str]:
    meta = key.meta
    facts = [f"type: {key.type_name}"]
    if (rng := _fmt_range(key)):
        facts.append(rng if rng.startswith("choices") else f"range: {rng}")
    if meta.get("unit") and meta["unit"] != "date":
        facts.append(f"unit: {meta['unit']}")
    if meta.get("optional"):
        default = meta.get("default")
        facts.append("optional" + (f" (if left out: {_fmt_value(default)})"
                                   if default is not None else ""))
    else:
        facts.append("required")
    if key.pattern.endswith(".respond_prob.<outcome>"):
        facts.append("`<outcome>`: " + ", ".join(f"`{c}`" for c in schema.OUTCOME_CLASSES)
                     + " (all five are required)")
    if key.pattern.endswith(".weapon_mix.<weapon>"):
        facts.append("`<weapon>`: a name of `[weapons]`")
    if meta.get("acts_under"):
        mechanism, alternatives = meta["acts_under"]
        facts.append(f"read only under `mechanisms.{mechanism}` = "
                     + " or ".join(f"`{a}`" for a in alternatives))
    lines = [f"### `{key.pattern}`", "", _one_line(meta.get("doc", "")), "",
             "- " + " · ".join(facts)]
    regex = _pattern_regex(key.pattern)
    concrete = [k for k in defaults.provenance if regex.match(k)]
    if not concrete:
        lines.append("- default: none in `scenarios/defaults.toml`")
        seen: dict[str, str] = {}  # concrete key -> first bundled scenario that sets it
        for name, s in bundled.items():
            for k in s.provenance:
                if regex.match(k):
                    seen.setdefault(k, name)
        examples = [(name, k) for k, name in seen.items()][:3]
        for name, k in examples:
            lines.append(f"  - e.g. in `{name}`: `{k}` = {_fmt_value(_get(bundled[name], k))}: "
                         f"{_provenance(bundled[name].provenance[k])}")
    elif len(concrete) == 1 and concrete[0] == key.pattern:
        lines.append(f"- default: {_fmt_value(_get(defaults, key.pattern))}")
        lines.append(f"  - provenance: {_provenance(defaults.provenance[key.pattern])}")
    else:
        lines.append("- defaults:")
        for k in concrete:
            lines.append(f"  - `{k}` = {_fmt_value(_get(defaults, k))}: "
                         f"{_provenance(defaults.provenance[k])}")
    if key.section == "us_policy" and key.pattern != "us_policy.preset":
        per = []
        for name, s in by_preset.items():
            values = [_get(s, k) for k in concrete]
            shown = ", ".join(f"{k.rsplit('.', 1)[-1]} {_fmt_value(v)}"
                              for k, v in zip(concrete, values, strict=True)) \
                if len(concrete) > 1 else _fmt_value(values[0])
            per.append(f"`{name}` {shown}")
        lines.append("- by preset: " + "; ".join(per))
    lines.append("")
    return lines


# ------------------------------------------------------------------------ the API reference ---
_SECTIONS = ("Args", "Arguments", "Attributes", "Returns", "Yields", "Raises", "Example",
             "Examples", "Note", "Notes")
_ITEM = re.compile(r"^(\*{0,2}[A-Za-z_][\w, ]*)(?: \(([^)]*)\))?: (.*)$")


def _annotation(value: Any) -> str:
    if isinstance(value, str):
        return value
    return inspect.formatannotation(value)


def _signature(name: str, obj: Any) -> str:
    """``name(arg: type = default, ...) -> type``, annotations as written in the source."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    parts = []
    star_done = False
    for param in sig.parameters.values():
        if param.kind is param.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if param.kind is param.VAR_POSITIONAL:
            star_done = True
        text = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "")
        text += param.name
        if param.annotation is not param.empty:
            text += f": {_annotation(param.annotation)}"
        if param.default is not param.empty:
            default = "<factory>" if repr(param.default) == "<factory>" else repr(param.default)
            text += f" = {default}" if param.annotation is not param.empty else f"={default}"
        parts.append(text)
    ret = ""
    if sig.return_annotation is not sig.empty:
        ret = f" -> {_annotation(sig.return_annotation)}"
    return f"{name}({', '.join(parts)}){ret}"


def _inline(text: str) -> str:
    """reStructuredText roles and literals as Markdown code."""
    text = re.sub(r":(?:func|class|meth|mod|data|attr|obj):`~?([^`]+)`", r"`\1`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def docstring_markdown(doc: str) -> str:
    """A Google-style docstring as Markdown: sections become bold labels and bullet lists,
    ``::`` blocks become fenced code."""
    out: list[str] = []
    lines = doc.splitlines()
    i = 0
    section: str | None = None
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.rstrip(":") in _SECTIONS and stripped.endswith(":") and not line[0:1].isspace():
            section = stripped[:-1]
            out += ["", f"**{section}**", ""]
            i += 1
            continue
        if section and line.startswith("    ") and not line.startswith("        "):
            item = line[4:]
            body = [item]
            i += 1
            while i < len(lines) and (lines[i].startswith("        ") or not lines[i].strip()):
                if not lines[i].strip():
                    if i + 1 < len(lines) and lines[i + 1].startswith("        "):
                        i += 1
                        continue
                    break
                body.append(lines[i].strip())
                i += 1
            text = " ".join(body)
            m = _ITEM.match(text)
            if section in ("Returns", "Yields", "Note", "Notes", "Example", "Examples") or not m:
                out.append(_inline(text))
            else:
                name, kind, rest = m.groups()
                label = f"`{name}`" + (f" ({kind})" if kind else "")
                out.append(f"- {label}: {_inline(rest)}")
            continue
        if section and stripped and not line.startswith(" "):
            section = None
        if stripped.endswith("::"):
            lead = line.rstrip()[:-2].rstrip()
            out.append(_inline(lead + ":") if lead.strip() else "")
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
                block.append(lines[i][4:] if lines[i].startswith("    ") else "")
                i += 1
            while block and not block[0].strip():
                block.pop(0)
            while block and not block[-1].strip():
                block.pop()
            out += ["", "```python", *block, "```", ""]
            continue
        out.append(_inline(line))
        i += 1
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _field_comments(cls: type) -> dict[str, str]:
    """``#:`` comments written above dataclass fields in the source."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    comment: list[str] = []
    for line in source.splitlines():
        s = line.strip()
        if s.startswith("#:"):
            comment.append(s[2:].strip())
            continue
        m = re.match(r"^([a-z_]\w*)\s*:", s)
        if m and comment:
            found[m.group(1)] = " ".join(comment)
        comment = []
    return found


def _fields_markdown(cls: type) -> list[str]:
    """For dataclasses whose fields carry a meaning (the schema): one bullet per field."""
    if not dataclasses.is_dataclass(cls):
        return []
    comments = _field_comments(cls)
    items = []
    for f in dataclasses.fields(cls):
        doc = f.metadata.get("doc") or comments.get(f.name)
        if doc:
            items.append(f"- `{f.name}`: {_inline(_one_line(doc))}")
    return ["**Fields**", "", *items, ""] if items else []


def _members(cls: type) -> list[tuple[str, Any]]:
    """Public methods and properties defined on ``cls`` itself, in source order."""
    found = []
    for name, member in cls.__dict__.items():
        if name.startswith("_"):
            continue
        if isinstance(member, property) or inspect.isfunction(member):
            found.append((name, member))
    return found


def _doc(obj: Any) -> str:
    return inspect.getdoc(obj) or ""


#: Constants have no docstring of their own.
CONSTANT_DOCS = {
    "escsim.__version__": "The version of the installed escsim.",
    "escsim.plotting.NOT_A_FORECAST": "The caveat every figure of simulated histories carries "
                                      "in its footnote; add it yourself when you draw into your "
                                      "own `ax`.",
}


def _entry(qualname: str, obj: Any, level: str = "###") -> list[str]:
    if inspect.isclass(obj):
        kind = "class"
        head = _signature(qualname, obj)
    elif callable(obj):
        kind = "function"
        head = _signature(qualname, obj)
    else:
        kind = "constant"
        head = f"{qualname} = {obj!r}"
    lines = [f"{level} `{qualname}`", "", f"*{kind}*", "", "```python", head, "```", ""]
    doc = _doc(obj) if kind != "constant" else CONSTANT_DOCS.get(qualname, "")
    if doc:
        lines += [docstring_markdown(doc), ""]
    if inspect.isclass(obj):
        lines += _fields_markdown(obj)
        for name, member in _members(obj):
            target = member.fget if isinstance(member, property) else member
            sub = f"{qualname}.{name}"
            head = sub if isinstance(member, property) else _signature(sub, target)
            lines += [f"#### `{sub}`" + (" (property)" if isinstance(member, property) else ""),
                      "", "```python", head, "```", ""]
            if _doc(target):
                lines += [docstring_markdown(_doc(target)), ""]
    return lines


def api_markdown() -> str:
    """The text of ``docs/reference/api.md``."""
    out = [
        "# Python API",
        "",
        "<!-- Generated by docs/generate_reference.py from the docstrings of escsim.__all__ and "
        "escsim.plotting.__all__. Do not edit by hand: change the docstrings and run "
        "`python docs/generate_reference.py`. -->",
        "",
        "What a notebook or a script imports. Docstrings follow one convention (Google style: "
        "`Args`, `Returns`, `Raises`, `Attributes`). The notebooks in `notebooks/` show these "
        "functions at work; the [tutorial](../tutorial.md) walks through them.",
        "",
        "```python",
        "import escsim",
        "s = escsim.load_scenario(\"baseline-2024-11\")",
        "sim = escsim.simulate(escsim.with_overrides(s, {\"us_policy.preset\": \"punitive\"}),",
        "                      runs=500, seed=1)",
        "sim.summary()[\"rung_probability\"]",
        "```",
        "",
        "## `escsim`",
        "",
        docstring_markdown(_doc(escsim)),
        "",
    ]
    for name in sorted(n for n in escsim.__all__ if n != "__version__"):
        out += _entry(f"escsim.{name}", getattr(escsim, name))
    out += _entry("escsim.__version__", escsim.__version__)
    out += ["## `escsim.plotting`", "", docstring_markdown(_doc(escsim.plotting)), ""]
    for name in escsim.plotting.__all__:
        out += _entry(f"escsim.plotting.{name}", getattr(escsim.plotting, name))
    out += [
        "## Further modules",
        "",
        "Documented in their own docstrings and pages:",
        "",
    ]
    for module, page in (("escsim.sweep", "../sweeps.md"),
                         ("escsim.analysis.sensitivity", "../sweeps.md"),
                         ("escsim.plotting.sweeps", "../sweeps.md"),
                         ("escsim.history.backtest", "../backtest.md"),
                         ("escsim.plotting.history", "../backtest.md"),
                         ("escsim.analysis", None), ("escsim.executors", None),
                         ("escsim.apps", None), ("escsim.results.kinds", None),
                         ("escsim.model.policies", "../howto/add-a-retaliation-policy.md")):
        mod = importlib.import_module(module)
        first = _inline(_one_line(_doc(mod).split("\n\n")[0]))
        link = f" ([more]({page}))" if page else ""
        out.append(f"- `{module}`: {first}{link}")
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------------- command ---
# ----------------------------------------------------------------------- the column reference ---
#: The tables of result folders and what their rows are; columns in table order.
TABLES = (
    ("runs.csv", "escsim run, escsim sweep", "one row per replication (per point x replication "
     "in a sweep); a sweep adds its swept keys after `point`",
     ["scenario", "param_hash", "point", "replication", "seed", "end_day",
      *[c for c in BASE_COLUMNS if c not in ("scenario", "param_hash", "point", "replication",
                                              "seed", "end_day")],
      f"{WEAPON_PREFIX}<weapon>", f"{RUNG_DAY_PREFIX}<K>", f"{DRAWN_PREFIX}<parameter>"]),
    ("daily.csv", "escsim run", "one row per day and daily series",
     ["day", "date", "series", "mean", "q05", "q50", "q95"]),
    ("comparison.csv", "escsim run with several scenarios or --all", "one row per scenario "
     "and measure", ["scenario", "start_date", "horizon_days", "measure", "estimate", "low",
                     "high", "interval", "runs"]),
    ("points.csv", "escsim sweep, escsim sensitivity", "one row per sweep point",
     ["point", "scenario", "design_point", "seed_key", "<swept key>", "start_date",
      "horizon_days"]),
    ("summary.csv", "escsim sweep, escsim sensitivity", "one row per sweep point",
     ["point", "design_point", "scenario", "<swept key>", "start_date", "horizon_days", "runs",
      "p_rung_<K>", "p_rung_<K>_low", "p_rung_<K>_high",
      *[f"{s}_<count>" for s in ("mean", "q05", "q50", "q95")]]),
    ("differences.csv", "escsim compare, escsim run with --base", "one row per variant and "
     "measure: its paired difference from the base", DIFFERENCE_COLUMNS),
    ("scores.csv", "escsim backtest --eras, escsim calibrate --eras (in check/)", "one row per "
     "era: its window, runs, root seed and score", list(ERA_SCORE_COLUMNS)),
)


def _describe(pattern: str) -> tuple[str, str]:
    """Unit and definition of a column pattern, through the one vocabulary (escsim.records)."""
    if pattern == "<swept key>":
        return "the key's unit", "The swept value of a scenario key (one column per key)."
    example = (pattern.replace("<weapon>", "rocket").replace("<K>", "4")
               .replace("<parameter>", "x").replace("<count>", "attacks"))
    unit, definition = describe_column(example)
    for old, new in (("rocket", "<weapon>"), ("rung 4", "rung K"), ("p_rung_4", "p_rung_K"),
                     ("of x ", "of the parameter "), ("The value of x", "The value of the "
                                                                        "parameter")):
        definition = definition.replace(old, new)
    if pattern.endswith("_<count>"):
        unit = "the count's unit"
        definition = definition.replace("of attacks", "of the count (one column per main "
                                                       "count)")
    return unit, definition


def columns_markdown() -> str:
    """``docs/reference/columns.md``: every table's columns, unit and definition."""
    lines = [
        "# Columns of the result tables",
        "",
        "<!-- Generated by docs/generate_reference.py from escsim/records.py; do not edit. -->",
        "",
        "Every result folder has a `columns.json` with these entries for each of its tables, "
        "so a table read in R, a spreadsheet or pandas says what each column holds. Counts are "
        "totals over one replication; `days` are days since the scenario's start date. Seeds "
        "are below 2^53, so they stay exact in any reader that parses numbers as doubles.",
        "",
    ]
    for name, writers, rows, columns in TABLES:
        lines += [f"## `{name}`", "", f"Written by {writers}: {rows}.", "",
                  "| column | unit | definition |", "| --- | --- | --- |"]
        for c in columns:
            unit, definition = _describe(c)
            lines.append(f"| `{c}` | {unit} | {definition} |")
        lines.append("")
    return "\n".join(lines)


def outputs() -> dict[Path, str]:
    """Each generated page and its text."""
    return {SCENARIO_KEYS: scenario_keys_markdown(), API: api_markdown(),
            COLUMNS: columns_markdown()}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    root = DOCS.parent
    for path in stale:
        verb = "out of date" if check else "written"
        sys.stdout.write(f"{path.relative_to(root)}: {verb}\n")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
