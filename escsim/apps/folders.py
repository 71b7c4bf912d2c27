"""Any result folder, whatever its kind: redrawn (``escsim plot``) and reported
(``escsim report``) by the application of its kind (:data:`escsim.results.kinds.KINDS`)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from escsim.apps.common import AppResult
from escsim.errors import InputError


def redraw(folder: Path, outcomes: tuple[str, ...] = (), rung: int | None = None,
           axes: tuple[str, ...] = (), by: str | None = None) -> AppResult:
    """Redraw the figures of a result folder from its saved tables, into ``folder/plots``
    (``escsim plot``); ``outcomes``, ``rung``, ``axes`` and ``by`` apply to sweeps."""
    from escsim.results.kinds import folder_kind

    folder = Path(folder)
    kind = folder_kind(folder)
    sweep_options: dict[str, Any] = {"outcomes": outcomes, "rung": rung, "axes": axes, "by": by}
    swept = kind.name in ("sweep", "sensitivity")
    if not swept and (outcomes or rung is not None or axes or by):
        raise InputError("--outcome, --rung, --axis and --by apply to sweep folders",
                         file=str(folder), value=kind.name, expected="a sweep folder")
    redraw_kind = getattr(importlib.import_module(f"escsim.apps.{kind.app}"), kind.redraw)
    files = redraw_kind(folder, **sweep_options) if swept else redraw_kind(folder)
    shown = "sweep" if swept else kind.name
    return AppResult(folder, [str(f) for f in files],
                     {"folder": str(folder), "kind": shown, "plots": [str(f) for f in files]})


def report(folder: Path) -> AppResult:
    """Write ``folder/report.html``: one self-contained page to share a result
    (``escsim report``)."""
    from escsim.results.report import write_report

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no such result folder", file=str(folder),
                         expected="a folder written by escsim")
    path = write_report(folder)
    return AppResult(folder, [f"report: {path}"], {"report": str(path)})
