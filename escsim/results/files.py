"""Files and folders written atomically: the one writer every result goes through.

A file is written to a hidden temporary sibling and renamed into place when complete, and a
folder built whole is renamed into place the same way, so a reader never sees half a result; an
existing result is replaced only when asked (``--force``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

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
    with _atomic(path, "w") as fh:
        yield fh


@contextlib.contextmanager
def atomic_binary(path: Path) -> Iterator[IO[bytes]]:
    """:func:`atomic_open` for binary content."""
    with _atomic(path, "wb") as fh:
        yield fh


@contextlib.contextmanager
def _atomic(path: Path, mode: str) -> Iterator[Any]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        fh_: IO[Any] = os.fdopen(fd, mode) if "b" in mode else \
            os.fdopen(fd, mode, encoding="utf-8", newline="")
        with fh_ as fh:
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


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]], header: bool = True) -> str:
    """Rows as CSV text (missing values empty; floats as ``repr``, so they read back exactly)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(columns)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def write_table(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A tidy CSV of row sequences (missing values empty), written atomically."""
    atomic_write_text(Path(path), csv_text(columns, rows))


def write_json(path: Path, data: Any) -> None:
    """JSON (indented, dates as text), written atomically."""
    atomic_write_text(Path(path), json.dumps(data, indent=2, default=str) + "\n")


def read_json(path: Path) -> Any:
    """A JSON file."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
