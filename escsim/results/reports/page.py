"""The parts every ``report.html`` shares: the page, its tables, its figures and their captions,
the provenance shown once.

A report leads with the answer (a sentence and a small table), then the figures in reading
order with captions that say what they show, then the provenance: what the whole folder shares
once, and for each scenario only what differs. Tables longer than a page are summarised on the
page and said to be complete in their CSV; nothing is cut silently.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

#: Rows a table may have on the page before it is summarised (its CSV has every row).
PAGE_ROWS = 30

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 2em auto;
       max-width: 60em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.55em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; font-size: 1.2em; }
h3 { font-size: 1.02em; margin-bottom: 0.3em; }
.answer { font-size: 1.08em; background: #f3f7fb; border-left: 4px solid #0072B2;
          padding: 0.6em 1em; }
.caveat { border-left: 4px solid #D55E00; background: #fff6ef; padding: 0.5em 1em;
          font-size: 0.9em; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.22em 0.55em; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums;
                                      white-space: nowrap; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.88em; color: #444; } code { font-size: 0.92em; }
.small { font-size: 0.85em; color: #555; }
@page { margin: 1.2cm; }
@media print {
  body { max-width: none; margin: 0; font-size: 8.5pt; }
  h2, h3 { break-after: avoid; } h2 { margin-top: 1em; } h3 { margin: 0.6em 0 0.2em; }
  figure { margin: 0.5em 0; } tr { break-inside: avoid; } figure { break-inside: avoid; }
  figure img { max-height: 8cm; max-width: 100%; } .wide { overflow: visible; }
  #provenance ~ div table, #provenance ~ table { font-size: 6.5pt; }
  th, td { padding: 0.1em 0.4em; }
}
"""


@dataclass
class Page:
    """What a kind of result puts before the figures.

    Attributes:
        answer: the answer in a sentence or two (HTML).
        table: the small table under it (HTML), or "".
        sections: (heading, HTML) sections after the answer, before the figures.
        captions: (regular expression on the figure's path in the folder, caption), in reading
            order: the figures are shown in this order, then any others.
        figure_globs: where the figures are (relative to the folder).
        notes: lines under the figures (e.g. where more figures are).
    """

    answer: str
    table: str = ""
    sections: list[tuple[str, str]] = field(default_factory=list)
    captions: list[tuple[str, str]] = field(default_factory=list)
    figure_globs: tuple[str, ...] = ("plots/*.png", "*/plots/*.png")
    notes: list[str] = field(default_factory=list)


class Html(str):
    """A table cell already in HTML (not escaped again)."""


def stacked(est: Any, low: Any, high: Any) -> Html:
    """An estimate over its interval, small, in one table cell."""
    return Html(f"{num(est)}<br><span class=small>[{num(low, 2)}, {num(high, 2)}]</span>")


def e(value: Any) -> str:
    """``value`` escaped for HTML."""
    return html.escape(str(value), quote=True)


