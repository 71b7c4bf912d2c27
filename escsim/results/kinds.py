"""The kinds of result folder: the one table that says what each holds and how it is recognised.

Every folder escsim writes records its kind in ``manifest.json`` (``"kind": "run"``, ...). This
table says, for each kind, the command that makes it, the application module that makes, reads
back, summarises and redraws it (``escsim.apps.<app>``), the tables a finished folder holds, the
tables ``report.html`` shows, and, for folders written before their manifest named the kind, how
the folder is recognised from its files. ``escsim plot``, ``escsim report``, ``escsim trace DIR``
and :func:`escsim.read_run` all ask :func:`folder_kind`; nothing else guesses a folder's kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from escsim.errors import InputError
from escsim.results.files import check_csv_table, read_json_input
from escsim.results.runs_table import RUNS_CSV, has_runs


@dataclass(frozen=True)
class Kind:
    """One kind of result folder.

    Attributes:
        name: the ``kind`` of its manifest.
        command: the command that writes it.
        app: the module of :mod:`escsim.apps` that makes, reads back, summarises and redraws it.
        redraw: the function of that module that redraws a folder from its tables.
        tables: the files a finished folder holds (checked before it is redrawn; its
            ``runs.csv`` may be ``runs.parquet``, written with ``--format parquet``).
        report_tables: the CSV tables ``report.html`` shows, in order (by file stem).
        recognised_by: for a folder whose manifest does not name its kind (written by an older
            escsim): whether its files are this kind's; None where every such folder has one.
        runs_here: whether its ``runs.csv`` is in the folder itself (a row can be replayed by
            ``escsim trace DIR --replication K``).
        report: the builder of its ``report.html`` page, ``module:function`` in
            :mod:`escsim.results.reports` ("" for a page of its ``report_tables``).
    """

    name: str
    command: str
    app: str
    redraw: str = "redraw"
    tables: tuple[str, ...] = ()
    report_tables: tuple[str, ...] = ()
    recognised_by: Callable[[Path], bool] | None = None
    runs_here: bool = False
    report: str = ""


def _eras_files(folder: Path) -> bool:
    return (folder / "comparison.csv").is_file() and any(folder.glob("*/bands.csv"))


def _comparison_files(folder: Path) -> bool:
    return (folder / "comparison.csv").is_file() and not has_runs(folder)


def _run_files(folder: Path) -> bool:
    return has_runs(folder) and (folder / "summary.json").is_file()


def _backtest_files(folder: Path) -> bool:
    return (folder / "bands.csv").is_file()


def _trace_files(folder: Path) -> bool:
    return (folder / "trace.csv").is_file() and not has_runs(folder)


#: Every kind, in the order a folder without a named kind is recognised (the first match wins).
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("backtest-eras", "escsim backtest --eras", "backtest", redraw="redraw_eras",
         report="history:eras",
         tables=("comparison.csv",), report_tables=("scores", "comparison"),
         recognised_by=_eras_files),
    Kind("comparison", "escsim run A B ..., escsim compare", "compare", report="comparison:page",
         tables=("comparison.csv",), report_tables=("comparison",),
         recognised_by=_comparison_files),
    Kind("run", "escsim run", "run", tables=("runs.csv", "daily.csv", "summary.json"),
         recognised_by=_run_files, runs_here=True, report="run:page"),
    Kind("backtest", "escsim backtest", "backtest", tables=("comparison.csv", "bands.csv"),
         report_tables=("comparison",), recognised_by=_backtest_files,
         report="history:backtest"),
    Kind("sweep", "escsim sweep", "sweep", tables=("runs.csv", "summary.csv", "points.csv"),
         report_tables=("summary",), runs_here=True, report="sweep:page"),
    Kind("sensitivity", "escsim sensitivity", "sensitivity",
         tables=("runs.csv", "summary.csv", "points.csv", "sensitivity.csv"),
         report_tables=("summary", "sensitivity"), runs_here=True, report="sweep:page"),
    Kind("study", "escsim study", "study", tables=("regret.csv", "front.csv", "study.json"),
         report_tables=("ranking", "satisficing", "front"), runs_here=True,
         report="study:page"),
    Kind("calibrate", "escsim calibrate", "calibrate", tables=("posterior.csv",),
         report_tables=("posterior_summary", "check/scores"), report="history:calibrate"),
    Kind("trace", "escsim trace", "trace", tables=("trace.csv",),
         recognised_by=_trace_files),
    Kind("record", "escsim record --out DIR", "record",
         tables=("events.csv", "sources.csv", "monthly.csv", "tallies.csv"),
         report_tables=("tallies",)),
    Kind("score", "escsim score", "score",
         tables=("counts.csv", "events.csv", "skill.csv", "coverage.csv", "pit.csv"),
         report_tables=("skill", "coverage", "event_scores"), report="history:score"),
)}

#: What ``report.html`` shows of a folder whose kind is not known (every table it may show).
ANY_REPORT_TABLES = ("scores", "comparison", "summary", "sensitivity", "posterior_summary",
                     "check/scores")


def manifest_kind(folder: Path) -> str:
    """The ``kind`` the folder's manifest names ("" without one)."""
    manifest = Path(folder) / "manifest.json"
    if not manifest.is_file():
        return ""
    data = read_json_input(manifest, "manifest", "a manifest.json written by escsim")
    return str(data.get("kind", "")) if isinstance(data, dict) else ""


