"""Files and folders written atomically: the one writer every result goes through.

A file is written to a hidden temporary sibling and renamed into place when complete, and a
folder built whole is renamed into place the same way, so a reader never sees half a result; an
existing result is replaced only when asked (``--force``).

Before any work, :func:`check_writable` makes sure an output folder can be created and written;
while a result is written, :func:`output_lock` holds an exclusive lock beside it so two
commands never write the same folder; a write that fails for lack of space (or on a read-only
file system) becomes a :class:`WriteFailed` naming the path, not a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
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


class WriteFailed(InputError):
    """A result could not be written: the disk is full, the file system is read-only, or the
    folder is not writable. What was finished is kept where the command can resume."""


class OutputBusy(InputError):
    """Another escsim command is writing the same output folder."""


#: Errors of the place written to, not of escsim: reported as :class:`WriteFailed`.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES,
                          errno.EPERM, errno.ENOTDIR, errno.EEXIST, errno.EISDIR,
                          errno.ENAMETOOLONG, errno.ELOOP})

#: The longest name of an output folder, in bytes: its hidden siblings (``.NAME.lock``,
#: ``.NAME.partial-PID-XXXXXXXX``, ``.NAME.old-PID``) must fit the 255 bytes of a file name.
MAX_OUT_NAME_BYTES = 200


@contextlib.contextmanager
def write_errors(path: Path, hint: str = "") -> Iterator[None]:
    """Turn an ``OSError`` of the file system (full, read-only, not permitted) raised in the
    block into a :class:`WriteFailed` naming ``path``."""
    try:
        yield
    except WriteFailed as exc:
        if hint and not exc.message.endswith(hint):
            exc.message += hint
        raise
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        where = exc.filename or path
        raise WriteFailed(f"cannot write {where}: {exc.strerror or exc}" + hint,
                          file=str(path)) from None


def check_path_names(out: Path, key: str = "--out") -> None:
    """Refuse an output path with a name too long for the file system (before anything asks
    the file system about it, which would fail with ``ENAMETOOLONG``)."""
    out = Path(out)
    if "\x00" in str(out):
        raise InputError("a path cannot hold a NUL character", key=key,
                         value=str(out).replace("\x00", "\\0"), expected="a folder path")
    parts = out.parts
    for i, part in enumerate(parts):
        limit = MAX_OUT_NAME_BYTES if i == len(parts) - 1 else 255
        if len(os.fsencode(part)) > limit:
            raise InputError(f"a name in the output path is longer than {limit} bytes",
                             key=key, value=part, expected=f"folder names of at most {limit} "
                                                           "bytes")
    if len(os.fsencode(str(out))) > 4000:
        raise InputError("the output path is too long", key=key, value=str(out),
                         expected="a path of at most 4,000 bytes")


def check_writable(out: Path, key: str = "--out") -> None:
    """Fail before any work if folder ``out`` cannot be created and written: a path below a
    file, a read-only or unwritable folder. Tries a real file in the nearest existing folder
    (permissions alone do not tell, e.g. on a read-only mount)."""
    out = Path(out)
    check_path_names(out, key)
    if out.exists() and not out.is_dir():
        raise WriteFailed("the output path exists and is not a folder", file=str(out), key=key,
                          expected="a folder path")
    existing = out
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise WriteFailed(f"cannot create the output folder: {existing} is a file", file=str(out),
                          key=key, expected="a path whose parents are folders")
    try:
        fd, probe = tempfile.mkstemp(prefix=".escsim-write-check-", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise WriteFailed(f"cannot write in {existing}: {exc.strerror or exc}", file=str(out),
                          key=key, expected="a folder you can write to") from None


def escsim_wrote(folder: Path) -> bool:
    """Whether ``folder`` holds a ``manifest.json`` escsim wrote (a JSON object naming its kind
    or the escsim version), or is a folder of ``escsim trace`` (its two files and nothing else):
    the only folders ``--force`` replaces."""
    manifest = Path(folder) / "manifest.json"
    if manifest.is_symlink() or not manifest.is_file():
        return _trace_folder(Path(folder))
    try:
        with open(manifest, encoding="utf-8") as fh:
            text = fh.read(MAX_MANIFEST_BYTES + 1)
        if len(text) > MAX_MANIFEST_BYTES:
            return False
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(data, dict):
        return False
    versions = data.get("versions")
    return isinstance(data.get("kind"), str) or isinstance(data.get("escsim_version"), str) or \
        (isinstance(versions, dict) and "escsim" in versions)


#: What an ``escsim trace`` folder holds (it has no manifest): a folder of these files alone.
TRACE_FILES = frozenset({"trace.csv", "timeline.png"})


def _trace_folder(folder: Path) -> bool:
    try:
        names = {p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink()}
        every = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    return "trace.csv" in names and names == every and names <= TRACE_FILES


#: The largest manifest read to decide whether escsim wrote a folder.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def _protected(path: Path) -> str:
    """Why ``path`` (resolved) may never be replaced, or "" if it may."""
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor):
        return "the root folder"
    with contextlib.suppress(RuntimeError, KeyError):
        if resolved == Path.home().resolve():
            return "the home folder"
    if resolved == cwd:
        return "the working folder"
    if resolved in cwd.parents:
        return "a parent of the working folder"
    return ""


def check_replaceable(out: Path, key: str = "--out") -> None:
    """Before any work: ``--force`` may replace ``out`` only if it is a folder escsim wrote (its
    ``manifest.json`` says so) or an empty one, never ``.``, ``..``, ``/``, the home folder, a
    parent of the working folder, or a symbolic link (whose target it would delete).

    Raises:
        InputError: naming ``out`` and why it is kept.
    """
    out = Path(out)
    expect = "--out naming a result folder escsim wrote, or a new folder"
    if out.is_symlink():
        raise InputError("--force does not replace a symbolic link (nor the folder it points "
                         "to)", file=str(out), key=key, expected=expect)
    if not out.exists():
        return
    if out.name in ("", ".", ".."):
        raise InputError(f"--force never replaces {out.as_posix()!r}", file=str(out), key=key,
                         expected=expect)
    why = _protected(out)
    if why:
        raise InputError(f"--force never replaces {why}", file=str(out), key=key,
                         expected=expect)
    if not out.is_dir():
        raise InputError("the output path exists and is not a folder", file=str(out), key=key,
                         expected="a folder path")
    with contextlib.suppress(OSError):
        if not any(out.iterdir()):
            return
    if not escsim_wrote(out):
        raise InputError("--force replaces only a folder escsim wrote (one with its "
                         "manifest.json), and this one has none: its files are kept",
                         file=str(out), key=key, expected=expect)


def inside_folder(folder: Path, relative: str | Path, what: str = "a path") -> Path:
    """``relative``, read from a file of result folder ``folder``, resolved (symbolic links
    included) and held inside the folder: an absolute path, ``..`` or a link that leads out is
    an :class:`InputError` naming the folder's file. Every path read from a result folder goes
    through here before it is opened."""
    folder = Path(folder)
    text = str(relative)
    root = folder.resolve()
    if not text or "\x00" in text or Path(text).is_absolute() or text.startswith("~"):
        raise InputError(f"{what} outside the result folder", file=str(folder),
                         value=text[:160], expected="a path relative to the folder, inside it")
    target = (root / text).resolve()
    if target != root and root not in target.parents:
        raise InputError(f"{what} outside the result folder", file=str(folder),
                         value=text[:160], expected="a path relative to the folder, inside it")
    return target


#: How much of a table's end is read to check that its last row is whole.
_TAIL_BYTES = 1 << 16


def check_csv_table(path: Path, columns: Sequence[str] = (), rows: bool = True) -> list[str]:
    """Check a CSV table of a result folder without reading it whole: it is a readable text
    file with a header naming ``columns`` (and, with ``rows``, at least one row), and its last
    row is whole (as many fields as the header, ending in a newline). Returns the header.

    Raises:
        InputError: naming the file: empty, cut short, not text, or a column missing.
    """
    path = Path(path)
    expected = "a CSV table as escsim wrote it (rerun the command that made the folder)"
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            first = fh.readline(1 << 20)
            header = next(csv.reader([first]), [])
            size = os.fstat(fh.fileno()).st_size
        with open(path, "rb") as fb:
            fb.seek(max(0, size - _TAIL_BYTES))
            tail = fb.read().decode("utf-8")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"unreadable table ({exc})", file=str(path), expected=expected) from None
    if not header or not first.endswith("\n"):
        raise InputError("empty or cut-short table (no whole header line)", file=str(path),
                         expected=expected)
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError("a table without the columns escsim writes: no " + ", ".join(missing),
                         file=str(path), expected=expected)
    lines = tail.splitlines(keepends=True)
    last = lines[-1] if lines else ""
    if rows and size <= len(first.encode("utf-8")):
        raise InputError("a table without rows", file=str(path), expected=expected)
    if size > len(first.encode("utf-8")):
        try:
            fields = next(csv.reader([last]), [])
        except csv.Error:
            fields = []
        if not last.endswith("\n") or len(fields) != len(header):
            raise InputError("a table cut short (its last row is not whole)", file=str(path),
                             expected=expected)
    return header


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on writing folder ``out`` (``flock`` on the hidden file
    ``.OUT.lock`` beside it) for the block; a second command gets :class:`OutputBusy` at once.
    The kernel releases the lock when its holder dies, so a killed command never blocks the
    next one. Holding the lock, stale hidden copies a killed command left beside ``out``
    (``.OUT.partial-*``, ``.OUT.old-*``) are removed."""
    out = Path(out)
    lock = out.parent / f".{out.name}.lock"
    with write_errors(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputBusy("another escsim command is writing this output folder",
                                 file=str(out),
                                 expected="wait for it to finish, or choose another --out"
                                 ) from None
            try:  # the previous holder may have removed the file between our open and flock
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
    try:
        _remove_stale_copies(out)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def _remove_stale_copies(out: Path) -> list[Path]:
    """Hidden partial or old copies of ``out`` whose writer is gone (called under the lock)."""
    removed = []
    for p in out.parent.glob(f".{out.name}.*"):
        kind, _, rest = p.name[len(out.name) + 2:].partition("-")
        if kind not in ("partial", "old") or not p.is_dir():
            continue
        pid = rest.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)) and kind == "partial":
            continue  # a writer of an older escsim without the lock, still running
        if kind == "old" and not out.exists():
            os.replace(p, out)  # killed between the two renames of a replacement: put it back
        else:
            shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


