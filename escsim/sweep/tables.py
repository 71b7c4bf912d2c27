"""The tables of a sweep folder: chunk parts, the tidy run table, the per-point summary.

A sweep folder holds::

    manifest.json   what was run: spec, seeds, versions, scenario hashes, executor, timings
    design.json     the exact swept values of every design point (what --resume re-runs)
    points.csv      one row per point: scenario, swept values, seed key, horizon
    runs.csv        one row per point x replication: swept values, seed, every run column
    summary.csv     one row per point: rung probabilities with exact 95% intervals, count
                    quantiles
    parts/          while running: one CSV per finished chunk (removed once runs.csv is built)
    plots/          figures (``escsim plot DIR`` redraws them)

Every table is written atomically; ``runs.csv`` is the concatenation of the chunk parts in chunk
order, which is (point, replication) order, so it is streamed, never held whole in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escsim.analysis import MAIN_COUNTS
from escsim.errors import InputError
from escsim.results import atomic_open, atomic_write_text

MANIFEST = "manifest.json"
DESIGN = "design.json"
POINTS = "points.csv"
RUNS = "runs.csv"
SUMMARY = "summary.csv"
PARTS = "parts"
CHUNK_LOG = "chunks.jsonl"
#: Digits kept for probabilities and quantiles in summary.csv.
SUMMARY_DIGITS = 6


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]], header: bool = True) -> str:
    """Rows as CSV text (missing values empty; floats as ``repr``, so they read back exactly)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(columns)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def part_path(folder: Path, chunk_id: int) -> Path:
    return Path(folder) / PARTS / f"chunk-{chunk_id:06d}.csv"


def write_part(folder: Path, chunk_id: int, columns: Sequence[str],
               rows: Sequence[Sequence[Any]]) -> None:
    """One finished chunk's rows, written atomically (a part either exists whole or not)."""
    atomic_write_text(part_path(folder, chunk_id), csv_text(columns, rows))


def done_chunks(folder: Path) -> set[int]:
    """Ids of the chunks whose part file exists."""
    parts = Path(folder) / PARTS
    if not parts.is_dir():
        return set()
    return {int(p.stem.split("-")[1]) for p in parts.glob("chunk-*.csv")}


def clean_partial_files(folder: Path) -> None:
    """Remove temporary files a killed writer left behind (``.name.XXXX``)."""
    for d in (Path(folder), Path(folder) / PARTS):
        if d.is_dir():
            for p in d.glob(".*"):
                if p.is_file():
                    p.unlink()


