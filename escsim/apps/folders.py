"""Any result folder, whatever its kind: redrawn (``escsim plot``) and reported
(``escsim report``) by the application of its kind (:data:`escsim.results.kinds.KINDS`)."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from escsim.apps.common import AppResult
from escsim.errors import InputError


@contextlib.contextmanager
def damaged_tables(folder: Path) -> Iterator[None]:
    """A table of ``folder`` that passed the checks of its kind yet is not as escsim wrote it
    (a column of the wrong type, values edited) fails as an :class:`InputError` naming the
    folder, not a traceback."""
    import pandas as pd

    try:
        yield
    except InputError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, AttributeError,
            pd.errors.ParserError) as exc:
        raise InputError(f"a file of the folder is not as escsim wrote it ({type(exc).__name__}: "
                         f"{str(exc)[:200]})", file=str(folder),
                         expected="a result folder as escsim wrote it (rerun the command that "
                                  "made it)") from None


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
    with damaged_tables(folder):
        files = redraw_kind(folder, **sweep_options) if swept else redraw_kind(folder)
    shown = "sweep" if swept else kind.name
    return AppResult(folder, [str(f) for f in files],
                     {"folder": str(folder), "kind": shown, "plots": [str(f) for f in files]})


def report(folder: Path) -> AppResult:
    """Write ``folder/report.html``: one self-contained page to share a result
    (``escsim report``)."""
    from escsim.results.kinds import folder_kind
    from escsim.results.report import write_report

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no such result folder", file=str(folder),
                         expected="a folder written by escsim")
    from escsim.results.files import escsim_wrote

    kind = folder_kind(folder)
    if not escsim_wrote(folder):  # a folder of someone else's files gets no report.html
        raise InputError("not a result folder escsim wrote (no manifest.json of escsim)",
                         file=str(folder), value=kind.name,
                         expected="a folder written by escsim run, sweep, study, backtest, "
                                  "calibrate or record")
    with damaged_tables(folder):
        path = write_report(folder)
    return AppResult(folder, [f"report: {path}"], {"report": str(path)})
