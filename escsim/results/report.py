"""``report.html``: one self-contained page to share a result folder.

Everything is inside the file: figures embedded as base64 PNG, tables as HTML, the provenance
(the command, versions, seeds, every scenario's source and overrides, and each value that differs
from ``scenarios/defaults.toml`` with the fact or assumption behind it), and the caveat that the
results explore assumptions and do not forecast. It references nothing outside itself (no links
to files, no scripts, no fonts, no absolute paths), so it reads offline, attached to an email or
in a supplement.
"""

from __future__ import annotations

import importlib
import json
import tomllib
from pathlib import Path
from typing import Any

from escsim.results.files import atomic_write_text
from escsim.results.kinds import ANY_REPORT_TABLES, KINDS
from escsim.results.provenance import CAVEAT
from escsim.results.read import ResultFolder, read_run
from escsim.results.reports.history import generic
from escsim.results.reports.page import Page, document, e, figures, provenance

REPORT = "report.html"
DEFAULTS_FILE = "scenarios/defaults.toml"


def write_report(folder: str | Path) -> Path:
    """Write ``folder/report.html`` from what the folder holds; return its path."""
    folder = Path(folder)
    result = read_run(folder)
    atomic_write_text(folder / REPORT, report_html(result))
    return folder / REPORT


def build_page(result: ResultFolder) -> Page:
    """The kind's page (:data:`escsim.results.kinds.KINDS` names its builder), else its
    report tables."""
    kind = KINDS.get(result.kind)
    if kind is not None and kind.report:
        module, function = kind.report.split(":")
        page: Page = getattr(importlib.import_module(f"escsim.results.reports.{module}"),
                             function)(result)
        return page
    tables = dict(result.tables)
    names = kind.report_tables if kind is not None else ANY_REPORT_TABLES
    return generic(result, tuple(n for n in names if n in tables))


def report_html(result: ResultFolder) -> str:
    """The report of a result folder, as one HTML document: the answer and its small table,
    the sections of its kind, the figures in reading order with captions, the provenance
    once."""
    m = result.manifest
    title = " ".join(str(m.get("title") or result.summary.get("title")
                         or result.summary.get("scenario") or result.path.name).split())
    page = build_page(result)
    parts = [f"<h1>{e(title)}</h1>",
             f"<p class=small>escsim {e(result.kind)} result, written "
             f"{e(m.get('created', ''))}. Contents: <a href=\"#answer\">answer</a>"
             + "".join(f" &middot; <a href=\"#s{i}\">{e(h)}</a>"
                       for i, (h, _) in enumerate(page.sections))
             + " &middot; <a href=\"#figures\">figures</a> &middot; "
               "<a href=\"#provenance\">provenance</a></p>",
             "<h2 id=answer>Answer</h2>",
             f"<p class=answer>{page.answer}</p>",
             page.table,
             f"<p class=caveat><strong>Not a forecast.</strong> {e(m.get('caveat', CAVEAT))}"
             "</p>"]
    for i, (heading, body) in enumerate(page.sections):
        parts += [f"<h2 id=s{i}>{e(heading)}</h2>", body]
    parts += figures(result.path, page)
    parts += provenance(result.path, m, result.summary, non_default_values)
    return document(title, parts)


def non_default_values(resolved: Path) -> list[tuple[str, str, str, str]]:
    """(key, value, file, fact or assumption) of every value of a resolved ``scenario.toml``
    that was not set by ``scenarios/defaults.toml`` (the file's ``# set in`` comments)."""
    rows = []
    where = ""
    for line in resolved.read_text(encoding="utf-8").splitlines():
        if line.startswith("# set in "):
            where = line[len("# set in "):].strip()
            continue
        if not line or line.startswith("#") or "=" not in line:
            continue
        if where == DEFAULTS_FILE:
            where = ""
            continue
        try:
            parsed = tomllib.loads(line)
        except tomllib.TOMLDecodeError:
            where = ""
            continue
        key, value = _flatten(parsed)
        if isinstance(value, dict) and "value" in value:
            source = (_cite(value["fact"]) if "fact" in value else
                      f"assumption: {value['assumption']}" if "assumption" in value else
                      str(value.get("note", "")))
            value = value["value"]
        else:
            source = "structure (a definition, not a measured value)"
        rows.append((key, json.dumps(value, default=str), where or "the scenario", source))
        where = ""
    return rows


def _cite(fact_id: str) -> str:
    """A fact as a reader can follow it: id, figure, date, paraphrase and source."""
    from escsim.facts import bundled_facts

    f = bundled_facts().get(fact_id)
    if f is None:
        return f"fact {fact_id}"
    return f"fact {f.id} ({f.figure()}, {f.when()}): {f.paraphrase} [{f.source}]"


def _flatten(tree: dict[str, Any], prefix: str = "") -> tuple[str, Any]:
    (k, v), = tree.items()
    key = f"{prefix}.{k}" if prefix else k
    if isinstance(v, dict) and "value" not in v and len(v) == 1:
        return _flatten(v, key)
    return key, v