def clopper_pearson(successes: np.ndarray, trials: np.ndarray, confidence: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) intervals for many proportions at once, from beta quantiles.

    Equal to :func:`escsim.analysis.binomial_interval` (to ~1e-12) but vectorised: a sweep
    has thousands of points x rungs.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k <= 0, 0.0, stats.beta.ppf(alpha / 2, k, n - k + 1))
        hi = np.where(k >= n, 1.0, stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    bad = n <= 0
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def _stream_write(path: Path, chunks: Iterable[str]) -> None:
    """Write text pieces to ``path`` atomically, without holding them all in memory."""
    with atomic_open(path) as fh:
        for piece in chunks:
            fh.write(piece)


def assemble_runs(folder: Path, n_chunks: int, columns: Sequence[str]) -> None:
    """``runs.csv`` = header + every part's rows in chunk order, streamed."""
    folder = Path(folder)

    def pieces() -> Iterator[str]:
        yield csv_text(columns, [])
        for i in range(n_chunks):
            with open(part_path(folder, i), encoding="utf-8", newline="") as fh:
                fh.readline()  # the part's header
                yield fh.read()

    _stream_write(folder / RUNS, pieces())


def iter_point_blocks(folder: Path, n_chunks: int, columns: Sequence[str] | None = None
                      ) -> Iterator[pd.DataFrame]:
    """The runs, part by part, cut so that no point is split across blocks.

    Memory: about one part plus one point, of ``columns`` only (default: every column). The
    pieces of a point that spans parts are joined once, when the point is complete.
    """
    wanted = None if columns is None else {"point", *columns}
    pending: list[pd.DataFrame] = []
    for i in range(n_chunks):
        part = pd.read_csv(part_path(folder, i),
                           usecols=None if wanted is None else (lambda c: c in wanted))
        last = part["point"].iloc[-1]
        whole = part["point"] != last
        if whole.any():  # every point before `last` is now complete
            yield pd.concat([*pending, part[whole]], ignore_index=True) if pending \
                else part[whole]
            pending = []
        pending.append(part[~whole])
    if pending:
        yield pd.concat(pending, ignore_index=True)


def summary_inputs(rungs: Sequence[int]) -> list[str]:
    """The run columns :func:`build_summary` reads."""
    return [*(f"day_rung_{r}" for r in rungs), *MAIN_COUNTS]


@dataclass(frozen=True)
class PointInfo:
    """What the summary needs to know of one point beyond its runs."""

    point: int
    scenario: str
    design_point: int
    values: tuple[Any, ...]
    horizon_days: float
    rungs: tuple[int, ...]


def summary_columns(keys: Sequence[str], rungs: Sequence[int]) -> list[str]:
    cols = ["point", "design_point", "scenario", *keys, "horizon_days", "runs"]
    for r in rungs:
        cols += [f"p_rung_{r}", f"p_rung_{r}_low", f"p_rung_{r}_high"]
    for c in MAIN_COUNTS:
        cols += [f"mean_{c}", f"q05_{c}", f"q50_{c}", f"q95_{c}"]
    return cols


def build_summary(blocks: Iterable[pd.DataFrame], points: Sequence[PointInfo],
                  keys: Sequence[str], rungs: Sequence[int], confidence: float = 0.95
                  ) -> tuple[list[str], list[list[Any]]]:
    """Per point: runs, rung probabilities with exact intervals, count mean and quantiles.

    ``blocks`` are run tables that each hold whole points (:func:`iter_point_blocks`).
    """
    reached = np.zeros((len(points), len(rungs)))
    n = np.zeros(len(points))
    counts = np.full((len(points), 4 * len(MAIN_COUNTS)), np.nan)
    for block in blocks:
        point = block["point"].to_numpy(dtype=int)
        idx, start, size = np.unique(point, return_index=True, return_counts=True)
        n[idx] = size
        for j, r in enumerate(rungs):
            col = f"day_rung_{r}"
            if col in block:
                reached[idx, j] = np.add.reduceat(block[col].notna().to_numpy(dtype=float),
                                                  start)
        for j, c in enumerate(MAIN_COUNTS):
            if c in block:
                v = pd.to_numeric(block[c], errors="coerce").to_numpy(dtype=float)
                counts[idx, 4 * j:4 * j + 4] = _group_stats(point, v, start, size)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = reached / n[:, None]
    lo, hi = clopper_pearson(reached, n[:, None], confidence)
    prob_l, lo_l, hi_l = _rounded(prob), _rounded(lo), _rounded(hi)
    counts_l = _rounded(counts)
    rows = []
    for i, info in enumerate(points):
        row: list[Any] = [info.point, info.design_point, info.scenario, *info.values,
                          info.horizon_days, int(n[i])]
        for j, r in enumerate(rungs):
            if r not in info.rungs or n[i] == 0:
                row += [None, None, None]
            else:
                row += [prob_l[i][j], lo_l[i][j], hi_l[i][j]]
        rows.append(row + counts_l[i])
    return summary_columns(keys, rungs), rows


def _group_stats(point: np.ndarray, v: np.ndarray, start: np.ndarray, size: np.ndarray
                 ) -> np.ndarray:
    """Per run of equal ``point`` values: mean and the 5/50/95% quantiles of ``v`` for all
    groups at once. Quantiles are values that occurred (the inverted CDF, as
    :func:`escsim.analysis.count_quantiles`: counts stay whole numbers)."""
    order = np.lexsort((v, point))
    x = v[order]
    out = np.empty((len(start), 4))
    out[:, 0] = np.add.reduceat(v, start) / size
    for k, q in enumerate((0.05, 0.5, 0.95), start=1):
        rank = np.clip(np.ceil(size * q - 1e-12).astype(int) - 1, 0, size - 1)
        out[:, k] = x[start + rank]
    return out


def _rounded(a: np.ndarray) -> list[list[float | None]]:
    """Rows of ``a`` as Python floats rounded to :data:`SUMMARY_DIGITS`, NaN as None."""
    return [[None if x != x else round(x, SUMMARY_DIGITS) for x in row] for row in a.tolist()]


def _r(x: float) -> float | None:
    x = float(x)
    return None if np.isnan(x) else round(x, SUMMARY_DIGITS)


def write_table(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    atomic_write_text(Path(path), csv_text(columns, rows))


def write_json(path: Path, data: Any) -> None:
    atomic_write_text(Path(path), json.dumps(data, indent=2, default=str) + "\n")


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


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
            self._runs = pd.read_csv(self.path / RUNS)
        return self._runs

    def read_runs(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Some columns of ``runs.csv`` (all when ``columns`` is None)."""
        if columns is None:
            return self.runs
        return pd.read_csv(self.path / RUNS, usecols=list(dict.fromkeys(columns)))

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
    manifest = read_json(folder / MANIFEST)
    if manifest.get("status") != "complete" or not (folder / RUNS).is_file():
        raise InputError("the sweep has not finished", file=str(folder),
                         expected="a finished sweep; run escsim sweep --resume --out "
                                  f"{folder} to complete it")
    return SweepFolder(folder, manifest, pd.read_csv(folder / POINTS),
                       pd.read_csv(folder / SUMMARY))