def recognise(folder: Path) -> str | None:
    """The kind of ``folder``: its manifest's, else the first kind whose files it holds, else
    None. Does not check that the folder is complete (:func:`folder_kind` does)."""
    folder = Path(folder)
    kind = manifest_kind(folder)
    if kind in KINDS:
        return kind
    return next((k.name for k in KINDS.values()
                 if k.recognised_by is not None and k.recognised_by(folder)), None)


def folder_kind(folder: Path) -> Kind:
    """The kind of a finished result folder, checked: it exists, its kind is known, and it holds
    the kind's tables.

    Raises:
        InputError: no such folder, not a result folder, or an unfinished one.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no such folder", file=str(folder), expected="a result folder")
    name = recognise(folder)
    if name not in KINDS:
        raise InputError("not a result folder", file=str(folder),
                         expected="a folder written by escsim run, sweep, sensitivity, study, "
                                  "backtest or calibrate (a trace folder holds its one figure "
                                  "already)")
    kind = KINDS[name]
    if kind.name not in ("sweep", "sensitivity"):  # read_sweep checks a sweep folder itself
        missing = [f for f in kind.tables if not _holds(folder, f)]
        if missing:
            raise InputError(f"incomplete {kind.name} folder (unfinished, or files removed): no "
                             + ", ".join(missing), file=str(folder),
                             expected=f"a finished {kind.name} folder (--resume finishes a run)")
    check_folder_files(folder, kind)
    return kind


def _holds(folder: Path, name: str) -> bool:
    """Whether ``folder`` holds table ``name`` (``runs.csv`` is also held as ``runs.parquet``,
    written with ``--format parquet``)."""
    return has_runs(folder) if name == RUNS_CSV else (folder / name).is_file()


def check_folder_files(folder: Path, kind: Kind) -> None:
    """The files a command reads back from a finished folder, checked before it reads them:
    its JSON files whole objects, its tables whole (a header, rows, a whole last row). A
    truncated or edited file is an :class:`InputError` naming it."""
    for name in ("manifest.json", "summary.json", *(t for t in kind.tables
                                                    if t.endswith(".json"))):
        path = folder / name
        if path.is_file():
            data = read_json_input(path, name, f"{name} as escsim wrote it")
            if not isinstance(data, dict):
                raise InputError(f"{name} is not a JSON object", file=str(path),
                                 expected=f"{name} as escsim wrote it")
    for name in kind.tables:
        if name.endswith(".csv") and (folder / name).is_file():
            check_csv_table(folder / name, rows=name in ("runs.csv", "points.csv"))
