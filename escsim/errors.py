"""Errors a user can act on.

Every problem with user input (a scenario file, a ``--set`` override, the fact base) is raised as an
:class:`InputError` carrying the file, the key, the offending value and what was expected. The CLI
turns it into one line on stderr and exit code 2; nothing else should reach the user as a traceback.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Largest input file read (a scenario, priors, observations, a design table, a posterior): far
#: above any real one, and a bound on what a device or a hostile file can make escsim read.
MAX_INPUT_BYTES = 64 * 1024 * 1024


def read_text_bounded(path: str | Path, limit: int = MAX_INPUT_BYTES) -> str:
    """``Path(path).read_text(encoding="utf-8")`` that reads at most ``limit`` bytes: a larger
    file (or an endless device such as /dev/zero) raises ``OSError(EFBIG)``, which the callers'
    ``except OSError`` turns into an :class:`InputError` naming the file."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"file larger than {limit:,} bytes", str(path))
    return data.decode("utf-8")


#: Longest value quoted in a message: a hostile input is named, not echoed whole.
MAX_SHOWN_CHARS = 160


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    return f"{text[:MAX_SHOWN_CHARS - 40]}... ({len(text):,} characters)"


@dataclass
class InputError(Exception):
    """Bad user input: names the file, the key, the value and what was expected."""

    message: str
    file: str | None = None
    key: str | None = None
    value: Any = None
    expected: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.key:
            parts.append(f"key '{self.key}'")
        head = ": ".join(parts)
        text = self.message
        if self.value is not None:
            text += f" (got {_shown(self.value)}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return f"{head}: {text}" if head else text