@contextlib.contextmanager
def atomic_folder(out: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``out`` only if the block completes.

    The output lock is held throughout (:func:`output_lock`), and a full disk or a read-only
    file system while writing becomes a :class:`WriteFailed`."""
    out = Path(out)
    with output_lock(out):
        if out.exists() and not force:
            raise ResultExists("output folder exists; use --force to replace it or --out to "
                               "choose another", file=str(out))
        if force:
            check_replaceable(out)
        with write_errors(out):
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-",
                                        dir=out.parent))
            os.chmod(tmp, umask_mode(directory=True))  # mkdtemp's 0700: as the umask says
        try:
            with write_errors(out):
                yield tmp
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        with write_errors(out):
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
        os.fchmod(fd, umask_mode())  # mkstemp's 0600: readable as the umask says
        fh_: IO[Any] = os.fdopen(fd, mode) if "b" in mode else \
            os.fdopen(fd, mode, encoding="utf-8", newline="")
        with fh_ as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            raise WriteFailed(f"cannot write {path}: {exc.strerror or exc}",
                              file=str(path)) from None
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


def read_json_input(path: Path, what: str, expected: str) -> Any:
    """A JSON file the user handed us (a manifest to resume from): unreadable, truncated or
    invalid content is an :class:`InputError` naming the file."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=str(path), expected=expected) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what}: {exc}", file=str(path),
                         expected=expected) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{what} is truncated or not valid JSON ({exc})", file=str(path),
                         expected=expected) from None


def umask_mode(directory: bool = False) -> int:
    """The mode a new file (0666) or folder (0777) gets under the process's umask, as
    ``open`` and ``mkdir`` would give it: the atomic writer's temporary files start owner-only
    and are set to this, so a shared result is readable as the user's umask says."""
    umask = _umask()
    return (0o777 if directory else 0o666) & ~umask


def _umask() -> int:
    try:  # Linux says it without changing it (changing it is not thread-safe)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current