def num(v: Any, digits: int = 3) -> str:
    """A number in significant digits ("" for a missing one)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f != f:
        return ""
    if f == int(f) and abs(f) < 1e6:
        return str(int(f))
    return f"{f:.{digits}g}"


def signed(v: Any, digits: int = 3) -> str:
    """A difference with its sign."""
    text = num(v, digits)
    return text if not text or text.startswith("-") or float(v) == 0 else "+" + text


def interval(est: Any, low: Any, high: Any) -> str:
    """``estimate [low, high]``."""
    return f"{num(est)} [{num(low)}, {num(high)}]"


def table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A table as HTML, numbers in significant digits, right-aligned."""
    head = "".join(f"<th>{e(c)}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, Html):
                cells.append(f"<td class=num>{v}</td>")
            elif isinstance(v, bool):
                cells.append(f"<td>{'yes' if v else 'no'}</td>")
            elif isinstance(v, int | float) and not isinstance(v, bool):
                cells.append(f"<td class=num>{num(v, digits)}</td>")
            else:
                cells.append(f"<td>{e('' if v is None or v != v else v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div class=wide><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
            "</tbody></table></div>")


def long_table(frame: pd.DataFrame, csv: str, what: str = "rows",
               rows: int = PAGE_ROWS) -> str:
    """A table in full when it fits a page; else its first ``rows`` and a line that says how
    many there are and that ``csv`` holds them all (never cut silently)."""
    if len(frame) <= rows:
        return table(frame) + f"<p class=small>Complete: <code>{e(csv)}</code>.</p>"
    return (table(frame.head(rows))
            + f"<p class=small>The first {rows} of {len(frame)} {e(what)} shown; "
              f"<code>{e(csv)}</code> holds every one.</p>")


def figures(folder: Path, page: Page) -> list[str]:
    """The figures of the folder, embedded, in the page's reading order, each with its
    caption."""
    pngs: list[Path] = []
    for pattern in page.figure_globs:
        pngs += [p for p in sorted(folder.glob(pattern)) if p not in pngs]
    rels = [p.relative_to(folder).as_posix() for p in pngs]

    def order(rel: str) -> tuple[int, str]:
        for i, (pattern, _) in enumerate(page.captions):
            if re.search(pattern, rel):
                return (i, rel)
        return (len(page.captions), rel)

    out = ["<h2 id=figures>Figures</h2>"]
    if not pngs:
        out.append("<p>No figures were drawn (<code>--no-plots</code>); <code>escsim plot"
                   "</code> draws them and <code>escsim report</code> rewrites this page.</p>")
    for n, rel in enumerate(sorted(rels, key=order), start=1):
        caption = next((c for p, c in page.captions if re.search(p, rel)), "")
        caption = caption.format(**_path_fields(rel)) if caption else _humanised(rel)
        data = base64.b64encode((folder / rel).read_bytes()).decode("ascii")
        out.append(f"<figure><img alt=\"Figure {n}: {e(caption)}\" "
                   f"src=\"data:image/png;base64,{data}\"><figcaption><strong>Figure {n}."
                   f"</strong> {e(caption)} <span class=small>({e(rel)})</span></figcaption>"
                   "</figure>")
    out += [f"<p class=small>{note}</p>" for note in page.notes]
    return out


def _path_fields(rel: str) -> dict[str, str]:
    stem = Path(rel).stem
    parts = re.split(r"[-_]", stem, maxsplit=1)
    sub = rel.split("/")[0] if rel.count("/") > 1 else ""
    return {"stem": stem, "rest": parts[1] if len(parts) > 1 else "", "sub": sub}


def _humanised(rel: str) -> str:
    stem = Path(rel).stem.replace("_", " ").replace("-", " ")
    sub = rel.split("/")[0] if rel.count("/") > 1 else ""
    return (f"{sub}: " if sub else "") + stem[:1].upper() + stem[1:] + "."


def provenance(path: Path, manifest: dict[str, Any], summary: dict[str, Any],
               non_default: Any) -> list[str]:
    """The provenance, once: the command, seeds, versions; the scenarios one row each; the
    values every scenario shares; then, per scenario, only what differs."""
    m = manifest
    out = ["<h2 id=provenance>Provenance</h2>"]
    if m.get("command"):
        out.append(f"<p>Command: <code>{e(m['command'])}</code></p>")
    facts = [("root seed", m.get("root_seed", summary.get("root_seed", ""))),
             ("code hash", m.get("code_hash", "")), ("written", m.get("created", "")),
             *[(f"{k} version", v) for k, v in (m.get("versions") or {}).items()]]
    out.append(table(pd.DataFrame([(a, str(b)) for a, b in facts], columns=["what", "value"])))
    entries = [s for s in m.get("scenarios", []) if isinstance(s, dict)]
    if not entries:
        return out
    out.append(table(pd.DataFrame(
        [(s.get("name", ""), s.get("source", ""), s.get("start_date", ""),
          num(s.get("horizon_days", "")), ", ".join(s.get("overrides", []) or []) or "-",
          s.get("param_hash", "")) for s in entries],
        columns=["scenario", "from", "start", "days", "overrides", "parameter hash"])))
    rows = {}
    for s in entries:
        resolved = resolve_in_folder(path, str(s.get("resolved", "scenario.toml")))
        rows[s.get("name", "")] = non_default(resolved) if resolved is not None else []
    if not any(rows.values()):
        return out
    cited: dict[str, str] = {}
    rows = {name: [_short_source(r, cited) for r in own] for name, own in rows.items()}
    names = list(rows)
    reference = names[0]
    out.append(f"<h3>{'Scenario ' + e(reference) if len(names) > 1 else 'Values'} not from "
               f"<code>{DEFAULTS_FILE}</code></h3>")
    out.append(table(pd.DataFrame(rows[reference], columns=["key", "value", "set in",
                                                            "source"])))
    ref_values = {(r[0], r[1]) for r in rows[reference]}
    ref_keys = {r[0] for r in rows[reference]}
    for name in names[1:]:
        own = rows[name]
        differing = [r for r in own if (r[0], r[1]) not in ref_values
                     and r[0] != "scenario.name"]
        keys = {r[0] for r in own}
        differing += [(k, "(the default)", DEFAULTS_FILE, "")
                      for k in sorted(ref_keys - keys)]
        out.append(f"<h3>Scenario {e(name)}: only what differs from {e(reference)}</h3>")
        out.append(table(pd.DataFrame(differing, columns=["key", "value", "set in", "source"]))
                   if differing else "<p>Nothing else.</p>")
    if cited:
        out.append("<h3>Facts cited</h3>")
        out.append(table(pd.DataFrame(sorted(cited.items()), columns=["fact", "what it says"])))
    out.append("<p class=small>Each row: the key, its value, the file that set it and the fact "
               "or assumption behind it. The full resolved scenario is each scenario's "
               "<code>scenario.toml</code> in the result folder.</p>")
    return out


DEFAULTS_FILE = "scenarios/defaults.toml"
_FACT = re.compile(r"^fact (\S+) \((.*)$", re.S)


def _short_source(row: tuple[str, str, str, str], cited: dict[str, str]
                  ) -> tuple[str, str, str, str]:
    """A row with its cited fact by id; the fact's words go once into ``cited``."""
    key, value, where, source = row
    found = _FACT.match(source)
    if found:
        cited[found.group(1)] = "(" + found.group(2)
        source = f"fact {found.group(1)}"
    if len(value) > 110:
        value = value[:100] + " ... (in scenario.toml)"
    return key, value, where, source


def resolve_in_folder(folder: Path, recorded: str) -> Path | None:
    """A path read from a folder's manifest, as a file inside the folder (None when there is
    no such file). The one place a report turns a recorded path into a file it reads: a path
    that leads out of the folder (absolute, ``..``, a symbolic link) is an
    :class:`~escsim.errors.InputError`, so nothing outside is copied into a page meant for
    sharing."""
    from escsim.results.files import inside_folder

    path = inside_folder(Path(folder), recorded, "a path in the manifest")
    return path if path.is_file() else None


def document(title: str, body: Sequence[str]) -> str:
    """The whole page."""
    return ("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def jsonable(v: Any) -> str:
    return json.dumps(v, default=str)
