"""The tables of a sweep folder: chunk parts, the tidy run table, the per-point summary.

A sweep folder holds::

    manifest.json   what was run: spec, seeds, versions, scenario hashes, executor, timings
    design.json     the exact swept values of every design point (what --resume re-runs)
    points.csv      one row per point: scenario, swept values, seed key, start date, horizon
    runs.csv        one row per point x replication: swept values, seed, every run column
                    (runs.parquet instead with --format parquet)
    summary.csv     one row per point: rung probabilities with exact 95% intervals, count
                    quantiles
    parts/          while running: one CSV per finished chunk (removed once runs.csv is built)
    plots/          figures (``escsim plot DIR`` redraws them)

Every table is written atomically; ``runs.csv`` is the concatenation of the chunk parts in chunk
order, which is (point, replication) order, so it is streamed, never held whole in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from escsim.errors import InputError
from escsim.results.files import (
    atomic_open,
    atomic_write_text,
    csv_text,
    read_json_input,
)
from escsim.results.runs_table import (
    RUNS_PARQUET,
    has_runs,
    read_runs_file,
    runs_columns,
    runs_path,
    write_runs_parquet,
)
from escsim.results.tables import read_table

MANIFEST = "manifest.json"
DESIGN = "design.json"
POINTS = "points.csv"
RUNS = "runs.csv"
SUMMARY = "summary.csv"
PARTS = "parts"
CHUNK_LOG = "chunks.jsonl"
#: Beside the parts: one line per finished part, its SHA-256 and row count, appended (and
#: flushed to disk) once the part is in place. A resume trusts only the parts it lists.
PART_INDEX = "index.jsonl"
_PART_NAME = re.compile(r"chunk-(\d{6,9})\.csv")


def part_path(folder: Path, chunk_id: int) -> Path:
    return Path(folder) / PARTS / f"chunk-{chunk_id:06d}.csv"


def write_part(folder: Path, chunk_id: int, columns: Sequence[str],
               rows: Sequence[Sequence[Any]]) -> None:
    """One finished chunk's rows, written atomically (a part either exists whole or not), then
    its checksum and row count appended to the part index."""
    text = csv_text(columns, rows)
    atomic_write_text(part_path(folder, chunk_id), text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with open(Path(folder) / PARTS / PART_INDEX, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"chunk": chunk_id, "sha256": digest, "rows": len(rows)}) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def part_index(folder: Path) -> dict[int, str]:
    """The checksum the index holds for each chunk (the last line for a chunk wins; a line cut
    short by a killed writer, or one that is not an entry, is ignored)."""
    path = Path(folder) / PARTS / PART_INDEX
    index: dict[int, str] = {}
    if not path.is_file():
        return index
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("chunk"), int) and \
                    isinstance(entry.get("sha256"), str):
                index[entry["chunk"]] = entry["sha256"]
    return index


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def done_chunks(folder: Path) -> set[int]:
    """Ids of the chunks whose part file exists and matches the checksum in the part index. A
    part that is missing from the index, cut short, edited or replaced by other bytes is
    removed, so its chunk runs again."""
    parts = Path(folder) / PARTS
    if not parts.is_dir():
        return set()
    index = part_index(folder)
    done = set()
    for p in parts.glob("chunk-*.csv"):
        m = _PART_NAME.fullmatch(p.name)
        if not m:
            continue  # other names are not parts: ignored
        chunk = int(m.group(1))
        try:
            good = not p.is_symlink() and p.is_file() and index.get(chunk) == _sha256(p)
        except OSError:
            good = False
        if good:
            done.add(chunk)
        else:
            with contextlib.suppress(OSError):
                p.unlink()
    return done


def clean_partial_files(folder: Path) -> None:
    """Remove temporary files a killed writer left behind (``.name.XXXX``)."""
    for d in (Path(folder), Path(folder) / PARTS):
        if d.is_dir():
            for p in d.glob(".*"):
                if p.is_file():
                    p.unlink()


def _stream_write(path: Path, chunks: Iterable[str]) -> None:
    """Write text pieces to ``path`` atomically, without holding them all in memory."""
    with atomic_open(path) as fh:
        for piece in chunks:
            fh.write(piece)


def assemble_runs(folder: Path, n_chunks: int, columns: Sequence[str],
                  runs_format: str = "csv") -> None:
    """``runs.csv`` = header + every part's rows in chunk order, streamed (with ``runs_format``
    ``parquet``: ``runs.parquet`` of the same rows, :mod:`escsim.results.runs_table`)."""
    folder = Path(folder)
    if runs_format == "parquet":
        write_runs_parquet(folder / RUNS_PARQUET, [part_path(folder, i) for i in range(n_chunks)])
        return

    def pieces() -> Iterator[str]:
        yield csv_text(columns, [])
        for i in range(n_chunks):
            with open(part_path(folder, i), encoding="utf-8", newline="") as fh:
                fh.readline()  # the part's header
                yield fh.read()

    _stream_write(folder / RUNS, pieces())


def iter_parts(folder: Path, n_chunks: int, columns: Sequence[str] | None = None
               ) -> Iterator[pd.DataFrame]:
    """The runs part by part (of ``columns`` only, those the parts have; default: every
    column), in chunk order. The parts are this command's own, checked on resume by their
    checksums."""
    wanted = None if columns is None else set(columns)
    for i in range(n_chunks):
        yield pd.read_csv(part_path(folder, i),
                          usecols=None if wanted is None else (lambda c: c in wanted))


def iter_point_blocks(folder: Path, n_chunks: int, columns: Sequence[str] | None = None
                      ) -> Iterator[pd.DataFrame]:
    """The runs, part by part, cut so that no point is split across blocks.

    Memory: about one part plus one point, of ``columns`` only (default: every column). The
    pieces of a point that spans parts are joined once, when the point is complete.
    """
    pending: list[pd.DataFrame] = []
    for part in iter_parts(folder, n_chunks, None if columns is None else ["point", *columns]):
        last = part["point"].iloc[-1]
        whole = part["point"] != last
        if whole.any():  # every point before `last` is now complete
            yield pd.concat([*pending, part[whole]], ignore_index=True) if pending \
                else part[whole]
            pending = []
        pending.append(part[~whole])
    if pending:
        yield pd.concat(pending, ignore_index=True)


@dataclass(frozen=True)
class PointInfo:
    """What the summary needs to know of one point beyond its runs."""

    point: int
    scenario: str
    design_point: int
    values: tuple[Any, ...]
    horizon_days: float
    rungs: tuple[int, ...]
    #: Calendar date of day 0 (ISO): with the horizon, the window the point's numbers cover.
    start_date: str = ""


# ---------------------------------------------------------------------------------- reading ---
@dataclass
class SweepFolder:
    """A finished sweep read back from disk (``runs`` is read on first use)."""

    path: Path
    manifest: dict[str, Any]
    points: pd.DataFrame
    summary: pd.DataFrame
    _runs: pd.DataFrame | None = None

    @property
    def keys(self) -> list[str]:
        return list(self.manifest["design"]["keys"])

    @property
    def runs(self) -> pd.DataFrame:
        if self._runs is None:
            self._runs = read_runs_file(runs_path(self.path), need_rows=True)
        return self._runs

    def read_runs(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Some columns of ``runs.csv`` (all when ``columns`` is None)."""
        if columns is None:
            return self.runs
        return read_runs_file(runs_path(self.path), columns, need_rows=True)

    def runs_columns(self) -> list[str]:
        """The columns of the run table (read from its header or schema, not its rows)."""
        return runs_columns(runs_path(self.path))

    def rung_names(self, scenario: str | None = None) -> dict[int, str]:
        ladders: dict[str, dict[str, int]] = self.manifest.get("ladders", {})
        names: dict[int, str] = {}
        for name, ladder in ladders.items():
            if scenario is None or name == scenario:
                for rung, level in ladder.items():
                    names.setdefault(int(level), rung)
        return names

    def units(self) -> dict[str, str]:
        return dict(self.manifest["design"].get("units", {}))


