"""The inputs, listed: the scenarios (``escsim scenarios``), one scenario's resolved values with
their provenance (``escsim show``) and the fact base (``escsim facts``). They write no folder;
each returns the lines its command prints and its ``--json`` summary."""

from __future__ import annotations

import datetime as dt
import difflib
import textwrap
from typing import Any

from escsim.apps.common import SILENT, AppResult, Feedback, load
from escsim.errors import InputError


def scenarios(width: int = 100, feedback: Feedback = SILENT) -> AppResult:
    """The bundled scenarios and those of the ``ESCSIM_SCENARIOS`` folders, each with its start,
    horizon and the question it answers; a user's file that cannot be loaded is listed with its
    error (and named in a note), not a stop."""
    from escsim.scenario import bundled_scenarios, load_scenario
    from escsim.scenario.loader import SCENARIOS_ENV, user_scenarios

    lines: list[str] = []
    rows: list[dict[str, Any]] = []
    own = user_scenarios()
    broken = []
    for name, path in [*bundled_scenarios().items(), *own.items()]:
        try:
            s = load_scenario(path if name in own else name)
        except (InputError, OSError) as exc:  # one broken file of a user's folder: listed
            if name not in own:
                raise
            broken.append(name)
            rows.append({"name": name, "bundled": False, "error": str(exc)})
            lines += [f"{name:<22} cannot be loaded",
                      *(f"    {line}" for line in textwrap.wrap(str(exc), width=width - 4))]
            continue
        text = " ".join(s.scenario.description.split())
        if name in own:
            text = f"[{path.parent}] {text}"
        rows.append({"name": name, "start_date": str(s.scenario.start_date),
                     "horizon_days": s.scenario.horizon_days, "description": text,
                     "bundled": name not in own})
        lines += [f"{name:<22} {s.scenario.start_date}  {s.scenario.horizon_days:>5g} d",
                  *(f"    {line}" for line in textwrap.wrap(text, width=width - 4))]
    if broken:
        feedback.warn(f"{len(broken)} scenario file(s) of {SCENARIOS_ENV} cannot be loaded: "
                      + ", ".join(broken))
    return AppResult(None, lines, rows)


def show(scenario: str, overrides: tuple[str, ...] = (), prefix: str = "",
         brief: bool = False) -> AppResult:
    """Every resolved value of ``scenario`` (keys starting with ``prefix``) with the fact or
    assumption behind it; an unknown prefix is refused before anything is printed."""
    from escsim.results.provenance import display_path
    from escsim.scenario.keys import inert_under, leaves

    s = load(scenario, overrides)
    shown = [{"key": key, "value": value,
              "provenance": s.provenance.get(key, "default of the schema"),
              "unread_under": _unread(inert_under(s, key))}
             for key, _, value, _ in leaves(s) if key.startswith(prefix)]
    if not shown:
        prefixes = sorted({".".join(k.split(".")[:n]) for k, *_ in leaves(s)
                           for n in range(1, len(k.split(".")) + 1)})
        close = difflib.get_close_matches(prefix, prefixes, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError("no key starts with this prefix" + hint, key="--key", value=prefix,
                         expected="a prefix of the keys of `escsim show " + scenario + "`")
    lines = [f"# {s.scenario.name} (hash {s.param_hash})  from {display_path(s.source)}"]
    for item in shown:
        unread = f"   (not read: {item['unread_under']})" if item["unread_under"] else ""
        lines.append(f"{item['key']} = {_fmt(item['value'])}{unread}")
        if not brief:
            lines.append(f"    <- {item['provenance']}")
    return AppResult(None, lines, {"scenario": s.scenario.name, "param_hash": s.param_hash,
                                   "values": shown})


def _unread(why: tuple[str, tuple[str, ...], str] | None) -> str | None:
    """Why the model does not read a key here, in a few words (None: it does)."""
    if why is None:
        return None
    mechanism, alternatives, in_force = why
    return f"mechanisms.{mechanism} is {in_force}, not {' or '.join(alternatives)}"


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if "\n" not in value else repr(" ".join(value.split()))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return repr(list(value))
    return repr(value)


def facts(fact_id: str = "") -> AppResult:
    """The fact base: one line per fact, or one fact in full (an unknown id suggests the
    closest)."""
    from escsim.facts import bundled_facts

    all_facts = bundled_facts()
    if fact_id:
        if fact_id not in all_facts:
            close = difflib.get_close_matches(fact_id, list(all_facts), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError("unknown fact id" + hint, key="--id", value=fact_id,
                             expected="an id from `escsim facts`")
        f = all_facts[fact_id]
        fields = (("id", f.id), ("figure", f.figure()), ("when", f.when()),
                  ("source", f.source), ("paraphrase", f.paraphrase),
                  ("file", f.file), ("note", f.note or ""))
        return AppResult(None, [f"{label:>10}: {value}" for label, value in fields],
                         dict(fields))
    return AppResult(None, [f"{f.id:<26} {f.figure():<34} {f.when():<24} {f.paraphrase}"
                            for f in all_facts.values()],
                     [{"id": f.id, "figure": f.figure(), "when": f.when(), "source": f.source,
                       "paraphrase": f.paraphrase, "file": f.file}
                      for f in all_facts.values()])
