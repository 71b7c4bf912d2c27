"""``report.html``: one self-contained page to share a result folder.

Everything is inside the file: figures embedded as base64 PNG, tables as HTML, the provenance
(the command, versions, seeds, every scenario's source and overrides, and each value that differs
from ``scenarios/defaults.toml`` with the fact or assumption behind it), and the caveat that the
results explore assumptions and do not forecast. It references nothing outside itself (no links
to files, no scripts, no fonts, no absolute paths), so it reads offline, attached to an email or
in a supplement.
"""

from __future__ import annotations

import base64
import html
import json
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from escsim.results.files import atomic_write_text
from escsim.results.kinds import ANY_REPORT_TABLES, KINDS
from escsim.results.provenance import CAVEAT, SCENARIO_TOML
from escsim.results.read import ResultFolder, read_run

REPORT = "report.html"
DEFAULTS_FILE = "scenarios/defaults.toml"
#: Tables longer than this are cut in the report (the CSV beside it has every row).
MAX_ROWS = 60

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 2em auto;
       max-width: 62em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; font-size: 1.25em; }
.caveat { border-left: 4px solid #D55E00; background: #fff6ef; padding: 0.6em 1em; }
table { border-collapse: collapse; font-size: 0.86em; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; } code { font-size: 0.92em; }
.small { font-size: 0.85em; color: #555; }
"""


def write_report(folder: str | Path) -> Path:
    """Write ``folder/report.html`` from what the folder holds; return its path."""
    folder = Path(folder)
    result = read_run(folder)
    atomic_write_text(folder / REPORT, report_html(result))
    return folder / REPORT


def report_html(result: ResultFolder) -> str:
    """The report of a result folder, as one HTML document."""
    m = result.manifest
    title = str(m.get("title") or result.summary.get("title") or result.summary.get("scenario")
                or result.path.name)
    parts = [f"<h1>{_e(title)}</h1>",
             f"<p class=small>escsim {_e(result.kind)} result, written "
             f"{_e(m.get('created', ''))}</p>",
             f"<p class=caveat><strong>Not a forecast.</strong> {_e(m.get('caveat', CAVEAT))}"
             "</p>"]
    parts += _results_section(result)
    parts += _figures_section(result.path)
    parts += _provenance_section(result)
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
            f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")


# --------------------------------------------------------------------------------- results ---
def _results_section(result: ResultFolder) -> list[str]:
    out = ["<h2 id=results>Results</h2>"]
    s = result.summary
    if "rung_probability" in s:
        names = {int(k): v for k, v in s.get("rung_names", {}).items()}
        out.append(f"<p>{_e(s.get('runs', ''))} runs of {_e(s.get('horizon_days', ''))} days "
                   f"from {_e(s.get('start_date', ''))}; root seed {_e(s.get('root_seed', ''))}."
                   "</p>")
        rungs = pd.DataFrame(s["rung_probability"])
        rungs.insert(1, "name", [names.get(int(r), "") for r in rungs["rung"]])
        out.append("<p>Probability of reaching each rung within the horizon, with a 95% "
                   "Clopper-Pearson interval (Monte Carlo uncertainty only):</p>")
        out.append(_table(rungs))
        if "count_quantiles" in s:
            out.append("<p>Counts per run: mean and quantiles across runs.</p>")
            out.append(_table(pd.DataFrame(s["count_quantiles"])))
    tables = dict(result.tables)
    check_scores = result.path / "check" / "scores.csv"
    if check_scores.is_file():  # a joint calibration's posterior predictive check, per era
        tables["check/scores"] = pd.read_csv(check_scores)
    kind = KINDS.get(result.kind)
    for name in kind.report_tables if kind is not None else ANY_REPORT_TABLES:
        if name in tables:
            cut = len(tables[name]) > MAX_ROWS
            out.append(f"<p>From <code>{name}.csv</code>"
                       + (f" (first {MAX_ROWS} of {len(tables[name])} rows)" if cut
                          else "") + ":</p>")
            out.append(_table(tables[name].head(MAX_ROWS)))
    if len(out) == 1:
        out.append("<p>This folder has no summary table.</p>")
    return out


def _figures_section(folder: Path) -> list[str]:
    pngs = sorted(folder.glob("plots/*.png")) + sorted(folder.glob("*/plots/*.png"))
    out = ["<h2 id=figures>Figures</h2>"]
    if not pngs:
        out.append("<p>No figures were drawn (<code>--no-plots</code>); <code>escsim plot"
                   "</code> draws them and <code>escsim report</code> rewrites this page.</p>")
    for png in pngs:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        rel = png.relative_to(folder).as_posix()
        out.append(f"<figure><img alt=\"{_e(rel)}\" src=\"data:image/png;base64,{data}\">"
                   f"<figcaption>{_e(rel)}</figcaption></figure>")
    return out


# ------------------------------------------------------------------------------ provenance ---
def _provenance_section(result: ResultFolder) -> list[str]:
    m = result.manifest
    out = ["<h2 id=provenance>Provenance</h2>"]
    if m.get("command"):
        out.append(f"<p>Command: <code>{_e(m['command'])}</code></p>")
    facts = [("root seed", m.get("root_seed", result.summary.get("root_seed", ""))),
             ("code hash", m.get("code_hash", "")),
             *[(f"{k} version", v) for k, v in (m.get("versions") or {}).items()]]
    out.append(_table(pd.DataFrame(facts, columns=["what", "value"])))
    for entry in m.get("scenarios", []):
        out.append(f"<h3>Scenario {_e(entry.get('name', ''))}</h3>")
        out.append(f"<p>From <code>{_e(entry.get('source', ''))}</code>, parameter hash "
                   f"<code>{_e(entry.get('param_hash', ''))}</code>; "
                   f"{_e(entry.get('start_date', ''))}, {_e(entry.get('horizon_days', ''))} "
                   "days." + (" Overrides: " + ", ".join(f"<code>{_e(o)}</code>" for o in
                                                          entry.get("overrides", []))
                              if entry.get("overrides") else "") + "</p>")
        resolved = result.path / str(entry.get("resolved", SCENARIO_TOML))
        rows = non_default_values(resolved) if resolved.is_file() else []
        if rows:
            out.append(f"<p>Every value not taken from <code>{DEFAULTS_FILE}</code>, with "
                       "where it was set and the fact or assumption behind it (the full "
                       f"resolved scenario is <code>{_e(entry.get('resolved', ''))}</code> in "
                       "the result folder):</p>")
            out.append(_table(pd.DataFrame(rows, columns=["key", "value", "set in",
                                                          "source"])))
    return out


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


# ---------------------------------------------------------------------------------- helpers ---
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append(f"<td class=num>{'' if v != v else f'{v:.4g}'}</td>")
            elif isinstance(v, int):
                cells.append(f"<td class=num>{v}</td>")
            else:
                cells.append(f"<td>{_e(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