def read_sweep(folder: Path) -> SweepFolder:
    """Open a finished sweep folder (``escsim sweep`` or ``escsim sensitivity``).

    Args:
        folder: the folder the sweep wrote.

    Returns:
        A :class:`SweepFolder`: ``summary`` (one row per point: rung probabilities with 95%
        intervals, count quantiles), ``points``, ``runs`` (one row per point x replication,
        read on first use), ``keys``, ``units()`` and ``rung_names()``.

    Raises:
        InputError: not a sweep folder, or a sweep that has not finished.
    """
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise InputError("not a sweep folder (no manifest.json)", file=str(folder),
                         expected="a folder written by escsim sweep or escsim sensitivity")
    manifest = read_json_input(folder / MANIFEST, "manifest",
                               "the manifest.json escsim sweep wrote")
    if isinstance(manifest, dict) and manifest.get("kind") == "run":
        raise InputError("a run folder, not a sweep folder", file=str(folder),
                         expected="a folder written by escsim sweep or escsim sensitivity "
                                  "(a run folder's plots are drawn by escsim run)")
    if not isinstance(manifest, dict) or manifest.get("status") != "complete" or \
            not has_runs(folder) or not (folder / POINTS).is_file() or \
            not (folder / SUMMARY).is_file():
        raise InputError("the sweep has not finished", file=str(folder),
                         expected="a finished sweep; run escsim sweep --resume --out "
                                  f"{folder} to complete it")
    return SweepFolder(folder, manifest, read_table(folder / POINTS, need_rows=True),
                       read_table(folder / SUMMARY, required=("point",), need_rows=True))
