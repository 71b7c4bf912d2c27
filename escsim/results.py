"""Result folders on disk: written atomically, read back by analysis and plots.

A result folder of ``escsim run`` holds ``runs.csv`` (one row per replication), ``daily.csv``
(per day: mean and 5/50/95% quantiles of the cumulative series), ``summary.json`` and ``plots/``.
It is built in a hidden sibling folder and renamed into place when complete, so a reader never
sees half a result; an existing result is replaced only when asked (``--force``).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from escsim.errors import InputError


class ResultExists(InputError):
    """The output folder exists and ``--force`` was not given."""


@contextlib.contextmanager
def atomic_folder(out: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``out`` only if the block completes."""
    out = Path(out)
    if out.exists() and not force:
        raise ResultExists("output folder exists; use --force to replace it or --out to choose "
                           "another", file=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        trash = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, trash)
        os.replace(tmp, out)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(tmp, out)


@contextlib.contextmanager
def atomic_open(path: Path) -> Iterator[IO[str]]:
    """A text file handle whose content replaces ``path`` (via a temporary sibling and an atomic
    rename) only if the block completes; a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file via a temporary sibling and an atomic rename."""
    with atomic_open(path) as fh:
        fh.write(text)


def write_rows_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """A tidy CSV (missing values empty), written atomically."""
    with atomic_open(path) as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({k: ("" if v is None else v) for k, v in row.items()})


def write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def read_runs(folder: Path) -> pd.DataFrame:
    """The run table of a result folder."""
    path = Path(folder) / "runs.csv"
    if not path.is_file():
        raise InputError("no runs.csv in result folder", file=str(folder),
                         expected="a folder written by escsim run")
    return pd.read_csv(path)


def read_daily(folder: Path) -> pd.DataFrame:
    return pd.read_csv(Path(folder) / "daily.csv")


def read_summary(folder: Path) -> dict[str, Any]:
    with open(Path(folder) / "summary.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data
